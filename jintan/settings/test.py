"""Tests run on PostgreSQL and Redis over real connections, as production does.

Defaults point at the local servers; ``DATABASE_URL`` and ``REDIS_URL`` override.
Redis database 15 keeps test keys away from a developer's own data.
"""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/jintan")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = env.str("SECRET_KEY", default="test-only-key-not-secret")
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT = None

# The cache (throttle counters, locator version) gets a Redis database of its
# own; the broker keeps database 15. Keys carry the test process's id, so two
# suites running at once on one machine never clear each other's counters.
CACHES = {
    "default": {
        "BACKEND": "jintan.cache.ResilientRedisCache",
        "LOCATION": env.str("TEST_CACHE_URL", default="redis://127.0.0.1:6379/14"),
        "KEY_PREFIX": f"test{os.getpid()}",
    }
}

HOTLINE_SECRET = "test-hotline-secret"
