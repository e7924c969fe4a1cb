"""The Jintan grid-governance project: settings, URLs, the Celery app, entry points.

No business logic lives here; this package only wires the apps together.
"""

from .celery import app as celery_app

__all__ = ("celery_app",)
