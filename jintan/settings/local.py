"""The embedded default for a newcomer's machine: SQLite, filesystem broker, DEBUG."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
# Only for the local machine; production refuses to start without its own key.
SECRET_KEY = env.str("SECRET_KEY", default="local-only-insecure-key-do-not-deploy")

# runserver does not serve static files (whitenoise.runserver_nostatic):
# WhiteNoise serves them straight from the apps, no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT = None
