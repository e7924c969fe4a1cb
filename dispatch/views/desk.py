"""The dispatch desk, the ticket page and the alert list.

Thin views: each validates a form, then reads through the same selectors as
the API (``workorders_visible_to``, ``alerts_visible_to``, via
``dispatch.selectors.desk``) or acts through the same services (``workorder_act``,
``alert_acknowledge``), and answers with a page or a redirect carrying one
message per ticket. A ticket or alert outside the viewer's scope is a 404.
Plain forms with CSRF: every page works without JavaScript (``desk.js`` only
adds "select all" and narrows the worker and department lists).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from grids import registry
from grids.permissions import Perm
from grids.personal_data import mask_phone
from grids.selectors import perms_on_row
from jintan.errors import Conflict, DomainError
from workorders.lifecycle import STEPS
from workorders.models import OPEN_STATUSES, Attachment
from workorders.selectors import actions_allowed, workorders_visible_to

from .. import services
from ..forms import AlertFilterForm, DeskForm, QuickDispatchForm, TicketActionForm
from ..selectors import desk
from ..selectors.alerts import alerts_filtered, alerts_visible_to

PAGE_SIZE = 50


# The dispatch desk -----------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def desk_page(request):
    """The queue of tickets awaiting dispatch; POST carries out the desk form."""
    if request.method != "POST":
        return _desk_render(request, DeskForm(request.user))
    if "quick" in request.POST:
        quick = QuickDispatchForm(request.user, request.POST)
        if not quick.is_valid():
            raise Http404
        _report(request, [quick.act(request.user)])
        return redirect(request.get_full_path())
    form = DeskForm(request.user, request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was changed: see the errors below."))
        return _desk_render(request, form, status=400)
    try:
        outcomes = form.act(request.user)
    except DomainError as refused:
        messages.error(request, refused.message)
        return _desk_render(request, form, status=400)
    _report(request, outcomes)
    return redirect(request.get_full_path())


def _report(request, outcomes):
    for outcome in outcomes:
        if outcome.done:
            messages.success(request, outcome.message)
        else:
            messages.error(request, outcome.message)


def _desk_render(request, form, status=200):
    page = Paginator(desk.desk_queue(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    tickets = list(page.object_list)
    suggestions = desk.suggestions_for(tickets)
    returns = desk.last_returns(tickets)
    now = timezone.now()
    rows = [
        {
            "ticket": ticket,
            "suggestion": suggestions[ticket.pk],
            "returned": returns.get(ticket.pk),
            "state": desk.deadline_state(ticket, now),
        }
        for ticket in tickets
    ]
    selected, keep = set(), None
    if form.is_bound:
        selected = {int(v) for v in form.data.getlist("tickets") if v.isdigit()}
        keep = form.data.get("keep", "")
        keep = int(keep) if keep.isdigit() else None
    context = {
        "section": "desk",
        "page": page,
        "rows": rows,
        "form": form,
        "selected": selected,
        "keep": keep,
        "dispatches": desk.user_dispatches(request.user),
    }
    return render(request, "dispatch/desk.html", context, status=status)


# The ticket page -------------------------------------------------------------


@login_required
@require_safe
def ticket_page(request, pk: int):
    """Everything about one ticket and the steps the viewer's posts allow."""
    ticket = get_object_or_404(desk.tickets_for_page(request.user), pk=pk)
    return _ticket_render(request, ticket)


@login_required
@require_POST
def ticket_act(request, pk: int, action: str):
    """One lifecycle step, checked against the version the page showed."""
    ticket = get_object_or_404(desk.tickets_for_page(request.user), pk=pk)
    if action not in STEPS:
        raise Http404
    form = TicketActionForm(request.user, ticket, action, request.POST)
    if not form.is_valid():
        messages.error(
            request,
            _("“%(action)s” was not taken: see the form.")
            % {"action": STEPS[action].label},
        )
        return _ticket_render(request, ticket, bound=form, status=400)
    try:
        ticket = form.act(request.user)
    except Conflict as conflict:
        messages.error(
            request,
            _("%(problem)s Nothing was changed; here is the ticket as it is now.")
            % {"problem": conflict.message},
        )
        return redirect("dispatch:ticket", pk=pk)
    except DomainError as refused:
        messages.error(request, refused.message)
        return redirect("dispatch:ticket", pk=pk)
    messages.success(
        request,
        _("%(number)s: “%(action)s” done.")
        % {"number": ticket.number, "action": STEPS[action].label},
    )
    if not workorders_visible_to(request.user).filter(pk=pk).exists():
        # Escalated or sent out of the viewer's area: the page would be a 404.
        return redirect("dispatch:desk")
    return redirect("dispatch:ticket", pk=pk)


def _ticket_render(request, ticket, *, bound=None, status=200):
    user = request.user
    # The personal-data rule of the API (``workorders.api.views._detail``).
    unmasked = Perm.VIEW_PERSONAL_DATA in perms_on_row(user, ticket)
    if unmasked and ticket.reporter_phone:
        registry.personal_data_access_record(
            actor=user, subject=ticket, fields=["reporter_phone"], request=request
        )
    phone = ticket.reporter_phone if unmasked else mask_phone(ticket.reporter_phone)
    action_forms = []
    for action in actions_allowed(user, ticket):
        if bound is not None and bound.action == action:
            action_forms.append(bound)
        else:
            action_forms.append(
                TicketActionForm(
                    user, ticket, action, initial={"version": ticket.version}
                )
            )
    now = timezone.now()
    alerts = list(alerts_visible_to(user).filter(workorder=ticket).order_by("-id"))
    _mark_open(alerts)
    context = {
        "section": "desk",
        "ticket": ticket,
        "phone": phone,
        "unmasked": unmasked,
        "units": desk.ticket_units(ticket),
        "timeline": desk.ticket_timeline(ticket),
        "attachments": Attachment.objects.filter(workorder=ticket).order_by("id"),
        "state": desk.deadline_state(ticket, now),
        "sign_overdue": desk.sign_overdue(ticket, now),
        "action_forms": action_forms,
        "alerts": alerts,
        "duplicate_of": ticket.duplicate_of
        if ticket.duplicate_of_id
        and workorders_visible_to(user).filter(pk=ticket.duplicate_of_id).exists()
        else None,
    }
    return render(request, "dispatch/ticket.html", context, status=status)


def _mark_open(alerts):
    # ``alerts_open_q`` for rows already loaded: not closed, ticket still running.
    for alert in alerts:
        alert.is_open = (
            alert.closed_at is None and alert.workorder.status in OPEN_STATUSES
        )


# The alert list --------------------------------------------------------------


@login_required
@require_safe
def alerts_page(request):
    """Alerts in the viewer's scope, newest first, filtered by the form."""
    form = AlertFilterForm(request.user, request.GET or None)
    alerts = alerts_visible_to(request.user)
    if form.is_bound:
        alerts = (
            alerts_filtered(alerts, **form.cleaned_data)
            if form.is_valid()
            else alerts.none()
        )
    page = Paginator(alerts.order_by("-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    _mark_open(page.object_list)
    context = {"section": "alerts", "form": form, "page": page}
    return render(request, "dispatch/alerts.html", context)


@login_required
@require_POST
def alert_acknowledge(request, pk: int):
    """Acknowledge an alert; the first acknowledgement stands."""
    alert = get_object_or_404(alerts_visible_to(request.user), pk=pk)
    try:
        alert, changed = services.alert_acknowledge(actor=request.user, alert=alert)
    except DomainError as refused:
        messages.error(request, refused.message)
    else:
        number = alert.workorder.number
        if changed:
            messages.success(
                request, _("%(number)s: alert acknowledged.") % {"number": number}
            )
        else:
            messages.info(
                request,
                _("%(number)s: already acknowledged by %(person)s at %(time)s.")
                % {
                    "number": number,
                    "person": alert.acknowledged_by,
                    "time": date_format(
                        timezone.localtime(alert.acknowledged_at), "Y-m-d H:i"
                    ),
                },
            )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("dispatch:alerts")
    return redirect(back)


urlpatterns = [
    path("desk/", desk_page, name="desk"),
    path("tickets/<int:pk>/", ticket_page, name="ticket"),
    path("tickets/<int:pk>/<str:action>/", ticket_act, name="ticket-act"),
    path("alerts/", alerts_page, name="alerts"),
    path("alerts/<int:pk>/acknowledge/", alert_acknowledge, name="alert-acknowledge"),
]
