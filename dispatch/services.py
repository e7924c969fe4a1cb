"""Writes of the command center besides the sweep: acknowledging alerts,
reading notifications, and the dispatch desk's bulk steps.

Raising and closing alerts is ``dispatch.sweep``'s alone.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Department, OrgUnit, Role
from jintan.errors import DomainError
from workorders.models import Status, WorkOrder
from workorders.selectors import actor_roles
from workorders.services import workorder_act

from .models import Alert, Notification
from .selectors.desk import suggestions_for

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


# The dispatch desk's bulk steps: each ticket is one workorder_act, its own
# transaction with its own lock and version check, so one refused ticket
# neither holds back nor rolls back the others, and every outcome is reported.


@dataclass(frozen=True)
class Outcome:
    """What happened to one ticket of a bulk step: done, or the reason it was not."""

    workorder: WorkOrder
    done: bool
    message: str


def _each(actor, workorder, versions, done_message, **step) -> Outcome:
    try:
        changed = workorder_act(
            actor=actor,
            workorder=workorder,
            version=(versions or {}).get(workorder.pk),
            **step,
        )
    except DomainError as refused:
        return Outcome(workorder, False, _outcome(workorder, refused.message))
    return Outcome(changed, True, _outcome(workorder, done_message))


def _outcome(workorder, message) -> str:
    return _("%(number)s: %(message)s") % {
        "number": workorder.number,
        "message": message,
    }


def workorders_dispatch_bulk(
    *,
    actor,
    workorders: list[WorkOrder],
    unit: OrgUnit,
    owner=None,
    department: Department | None = None,
    note: str = "",
    versions: dict[int, int] | None = None,
) -> list[Outcome]:
    """Dispatch each ticket to ``unit`` (and ``owner``, ``department``).

    One ``workorder_act`` per ticket, each its own transaction; ``versions``
    (ticket id → the version the desk showed) makes a ticket changed since
    then a refusal, not an overwrite. Returns one outcome per ticket, in order.
    """
    target = unit.name
    if owner is not None:
        target = f"{target} · {owner}"
    if department is not None:
        target = f"{target} · {department}"
    done = _("dispatched to %(target)s.") % {"target": target}
    return [
        _each(
            actor,
            workorder,
            versions,
            done,
            action="dispatch",
            unit=unit,
            owner=owner,
            department=department,
            note=note,
        )
        for workorder in workorders
    ]


def workorder_dispatch_suggested(
    *, actor, workorder: WorkOrder, version: int | None = None
) -> Outcome:
    """Dispatch one queued ticket to its suggested unit (see ``suggestions_for``).

    A ticket with no suggestion is refused with the reason the desk shows.
    """
    suggestion = suggestions_for([workorder])[workorder.pk]
    if suggestion.unit is None:
        return Outcome(workorder, False, _outcome(workorder, suggestion.reason))
    versions = {workorder.pk: version} if version is not None else None
    return workorders_dispatch_bulk(
        actor=actor, workorders=[workorder], unit=suggestion.unit, versions=versions
    )[0]


def workorders_return(
    *,
    actor,
    workorders: list[WorkOrder],
    reason: str,
    versions: dict[int, int] | None = None,
) -> list[Outcome]:
    """Send queued tickets back to the district's queue (退回上级): not ours.

    The ``send_back`` step, with the reason as its note; a ticket already at
    the district is refused (cancel it instead). Per ticket, as in
    ``workorders_dispatch_bulk``.
    """
    done = _("sent back to the district's queue.")
    return [
        _each(actor, workorder, versions, done, action="send_back", note=reason)
        for workorder in workorders
    ]


def workorders_merge(
    *,
    actor,
    keep: WorkOrder,
    duplicates: list[WorkOrder],
    note: str = "",
    versions: dict[int, int] | None = None,
) -> list[Outcome]:
    """Merge duplicates into ``keep``: cancel each with ``duplicate_of=keep``.

    ``keep`` itself is never touched (left out if it is among ``duplicates``);
    a cancelled ``keep`` refuses the whole merge before anything is written.
    Per ticket, as in ``workorders_dispatch_bulk``.
    """
    if keep.status == Status.CANCELLED:
        raise DomainError(
            _("%(number)s is cancelled; keep a ticket that is still live.")
            % {"number": keep.number},
            code="invalid",
            fields={"keep": [keep.number]},
        )
    note = note or _("Duplicate of %(number)s.") % {"number": keep.number}
    done = _("merged into %(number)s.") % {"number": keep.number}
    return [
        _each(
            actor,
            workorder,
            versions,
            done,
            action="cancel",
            note=note,
            duplicate_of=keep,
        )
        for workorder in duplicates
        if workorder.pk != keep.pk
    ]
