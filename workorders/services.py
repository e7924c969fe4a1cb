"""Writes to tickets: intake and every lifecycle step.

Each function runs in one transaction. A step locks the ticket row
(``select_for_update``), checks the version the caller saw, the current state
and the actor's posts against ``workorders.lifecycle``, writes the change with
``save(update_fields=...)`` and one immutable ``WorkOrderEvent``. Two people
acting on one ticket: the second waits for the lock, then finds the state or
version moved on and gets ``Conflict`` (409) with the current state.
"""

import logging
import uuid
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import IntegrityError, connections, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.geo import locator
from grids.models import ANCESTRY_FIELDS, Level, OrgUnit
from grids.personal_data import phone_is_valid
from jintan.errors import Conflict, DomainError

from . import calendar, hotline
from .lifecycle import DISPATCHERS, STEPS, WORKERS
from .models import (
    Attachment,
    Category,
    DeadlineRule,
    HotlineCallback,
    Priority,
    Satisfaction,
    Source,
    Status,
    WorkOrder,
    WorkOrderEvent,
)
from .photos import photo_process
from .selectors import actor_roles

logger = logging.getLogger(__name__)

# Where a ticket nobody could locate waits: the district's dispatch queue.
TICKET_UNIT_LEVELS = (Level.DISTRICT, Level.TOWN, Level.VILLAGE, Level.GRID)
TICKET_UNIT_LEVELS += (Level.MICRO_GRID,)


def deadlines_for(category: Category, priority: str, start) -> dict:
    """Sign-for deadline, resolve deadline and warning time from the rule.

    A category read by ``selectors.categories_with_rule`` for this priority
    brings its rule along; any other is looked up (one query).
    """
    if getattr(category, "deadline_rule_priority", None) == priority:
        rule = getattr(category, "deadline_rule", None)
    else:
        rule = DeadlineRule.objects.filter(category=category, priority=priority).first()
    if rule is None:
        raise DomainError(
            _("No deadline rule for %(category)s at priority %(priority)s.")
            % {"category": category, "priority": Priority(priority).label},
            code="no_deadline_rule",
            fields={"category": [_("This category has no deadline rule.")]},
        )
    if rule.resolve_within_working_days is not None:
        deadline = calendar.add_working_days(start, rule.resolve_within_working_days)
    else:
        deadline = start + timedelta(hours=rule.resolve_within_hours)
    return {
        "sign_deadline": start + timedelta(hours=rule.sign_within_hours),
        "resolve_deadline": deadline,
        "warn_at": start + (deadline - start) * float(rule.warn_fraction),
        "deadline_in_working_days": rule.resolve_within_working_days is not None,
    }


def workorder_number_next(day) -> str:
    """``JT`` + date + the day's running number: JT202611260001.

    On PostgreSQL the number is drawn on the ``numbering`` connection, which
    commits at once: concurrent intakes wait for one statement, not for each
    other's whole transaction. A ticket rolled back leaves a gap in the day's
    numbers, as paper registers with voided slips do. (SQLite, single-writer
    anyway, draws it in the caller's transaction.)
    """
    alias = "numbering" if "numbering" in connections.databases else "default"
    # One statement, atomic on its own: on the numbering connection (in
    # autocommit) it commits without a BEGIN and a COMMIT round trip.
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "INSERT INTO workorders_dailycounter (day, value) VALUES (%s, 1) "
            "ON CONFLICT (day) DO UPDATE "
            "SET value = workorders_dailycounter.value + 1 RETURNING value",
            [day],
        )
        value = cursor.fetchone()[0]
    return f"JT{day:%Y%m%d}{value:04d}"


def workorder_create(
    *,
    actor,
    source: str,
    category: Category,
    title: str,
    description: str,
    priority: str = Priority.NORMAL,
    reporter_name: str = "",
    reporter_phone: str = "",
    address: str = "",
    lat: float | None = None,
    lng: float | None = None,
    unit: OrgUnit | None = None,
    external_number: str = "",
    client_id: uuid.UUID | None = None,
    on_the_spot: bool = False,
) -> tuple[WorkOrder, bool]:
    """Take in a ticket; returns ``(ticket, created)``.

    Idempotent: the same ``external_number`` from one source, or the same
    ``client_id``, returns the ticket already taken in. A point is located to
    its grid; without one the ticket waits in the district's queue. A category
    with automatic dispatch goes straight to the located grid; a grid worker
    handling a matter on the spot (立即处置) takes it at once.

    A ticket just taken in comes back with its events and attachments in
    hand, as if prefetched, so answering with it needs no read-back.
    """
    existing = _existing(source, external_number, client_id)
    if existing is not None:
        return existing, False
    problems = {}
    if not category.is_active or category.module_id is None:
        problems["category"] = [_("Choose an active category, not a module.")]
    if reporter_phone and not phone_is_valid(reporter_phone):
        problems["reporter_phone"] = [_("Not a valid phone number.")]
    if problems:
        raise DomainError(
            _("The ticket could not be taken in."), code="invalid", fields=problems
        )
    taken_on_the_spot = on_the_spot and actor is not None
    routed = category.auto_dispatch and not taken_on_the_spot
    if unit is None and lat is not None and lng is not None:
        located = locator.locate(lat, lng)
        units = OrgUnit.objects.all()
        if routed and located.micro_grid_id:
            # Dispatched to the micro-grid's grid: read it in the same query.
            units = units.select_related("parent")
        unit = units.get(pk=located.micro_grid_id or located.grid_id)
    if unit is None:
        unit = OrgUnit.objects.get(level=Level.DISTRICT, parent__isnull=True)
    now = timezone.now()
    workorder = WorkOrder(
        source=source,
        external_number=external_number,
        client_id=client_id,
        category=category,
        priority=priority,
        title=title,
        description=description,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        address=address,
        lat=lat,
        lng=lng,
        unit=unit,
        owner=None,
        reporter=actor,
        created_at=now,
        **{field: getattr(unit, field) for field in ANCESTRY_FIELDS},
        **deadlines_for(category, priority, now),
    )
    steps = [(actor, "create", "", Status.NEW, {"source": source})]
    if routed and unit.level != Level.DISTRICT:
        # Routed before the row is written: one INSERT instead of an INSERT and
        # an UPDATE, with the same row, version and timeline as dispatching it
        # right after (``_dispatch_to``).
        data = _apply_dispatch(workorder, None, _grid_of(unit), None, None, now)[1]
        workorder.version += 1
        steps.append((None, "dispatch", Status.NEW, workorder.status, data))
    try:
        with transaction.atomic():
            workorder.number = workorder_number_next(timezone.localdate(now))
            workorder.save(force_insert=True)
            events = _events_write(workorder, steps)
            if taken_on_the_spot:
                _dispatch_to(workorder, actor, unit=unit, owner=actor)
                workorder_act(actor=actor, workorder=workorder, action="accept")
                workorder = workorder_act(
                    actor=actor, workorder=workorder, action="start"
                )
                prefetch_related_objects([workorder], "events__actor", "attachments")
            else:
                # What prefetching would read back: the rows just written, and
                # no photo yet.
                _in_hand(workorder, events=events, attachments=[])
    except IntegrityError:
        # A simultaneous copy of the same ticket won the unique constraint.
        existing = _existing(source, external_number, client_id)
        if existing is None:
            raise
        return existing, False
    logger.info("ticket taken in", extra={"ticket": workorder.number})
    return workorder, True


def _in_hand(workorder, **related):
    """Keep ``related`` rows as if prefetched: ``workorder.events.all()`` and the
    like read them, and a further ``filter()`` or ``values()`` still queries."""
    cache = workorder.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, rows in related.items():
        queryset = getattr(workorder, name).all()
        # As prefetch_related_objects stores what it read.
        queryset._result_cache = list(rows)
        queryset._prefetch_done = True
        cache[name] = queryset


def _existing(source, external_number, client_id):
    if external_number:
        found = WorkOrder.objects.filter(
            source=source, external_number=external_number
        ).first()
        if found:
            return found
    if client_id:
        return WorkOrder.objects.filter(client_id=client_id).first()
    return None


def _grid_of(unit: OrgUnit) -> OrgUnit:
    if unit.level == Level.MICRO_GRID:
        return unit.parent
    return unit


def _dispatch_to(workorder, actor, *, unit, owner=None, department=None):
    """The dispatch step without the actor's checks: routing at intake."""
    before = workorder.status
    changed, data = _apply_dispatch(
        workorder, actor, unit, owner, department, timezone.now()
    )
    workorder.version += 1
    workorder.save(update_fields=[*changed, "status", "version", "updated_at"])
    _event(workorder, actor, "dispatch", before, workorder.status, data=data)


def workorder_act(
    *,
    actor,
    workorder: WorkOrder,
    action: str,
    version: int | None = None,
    note: str = "",
    unit: OrgUnit | None = None,
    owner=None,
    department=None,
    satisfaction: str = "",
    duplicate_of: WorkOrder | None = None,
) -> WorkOrder:
    """Take one lifecycle step on a ticket; see ``workorders.lifecycle``.

    Locks the ticket; a stale ``version`` or a state the step does not start
    from raises ``Conflict`` naming the current state; an actor without a post
    for the step raises a 403 ``DomainError``.
    """
    step = STEPS.get(action)
    if step is None:
        raise DomainError(_("Unknown action."), code="unknown_action", status=404)
    with transaction.atomic():
        workorder = WorkOrder.objects.select_for_update().get(pk=workorder.pk)
        if version is not None and version != workorder.version:
            raise _conflict(workorder, _("The ticket changed since you loaded it."))
        if workorder.status not in step.sources:
            raise _conflict(
                workorder,
                _("The ticket is %(status)s; it cannot be given “%(action)s”.")
                % {"status": Status(workorder.status).label, "action": step.label},
            )
        _check_actor(actor, workorder, step)
        _check_required(step, note=note, unit=unit, satisfaction=satisfaction)
        before = workorder.status
        changed, data = _apply(
            workorder,
            step,
            actor=actor,
            note=note,
            unit=unit,
            owner=owner,
            department=department,
            satisfaction=satisfaction,
            duplicate_of=duplicate_of,
        )
        workorder.version += 1
        workorder.save(update_fields=[*changed, "status", "version", "updated_at"])
        _event(workorder, actor, action, before, workorder.status, note, data)
    return workorder


def _conflict(workorder, message):
    return Conflict(
        message,
        code="conflict",
        fields={"status": [workorder.status], "version": [str(workorder.version)]},
    )


def _check_actor(actor, workorder, step):
    roles = actor_roles(actor, workorder)
    if not roles & step.roles:
        raise DomainError(
            _("Your posts do not allow “%(action)s” on this ticket.")
            % {"action": step.label},
            code="permission_denied",
            status=403,
        )
    if (
        step.owner_only
        and workorder.owner_id is not None
        and workorder.owner_id != actor.pk
        and not roles & DISPATCHERS
    ):
        raise DomainError(
            _("This ticket is assigned to someone else."),
            code="not_owner",
            status=403,
        )


def _check_required(step, **given):
    missing = {
        name: [_("This field is required.")]
        for name in step.requires
        if not given.get(name)
    }
    if missing:
        raise DomainError(
            _("“%(action)s” needs more input.") % {"action": step.label},
            code="invalid",
            fields=missing,
        )


def _apply(
    workorder, step, *, actor, note, unit, owner, department, satisfaction, duplicate_of
):
    """Change the ticket for ``step``; returns (changed fields, event data)."""
    now = timezone.now()
    action = step.action
    previous = workorder.status
    if action == "dispatch":
        return _apply_dispatch(workorder, actor, unit, owner, department, now)
    if step.target is not None:
        workorder.status = step.target
    if action == "accept":
        workorder.owner = workorder.owner or actor
        workorder.accepted_at = now
        return ["owner", "accepted_at"], {}
    if action == "resolve":
        if workorder.category.photo_required and not workorder.attachments.exists():
            raise DomainError(
                _("Resolving this kind of matter needs at least one photo."),
                code="photo_required",
                fields={"photos": [_("Upload a photo first.")]},
            )
        workorder.resolved_at = now
        return ["resolved_at"], {}
    if action == "review_pass":
        workorder.closed_at = now
        return ["closed_at"], {}
    if action in ("review_fail", "reopen"):
        if action == "reopen" and workorder.satisfaction != Satisfaction.UNSATISFIED:
            raise DomainError(
                _("Only a ticket whose follow-up was unsatisfied can be reopened."),
                code="invalid",
                fields={"satisfaction": [workorder.satisfaction or "-"]},
            )
        workorder.resolved_at = workorder.closed_at = None
        return ["resolved_at", "closed_at"], {}
    if action == "return":
        workorder.owner = None
        return ["owner"], {}
    if action == "send_back":
        return _apply_send_back(workorder)
    if action == "escalate":
        return _apply_escalate(workorder, now)
    if action == "suspend":
        workorder.suspended_from = previous
        workorder.suspended_at = now
        return ["suspended_from", "suspended_at"], {}
    if action == "resume":
        return _apply_resume(workorder, now)
    if action == "cancel":
        workorder.duplicate_of = duplicate_of
        return ["duplicate_of"], {"duplicate_of": getattr(duplicate_of, "pk", None)}
    if action == "follow_up":
        if satisfaction not in Satisfaction.values:
            raise DomainError(
                _("Satisfaction must be one of: %(values)s")
                % {"values": ", ".join(Satisfaction.values)},
                code="invalid",
                fields={"satisfaction": [_("Unknown value.")]},
            )
        workorder.satisfaction = satisfaction
        return ["satisfaction"], {"satisfaction": satisfaction}
    return [], {}


def _apply_dispatch(workorder, actor, unit, owner, department, now):
    if unit.level not in (Level.GRID, Level.MICRO_GRID, Level.VILLAGE, Level.TOWN):
        raise DomainError(
            _("Dispatch to a town, village, grid or micro-grid."),
            code="invalid",
            fields={"unit": [_("Wrong level for a ticket.")]},
        )
    if owner is not None:
        covering = actor_roles(owner, _at(workorder, unit))
        if not covering & WORKERS:
            raise DomainError(
                _("%(person)s holds no post for this unit.") % {"person": owner},
                code="invalid",
                fields={"owner": [_("Not staff of this unit.")]},
            )
    if department is not None:
        territory = department.territory
        if not (
            territory.tree_id == unit.tree_id
            and territory.lft <= unit.lft <= territory.rght
        ):
            raise DomainError(
                _("%(department)s does not serve %(unit)s.")
                % {"department": department, "unit": unit.name},
                code="invalid",
                fields={"department": [_("Outside the department's territory.")]},
            )
    rule_time = workorder.sign_deadline - (
        workorder.dispatched_at or workorder.created_at
    )
    workorder.status = Status.DISPATCHED
    workorder.unit = unit
    for field in ANCESTRY_FIELDS:
        setattr(workorder, field, getattr(unit, field))
    workorder.owner = owner
    workorder.department = department
    workorder.dispatched_at = now
    workorder.sign_deadline = now + rule_time
    changed = ["unit", *ANCESTRY_FIELDS, "owner", "department", "dispatched_at"]
    data = {
        "unit": unit.pk,
        "owner": getattr(owner, "pk", None),
        "department": getattr(department, "pk", None),
    }
    return [*changed, "sign_deadline"], data


def _at(workorder, unit):
    """A copy of the ticket placed at ``unit``, for checking who covers it there."""
    probe = WorkOrder(department=workorder.department)
    for field in ANCESTRY_FIELDS:
        setattr(probe, field, getattr(unit, field))
    return probe


def _apply_escalate(workorder, now):
    parent = workorder.unit.parent if workorder.unit else None
    if parent is None:
        raise DomainError(
            _("The ticket is already at the top of the tree."), code="invalid"
        )
    from_unit = workorder.unit_id
    workorder.unit = parent
    for field in ANCESTRY_FIELDS:
        setattr(workorder, field, getattr(parent, field))
    workorder.owner = None
    workorder.dispatched_at = now
    changed = ["unit", *ANCESTRY_FIELDS, "owner", "dispatched_at"]
    return changed, {"from_unit": from_unit, "to_unit": parent.pk}


def _apply_send_back(workorder):
    """Back to the district's dispatch queue, where unlocated tickets wait."""
    district = OrgUnit.objects.get(pk=workorder.district_id)
    if workorder.unit_id == district.pk:
        raise DomainError(
            _(
                "The ticket already waits in the district's queue; cancel it if "
                "it is not the district's either."
            ),
            code="invalid",
        )
    from_unit = workorder.unit_id
    workorder.unit = district
    for field in ANCESTRY_FIELDS:
        setattr(workorder, field, getattr(district, field))
    workorder.owner = None
    workorder.department = None
    changed = ["unit", *ANCESTRY_FIELDS, "owner", "department"]
    return changed, {"from_unit": from_unit, "to_unit": district.pk}


def _apply_resume(workorder, now):
    paused_at = workorder.suspended_at
    working_days = workorder.deadline_in_working_days
    workorder.status = workorder.suspended_from or Status.IN_PROGRESS
    for field in ("resolve_deadline", "warn_at"):
        setattr(
            workorder,
            field,
            calendar.deadline_after_pause(
                getattr(workorder, field), paused_at, now, working_days=working_days
            ),
        )
    workorder.suspended_from = ""
    workorder.suspended_at = None
    changed = ["resolve_deadline", "warn_at", "suspended_from", "suspended_at"]
    return changed, {"paused_seconds": int((now - paused_at).total_seconds())}


def _events_write(workorder, steps):
    """Write the events of ``steps`` ((actor, action, from, to, data), in order)
    in one INSERT; hotline callbacks as ``_event`` writes them."""
    events = WorkOrderEvent.objects.bulk_create(
        [
            WorkOrderEvent(
                workorder=workorder,
                actor=actor,
                action=action,
                from_status=before,
                to_status=after,
                data=data,
            )
            for actor, action, before, after, data in steps
        ]
    )
    if workorder.source == Source.HOTLINE:
        callbacks = [event for event in events if event.action != "create"]
        for event in callbacks:
            HotlineCallback.objects.create(
                workorder=workorder,
                event=event,
                payload=hotline.callback_payload(workorder, event),
            )
        if callbacks:
            transaction.on_commit(hotline.deliver_soon)
    return events


def _event(workorder, actor, action, before, after, note="", data=None):
    event = WorkOrderEvent.objects.create(
        workorder=workorder,
        actor=actor,
        action=action,
        from_status=before,
        to_status=after,
        note=note,
        data=data or {},
    )
    if workorder.source == Source.HOTLINE and action != "create":
        HotlineCallback.objects.create(
            workorder=workorder,
            event=event,
            payload=hotline.callback_payload(workorder, event),
        )
        transaction.on_commit(hotline.deliver_soon)
    return event


def attachment_add(*, actor, workorder: WorkOrder, upload) -> tuple[Attachment, bool]:
    """Check a photo (``workorders.photos``) and keep it on the ticket.

    Idempotent: the same photo sent again (same bytes) returns the first
    attachment. Adding a photo is an event on the ticket.
    """
    if not actor_roles(actor, workorder):
        raise DomainError(
            _("Your posts do not allow adding photos to this ticket."),
            code="permission_denied",
            status=403,
        )
    if workorder.status in (Status.CLOSED, Status.CANCELLED):
        raise Conflict(
            _("The ticket is %(status)s; photos can no longer be added.")
            % {"status": Status(workorder.status).label},
            fields={"status": [workorder.status]},
        )
    photo = photo_process(upload)
    existing = Attachment.objects.filter(
        workorder=workorder, sha256=photo.sha256
    ).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            attachment = Attachment(
                workorder=workorder,
                uploaded_by=actor,
                content_type=photo.content_type,
                size=len(photo.content),
                width=photo.width,
                height=photo.height,
                sha256=photo.sha256,
                taken_at=photo.taken_at,
                lat=photo.lat,
                lng=photo.lng,
            )
            attachment.file.save(
                photo.extension, ContentFile(photo.content), save=False
            )
            attachment.thumbnail.save(
                "thumb.jpg", ContentFile(photo.thumbnail), save=False
            )
            attachment.save()
            _event(
                workorder,
                actor,
                "attach",
                workorder.status,
                workorder.status,
                data={"attachment": attachment.pk},
            )
    except IntegrityError:
        existing = Attachment.objects.filter(
            workorder=workorder, sha256=photo.sha256
        ).first()
        if existing is None:
            raise
        return existing, False
    return attachment, True
