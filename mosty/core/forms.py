"""Form helpers shared by the apps."""

from __future__ import annotations

from typing import Any

from django import forms

from mosty.core.crypto.fields import EncryptedField


class EncryptedModelFormMixin:
    """ModelForms take their initial values from `Field.value_from_object`, which for encrypted fields is the
    stored ciphertext (so that serialisers never see plaintext). Forms need the plaintext: read it through the
    attribute, in the acting organisation's scope, so an unchanged form does not re-encrypt the ciphertext."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form: forms.ModelForm[Any] = self  # type: ignore[assignment]
        instance = form.instance
        if instance is None or instance._state.adding:
            return
        for field in instance._meta.concrete_fields:
            if isinstance(field, EncryptedField) and field.name in form.fields:
                form.initial[field.name] = getattr(instance, field.name)
