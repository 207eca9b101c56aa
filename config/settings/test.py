"""Settings for the test suite: the same stack as production, fast password hashing is NOT used
(tests exercise the real Argon2id), keys generated into a temporary directory."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, INSTALLED_APPS

SECRET_KEY = "test-only-secret-key-not-for-production-0123456789abcdef"  # noqa: S105  # nosec B105
_TMP = Path(tempfile.mkdtemp(prefix="mosty-test-keys-"))
MOSTY_MASTER_KEY_FILE = str(_TMP / "master.key")
MOSTY_AUDIT_SIGNING_KEY_FILE = str(_TMP / "audit-signing.key")
MOSTY_GENERATE_MISSING_KEYS = True
# A test-only app with a model carrying every kind of encrypted field (mosty/core/tests/cryptotest). Never
# installed outside the test settings, so its migration never reaches a real database.
INSTALLED_APPS = [*INSTALLED_APPS, "mosty.core.tests.cryptotest"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Transactional tests empty every table with TRUNCATE; the audit trigger refuses that unless this
    # per-connection setting is on. Only the test settings turn it on (see docs/threat-model.md).
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"]["options"] = "-c mosty.audit_truncate_allowed=on"
STATIC_ROOT = _TMP / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MOSTY_DATA_DIR_FOR_TESTS = _TMP
MOSTY_ATTACHMENTS_DIR = _TMP / "attachments"
MOSTY_DEMO_CASE_SCALE = 0.05  # `mosty demo` in tests: a dozen cases, not three hundred
