"""Settings for a developer machine and for `mosty demo`: embedded SQLite, keys generated on first use."""

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    from mosty.core.bootstrap import dev_secret_key

    SECRET_KEY = dev_secret_key(DATA_DIR)
