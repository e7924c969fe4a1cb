"""The dispatch desk, the ticket page and the alert list, through the test client.

Pages are read in English (the language cookie), so the assertions do not
depend on the Chinese catalogue; what is written is checked in the database.
"""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse

from dispatch.models import Alert, AlertKind
from dispatch.selectors.desk import desk_queue, suggestions_for
from dispatch.sweep import alerts_sweep
from grids.models import Department, PersonalDataAccess
from tests.workorders import photo_samples
from workorders.models import Status, WorkOrder, WorkOrderEvent
from workorders.services import attachment_add, workorder_act

pytestmark = pytest.mark.django_db

DESK = reverse("dispatch:desk")
ALERTS = reverse("dispatch:alerts")
HOURS = timedelta(hours=1)


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return as_user


def ticket_url(ticket):
    return reverse("dispatch:ticket", args=[ticket.pk])


def act_url(ticket, action):
    return reverse("dispatch:ticket-act", args=[ticket.pk, action])


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def desk_post(client, tickets, **fields):
    data = {"tickets": [t.pk for t in tickets], **fields}
    for ticket in tickets:
        data.setdefault(f"v{ticket.pk}", ticket.version)
    return client.post(DESK, data)


def state(ticket):
    """What a refused step must leave alone."""
    ticket = WorkOrder.objects.get(pk=ticket.pk)
    events = WorkOrderEvent.objects.filter(workorder=ticket).count()
    return ticket.status, ticket.version, ticket.unit_id, ticket.owner_id, events


# Access -----------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client, new_ticket):
    ticket = new_ticket()
    for url in (DESK, ticket_url(ticket), ALERTS):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")
    response = client.post(DESK, {"action": "dispatch", "tickets": [ticket.pk]})
    assert response.status_code == 302
    assert WorkOrder.objects.get(pk=ticket.pk).status == Status.NEW


def test_pages_carry_the_csp_and_no_inline_script(login, staff, new_ticket):
    client = login(staff["commander"])
    ticket = new_ticket()
    for url in (DESK, ticket_url(ticket), ALERTS):
        response = client.get(url)
        assert response.status_code == 200
        assert "script-src 'self'" in response["Content-Security-Policy"]
        html = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
        assert not re.search(r"\son[a-z]+\s*=", html)
    assert 'src="/static/dispatch/desk.js"' in client.get(DESK).content.decode()


# The desk's queue -------------------------------------------------------------


def test_the_desk_lists_only_queued_tickets_of_the_viewers_area(
    login, staff, new_ticket, dispatched_ticket
):
    mine = new_ticket()
    other_town = new_ticket(lng=119.75)
    already_dispatched = dispatched_ticket()
    page = login(staff["dispatcher"]).get(DESK).content.decode()
    assert mine.number in page
    assert other_town.number not in page
    assert already_dispatched.number not in page

    page = login(staff["far_dispatcher"]).get(DESK).content.decode()
    assert other_town.number in page
    assert mine.number not in page

    # A grid worker sees tickets of the grid but dispatches none of them.
    page = login(staff["worker"]).get(DESK).content.decode()
    assert mine.number not in page
    assert "None of your posts dispatches tickets" in page


def test_the_queue_puts_the_nearest_deadline_first_and_shows_why_returned(
    login, staff, new_ticket, dispatched_ticket
):
    normal = new_ticket()
    critical = new_ticket(priority="critical")
    returned = dispatched_ticket()
    workorder_act(
        actor=staff["worker"], workorder=returned, action="return", note="不在本网格"
    )
    page = login(staff["dispatcher"]).get(DESK).content.decode()
    assert page.index(critical.number) < page.index(normal.number)
    assert returned.number in page
    assert "不在本网格" in page


def test_the_suggested_unit_is_the_located_grid_or_says_why_there_is_none(
    staff, tree, new_ticket, dispatched_ticket
):
    located = new_ticket()  # in M1, the micro-grid of G1
    unlocated = new_ticket(lat=None, lng=None)  # waits at the district
    at_village = new_ticket(lat=None, lng=None, unit=tree["V1"])
    returned = dispatched_ticket()
    returned = workorder_act(
        actor=staff["worker"], workorder=returned, action="return", note="不是我们的"
    )
    tickets = list(
        WorkOrder.objects.select_related("unit").filter(
            pk__in=[located.pk, unlocated.pk, at_village.pk, returned.pk]
        )
    )
    found = suggestions_for(tickets)
    assert found[located.pk].unit == tree["G1"]
    assert found[unlocated.pk].unit is None
    assert found[at_village.pk].unit == tree["V1"]
    assert found[returned.pk].unit is None
    assert found[returned.pk].reason


# Dispatching from the desk ----------------------------------------------------


def test_one_ticket_dispatched_to_a_grid_and_a_named_worker(
    login, staff, tree, new_ticket
):
    ticket = new_ticket()
    client = login(staff["dispatcher"])
    response = desk_post(
        client,
        [ticket],
        action="dispatch",
        unit=tree["G1"].pk,
        owner=staff["worker"].pk,
        instructions="请今天处理",
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED
    assert (ticket.unit, ticket.owner) == (tree["G1"], staff["worker"])
    event = WorkOrderEvent.objects.filter(workorder=ticket).latest("id")
    assert (event.action, event.actor, event.note) == (
        "dispatch",
        staff["dispatcher"],
        "请今天处理",
    )
    assert any(
        ticket.number in text and "dispatched" in text for text in texts(response)
    )


def test_the_rows_button_dispatches_to_the_suggested_grid(
    login, staff, tree, new_ticket
):
    ticket = new_ticket()
    client = login(staff["dispatcher"])
    response = client.post(DESK, {"quick": ticket.pk, f"v{ticket.pk}": ticket.version})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.unit) == (Status.DISPATCHED, tree["G1"])


def test_a_department_serving_the_unit_can_be_given(login, staff, tree, new_ticket):
    serving = Department.objects.create(
        name="城管局", code="UM", kind="urban_management", territory=tree["T1"]
    )
    ticket = new_ticket()
    response = desk_post(
        login(staff["dispatcher"]),
        [ticket],
        action="dispatch",
        unit=tree["V1"].pk,
        department=serving.pk,
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.unit, ticket.department) == (tree["V1"], serving)


def test_bulk_dispatch_does_the_others_when_one_is_refused(
    login, staff, tree, new_ticket
):
    first, stale, last = new_ticket(), new_ticket(), new_ticket()
    shown_version = stale.version
    # Someone else dispatches one of them after the desk was rendered.
    workorder_act(
        actor=staff["commander"], workorder=stale, action="dispatch", unit=tree["G1b"]
    )
    client = login(staff["dispatcher"])
    response = client.post(
        DESK,
        {
            "action": "dispatch",
            "tickets": [first.pk, stale.pk, last.pk],
            "unit": tree["G1"].pk,
            f"v{first.pk}": first.version,
            f"v{stale.pk}": shown_version,
            f"v{last.pk}": last.version,
        },
    )
    assert response.status_code == 302
    for ticket in (first, last):
        ticket.refresh_from_db()
        assert (ticket.status, ticket.unit) == (Status.DISPATCHED, tree["G1"])
    stale.refresh_from_db()
    assert stale.unit == tree["G1b"]  # the other dispatcher's choice stands
    messages = texts(response)
    assert len(messages) == 3
    refusal = next(text for text in messages if stale.number in text)
    assert "changed since you loaded it" in refusal
    # The messages show on the desk the redirect leads to.
    page = client.get(response["Location"]).content.decode()
    assert "changed since you loaded it" in page


def test_a_unit_worker_or_ticket_outside_the_area_is_refused_and_nothing_written(
    login, staff, tree, new_ticket, make_user
):
    mine = new_ticket()
    theirs = new_ticket(lng=119.75)
    client = login(staff["dispatcher"])
    before = state(mine), state(theirs)
    attempts = [
        ({"tickets": [mine], "unit": tree["G2"].pk}, "No such unit in your area."),
        (
            {"tickets": [mine], "unit": tree["G1"].pk, "owner": staff["far_worker"].pk},
            "No such worker in your area.",
        ),
        (
            {"tickets": [mine, theirs], "unit": tree["G1"].pk},
            f"Ticket {theirs.pk} is not in your area.",
        ),
        (
            # A worker of the area, but of another grid than the chosen one.
            {"tickets": [mine], "unit": tree["G1b"].pk, "owner": staff["worker"].pk},
            "holds no post on or above",
        ),
        ({"tickets": [mine]}, "Choose the unit to dispatch to."),
    ]
    for fields, error in attempts:
        tickets = fields.pop("tickets")
        response = desk_post(client, tickets, action="dispatch", **fields)
        assert response.status_code == 400, error
        assert error in response.content.decode()
        assert "Nothing was changed" in response.content.decode()
        assert (state(mine), state(theirs)) == before
    # The ticked tickets stay ticked on the page that shows the error.
    assert f'value="{mine.pk}" class="pick" id="pick-{mine.pk}" checked' in (
        response.content.decode()
    )
    # The row's own button, for a ticket of another town: not found.
    response = client.post(DESK, {"quick": theirs.pk})
    assert response.status_code == 404
    assert (state(mine), state(theirs)) == before


def test_a_department_that_does_not_serve_the_unit_is_refused(
    login, staff, tree, new_ticket
):
    elsewhere = Department.objects.create(
        name="直溪派出所", code="PS2", kind="public_security", territory=tree["V2"]
    )
    at_town = Department.objects.create(
        name="儒林派出所", code="PS1", kind="public_security", territory=tree["V1"]
    )
    ticket = new_ticket()
    client = login(staff["dispatcher"])
    before = state(ticket)
    response = desk_post(
        client, [ticket], action="dispatch", unit=tree["G1"].pk, department=elsewhere.pk
    )
    assert response.status_code == 400
    assert "No such department serving your area." in response.content.decode()
    # In the area, but the village's police do not serve the whole town.
    response = desk_post(
        client, [ticket], action="dispatch", unit=tree["T1"].pk, department=at_town.pk
    )
    assert response.status_code == 400
    assert "does not serve" in response.content.decode()
    assert state(ticket) == before


# Returning and merging --------------------------------------------------------


def test_return_needs_a_reason_and_then_lets_the_tickets_go(login, staff, new_ticket):
    first, second = new_ticket(), new_ticket()
    client = login(staff["dispatcher"])
    before = state(first)
    response = desk_post(client, [first, second], action="return", reason=" ")
    assert response.status_code == 400
    assert "Say why the tickets are returned." in response.content.decode()
    assert state(first) == before

    response = desk_post(
        client, [first, second], action="return", reason="非本辖区事项"
    )
    assert response.status_code == 302
    for ticket in (first, second):
        ticket.refresh_from_db()
        assert ticket.status == Status.NEW
        assert ticket.unit_id == ticket.district_id  # the district's queue
        assert ticket.town_id is None
        event = WorkOrderEvent.objects.filter(workorder=ticket).latest("id")
        assert (event.action, event.note) == ("send_back", "非本辖区事项")
    # Out of the town's queue now, into the district commander's.
    assert not desk_queue(staff["dispatcher"]).filter(pk=first.pk).exists()
    assert desk_queue(staff["commander"]).filter(pk=first.pk).exists()
    assert client.get(DESK).context["rows"] == []


def test_merge_cancels_the_duplicates_into_the_kept_ticket(login, staff, new_ticket):
    keep, copy_one, copy_two = new_ticket(), new_ticket(), new_ticket()
    client = login(staff["dispatcher"])
    response = desk_post(client, [keep, copy_one, copy_two], action="merge")
    assert response.status_code == 400
    assert "Mark the ticket to keep." in response.content.decode()
    assert WorkOrder.objects.filter(status=Status.CANCELLED).count() == 0

    response = desk_post(
        client, [keep, copy_one, copy_two], action="merge", keep=keep.pk
    )
    assert response.status_code == 302
    keep.refresh_from_db()
    assert keep.status == Status.NEW
    for copy in (copy_one, copy_two):
        copy.refresh_from_db()
        assert (copy.status, copy.duplicate_of) == (Status.CANCELLED, keep)
    assert sum(keep.number in text for text in texts(response)) == 2


# The ticket page --------------------------------------------------------------


def test_a_ticket_outside_the_area_is_not_found(login, staff, new_ticket):
    theirs = new_ticket(lng=119.75)
    client = login(staff["dispatcher"])
    before = state(theirs)
    assert client.get(ticket_url(theirs)).status_code == 404
    response = client.post(
        act_url(theirs, "cancel"),
        {"cancel-version": theirs.version, "cancel-note": "x"},
    )
    assert response.status_code == 404
    assert state(theirs) == before


def test_the_phone_is_masked_for_a_post_without_personal_data_rights(
    login, staff, new_ticket
):
    ticket = new_ticket()  # reporter phone 13912345678
    page = login(staff["dispatcher"]).get(ticket_url(ticket)).content.decode()
    assert "139****5678" in page
    assert "13912345678" not in page
    assert not PersonalDataAccess.objects.exists()

    page = login(staff["commander"]).get(ticket_url(ticket)).content.decode()
    assert "13912345678" in page
    read = PersonalDataAccess.objects.get()
    assert (read.user, read.subject_id, read.fields) == (
        staff["commander"],
        ticket.pk,
        ["reporter_phone"],
    )


def test_the_ticket_page_shows_fields_timeline_photos_and_the_allowed_actions(
    login, staff, tree, dispatched_ticket
):
    ticket = dispatched_ticket()
    workorder_act(actor=staff["worker"], workorder=ticket, action="accept")
    attachment, _ = attachment_add(
        actor=staff["worker"],
        workorder=ticket,
        upload=photo_samples.jpeg(),
    )
    alerts_sweep(now=ticket.resolve_deadline + HOURS)
    page = login(staff["worker"]).get(ticket_url(ticket)).content.decode()
    for text in (ticket.number, ticket.title, ticket.description, ticket.address):
        assert text in page
    assert tree["G1"].name in page
    timeline = page[page.index('<ol class="timeline">') : page.index("</ol>")]
    for label in ("Taken in", "Dispatch", "Sign for", "Photo added"):
        assert f"<strong>{label}</strong>" in timeline
    assert staff["worker"].full_name in timeline
    assert f'src="{attachment.thumbnail.url}"' in timeline
    assert f'href="{attachment.file.url}"' in timeline
    assert "Red overdue" in page  # the ticket's alert, with its button
    assert (
        reverse("dispatch:alert-acknowledge", args=[Alert.objects.first().pk]) in page
    )
    # The worker's post allows starting, resolving, returning and escalating.
    for action in ("start", "resolve", "return", "escalate"):
        assert f'id="act-{action}"' in page
    assert 'id="act-dispatch"' not in page
    assert 'name="resolve-note"' in page  # the field resolve requires


def test_a_step_from_the_ticket_page_uses_the_version_it_was_rendered_with(
    login, staff, tree, new_ticket
):
    ticket = new_ticket()
    client = login(staff["dispatcher"])
    page = client.get(ticket_url(ticket)).content.decode()
    assert 'id="act-dispatch"' in page and 'id="act-cancel"' in page
    shown = ticket.version
    # Someone else dispatches the ticket meanwhile.
    workorder_act(
        actor=staff["commander"], workorder=ticket, action="dispatch", unit=tree["G1b"]
    )
    before = state(ticket)
    response = client.post(
        act_url(ticket, "cancel"),
        {"cancel-version": shown, "cancel-note": "重复工单"},
    )
    assert response.status_code == 302
    assert state(ticket) == before
    page = client.get(response["Location"]).content.decode()
    assert "The ticket changed since you loaded it." in page
    assert "Nothing was changed" in page


def test_a_step_with_a_missing_field_shows_the_form_again(
    login, staff, tree, new_ticket
):
    ticket = new_ticket()
    client = login(staff["dispatcher"])
    before = state(ticket)
    response = client.post(
        act_url(ticket, "cancel"), {"cancel-version": ticket.version}
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert state(ticket) == before

    response = client.post(
        act_url(ticket, "dispatch"),
        {
            "dispatch-version": ticket.version,
            "dispatch-unit": tree["G1"].pk,
            "dispatch-note": "尽快",
        },
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED
    assert any("done" in text for text in texts(response))


def test_cancel_as_duplicate_of_a_ticket_number(login, staff, new_ticket):
    keep, copy = new_ticket(), new_ticket()
    client = login(staff["dispatcher"])
    response = client.post(
        act_url(copy, "cancel"),
        {
            "cancel-version": copy.version,
            "cancel-note": "同一事项",
            "cancel-duplicate_of": keep.number,
        },
    )
    assert response.status_code == 302
    copy.refresh_from_db()
    assert (copy.status, copy.duplicate_of) == (Status.CANCELLED, keep)


# The alert list ---------------------------------------------------------------


@pytest.fixture
def alerts(staff, tree, dispatched_ticket, new_ticket):
    """Overdue alerts on a T1 ticket (own unit and escalated) and a T2 ticket."""
    mine = dispatched_ticket(priority="critical")
    theirs = new_ticket(lng=119.75, priority="critical")
    alerts_sweep(now=mine.created_at + 8.1 * HOURS)
    return {"mine": mine, "theirs": theirs}


def test_the_alert_list_shows_the_viewers_area_only_and_filters(
    login, staff, tree, alerts
):
    mine, theirs = alerts["mine"], alerts["theirs"]
    assert Alert.objects.filter(workorder=theirs).exists()
    client = login(staff["dispatcher"])
    page = client.get(ALERTS).content.decode()
    assert mine.number in page and theirs.number not in page

    mine_count = Alert.objects.filter(workorder=mine).count()
    overdue = client.get(ALERTS, {"kind": AlertKind.OVERDUE})
    assert len(overdue.context["page"].object_list) == 1
    escalated = client.get(ALERTS, {"level": 2})
    assert [a.unit for a in escalated.context["page"].object_list] == [tree["T1"]]
    at_grid = client.get(ALERTS, {"unit": tree["G1"].pk, "state": "open"})
    assert len(at_grid.context["page"].object_list) == mine_count
    newest_first = [a.pk for a in client.get(ALERTS).context["page"].object_list]
    assert newest_first == sorted(newest_first, reverse=True)

    outside = client.get(ALERTS, {"unit": tree["G2"].pk})
    assert "No such unit in your area." in outside.content.decode()
    assert len(outside.context["page"].object_list) == 0

    # Cancelling the ticket settles its alerts: closed, not open.
    workorder_act(
        actor=staff["dispatcher"], workorder=mine, action="cancel", note="已办结"
    )
    assert not client.get(ALERTS, {"state": "open"}).context["page"].object_list
    closed = client.get(ALERTS, {"state": "closed"}).context["page"].object_list
    assert len(closed) == mine_count


def test_acknowledge_once_the_first_who_and_when_stand(login, staff, alerts):
    alert = Alert.objects.filter(workorder=alerts["mine"], level=0).first()
    url = reverse("dispatch:alert-acknowledge", args=[alert.pk])
    response = login(staff["dispatcher"]).post(url, {"next": ALERTS + "?state=open"})
    assert response.status_code == 302
    assert response["Location"] == ALERTS + "?state=open"
    alert.refresh_from_db()
    first = (alert.acknowledged_by, alert.acknowledged_at)
    assert first[0] == staff["dispatcher"]
    waiting = login(staff["dispatcher"]).get(ALERTS, {"state": "unacknowledged"})
    assert alert not in waiting.context["page"].object_list
    assert len(waiting.context["page"].object_list) > 0

    response = login(staff["commander"]).post(url, {"next": "https://evil.example/"})
    assert response["Location"] == ALERTS
    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.acknowledged_at) == first
    assert any("already acknowledged" in text for text in texts(response))
    page = login(staff["commander"]).get(ALERTS).content.decode()
    assert f"Acknowledged by {staff['dispatcher']}" in page


def test_an_alert_outside_the_area_cannot_be_acknowledged(login, staff, alerts):
    alert = Alert.objects.filter(workorder=alerts["theirs"]).first()
    url = reverse("dispatch:alert-acknowledge", args=[alert.pk])
    assert login(staff["dispatcher"]).post(url).status_code == 404
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


# Query counts -----------------------------------------------------------------


def test_the_list_pages_read_a_bounded_number_of_queries(
    login, staff, tree, new_ticket, dispatched_ticket, django_assert_max_num_queries
):
    client = login(staff["dispatcher"])
    for _ in range(3):
        new_ticket()
        new_ticket(lat=None, lng=None, unit=tree["V1"])
        returned = dispatched_ticket(priority="critical")
        workorder_act(
            actor=staff["worker"], workorder=returned, action="return", note="退"
        )
    alerts_sweep(now=returned.created_at + 8.1 * HOURS)
    # Session, user, posts, count, page, return notes, suggested grids, and
    # the unit, worker and department choices: the same for 1 row or 50.
    with django_assert_max_num_queries(11):
        response = client.get(DESK)
    assert len(response.context["rows"]) == 9
    with django_assert_max_num_queries(7):
        response = client.get(ALERTS)
    assert len(response.context["page"].object_list) >= 9
    # The ticket page: its timeline's names are read once per kind.
    with django_assert_max_num_queries(18):
        response = client.get(ticket_url(returned))
    assert len(response.context["timeline"]) == 3  # taken in, dispatch, return
