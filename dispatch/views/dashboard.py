"""The command-center dashboard: one unit's figures, trend, map and live alerts.

    GET /command/?unit=<id>               the page (default: the viewer's widest unit)
    GET /command/?unit=<id>&screen=wall   the wall display: dark, large, no navigation
    GET /command/summary.json?unit=<id>   the figures, for the wall display's refresh

Each resolves the unit through ``dashboard_units`` (a unit outside the
viewer's scope answers 404) and reads through ``dispatch.selectors.dashboard``.
The chart and the map are drawn here as inline SVG from the figures and the
stored GeoJSON boundaries: the Content-Security-Policy allows no inline
script and the command center reaches no CDN or tile server, so nothing but
our own ``dashboard.js`` runs, and the page shows everything without it.
"""

import math

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from grids.models import Level, OrgUnit
from jintan.formats import percent

from ..selectors.dashboard import (
    FIELD_NAMES,
    Dashboard,
    DrawnUnit,
    Figures,
    TrendDay,
    alerts_open_count,
    dashboard_covers_scope,
    dashboard_feed,
    dashboard_home,
    dashboard_summary,
    dashboard_trail,
    dashboard_units,
)

REFRESH_SECONDS = 30
TREND_BOX = {"width": 720, "height": 230, "left": 44, "right": 10, "top": 12}
TREND_BOTTOM = 26
MAP_WIDTH, MAP_MIN_HEIGHT, MAP_MAX_HEIGHT, MAP_PAD = 640, 260, 520, 10
# With more areas than this the names would overlap; they stay in tooltips.
MAP_LABEL_LIMIT = 30
BUCKETS = 5  # colour classes b0 (no overdue ticket) … b4 (the heaviest)


@login_required
@require_GET
def dashboard(request):
    """The dashboard of ``?unit=``; ``?screen=wall`` for the wall display."""
    unit = _unit(request)
    board = dashboard_summary(request.user, unit)
    # When the unit is the viewer's whole scope, the feed's alerts are the
    # unit's: one count serves both, and the figure is bumped live too.
    whole_scope = dashboard_covers_scope(request.user, unit)
    wall = request.GET.get("screen") == "wall"
    context = {
        "section": "dashboard",
        "board": board,
        "trail": dashboard_trail(request.user, unit),
        "feed": dashboard_feed(
            request.user, open_count=board.open_alerts if whole_scope else None
        ),
        "live_alerts": whole_scope,
        "kpis": _kpis(board),
        "children": [
            _row(row.figures, unit=row.unit, drill=row.drill) for row in board.children
        ],
        "modules": [
            _row(
                m.figures,
                name=m.name,
                categories=[_row(c.figures, name=c.name) for c in m.categories],
            )
            for m in board.modules
        ],
        "trend": trend_chart(board.trend),
        "map": map_drawing(board),
        "wall": wall,
        "mode": "&screen=wall" if wall else "",
        "refresh_seconds": REFRESH_SECONDS if wall else 0,
    }
    template = "dispatch/dashboard_wall.html" if wall else "dispatch/dashboard.html"
    return render(request, template, context)


@login_required
@require_GET
def summary(request):
    """The figures of ``?unit=`` as JSON (the wall display polls this)."""
    unit = _unit(request)
    board = dashboard_summary(request.user, unit, boundaries=False)
    payload = summary_payload(board)
    if dashboard_covers_scope(request.user, unit):
        feed_open = board.open_alerts
    else:
        feed_open = alerts_open_count(request.user)
    payload["feed"] = {"open_count": feed_open}
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})


def _unit(request) -> OrgUnit:
    raw = request.GET.get("unit", "")
    if raw:
        if not raw.isdigit():
            raise Http404
        return get_object_or_404(dashboard_units(request.user), pk=int(raw))
    home = dashboard_home(request.user)
    if home is None:
        raise PermissionDenied(_("The dashboard needs a post on a unit."))
    return home


# -- figures as shown ---------------------------------------------------------


def _kpis(board: Dashboard) -> list[dict]:
    t = board.totals
    return [
        {"key": "new_today", "label": _("New today"), "value": t.new_today},
        {"key": "open", "label": _("Open"), "value": t.open},
        {"key": "overdue", "label": _("Overdue"), "value": t.overdue, "alarm": True},
        {
            "key": "on_time_rate",
            "label": _("On-time rate"),
            "value": percent(t.on_time_rate),
            "hint": _("on time ÷ completed"),
        },
        {
            "key": "on_time_rate_strict",
            "label": _("Strict on-time rate"),
            "value": percent(t.on_time_rate_strict),
            "hint": _("on time ÷ (completed + open overdue)"),
        },
        {"key": "open_alerts", "label": _("Open alerts"), "value": board.open_alerts},
    ]


def _row(figures: Figures, **extra) -> dict:
    return {
        "figures": figures,
        "rate": percent(figures.on_time_rate),
        "strict": percent(figures.on_time_rate_strict),
        **extra,
    }


def _figures_json(figures: Figures) -> dict:
    data = {name: getattr(figures, name) for name in FIELD_NAMES}
    for name in ("on_time_rate", "on_time_rate_strict"):
        rate = getattr(figures, name)
        data[name] = None if rate is None else round(rate, 4)
    return data


def summary_payload(board: Dashboard) -> dict:
    """The unit's figures as JSON; ``dashboard.js`` reads ``figures``,
    ``children`` and ``map`` (open overdue tickets per area id)."""
    unit, window = board.unit, board.window
    return {
        "unit": {"id": unit.pk, "name": unit.name, "level": unit.level},
        "generated_at": timezone.localtime(window.now).isoformat(),
        "window": {
            "first_day": window.days[0].isoformat(),
            "last_day": window.days[-1].isoformat(),
            "days": len(window.days),
        },
        "figures": {**_figures_json(board.totals), "open_alerts": board.open_alerts},
        "children": [
            {
                "id": row.unit.pk if row.unit else None,
                "name": row.unit.name if row.unit else None,
                **_figures_json(row.figures),
            }
            for row in board.children
        ],
        "map": {str(area.unit.pk): area.overdue for area in board.map_areas},
        "trend": [
            {"day": d.day.isoformat(), "intake": d.intake, "completed": d.completed}
            for d in board.trend
        ],
    }


# -- the trend chart ----------------------------------------------------------


def _nice_step(rough: float) -> int:
    """The smallest 1, 2 or 5 × 10ⁿ (at least 1) not below ``rough``."""
    if rough <= 1:
        return 1
    power = 10 ** math.floor(math.log10(rough))
    return int(next(m * power for m in (1, 2, 5, 10) if m * power >= rough))


def trend_chart(trend: list[TrendDay]) -> dict:
    """Bars of daily intake and a line of daily completions, in SVG units."""
    box = TREND_BOX
    plot_w = box["width"] - box["left"] - box["right"]
    plot_h = box["height"] - box["top"] - TREND_BOTTOM
    base = box["top"] + plot_h
    peak = max([d.intake for d in trend] + [d.completed for d in trend] + [1])
    step = _nice_step(peak / 4)
    y_max = step * math.ceil(peak / step)
    slot = plot_w / len(trend)

    def y(value: int) -> float:
        return base - plot_h * value / y_max

    days = []
    for i, d in enumerate(trend):
        centre = box["left"] + (i + 0.5) * slot
        days.append(
            {
                "day": d.day,
                "intake": d.intake,
                "completed": d.completed,
                "x": f"{centre - slot * 0.3:.1f}",
                "y": f"{y(d.intake):.1f}",
                "bar_w": f"{slot * 0.6:.1f}",
                "bar_h": f"{base - y(d.intake):.1f}",
                "cx": f"{centre:.1f}",
                "cy": f"{y(d.completed):.1f}",
                # Every fifth day is labelled, counting back from today.
                "label": (len(trend) - 1 - i) % 5 == 0,
                "today": i == len(trend) - 1,
            }
        )
    return {
        **box,
        "base": f"{base:.1f}",
        "right_edge": box["width"] - box["right"],
        "label_y": box["height"] - 8,
        "days": days,
        "points": " ".join(f"{d['cx']},{d['cy']}" for d in days),
        "ticks": [{"value": v, "y": f"{y(v):.1f}"} for v in range(0, y_max + 1, step)],
    }


# -- the map ------------------------------------------------------------------


def overdue_breaks(counts: list[int]) -> list[int]:
    """Lower bounds of colour classes b1…b4 (b0 is no overdue ticket):
    four equal steps up to the heaviest area."""
    step = max(1, math.ceil(max(counts, default=0) / (BUCKETS - 1)))
    return [1 + n * step for n in range(BUCKETS - 1)]


def bucket(count: int, breaks: list[int]) -> int:
    return sum(1 for low in breaks if count >= low)


def _legend(breaks: list[int]) -> list[dict]:
    legend = [{"bucket": 0, "label": "0"}]
    for n, low in enumerate(breaks, start=1):
        if n == len(breaks):
            label = f"≥ {low}"
        else:
            high = breaks[n] - 1
            label = str(low) if high == low else f"{low}–{high}"
        legend.append({"bucket": n, "label": label})
    return legend


def _polygons(boundary: dict) -> list:
    """A GeoJSON Polygon or MultiPolygon as a list of polygons (lists of rings)."""
    if boundary.get("type") == "Polygon":
        return [boundary["coordinates"]]
    if boundary.get("type") == "MultiPolygon":
        return boundary["coordinates"]
    return []


def map_drawing(board: Dashboard) -> dict:
    """The map's areas (and child outlines) projected into one SVG box.

    Longitudes are scaled by cos(latitude) of the middle of the box
    (equirectangular), which at a district's size is indistinguishable from
    the real shape; north is up.
    """
    breaks = overdue_breaks([area.overdue for area in board.map_areas])
    shapes = [
        (area, _polygons(area.unit.boundary))
        for area in board.map_areas
        if area.unit.boundary
    ]
    outlines = [(u, _polygons(u.boundary)) for u in board.map_outlines if u.boundary]
    drawing = {
        "level_label": Level(board.map_level).label,
        "legend": _legend(breaks),
        "breaks": ",".join(str(b) for b in breaks),
        "unbounded": [
            {"area": area, "bucket": bucket(area.overdue, breaks)}
            for area in board.map_areas
            if not area.unit.boundary
        ],
        "areas": [],
        "outlines": [],
        "labels": [],
        "width": MAP_WIDTH,
        "height": MAP_MIN_HEIGHT,
    }
    points = [
        point
        for _, polygons in shapes + outlines
        for polygon in polygons
        for ring in polygon
        for point in ring
    ]
    if not points:
        return drawing
    lngs, lats = [p[0] for p in points], [p[1] for p in points]
    west, east, south, north = min(lngs), max(lngs), min(lats), max(lats)
    squeeze = math.cos(math.radians((south + north) / 2))
    span_x = max((east - west) * squeeze, 1e-9)
    span_y = max(north - south, 1e-9)
    inner_w = MAP_WIDTH - 2 * MAP_PAD
    height = min(
        max(inner_w * span_y / span_x + 2 * MAP_PAD, MAP_MIN_HEIGHT), MAP_MAX_HEIGHT
    )
    scale = min(inner_w / span_x, (height - 2 * MAP_PAD) / span_y)
    off_x = (MAP_WIDTH - span_x * scale) / 2
    off_y = (height - span_y * scale) / 2

    def xy(lng: float, lat: float) -> tuple[float, float]:
        return off_x + (lng - west) * squeeze * scale, off_y + (north - lat) * scale

    def path_d(polygons) -> str:
        return " ".join(
            "M" + " L".join("{:.1f},{:.1f}".format(*xy(*p[:2])) for p in ring) + " Z"
            for polygon in polygons
            for ring in polygon
        )

    def label_at(unit: DrawnUnit, polygons) -> tuple[float, float]:
        if unit.center_lng is not None and unit.center_lat is not None:
            return xy(unit.center_lng, unit.center_lat)
        ring = max((polygon[0] for polygon in polygons), key=len)
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        return xy((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)

    drawing["height"] = round(height)
    for area, polygons in shapes:
        drawing["areas"].append(
            {
                "area": area,
                "d": path_d(polygons),
                "bucket": bucket(area.overdue, breaks),
            }
        )
    for unit, polygons in outlines:
        drawing["outlines"].append({"unit": unit, "d": path_d(polygons)})
    named = outlines or (shapes if len(shapes) <= MAP_LABEL_LIMIT else [])
    for item, polygons in named:
        unit = item if isinstance(item, DrawnUnit) else item.unit
        x, y = label_at(unit, polygons)
        drawing["labels"].append({"text": unit.name, "x": f"{x:.1f}", "y": f"{y:.1f}"})
    return drawing


urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("summary.json", summary, name="dashboard-summary"),
]
