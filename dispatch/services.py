"""Writes of the command center besides the sweep: acknowledging, reading.

Raising and closing alerts is ``dispatch.sweep``'s alone.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Role
from jintan.errors import DomainError
from workorders.selectors import actor_roles

from .models import Alert, Notification

# Anyone who works the ticket or supervises it may acknowledge; reviewers read.
ACKNOWLEDGERS = frozenset(Role) - {Role.REVIEWER}


def alert_acknowledge(*, actor, alert: Alert) -> tuple[Alert, bool]:
    """Record who acknowledged the alert and when; returns ``(alert, changed)``.

    Locks the alert. The first acknowledgement stands: acknowledging again (a
    retry, or a colleague a moment later) changes nothing and is not an error.
    """
    with transaction.atomic():
        alert = (
            Alert.objects.select_for_update()
            .select_related("workorder")
            .get(pk=alert.pk)
        )
        if not actor_roles(actor, alert.workorder) & ACKNOWLEDGERS:
            raise DomainError(
                _("Your posts do not allow acknowledging this alert."),
                code="permission_denied",
                status=403,
            )
        if alert.acknowledged_at is not None:
            return alert, False
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = actor
        alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return alert, True


def notifications_read(*, user, ids: list[int] | None = None, up_to: int | None = None):
    """Mark the user's notifications read (by id, or all up to an id); returns
    how many changed. Idempotent: already-read ones are left as they were."""
    if not ids and up_to is None:
        raise DomainError(
            _("Say which notifications: “ids” or “up_to”."),
            code="invalid",
            fields={"ids": [_("This field is required.")]},
        )
    notes = Notification.objects.filter(user=user, read_at__isnull=True)
    notes = notes.filter(id__in=ids) if ids else notes.filter(id__lte=up_to)
    return notes.update(read_at=timezone.now())
