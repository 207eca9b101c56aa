"""`mosty init`: create the first organisation and its administrator (also a platform administrator).

Interactive by default on a terminal; every answer can also be given as a flag. The password never travels as
a flag (it would sit in the shell history and in `ps`): it is typed at a prompt, read from a file
(`--password-file`, `-` for standard input), or generated (`--generate-password`). The TOTP secret, its
otpauth:// URI and ten recovery codes are printed once; only hashes and the device key are stored.

Runs in one transaction: bad input changes nothing. Refuses to run once any organisation exists.
"""

from __future__ import annotations

import base64
import getpass
import io
import sys
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from mosty.accounts import services
from mosty.accounts.models import Organisation, OrganisationKind, Role, User
from mosty.core.crypto.passphrase import new_passphrase
from mosty.core.exceptions import MostyError, ValidationFailed
from mosty.core.management.commands.serve import pending_migrations

# Shared with `mosty adduser`.


def add_password_arguments(parser: CommandParser) -> None:
    parser.add_argument(
        "--password-file",
        metavar="FILE",
        help="read the password from the first line of FILE (`-` for standard input) instead of prompting",
    )
    parser.add_argument(
        "--generate-password",
        action="store_true",
        help="generate a random passphrase and print it once",
    )
    parser.add_argument(
        "--no-input",
        "--noinput",
        action="store_false",
        dest="interactive",
        help="never prompt; fail if something is missing",
    )


def is_interactive(options: dict[str, Any]) -> bool:
    return bool(options.get("interactive", True)) and sys.stdin.isatty()


def obtain_password(options: dict[str, Any], *, interactive: bool) -> tuple[str, bool]:
    """The new user's password and whether it was generated here (then it must be printed)."""
    source = options.get("password_file")
    if source and options.get("generate_password"):
        raise CommandError("give either --password-file or --generate-password, not both")
    if options.get("generate_password"):
        return new_passphrase(), True
    if source:
        try:
            if source == "-":
                first_line = sys.stdin.readline()
            else:
                first_line = Path(source).read_text(encoding="utf-8").splitlines()[0]
        except (OSError, UnicodeDecodeError, IndexError) as exc:
            raise CommandError(f"cannot read a password from {source}") from exc
        password = first_line.rstrip("\r\n")
        if not password:
            raise CommandError(f"the first line of {source} is empty")
        return password, False
    if not interactive:
        raise CommandError("no password: give --password-file FILE or --generate-password (or run on a terminal)")
    password = getpass.getpass("Password (empty: generate a passphrase): ")
    if not password:
        return new_passphrase(), True
    if getpass.getpass("Password again: ") != password:
        raise CommandError("the passwords do not match; nothing was changed")
    return password, False


def totp_secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def validation_message(exc: MostyError) -> str:
    if isinstance(exc, ValidationFailed) and exc.errors:
        return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in exc.errors.items())
    return str(exc.message)


def write_credentials(
    command: BaseCommand,
    *,
    user: User,
    password: str | None,
    device: TOTPDevice | None,
    recovery_codes: list[str],
) -> None:
    """Print what the new user needs, once. `password` is None when the operator chose it."""
    out = command.stdout
    out.write("")
    out.write("Shown ONCE and not stored in the clear: hand it over safely, then clear this terminal.")
    out.write(f"  username:        {user.username}")
    out.write(f"  password:        {password if password is not None else '(the one you gave)'}")
    if device is None:
        out.write("  second factor:   none yet; the user sets up an authenticator app at first login")
    else:
        out.write(f"  TOTP secret:     {totp_secret_base32(device)}")
        out.write(f"  otpauth URI:     {device.config_url}")
        if out.isatty():
            import segno

            qr = io.StringIO()
            segno.make(device.config_url, error="m").terminal(out=qr, compact=True)
            out.write(qr.getvalue())
    if recovery_codes:
        out.write("  recovery codes (each works once, instead of a TOTP code):")
        for code in recovery_codes:
            out.write(f"    {code}")
    out.write("")


class Command(BaseCommand):
    help = "Create the first organisation and its administrator (a platform administrator), with TOTP."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation-name", help="e.g. 'Prague Civil Society Centre'")
        parser.add_argument("--organisation-slug", help="short name used in commands, e.g. prague-centre")
        parser.add_argument(
            "--organisation-kind",
            choices=OrganisationKind.values,
            default=OrganisationKind.INTERMEDIARY,
            help="default: intermediary",
        )
        parser.add_argument("--country", help="ISO 3166-1 alpha-2 code where it is based, e.g. CZ")
        parser.add_argument("--username", help="lower-case letters, digits, . _ -")
        parser.add_argument("--display-name", help="how colleagues see the administrator")
        add_password_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        interactive = is_interactive(options)
        if pending_migrations():
            call_command("migrate", interactive=False, verbosity=0)
        if Organisation.objects.exists():
            raise CommandError(
                "Mosty is already set up: an organisation exists, and `mosty init` only sets up an empty "
                "installation. Add people with `mosty adduser`; platform admins add organisations in /platform-admin/."
            )
        name = self._ask(options, "organisation_name", "Organisation name", interactive=interactive)
        slug = self._ask(options, "organisation_slug", "Short name (e.g. prague-centre)", interactive=interactive)
        country = self._ask(
            options, "country", "Country (ISO code, e.g. CZ; empty for none)", interactive=interactive, required=False
        )
        username = self._ask(options, "username", "Administrator's username", interactive=interactive)
        display_name = self._ask(
            options, "display_name", "Administrator's display name", interactive=interactive, required=False
        )
        password, generated = obtain_password(options, interactive=interactive)

        try:
            with transaction.atomic():
                # Checked again inside the transaction: on SQLite it holds the write lock from BEGIN, so two
                # concurrent runs cannot both pass (on PostgreSQL the window is this transaction only).
                if Organisation.objects.exists():
                    raise CommandError("an organisation was created meanwhile; nothing was changed")
                organisation = services.organisation_create(
                    name=name, slug=slug, kind=options["organisation_kind"], country=country
                )
                user = services.user_create(
                    username=username, password=password, display_name=display_name, is_platform_admin=True
                )
                services.membership_set(user=user, organisation=organisation, role=Role.ORG_ADMIN)
                device = services.totp_device_create_confirmed(user=user)
                codes = services.recovery_codes_regenerate(user=user)
        except MostyError as exc:
            raise CommandError(f"nothing was changed: {validation_message(exc)}") from exc

        self.stdout.write(
            f"Created the organisation {organisation.slug} and its administrator {user.username} "
            "(org_admin, platform administrator)."
        )
        write_credentials(
            self, user=user, password=password if generated else None, device=device, recovery_codes=codes
        )

    def _ask(self, options: dict[str, Any], key: str, label: str, *, interactive: bool, required: bool = True) -> str:
        value = (options.get(key) or "").strip()
        if value or (options.get(key) is not None and not required):
            return value
        if interactive:
            value = input(f"{label}: ").strip()
        if required and not value:
            raise CommandError(f"--{key.replace('_', '-')} is required; nothing was changed")
        return value
