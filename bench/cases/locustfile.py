"""Locust users for the case benchmark: caseworkers of one organisation working the case list.

Each simulated user holds one verified session (made by `sessions.py`: a logged-in user whose TOTP device is
recorded in the session, as `django_otp.login` records it after a real second-factor step) and sends it as a
cookie header (production cookies are `Secure`, and the benchmark talks plain HTTP on loopback). Requests are
named by endpoint so that Locust reports each one's percentiles:

- `queue`: the organisation's open cases, first page (the default list);
- `queue page`: a later page of the queue (OFFSET pagination): pages 2-10, and one time in six a deep page
  (11-400);
- `filters`: type, state, risk, deadline, "mine" and "closed" scopes, some on page 2;
- `name search`: family name (sometimes with given name or birth date) through the blind indexes.

Any answer but 200 with a case table (or the "no match" text) counts as a failure: a redirect to the login page
would mean the session was not accepted.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import sys
from pathlib import Path

from locust import HttpUser, between, task

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.cases import common

SESSIONS = json.loads(Path(os.environ.get("MOSTY_BENCH_SESSIONS", str(common.SESSIONS_FILE))).read_text())
_next_session = itertools.count()
THINK = tuple(float(x) for x in os.environ.get("MOSTY_BENCH_THINK", "1,3").split(","))

SUPPORT_TYPES = [
    "humanitarian-visa",
    "evacuation",
    "micro-grant",
    "safe-housing",
    "legal-aid",
    "psychological-support",
    "medical-help",
    "scholarship",
    "security-training",
    "detainee-family",
]
STATES = ["new", "triage", "in_progress", "waiting"]
FAMILY = (
    [m for m, _ in common.RU_FAMILY[:30]]
    + [f for _, f in common.RU_FAMILY[:20]]
    + common.UK_FAMILY[:30]
    + common.LATIN_FAMILY[:30]
    + ["Неизвестная", "Nonexistent"]
)
GIVEN = common.RU_GIVEN_M[:10] + common.UK_GIVEN_F[:10] + common.LATIN_GIVEN[:10]


class Caseworker(HttpUser):
    wait_time = between(*THINK)

    def on_start(self) -> None:
        key = SESSIONS[next(_next_session) % len(SESSIONS)]
        self.client.headers["Cookie"] = f"mosty_session={key}"

    def _list(self, name: str, params: dict[str, object]) -> None:
        with self.client.get("/cases/", params=params, name=name, allow_redirects=False, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"status {r.status_code}")
            elif "<table" not in r.text and 'class="empty"' not in r.text:
                r.failure("no case table")

    @task(4)
    def queue(self) -> None:
        self._list("queue", {})

    @task(2)
    def queue_page(self) -> None:
        # Mostly the next few pages; one time in six a deep page (OFFSET up to 20,000 rows).
        page = random.randint(2, 10) if random.random() < 5 / 6 else random.randint(11, 400)
        self._list("queue page", {"page": page})

    @task(4)
    def filters(self) -> None:
        params: dict[str, object] = {}
        roll = random.random()
        if roll < 0.2:
            params["scope"] = "mine"
        elif roll < 0.4:
            params["scope"] = "closed"
        if random.random() < 0.5:
            params["support_type"] = random.choice(SUPPORT_TYPES)
        if random.random() < 0.3 and params.get("scope") != "closed":
            params["state"] = random.choice(STATES)
        if random.random() < 0.4:
            params["risk"] = random.choice([2, 3, 4])
        if random.random() < 0.2 and params.get("scope") != "closed":
            params["deadline"] = random.choice([0, 7, 30])
        if random.random() < 0.2:
            params["page"] = 2
        self._list("filters", params)

    @task(4)
    def name_search(self) -> None:
        params: dict[str, object] = {"family_name": random.choice(FAMILY)}
        roll = random.random()
        if roll < 0.3:
            params["given_name"] = random.choice(GIVEN)
        elif roll < 0.4:
            params["birth_date"] = (
                f"{random.randint(1950, 2006)}-{random.randint(1, 12):02d}-{random.randint(1, 28):02d}"
            )
        if random.random() < 0.5:
            params["scope"] = "closed"
        self._list("name search", params)
