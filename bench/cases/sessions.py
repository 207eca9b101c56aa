"""Verified sessions for the benchmark's simulated caseworkers, written straight into the session table.

    uv run python bench/cases/sessions.py [--users 20]

Each session holds what a real login leaves in it: the user id, the authentication backend, the session hash of
the password, and the id of the confirmed TOTP device (`otp_device_id`, which `django_otp.login` sets after the
second factor). The middleware then treats the request exactly as a logged-in, second-factor-verified member's.
Logging in through the real flow would cost one Argon2id verification and one TOTP code per user (codes cannot
be replayed) and measures nothing the benchmark is about. Session keys go to bench/out/cases/sessions.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.cases import common


def make_sessions(users: int) -> list[str]:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from mosty.accounts.models import User

    keys = []
    for user in User.objects.filter(username__startswith="bench-cw-").order_by("username")[:users]:
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "mosty.accounts.backends.LockoutModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session["otp_device_id"] = device.persistent_id
        session.create()
        assert session.session_key is not None
        keys.append(session.session_key)
    if len(keys) < users:
        raise SystemExit(f"only {len(keys)} bench users: run bench/cases/generate.py first")
    common.SESSIONS_FILE.write_text(json.dumps(keys))
    common.SESSIONS_FILE.chmod(0o600)
    return keys


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20)
    args = parser.parse_args()
    common.setup_django()
    print(f"{len(make_sessions(args.users))} sessions in {common.SESSIONS_FILE}")


if __name__ == "__main__":
    main()
