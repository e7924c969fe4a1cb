import logging
from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from workorders import demo
from workorders.models import Status


class Command(BaseCommand):
    help = (
        "Give the demo district about 60 tickets in every state, with a month of "
        "back-dated history (demo data only). Running it again changes nothing."
    )

    def handle(self, *args, verbosity, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                _("Demo data is disabled under these settings (DEMO_DATA_ALLOWED).")
            )
        try:
            with _intake_log_quiet(verbosity < 2):
                result = demo.tickets_seed()
        except demo.DemoDistrictMissing as exc:
            raise CommandError(
                _("%(problem)s Load it first: manage.py seed_demo") % {"problem": exc}
            ) from exc
        created = sum(result.created.values())
        if not created:
            self.stdout.write(
                _("Demo tickets: %(count)d already there; nothing to do.")
                % {"count": result.existing}
            )
            return
        by_status = ", ".join(
            f"{status.label} {result.created[status]}"
            for status in Status
            if result.created[status]
        )
        self.stdout.write(
            self.style.SUCCESS(
                _("Demo tickets: %(created)d created (%(by_status)s).")
                % {"created": created, "by_status": by_status}
            )
        )


@contextmanager
def _intake_log_quiet(quiet: bool):
    """Sixty "ticket taken in" lines would push seed_demo's logins off screen."""
    logger = logging.getLogger("workorders.services")
    level = logger.level
    if quiet:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)
