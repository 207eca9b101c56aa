"""`mosty adduser --organisation SLUG --role ROLE --username NAME`: add a member to an organisation.

A new user gets a password (prompted, `--password-file`, or `--generate-password`) and a TOTP device whose
secret is printed once, with ten recovery codes; `--no-totp` leaves the second factor for the user to set up
at first login. `--existing` gives an existing user a role in another organisation and touches nothing else.
Everything runs in one transaction: bad input changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from mosty.accounts import services
from mosty.accounts.management.commands.init import (
    add_password_arguments,
    is_interactive,
    obtain_password,
    validation_message,
    write_credentials,
)
from mosty.accounts.models import Membership, Organisation, Role, User
from mosty.core.exceptions import MostyError


class Command(BaseCommand):
    help = "Add a user to an organisation with a role (or, with --existing, an existing user to another one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", required=True, metavar="SLUG", help="the organisation's short name")
        parser.add_argument("--role", required=True, help=f"one of: {', '.join(Role.values)}")
        parser.add_argument("--username", required=True, help="lower-case letters, digits, . _ -")
        parser.add_argument("--display-name", default="", help="how colleagues see the user")
        parser.add_argument(
            "--existing",
            action="store_true",
            help="the user exists already: give them this role in this organisation, change nothing else",
        )
        parser.add_argument(
            "--no-totp",
            action="store_true",
            help="do not enrol TOTP now; the user sets up an authenticator app (or a passkey) at first login",
        )
        add_password_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        role = options["role"]
        if role not in Role.values:
            raise CommandError(f"unknown role {role!r}; roles: {', '.join(Role.values)}")
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            known = ", ".join(Organisation.objects.order_by("slug").values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"no organisation {options['organisation']!r}; organisations: {known}")
        if not organisation.is_active:
            raise CommandError(f"the organisation {organisation.slug} is deactivated")
        user = User.objects.filter(username=options["username"]).first()
        if options["existing"]:
            self._add_existing(user, organisation, role, options)
        else:
            self._add_new(user, organisation, role, options)

    def _add_existing(self, user: User | None, organisation: Organisation, role: str, options: dict[str, Any]) -> None:
        if user is None:
            raise CommandError(f"no user {options['username']!r}; leave out --existing to create one")
        if options["password_file"] or options["generate_password"] or options["display_name"] or options["no_totp"]:
            raise CommandError(
                "--existing only adds a membership; the user's password, name and second factor stay as they are"
            )
        current = Membership.objects.filter(user=user, organisation=organisation).values_list("role", flat=True)
        if role in current:
            self.stdout.write(f"{user.username} already is {role} in {organisation.slug}; nothing changed.")
            return
        try:
            services.membership_set(user=user, organisation=organisation, role=role)
        except MostyError as exc:
            raise CommandError(f"nothing was changed: {validation_message(exc)}") from exc
        verb = "now" if current else "added as"
        self.stdout.write(f"{user.username} is {verb} {role} in {organisation.slug}.")

    def _add_new(self, user: User | None, organisation: Organisation, role: str, options: dict[str, Any]) -> None:
        if user is not None:
            raise CommandError(
                f"the user {user.username} exists; to give them a role in {organisation.slug}, add --existing"
            )
        password, generated = obtain_password(options, interactive=is_interactive(options))
        try:
            with transaction.atomic():
                user = services.user_create(
                    username=options["username"], password=password, display_name=options["display_name"]
                )
                services.membership_set(user=user, organisation=organisation, role=role)
                device = None
                codes: list[str] = []
                if not options["no_totp"]:
                    device = services.totp_device_create_confirmed(user=user)
                    codes = services.recovery_codes_regenerate(user=user)
        except MostyError as exc:
            raise CommandError(f"nothing was changed: {validation_message(exc)}") from exc
        self.stdout.write(f"Created {user.username}, {role} in {organisation.slug}.")
        write_credentials(
            self, user=user, password=password if generated else None, device=device, recovery_codes=codes
        )
