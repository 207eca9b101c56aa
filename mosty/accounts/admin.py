"""Platform administration of tenants and accounts (only for platform admins with a verified second factor).

Changes made here go through the services where one exists, and are audited either way.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from mosty.accounts import services
from mosty.accounts.models import Membership, Organisation, User
from mosty.core.audit import audit_record
from mosty.core.forms import EncryptedModelFormMixin


class AuditedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    object_type = ""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_record(
                action=f"{self.object_type}.{'changed' if change else 'created'}_in_admin",
                actor=request.user,
                object_type=self.object_type,
                object_id=obj.pk,
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            pk = obj.pk
            super().delete_model(request, obj)
            audit_record(
                action=f"{self.object_type}.deleted_in_admin",
                actor=request.user,
                object_type=self.object_type,
                object_id=pk,
            )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Bulk deletes bypass delete_model (and the audit); deactivate instead.
        return False


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Membership
    extra = 0
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    object_type = "organisation"
    list_display = ["name", "slug", "kind", "country", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class UserAdminForm(EncryptedModelFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = User
        fields = ["username", "display_name", "is_active", "is_staff", "is_superuser"]


@admin.register(User)
class UserAdmin(AuditedAdmin):
    object_type = "user"
    form = UserAdminForm
    list_display = ["username", "display_name", "is_active", "is_staff", "locked_until"]
    list_filter = ["is_active", "is_staff"]
    search_fields = ["username"]
    fields = ["username", "display_name", "is_active", "is_staff", "is_superuser", "locked_until"]
    readonly_fields = ["locked_until"]
    actions = ["unlock", "end_sessions"]

    @admin.action(description=_("Unlock the selected accounts"))
    def unlock(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            services.user_unlock(user=user, actor=request.user)  # type: ignore[arg-type]
        messages.success(request, _("Unlocked."))

    @admin.action(description=_("End every session of the selected accounts"))
    def end_sessions(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            services.user_end_all_sessions(user=user, actor=request.user)  # type: ignore[arg-type]
        messages.success(request, _("Sessions ended."))


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    object_type = "membership"
    list_display = ["user", "organisation", "role"]
    list_filter = ["role", "organisation"]
    autocomplete_fields = ["user", "organisation"]
