"""What the dispatch desk and the ticket page read: the queue, suggestions,
the choices a dispatcher may make, a ticket's timeline.

Every read starts from ``workorders_visible_to`` (the one scope rule), so a
page never shows a ticket the API would hide.
"""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grids.models import ANCESTRY_FIELDS, Department, Level, OrgUnit, Post, Role
from grids.permissions import Perm
from grids.selectors import ancestry_q, posts_of, scope_roots, units_visible_to
from workorders.lifecycle import DISPATCHERS, STEPS, WORKERS
from workorders.models import (
    OPEN_STATUSES,
    Attachment,
    Status,
    WorkOrder,
    WorkOrderEvent,
)
from workorders.selectors import workorders_visible_to

QUEUE_STATUSES = (Status.NEW, Status.RETURNED)
# Where the desk sends tickets. Micro-grids are left out of the choice (a
# district has thousands); their grid is offered instead.
TARGET_LEVELS = (Level.TOWN, Level.VILLAGE, Level.GRID)
# Who may be named as a ticket's owner from the desk. Department staff are
# reached by routing the ticket to their department, not by name.
OWNER_ROLES = frozenset(WORKERS - {Role.DEPARTMENT_STAFF})


def desk_tickets(user) -> QuerySet[WorkOrder]:
    """Tickets the user may act on from the desk, in any state.

    Those in the user's scope under a post whose role dispatches (dispatcher,
    commander, administrator); superusers: all. A user with no such post gets
    none, so a grid worker's desk is empty rather than full of buttons that
    would all be refused.
    """
    tickets = workorders_visible_to(user).select_related("category__module")
    if user.is_superuser:
        return tickets
    roots = [post.unit for post in posts_of(user) if post.role in DISPATCHERS]
    return tickets.filter(ancestry_q(roots))


def desk_queue(user) -> QuerySet[WorkOrder]:
    """The desk's queue: tickets awaiting dispatch (new or returned).

    Nearest deadline first, so overdue and urgent tickets (whose rules give
    them the shortest time) lead, then the oldest; the ``wo_status_deadline``
    index serves this order.
    """
    return (
        desk_tickets(user)
        .filter(status__in=QUEUE_STATUSES)
        .order_by("resolve_deadline", "created_at", "id")
    )


def tickets_for_page(user) -> QuerySet[WorkOrder]:
    """Tickets in the user's scope with what the ticket page shows of them."""
    return workorders_visible_to(user).select_related(
        "category__module", "department", "reporter", "duplicate_of"
    )


def user_dispatches(user) -> bool:
    """Whether the user holds a post that dispatches (the desk is theirs)."""
    return user.is_superuser or any(p.role in DISPATCHERS for p in posts_of(user))


@dataclass(frozen=True)
class Suggestion:
    """Where the desk proposes to send a queued ticket, and why (or why nowhere)."""

    unit: OrgUnit | None
    reason: str


def suggestions_for(tickets: list[WorkOrder]) -> dict[int, Suggestion]:
    """The suggested unit of each queued ticket (one query at most for the page).

    - a new ticket located in a grid (its unit a grid or micro-grid): that grid;
    - a new ticket filed at a village or town with no point in a grid: that
      unit, the finest one known, whose staff can pass it on;
    - a new ticket at the district (not located): nothing, a person chooses;
    - a returned ticket: nothing, since the unit it sits at sent it back.
    """
    wanted = {
        t.grid_id
        for t in tickets
        if t.status == Status.NEW and t.grid_id and t.grid_id != t.unit_id
    }
    grids = OrgUnit.objects.in_bulk(wanted)
    found = {}
    for ticket in tickets:
        unit = ticket.unit
        if ticket.status == Status.RETURNED:
            found[ticket.pk] = Suggestion(None, _("Returned: choose a unit."))
        elif ticket.grid_id:
            grid = (
                unit if ticket.grid_id == ticket.unit_id else grids.get(ticket.grid_id)
            )
            if grid is not None and grid.is_active:
                found[ticket.pk] = Suggestion(grid, _("The grid it was located in."))
            else:
                found[ticket.pk] = Suggestion(None, _("Its grid is closed."))
        elif unit is not None and unit.level in (Level.VILLAGE, Level.TOWN):
            found[ticket.pk] = Suggestion(unit, _("Filed here; no grid known."))
        else:
            found[ticket.pk] = Suggestion(None, _("Not located: choose a unit."))
    return found


def last_returns(tickets: list[WorkOrder]) -> dict[int, WorkOrderEvent]:
    """The latest return event of each returned ticket (why it came back)."""
    returned = [t.pk for t in tickets if t.status == Status.RETURNED]
    if not returned:
        return {}
    events = WorkOrderEvent.objects.filter(
        workorder_id__in=returned, action="return"
    ).select_related("actor")
    latest = {}
    for event in events.order_by("id"):
        latest[event.workorder_id] = event
    return latest


def deadline_state(ticket: WorkOrder, now=None) -> str:
    """``overdue``, ``warning``, ``ok`` or ``paused`` for a running ticket;
    ``on_time`` or ``late`` for a resolved or closed one; ``""`` if cancelled."""
    now = now or timezone.now()
    if ticket.status == Status.SUSPENDED:
        return "paused"
    if ticket.status in OPEN_STATUSES:
        if now >= ticket.resolve_deadline:
            return "overdue"
        return "warning" if now >= ticket.warn_at else "ok"
    if ticket.resolved_at is not None:
        return "on_time" if ticket.resolved_at <= ticket.resolve_deadline else "late"
    return ""


def sign_overdue(ticket: WorkOrder, now=None) -> bool:
    """A dispatched ticket nobody signed for by its sign-for deadline."""
    now = now or timezone.now()
    return (
        ticket.status == Status.DISPATCHED
        and ticket.sign_deadline is not None
        and now >= ticket.sign_deadline
    )


def target_units(user) -> QuerySet[OrgUnit]:
    """The units the user may send tickets to: towns, villages, grids in scope."""
    return (
        units_visible_to(user)
        .filter(level__in=TARGET_LEVELS, is_active=True)
        .order_by("tree_id", "lft")
    )


def owner_posts(user) -> QuerySet[Post]:
    """Posts of people who may be named as owner: workers on units in scope."""
    return (
        Post.objects.filter(
            is_active=True,
            role__in=OWNER_ROLES,
            user__is_active=True,
            unit__is_active=True,
            unit__in=units_visible_to(user),
        )
        .select_related("user", "unit")
        .order_by("unit__tree_id", "unit__lft", "user__full_name", "user_id")
    )


def target_departments(user) -> QuerySet[Department]:
    """Active departments that serve some part of the user's scope: territory
    above, at or under one of the units the user sees."""
    departments = Department.objects.filter(is_active=True).select_related("territory")
    if not user.is_superuser:
        touching = Q(pk__in=[])
        for root in scope_roots(user, Perm.VIEW_UNITS):
            same = Q(territory__tree_id=root.tree_id)
            above = Q(territory__lft__lte=root.lft, territory__rght__gte=root.rght)
            under = Q(territory__lft__gte=root.lft, territory__lft__lte=root.rght)
            touching |= same & (above | under)
        departments = departments.filter(touching)
    return departments.order_by("territory__lft", "name")


def unit_covers(outer: OrgUnit, inner: OrgUnit) -> bool:
    """``inner`` lies in ``outer``'s subtree (or is it)."""
    return outer.tree_id == inner.tree_id and outer.lft <= inner.lft <= outer.rght


def worker_covers(owner, unit: OrgUnit) -> bool:
    """``owner`` holds a worker post on ``unit`` or above it (dispatch's own rule)."""
    return Post.objects.filter(
        user=owner,
        is_active=True,
        role__in=OWNER_ROLES,
        unit__tree_id=unit.tree_id,
        unit__lft__lte=unit.lft,
        unit__rght__gte=unit.lft,
    ).exists()


@dataclass
class TimelineEntry:
    event: WorkOrderEvent
    label: str
    details: list[str] = field(default_factory=list)
    photos: list[Attachment] = field(default_factory=list)

    @property
    def from_label(self) -> str:
        return _status_label(self.event.from_status)

    @property
    def to_label(self) -> str:
        return _status_label(self.event.to_status)


def _status_label(value: str) -> str:
    return str(Status(value).label) if value in Status.values else value


# Events that are not lifecycle steps.
EVENT_LABELS = {
    "create": gettext_lazy("Taken in"),
    "attach": gettext_lazy("Photo added"),
}


def ticket_timeline(ticket: WorkOrder) -> list[TimelineEntry]:
    """The ticket's events in order, with the units, people, departments and
    photos they name resolved in one query per kind (not one per event)."""
    events = list(
        WorkOrderEvent.objects.filter(workorder=ticket)
        .select_related("actor")
        .order_by("id")
    )
    photos = {a.pk: a for a in Attachment.objects.filter(workorder=ticket)}
    ids = {"unit": set(), "user": set(), "department": set(), "ticket": set()}
    for event in events:
        data = event.data or {}
        ids["unit"].update(data.get(k) for k in ("unit", "from_unit", "to_unit"))
        ids["user"].add(data.get("owner"))
        ids["department"].add(data.get("department"))
        ids["ticket"].add(data.get("duplicate_of"))
    names = {
        "unit": _names(OrgUnit.objects, ids["unit"], "name"),
        "user": {
            person.pk: str(person)
            for person in get_user_model()
            .objects.filter(pk__in={i for i in ids["user"] if i})
            .only("full_name", "username")
        },
        "department": _names(Department.objects, ids["department"], "name"),
        "ticket": _names(WorkOrder.objects, ids["ticket"], "number"),
    }
    entries = []
    for event in events:
        step = STEPS.get(event.action)
        label = step.label if step else EVENT_LABELS.get(event.action, event.action)
        entry = TimelineEntry(event=event, label=str(label))
        data = event.data or {}
        entry.details = _event_details(data, names)
        if event.action == "attach" and data.get("attachment") in photos:
            entry.photos.append(photos[data["attachment"]])
        entries.append(entry)
    return entries


def _names(manager, ids, attribute) -> dict:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(manager.filter(pk__in=ids).values_list("pk", attribute))


def _event_details(data: dict, names: dict) -> list[str]:
    details = []
    if data.get("unit"):
        details.append(_("to %(unit)s") % {"unit": names["unit"].get(data["unit"])})
    if data.get("owner"):
        details.append(
            _("owner %(person)s") % {"person": names["user"].get(data["owner"])}
        )
    if data.get("department"):
        details.append(
            _("department %(department)s")
            % {"department": names["department"].get(data["department"])}
        )
    if data.get("to_unit"):
        details.append(
            _("from %(from)s to %(to)s")
            % {
                "from": names["unit"].get(data.get("from_unit"), "?"),
                "to": names["unit"].get(data["to_unit"]),
            }
        )
    if data.get("duplicate_of"):
        details.append(
            _("duplicate of %(number)s")
            % {"number": names["ticket"].get(data["duplicate_of"])}
        )
    return details


def ticket_units(ticket: WorkOrder) -> list[OrgUnit]:
    """The chain of units the ticket lies in, district first (one query)."""
    ids = [getattr(ticket, name) for name in ANCESTRY_FIELDS]
    units = OrgUnit.objects.in_bulk([i for i in ids if i])
    return [units[i] for i in ids if i in units]
