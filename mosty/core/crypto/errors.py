"""Named failures of the crypto layer. Messages never carry plaintext or key material."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from mosty.core.exceptions import MostyError


class CryptoError(MostyError):
    code = "crypto_error"
    status = 500
    message = _("A protected value could not be processed.")


class DecryptionFailed(CryptoError):
    """The ciphertext is corrupt, was moved from elsewhere, or the key is wrong. Never returns the stored bytes."""

    code = "decryption_failed"
    message = _("A protected value could not be decrypted.")


class KeyNotAvailable(CryptoError):
    """The acting organisation holds no key for this record (not shared with it, or shredded)."""

    code = "key_not_available"
    status = 404
    message = _("Not found.")


class RecordShredded(KeyNotAvailable):
    code = "record_shredded"
    message = _("This record was destroyed and can no longer be read.")


class NoActingOrganisation(CryptoError):
    """Encrypted values are read on behalf of an organisation; none was set (fail closed)."""

    code = "no_acting_organisation"


class MasterKeyUnavailable(CryptoError):
    code = "master_key_unavailable"
    message = _("The master key is not available.")
