"""Settings shared by every environment, read from the environment.

With nothing set, the platform runs on its embedded default: SQLite in ``var/``
and a Celery broker on the local filesystem, so one command starts it on a new
machine. Production and tests point ``DATABASE_URL`` and ``REDIS_URL`` at real
servers.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("JINTAN_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

SECRET_KEY = env.str("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "mptt",
    "axes",
    "csp",
    "accounts",
    "grids",
    "workorders",
    "parties",
    "dispatch",
    "reviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "accounts.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "jintan.urls"
WSGI_APPLICATION = "jintan.wsgi.application"
ASGI_APPLICATION = "jintan.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite in WAL mode with IMMEDIATE transactions lets the web process, the
# worker and beat share the embedded database without "database is locked".
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A fresh checkout has no var/ yet, and SQLite will not create folders.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A second connection to the same database that commits on its own:
    # ticket numbers are drawn there, so the day's counter row is locked for
    # one statement, not for the whole request that takes a ticket in.
    # Tests mirror it onto the default connection.
    DATABASES["numbering"] = {
        **DATABASES["default"],
        "TEST": {"MIRROR": "default"},
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (INCLUDE) are a PostgreSQL optimisation of the deadline
# sweep; the embedded SQLite keeps their key columns, which is enough there.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Chinese first: the interface is Simplified Chinese with English as fallback.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "jintan" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))

# Redis serves as broker, result backend and cache wherever it is configured;
# with no REDIS_URL the embedded default needs no server at all.
REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "jintan.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
CELERY_BROKER_FOLDER = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER / "queue"),
        "data_folder_out": str(CELERY_BROKER_FOLDER / "queue"),
        "processed_folder": str(CELERY_BROKER_FOLDER / "processed"),
        "store_processed": False,
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),
    }
else:
    # Longer than any task's hard time limit, so a task still running is never
    # redelivered to a second worker.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Tasks are idempotent and take ids, so a task lost with its worker is simply
# run again: acknowledge late, reject on worker loss, fetch one at a time.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 600
CELERY_TASK_SOFT_TIME_LIMIT = 540
CELERY_RESULT_EXPIRES = 3600
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request that queues work (hotline callbacks) must not hang while the
# broker is down: the work is in the database and the beat sends it later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Periodic work, defined here in code; exactly one beat process runs it.
# Work the beat queues while the worker is down expires instead of piling up:
# every run reads its work from the database, so the next one catches up.
CELERY_BEAT_SCHEDULE = {
    "hotline-callbacks": {
        "task": "workorders.hotline_callbacks_deliver",
        "schedule": env.float("HOTLINE_CALLBACKS_SECONDS", default=30.0),
        "options": {"expires": 60},
    },
    "alerts-sweep": {
        "task": "dispatch.alerts_sweep",
        "schedule": env.float("ALERTS_SWEEP_SECONDS", default=15.0),
        "options": {"expires": 60},
    },
    # Within the dashboards' 10-minute cache of earlier days (a read only).
    "dashboards-prepare": {
        "task": "dispatch.dashboards_prepare",
        "schedule": 300.0,
        "options": {"expires": 240},
    },
    # Reviews (Asia/Shanghai, CELERY_TIMEZONE): a few minutes past midnight, so
    # the day's last steps have committed; each run catches up missed periods.
    "reviews-daily": {
        "task": "reviews.daily_close",
        "schedule": crontab(minute=10, hour=0),
        "options": {"expires": 3600},
    },
    "reviews-weekly": {
        "task": "reviews.weekly_generate",
        "schedule": crontab(minute=20, hour=0, day_of_week="mon"),
        "options": {"expires": 3600},
    },
    "reviews-monthly": {
        "task": "reviews.monthly_generate",
        "schedule": crontab(minute=30, hour=0, day_of_month=1),
        "options": {"expires": 3600},
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.DeviceTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["jintan.api.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "jintan.api.IdCursorPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "jintan.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"auth": env.str("AUTH_THROTTLE_RATE", "20/minute")},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# JSON bodies past this answer 413 before they are parsed (photos, which are
# multipart uploads, have their own limit).
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=256 * 1024)

# A claimed Idempotency-Key whose request never finished (its process died,
# its work rolled back) may be taken over after this many seconds.
IDEMPOTENCY_STALE_AFTER = env.int("IDEMPOTENCY_STALE_AFTER", default=120)

# Delta sync holds back changes younger than this, so a transaction still
# committing cannot be skipped by a terminal's mark.
SYNC_LAG_SECONDS = env.int("SYNC_LAG_SECONDS", default=2)

# The 12345 hotline platform signs its pushes with this shared secret.
HOTLINE_SECRET = env.str("HOTLINE_SECRET", default="")
HOTLINE_MAX_SKEW_SECONDS = env.int("HOTLINE_MAX_SKEW_SECONDS", default=300)
# Where status changes of hotline tickets are reported back.
HOTLINE_CALLBACK_URL = env.str("HOTLINE_CALLBACK_URL", default="")

# Terminals sign in once and refresh before this runs out.
DEVICE_TOKEN_LIFETIME = timedelta(days=env.int("DEVICE_TOKEN_DAYS", default=30))

# Repeated failed logins lock the username from that address for a while
# (django-axes); the lockout answers with a clear message, in JSON for the API.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

SPECTACULAR_SETTINGS = {
    "TITLE": "Jintan grid governance API",
    "DESCRIPTION": "REST API for grid workers' terminals and the 12345 hotline.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "kind": name each set of choices after its model.
    "ENUM_NAME_OVERRIDES": {
        "UnitKindEnum": "grids.models.UnitKind",
        "DepartmentKindEnum": "grids.models.DepartmentKind",
        "AlertKindEnum": "dispatch.models.AlertKind",
        "ReportKindEnum": "reviews.models.Kind",
    },
}

# Structured logs: one JSON object per line on stdout.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level"},
        }
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# Content-Security-Policy: scripts only from our own static files, nothing
# fetched from elsewhere (the command center has no internet). Inline styles
# stay allowed because the admin and the API documentation pages carry them;
# inline scripts, which are what a CSP is there to stop, are not.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# The live alert feed (``dispatch.stream``): how often a connection looks for
# new rows, and how long one connection lives before the browser reconnects.
ALERT_STREAM_POLL_SECONDS = env.float("ALERT_STREAM_POLL_SECONDS", default=0.5)
ALERT_STREAM_MAX_SECONDS = env.float("ALERT_STREAM_MAX_SECONDS", default=55.0)
ALERT_STREAM_PING_SECONDS = env.float("ALERT_STREAM_PING_SECONDS", default=15.0)

# seed_demo refuses to run where this is off (production turns it off).
DEMO_DATA_ALLOWED = env.bool("DEMO_DATA_ALLOWED", default=True)
