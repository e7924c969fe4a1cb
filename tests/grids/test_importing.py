"""Importing the registry sheets: all or nothing, every bad cell reported,
round-trippable with the exporter, through the services and the tree's rules."""

import io
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from grids.exporting import sheet_export
from grids.importing import SheetRejected, sheet_import
from grids.integrity import tree_problems
from grids.models import Household, Level, OrgUnit, Place, Resident
from grids.personal_data import id_number_check_digit
from grids.services import level_check
from grids.sheets import PLACE_CATEGORIES, PLACES, RESIDENTS, UNITS
from jintan.errors import DomainError
from tests.grids.sheet_files import (
    counts,
    csv_write,
    small_district,
    xlsx_read,
    xlsx_write,
)

pytestmark = pytest.mark.django_db

UNIT_HEADERS = ["名称", "行政区划代码", "层级", "上级", "中心纬度", "中心经度"]
HOUSEHOLD_HEADERS = ["户编号", "地址", "微网格", "党员中心户", "人口数", "标签"]
RESIDENT_HEADERS = [
    "户编号",
    "姓名",
    "性别",
    "出生年份",
    "电话",
    "身份证号",
    "关爱群体",
]
PLACE_HEADERS = [
    "场所编号",
    "名称",
    "类别",
    "地址",
    "所属网格",
    "联系人",
    "联系电话",
    "纬度",
    "经度",
]


def valid_id(first17="32041319850612123"):
    return first17 + id_number_check_digit(first17)


def problems_of(error: SheetRejected) -> set[tuple]:
    return {(p.row, p.column, p.value, p.code) for p in error.problems}


def path_of(unit: OrgUnit) -> str:
    return "/".join(u.name for u in unit.get_ancestors(include_self=True))


def ancestry(row) -> tuple:
    return (row.district_id, row.town_id, row.village_id, row.grid_id)


@pytest.fixture
def district():
    return small_district()


@pytest.fixture
def units(district):
    """Two towns, a micro-grid with a central household, a grid, by level."""
    town, other_town = OrgUnit.objects.filter(level=Level.TOWN).order_by("code")[:2]
    central = OrgUnit.objects.filter(level=Level.CENTRAL_HOUSEHOLD).first()
    micro_grid = central.parent
    return {
        "district": district,
        "town": town,
        "other_town": other_town,
        "micro_grid": micro_grid,
        "central": central,
        "grid": micro_grid.parent,
        "other_micro_grid": OrgUnit.objects.filter(level=Level.MICRO_GRID)
        .exclude(parent=micro_grid.parent)
        .first(),
    }


# --- good sheets of each kind ------------------------------------------------


def test_units_with_parents_in_the_same_sheet_are_loaded_in_one_tree(units, tmp_path):
    town = units["town"]
    sheet = xlsx_write(
        tmp_path / "units.xlsx",
        UNIT_HEADERS,
        [
            # The grid comes first: its parent is a later row, named by path.
            [
                "新河网格",
                "32041390000101",
                "网格",
                f"{path_of(town)}/新河村",
                None,
                None,
            ],
            ["新河村", "320413900001", "村(社区)", town.code, 31.7, 119.5],
            [
                "新河第1微网格",
                "3204139000010101",
                "micro_grid",
                "32041390000101",
                "",
                "",
            ],
            ["李华党员中心户", "320413900001010101", "党员中心户", "3204139000010101"],
        ],
    )
    result = sheet_import("units", sheet, actor=None)

    assert (result.created, result.updated, result.unchanged) == (4, 0, 0)
    village = OrgUnit.objects.get(code="320413900001")
    grid = OrgUnit.objects.get(code="32041390000101")
    micro_grid = OrgUnit.objects.get(code="3204139000010101")
    central = OrgUnit.objects.get(code="320413900001010101")
    assert (village.parent, grid.parent, micro_grid.parent) == (town, village, grid)
    assert central.parent == micro_grid
    assert (village.center_lat, village.center_lng) == (31.7, 119.5)
    assert (micro_grid.town_id, micro_grid.village_id, micro_grid.grid_id) == (
        town.pk,
        village.pk,
        grid.pk,
    )
    assert micro_grid.micro_grid_id == micro_grid.pk
    assert central.micro_grid_id == micro_grid.pk
    assert tree_problems() == []


def test_a_unit_whose_parent_changed_is_moved_with_everything_below(units, tmp_path):
    village = units["micro_grid"].parent.parent
    households_below = Household.objects.filter(village=village)
    assert households_below.exists()
    sheet = xlsx_write(
        tmp_path / "units.xlsx",
        ["名称", "行政区划代码", "层级", "上级"],
        [
            ["新设街道", "320413950", "镇(街道)", units["district"].code],
            # Renamed, and moved under a town that this very sheet creates.
            ["合并后的村", village.code, "村(社区)", "320413950"],
            ["东城社区", "320413950002", "村", "金坛区/新设街道"],
        ],
    )
    result = sheet_import("units", sheet, actor=None)

    assert (result.created, result.updated, result.moved) == (2, 1, 1)
    new_town = OrgUnit.objects.get(code="320413950")
    village.refresh_from_db()
    assert (village.parent, village.name, village.town_id) == (
        new_town,
        "合并后的村",
        new_town.pk,
    )
    assert set(households_below.values_list("town_id", flat=True)) == {new_town.pk}
    assert set(
        Resident.objects.filter(village=village).values_list("town_id", flat=True)
    ) == {new_town.pk}
    assert OrgUnit.objects.get(code="320413950002").parent == new_town
    assert tree_problems() == []


def test_households_are_loaded_with_their_micro_grids_ancestry(units, tmp_path):
    micro_grid, central = units["micro_grid"], units["central"]
    sheet = xlsx_write(
        tmp_path / "households.xlsx",
        HOUSEHOLD_HEADERS,
        [
            [
                "N0001",
                "儒林镇五叶村1组1号",
                micro_grid.code,
                central.code,
                3,
                "独居老人、低保户",
            ],
            [
                "N0002",
                "儒林镇五叶村1组2号",
                path_of(micro_grid),
                path_of(central),
                1,
                "",
            ],
            [
                "N0003",
                "某村3号",
                units["other_micro_grid"].code,
                None,
                "2",
                "出租户,退役军人",
            ],
        ],
    )
    before = counts()
    result = sheet_import("households", sheet, actor=None)

    assert (result.created, result.updated) == (3, 0)
    assert counts()["households"] == before["households"] + 3
    first = Household.objects.get(code="N0001")
    assert (first.unit, first.central_household, first.member_count) == (
        micro_grid,
        central,
        3,
    )
    assert first.tags == ["elderly_alone", "low_income"]
    assert ancestry(first) == ancestry(micro_grid)
    assert first.micro_grid_id == micro_grid.pk
    assert Household.objects.get(code="N0002").central_household == central
    third = Household.objects.get(code="N0003")
    assert third.tags == ["rental", "veteran"]
    assert third.micro_grid_id == units["other_micro_grid"].pk
    assert tree_problems() == []


def test_residents_are_loaded_with_their_households_ancestry(units, tmp_path):
    household = Household.objects.filter(unit=units["micro_grid"]).first()
    sheet = xlsx_write(
        tmp_path / "residents.xlsx",
        RESIDENT_HEADERS,
        [
            [household.code, "王小明", "男", 1950, "13812345678", valid_id(), "老年人"],
            [household.code, "王小红", "女", None, None, None, None],
        ],
    )
    result = sheet_import("residents", sheet, actor=None)

    assert result.created == 2
    ming = Resident.objects.get(name="王小明")
    assert (ming.household, ming.gender, ming.birth_year) == (household, "male", 1950)
    assert (ming.phone, ming.id_number, ming.tags) == (
        "13812345678",
        valid_id(),
        ["elderly"],
    )
    assert (*ancestry(ming), ming.micro_grid_id) == (
        *ancestry(household),
        household.micro_grid_id,
    )
    hong = Resident.objects.get(name="王小红")
    assert (hong.phone, hong.id_number, hong.birth_year) == ("", "", None)
    assert tree_problems() == []


def test_places_are_loaded_on_grids_and_micro_grids(units, tmp_path):
    grid, micro_grid = units["grid"], units["micro_grid"]
    sheet = xlsx_write(
        tmp_path / "places.xlsx",
        PLACE_HEADERS,
        [
            [
                "NP001",
                "张记小吃",
                "小餐饮",
                "人民路1号",
                grid.code,
                "张三",
                "0519-82812345",
                31.7,
                119.5,
            ],
            [
                "NP002",
                "李记诊所",
                "small_clinic",
                "人民路2号",
                path_of(micro_grid),
                "",
                "",
                "",
                "",
            ],
        ],
    )
    result = sheet_import("places", sheet, actor=None)

    assert result.created == 2
    snack = Place.objects.get(code="NP001")
    assert (snack.category, snack.unit, snack.lat, snack.lng) == (
        "small_restaurant",
        grid,
        31.7,
        119.5,
    )
    assert (snack.grid_id, snack.micro_grid_id) == (grid.pk, None)
    clinic = Place.objects.get(code="NP002")
    assert (clinic.micro_grid_id, clinic.lat) == (micro_grid.pk, None)
    assert tree_problems() == []


# --- bad sheets: nothing written, every bad cell reported ---------------------


def test_a_unit_sheet_with_bad_rows_writes_nothing_and_lists_them_all(units, tmp_path):
    town, grid = units["town"], units["grid"]
    sheet = xlsx_write(
        tmp_path / "units.xlsx",
        UNIT_HEADERS,
        [
            ["好村", "320413960001", "村(社区)", town.code, None, None],  # fine
            ["无主村", "320413960002", "村(社区)", "320499999", None, None],
            ["错层村", "320413960003", "村(社区)", grid.code, None, None],
            ["重复村", "320413960001", "村(社区)", town.code, None, None],
            ["飞地村", "320413960004", "村(社区)", town.code, 200, 119.5],
            ["半点村", "320413960005", "村(社区)", town.code, 31.5, None],
            ["怪村", "320413960006", "小区", town.code, None, None],
        ],
    )
    before = counts()
    with pytest.raises(SheetRejected) as rejected:
        sheet_import("units", sheet, actor=None)

    assert counts() == before
    assert problems_of(rejected.value) == {
        (3, "上级", "320499999", "unknown_parent"),
        (4, "上级", grid.code, "invalid_level"),
        (5, "行政区划代码", "320413960001", "duplicate_in_file"),
        (6, "中心纬度", "200", "bad_coordinates"),
        (7, "中心经度", "", "bad_coordinates"),
        (8, "层级", "小区", "unknown_word"),
    }
    by_row = {problem.row: problem for problem in rejected.value.problems}
    with pytest.raises(DomainError) as expected:
        level_check(Level.VILLAGE, grid)
    assert by_row[4].reason == expected.value.message  # names both levels
    assert "2" in by_row[5].reason  # names the first row with that code
    assert all(problem.reason for problem in rejected.value.problems)


def test_a_household_sheet_with_bad_rows_writes_nothing(units, tmp_path):
    micro_grid = units["micro_grid"]
    sheet = xlsx_write(
        tmp_path / "households.xlsx",
        HOUSEHOLD_HEADERS,
        [
            ["B1", "某路1号", micro_grid.code, None, 3, None],  # fine
            ["B2", "某路2号", "320499999999", None, 3, None],
            ["B3", "某路3号", units["grid"].code, None, 3, None],
            ["B1", "某路4号", micro_grid.code, None, 3, None],
            ["B5", "某路5号", micro_grid.code, None, 0, "独居老人、富豪"],
            ["B6", "", micro_grid.code, units["town"].code, "三", None],
        ],
    )
    before = counts()
    with pytest.raises(SheetRejected) as rejected:
        sheet_import("households", sheet, actor=None)

    assert counts() == before
    assert problems_of(rejected.value) == {
        (3, "微网格", "320499999999", "unknown_unit"),
        (4, "微网格", units["grid"].code, "invalid_unit"),
        (5, "户编号", "B1", "duplicate_in_file"),
        (6, "人口数", "0", "invalid_member_count"),
        (6, "标签", "独居老人、富豪", "unknown_word"),
        (7, "地址", "", "required"),
        (7, "党员中心户", units["town"].code, "invalid_central_household"),
        (7, "人口数", "三", "not_a_number"),
    }


def test_a_resident_sheet_with_bad_numbers_writes_nothing(units, tmp_path):
    household = Household.objects.first()
    bad_checksum = valid_id()[:-1] + ("1" if valid_id()[-1] != "1" else "2")
    sheet = xlsx_write(
        tmp_path / "residents.xlsx",
        RESIDENT_HEADERS,
        [
            [household.code, "甲", "男", 1980, "13812345678", valid_id(), None],
            [household.code, "乙", "女", 1980, "1381234", None, None],
            [household.code, "丙", "女", 1980, None, bad_checksum, None],
            ["NO-SUCH", "丁", "男", 1980, None, None, None],
            [household.code, "戊", "未知", 1880, None, valid_id(), None],
        ],
    )
    before = counts()
    with pytest.raises(SheetRejected) as rejected:
        sheet_import("residents", sheet, actor=None)

    assert counts() == before
    assert problems_of(rejected.value) == {
        (3, "电话", "1381234", "invalid_phone"),
        (4, "身份证号", bad_checksum, "invalid_id_number"),
        (5, "户编号", "NO-SUCH", "unknown_household"),
        (6, "性别", "未知", "unknown_word"),
        (6, "出生年份", "1880", "invalid_birth_year"),
        (6, "身份证号", valid_id(), "duplicate_in_file"),
    }


def test_a_place_sheet_with_bad_coordinates_writes_nothing(units, tmp_path):
    grid = units["grid"]
    sheet = xlsx_write(
        tmp_path / "places.xlsx",
        PLACE_HEADERS,
        [
            ["Q1", "好店", "小商店", "路1号", grid.code, "", "", 31.7, 119.5],
            ["Q2", "坏店", "小商店", "路2号", grid.code, "", "", "北纬31度", 119.5],
            ["Q3", "倒店", "小商店", "路3号", grid.code, "", "", 119.5, 31.7],
            ["Q4", "半店", "小商店", "路4号", grid.code, "", "", 31.7, None],
            [
                "Q5",
                "怪店",
                "大商场",
                "路5号",
                units["town"].code,
                "",
                "12345",
                None,
                None,
            ],
        ],
    )
    before = counts()
    with pytest.raises(SheetRejected) as rejected:
        sheet_import("places", sheet, actor=None)

    assert counts() == before
    assert problems_of(rejected.value) == {
        (3, "纬度", "北纬31度", "bad_coordinates"),
        (4, "纬度", "119.5", "bad_coordinates"),
        (5, "纬度", "31.7", "invalid_lat"),
        (6, "类别", "大商场", "unknown_word"),
        (6, "所属网格", units["town"].code, "invalid_unit"),
        (6, "联系电话", "12345", "invalid_contact_phone"),
    }


def test_missing_unknown_and_repeated_columns_are_reported_on_the_header(
    units, tmp_path
):
    sheet = xlsx_write(
        tmp_path / "households.xlsx",
        ["户编号", "微网格", "人口数", "备注", "人口数"],
        [["C1", units["micro_grid"].code, 2, "新户", 2]],
    )
    before = counts()
    with pytest.raises(SheetRejected) as rejected:
        sheet_import("households", sheet, actor=None)

    assert counts() == before
    assert problems_of(rejected.value) == {
        (1, "地址", "地址", "missing_column"),
        (1, "备注", "备注", "unknown_column"),
        (1, "人口数", "人口数", "duplicate_column"),
    }
    with translation.override("en"):
        assert rejected.value.lines()[0].startswith("Row 1, column ")


def test_a_file_that_is_no_sheet_is_rejected(units, tmp_path):
    path = tmp_path / "photo.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(SheetRejected) as rejected:
        sheet_import("households", path, actor=None)
    assert [p.code for p in rejected.value.problems] == ["unreadable_file"]


# --- round trips ---------------------------------------------------------------


def snapshot(kind):
    fields = {
        "units": [
            "code",
            "name",
            "level",
            "parent_id",
            "kind",
            "center_lat",
            "boundary",
        ],
        "households": ["code", "address", "unit_id", "central_household_id", "tags"],
        "residents": ["id", "household_id", "name", "phone", "id_number", "tags"],
        "places": ["code", "name", "category", "unit_id", "contact_phone", "lat"],
    }[kind]
    model = {"units": OrgUnit, "households": Household, "residents": Resident}.get(
        kind, Place
    )
    return list(model.objects.order_by("pk").values(*fields))


@pytest.mark.parametrize("kind", ["units", "households", "residents", "places"])
def test_an_unmasked_export_imports_again_without_changing_anything(
    district, tmp_path, kind
):
    path = tmp_path / f"{kind}.xlsx"
    written = sheet_export(kind, path, actor=None, unmasked=True)
    before, values = counts(), snapshot(kind)

    result = sheet_import(kind, path, actor=None)

    assert (result.rows, result.unchanged) == (written, written)
    assert (result.created, result.updated) == (0, 0)
    assert counts() == before
    assert snapshot(kind) == values


def test_an_edited_export_updates_rows_by_their_number(district, tmp_path):
    path = tmp_path / "households.xlsx"
    sheet_export("households", path, actor=None)
    rows = xlsx_read(path)
    header = rows[0]
    code, address = header.index("户编号"), header.index("地址")
    rows[1][address] = "改过的地址1号"
    xlsx_write(path, header, rows[1:])

    result = sheet_import("households", path, actor=None)

    assert (result.updated, result.created) == (1, 0)
    assert Household.objects.get(code=rows[1][code]).address == "改过的地址1号"


def test_a_household_moved_to_another_micro_grid_takes_its_residents(units, tmp_path):
    household = Household.objects.filter(
        unit=units["micro_grid"], residents__isnull=False
    ).first()
    target = units["other_micro_grid"]
    row = [household.code, household.address, target.code, None, 2]
    sheet = xlsx_write(tmp_path / "households.xlsx", HOUSEHOLD_HEADERS[:5], [row])

    result = sheet_import("households", sheet, actor=None)

    assert (result.updated, result.moved) == (1, 1)
    household.refresh_from_db()
    assert (household.unit, household.central_household) == (target, None)
    assert set(household.residents.values_list("micro_grid_id", flat=True)) == {
        target.pk
    }
    assert tree_problems() == []


def test_a_household_cannot_move_away_from_its_central_household(units, tmp_path):
    household = Household.objects.filter(central_household=units["central"]).first()
    sheet = xlsx_write(
        tmp_path / "households.xlsx",
        ["户编号", "地址", "微网格", "人口数"],  # 党员中心户 absent: the link stays
        [[household.code, household.address, units["other_micro_grid"].code, 2]],
    )
    with pytest.raises(SheetRejected) as rejected:
        sheet_import("households", sheet, actor=None)
    assert [p.code for p in rejected.value.problems] == ["invalid_central_household"]


@pytest.mark.parametrize("kind", ["residents", "places"])
def test_a_masked_export_is_refused_for_its_masked_numbers(district, tmp_path, kind):
    path = tmp_path / f"{kind}.xlsx"
    sheet_export(kind, path, actor=None)  # masked by default
    rows = xlsx_read(path)
    assert any("*" in str(cell) for row in rows[1:] for cell in row if cell)
    before = counts()

    with pytest.raises(SheetRejected) as rejected:
        sheet_import(kind, path, actor=None)

    assert counts() == before
    codes = {(p.column, p.code) for p in rejected.value.problems}
    personal = {"residents": {"电话", "身份证号"}, "places": {"联系电话"}}[kind]
    assert codes == {(column, "masked_value") for column in personal}
    assert all("*" in p.value for p in rejected.value.problems)


def test_residents_without_id_numbers_are_matched_by_household_and_name(
    units, tmp_path
):
    resident = Resident.objects.exclude(id_number="").first()
    stored_id = resident.id_number
    sheet = xlsx_write(
        tmp_path / "residents.xlsx",
        ["户编号", "姓名", "性别", "电话", "身份证号"],
        [[resident.household.code, resident.name, "女", "13900000000", None]],
    )
    before = counts()
    result = sheet_import("residents", sheet, actor=None)

    assert (result.updated, result.created) == (1, 0)
    assert counts() == before
    resident.refresh_from_db()
    assert (resident.gender, resident.phone) == ("female", "13900000000")
    assert resident.id_number == stored_id  # an empty cell never clears it


def test_dry_run_counts_and_writes_nothing(units, tmp_path):
    sheet = xlsx_write(
        tmp_path / "households.xlsx",
        ["户编号", "地址", "微网格", "人口数"],
        [["D1", "某路1号", units["micro_grid"].code, 2]],
    )
    before = counts()
    result = sheet_import("households", sheet, actor=None, dry_run=True)
    assert (result.created, result.dry_run) == (1, True)
    assert counts() == before


def test_the_export_carries_paths_codes_and_chinese_words(units, tmp_path):
    path = tmp_path / "places.xlsx"
    sheet_export("places", path, actor=None, unit=units["town"])
    rows = xlsx_read(path)
    assert rows[0] == [column.header for column in PLACES.columns]
    place = Place.objects.filter(town=units["town"]).order_by("code").first()
    first = dict(zip(rows[0], rows[1]))
    assert first["场所编号"] == place.code
    assert first["所属网格"] == place.unit.code
    assert first["路径"] == path_of(place.unit)
    assert first["类别"] == PLACE_CATEGORIES.word_of(place.category)
    assert len(rows) - 1 == Place.objects.filter(town=units["town"]).count()


def test_the_export_stores_its_size_so_reading_it_back_is_one_pass(units, tmp_path):
    path = tmp_path / "units.xlsx"
    written = sheet_export("units", path, actor=None, unit=units["town"])
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    last_column = chr(ord("A") + len(UNITS.columns) - 1)
    assert f'<dimension ref="A1:{last_column}{written + 1}"' in xml


# --- CSV, encodings and paths -------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_sheets_in_utf8_or_gb18030_import(units, tmp_path, encoding):
    micro_grid = units["micro_grid"]
    sheet = csv_write(
        tmp_path / "households.csv",
        HOUSEHOLD_HEADERS,
        [
            [
                "E1",
                "儒林镇五叶村1组1号",
                path_of(micro_grid),
                "",
                "2",
                "独居老人、低保户",
            ],
            ["E2", "直溪镇建春村2组", micro_grid.code, "", "1", ""],
        ],
        encoding=encoding,
    )
    result = sheet_import("households", sheet, actor=None)

    assert result.created == 2
    first = Household.objects.get(code="E1")
    assert (first.address, first.unit, first.tags) == (
        "儒林镇五叶村1组1号",
        micro_grid,
        ["elderly_alone", "low_income"],
    )


def test_a_gb18030_csv_reports_bad_rows_with_their_row_numbers(units, tmp_path):
    sheet = csv_write(
        tmp_path / "places.csv",
        PLACE_HEADERS,
        [
            ["F1", "好店", "小商店", "路1号", units["grid"].code, "", "", "", ""],
            [],  # an empty line keeps its row number, as in Excel
            ["F2", "坏店", "小商店", "路2号", "金坛区/不存在镇", "", "", "", ""],
        ],
        encoding="gb18030",
    )
    with pytest.raises(SheetRejected) as rejected:
        sheet_import("places", sheet, actor=None)
    assert problems_of(rejected.value) == {
        (4, "所属网格", "金坛区/不存在镇", "unknown_unit")
    }


def test_an_ambiguous_path_asks_for_the_code(units, tmp_path):
    micro_grid = units["micro_grid"]
    twin = OrgUnit.objects.filter(parent=micro_grid.parent).exclude(pk=micro_grid.pk)[0]
    sheet = xlsx_write(
        tmp_path / "units.xlsx",
        ["名称", "行政区划代码", "层级", "上级"],
        [[micro_grid.name, twin.code, "微网格", twin.parent.code]],
    )
    sheet_import("units", sheet, actor=None)  # the twin now has the same name
    households = xlsx_write(
        tmp_path / "households.xlsx",
        ["户编号", "地址", "微网格", "人口数"],
        [["G1", "某路", path_of(micro_grid), 1]],
    )
    with pytest.raises(SheetRejected) as rejected:
        sheet_import("households", households, actor=None)
    assert [p.code for p in rejected.value.problems] == ["ambiguous_path"]


# --- the commands --------------------------------------------------------------


def test_import_command_prints_the_counts(units, tmp_path):
    sheet = xlsx_write(
        tmp_path / "households.xlsx",
        ["户编号", "地址", "微网格", "人口数"],
        [["K1", "某路1号", units["micro_grid"].code, 2]],
    )
    out = io.StringIO()
    with translation.override("en"):
        call_command(
            "import_registry",
            "households",
            str(sheet),
            stdout=out,
            stderr=io.StringIO(),
        )
    assert "1 rows: 1 created, 0 updated" in out.getvalue()
    assert Household.objects.filter(code="K1").exists()


def test_import_command_fails_listing_every_bad_row(units, tmp_path):
    sheet = xlsx_write(
        tmp_path / "households.xlsx",
        ["户编号", "地址", "微网格", "人口数"],
        [
            ["K1", "某路1号", "nowhere", 2],
            ["K2", "某路2号", units["micro_grid"].code, 200],
        ],
    )
    before = counts()
    err = io.StringIO()
    with translation.override("en"), pytest.raises(CommandError) as failed:
        call_command(
            "import_registry",
            "households",
            str(sheet),
            stdout=io.StringIO(),
            stderr=err,
        )
    assert counts() == before
    assert "2 rows have problems" in str(failed.value)
    lines = [line for line in err.getvalue().splitlines() if line.startswith("Row ")]
    assert lines[0].startswith("Row 2, column 微网格, value “nowhere”: ")
    assert lines[1].startswith("Row 3, column 人口数, value “200”: ")


def test_import_command_dry_run_writes_nothing(units, tmp_path):
    sheet = xlsx_write(
        tmp_path / "households.xlsx",
        ["户编号", "地址", "微网格", "人口数"],
        [["K3", "某路3号", units["micro_grid"].code, 2]],
    )
    out = io.StringIO()
    with translation.override("en"):
        call_command(
            "import_registry",
            "households",
            str(sheet),
            "--dry-run",
            stdout=out,
            stderr=io.StringIO(),
        )
    assert "Dry run" in out.getvalue()
    assert not Household.objects.filter(code="K3").exists()


def test_export_command_writes_a_masked_sheet_of_one_unit(units, tmp_path):
    path = tmp_path / "residents.xlsx"
    out = io.StringIO()
    call_command(
        "export_registry",
        "residents",
        str(path),
        "--unit",
        units["town"].code,
        stdout=out,
        stderr=io.StringIO(),
    )
    rows = xlsx_read(path)
    assert rows[0] == [column.header for column in RESIDENTS.columns]
    assert len(rows) - 1 == Resident.objects.filter(town=units["town"]).count()
    phones = {row[rows[0].index("电话")] for row in rows[1:]}
    assert phones and all("****" in phone for phone in phones if phone)


def test_export_command_unmasked_writes_whole_numbers(units, tmp_path):
    path = tmp_path / "residents.xlsx"
    call_command(
        "export_registry",
        "residents",
        str(path),
        "--unit",
        units["micro_grid"].code,
        "--unmasked",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    rows = xlsx_read(path)
    stored = set(
        Resident.objects.filter(micro_grid=units["micro_grid"]).values_list(
            "phone", flat=True
        )
    )
    assert {row[rows[0].index("电话")] for row in rows[1:]} == stored


def test_export_command_refuses_an_unknown_unit(units, tmp_path):
    with pytest.raises(CommandError):
        call_command(
            "export_registry",
            "units",
            str(tmp_path / "u.xlsx"),
            "--unit",
            "nope",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
