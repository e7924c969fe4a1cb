"""The figures of one unit over one period, from a handful of GROUP BY queries.

Each query groups the rows of one definition (``reviews.figures.rows``) by
the child unit and whatever else the report breaks them down by; Python only
adds up the grouped rows, never walks tickets. A full report runs about a
dozen statements whatever the number of tickets.
"""

from collections import defaultdict

from django.db.models import Count, F, IntegerField, Q, Value
from django.db.models.functions import TruncDate

from accounts.models import User
from dispatch.models import AlertKind
from grids.models import Department, OrgUnit
from workorders.models import Category, Satisfaction, Source

from ..periods import CHINA, Period
from . import rows
from .rows import CLOSE, DISPATCH, FOLLOW_UP, REOPEN, Scope

FORMAT_VERSION = 1
TOP = 10
TOP_HOTSPOTS = 50
# Counted as satisfied in the satisfaction rate (满意率 counts both).
CONTENT = (Satisfaction.SATISFIED.value, Satisfaction.BASICALLY_SATISFIED.value)


def rate(part: int, whole: int) -> float | None:
    """A share rounded to four places (0.9731), None when there is no whole."""
    return round(part / whole, 4) if whole else None


class Tally:
    """The counts one row of a report carries: the whole unit, or one child."""

    FIELDS = (
        "intake",
        "dispatched",
        "closed",
        "closed_on_time",
        "reopened",
        "overdue_open",
        "followed_up",
        "satisfied",
    )

    def __init__(self):
        self.counts = dict.fromkeys(self.FIELDS, 0)

    def add(self, field: str, n: int):
        self.counts[field] += n

    def as_dict(self) -> dict:
        c = self.counts
        return {
            **c,
            "on_time_rate": rate(c["closed_on_time"], c["closed"]),
            "on_time_rate_strict": rate(
                c["closed_on_time"], c["closed"] + c["overdue_open"]
            ),
            "satisfaction_rate": rate(c["satisfied"], c["followed_up"]),
        }


def _child(scope: Scope, prefix: str = ""):
    if scope.child_field is None:
        return Value(None, output_field=IntegerField())
    return F(prefix + scope.child_field)


def _milestone_into(tally: Tally, action: str, on_time: bool, satisfaction, n: int):
    if action == DISPATCH:
        tally.add("dispatched", n)
    elif action == REOPEN:
        tally.add("reopened", n)
    elif action == CLOSE:
        tally.add("closed", n)
        if on_time:
            tally.add("closed_on_time", n)
    elif action == FOLLOW_UP and satisfaction:
        tally.add("followed_up", n)
        if satisfaction in CONTENT:
            tally.add("satisfied", n)


def period_totals(scope: Scope, period: Period) -> dict:
    """The headline figures only (for the trend): four statements."""
    tally = Tally()
    tally.add("intake", rows.intake(scope, period).count())
    grouped = (
        rows.milestones(scope, period)
        .values("action", "on_time", "satisfaction")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in grouped:
        _milestone_into(
            tally, row["action"], row["on_time"], row["satisfaction"], row["n"]
        )
    tally.add("overdue_open", rows.overdue_at_end(scope, period).count())
    return {**tally.as_dict(), **alert_summary(scope, period)[0]}


def report_figures(scope: Scope, period: Period) -> dict:
    """Everything a report shows, as JSON-ready data (see ``reviews.figures``)."""
    unit = scope.unit
    whole, children = Tally(), defaultdict(Tally)
    by_source = dict.fromkeys(Source.values, 0)
    by_module = defaultdict(int)
    series = {day: {"intake": 0, "closed": 0} for day in period.days}
    satisfaction = dict.fromkeys(Satisfaction.values, 0)

    intake_rows = (
        rows.intake(scope, period)
        .values("source", module=F("category__module_id"), child=_child(scope))
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in intake_rows:
        for tally in (whole, children[row["child"]]):
            tally.add("intake", row["n"])
        by_source[row["source"]] = by_source.get(row["source"], 0) + row["n"]
        by_module[row["module"]] += row["n"]

    per_day = (
        rows.intake(scope, period)
        .annotate(day=TruncDate("created_at", tzinfo=CHINA))
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in per_day:
        series[row["day"]]["intake"] += row["n"]

    milestone_rows = (
        rows.milestones(scope, period)
        .values(
            "action",
            "on_time",
            "satisfaction",
            child=_child(scope, "workorder__"),
            day=TruncDate("created_at", tzinfo=CHINA),
        )
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in milestone_rows:
        args = (row["action"], row["on_time"], row["satisfaction"], row["n"])
        for tally in (whole, children[row["child"]]):
            _milestone_into(tally, *args)
        if row["action"] == CLOSE:
            series[row["day"]]["closed"] += row["n"]
        elif row["action"] == FOLLOW_UP and row["satisfaction"] in satisfaction:
            satisfaction[row["satisfaction"]] += row["n"]

    owners, departments = defaultdict(int), defaultdict(int)
    overdue_rows = (
        rows.overdue_at_end(scope, period)
        .values("owner_id", "department_id", child=_child(scope))
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in overdue_rows:
        for tally in (whole, children[row["child"]]):
            tally.add("overdue_open", row["n"])
        owners[row["owner_id"]] += row["n"]
        if row["department_id"] is not None:
            departments[row["department_id"]] += row["n"]

    unowned = owners.pop(None, 0)
    top_owners = _top(owners)
    top_departments = _top(departments)
    hotspots = list(rows.repeat_groups(scope, period)[:TOP_HOTSPOTS])
    names = _names(
        users={pk for pk, _n in top_owners},
        departments={pk for pk, _n in top_departments},
        units={spot["grid_id"] or spot["village_id"] for spot in hotspots},
        categories={spot["category_id"] for spot in hotspots},
    )
    alert_totals, alerts_by_kind = alert_summary(scope, period)
    modules = Category.objects.filter(module__isnull=True).order_by(
        "sort_order", "code"
    )

    return {
        "version": FORMAT_VERSION,
        "period": period.as_dict(),
        "unit": _unit_dict(unit),
        "repeat_threshold": rows.REPEAT_THRESHOLD,
        "totals": {**whole.as_dict(), **alert_totals},
        "intake_by_source": [
            {"key": key, "count": count} for key, count in by_source.items()
        ],
        "intake_by_module": [
            {"id": module.pk, "name": module.name, "count": by_module.get(module.pk, 0)}
            for module in modules
        ],
        "satisfaction": satisfaction,
        "series": [
            {"day": day.isoformat(), **counts} for day, counts in series.items()
        ],
        **_children(scope, children),
        "overdue_owners": [
            {"id": pk, "name": names["users"].get(pk, "?"), "count": n}
            for pk, n in top_owners
        ],
        "overdue_unowned": unowned,
        "overdue_departments": [
            {"id": pk, "name": names["departments"].get(pk, "?"), "count": n}
            for pk, n in top_departments
        ],
        "hotspots": [_hotspot(spot, names) for spot in hotspots],
        "alerts_by_kind": alerts_by_kind,
    }


def _top(counts: dict) -> list[tuple[int, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP]


def _names(*, users, departments, units, categories) -> dict[str, dict]:
    users = {
        pk: full or username
        for pk, full, username in User.objects.filter(pk__in=users).values_list(
            "pk", "full_name", "username"
        )
    }
    return {
        "users": users,
        "departments": dict(
            Department.objects.filter(pk__in=departments).values_list("pk", "name")
        ),
        "units": dict(OrgUnit.objects.filter(pk__in=units).values_list("pk", "name")),
        "categories": {
            category.pk: category
            for category in Category.objects.filter(pk__in=categories).select_related(
                "module"
            )
        },
    }


def _unit_dict(unit: OrgUnit) -> dict:
    return {"id": unit.pk, "name": unit.name, "level": unit.level}


def _children(scope: Scope, tallies: dict) -> dict:
    """Each child unit's row, ranked; tickets held at the unit itself apart.

    Ranked by the strict on-time rate (it counts open overdue tickets, so a
    unit cannot climb by leaving hard cases open), then fewer overdue, then
    more intake. Children without a single closure or overdue ticket have no
    rate and come last. A micro-grid has no child units that carry tickets.
    """
    held_here = tallies.pop(None, None)
    if scope.child_field is None:  # a micro-grid: the tickets stop here
        return {"children": [], "held_here": None}
    known = {
        unit.pk: unit
        for unit in OrgUnit.objects.filter(
            Q(parent=scope.unit, is_active=True) | Q(pk__in=list(tallies))
        ).order_by("sort_order", "code")
    }
    children = []
    for pk, unit in known.items():
        row = (tallies.get(pk) or Tally()).as_dict()
        children.append({**_unit_dict(unit), **row})
    children.sort(
        key=lambda row: (
            row["on_time_rate_strict"] is None,
            -(row["on_time_rate_strict"] or 0),
            row["overdue_open"],
            -row["intake"],
        )
    )
    for rank, row in enumerate(children, start=1):
        row["rank"] = rank
    return {
        "children": children,
        "held_here": held_here.as_dict() if held_here else None,
    }


def _hotspot(spot: dict, names: dict) -> dict:
    category = names["categories"].get(spot["category_id"])
    unit_id = spot["grid_id"] or spot["village_id"]
    return {
        "address": spot["spot"],
        "category_id": spot["category_id"],
        "category": category.name if category else "?",
        "module": category.module.name if category and category.module else "",
        "count": spot["count"],
        "unit_id": unit_id,
        "unit": names["units"].get(unit_id, ""),
    }


def alert_summary(scope: Scope, period: Period) -> tuple[dict, list[dict]]:
    """Alerts raised and acknowledged in the period: totals and by kind."""
    start, end = period.start_at, period.end_at
    counted = (
        rows.alerts(scope, period)
        .values("kind")
        .annotate(
            raised=Count("id", filter=Q(raised_at__gte=start, raised_at__lt=end)),
            acknowledged=Count(
                "id", filter=Q(acknowledged_at__gte=start, acknowledged_at__lt=end)
            ),
        )
        .order_by()
    )
    counts = {row["kind"]: row for row in counted}
    by_kind = [
        {
            "kind": kind,
            "raised": counts.get(kind, {}).get("raised", 0),
            "acknowledged": counts.get(kind, {}).get("acknowledged", 0),
        }
        for kind in AlertKind.values
    ]
    totals = {
        "alerts_raised": sum(row["raised"] for row in by_kind),
        "alerts_acknowledged": sum(row["acknowledged"] for row in by_kind),
    }
    return totals, by_kind
