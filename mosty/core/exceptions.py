"""One exception hierarchy for the whole product.

Each failure has its own class with a stable `code`, an HTTP `status` and a translatable `message`.
The HTML layer (`mosty.core.views.render_error`) and the API layer (`mosty.api.api`) map them to
responses, so every client sees the same code for the same failure. Messages never carry personal data.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class MostyError(Exception):
    code: str = "error"
    status: int = 400
    message: str | Promise = _("The request could not be completed.")

    def __init__(self, message: str | Promise | None = None) -> None:
        if message is not None:
            self.message = message
        super().__init__(str(self.message))


class ValidationFailed(MostyError):
    code = "invalid"
    status = 400
    message = _("Some fields are not valid.")

    def __init__(self, message: str | Promise | None = None, *, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.errors = errors or {}

    @classmethod
    def from_django(cls, exc: Any) -> ValidationFailed:
        """From a `django.core.exceptions.ValidationError` (field errors, or form-wide ones under "__all__")."""
        if hasattr(exc, "error_dict"):
            return cls(errors={k: [str(m) for m in v] for k, v in exc.message_dict.items()})
        return cls(errors={"__all__": [str(m) for m in exc.messages]})


class NotFound(MostyError):
    """Both "does not exist" and "not yours": the caller cannot tell them apart."""

    code = "not_found"
    status = 404
    message = _("Not found.")


class PermissionDenied(MostyError):
    code = "forbidden"
    status = 403
    message = _("You are not allowed to do this.")


class AuthenticationRequired(MostyError):
    code = "unauthenticated"
    status = 401
    message = _("Authentication is required.")


class InvalidCredentials(MostyError):
    """Unknown user, wrong password and locked account all raise this, with the same message."""

    code = "invalid_credentials"
    status = 401
    message = _("The username or password is not correct, or the account is temporarily locked.")


class InvalidOTP(MostyError):
    code = "invalid_otp"
    status = 400
    message = _("That code is not valid. Codes can be used only once; wait for the next one.")


class SecondFactorRequired(MostyError):
    code = "second_factor_required"
    status = 401
    message = _("A second factor is required.")


class InvalidToken(MostyError):
    """Unknown, expired, revoked or misused API token: one answer for all."""

    code = "invalid_token"
    status = 401
    message = _("The API token is not valid, has expired or was revoked.")


class UnknownLanguage(MostyError):
    code = "unknown_language"
    status = 400
    message = _("This language is not available.")


class RequestTooLarge(MostyError):
    code = "request_too_large"
    status = 413
    message = _("The request is too large.")


class Conflict(MostyError):
    code = "conflict"
    status = 409
    message = _("This conflicts with the current state.")


class InvalidTransition(Conflict):
    """A workflow step that the case's current state does not allow."""

    code = "invalid_transition"
    status = 409
    message = _("This step is not allowed from the case's current state.")


class ConsentMissing(PermissionDenied):
    """Sharing that no valid consent covers."""

    code = "consent_missing"
    status = 403
    message = _("No valid consent covers this sharing.")


class RateLimited(MostyError):
    code = "rate_limited"
    status = 429
    message = _("Too many requests right now. Please try again later.")


class AuditChainBroken(MostyError):
    code = "audit_chain_broken"
    status = 500
    message = _("The audit chain is broken.")


class KeyFileMissing(MostyError):
    code = "key_file_missing"
    status = 500
    message = _("A key file is missing.")


class MethodNotAllowed(MostyError):
    code = "method_not_allowed"
    status = 405
    message = _("This method is not allowed here.")


class InvalidRequest(ValidationFailed):
    """The request's shape is wrong (a missing or mistyped parameter), as opposed to a domain rule."""

    code = "invalid"
    status = 422
    message = _("The request is not valid.")


class ServerError(MostyError):
    """An unexpected failure. Its message never carries the underlying exception's text."""

    code = "server_error"
    status = 500
    message = _("Something went wrong on our side. Nothing was changed.")
