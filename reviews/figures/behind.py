"""The tickets behind a figure, for the drill-down pages.

Built from the same querysets as the figures (``rows``), so the list a
number links to holds exactly the tickets it counts. Alert figures count
alerts; their list shows the tickets the alerts are on.
"""

from django.db.models import QuerySet
from django.db.models.functions import Trim

from dispatch.models import Alert
from workorders.models import WorkOrder

from ..periods import Period
from . import rows
from .rows import CLOSE, DISPATCH, FOLLOW_UP, REOPEN, Scope

MILESTONE_FIGURES = {
    "dispatched": {"action": DISPATCH},
    "closed": {"action": CLOSE},
    "closed_on_time": {"action": CLOSE, "on_time": True},
    "closed_late": {"action": CLOSE, "on_time": False},
    "reopened": {"action": REOPEN},
    "followed_up": {"action": FOLLOW_UP},
}
FIGURES = (
    "intake",
    *MILESTONE_FIGURES,
    "overdue_open",
    "hotspot",
    "alerts_raised",
    "alerts_acknowledged",
)


def tickets_behind(
    scope: Scope,
    period: Period,
    figure: str,
    *,
    child: str = "",
    source: str = "",
    module: int | None = None,
    satisfaction: str = "",
    owner: str = "",
    department: int | None = None,
    address: str = "",
    category: int | None = None,
) -> QuerySet[WorkOrder]:
    """The tickets counted by ``figure`` (one of ``FIGURES``), narrowed.

    ``child`` is a child unit's id, or ``"here"`` for tickets held at the unit
    itself; ``owner`` a user id or ``"none"`` for overdue tickets nobody owns.
    Raises ``KeyError`` for an unknown figure.
    """
    if figure not in FIGURES:
        raise KeyError(figure)
    if figure == "intake" or figure == "hotspot":
        tickets = rows.intake(scope, period)
        if source:
            tickets = tickets.filter(source=source)
        if module is not None:
            tickets = tickets.filter(category__module_id=module)
        if figure == "hotspot":
            tickets = tickets.annotate(spot=Trim("address")).filter(
                spot=address, category_id=category
            )
    elif figure in MILESTONE_FIGURES:
        events = rows.milestones(scope, period).filter(**MILESTONE_FIGURES[figure])
        if satisfaction:
            events = events.filter(satisfaction=satisfaction)
        tickets = WorkOrder.objects.filter(pk__in=events.values("workorder_id"))
    elif figure == "overdue_open":
        tickets = rows.overdue_at_end(scope, period)
        if owner == "none":
            tickets = tickets.filter(owner__isnull=True)
        elif owner.isdigit():
            tickets = tickets.filter(owner_id=int(owner))
        if department is not None:
            tickets = tickets.filter(department_id=department)
    else:
        start, end = period.start_at, period.end_at
        moment = "raised_at" if figure == "alerts_raised" else "acknowledged_at"
        alerts = Alert.objects.filter(
            scope.q("workorder__"),
            **{f"{moment}__gte": start, f"{moment}__lt": end},
        )
        tickets = WorkOrder.objects.filter(pk__in=alerts.values("workorder_id"))
    return _in_child(tickets, scope, child)


def _in_child(tickets, scope: Scope, child: str):
    if not child or scope.child_field is None:
        return tickets
    if child == "here":
        return tickets.filter(**{f"{scope.child_field}__isnull": True})
    if child.isdigit():
        return tickets.filter(**{scope.child_field: int(child)})
    return tickets.none()
