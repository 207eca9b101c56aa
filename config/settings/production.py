"""Production settings: refuse to start without the secrets and paths they need."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, env

DEBUG = False


def _required(name: str) -> str:
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production (see docs/operations.md).")
    return str(value)


SECRET_KEY = _required("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = [h for h in _required("DJANGO_ALLOWED_HOSTS").split(",") if h.strip()]
MOSTY_MASTER_KEY_FILE = _required("MOSTY_MASTER_KEY_FILE")
MOSTY_AUDIT_SIGNING_KEY_FILE = _required("MOSTY_AUDIT_SIGNING_KEY_FILE")
MOSTY_GENERATE_MISSING_KEYS = False
if not env.bool("MOSTY_SKIP_KEY_FILE_CHECK", default=False) and not Path(MOSTY_MASTER_KEY_FILE).is_file():
    raise ImproperlyConfigured(f"The master key file {MOSTY_MASTER_KEY_FILE} does not exist.")

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
WHITENOISE_USE_FINDERS = False
if not SECURE_HSTS_PRELOAD:
    # Preloading commits the domain to HTTPS in browsers for months and is hard to undo; an operator opts
    # in with DJANGO_SECURE_HSTS_PRELOAD=true once the domain is settled (docs/operations.md).
    SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Passkeys are bound to the public host name.
OTP_WEBAUTHN_RP_ID = env.str("MOSTY_WEBAUTHN_RP_ID", default=ALLOWED_HOSTS[0])
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.list("MOSTY_WEBAUTHN_ORIGINS", default=[f"https://{h}" for h in ALLOWED_HOSTS])

# Keep database connections for a minute: opening one per request cost a noticeable share of the case list's
# time under load (bench/cases). DJANGO_CONN_MAX_AGE overrides it; CONN_HEALTH_CHECKS drops dead connections.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
