"""Production: real services, secrets from the environment, secure by default.

Refuses to start without ``SECRET_KEY``, ``DATABASE_URL`` and ``REDIS_URL``:
a production process silently falling back to SQLite or a filesystem broker
would lose data.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, REDIS_URL, SECRET_KEY, env

if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Production refuses to start without a secret key: "
        "set the SECRET_KEY environment variable to a long random string "
        '(python -c "import secrets; print(secrets.token_urlsafe(64))").'
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Production runs on PostgreSQL: "
        "set DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/NAME."
    )
if not REDIS_URL:
    raise ImproperlyConfigured(
        "REDIS_URL is not set. Production uses Redis as Celery broker and cache: "
        "set REDIS_URL=redis://HOST:6379/0."
    )

DEBUG = False
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# /healthz and /readyz are probed over plain HTTP inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

DEMO_DATA_ALLOWED = False
