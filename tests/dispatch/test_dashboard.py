"""The command-center dashboard: its figures against direct counts, scope,
drill-down, the summary JSON, and what the page may and may not contain."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from dispatch.models import Alert
from dispatch.selectors.dashboard import (
    dashboard_summary,
    dashboard_window,
    dashboards_prepare,
)
from dispatch.sweep import alerts_sweep
from grids.models import Level, Post, Role
from workorders.models import Status, WorkOrder
from workorders.selectors import OPEN_STATUSES

pytestmark = pytest.mark.django_db

T1_LNG, T2_LNG = 119.25, 119.75
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
URL = "/command/"
SUMMARY = "/command/summary.json"


@pytest.fixture
def scene(new_ticket, staff):
    """Tickets in both towns and one held at the district, in every state the
    figures tell apart (letters as in the expectations below)."""
    now = timezone.now()
    start = dashboard_window(now).start

    def ticket(lng, *, category="M01-01", **fields):
        where = {"lng": lng} if lng else {"lat": None, "lng": None}
        made = new_ticket(category=category, **where)
        WorkOrder.objects.filter(pk=made.pk).update(**fields)
        return made

    early = start + HOUR  # the first day of the window
    t = {
        # T1 (五叶村第1网格)
        "a": ticket(T1_LNG),  # new today, open, not due
        "b": ticket(  # open and overdue, received in the window
            T1_LNG,
            status=Status.IN_PROGRESS,
            created_at=early,
            warn_at=early,
            resolve_deadline=early + HOUR,
        ),
        "c": ticket(  # completed on time
            T1_LNG,
            status=Status.CLOSED,
            created_at=early,
            warn_at=early,
            resolve_deadline=now + DAY,
            resolved_at=early + 2 * HOUR,
            closed_at=early + 3 * HOUR,
        ),
        "d": ticket(  # completed late, awaiting review
            T1_LNG,
            status=Status.RESOLVED,
            created_at=early,
            warn_at=early,
            resolve_deadline=early + HOUR,
            resolved_at=early + 4 * HOUR,
        ),
        "e": ticket(  # completed before the window: counted nowhere
            T1_LNG,
            status=Status.CLOSED,
            created_at=start - 10 * DAY,
            warn_at=start - 10 * DAY,
            resolve_deadline=start - 9 * DAY,
            resolved_at=start - 9.5 * DAY,
            closed_at=start - 9.4 * DAY,
        ),
        "f": ticket(  # overdue since before the window, still open
            T1_LNG,
            status=Status.SUSPENDED,
            created_at=start - 10 * DAY,
            warn_at=start - 10 * DAY,
            resolve_deadline=start - 5 * DAY,
        ),
        "x": ticket(  # cancelled: neither open nor completed
            T1_LNG, status=Status.CANCELLED, created_at=early, warn_at=early
        ),
        # T2 (建春村第1网格), another business module
        "g": ticket(
            T2_LNG,
            category="M04-01",
            status=Status.DISPATCHED,
            created_at=early,
            warn_at=early,
            resolve_deadline=early + HOUR,
        ),
        "h": ticket(
            T2_LNG,
            category="M04-01",
            status=Status.CLOSED,
            created_at=early,
            warn_at=early,
            resolve_deadline=now + DAY,
            resolved_at=early + 2 * HOUR,
            closed_at=early + 3 * HOUR,
        ),
        # Not located: waits in the district's own queue.
        "i": ticket(None),
    }
    alerts_sweep(now=now)
    return t


def figures(f):
    return (f.open, f.overdue, f.new_today, f.intake, f.completed, f.on_time)


def direct(queryset, window):
    """The same six figures by plain counts, one filter each."""
    now = window.now
    open_ = queryset.filter(status__in=OPEN_STATUSES)
    done = queryset.filter(resolved_at__gte=window.start)
    return (
        open_.count(),
        open_.filter(resolve_deadline__lt=now).count(),
        queryset.filter(created_at__gte=window.today).count(),
        queryset.filter(created_at__gte=window.start).count(),
        done.count(),
        done.filter(resolved_at__lte=F("resolve_deadline")).count(),
    )


def test_the_district_figures_match_direct_counts_and_the_letters(scene, staff, tree):
    board = dashboard_summary(staff["commander"], tree["D"])
    everything = WorkOrder.objects.filter(district_id=tree["D"].pk)

    # open a b f g i · overdue b f g · today a i · received a b c d g h i x
    # · completed c d h · on time c h
    assert figures(board.totals) == (5, 3, 2, 8, 3, 2)
    assert figures(board.totals) == direct(everything, board.window)
    assert board.totals.on_time_rate == pytest.approx(2 / 3)
    # The strict rate counts the three late tickets still open against it.
    assert board.totals.on_time_rate_strict == pytest.approx(2 / (3 + 3))


def test_children_split_the_totals_and_the_held_row_closes_the_sum(scene, staff, tree):
    board = dashboard_summary(staff["commander"], tree["D"])
    assert board.child_level == Level.TOWN
    rows = {row.unit.pk if row.unit else None: row for row in board.children}
    assert list(rows) == [tree["T1"].pk, tree["T2"].pk, None]
    for town in ("T1", "T2"):
        under = WorkOrder.objects.filter(town_id=tree[town].pk)
        assert figures(rows[tree[town].pk].figures) == direct(under, board.window)
    assert figures(rows[tree["T1"].pk].figures) == (3, 2, 1, 5, 2, 1)
    assert figures(rows[tree["T2"].pk].figures) == (1, 1, 0, 2, 1, 1)
    assert figures(rows[None].figures) == (1, 0, 1, 1, 0, 0)
    assert rows[tree["T1"].pk].drill and rows[None].unit is None
    summed = [sum(col) for col in zip(*(figures(r.figures) for r in board.children))]
    assert tuple(summed) == figures(board.totals)


def test_modules_and_categories_and_the_trend(scene, staff, tree, categories):
    board = dashboard_summary(staff["commander"], tree["D"])
    modules = {m.name: m for m in board.modules}
    assert list(modules) == ["矛盾化解", "城市管理"]  # the taxonomy's order
    conflicts = modules["矛盾化解"]
    assert [c.name for c in conflicts.categories] == ["邻里纠纷"]
    assert figures(conflicts.figures) == (4, 2, 2, 6, 2, 1)
    assert figures(modules["城市管理"].figures) == (1, 1, 0, 2, 1, 1)

    window = board.window
    assert [d.day for d in board.trend] == list(window.days)
    assert len(board.trend) == 30 and window.days[-1] == timezone.localdate()
    first, today = board.trend[0], board.trend[-1]
    assert (first.intake, first.completed) == (6, 3)  # b c d g h x; c d h
    assert (today.intake, today.completed) == (2, 0)  # a i
    assert sum(d.intake for d in board.trend) == board.totals.intake
    assert sum(d.completed for d in board.trend) == board.totals.completed


def test_the_map_colours_grids_and_lists_those_without_a_boundary(scene, staff, tree):
    board = dashboard_summary(staff["commander"], tree["D"])
    assert board.map_level == Level.GRID
    overdue = {area.unit.pk: area.overdue for area in board.map_areas}
    assert overdue == {tree["G1"].pk: 2, tree["G1b"].pk: 0, tree["G2"].pk: 1}
    # Towns have no boundary in this tree: no outlines to draw.
    assert [u.pk for u in board.map_outlines] == []

    village = dashboard_summary(staff["commander"], tree["V1"])
    assert village.map_level == village.child_level == Level.GRID
    assert [a.unit.pk for a in village.map_areas] == [tree["G1"].pk, tree["G1b"].pk]


def test_open_alerts_count_only_the_unit_s_open_alerts(scene, staff, tree):
    assert Alert.objects.exists()
    open_alerts = Alert.objects.filter(closed_at__isnull=True)
    board = dashboard_summary(staff["commander"], tree["D"])
    assert board.open_alerts == open_alerts.count()
    town = dashboard_summary(staff["commander"], tree["T2"])
    assert (
        town.open_alerts == open_alerts.filter(workorder__town_id=tree["T2"].pk).count()
    )
    assert 0 < town.open_alerts < board.open_alerts


def test_the_page_drills_down_district_town_village_grid(client, scene, staff, tree):
    client.force_login(staff["commander"])
    page = client.get(URL).content.decode()
    assert f"?unit={tree['T1'].pk}" in page and "直溪镇" in page
    for key, child in (("T1", "V1"), ("V1", "G1"), ("G1", "M1")):
        response = client.get(URL, {"unit": tree[key].pk})
        assert response.status_code == 200
        assert response.context["board"].unit == tree[key]
        children = [row.unit.pk for row in response.context["board"].children]
        assert tree[child].pk in children
    # The path back up, and the grid's sibling without a boundary listed.
    village = client.get(URL, {"unit": tree["V1"].pk}).content.decode()
    assert f'href="?unit={tree["D"].pk}"' in village
    assert 'class="map-unbounded"' in village and "五叶村第2网格" in village


def test_a_town_dispatcher_sees_only_their_town(client, scene, staff, tree):
    dispatcher = staff["dispatcher"]
    client.force_login(dispatcher)
    response = client.get(URL)
    assert response.status_code == 200
    board = response.context["board"]
    assert board.unit == tree["T1"]
    t1 = WorkOrder.objects.filter(town_id=tree["T1"].pk)
    assert figures(board.totals) == direct(t1, board.window)
    page = response.content.decode()
    for other in ("直溪镇", "建春村", scene["g"].number, scene["h"].number):
        assert other not in page
    feed = response.context["feed"]
    assert feed.alerts and {a.workorder.town_id for a in feed.alerts} == {tree["T1"].pk}
    shown = re.findall(r'data-alert-id="(\d+)"', page)
    in_t2 = Alert.objects.filter(workorder__town_id=tree["T2"].pk)
    assert not set(shown) & {str(pk) for pk in in_t2.values_list("pk", flat=True)}
    # The district above is not theirs either: no link up, no figures.
    assert f'href="?unit={tree["D"].pk}"' not in page
    summary = client.get(SUMMARY).json()
    assert summary["unit"]["id"] == tree["T1"].pk
    assert summary["figures"]["open"] == 3 and summary["figures"]["overdue"] == 2


@pytest.mark.parametrize("key", ["T2", "V2", "G2", "D"])
def test_a_unit_outside_the_scope_answers_404(client, scene, staff, tree, key):
    client.force_login(staff["dispatcher"])
    assert client.get(URL, {"unit": tree[key].pk}).status_code == 404
    assert client.get(SUMMARY, {"unit": tree[key].pk}).status_code == 404


def test_nonsense_and_unknown_units_answer_404(client, staff):
    client.force_login(staff["commander"])
    assert client.get(URL, {"unit": "abc"}).status_code == 404
    assert client.get(URL, {"unit": 987654}).status_code == 404


def test_a_central_household_has_no_dashboard(client, staff, tree):
    client.force_login(staff["commander"])
    assert client.get(URL, {"unit": tree["C1"].pk}).status_code == 404


def test_not_logged_in_goes_to_the_login_page(client):
    for url in (URL, SUMMARY):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")


def test_a_user_without_a_post_is_refused(client, make_user):
    client.force_login(make_user())
    assert client.get(URL).status_code == 403


def test_the_summary_json_has_the_page_s_figures(client, scene, staff, tree):
    client.force_login(staff["commander"])
    data = client.get(SUMMARY, {"unit": tree["D"].pk}).json()
    assert data["figures"] == {
        "open": 5,
        "overdue": 3,
        "new_today": 2,
        "intake": 8,
        "completed": 3,
        "on_time": 2,
        "on_time_rate": round(2 / 3, 4),
        "on_time_rate_strict": round(2 / 6, 4),
        "open_alerts": Alert.objects.filter(closed_at__isnull=True).count(),
    }
    assert data["window"]["days"] == 30
    assert [c["id"] for c in data["children"]] == [tree["T1"].pk, tree["T2"].pk, None]
    assert data["map"] == {
        str(tree["G1"].pk): 2,
        str(tree["G1b"].pk): 0,
        str(tree["G2"].pk): 1,
    }
    assert data["feed"]["open_count"] == data["figures"]["open_alerts"]


def test_the_page_shows_the_figures_the_feed_and_the_drawings(
    client, scene, staff, tree
):
    client.force_login(staff["commander"])
    response = client.get(URL)
    page = response.content.decode()
    assert re.search(r'data-figure="open"[^>]*>5<', page)
    assert re.search(r'data-figure="on_time_rate"[^>]*>66\.7%<', page)
    assert re.search(r'data-figure="on_time_rate_strict"[^>]*>33\.3%<', page)
    # The trend: a bar per day; the map: a coloured path per grid with a boundary.
    assert page.count('<rect class="bar') == 30
    assert len(re.findall(r'<path class="area b\d" data-area-id=', page)) == 2
    # Colour steps of one ticket up to the heaviest area's two: G1 is b2.
    assert f'class="area b2" data-area-id="{tree["G1"].pk}"' in page
    # The feed: newest first, the cursor it resumes after, ticket links.
    feed = response.context["feed"]
    ids = re.findall(r'<li class="alert-item[^"]*" data-alert-id="(\d+)"', page)
    assert ids == [str(a.pk) for a in feed.alerts]
    assert ids == sorted(ids, key=int, reverse=True)
    newest = Alert.objects.order_by("-id").first()
    assert f'data-after="{newest.pk}"' in page
    assert f'data-stream-url="{reverse("dispatch:alert-stream")}"' in page
    ticket = feed.alerts[0].workorder
    assert reverse("dispatch:ticket", args=[ticket.pk]) in page
    assert f'<span id="open-alerts-count">{feed.open_count}</span>' in page


def test_the_wall_display_has_no_navigation_and_refreshes(client, scene, staff):
    client.force_login(staff["commander"])
    page = client.get(URL, {"screen": "wall"}).content.decode()
    assert '<body class="wall">' in page
    assert 'class="topbar"' not in page and 'class="subnav"' not in page
    assert 'data-refresh-seconds="30"' in page and 'id="alert-feed"' in page


def test_the_page_runs_no_inline_script_under_its_csp(client, scene, staff):
    client.force_login(staff["commander"])
    for params in ({}, {"screen": "wall"}):
        response = client.get(URL, params)
        policy = response["Content-Security-Policy"]
        assert (
            "script-src 'self'" in policy
            and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
        )
        page = response.content.decode()
        scripts = re.findall(r"<script\b[^>]*>", page)
        assert scripts and all(" src=" in tag for tag in scripts)
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", page)  # no onclick=…
        assert "http://" not in page and "https://" not in page


def test_the_query_count_does_not_grow_with_the_data(
    client, scene, staff, tree, new_ticket, django_assert_max_num_queries
):
    # Session, user, posts; three ticket scans and two more for the window's
    # earlier days until they are cached; units, alerts, categories; the
    # path; the feed's cursor and alerts (its count is the unit's here). A
    # unit below: its lookup, and the scope's open alerts counted apart.
    client.force_login(staff["commander"])
    with django_assert_max_num_queries(14):
        client.get(URL)
    with django_assert_max_num_queries(13):
        client.get(SUMMARY, {"unit": tree["T1"].pk})
    for lng in (T1_LNG, T2_LNG, None) * 5:
        where = {"lng": lng} if lng else {"lat": None, "lng": None}
        new_ticket(category="M03-01", **where)
    alerts_sweep(now=timezone.now() + 30 * DAY)
    with django_assert_max_num_queries(14):
        response = client.get(URL)
    assert response.context["board"].totals.open == 5 + 15
    with django_assert_max_num_queries(13):
        client.get(SUMMARY, {"unit": tree["T1"].pk})


def test_the_earlier_days_are_counted_once_then_reused(
    scene, staff, tree, django_assert_num_queries
):
    commander = staff["commander"]
    first = dashboard_summary(commander, tree["D"])
    with django_assert_num_queries(6):  # the earlier days come from the cache
        again = dashboard_summary(commander, tree["D"])
    assert figures(again.totals) == figures(first.totals)
    assert again.trend == first.trend
    # A failed review clears a resolution of an earlier day: the cached count
    # keeps it until it expires, or until asked for afresh.
    WorkOrder.objects.filter(pk=scene["c"].pk).update(
        status=Status.IN_PROGRESS, resolved_at=None, closed_at=None
    )
    assert dashboard_summary(commander, tree["D"]).totals.completed == 3
    fresh = dashboard_summary(commander, tree["D"], fresh=True)
    assert (fresh.totals.completed, fresh.totals.on_time) == (2, 1)
    assert fresh.trend[0].completed == 2
    # Another scope runs another statement: never the commander's entry.
    dispatcher = staff["dispatcher"]
    town = dashboard_summary(dispatcher, tree["T1"])
    t1 = WorkOrder.objects.filter(town_id=tree["T1"].pk)
    assert figures(town.totals) == direct(t1, town.window)


def test_beat_prepares_the_command_centers_dashboards_ahead(
    scene, staff, tree, django_assert_num_queries
):
    assert dashboards_prepare() == 3  # the district and its two towns
    # A town dispatcher's and the district commander's first look: their
    # posts, then the six live queries; the earlier days come from the cache.
    with django_assert_num_queries(7):
        town = dashboard_summary(staff["dispatcher"], tree["T1"])
    with django_assert_num_queries(7):
        dashboard_summary(staff["commander"], tree["D"])
    t1 = WorkOrder.objects.filter(town_id=tree["T1"].pk)
    assert figures(town.totals) == direct(t1, town.window)
    assert "dispatch.dashboards_prepare" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }


def test_the_embedded_database_path_counts_the_same(scene, staff, tree, monkeypatch):
    """SQLite has no grouping sets: one GROUP BY per set gives the same."""
    from django.db import connection

    commander = staff["commander"]
    for key in ("D", "T1", "V1", "G1", "M1"):
        grouped = dashboard_summary(commander, tree[key], fresh=True)
        with monkeypatch.context() as patch:
            patch.setattr(connection, "vendor", "sqlite")
            portable = dashboard_summary(commander, tree[key], fresh=True)
        assert figures(portable.totals) == figures(grouped.totals)
        assert portable.trend == grouped.trend
        assert [figures(r.figures) for r in portable.children] == [
            figures(r.figures) for r in grouped.children
        ]
        assert [(a.unit.pk, a.overdue) for a in portable.map_areas] == [
            (a.unit.pk, a.overdue) for a in grouped.map_areas
        ]


def test_department_staff_see_only_their_department_s_tickets(
    client, scene, make_user, tree
):
    clerk = make_user(Role.DEPARTMENT_STAFF, tree["T1"])
    client.force_login(clerk)
    response = client.get(URL)
    assert response.context["board"].unit == tree["T1"]
    # No ticket was routed to the clerk's department.
    assert figures(response.context["board"].totals) == (0, 0, 0, 0, 0, 0)
    department = Post.objects.get(user=clerk).department_id
    assert not WorkOrder.objects.filter(department_id=department).exists()
