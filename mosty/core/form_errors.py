"""Showing a service's `ValidationFailed` on the form that sent the input."""

from __future__ import annotations

from typing import Any

from mosty.core.exceptions import ValidationFailed


def apply_validation_errors(form: Any, exc: ValidationFailed) -> None:
    """Each error on its field when the form has that field, else on the form; the message when there are no
    field errors."""
    for field, errors in exc.errors.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
    if not exc.errors:
        form.add_error(None, str(exc.message))
