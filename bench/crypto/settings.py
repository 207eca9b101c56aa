"""Benchmark settings: the test settings plus the benchmark's two tables, on a throwaway SQLite file
(or DATABASE_URL)."""

import os
import tempfile

from config.settings.test import *  # noqa: F403
from config.settings.test import DATABASES, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.crypto.benchapp"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["NAME"] = os.path.join(tempfile.mkdtemp(prefix="mosty-bench-"), "bench.sqlite3")
ALLOWED_HOSTS = ["testserver"]
