"""`mosty demo [--reset-credentials] [--no-serve]`: compile translations, migrate, load the demo organisations
and users, print their credentials (first run only), then serve like `mosty serve`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mosty.core.exceptions import MostyError
from mosty.core.management.commands.serve import add_serve_arguments, compile_translations, serve


class Command(BaseCommand):
    help = "Set up a demo: migrate, load six fictional organisations and their members, print credentials, serve."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset-credentials",
            action="store_true",
            help="give every demo user a new password and TOTP secret, and print them",
        )
        parser.add_argument("--no-serve", action="store_true", help="set up and load the data, but do not serve")
        add_serve_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        from mosty.accounts.demo import format_credentials, load_demo

        if str(getattr(settings, "SETTINGS_MODULE", "")).endswith(".production"):
            # Demo users with printed passwords must never exist on a production server.
            raise CommandError("`mosty demo` does not run with production settings; use config.settings.dev.")
        compile_translations()
        call_command("migrate", interactive=False, verbosity=0)
        try:
            result = load_demo(reset_credentials=options["reset_credentials"])
        except MostyError as exc:
            raise CommandError(str(exc.message)) from exc

        from mosty.cases.demo import load_cases_demo
        from mosty.detainees.demo import load_detainees_demo
        from mosty.registry.demo import load_registry_demo

        activities = load_registry_demo()
        cases = load_cases_demo()
        detainee_records = load_detainees_demo()
        self.stdout.write(
            f"Demo data: {result.organisations} organisations, {result.users} users "
            f"({result.organisations_created} organisations and {result.users_created} users created now)."
        )
        if activities:
            self.stdout.write(f"Registry: {activities} activities, initiatives, profiles and needs loaded.")
        if cases:
            self.stdout.write(f"Cases: {cases} demo cases loaded.")
        if detainee_records:
            self.stdout.write(f"Detainee registry: {detainee_records} records in four lists, linked once.")
        if result.credentials:
            self.stdout.write("")
            self.stdout.write(
                "Credentials, shown ONCE (only hashes and device keys are stored). Add the TOTP secret, or paste "
                "the otpauth:// URI, into an authenticator app (Aegis, KeePassXC, Google Authenticator, ...):"
            )
            self.stdout.write("")
            self.stdout.write(format_credentials(result.credentials))
            self.stdout.write("")
        else:
            self.stdout.write(
                "Credentials were shown when the demo was first loaded and are not stored in the clear. "
                "To issue new passwords and TOTP secrets: `mosty demo --reset-credentials`."
            )
        if options["no_serve"]:
            return
        serve(self, host=options["host"], port=options["port"], workers=options["workers"])
