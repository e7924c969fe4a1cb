"""The reviews' API, end to end: the daily log and reports in scope."""

from datetime import timedelta

import pytest
from django.utils import timezone

from reviews.models import Kind, Report, WorkLog
from reviews.periods import Period, local_date
from reviews.services import worklogs_close
from workorders.services import workorder_act

pytestmark = pytest.mark.django_db

LOGS = "/api/v1/worklogs/"
REPORTS = "/api/v1/reviews/reports/"


def today():
    return local_date(timezone.now())


@pytest.fixture
def handled(new_ticket, people, tree):
    """Today the worker signed for and started a ticket of their grid."""
    ticket = new_ticket()
    ticket = workorder_act(
        actor=people["town"],
        workorder=ticket,
        action="dispatch",
        unit=tree["G1"],
        owner=people["worker"],
    )
    workorder_act(actor=people["worker"], workorder=ticket, action="accept")
    return workorder_act(actor=people["worker"], workorder=ticket, action="start")


# -- the daily log --------------------------------------------------------------


def test_todays_log_is_compiled_from_my_steps(client, people, handled):
    client.force_login(people["worker"])
    body = client.get(f"{LOGS}today/").json()
    assert body["day"] == today().isoformat()
    assert body["closed"] is False
    assert body["note"] == ""
    compiled = body["compiled"]
    assert compiled["steps"] == {"accept": 1, "start": 1}
    assert [t["number"] for t in compiled["handled"]] == [handled.number]
    assert compiled["handled"][0]["steps"] == ["accept", "start"]
    assert compiled["handled"][0]["status"] == "in_progress"
    # The dispatcher's own log holds the dispatch, not the worker's steps.
    client.force_login(people["town"])
    assert client.get(f"{LOGS}today/").json()["compiled"]["steps"] == {"dispatch": 1}


def test_i_write_and_amend_my_own_note_only(client, people):
    day = today().isoformat()
    client.force_login(people["worker"])
    response = client.put(
        f"{LOGS}{day}/", {"note": "巡查五叶村"}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["note"] == "巡查五叶村"
    response = client.put(
        f"{LOGS}today/",
        {"note": "巡查五叶村，走访两户"},
        content_type="application/json",
    )
    assert response.json()["note"] == "巡查五叶村，走访两户"
    assert WorkLog.objects.get(user=people["worker"]).note == "巡查五叶村，走访两户"

    # A colleague's log is read-only, even to someone who may read it.
    client.force_login(people["peer"])
    url = f"{LOGS}{day}/users/{people['worker'].pk}/"
    assert client.get(url).json()["note"] == "巡查五叶村，走访两户"
    response = client.put(url, {"note": "改写"}, content_type="application/json")
    assert response.status_code == 405
    # Writing "my" log writes the peer's own row, never the worker's.
    client.put(f"{LOGS}today/", {"note": "我的"}, content_type="application/json")
    assert WorkLog.objects.get(user=people["worker"]).note == "巡查五叶村，走访两户"
    assert WorkLog.objects.get(user=people["peer"]).note == "我的"


def test_a_closed_day_refuses_the_note_and_writes_nothing(client, people):
    yesterday = today() - timedelta(days=1)
    client.force_login(people["worker"])
    url = f"{LOGS}{yesterday.isoformat()}/"
    assert (
        client.put(url, {"note": "补记"}, content_type="application/json").status_code
        == 200
    )
    worklogs_close(day=yesterday)
    before = WorkLog.objects.get(user=people["worker"], day=yesterday)

    response = client.put(url, {"note": "改了"}, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["code"] == "day_closed"
    after = WorkLog.objects.get(user=people["worker"], day=yesterday)
    assert (after.note, after.updated_at) == ("补记", before.updated_at)
    assert client.get(url).json()["closed"] is True

    # Older days are closed whether or not the night's run got to them.
    old = (today() - timedelta(days=3)).isoformat()
    response = client.put(
        f"{LOGS}{old}/", {"note": "x"}, content_type="application/json"
    )
    assert response.status_code == 409
    assert not WorkLog.objects.filter(user=people["worker"], day=old).exists()
    # A day not yet begun is not a log.
    tomorrow = (today() + timedelta(days=1)).isoformat()
    response = client.put(
        f"{LOGS}{tomorrow}/", {"note": "x"}, content_type="application/json"
    )
    assert response.status_code == 400


def test_someone_elses_log_out_of_scope_is_not_found(client, people):
    day = today().isoformat()
    client.force_login(people["far_worker"])
    client.put(f"{LOGS}today/", {"note": "直溪"}, content_type="application/json")
    for viewer, status in (
        ("worker", 404),  # another grid
        ("town", 404),  # another town
        ("department_staff", 404),  # department posts read no one's log
        ("far_town", 200),  # the far worker's own town
        ("commander", 200),  # the district
    ):
        client.force_login(people[viewer])
        url = f"{LOGS}{day}/users/{people['far_worker'].pk}/"
        assert client.get(url).status_code == status, viewer
        listed = client.get(LOGS, {"day": day}).json()["results"]
        names = {row["user"]["id"] for row in listed}
        assert (people["far_worker"].pk in names) == (status == 200), viewer


def test_unknown_fields_and_bad_days_are_refused(client, people):
    client.force_login(people["worker"])
    response = client.put(
        f"{LOGS}today/", {"note": "x", "user": 1}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "user" in response.json()["fields"]
    assert client.get(f"{LOGS}2026-02-30/").status_code == 400


# -- reports ----------------------------------------------------------------------


def test_reports_generate_on_demand_once_and_in_scope(client, people, tree, month):
    client.force_login(people["town"])
    body = {"kind": "monthly", "period": month.start.isoformat(), "unit": tree["V1"].pk}
    first = client.post(REPORTS, body, content_type="application/json")
    assert first.status_code == 201, first.json()
    again = client.post(REPORTS, body, content_type="application/json")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Report.objects.filter(unit=tree["V1"]).count() == 1
    detail = client.get(f"{REPORTS}{first.json()['id']}/").json()
    assert detail["figures"]["unit"]["id"] == tree["V1"].pk
    assert detail["period"]["start"] == month.start.isoformat()

    # Another town's unit: not found, and nothing generated.
    body["unit"] = tree["V2"].pk
    assert (
        client.post(REPORTS, body, content_type="application/json").status_code == 404
    )
    assert not Report.objects.filter(unit=tree["V2"]).exists()
    # A period not over yet: refused.
    body.update(unit=tree["V1"].pk, period=today().isoformat())
    response = client.post(REPORTS, body, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["code"] == "period_not_over"


def test_the_report_list_holds_only_my_scope(client, people, tree, month):
    from reviews.services import report_generate

    for unit in (tree["D"], tree["T1"], tree["T2"]):
        report_generate(actor=None, unit=unit, period=month)
    far = Report.objects.get(unit=tree["T2"])
    client.force_login(people["town"])
    listed = client.get(REPORTS, {"kind": "monthly"}).json()["results"]
    assert {row["unit"]["id"] for row in listed} == {tree["T1"].pk}
    assert client.get(f"{REPORTS}{far.pk}/").status_code == 404
    # Department staff read their department's tickets, not a unit's figures.
    client.force_login(people["department_staff"])
    assert client.get(REPORTS).json()["results"] == []
    client.force_login(people["commander"])
    listed = client.get(REPORTS, {"kind": "monthly", "period": month.start}).json()
    assert len(listed["results"]) == 3
    assert client.get(REPORTS, {"kind": "yearly"}).status_code == 400


def test_a_period_is_named_by_any_of_its_days(client, people, tree):
    week = Period.last_ended(Kind.WEEKLY)
    client.force_login(people["town"])
    body = {"kind": "weekly", "period": week.last.isoformat(), "unit": tree["T1"].pk}
    response = client.post(REPORTS, body, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["period"]["start"] == week.start.isoformat()
    assert response.json()["period"]["end"] == week.end.isoformat()


def test_lists_read_in_a_fixed_number_of_statements(
    client, people, tree, month, django_assert_max_num_queries
):
    from reviews.services import report_generate, worklog_note_write

    client.force_login(people["commander"])
    client.get(REPORTS)  # the session and the posts, read once
    for unit in (tree["D"], tree["T1"], tree["T2"], tree["V1"], tree["V2"]):
        report_generate(actor=None, unit=unit, period=month)
    for person in ("worker", "peer", "far_worker", "town"):
        worklog_note_write(actor=people[person], day=today(), note="记")
    with django_assert_max_num_queries(6):
        assert len(client.get(REPORTS).json()["results"]) == 5
    with django_assert_max_num_queries(6):
        assert len(client.get(LOGS).json()["results"]) == 4
