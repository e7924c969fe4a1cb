"""The command-center dashboard's figures for one unit in a viewer's scope.

Every ticket figure starts from ``workorders_scope_q`` (which tickets the
viewer may see, decided there only) narrowed to the unit's subtree by its
ancestry id, so a drill-down can only ever show part of the viewer's scope.
Each figure is a ``GROUP BY`` in the database; Python folds the grouped rows
(child unit × category, day), never tickets.

What the figures mean (the page states the window and both rate definitions):

- **open**: a ticket in ``OPEN_STATUSES`` (awaiting dispatch up to returned,
  suspended included); resolved-awaiting-review, closed and cancelled are not.
- **overdue**: open and past its ``resolve_deadline`` now.
- **completed** (办结): resolved within the window. ``resolved_at`` stays set
  while a ticket is resolved or closed and is cleared when a review fails or a
  ticket is reopened, so a ticket counts once, when its handling last ended.
- **on time**: completed with ``resolved_at <= resolve_deadline``.
- **on-time rate**: on time ÷ completed. It overstates performance, since a
  ticket that is late and still open counts nowhere; the **strict rate** adds
  those to the denominator: on time ÷ (completed + open overdue now).
- **window**: the last ``WINDOW_DAYS`` days in Asia/Shanghai, today included;
  the 30-day trend covers the same days.

Freshness: open and overdue tickets, today's flows and the alerts are counted
on every request; the window's earlier days, most of the work, are counted
once per ``SETTLED_SECONDS`` for each distinct statement (``_grouped_settled``).
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db import connections
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from grids.models import ANCESTRY_LEVELS, Level, OrgUnit, Role
from grids.permissions import Perm
from grids.selectors import (
    ancestry_q,
    scope_roots,
    units_visible_to,
    viewer_posted_at,
)
from workorders.models import Category, WorkOrder
from workorders.selectors import OPEN_STATUSES, workorders_scope_q

from .alerts import alerts_last_id, alerts_open_q, alerts_visible_to

WINDOW_DAYS = 30
# How long the counts of the window's days before today are reused.
SETTLED_SECONDS = 600
FEED_LENGTH = 20
# Units whose breakdown goes one level down (the drill-down path); a grid's
# breakdown lists its micro-grids, and a micro-grid has none.
BREAKDOWN_LEVELS = (Level.DISTRICT, Level.TOWN, Level.VILLAGE, Level.GRID)
DRILL_LEVELS = (Level.TOWN, Level.VILLAGE, Level.GRID)


@dataclass
class Figures:
    """Ticket counts of one slice (the unit, a child unit, a category)."""

    open: int = 0
    overdue: int = 0
    new_today: int = 0
    intake: int = 0
    completed: int = 0
    on_time: int = 0

    def add(self, other: "Figures") -> None:
        for name in FIELD_NAMES:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def on_time_rate(self) -> float | None:
        """On time ÷ completed; None when nothing was completed."""
        return self.on_time / self.completed if self.completed else None

    @property
    def on_time_rate_strict(self) -> float | None:
        """On time ÷ (completed + open overdue); None when both are zero."""
        denominator = self.completed + self.overdue
        return self.on_time / denominator if denominator else None


FIELD_NAMES = tuple(f.name for f in fields(Figures))


@dataclass(frozen=True)
class Window:
    """The local days the flow figures and the trend cover."""

    days: tuple[date, ...]
    start: datetime  # local midnight of the first day
    today: datetime  # local midnight of today
    now: datetime


@dataclass(frozen=True)
class DrawnUnit:
    """What the dashboard shows of a unit in its breakdown and on its map."""

    pk: int
    name: str
    level: str
    is_active: bool
    center_lat: float | None
    center_lng: float | None
    boundary: dict | None = None  # GeoJSON; loaded for the page's map only


@dataclass
class UnitRow:
    """A child unit's figures; ``unit`` is None for tickets held at the unit
    itself (not yet at any child, e.g. a district's dispatch queue)."""

    unit: DrawnUnit | None
    figures: Figures
    drill: bool = False


@dataclass
class CategoryRow:
    """A business module, or a category (``module_id`` set), and its figures."""

    id: int
    name: str
    module_id: int | None
    figures: Figures
    categories: list["CategoryRow"] = field(default_factory=list)


@dataclass(frozen=True)
class TrendDay:
    day: date
    intake: int
    completed: int


@dataclass(frozen=True)
class MapArea:
    """A unit drawn on the map, with its open overdue tickets."""

    unit: DrawnUnit
    overdue: int
    drill: bool


@dataclass
class Dashboard:
    unit: OrgUnit
    window: Window
    totals: Figures
    open_alerts: int
    child_level: Level | None
    children: list[UnitRow]
    modules: list[CategoryRow]
    trend: list[TrendDay]
    map_level: Level
    map_areas: list[MapArea]
    # Child units drawn as outlines over the map when the map shows grids.
    map_outlines: list[DrawnUnit]


@dataclass(frozen=True)
class Feed:
    """The alert feed as rendered: open alerts up to ``cursor``, newest first."""

    cursor: int
    alerts: list
    open_count: int


def dashboard_units(user) -> QuerySet[OrgUnit]:
    """Units whose dashboard the user may open: in their ticket scope, at a
    level tickets carry in their ancestry (not central households)."""
    return units_visible_to(user, Perm.VIEW_WORKORDERS).filter(
        level__in=ANCESTRY_LEVELS
    )


def dashboard_home(user) -> OrgUnit | None:
    """Where the dashboard opens: the widest unit of the user's ticket scope
    (the first district for superusers); None for a user without a post."""
    if user.is_superuser:
        return OrgUnit.objects.filter(parent__isnull=True).order_by("tree_id").first()
    roots = [
        root
        for root in scope_roots(user, Perm.VIEW_WORKORDERS)
        if root.level in ANCESTRY_LEVELS
    ]
    return min(roots, key=lambda root: Level(root.level).rank, default=None)


def dashboard_covers_scope(user, unit: OrgUnit) -> bool:
    """Whether ``unit`` is the user's whole ticket scope (then the live feed,
    which covers the scope, and the unit's open alerts are the same alerts)."""
    if user.is_superuser:
        return (
            unit.parent_id is None
            and not OrgUnit.objects.filter(parent__isnull=True)
            .exclude(pk=unit.pk)
            .exists()
        )
    return [root.pk for root in scope_roots(user, Perm.VIEW_WORKORDERS)] == [unit.pk]


def dashboard_trail(user, unit: OrgUnit) -> list[OrgUnit]:
    """The unit's ancestors the user may open, top down, ending with the unit."""
    ids = [getattr(unit, f"{level.value}_id") for level in ANCESTRY_LEVELS]
    found = dashboard_units(user).filter(pk__in=[pk for pk in ids if pk]).in_bulk()
    return sorted(found.values(), key=lambda u: Level(u.level).rank)


def dashboard_window(now: datetime | None = None) -> Window:
    now = now or timezone.now()
    tz = timezone.get_default_timezone()
    today = timezone.localtime(now, tz).date()
    days = tuple(today - timedelta(days=n) for n in range(WINDOW_DAYS - 1, -1, -1))
    return Window(
        days=days,
        start=datetime.combine(days[0], time(), tz),
        today=datetime.combine(today, time(), tz),
        now=now,
    )


def dashboard_summary(
    user,
    unit: OrgUnit,
    *,
    now: datetime | None = None,
    fresh: bool = False,
    boundaries: bool = True,
) -> Dashboard:
    """The dashboard's figures for ``unit``, counting only tickets the user may see.

    The caller has checked that the unit is one of ``dashboard_units(user)``.
    Six queries whatever the data: open tickets, and tickets received and
    completed today, each grouped two ways at once (see ``_ticket_flows``);
    the open alerts, the categories and the units drawn. Two more count the
    window's earlier days when they are not cached (``_grouped_settled``;
    ``fresh`` counts them again). Open, overdue, today's figures and alerts
    are always counted live. ``boundaries=False`` leaves out the map's
    GeoJSON (the figures alone, for the JSON summary).
    """
    window = dashboard_window(now)
    tickets = WorkOrder.objects.filter(workorders_scope_q(user), _under(unit))
    level = Level(unit.level)
    child_level = level.child_level if level in BREAKDOWN_LEVELS else None
    map_level = _map_level(level)
    cells, trend, overdue_by_area = _ticket_flows(
        tickets, window, child_level, map_level, fresh=fresh
    )

    totals = Figures()
    by_child: dict[int | None, Figures] = defaultdict(Figures)
    by_category: dict[int, Figures] = defaultdict(Figures)
    for (child_id, category_id), figures in cells.items():
        totals.add(figures)
        by_child[child_id].add(figures)
        by_category[category_id].add(figures)
    if map_level == child_level:
        overdue_by_area = {pk: f.overdue for pk, f in by_child.items()}

    units = _units_drawn(unit, child_level, map_level, boundaries=boundaries)
    children = _children(units, child_level, by_child)
    map_areas = [
        MapArea(
            unit=u,
            overdue=overdue_by_area.get(u.pk, 0),
            drill=u.level in DRILL_LEVELS and u.pk != unit.pk,
        )
        for u in units
        if u.level == map_level and (u.is_active or overdue_by_area.get(u.pk))
    ]
    outlines = [
        u
        for u in units
        if map_level != child_level and u.level == child_level and u.boundary
    ]
    open_alerts = (
        alerts_visible_to(user)
        .filter(alerts_open_q(), _under(unit, prefix="workorder__"))
        .count()
    )
    return Dashboard(
        unit=unit,
        window=window,
        totals=totals,
        open_alerts=open_alerts,
        child_level=child_level,
        children=children,
        modules=_modules(by_category),
        trend=trend,
        map_level=map_level,
        map_areas=map_areas,
        map_outlines=outlines,
    )


def dashboards_prepare(*, now: datetime | None = None) -> int:
    """Count the earlier days of the district's and every town's dashboard
    again and keep them cached, so the command centers' dashboards (a
    commander's or dispatcher's post on that unit) never wait for them.

    Run by beat more often than the cache expires. Each unit is counted as a
    viewer whose only post is on it sees it, which is the very statement (and
    so the cache key) those viewers run. Returns how many were prepared.
    """
    units = OrgUnit.objects.filter(
        level__in=(Level.DISTRICT, Level.TOWN), is_active=True
    )
    for unit in units:
        viewer = viewer_posted_at(unit, Role.COMMANDER)
        dashboard_summary(viewer, unit, now=now, fresh=True, boundaries=False)
    return len(units)


def dashboard_feed(
    user, *, limit: int = FEED_LENGTH, open_count: int | None = None
) -> Feed:
    """The open alerts in the user's whole scope, newest first, and the cursor
    the live feed resumes after.

    The cursor is read first and the list is cut at it, so an alert committed
    meanwhile arrives through the stream, never twice and never missed. It is
    the newest alert in scope, which is the newest one listed unless newer
    ones are already closed (those are not replayed as new). ``open_count``:
    the count when the caller has it already (a dashboard of the whole scope).
    """
    cursor = alerts_last_id(user)
    open_alerts = alerts_visible_to(user).filter(alerts_open_q(), id__lte=cursor)
    return Feed(
        cursor=cursor,
        alerts=list(open_alerts.order_by("-id")[:limit]),
        open_count=open_alerts.count() if open_count is None else open_count,
    )


def alerts_open_count(user) -> int:
    """Open alerts in the user's whole scope (the live feed's counter)."""
    return alerts_visible_to(user).filter(alerts_open_q()).count()


def _under(unit: OrgUnit, *, prefix: str = "") -> Q:
    """Tickets under ``unit``: ``ancestry_q`` and, implied by it (a ticket
    under a village carries that village's town), the ids of the unit's
    ancestors below the district, so that the open-tickets index, keyed by
    town, village and grid, is read from the unit's own range only."""
    chain = {
        f"{prefix}{level.value}_id": getattr(unit, f"{level.value}_id")
        for level in ANCESTRY_LEVELS[1 : Level(unit.level).rank]
    }
    return ancestry_q([unit], prefix=prefix) & Q(**chain)


def _ticket_flows(
    tickets, window: Window, child_level: Level | None, map_level: Level, *, fresh
):
    """Figures per (child unit id, category id), the trend, and open overdue
    tickets per map area (when the map shows units below the children).

    Scans of open tickets, and of tickets received and completed in the
    window, each grouped by (child, category) and by day (by map area for the
    open ones) in one statement; the window's days before today come from
    ``_grouped_settled``. The ``wo_dash_*`` indexes hold every column these
    read.
    """
    tz = timezone.get_default_timezone()
    child = F(f"{child_level.value}_id") if child_level else Value(None, IntegerField())
    cell = {"g_child": child, "g_category": F("category_id")}
    by_cell = ("g_child", "g_category")
    cells: dict[tuple[int | None, int], Figures] = defaultdict(Figures)
    overdue_by_area: dict[int, int] = {}
    per_day = {day: [0, 0] for day in window.days}  # received, completed

    open_rows = _grouped(
        tickets.filter(status__in=OPEN_STATUSES),
        {**cell, "g_area": F(f"{map_level.value}_id")},
        [by_cell] if map_level == child_level else [by_cell, ("g_area",)],
        flag=Q(resolve_deadline__lt=window.now),
    )
    for grouping, key, n, overdue in open_rows:
        if grouping == 0:
            figures = cells[(key["g_child"], key["g_category"])]
            figures.open, figures.overdue = n, overdue
        elif key["g_area"] is not None:
            overdue_by_area[key["g_area"]] = overdue

    flows = (
        ("created_at", Q(created_at__gte=window.today), "intake", "new_today", 0),
        (
            "resolved_at",
            Q(resolved_at__lte=F("resolve_deadline")),
            "completed",
            "on_time",
            1,
        ),
    )
    for column, flag, counted, flagged, slot in flows:
        columns = {**cell, "g_day": TruncDate(column, tzinfo=tz)}
        sets = [by_cell, ("g_day",)]
        settled = tickets.filter(
            **{f"{column}__gte": window.start, f"{column}__lt": window.today}
        )
        live = tickets.filter(**{f"{column}__gte": window.today})
        rows = [
            *_grouped_settled(settled, columns, sets, flag=flag, fresh=fresh),
            *_grouped(live, columns, sets, flag=flag),
        ]
        for grouping, key, n, marked in rows:
            if grouping == 0:
                figures = cells[(key["g_child"], key["g_category"])]
                setattr(figures, counted, getattr(figures, counted) + n)
                setattr(figures, flagged, getattr(figures, flagged) + marked)
            elif key["g_day"] in per_day:
                per_day[key["g_day"]][slot] += n
    trend = [TrendDay(day, intake, done) for day, (intake, done) in per_day.items()]
    return cells, trend, overdue_by_area


def _grouped_settled(rows: QuerySet, columns: dict, sets, *, flag: Q, fresh: bool):
    """``_grouped`` for the window's days before today, kept ``SETTLED_SECONDS``.

    Those days hardly change: a ticket received or resolved yesterday stays
    so, and only a failed review, a reopening or a dispatch to another unit
    moves one. They are most of the work (a district's month is ~85,000
    tickets received and as many completed), so they are counted once and
    cached under the statement itself: its text holds the scope condition,
    the unit and the days, so an entry serves exactly the viewers who would
    run the very same statement, and the next day makes new keys. ``fresh``
    counts them again (and replaces the entry).
    """
    sql, params = rows.values(**columns).query.sql_with_params()
    statement = repr((sql, params, sets, str(flag)))
    key = "dashboard:settled:" + hashlib.sha256(statement.encode()).hexdigest()
    grouped = None if fresh else cache.get(key)
    if grouped is None:
        grouped = list(_grouped(rows, columns, sets, flag=flag))
        cache.set(key, grouped, SETTLED_SECONDS)
    return grouped


def _grouped(rows: QuerySet, columns: dict, sets: list[tuple[str, ...]], *, flag: Q):
    """Count ``rows``, and those matching ``flag``, by each grouping set of
    ``columns``; yields (set number, {column: value}, count, flagged count).

    On PostgreSQL one statement, ``GROUP BY GROUPING SETS`` around the ORM's
    own query (so the scope condition is the ORM's, unchanged): the rows are
    read once however many ways they are grouped. Elsewhere (the embedded
    SQLite has no grouping sets) one ``GROUP BY`` per set.
    """
    connection = connections[rows.db]
    if connection.vendor != "postgresql":
        for number, group in enumerate(sets):
            grouped = (
                rows.values(**{name: columns[name] for name in group})
                .annotate(g_n=Count("pk"), g_flagged=Count("pk", filter=flag))
                .order_by()
            )
            for row in grouped:
                yield number, row, row["g_n"], row["g_flagged"]
        return
    names = [name for name in columns if any(name in group for group in sets)]
    inner = rows.values(
        **{name: columns[name] for name in names},
        g_flag=Case(When(flag, then=Value(1)), default=Value(0)),
    ).order_by()
    sql, params = inner.query.sql_with_params()
    quote = connection.ops.quote_name
    listed = ", ".join(quote(name) for name in names)
    grouping_sets = ", ".join(
        "(" + ", ".join(quote(name) for name in group) + ")" for group in sets
    )
    statement = (
        f"SELECT {listed}, GROUPING({listed}), COUNT(*), SUM({quote('g_flag')}) "
        f"FROM ({sql}) AS grouped_rows GROUP BY GROUPING SETS ({grouping_sets})"
    )
    # GROUPING() sets a bit, first column highest, for each column a result
    # row is not grouped by: that tells which set the row belongs to.
    set_of_mask = {
        sum(1 << (len(names) - 1 - i) for i, n in enumerate(names) if n not in group): k
        for k, group in enumerate(sets)
    }
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        for *values, mask, n, flagged in cursor.fetchall():
            yield set_of_mask[mask], dict(zip(names, values)), n, flagged


def _map_level(level: Level) -> Level:
    """The map shows the grids under a unit above them, the micro-grids of a
    grid, and a micro-grid itself."""
    if level.rank < Level.GRID.rank:
        return Level.GRID
    return Level.MICRO_GRID


def _units_drawn(
    unit: OrgUnit, child_level, map_level: Level, *, boundaries: bool
) -> list[DrawnUnit]:
    """The child units and the map's units, in tree order (one query; plain
    rows, not tree nodes: a district draws ~600 of them)."""
    levels = {map_level} | ({child_level} if child_level else set())
    columns = ["id", "name", "level", "is_active", "center_lat", "center_lng"]
    rows = (
        OrgUnit.objects.filter(
            tree_id=unit.tree_id,
            lft__gte=unit.lft,
            rght__lte=unit.rght,
            level__in=levels,
        )
        .order_by("lft")
        .values_list(*columns, *(["boundary"] if boundaries else []))
    )
    return [DrawnUnit(*row) for row in rows]


def _children(units, child_level, by_child) -> list[UnitRow]:
    """A row per child unit (inactive ones only if they hold tickets), then a
    row for tickets held at the unit itself, if any."""
    if child_level is None:
        return []
    rows = [
        UnitRow(
            unit=u,
            figures=by_child.get(u.pk, Figures()),
            drill=u.level in DRILL_LEVELS,
        )
        for u in units
        if u.level == child_level and (u.is_active or u.pk in by_child)
    ]
    if None in by_child:
        rows.append(UnitRow(unit=None, figures=by_child[None]))
    return rows


def _modules(by_category: dict[int, Figures]) -> list[CategoryRow]:
    """Business modules with their categories, in the taxonomy's order; only
    those with any figure. A ticket filed under a module itself counts there."""
    taxonomy = Category.objects.only("id", "name", "module_id").order_by(
        "sort_order", "code"
    )
    modules: dict[int, CategoryRow] = {}
    categories = []
    for category in taxonomy:
        row = CategoryRow(
            id=category.pk,
            name=category.name,
            module_id=category.module_id,
            # A copy: module rows add their categories' figures to their own.
            figures=replace(by_category.get(category.pk, Figures())),
        )
        if category.module_id is None:
            modules[category.pk] = row
        else:
            categories.append(row)
    for row in categories:
        module = modules.get(row.module_id)
        if module is not None and row.figures != Figures():
            module.figures.add(row.figures)
            module.categories.append(row)
    return [m for m in modules.values() if m.figures != Figures()]
