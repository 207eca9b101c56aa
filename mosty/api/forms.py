"""The token form. It checks shapes only; the service decides what a member may create."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mosty.accounts.models import Membership, Role
from mosty.api.models import DEFAULT_LIFETIME_DAYS, MAX_LIFETIME_DAYS, ApiToken, token_roles_for


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text=ApiToken._meta.get_field("name").help_text,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    organisation = forms.TypedChoiceField(label=_("Organisation"), coerce=int)
    role = forms.ChoiceField(
        label=_("Role"),
        help_text=_("Your own role in that organisation, or Viewer for a token that only reads."),
    )
    expires_in_days = forms.IntegerField(
        label=_("Expires after (days)"),
        min_value=1,
        max_value=MAX_LIFETIME_DAYS,
        initial=DEFAULT_LIFETIME_DAYS,
    )

    def __init__(
        self, data: Any = None, *, memberships: Sequence[Membership], active: Membership | None = None
    ) -> None:
        super().__init__(data)
        # Formatted here, not at import, so that it is translated into the request's language.
        self.fields["expires_in_days"].help_text = _("Between 1 and %(max)s days.") % {"max": MAX_LIFETIME_DAYS}
        self.fields["organisation"].choices = [(m.organisation_id, m.organisation.name) for m in memberships]  # type: ignore[attr-defined]
        offered = {role for m in memberships for role in token_roles_for(m.role)}
        self.fields["role"].choices = [(value, label) for value, label in Role.choices if value in offered]  # type: ignore[attr-defined]
        if active is not None:
            self.fields["organisation"].initial = active.organisation_id
            self.fields["role"].initial = active.role
