"""Login timing: unknown user, wrong password and locked account must take the same time.

Runs the real login view (test client, real Argon2id) against a throwaway SQLite database and prints the
median time of each case over N attempts, and the ratio of each to "wrong password".

    uv run python bench/login/timing.py [--rounds 41]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=41)
    args = parser.parse_args()

    data = tempfile.mkdtemp(prefix="mosty-bench-login-")
    os.environ["MOSTY_DATA_DIR"] = data
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    os.environ["MOSTY_LOCKOUT_THRESHOLD"] = "1000000"
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    Path(data, "static").mkdir()
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from mosty.accounts import services
    from mosty.accounts.models import User

    call_command("migrate", verbosity=0)
    services.user_create(username="alice", password="a long correct password 1", validate_password=False)
    services.user_create(username="bob", password="a long correct password 2", validate_password=False)
    User.objects.filter(username="bob").update(locked_until=timezone.now() + timezone.timedelta(days=1))

    cases = {
        "wrong password": ("alice", "wrong password attempt"),
        "unknown user": ("nobody-here", "wrong password attempt"),
        "locked account": ("bob", "a long correct password 2"),
    }
    client = Client()
    timings: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.rounds):
        for name, (username, password) in cases.items():
            start = time.perf_counter()
            response = client.post("/accounts/login/", {"username": username, "password": password})
            timings[name].append(time.perf_counter() - start)
            assert response.status_code in (200, 400), response.status_code
    base = statistics.median(timings["wrong password"])
    print(f"rounds={args.rounds}")
    for name, values in timings.items():
        median = statistics.median(values)
        print(f"{name:<16} median {median * 1000:7.1f} ms   ratio to wrong password {median / base:5.2f}")


if __name__ == "__main__":
    main()
