"""The tree's services: level rules, ancestry, moves, concurrency, retiring units."""

import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections

from grids.integrity import tree_problems
from grids.models import Household, Level, OrgUnit, Place, Resident
from grids.personal_data import id_number_check_digit
from grids.registry import household_create, place_create, resident_create
from grids.services import (
    unit_create,
    unit_deactivate,
    unit_delete,
    unit_move,
    unit_update,
)
from jintan.errors import DomainError


def valid_id(first17="32041319900101001"):
    return first17 + id_number_check_digit(first17)


def registry_on(micro_grid, code="H1", id_number=None):
    household = household_create(
        actor=None, code=code, unit=micro_grid, address="儒林镇五叶村3组12号"
    )
    resident = resident_create(
        actor=None,
        household=household,
        name="王秀英",
        gender="female",
        birth_year=1990,
        phone="13812341234",
        id_number=id_number or valid_id(),
    )
    place = place_create(
        actor=None,
        code=f"P-{code}",
        unit=micro_grid,
        name="王记小吃店",
        category="small_restaurant",
        address="人民路1号",
    )
    return household, resident, place


@pytest.mark.parametrize(
    ("parent", "level"),
    [
        ("D", Level.VILLAGE),
        ("T1", Level.GRID),
        ("V1", Level.TOWN),
        ("G1", Level.CENTRAL_HOUSEHOLD),
        ("M1", Level.MICRO_GRID),
    ],
)
def test_a_unit_must_be_exactly_one_level_below_its_parent(tree, parent, level):
    with pytest.raises(DomainError) as error:
        unit_create(
            actor=None, parent=tree[parent], level=level, name="某单元", code="X1"
        )
    assert error.value.code == "invalid_level"
    message = error.value.message
    assert str(level.label) in message
    assert str(Level(tree[parent].level).label) in message
    assert not OrgUnit.objects.filter(code="X1").exists()


def test_only_a_district_has_no_parent(tree):
    with pytest.raises(DomainError) as error:
        unit_create(actor=None, parent=None, level=Level.TOWN, name="孤镇", code="X2")
    assert error.value.code == "invalid_level"
    with pytest.raises(DomainError):
        unit_create(
            actor=None, parent=tree["D"], level=Level.DISTRICT, name="区", code="X3"
        )


def test_codes_are_unique(tree):
    with pytest.raises(DomainError) as error:
        unit_create(
            actor=None,
            parent=tree["D"],
            level=Level.TOWN,
            name="重码",
            code="320413001",
        )
    assert error.value.code == "duplicate_code"


def test_units_carry_their_ancestry(tree):
    m1 = tree["M1"]
    assert (
        m1.district_id,
        m1.town_id,
        m1.village_id,
        m1.grid_id,
        m1.micro_grid_id,
    ) == (
        tree["D"].pk,
        tree["T1"].pk,
        tree["V1"].pk,
        tree["G1"].pk,
        m1.pk,
    )
    village = tree["V1"]
    assert village.village_id == village.pk
    assert village.grid_id is None
    assert tree["C1"].micro_grid_id == m1.pk
    assert tree_problems() == []


def test_moving_a_village_moves_everything_below_it(tree):
    household, resident, place = registry_on(tree["M1"])
    before = set(tree["V1"].get_descendants().values_list("pk", flat=True))

    moved = unit_move(actor=None, unit=tree["V1"], new_parent=tree["T2"])

    assert moved.parent_id == tree["T2"].pk
    assert set(moved.get_descendants().values_list("pk", flat=True)) == before
    for unit in moved.get_descendants(include_self=True):
        assert unit.town_id == tree["T2"].pk
        assert unit.village_id == moved.pk
    for row in (household, resident, place):
        row.refresh_from_db()
        assert row.town_id == tree["T2"].pk
        assert row.village_id == moved.pk
        assert row.grid_id == tree["G1"].pk
    assert Household.objects.filter(town=tree["T1"]).count() == 0
    assert Household.objects.filter(town=tree["T2"]).count() == 1
    assert tree_problems() == []


def test_moving_a_grid_updates_village_and_town_below_it(tree):
    household, resident, _ = registry_on(tree["M1"])
    unit_move(actor=None, unit=tree["G1"], new_parent=tree["V2"])
    resident.refresh_from_db()
    assert (resident.town_id, resident.village_id, resident.grid_id) == (
        tree["T2"].pk,
        tree["V2"].pk,
        tree["G1"].pk,
    )
    assert tree_problems() == []


def test_a_move_to_the_wrong_level_is_refused_and_changes_nothing(tree):
    with pytest.raises(DomainError) as error:
        unit_move(actor=None, unit=tree["V1"], new_parent=tree["G2"])
    assert error.value.code == "invalid_level"
    tree["V1"].refresh_from_db()
    assert tree["V1"].parent_id == tree["T1"].pk
    assert tree_problems() == []


def test_a_unit_with_anything_below_it_is_deactivated_not_deleted(tree):
    registry_on(tree["M1"])
    with pytest.raises(DomainError) as error:
        unit_delete(actor=None, unit=tree["M1"])
    assert error.value.code == "unit_in_use"
    assert error.value.status == 409
    assert OrgUnit.objects.filter(pk=tree["M1"].pk).exists()

    count = unit_deactivate(actor=None, unit=tree["V1"])
    # The village, its two grids, their micro-grids and one central household.
    assert count == 6
    assert not OrgUnit.objects.filter(village=tree["V1"], is_active=True).exists()
    assert OrgUnit.objects.get(pk=tree["V2"].pk).is_active


def test_an_empty_unit_can_be_deleted(tree):
    unit_delete(actor=None, unit=tree["C1"])
    assert not OrgUnit.objects.filter(pk=tree["C1"].pk).exists()
    village = unit_create(
        actor=None, parent=tree["T1"], level=Level.VILLAGE, name="空村", code="E1"
    )
    unit_delete(actor=None, unit=village)
    assert not OrgUnit.objects.filter(code="E1").exists()
    assert tree_problems() == []


def test_update_changes_own_fields_only(tree):
    unit = unit_update(actor=None, unit=tree["T1"], name="儒林镇（新）", sort_order=9)
    assert unit.name == "儒林镇（新）"
    with pytest.raises(DomainError) as error:
        unit_update(actor=None, unit=tree["T1"], parent=tree["D"])
    assert error.value.code == "not_editable"
    assert tree_problems() == []


def test_integrity_check_reports_broken_nodes_and_rows(tree):
    registry_on(tree["M1"])
    assert tree_problems() == []
    call_command("check_tree", stdout=StringIO())

    # Corrupt on purpose, as a buggy writer would.
    Household.objects.update(town_id=tree["T2"].pk)
    OrgUnit.objects.filter(pk=tree["G2"].pk).update(rght=1)
    problems = tree_problems()
    assert any("Household rows carry ancestry" in p for p in problems)
    assert any(tree["G2"].code in p for p in problems)
    with pytest.raises(CommandError, match="problem"):
        call_command("check_tree", stdout=StringIO(), stderr=StringIO())


def test_registry_rows_take_their_units_ancestry(tree):
    household, resident, place = registry_on(tree["M2"])
    for row in (household, resident, place):
        assert row.town_id == tree["T2"].pk
        assert row.micro_grid_id == tree["M2"].pk
    assert Resident.objects.filter(village=tree["V2"]).count() == 1
    assert Place.objects.filter(grid=tree["G2"]).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_and_moves_leave_an_intact_tree(tree):
    assert connection.vendor == "postgresql"
    errors = []
    barrier = threading.Barrier(9)

    def create(n):
        try:
            barrier.wait()
            unit_create(
                actor=None,
                parent=tree["T1" if n % 2 else "T2"],
                level=Level.VILLAGE,
                name=f"并发村{n}",
                code=f"C{n:03d}",
            )
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    def move():
        try:
            barrier.wait()
            unit_move(actor=None, unit=tree["V1"], new_parent=tree["T2"])
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(n,)) for n in range(8)]
    threads.append(threading.Thread(target=move))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert OrgUnit.objects.filter(code__startswith="C0").count() == 8
    assert OrgUnit.objects.get(pk=tree["V1"].pk).parent_id == tree["T2"].pk
    assert tree_problems() == []
