"""``seed_tickets``: the demo district's tickets, taken in and walked through the
real services, then back-dated (demo data only)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD
from dispatch.models import Alert, AlertKind
from dispatch.sweep import alerts_sweep
from grids import demo as grids_demo
from grids.geo import locator
from workorders import demo
from workorders.models import (
    DailyCounter,
    HotlineCallback,
    Source,
    Status,
    WorkOrder,
    WorkOrderEvent,
)
from workorders.selectors import OPEN_STATUSES

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_district(categories, escalation_steps):
    grids_demo.seed(grids_demo.SCALES["small"])
    grids_demo.demo_staff_ensure(DEMO_PASSWORD)
    # Loading the boundaries tells the locator on commit, which a test's
    # transaction never reaches.
    locator.reset()


def seed_tickets() -> str:
    out = StringIO()
    call_command("seed_tickets", stdout=out)
    return out.getvalue()


def snapshot():
    return (
        list(WorkOrder.objects.order_by("id").values_list()),
        list(WorkOrderEvent.objects.order_by("id").values_list()),
        list(DailyCounter.objects.order_by("day").values_list()),
    )


def test_seed_tickets_gives_a_month_of_tickets_once(demo_district):
    first = seed_tickets()
    before = snapshot()
    second = seed_tickets()

    assert len(first.strip().splitlines()) == len(second.strip().splitlines()) == 1
    assert snapshot() == before
    tickets = list(demo.demo_tickets().select_related("owner", "category"))
    assert len(tickets) == WorkOrder.objects.count() == demo.TICKETS == 60

    now = timezone.now()
    by_status = dict.fromkeys(Status, 0)
    for ticket in tickets:
        by_status[ticket.status] += 1
    assert all(by_status.values()), by_status  # every state, suspended to closed
    assert by_status[Status.CLOSED] == max(by_status.values())
    open_tickets = [t for t in tickets if t.status in OPEN_STATUSES]
    overdue = [t for t in open_tickets if t.resolve_deadline < now]
    warned = [t for t in open_tickets if t.warn_at < now < t.resolve_deadline]
    assert 3 <= len(overdue) < len(open_tickets) / 2
    assert warned
    resolved = [t for t in tickets if t.resolved_at is not None]
    late = [t for t in resolved if t.resolved_at > t.resolve_deadline]
    assert 1 <= len(late) < len(resolved) / 4
    created = sorted(t.created_at for t in tickets)
    assert now - timedelta(days=32) < created[0] < now - timedelta(days=20)
    assert created[-1] < now

    sources = {t.source for t in tickets}
    assert sources == {Source.HOTLINE, Source.GRID_REPORT}
    assert len({t.town_id for t in tickets if t.town_id}) == 3
    assert len({t.category_id for t in tickets}) >= 15
    for ticket in tickets:
        if ticket.status == Status.RESOLVED or ticket.closed_at:
            assert not ticket.category.photo_required
    wanggeyuan = {t.owner.username for t in tickets if t.owner}
    assert "wanggeyuan" in wanggeyuan
    assert not HotlineCallback.objects.exists()

    events = {}
    for event in WorkOrderEvent.objects.order_by("id"):
        events.setdefault(event.workorder_id, []).append(event)
    for ticket in tickets:
        ticket.validate_constraints()
        assert ticket.resolve_deadline > ticket.created_at
        timeline = events[ticket.pk]
        assert timeline[0].action == "create"
        assert timeline[0].created_at == ticket.created_at
        assert timeline[-1].to_status == ticket.status
        moments = [event.created_at for event in timeline]
        assert moments == sorted(moments) and moments[-1] < now
        fields = ("created_at", "dispatched_at", "accepted_at", "resolved_at")
        stamps = [getattr(ticket, f) for f in (*fields, "closed_at")]
        stamps = [stamp for stamp in stamps if stamp is not None]
        assert stamps == sorted(stamps)
        for field, action in (
            ("accepted_at", "accept"),
            ("resolved_at", "resolve"),
            ("closed_at", "review_pass"),
        ):
            if getattr(ticket, field):
                last = [e.created_at for e in timeline if e.action == action][-1]
                assert getattr(ticket, field) == last

    result = alerts_sweep()
    assert result.raised > 0
    kinds = set(Alert.objects.values_list("kind", flat=True))
    assert {AlertKind.OVERDUE, AlertKind.WARNING, AlertKind.SIGN_OVERDUE} <= kinds
    assert not Alert.objects.exclude(workorder__status__in=OPEN_STATUSES).exists()


def test_seed_tickets_refuses_where_demo_data_is_not_allowed(demo_district, settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="DEMO_DATA_ALLOWED"):
        seed_tickets()
    assert not WorkOrder.objects.exists()


def test_seed_tickets_needs_the_demo_district(categories):
    with pytest.raises(CommandError, match="seed_demo"):
        seed_tickets()
    assert not WorkOrder.objects.exists()
