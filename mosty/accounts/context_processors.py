"""Navigation by role, and the organisation switcher's data, for every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mosty.accounts.models import Role

# (url name, label, roles that see it; empty = every member)
NAV_ITEMS: list[tuple[str, Any, frozenset[str]]] = [
    ("core:home", _("Overview"), frozenset()),
    ("cases:list", _("Cases"), frozenset({Role.ORG_ADMIN, Role.CASEWORKER, Role.COORDINATOR, Role.PROGRAMME_OFFICER})),
    ("registry:map", _("Who does what where"), frozenset()),
    (
        "detainees:index",
        _("Detainee registry"),
        frozenset({Role.ORG_ADMIN, Role.COORDINATOR, Role.DOCUMENTER, Role.VIEWER}),
    ),
    ("accounts:members", _("Members"), frozenset()),
    ("accounts:audit_log", _("Audit log"), frozenset({Role.ORG_ADMIN, Role.COORDINATOR})),
    ("api_tokens:list", _("API tokens"), frozenset()),
    ("accounts:security", _("Security"), frozenset()),
]


# Namespaces whose pages belong to a navigation item's section.
SECTIONS: dict[str, set[str]] = {
    "registry": {"registry"},
    "cases": {"cases", "referrals", "case_exports"},
    "detainees": {"detainees"},
}


def navigation(request: HttpRequest) -> dict[str, Any]:
    # Error pages can be rendered before the auth middleware ran (e.g. a bad Host header): no user then.
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    if membership is None or user is None or not user.is_authenticated:
        return {"nav_items": [], "memberships": [], "active_membership": None}
    items = []
    current = request.resolver_match.view_name if request.resolver_match else ""
    for name, label, roles in NAV_ITEMS:
        if roles and membership.role not in roles:
            continue
        # A section's item stays marked on its sub-pages (lists, forms, details).
        section = current.split(":")[0] in SECTIONS.get(name.split(":")[0], set())
        items.append({"url": reverse(name), "label": label, "current": name == current or section})
    if getattr(user, "is_platform_admin", False):
        items.append({"url": reverse("admin:index"), "label": _("Platform administration"), "current": False})
    return {
        "nav_items": items,
        "memberships": getattr(request, "memberships", []),
        "active_membership": membership,
    }
