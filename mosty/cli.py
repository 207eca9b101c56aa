"""The `mosty` command line.

`mosty <command> ...` runs a Mosty or Django management command (`mosty demo`, `mosty serve`, `mosty init`,
`mosty adduser`, `mosty audit verify`, `mosty audit head`); `mosty manage <command> ...` is the same door
kept for Django's own commands (`mosty manage migrate`, `mosty manage shell`).
"""

from __future__ import annotations

import os
import sys

MOSTY_COMMANDS = {
    "demo": "migrate, load the demo organisations and users, and serve on http://127.0.0.1:8000",
    "serve": "serve the site (gunicorn) on 127.0.0.1:8000",
    "init": "create the first organisation and its administrator",
    "adduser": "add a user to an organisation with a role",
    "audit": "audit trail: `verify` the hash chain, print the signed `head`",
    "keys": "keys: `generate` missing key files, `rotate --org SLUG`, `rotate-master --new-key-file PATH`",
    "backup": "write one encrypted archive of the database and attachments",
    "restore": "restore an encrypted archive into a fresh, empty database",
    "retention": "destroy closed cases past their retention date (run daily): `[--dry-run] [--date YYYY-MM-DD]`",
    "detainees": "detainee registry: `import --source ID --user NAME FILE`, `link --org SLUG --user NAME`",
    "link": "link detainee lists into persons (no database): `mosty link IN.csv ... --output OUT.csv`",
    "manage": "any Django management command (migrate, shell, createsuperuser, ...)",
}


def _usage() -> str:
    lines = ["usage: mosty <command> [options]", "", "commands:"]
    lines += [f"  {name:<10} {text}" for name, text in MOSTY_COMMANDS.items()]
    lines += ["", "`mosty <command> --help` explains a command."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    if not args or args[0] in {"-h", "--help"} or args == ["help"]:
        print(_usage())
        return 0
    if args[0] == "link":
        # standalone: no Django settings, no database
        from mosty.linkage.cli import main as link_main

        return link_main(args[1:])
    if args[0] == "manage":
        args = args[1:] or ["help"]
    from django.core.management import execute_from_command_line

    execute_from_command_line(["mosty", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())
