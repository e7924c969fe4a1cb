"""The figures reconcile with the tickets, counted one by one, for random histories.

Histories start before, inside and after the month reported, cross its
boundaries (exactly at midnight too), and include tickets closed in the
month and reopened after it, closed, reopened and closed again, failed
reviews, suspensions, returns and cancellations.
"""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from dispatch.models import Alert
from reviews.services import report_generate
from workorders.models import Category

from . import oracle
from .history import Step, ticket_write

pytestmark = pytest.mark.django_db

SATISFIED, UNSATISFIED = "follow_up:satisfied", "follow_up:unsatisfied"
HANDLED = ["dispatch", "accept", "start", "resolve"]
CLOSED = [*HANDLED, "review_pass"]
REOPENED = [*CLOSED, UNSATISFIED, "reopen"]
PATHS = [
    [],
    ["dispatch"],
    ["dispatch", "accept"],
    ["dispatch", "accept", "start"],
    HANDLED,
    CLOSED,
    [*CLOSED, SATISFIED],
    [*CLOSED, "follow_up:basically_satisfied"],
    REOPENED,
    [*REOPENED, "resolve", "review_pass"],
    [*REOPENED, "resolve", "review_pass", SATISFIED],
    [*REOPENED, "resolve", "review_pass", UNSATISFIED, "reopen"],
    [*HANDLED, "review_fail", "resolve", "review_pass"],
    ["cancel"],
    ["dispatch", "cancel"],
    ["dispatch", "accept", "start", "suspend"],
    ["dispatch", "accept", "start", "suspend", "resume", "resolve", "review_pass"],
    ["dispatch", "return"],
    ["dispatch", "return", "dispatch", "accept", "resolve", "review_pass"],
]
PLACES = ["M1", "M1b", "M2", "G1", "V1", "T1", "T2", "D"]
ADDRESSES = ["", "人民路1号", " 人民路1号", "东门大街8号"]
HOUR = timedelta(hours=1)

tickets_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "place": st.sampled_from(PLACES),
            "category": st.sampled_from(["M01-01", "M03-01", "M04-03"]),
            "source": st.sampled_from(["hotline", "grid_report", "camera"]),
            # Hours from the month's first midnight: before, in and after it,
            # or exactly on its first or last midnight.
            "created": st.integers(-35 * 24, 40 * 24)
            | st.sampled_from(["start", "end"]),
            # One step may fall exactly on a boundary of the month.
            "pinned": st.none() | st.tuples(st.integers(0, 8), st.booleans()),
            "allowed": st.integers(1, 12 * 24),
            "path": st.integers(0, len(PATHS) - 1),
            # Hours between steps: mostly quick, now and then weeks.
            "gaps": st.lists(
                st.integers(0, 12) | st.integers(0, 72) | st.integers(0, 20 * 24),
                min_size=12,
                max_size=12,
            ),
            "address": st.sampled_from(ADDRESSES),
            "owned": st.booleans(),
            "department": st.booleans(),
            "alert": st.one_of(
                st.none(),
                st.tuples(st.integers(0, 20 * 24), st.none() | st.integers(0, 72)),
            ),
        }
    ),
    max_size=24,
)


def write(history, *, tree, people, month, categories):
    now = timezone.now()
    start = month.start_at
    for item in history:
        created = item["created"]
        if isinstance(created, str):
            created = month.start_at if created == "start" else month.end_at
        else:
            created = start + created * HOUR
        steps, at = [], created
        for n, (gap, action) in enumerate(zip(item["gaps"], PATHS[item["path"]])):
            at += gap * HOUR
            if item["pinned"] and item["pinned"][0] == n:
                boundary = month.end_at if item["pinned"][1] else month.start_at
                at = max(at, boundary)
            if at >= now:
                break  # what has not happened yet is not history
            action, _colon, satisfaction = action.partition(":")
            data = {"satisfaction": satisfaction} if satisfaction else {}
            steps.append(Step(action, at, people["worker"], data))
        unit = tree[item["place"]]
        ticket = ticket_write(
            unit=unit,
            category=categories[item["category"]],
            created_at=created,
            deadline=created + item["allowed"] * HOUR,
            steps=steps,
            source=item["source"],
            owner=people["worker"] if item["owned"] else None,
            department=people["department"] if item["department"] else None,
            address=item["address"],
        )
        if item["alert"] is not None:
            raised, acknowledged = item["alert"]
            raised_at = created + raised * HOUR
            Alert.objects.create(
                workorder=ticket,
                kind="overdue",
                unit=unit,
                due_at=raised_at,
                raised_at=raised_at,
                acknowledged_at=None
                if acknowledged is None
                else raised_at + acknowledged * HOUR,
            )


def check(unit, month, child_field, people):
    report, _created = report_generate(
        actor=people["commander"], unit=unit, period=month
    )
    figures = report.figures
    want = oracle.expected_counts(unit, month, child_field)
    totals = figures["totals"]
    assert {name: totals[name] for name in oracle.FIELDS} == want["total"]
    for row in figures["children"]:
        got = {name: row[name] for name in oracle.FIELDS}
        assert got == want.get(row["id"], dict.fromkeys(oracle.FIELDS, 0)), row
    held = figures["held_here"]
    if child_field is None:
        assert figures["children"] == [] and held is None
    elif held is None:
        assert None not in want
    else:
        assert {name: held[name] for name in oracle.FIELDS} == want[None]
    by_source = {
        row["key"]: row["count"] for row in figures["intake_by_source"] if row["count"]
    }
    assert by_source == oracle.expected_by(unit, month, "source")
    by_module = {
        row["id"]: row["count"] for row in figures["intake_by_module"] if row["count"]
    }
    assert by_module == oracle.expected_by(unit, month, "category.module_id")
    assert sum(day["intake"] for day in figures["series"]) == totals["intake"]
    assert sum(day["closed"] for day in figures["series"]) == totals["closed"]
    alerts = oracle.expected_alerts(unit, month)
    assert {name: totals[name] for name in alerts} == alerts
    owners = sum(row["count"] for row in figures["overdue_owners"])
    assert owners + figures["overdue_unowned"] == totals["overdue_open"]
    if totals["closed"]:
        assert totals["on_time_rate"] == round(
            totals["closed_on_time"] / totals["closed"], 4
        )
    for name in ("reopened", "overdue_open", "closed_on_time", "followed_up"):
        event(f"{unit.level} {name}: {'some' if totals[name] else 'none'}")
    late = totals["closed"] > totals["closed_on_time"]
    event(f"closed late: {'some' if late else 'none'}")
    return figures


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=tickets_strategy)
def test_figures_reconcile_with_the_tickets(history, tree, people, month, categories):
    with transaction.atomic():
        write(history, tree=tree, people=people, month=month, categories=categories)
        check(tree["D"], month, "town_id", people)
        check(tree["T1"], month, "village_id", people)
        check(tree["M1"], month, None, people)
        transaction.set_rollback(True)


def test_hotspots_group_the_same_address_and_category(tree, people, month, categories):
    start = month.start_at + 5 * HOUR
    for n, address in enumerate(
        ["人民路1号", " 人民路1号 ", "人民路1号", "东门大街8号"]
    ):
        ticket_write(
            unit=tree["M1"],
            category=categories["M01-01"],
            created_at=start + n * HOUR,
            deadline=start + 100 * HOUR,
            steps=[],
            address=address,
        )
    # Same address, other category: not the same complaint.
    ticket_write(
        unit=tree["M1"],
        category=categories["M03-01"],
        created_at=start,
        deadline=start + 100 * HOUR,
        steps=[],
        address="人民路1号",
    )
    figures = report_generate(actor=None, unit=tree["T1"], period=month)[0].figures
    assert figures["hotspots"] == [
        {
            "address": "人民路1号",
            "category_id": categories["M01-01"].pk,
            "category": categories["M01-01"].name,
            "module": categories["M01-01"].module.name,
            "count": 3,
            "unit_id": tree["G1"].pk,
            "unit": tree["G1"].name,
        }
    ]


def test_on_time_is_judged_by_the_resolve_step(tree, people, month, categories):
    start = month.start_at + 24 * HOUR
    deadline = start + 48 * HOUR
    # Resolved in time, reviewed after the deadline: on time.
    ticket_write(
        unit=tree["M1"],
        category=categories["M01-01"],
        created_at=start,
        deadline=deadline,
        steps=[
            Step("resolve", deadline - HOUR),
            Step("review_pass", deadline + 5 * HOUR),
        ],
    )
    # Resolved exactly at the deadline: on time; a minute late: not.
    for late in (timedelta(0), timedelta(minutes=1)):
        ticket_write(
            unit=tree["M1"],
            category=categories["M01-01"],
            created_at=start,
            deadline=deadline,
            steps=[
                Step("resolve", deadline + late),
                Step("review_pass", deadline + HOUR),
            ],
        )
    totals = report_generate(actor=None, unit=tree["T1"], period=month)[0].figures[
        "totals"
    ]
    assert (totals["closed"], totals["closed_on_time"]) == (3, 2)


def test_suspended_tickets_are_not_overdue_and_midnight_opens_the_day(
    tree, month, categories
):
    end = month.end_at
    category = categories["M01-01"]
    early = end - 72 * HOUR
    common = {"unit": tree["M1"], "category": category, "created_at": early}
    ticket_write(**common, deadline=end - HOUR, steps=[Step("dispatch", early)])
    ticket_write(
        **common,
        deadline=end - HOUR,
        steps=[Step("dispatch", early), Step("suspend", end - 2 * HOUR)],
    )
    # Due exactly at the end: not yet overdue.
    ticket_write(**common, deadline=end, steps=[])
    # Taken in exactly at midnight: the next month's.
    ticket_write(
        unit=tree["M1"],
        category=category,
        created_at=end,
        deadline=end + HOUR,
        steps=[],
    )
    totals = report_generate(actor=None, unit=tree["T1"], period=month)[0].figures[
        "totals"
    ]
    assert totals["overdue_open"] == 1
    assert totals["intake"] == 3


def test_every_category_module_is_listed(tree, month, categories):
    figures = report_generate(actor=None, unit=tree["D"], period=month)[0].figures
    modules = Category.objects.filter(module__isnull=True).count()
    assert len(figures["intake_by_module"]) == modules
    assert figures["totals"]["on_time_rate"] is None
