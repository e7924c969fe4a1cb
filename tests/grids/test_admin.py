"""The admin for the tree and the registry: saves through the services, numbers
masked, scoped to the user's posts, with import and export pages."""

import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from accounts.models import User
from grids.integrity import tree_problems
from grids.models import Household, Level, OrgUnit, Place, Post, Resident, Role
from grids.personal_data import mask_id_number, mask_phone
from grids.services import level_check
from jintan.errors import DomainError
from tests.grids.sheet_files import counts, small_district, xlsx_write

pytestmark = pytest.mark.django_db

MODELS = ["orgunit", "household", "resident", "place"]


@pytest.fixture
def district():
    return small_district()


def url(model, view, *args):
    return reverse(f"admin:grids_{model}_{view}", args=args)


@pytest.mark.parametrize("model", MODELS)
def test_each_changelist_opens_with_import_and_export_buttons(
    admin_client, district, model
):
    response = admin_client.get(url(model, "changelist"))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="{url(model, "import")}"' in html
    assert f'href="{url(model, "export")}"' in html


def test_resident_list_shows_numbers_masked_only(admin_client, district):
    response = admin_client.get(url("resident", "changelist"))
    html = response.content.decode()
    shown = Resident.objects.order_by("-pk")[:20]
    for resident in shown:
        assert resident.phone not in html
        assert resident.id_number not in html
    assert escape(mask_phone(shown[0].phone)) in html
    assert escape(mask_id_number(shown[0].id_number)) in html
    assert "****" in html


def test_resident_change_page_never_shows_the_stored_numbers(admin_client, district):
    resident = Resident.objects.exclude(phone="").first()
    response = admin_client.get(url("resident", "change", resident.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert resident.phone not in html
    assert resident.id_number not in html
    assert escape(mask_phone(resident.phone)) in html


def test_place_list_masks_the_contact_phone(admin_client, district):
    html = admin_client.get(url("place", "changelist")).content.decode()
    place = Place.objects.order_by("-pk").first()
    assert place.contact_phone not in html
    assert mask_phone(place.contact_phone) in html


def test_changelists_do_not_query_per_row(
    admin_client, district, django_assert_max_num_queries
):
    for model in ("household", "resident", "place"):
        with django_assert_max_num_queries(12):
            assert admin_client.get(url(model, "changelist")).status_code == 200


def test_the_town_filter_lists_one_towns_rows(admin_client, district):
    town = OrgUnit.objects.filter(level=Level.TOWN).order_by("code").first()
    response = admin_client.get(url("household", "changelist"), {"town": town.pk})
    shown = list(response.context["cl"].result_list)
    assert shown and {household.town_id for household in shown} == {town.pk}


def test_unit_search_finds_chinese_names(admin_client, district):
    response = admin_client.get(url("orgunit", "changelist"), {"q": "儒林"})
    names = [unit.name for unit in response.context["cl"].result_list]
    assert names and all("儒林" in name for name in names)


def test_the_micro_grid_picker_offers_micro_grids_only(admin_client, district):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "grids",
            "model_name": "household",
            "field_name": "unit",
            "term": "",
        },
    )
    ids = [int(item["id"]) for item in response.json()["results"]]
    assert ids
    assert set(OrgUnit.objects.filter(pk__in=ids).values_list("level", flat=True)) == {
        Level.MICRO_GRID
    }


# --- saving through the services ------------------------------------------------


def test_adding_a_unit_at_the_wrong_level_shows_the_level_error(admin_client, district):
    town = OrgUnit.objects.filter(level=Level.TOWN).first()
    before = OrgUnit.objects.count()
    response = admin_client.post(
        url("orgunit", "add"),
        {"name": "错层网格", "code": "320413777", "level": "grid", "parent": town.pk},
    )
    assert response.status_code == 200
    assert OrgUnit.objects.count() == before
    with pytest.raises(DomainError) as expected:
        level_check(Level.GRID, town)
    assert escape(expected.value.message) in response.content.decode()


def test_adding_a_unit_goes_through_the_tree_service(admin_client, district):
    town = OrgUnit.objects.filter(level=Level.TOWN).first()
    response = admin_client.post(
        url("orgunit", "add"),
        {
            "name": "新河村",
            "code": "320413778",
            "level": "village",
            "parent": town.pk,
            "sort_order": 9,
        },
    )
    assert response.status_code == 302
    village = OrgUnit.objects.get(code="320413778")
    assert (village.parent, village.town_id, village.village_id) == (
        town,
        town.pk,
        village.pk,
    )
    assert tree_problems() == []


def test_changing_a_units_parent_moves_it(admin_client, district):
    village = OrgUnit.objects.filter(level=Level.VILLAGE).first()
    other_town = OrgUnit.objects.filter(level=Level.TOWN).exclude(pk=village.parent_id)[
        0
    ]
    response = admin_client.post(
        url("orgunit", "change", village.pk),
        {
            "name": "并入的村",
            "parent": other_town.pk,
            "kind": village.kind,
            "sort_order": village.sort_order,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    village.refresh_from_db()
    assert (village.name, village.parent, village.town_id) == (
        "并入的村",
        other_town,
        other_town.pk,
    )
    assert set(
        Household.objects.filter(village=village).values_list("town_id", flat=True)
    ) == {other_town.pk}
    assert tree_problems() == []


def test_deleting_a_unit_with_households_is_refused_and_keeps_it(
    admin_client, district
):
    micro_grid = Household.objects.first().unit
    with translation.override("en"):
        response = admin_client.post(
            url("orgunit", "delete", micro_grid.pk), {"post": "yes"}, follow=True
        )
    assert OrgUnit.objects.filter(pk=micro_grid.pk).exists()
    html = response.content.decode()
    assert 'class="error"' in html
    assert escape(micro_grid.name) in html


def test_deleting_a_bare_unit_works(admin_client, district):
    town = OrgUnit.objects.filter(level=Level.TOWN).first()
    from grids.services import unit_create

    bare = unit_create(
        actor=None, parent=town, name="空村", code="320413779", level="village"
    )
    response = admin_client.post(url("orgunit", "delete", bare.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not OrgUnit.objects.filter(pk=bare.pk).exists()
    assert tree_problems() == []


def test_bulk_delete_refuses_all_when_one_unit_is_in_use(admin_client, district):
    in_use = Household.objects.first().unit
    central = OrgUnit.objects.filter(level=Level.CENTRAL_HOUSEHOLD)
    bare = [unit for unit in central if not unit.linked_households.exists()]
    before = OrgUnit.objects.count()
    response = admin_client.post(
        url("orgunit", "changelist"),
        {
            "action": "delete_selected",
            "post": "yes",
            "_selected_action": [in_use.pk, *[unit.pk for unit in bare]],
        },
        follow=True,
    )
    assert response.status_code == 200
    assert OrgUnit.objects.count() == before
    assert 'class="error"' in response.content.decode()


def test_adding_a_household_checks_its_micro_grid(admin_client, district):
    grid = OrgUnit.objects.filter(level=Level.GRID).first()
    before = counts()
    response = admin_client.post(
        url("household", "add"),
        {"code": "A1", "address": "某路1号", "unit": grid.pk, "member_count": 2},
    )
    assert response.status_code == 200
    assert counts() == before
    assert "errorlist" in response.content.decode()


def test_adding_a_household_sets_its_ancestry(admin_client, district):
    micro_grid = OrgUnit.objects.filter(level=Level.MICRO_GRID).first()
    response = admin_client.post(
        url("household", "add"),
        {
            "code": "A2",
            "address": "某路2号",
            "unit": micro_grid.pk,
            "member_count": 2,
            "tags": ["rental"],
        },
    )
    assert response.status_code == 302
    household = Household.objects.get(code="A2")
    assert (household.micro_grid_id, household.town_id, household.tags) == (
        micro_grid.pk,
        micro_grid.town_id,
        ["rental"],
    )


def test_moving_a_household_in_the_admin_takes_its_residents(admin_client, district):
    household = Household.objects.filter(
        central_household__isnull=True, residents__isnull=False
    ).first()
    target = (
        OrgUnit.objects.filter(level=Level.MICRO_GRID)
        .exclude(grid_id=household.grid_id)
        .first()
    )
    response = admin_client.post(
        url("household", "change", household.pk),
        {
            "address": household.address,
            "unit": target.pk,
            "member_count": household.member_count,
            "tags": household.tags,
        },
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert (household.unit, household.grid_id) == (target, target.grid_id)
    assert set(household.residents.values_list("grid_id", flat=True)) == {
        target.grid_id
    }
    assert tree_problems() == []


def test_a_residents_new_phone_is_checked_and_an_empty_one_keeps_it(
    admin_client, district
):
    resident = Resident.objects.exclude(phone="").first()
    form = {
        "household": resident.household_id,
        "name": resident.name,
        "gender": resident.gender,
        "birth_year": resident.birth_year,
        "new_phone": "12345",
        "new_id_number": "",
    }
    response = admin_client.post(url("resident", "change", resident.pk), form)
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()

    form["new_phone"] = ""
    form["name"] = "改名"
    response = admin_client.post(url("resident", "change", resident.pk), form)
    assert response.status_code == 302
    stored = Resident.objects.get(pk=resident.pk)
    assert (stored.name, stored.phone, stored.id_number) == (
        "改名",
        resident.phone,
        resident.id_number,
    )


# --- import and export pages -------------------------------------------------------


def test_the_import_page_lists_every_bad_row_and_writes_nothing(
    admin_client, district, tmp_path
):
    micro_grid = OrgUnit.objects.filter(level=Level.MICRO_GRID).first()
    sheet = xlsx_write(
        tmp_path / "households.xlsx",
        ["户编号", "地址", "微网格", "人口数"],
        [
            ["I1", "某路1号", micro_grid.code, 2],
            ["I2", "某路2号", "320499999999", 2],
            ["I3", "某路3号", micro_grid.code, "many"],
        ],
    )
    before = counts()
    with sheet.open("rb") as upload:
        response = admin_client.post(url("household", "import"), {"file": upload})
    assert response.status_code == 200
    assert counts() == before
    problems = response.context["problems"]
    assert [(p.row, p.column, p.value) for p in problems] == [
        (3, "微网格", "320499999999"),
        (4, "人口数", "many"),
    ]
    html = response.content.decode()
    assert 'id="sheet-problems"' in html
    assert "320499999999" in html and escape(problems[0].reason) in html


def test_the_import_page_accepts_a_good_file(admin_client, district, tmp_path):
    micro_grid = OrgUnit.objects.filter(level=Level.MICRO_GRID).first()
    sheet = xlsx_write(
        tmp_path / "households.xlsx",
        ["户编号", "地址", "微网格", "人口数"],
        [["I4", "某路4号", micro_grid.code, 2], ["I5", "某路5号", micro_grid.code, 1]],
    )
    with sheet.open("rb") as upload:
        response = admin_client.post(url("household", "import"), {"file": upload})
    assert response.status_code == 200
    result = response.context["result"]
    assert (result.created, result.updated) == (2, 0)
    assert Household.objects.filter(code__in=["I4", "I5"]).count() == 2
    assert escape(result.summary()) in response.content.decode()


@pytest.mark.parametrize("model", MODELS)
def test_export_downloads_a_workbook(admin_client, district, model):
    response = admin_client.get(url(model, "export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert ".xlsx" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    model_class = {
        "orgunit": OrgUnit,
        "household": Household,
        "resident": Resident,
        "place": Place,
    }[model]
    assert len(rows) - 1 == model_class.objects.count()
    if model == "resident":
        phones = [row[rows[0].index("电话")] for row in rows[1:]]
        assert all("****" in phone for phone in phones if phone)


# --- scope ---------------------------------------------------------------------


@pytest.fixture
def town_worker(district):
    town = OrgUnit.objects.filter(level=Level.TOWN).order_by("code").first()
    user = User.objects.create_user("worker", password="pw-for-tests", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_household", "change_household", "view_orgunit"]
        )
    )
    Post.objects.create(user=user, unit=town, role=Role.GRID_WORKER)
    return user, town


def test_staff_see_only_their_towns_households(client, town_worker):
    user, town = town_worker
    client.force_login(user)
    response = client.get(url("household", "changelist"))
    shown = list(response.context["cl"].result_list)
    assert shown and {household.town_id for household in shown} == {town.pk}

    elsewhere = Household.objects.exclude(town=town).first()
    response = client.get(url("household", "change", elsewhere.pk))
    assert response.status_code == 302  # "does not exist" for this user
    assert elsewhere.address not in client.get(response.url).content.decode()


def test_only_superusers_may_import(client, town_worker):
    user, _town = town_worker
    client.force_login(user)
    assert client.get(url("household", "import")).status_code == 403
