"""The territory API from the outside: scope, masking, the one error shape."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grids.models import Household, PersonalDataAccess, Role
from grids.services import unit_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(make_user, tree):
    return make_user(Role.GRID_WORKER, tree["G1"], username="wangwei")


@pytest.fixture
def api(client, worker):
    client.force_login(worker)
    return client


def post_json(client, url, data, **extra):
    return client.post(url, json.dumps(data), content_type="application/json", **extra)


def patch_json(client, url, data):
    return client.patch(url, json.dumps(data), content_type="application/json")


def assert_error(response, status, code):
    body = response.json()
    assert response.status_code == status, body
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code
    assert body["message"]
    return body


def test_me_lists_posts_permissions_and_scope(api, tree):
    body = api.get("/api/v1/me/").json()
    assert body["username"] == "wangwei"
    assert [post["role"] for post in body["posts"]] == ["grid_worker"]
    assert "view_personal_data" in body["posts"][0]["permissions"]
    assert [unit["id"] for unit in body["scope"]] == [tree["G1"].pk]


def test_unit_browsing_stays_inside_the_scope(api, tree, registry_rows):
    roots = api.get("/api/v1/units/").json()["results"]
    assert [unit["id"] for unit in roots] == [tree["G1"].pk]

    detail = api.get(f"/api/v1/units/{tree['G1'].pk}/").json()
    assert detail["counts"] == {
        "households": 1,
        "residents": 1,
        "places": 1,
        "staff": 1,
    }
    children = api.get(f"/api/v1/units/{tree['G1'].pk}/children/").json()
    assert [unit["id"] for unit in children] == [tree["M1"].pk]
    path = api.get(f"/api/v1/units/{tree['C1'].pk}/path/").json()
    assert [unit["id"] for unit in path] == [
        tree["G1"].pk,
        tree["M1"].pk,
        tree["C1"].pk,
    ]

    for outside in ("V1", "G1b", "T2", "D"):
        response = api.get(f"/api/v1/units/{tree[outside].pk}/")
        assert_error(response, 404, "not_found")
    found = api.get("/api/v1/units/", {"q": "微网格"}).json()["results"]
    assert {unit["id"] for unit in found} == {tree["M1"].pk}


def test_lists_are_scoped_and_masked(api, registry_rows):
    residents = api.get("/api/v1/residents/").json()["results"]
    assert [r["name"] for r in residents] == ["居民M1"]
    assert residents[0]["phone"] == "138****0001"
    assert residents[0]["personal_data"] == "masked"
    assert not PersonalDataAccess.objects.exists()
    places = api.get("/api/v1/places/", {"q": "小吃"}).json()["results"]
    assert [p["code"] for p in places] == ["PM1"]


def test_list_queries_do_not_grow_with_the_page(api, tree):
    for i in range(30):
        api.post(
            "/api/v1/households/",
            json.dumps(
                {"code": f"B{i}", "address": f"某路{i}号", "unit": tree["M1"].pk}
            ),
            content_type="application/json",
        )
    counts = []
    for size in (5, 30):
        with CaptureQueriesContext(connection) as queries:
            response = api.get("/api/v1/households/", {"page_size": size})
        assert len(response.json()["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_cursor_pagination_walks_every_row_once(api, tree):
    for i in range(7):
        post_json(
            api,
            "/api/v1/households/",
            {"code": f"C{i}", "address": "某路", "unit": tree["M1"].pk},
        )
    seen, url = [], "/api/v1/households/?page_size=3"
    while url:
        body = api.get(url).json()
        seen += [row["code"] for row in body["results"]]
        url = body["next"]
    assert sorted(seen) == sorted(f"C{i}" for i in range(7))


def test_detail_unmasks_for_a_role_that_needs_it_and_logs_the_read(
    api, worker, registry_rows
):
    resident = registry_rows["M1"]["resident"]
    body = api.get(f"/api/v1/residents/{resident.pk}/", REMOTE_ADDR="10.1.2.3").json()
    assert body["phone"] == resident.phone
    assert body["id_number"] == resident.id_number
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.subject_type, access.subject_id) == (
        worker,
        "resident",
        resident.pk,
    )
    assert access.fields == ["phone", "id_number"]
    assert access.ip_address == "10.1.2.3"


def test_detail_stays_masked_for_a_part_time_worker(
    client, make_user, tree, registry_rows
):
    client.force_login(make_user(Role.PART_TIME_GRID_WORKER, tree["G1"]))
    resident = registry_rows["M1"]["resident"]
    body = client.get(f"/api/v1/residents/{resident.pk}/").json()
    assert body["id_number"].startswith("320413") and "*" in body["id_number"]
    assert not PersonalDataAccess.objects.exists()


def test_create_and_update_within_scope(api, tree):
    response = post_json(
        api,
        "/api/v1/households/",
        {
            "code": "N1",
            "address": "五叶村5组8号",
            "unit": tree["M1"].pk,
            "tags": ["rental"],
        },
    )
    assert response.status_code == 201, response.json()
    household = Household.objects.get(code="N1")
    assert household.town_id == tree["T1"].pk
    response = patch_json(
        api, f"/api/v1/households/{household.pk}/", {"member_count": 4}
    )
    assert response.status_code == 200
    assert response.json()["member_count"] == 4


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"code": "X", "address": "某路", "unit": "M2"}, 400, "invalid", "unit"),
        (
            {"code": "X", "address": "某路", "unit": "M1", "owner": 1},
            400,
            "invalid",
            "owner",
        ),
        ({"code": "X", "address": "某路", "unit": "M1", "id": 9}, 400, "invalid", "id"),
        ({"code": "X", "address": "某路", "unit": "一号"}, 400, "invalid", "unit"),
        (
            {"code": "X", "address": "某路", "unit": "M1", "member_count": "多"},
            400,
            "invalid",
            "member_count",
        ),
        (
            {"code": "X", "address": "某路", "unit": "M1", "tags": ["vip"]},
            400,
            "invalid",
            "tags",
        ),
        ({"code": "X", "unit": "M1"}, 400, "invalid", "address"),
        ({"code": "X", "address": "某路", "unit": "G1"}, 400, "invalid", "unit"),
    ],
    ids=[
        "out-of-scope-unit",
        "unknown-field",
        "read-only-field",
        "wrong-type",
        "wrong-type-int",
        "unknown-tag",
        "missing",
        "wrong-level",
    ],
)
def test_bad_input_gets_a_clear_error_and_writes_nothing(
    api, tree, body, status, code, field
):
    body = {**body}
    if body.get("unit") in tree:
        body["unit"] = tree[body["unit"]].pk
    response = post_json(api, "/api/v1/households/", body)
    error = assert_error(response, status, code)
    assert field in error["fields"]
    assert not Household.objects.exists()


def test_malformed_and_oversize_bodies(api, tree, settings):
    response = api.post(
        "/api/v1/households/", "{not json", content_type="application/json"
    )
    assert_error(response, 400, "malformed_body")
    settings.API_MAX_BODY_BYTES = 1000
    response = post_json(
        api,
        "/api/v1/households/",
        {"code": "X", "address": "长" * 2000, "unit": tree["M1"].pk},
    )
    assert_error(response, 413, "body_too_large")
    response = api.post(
        "/api/v1/households/",
        "code=X",
        content_type="application/x-www-form-urlencoded",
    )
    assert_error(response, 415, "unsupported_media_type")
    assert not Household.objects.exists()


def test_out_of_scope_rows_are_not_found_for_reads_and_writes(api, registry_rows):
    for key in ("M1b", "M2"):
        for kind in ("household", "resident", "place"):
            row = registry_rows[key][kind]
            assert_error(api.get(f"/api/v1/{kind}s/{row.pk}/"), 404, "not_found")
            assert_error(
                patch_json(api, f"/api/v1/{kind}s/{row.pk}/", {"address": "x"}),
                404,
                "not_found",
            )


def test_anonymous_requests_get_401_in_the_same_shape(client):
    assert_error(client.get("/api/v1/households/"), 401, "not_authenticated")


def test_a_new_unit_is_visible_at_once(api, tree):
    unit = unit_create(
        actor=None, parent=tree["G1"], level="micro_grid", name="第2微网格", code="NEW1"
    )
    assert api.get(f"/api/v1/units/{unit.pk}/").status_code == 200


@pytest.mark.parametrize("kind", ["household", "resident", "place"])
def test_list_rows_match_the_serializer(client, make_user, tree, registry_rows, kind):
    # A part-time worker reads details masked, exactly as lists show them.
    client.force_login(make_user(Role.PART_TIME_GRID_WORKER, tree["G1"]))
    listed = client.get(f"/api/v1/{kind}s/").json()["results"]
    detail = client.get(f"/api/v1/{kind}s/{listed[0]['id']}/").json()
    assert listed == [detail]
