"""The one Celery app, configured from Django settings (``CELERY_`` namespace).

Tasks live in each app's ``tasks.py`` and are found by autodiscovery. Periodic
schedules are defined in code (``CELERY_BEAT_SCHEDULE`` in the apps' settings),
so exactly one beat process runs them.
"""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jintan.settings.local")

app = Celery("jintan")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_configure.connect
def _create_filesystem_broker_folders(sender, **kwargs):
    # kombu's filesystem transport (the embedded default) needs its folders.
    # Read Django's settings: the app's own conf is still being built here.
    from django.conf import settings

    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    for key in (
        "data_folder_in",
        "data_folder_out",
        "processed_folder",
        "control_folder",
    ):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@app.task(name="jintan.ping")
def ping() -> str:
    """A task that proves a worker is consuming: returns ``"pong"``."""
    return "pong"
