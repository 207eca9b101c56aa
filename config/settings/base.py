"""Settings shared by every environment, read from the environment (django-environ).

Nothing secret lives here: keys come from files or variables named in `docs/operations.md`.
"""

from __future__ import annotations

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(str(BASE_DIR / ".env"))

# Where the embedded database, generated keys and collected static files live.
DATA_DIR = Path(env.str("MOSTY_DATA_DIR", default=str(BASE_DIR / "data"))).resolve()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS: list[str] = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

# The master key (issue 3 uses it) and the Ed25519 key that signs audit heads live outside the database.
MOSTY_MASTER_KEY_FILE = env.str("MOSTY_MASTER_KEY_FILE", default=str(DATA_DIR / "keys" / "master.key"))
MOSTY_AUDIT_SIGNING_KEY_FILE = env.str(
    "MOSTY_AUDIT_SIGNING_KEY_FILE", default=str(DATA_DIR / "keys" / "audit-signing.key")
)
# Master keys still accepted for unwrapping while `mosty keys rotate-master` runs (comma-separated paths).
MOSTY_PREVIOUS_MASTER_KEY_FILES: list[str] = env.list("MOSTY_PREVIOUS_MASTER_KEY_FILES", default=[])
# The KeyProvider implementation (a KMS, HSM or Vault provider can replace the file-based one).
MOSTY_KEY_PROVIDER = env.str("MOSTY_KEY_PROVIDER", default="mosty.core.crypto.keyprovider.FileKeyProvider")
# Whether missing key files may be generated on first use (dev and demo yes, production no).
MOSTY_GENERATE_MISSING_KEYS = env.bool("MOSTY_GENERATE_MISSING_KEYS", default=True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp_webauthn",
    # For its bundled Swagger UI files only (the API docs page loads nothing from a CDN).
    "ninja",
    "mosty.core",
    "mosty.accounts",
    "mosty.registry",
    "mosty.cases",
    "mosty.detainees",
    "mosty.api",
]

MIDDLEWARE = [
    "mosty.core.middleware.IsolatedContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "mosty.core.middleware.SecurityHeadersMiddleware",
    "mosty.core.middleware.BodySizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "mosty.core.middleware.DenyByDefaultMiddleware",
    "mosty.accounts.middleware.ActiveOrganisationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mosty.accounts.context_processors.navigation",
            ],
        },
    },
]

DATA_DIR_SQLITE = DATA_DIR / "mosty.sqlite3"
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR_SQLITE}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so two writers never interleave a read-then-write
    # (the audit chain relies on this to never fork); WAL lets readers go on meanwhile.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        }
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=0)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "mosty.accounts.backends.LockoutModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout by account: this many failed attempts lock the account for MOSTY_LOCKOUT_SECONDS.
MOSTY_LOCKOUT_THRESHOLD = env.int("MOSTY_LOCKOUT_THRESHOLD", default=8)
MOSTY_LOCKOUT_SECONDS = env.int("MOSTY_LOCKOUT_SECONDS", default=15 * 60)

# Sessions: in the database, a new key at login (Django does this), idle timeout renewed on each request.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env.int("MOSTY_SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SAMESITE = "Strict"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_NAME = "mosty_session"
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_NAME = "mosty_csrf"
# A browser-session cookie, not a year-long one: a CSRF cookie left on a device tells whoever inspects it that
# the site was visited (an applicant's phone may be searched).
CSRF_COOKIE_AGE = None
CSRF_FAILURE_VIEW = "mosty.core.views.csrf_failure"
LANGUAGE_COOKIE_NAME = "mosty_language"
LANGUAGE_COOKIE_SAMESITE = "Strict"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = False

# Bodies larger than this are refused before any view sees them (uploads get their own limit later).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("MOSTY_MAX_BODY_BYTES", default=1024 * 1024)
MOSTY_MAX_BODY_BYTES = DATA_UPLOAD_MAX_MEMORY_SIZE
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500

# Attachments: stream-encrypted, metadata-stripped files (mosty.core.attachments). Uploads up to the limit stay in
# memory (FILE_UPLOAD_MAX_MEMORY_SIZE), so no plaintext copy is written to a temporary file on disk.
MOSTY_ATTACHMENTS_DIR = Path(env.str("MOSTY_ATTACHMENTS_DIR", default=str(DATA_DIR / "attachments"))).resolve()
MOSTY_MAX_ATTACHMENT_BYTES = env.int("MOSTY_MAX_ATTACHMENT_BYTES", default=20 * 1024 * 1024)
MOSTY_MAX_IMAGE_PIXELS = env.int("MOSTY_MAX_IMAGE_PIXELS", default=50_000_000)
FILE_UPLOAD_MAX_MEMORY_SIZE = MOSTY_MAX_ATTACHMENT_BYTES

SECURE_CONTENT_TYPE_NOSNIFF = True
# same-origin, not no-referrer: nothing is ever sent to another site, but browsers send `Origin: null` on
# every POST under no-referrer, and Django's CSRF check (rightly) refuses that, so no form would work.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("uk", _("Ukrainian")),
    ("ru", _("Russian")),
]
LOCALE_PATHS = [BASE_DIR / "mosty" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Public intake: requests (and applicants' answers) one organisation accepts per 10-minute window; beyond it
# the intake answers 429. Counted without IP addresses (mosty.cases.intake).
MOSTY_INTAKE_PER_WINDOW = env.int("MOSTY_INTAKE_PER_WINDOW", default=30)

# Where a quick exit lands: a neutral page that says nothing about Mosty.
MOSTY_QUICK_EXIT_URL = env.str("MOSTY_QUICK_EXIT_URL", default="https://www.wikipedia.org/")

# Passkeys (django-otp-webauthn).
OTP_WEBAUTHN_RP_ID = env.str("MOSTY_WEBAUTHN_RP_ID", default="localhost")
OTP_WEBAUTHN_RP_NAME = "Mosty"
# Passkeys are a second factor only, never a way around the password.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.list("MOSTY_WEBAUTHN_ORIGINS", default=["http://localhost:8000"])
OTP_TOTP_ISSUER = "Mosty"
# The admin never shows a second factor's secret (TOTP key, QR code): a platform admin (or whoever holds
# their session) must not be able to copy anyone's authenticator.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Logs carry no personal data: no request bodies, no user names, no IP addresses.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact": {"()": "mosty.core.log_filters.RedactExceptionMessages"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": env.str("MOSTY_LOG_LEVEL", default="WARNING")},
    "loggers": {
        # django.request logs the path of every 4xx/5xx; paths never carry personal data (promise),
        # but keep it at ERROR so routine 404s from the access matrix are not logged at all.
        "django.request": {"level": "ERROR", "filters": ["redact"]},
        "django.security": {"level": "ERROR", "filters": ["redact"]},
        "django.server": {"level": "ERROR"},
        "gunicorn.access": {"level": "ERROR"},
    },
}
