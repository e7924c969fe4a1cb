"""The rows behind each figure: one queryset builder per definition.

The figures (``reviews.figures.compute``) group these querysets; the pages
list the tickets behind a figure from the very same builders, so a number on
the page and the list it links to cannot disagree.

Every builder takes a ``Scope`` (a unit: tickets whose current ancestry lies
under it) and a ``Period`` (``[start_at, end_at)`` in Asia/Shanghai).
"""

from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Trim
from django.db.models.lookups import LessThanOrEqual

from dispatch.models import Alert
from grids.models import ANCESTRY_LEVELS, Level, OrgUnit
from workorders.models import SWEPT_STATUSES, Status, WorkOrder, WorkOrderEvent

from ..periods import Period

# The steps whose last occurrence in a period makes a figure (see compute).
DISPATCH, CLOSE, REOPEN, FOLLOW_UP = "dispatch", "review_pass", "reopen", "follow_up"
MILESTONES = (DISPATCH, CLOSE, REOPEN, FOLLOW_UP)
# Open with the deadline clock running: a suspended ticket's clock is paused
# (its deadline moves on by the pause when it resumes), so it is not overdue.
RUNNING = tuple(status.value for status in SWEPT_STATUSES)
# The same address with the same category this many times in a period: a hotspot.
REPEAT_THRESHOLD = 3


@dataclass(frozen=True)
class Scope:
    """Tickets under ``unit``, by the ancestry id of the unit's level."""

    unit: OrgUnit

    @property
    def field(self) -> str:
        return f"{self.unit.level}_id"

    @property
    def child_field(self) -> str | None:
        """The ancestry column that names a ticket's child unit (None below
        micro-grids, where the ancestry stops)."""
        child = Level(self.unit.level).child_level
        if child not in ANCESTRY_LEVELS:
            return None
        return f"{child.value}_id"

    def q(self, prefix: str = "") -> Q:
        return Q(**{f"{prefix}{self.field}": self.unit.pk})


def intake(scope: Scope, period: Period) -> QuerySet[WorkOrder]:
    """Tickets taken in during the period (``created_at`` in it)."""
    return WorkOrder.objects.filter(
        scope.q(), created_at__gte=period.start_at, created_at__lt=period.end_at
    )


def milestones(scope: Scope, period: Period) -> QuerySet[WorkOrderEvent]:
    """Per ticket and step, the *last* dispatch, closure, reopening and
    follow-up in the period, annotated with ``on_time`` and ``satisfaction``.

    The trail is immutable, so these rows, unlike the ticket's current
    ``closed_at`` (cleared by a reopening, moved by the next closure), are the
    same whenever a past period is generated again. A ticket's events are in
    id order: each step is written under the ticket's row lock.

    ``on_time`` (closures only): the ``resolve`` step that preceded this
    closure came at or before the ticket's ``resolve_deadline``. The deadline
    (办理时限) is the time allowed to *resolve* a matter; the review that
    closes it is the command center's step, and its delay is not the handler's.
    """
    in_period = Q(created_at__gte=period.start_at, created_at__lt=period.end_at)
    later_same_step = WorkOrderEvent.objects.filter(
        in_period,
        workorder_id=OuterRef("workorder_id"),
        action=OuterRef("action"),
        id__gt=OuterRef("id"),
    )
    resolved_before = (
        WorkOrderEvent.objects.filter(
            workorder_id=OuterRef("workorder_id"),
            action="resolve",
            id__lt=OuterRef("id"),
        )
        .order_by("-id")
        .values("created_at")[:1]
    )
    on_time = Case(
        When(
            action=CLOSE,
            then=Case(
                When(
                    LessThanOrEqual(
                        Subquery(resolved_before), F("workorder__resolve_deadline")
                    ),
                    then=Value(True),
                ),
                default=Value(False),
            ),
        ),
        default=Value(False),
        output_field=BooleanField(),
    )
    satisfaction = Case(
        When(action=FOLLOW_UP, then=KT("data__satisfaction")),
        default=Value(""),
        output_field=CharField(),
    )
    return (
        WorkOrderEvent.objects.filter(
            in_period, scope.q("workorder__"), action__in=MILESTONES
        )
        .exclude(Exists(later_same_step))
        .annotate(on_time=on_time, satisfaction=satisfaction)
    )


def overdue_at_end(scope: Scope, period: Period) -> QuerySet[WorkOrder]:
    """Tickets open with their clock running at the period's end and past their
    deadline then: ``resolve_deadline < end`` and the status after the last
    event before the end is one of ``RUNNING``.

    The status at the end comes from the trail (the ticket's status now may be
    later). A ticket closed or resolved before the end and still so now cannot
    have been open then, so those (most of them) are ruled out from the ticket
    row before the trail is read for the rest.
    """
    end = period.end_at
    status_at_end = (
        WorkOrderEvent.objects.filter(workorder_id=OuterRef("pk"), created_at__lt=end)
        .order_by("-id")
        .values("to_status")[:1]
    )
    return (
        WorkOrder.objects.filter(
            scope.q(), created_at__lt=end, resolve_deadline__lt=end
        )
        .exclude(status=Status.CLOSED, closed_at__lt=end)
        .exclude(status=Status.RESOLVED, resolved_at__lt=end)
        .annotate(status_at_end=Subquery(status_at_end))
        .filter(status_at_end__in=RUNNING)
    )


def repeat_groups(scope: Scope, period: Period) -> QuerySet:
    """(address, category) pairs taken in ``REPEAT_THRESHOLD`` times or more.

    Tickets carry no link to a registered place, only its address, so "the
    same address or place" is the same address text, surrounding blanks
    trimmed. Tickets without an address (located by a point only) never group.
    """
    return (
        intake(scope, period)
        .exclude(address="")
        .annotate(spot=Trim("address"))
        .values("spot", "category_id")
        .annotate(
            count=Count("id"), grid_id=Min("grid_id"), village_id=Min("village_id")
        )
        .filter(count__gte=REPEAT_THRESHOLD)
        .order_by("-count", "spot", "category_id")
    )


def alerts(scope: Scope, period: Period) -> QuerySet[Alert]:
    """Alerts on tickets under the unit raised, or acknowledged, in the period."""
    start, end = period.start_at, period.end_at
    return Alert.objects.filter(scope.q("workorder__")).filter(
        Q(raised_at__gte=start, raised_at__lt=end)
        | Q(acknowledged_at__gte=start, acknowledged_at__lt=end)
    )


def earlier_tickets_exist(scope: Scope, period: Period) -> bool:
    """Whether the unit had any ticket by the period's end ("data exists")."""
    return WorkOrder.objects.filter(scope.q(), created_at__lt=period.end_at).exists()
