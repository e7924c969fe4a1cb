"""A stored report turned into labelled rows: what the page and the export show.

Both read these rows, so the workbook holds the very figures of the page.
Labels are translated when the rows are built (the export builds them in
Chinese, whatever the reader's language).
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dispatch.models import AlertKind
from grids.models import Level
from jintan.formats import percent
from workorders.models import Satisfaction, Source

from .models import Kind, Report
from .periods import Period

# (key in totals, label, "count" or "rate", figure whose tickets it links to)
METRICS = [
    ("intake", gettext_lazy("Intake"), "count", "intake"),
    ("dispatched", gettext_lazy("Dispatched"), "count", "dispatched"),
    ("closed", gettext_lazy("Closed"), "count", "closed"),
    ("closed_on_time", gettext_lazy("Closed on time"), "count", "closed_on_time"),
    ("on_time_rate", gettext_lazy("On-time completion rate"), "rate", "closed_late"),
    (
        "on_time_rate_strict",
        gettext_lazy("On-time rate counting open overdue"),
        "rate",
        "overdue_open",
    ),
    (
        "overdue_open",
        gettext_lazy("Open overdue at period end"),
        "count",
        "overdue_open",
    ),
    ("reopened", gettext_lazy("Reopened after closing"), "count", "reopened"),
    ("followed_up", gettext_lazy("Followed up"), "count", "followed_up"),
    ("satisfaction_rate", gettext_lazy("Satisfaction rate"), "rate", "followed_up"),
    ("alerts_raised", gettext_lazy("Alerts raised"), "count", "alerts_raised"),
    (
        "alerts_acknowledged",
        gettext_lazy("Alerts acknowledged"),
        "count",
        "alerts_acknowledged",
    ),
]
# The cards on top of the page: the figures an office reads first.
CARDS = (
    "intake",
    "closed",
    "on_time_rate",
    "on_time_rate_strict",
    "overdue_open",
    "satisfaction_rate",
)


def count_text(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


@dataclass
class Metric:
    key: str
    label: str
    kind: str
    figure: str
    value: float | int | None
    previous: float | int | None = None
    last_year: float | int | None = None
    has_previous: bool = False
    has_last_year: bool = False
    href: str = ""

    @property
    def text(self) -> str:
        return percent(self.value) if self.kind == "rate" else count_text(self.value)

    def _text(self, value):
        return percent(value) if self.kind == "rate" else count_text(value)

    def _change(self, other):
        """Rates: the difference in percentage points; counts: the change in %."""
        if self.value is None or other is None:
            return None
        if self.kind == "rate":
            return round((self.value - other) * 100, 1)
        if not other:
            return None
        return round((self.value - other) / other * 100, 1)

    def _change_text(self, change):
        if change is None:
            return "—"
        if self.kind == "rate":
            return _("%(points)+.1f pts") % {"points": change}
        return f"{change:+.1f}%"

    @property
    def previous_text(self):
        return self._text(self.previous) if self.has_previous else "—"

    @property
    def last_year_text(self):
        return self._text(self.last_year) if self.has_last_year else "—"

    @property
    def change_previous(self):
        return self._change(self.previous) if self.has_previous else None

    @property
    def change_last_year(self):
        return self._change(self.last_year) if self.has_last_year else None

    @property
    def change_previous_text(self):
        return self._change_text(self.change_previous)

    @property
    def change_last_year_text(self):
        return self._change_text(self.change_last_year)

    @property
    def direction(self) -> str:
        """up / down / flat against the previous period, for the arrows."""
        change = self.change_previous
        if not change:
            return "flat"
        return "up" if change > 0 else "down"


@dataclass
class Presentation:
    report: Report
    period: Period
    title: str
    metrics: list[Metric]
    sources: list[dict]
    modules: list[dict]
    children: list[dict]
    held_here: dict | None
    owners: list[dict]
    unowned: int
    departments: list[dict]
    hotspots: list[dict]
    alerts: list[dict]
    series: list[dict]
    satisfaction: list[dict]
    child_level: str = ""
    cards: list[Metric] = field(default_factory=list)

    @property
    def metric(self) -> dict[str, Metric]:
        return {metric.key: metric for metric in self.metrics}


def _share(count: int, whole: int) -> str:
    return percent(count / whole) if whole else "—"


def present(report: Report) -> Presentation:
    """The rows of ``report``'s page and export, labelled in the active language."""
    figures = report.figures
    totals = figures["totals"]
    trend = figures.get("trend") or {}
    previous = (trend.get("previous") or {}).get("totals")
    last_year = (trend.get("last_year") or {}).get("totals")
    metrics = [
        Metric(
            key=key,
            label=str(label),
            kind=kind,
            figure=figure,
            value=totals.get(key),
            previous=(previous or {}).get(key),
            last_year=(last_year or {}).get(key),
            has_previous=previous is not None,
            has_last_year=last_year is not None,
        )
        for key, label, kind, figure in METRICS
    ]
    intake = totals["intake"]
    period = Period.starting(report.kind, report.period_start)
    source_labels = dict(Source.choices)
    child_level = Level(report.unit.level).child_level
    return Presentation(
        report=report,
        period=period,
        title=_("%(unit)s · %(kind)s · %(period)s")
        % {
            "unit": figures["unit"]["name"],
            "kind": Kind(report.kind).label,
            "period": period.label(),
        },
        metrics=metrics,
        cards=[metric for metric in metrics if metric.key in CARDS],
        sources=[
            {
                "key": row["key"],
                "label": str(source_labels.get(row["key"], row["key"])),
                "count": row["count"],
                "share": _share(row["count"], intake),
            }
            for row in figures["intake_by_source"]
        ],
        modules=[
            {**row, "share": _share(row["count"], intake)}
            for row in figures["intake_by_module"]
        ],
        children=[_rates(row) for row in figures["children"]],
        held_here=_rates(figures["held_here"]) if figures["held_here"] else None,
        owners=figures["overdue_owners"],
        unowned=figures["overdue_unowned"],
        departments=figures["overdue_departments"],
        hotspots=figures["hotspots"],
        alerts=[
            {**row, "label": str(AlertKind(row["kind"]).label)}
            for row in figures["alerts_by_kind"]
        ],
        series=figures["series"],
        satisfaction=[
            {
                "key": key,
                "label": str(label),
                "count": figures["satisfaction"].get(key, 0),
            }
            for key, label in Satisfaction.choices
        ],
        child_level=str(child_level.label) if child_level else "",
    )


def _rates(row: dict) -> dict:
    return {
        **row,
        "on_time_text": percent(row["on_time_rate"]),
        "strict_text": percent(row["on_time_rate_strict"]),
        "satisfaction_text": percent(row["satisfaction_rate"]),
    }
