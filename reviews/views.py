"""The review pages: the list, a report with its charts and drill-downs, the
tickets behind a figure, and the .xlsx export. Every read goes through
``reviews.selectors`` (scope) and every write through ``reviews.services``."""

from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grids.models import Level
from jintan.errors import DomainError
from jintan.formats import percent
from workorders.models import Source
from workorders.selectors import workorders_scope_q

from . import charts, selectors, services
from .exporting import XLSX_CONTENT_TYPE, report_workbook
from .figures import Scope
from .figures.behind import FIGURES, tickets_behind
from .models import Kind, Report
from .periods import Period
from .presenting import present

INDEX_LEVELS = (Level.DISTRICT, Level.TOWN, Level.VILLAGE)
TICKETS_PAGE = 100


def _period(kind: str, start: str) -> Period:
    try:
        return Period.starting(Kind(kind), date.fromisoformat(start))
    except ValueError:
        raise Http404 from None


def report_url(kind, start, unit_id, name="report", **params) -> str:
    url = reverse(f"reviews:{name}", args=[kind, str(start), unit_id])
    params = {key: value for key, value in params.items() if value not in ("", None)}
    return f"{url}?{urlencode(params)}" if params else url


@login_required
def report_index(request):
    kind = request.GET.get("kind", Kind.MONTHLY)
    if kind not in Kind.values:
        kind = Kind.MONTHLY
    # Down to villages (grids are reached by drill-down), and one's own units.
    own = [unit.pk for unit in selectors.review_roots(request.user)]
    units = list(
        selectors.units_reviewable_by(request.user)
        .filter(Q(level__in=INDEX_LEVELS) | Q(pk__in=own))
        .order_by("tree_id", "lft")[:1000]
    )
    unit = next((u for u in units if str(u.pk) == request.GET.get("unit")), None)
    unit = unit or (units[0] if units else None)
    reports = []
    if unit is not None:
        reports = list(
            selectors.reports_filtered(
                selectors.reports_visible_to(request.user), kind=kind, unit=unit
            )[:40]
        )
        for report in reports:
            totals = report.figures.get("totals", {})
            report.on_time_text = percent(totals.get("on_time_rate"))
            report.strict_text = percent(totals.get("on_time_rate_strict"))
    return render(
        request,
        "reviews/index.html",
        {
            "kind": kind,
            "kinds": Kind.choices,
            "units": units,
            "unit": unit,
            "reports": reports,
            "last_ended": Period.last_ended(kind),
        },
    )


@login_required
@require_POST
def report_generate(request):
    """Generate (or generate again) a report of a unit in scope, then show it."""
    kind = request.POST.get("kind", "")
    try:
        period = Period.containing(Kind(kind), date.fromisoformat(request.POST["day"]))
        unit_id = int(request.POST["unit"])
    except (KeyError, ValueError):
        messages.error(request, _("Choose a kind, a day and a unit."))
        return redirect("reviews:index")
    unit = get_object_or_404(selectors.units_reviewable_by(request.user), pk=unit_id)
    try:
        services.report_generate(actor=request.user, unit=unit, period=period)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(f"{reverse('reviews:index')}?kind={kind}&unit={unit.pk}")
    return redirect(report_url(kind, period.start, unit.pk))


@login_required
def report_page(request, kind, start, unit_id):
    period = _period(kind, start)
    unit = get_object_or_404(selectors.units_reviewable_by(request.user), pk=unit_id)
    report = selectors.report_of(request.user, unit_id=unit.pk, period=period)
    parent = None
    if unit.parent_id:
        parent = (
            selectors.units_reviewable_by(request.user)
            .filter(pk=unit.parent_id)
            .first()
        )
    context = {"unit": unit, "period": period, "kind": kind, "parent": parent}
    context["previous_url"] = report_url(kind, period.previous().start, unit.pk)
    context["following_url"] = report_url(kind, period.following().start, unit.pk)
    context["following_over"] = period.following().is_over()
    if report is None:
        context["can_generate"] = period.is_over()
        return render(request, "reviews/missing.html", context)
    shown = present(report)
    context.update(
        report=report,
        shown=shown,
        charts=_charts(shown, kind, period, unit),
        link=lambda figure, **params: report_url(
            kind, period.start, unit.pk, "tickets", figure=figure, **params
        ),
        export_url=report_url(kind, period.start, unit.pk, "export"),
    )
    _links(context, shown, kind, period, unit)
    return render(request, "reviews/report.html", context)


def _links(context, shown, kind, period, unit):
    """Each figure's drill-down: the tickets behind it, and the child's report."""
    link = context["link"]
    for metric in shown.metrics:
        metric.href = link(metric.figure)
    for row in shown.sources:
        row["href"] = link("intake", source=row["key"])
    for row in shown.modules:
        row["href"] = link("intake", module=row["id"])
    for row in shown.children:
        row["href"] = report_url(kind, period.start, row["id"])
        row["intake_href"] = link("intake", child=row["id"])
        row["closed_href"] = link("closed", child=row["id"])
        row["overdue_href"] = link("overdue_open", child=row["id"])
    if shown.held_here:
        shown.held_here["intake_href"] = link("intake", child="here")
        shown.held_here["closed_href"] = link("closed", child="here")
        shown.held_here["overdue_href"] = link("overdue_open", child="here")
    for row in shown.owners:
        row["href"] = link("overdue_open", owner=row["id"])
    for row in shown.departments:
        row["href"] = link("overdue_open", department=row["id"])
    for row in shown.hotspots:
        row["href"] = link(
            "hotspot", address=row["address"], category=row["category_id"]
        )
    context["unowned_href"] = link("overdue_open", owner="none")


def _charts(shown, kind, period, unit) -> dict:
    def link(figure, **params):
        return report_url(
            kind, period.start, unit.pk, "tickets", figure=figure, **params
        )

    result = {
        "sources": charts.bars(
            [
                {
                    "label": row["label"],
                    "value": row["count"],
                    "href": link("intake", source=row["key"]),
                }
                for row in shown.sources
            ],
            title=_("Intake by source"),
        ),
        "modules": charts.bars(
            [
                {
                    "label": row["name"],
                    "value": row["count"],
                    "href": link("intake", module=row["id"]),
                }
                for row in shown.modules
            ],
            title=_("Intake by business module"),
        ),
    }
    if shown.children:
        result["ranking"] = charts.bars(
            [
                {
                    "label": row["name"],
                    "value": row["on_time_rate_strict"],
                    "href": report_url(kind, period.start, row["id"]),
                }
                for row in shown.children
            ],
            title=_("On-time rate counting open overdue, by unit"),
            rate=True,
        )
    if kind != Kind.DAILY:
        result["series"] = charts.columns(
            shown.series,
            title=_("Intake and closures by day"),
            legend=(_("Intake"), _("Closed")),
        )
    return result


@login_required
def report_tickets(request, kind, start, unit_id):
    """The tickets behind one figure of a report (paged, in the viewer's scope)."""
    period = _period(kind, start)
    unit = get_object_or_404(selectors.units_reviewable_by(request.user), pk=unit_id)
    params = request.GET
    figure = params.get("figure", "")
    if figure not in FIGURES:
        raise Http404
    try:
        tickets = tickets_behind(
            Scope(unit),
            period,
            figure,
            child=params.get("child", ""),
            source=params.get("source", ""),
            module=_int(params.get("module")),
            satisfaction=params.get("satisfaction", ""),
            owner=params.get("owner", ""),
            department=_int(params.get("department")),
            address=params.get("address", ""),
            category=_int(params.get("category")),
        )
    except ValueError:
        raise Http404 from None
    ordering = ["resolve_deadline", "id"] if figure == "overdue_open" else ["-id"]
    tickets = (
        tickets.filter(workorders_scope_q(request.user))
        .select_related("category", "category__module", "unit", "owner", "department")
        .order_by(*ordering)
    )
    page = Paginator(tickets, TICKETS_PAGE).get_page(params.get("page"))
    query = params.copy()
    query.pop("page", None)
    return render(
        request,
        "reviews/tickets.html",
        {
            "unit": unit,
            "period": period,
            "kind": kind,
            "figure": figure,
            "figure_label": _figure_label(figure),
            "page": page,
            "query": query.urlencode(),
            "report_url": report_url(kind, period.start, unit.pk),
            "sources": dict(Source.choices),
        },
    )


def _int(value):
    if value in (None, ""):
        return None
    return int(value)  # ValueError: a 404 for a hand-made address


def _figure_label(figure: str) -> str:
    labels = {
        "intake": _("Intake"),
        "dispatched": _("Dispatched"),
        "closed": _("Closed"),
        "closed_on_time": _("Closed on time"),
        "closed_late": _("Closed late"),
        "reopened": _("Reopened after closing"),
        "followed_up": _("Followed up"),
        "overdue_open": _("Open overdue at period end"),
        "hotspot": _("Repeat complaints"),
        "alerts_raised": _("Tickets with alerts raised"),
        "alerts_acknowledged": _("Tickets with alerts acknowledged"),
    }
    return labels[figure]


@login_required
def report_export(request, kind, start, unit_id):
    """The report as an .xlsx workbook with Chinese headers, as an office files it."""
    period = _period(kind, start)
    unit = get_object_or_404(selectors.units_reviewable_by(request.user), pk=unit_id)
    report: Report | None = selectors.report_of(
        request.user, unit_id=unit.pk, period=period
    )
    if report is None:
        raise Http404
    content, filename = report_workbook(report)
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    return response
