"""The report pages: figures, drill-down to child units and to the tickets
behind each figure, the .xlsx export with the page's figures, and scope."""

import io
import re
from datetime import timedelta

import pytest
from django.utils.translation import gettext, override
from openpyxl import load_workbook

from dispatch.models import Alert
from reviews.models import Report
from reviews.presenting import METRICS
from reviews.services import report_generate

from .history import Step, ticket_write

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)


@pytest.fixture
def monthly(tree, people, month, categories):
    """A month with closures on time and late, open overdue, a reopening and
    a hotspot, in both towns; the district's report generated."""
    start = month.start_at + 48 * HOUR
    worker, department = people["worker"], people["department"]
    late = [Step("resolve", start + 90 * HOUR), Step("review_pass", start + 91 * HOUR)]
    closed = [Step("resolve", start + 2 * HOUR), Step("review_pass", start + 3 * HOUR)]
    plans = [
        ("M1", "hotline", closed, None, None),
        ("M1", "hotline", closed, None, None),
        ("M1", "grid_report", late, None, None),
        ("M1", "hotline", [Step("dispatch", start)], worker, department),
        ("M1b", "camera", [Step("dispatch", start)], worker, None),
        ("M2", "hotline", [*closed, Step("reopen", start + 5 * HOUR)], None, None),
        ("D", "hotline", [], None, None),
    ]
    for n, (place, source, steps, owner, dept) in enumerate(plans):
        ticket = ticket_write(
            unit=tree[place],
            category=categories["M01-01"],
            created_at=start + n * HOUR,
            deadline=start + 72 * HOUR,
            steps=steps,
            source=source,
            owner=owner,
            department=dept,
            address="人民路1号" if place == "M1" else "",
        )
        if owner is not None:  # overdue in the month: alerted, one acknowledged
            Alert.objects.create(
                workorder=ticket,
                kind="overdue",
                unit=ticket.unit,
                due_at=ticket.resolve_deadline,
                raised_at=ticket.resolve_deadline + HOUR,
                acknowledged_at=ticket.resolve_deadline + 2 * HOUR if dept else None,
            )
    return report_generate(actor=None, unit=tree["D"], period=month)[0]


def page_figures(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-figure="(\w+)" data-value="([^"]*)"', html))


def test_the_report_page_shows_the_snapshot_and_links_behind_each_figure(
    client, people, monthly, month
):
    client.force_login(people["commander"])
    url = f"/reviews/monthly/{month.start.isoformat()}/{monthly.unit_id}/"
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    shown = page_figures(html)
    totals = monthly.figures["totals"]
    assert shown["intake"] == str(totals["intake"]) == "7"
    # Open overdue: two dispatched, one reopened, one never dispatched.
    assert shown["overdue_open"] == "4"
    assert (totals["closed"], totals["closed_on_time"], totals["reopened"]) == (4, 3, 1)
    assert html.count("<svg") >= 4  # series, sources, modules, ranking
    assert "人民路1号" in html

    # Every figure links to exactly the tickets it counts.
    for key, _label, kind, figure in METRICS:
        if kind == "rate":
            continue
        tickets = client.get(f"{url}tickets/", {"figure": figure})
        assert tickets.status_code == 200
        rows = tickets.content.decode().count("data-ticket=")
        assert rows == totals[key], key
    assert (totals["alerts_raised"], totals["alerts_acknowledged"]) == (2, 1)


def test_drill_down_from_the_district_to_a_town_and_its_tickets(
    client, people, monthly, month, tree
):
    client.force_login(people["commander"])
    base = f"/reviews/monthly/{month.start.isoformat()}/"
    html = client.get(f"{base}{tree['D'].pk}/").content.decode()
    town_url = f"{base}{tree['T1'].pk}/"
    assert f'href="{town_url}"' in html
    # Not generated yet: the town's page offers to generate it.
    missing = client.get(town_url)
    assert missing.status_code == 200
    assert 'action="/reviews/generate/"' in missing.content.decode()
    response = client.post(
        "/reviews/generate/",
        {"kind": "monthly", "day": month.start.isoformat(), "unit": tree["T1"].pk},
    )
    assert response.status_code == 302 and response["Location"] == town_url
    town = client.get(town_url).content.decode()
    assert page_figures(town)["intake"] == "5"
    # T2 ranks first: 1 on time of 1 closed + 1 overdue beats T1's 2 of 3 + 2.
    ranking = {row["id"]: row for row in monthly.figures["children"]}
    assert ranking[tree["T2"].pk]["rank"] == 1
    assert ranking[tree["T2"].pk]["on_time_rate_strict"] == 0.5
    assert ranking[tree["T1"].pk]["on_time_rate_strict"] == 0.4
    # The ranking row of T1 on the district page links its tickets.
    row = ranking[tree["T1"].pk]
    listed = client.get(
        f"{base}{tree['D'].pk}/tickets/",
        {"figure": "overdue_open", "child": tree["T1"].pk},
    )
    assert listed.content.decode().count("data-ticket=") == row["overdue_open"] == 2
    held = client.get(
        f"{base}{tree['D'].pk}/tickets/", {"figure": "intake", "child": "here"}
    )
    assert held.content.decode().count("data-ticket=") == 1


def test_the_export_holds_the_figures_of_the_page_under_chinese_headers(
    client, people, monthly, month
):
    client.force_login(people["commander"])
    url = f"/reviews/monthly/{month.start.isoformat()}/{monthly.unit_id}/"
    shown = page_figures(client.get(url).content.decode())
    response = client.get(f"{url}export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "金坛区" in rows[0][0]

    with override("zh-hans"):
        labels = {str(gettext(str(label))): key for key, label, _k, _f in METRICS}
        header = [gettext(h) for h in ("No.", "Figure", "This period")]
    header_row = next(i for i, row in enumerate(rows) if list(row[:3]) == header)
    exported = {}
    for row in rows[header_row + 1 : header_row + 1 + len(METRICS)]:
        exported[labels[row[1]]] = row[2]
    for key, value in shown.items():
        got = exported[key]
        if value == "":
            assert got is None, key
        elif "." in value:
            assert got == pytest.approx(float(value)), key
        else:
            assert got == int(value), key
    # The ranking and the hotspots are there too, as numbers.
    flat = [cell for row in rows for cell in row]
    assert monthly.figures["children"][0]["name"] in flat
    assert "人民路1号" in flat


def test_pages_out_of_scope_are_not_found(client, people, monthly, month, tree):
    client.force_login(people["far_town"])
    base = f"/reviews/monthly/{month.start.isoformat()}/{tree['D'].pk}/"
    for suffix in ("", "tickets/?figure=intake", "export.xlsx"):
        assert client.get(base + suffix).status_code == 404, suffix
    response = client.post(
        "/reviews/generate/",
        {"kind": "monthly", "day": month.start.isoformat(), "unit": tree["T1"].pk},
    )
    assert response.status_code == 404
    assert not Report.objects.filter(unit=tree["T1"]).exists()
    # Their own town works, and its list names no other town.
    index = client.get("/reviews/?kind=monthly").content.decode()
    assert tree["T2"].name in index and tree["T1"].name not in index
    assert client.get("/reviews/monthly/2026-13-01/1/").status_code == 404
    assert (
        client.get(base.replace(month.start.isoformat(), "2026-01-02")).status_code
        == 404
    )


def test_a_grid_worker_reviews_their_own_grid(client, people, tree):
    client.force_login(people["worker"])
    index = client.get("/reviews/").content.decode()
    assert tree["G1"].name in index
    assert tree["G2"].name not in index


@pytest.mark.parametrize("kind", ["daily", "weekly", "monthly"])
def test_every_kind_renders_and_exports(client, people, tree, kind, categories):
    from reviews.periods import Period

    period = Period.last_ended(kind).previous()
    start = period.start_at + HOUR
    ticket_write(
        unit=tree["M1"],
        category=categories["M01-01"],
        created_at=start,
        deadline=start + HOUR,
        steps=[Step("dispatch", start)],
    )
    report = report_generate(actor=None, unit=tree["T1"], period=period)[0]
    assert report.figures["totals"]["overdue_open"] == 1
    client.force_login(people["town"])
    url = f"/reviews/{kind}/{period.start.isoformat()}/{tree['T1'].pk}/"
    html = client.get(url).content.decode()
    assert page_figures(html)["intake"] == "1"
    assert ('<svg class="chart columns"' in html) is (kind != "daily")
    sheet = load_workbook(io.BytesIO(client.get(f"{url}export.xlsx").content)).active
    assert sheet.max_row > 20
