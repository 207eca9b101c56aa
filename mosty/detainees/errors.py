"""The registry's own failures, each a subclass of the product's hierarchy (`mosty.core.exceptions`), so the
web and API layers answer them like any other: a code, an HTTP status, a message without personal data."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from mosty.core.exceptions import MostyError, ValidationFailed


class ColumnMappingNeeded(ValidationFailed):
    """The file's headers are not the convention's, and no mapping given or remembered fits them. Carries the
    headers and a guess, for the mapping form (the API answers with their number only: a file without a header
    row would have names there)."""

    code = "column_mapping_needed"
    status = 400
    message = _("Tell us which of the file's columns holds which field.")

    def __init__(self, *, headers: list[str], guess: dict[str, str], invalid: bool = False) -> None:
        super().__init__(
            _("The column mapping must name the record id column and only columns the file has.") if invalid else None
        )
        self.headers = headers
        self.guess = guess
        self.invalid = invalid


class FileTooLarge(ValidationFailed):
    """More rows than an upload may have (the command line takes bigger files)."""

    code = "file_too_large"
    status = 413
    message = _("The file has too many rows for an upload.")


class RunTooLarge(ValidationFailed):
    """More records than a linkage run started from the web may link (the command line takes more)."""

    code = "run_too_large"
    status = 400
    message = _("Too many records for a run started here. Run it on the server with `mosty detainees link`.")


class LinkageFailed(MostyError):
    """The linkage engine failed. The run is marked failed; the message names no record."""

    code = "linkage_failed"
    status = 500
    message = _("The linkage run failed. Nothing was stored; the run is marked as failed.")
