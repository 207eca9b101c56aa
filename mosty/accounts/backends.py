"""Password authentication with lockout by account.

Threats: online password guessing (lockout by account, not by IP: over Tor an IP says nothing, and storing
it would identify people), and user enumeration (unknown user, wrong password and locked account take the
same code path, one Argon2id verification each, and give the same answer).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import check_password, make_password
from django.http import HttpRequest

from mosty.accounts.models import User

_DUMMY_HASH: str | None = None


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = make_password("mosty-timing-equaliser")
    return _DUMMY_HASH


class LockoutModelBackend(ModelBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        from mosty.accounts import services

        if username is None or password is None:
            return None
        user = User.objects.filter(username=username.strip().lower()).first()
        if user is None:
            check_password(password, _dummy_hash())
            return None
        correct = user.check_password(password)
        if user.is_locked() or not self.user_can_authenticate(user):
            return None
        if not correct:
            services.user_login_failed(user=user)
            return None
        services.user_login_succeeded(user=user)
        return user
