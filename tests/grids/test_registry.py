"""Households, residents and places: checked on the way in, ancestry kept right."""

import pytest

from grids.models import Household
from grids.personal_data import (
    id_number_check_digit,
    id_number_is_valid,
    mask_id_number,
    mask_phone,
    phone_is_valid,
)
from grids.registry import (
    household_create,
    household_update,
    place_create,
    resident_create,
    resident_update,
)
from jintan.errors import DomainError


def valid_id(first17="32041319850612123"):
    return first17 + id_number_check_digit(first17)


def test_masks_keep_only_what_identifies_nobody():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_id_number("32041319850612123X") == "320413********123X"
    assert mask_phone("123") == "***"


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("13812341234", True),
        ("0519-82812345", True),
        ("12812341234", False),
        ("138", False),
    ],
)
def test_phone_numbers(value, valid):
    assert phone_is_valid(value) is valid


def test_id_numbers_check_their_checksum():
    good = valid_id()
    assert id_number_is_valid(good)
    assert id_number_is_valid(good.lower())
    wrong_digit = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert not id_number_is_valid(wrong_digit)
    assert not id_number_is_valid("3204131985061212")


def test_a_household_needs_a_micro_grid(tree):
    with pytest.raises(DomainError) as error:
        household_create(actor=None, code="H9", unit=tree["G1"], address="某路1号")
    assert "unit" in error.value.fields
    assert not Household.objects.exists()


def test_a_household_links_only_to_its_micro_grids_central_household(tree):
    household = household_create(
        actor=None,
        code="H1",
        unit=tree["M1"],
        address="五叶村3组1号",
        central_household=tree["C1"],
        tags=["elderly_alone"],
    )
    assert household.central_household == tree["C1"]
    with pytest.raises(DomainError) as error:
        household_create(
            actor=None,
            code="H2",
            unit=tree["M2"],
            address="建春村1组1号",
            central_household=tree["C1"],
        )
    assert "central_household" in error.value.fields


def test_bad_resident_fields_are_all_reported_at_once(tree):
    household = household_create(
        actor=None, code="H1", unit=tree["M1"], address="某路1号"
    )
    with pytest.raises(DomainError) as error:
        resident_create(
            actor=None,
            household=household,
            name=" ",
            gender="unknown",
            birth_year=1800,
            phone="12345",
            id_number="320413198506121230",
            tags=["nonsense"],
        )
    assert set(error.value.fields) == {
        "name",
        "gender",
        "birth_year",
        "phone",
        "id_number",
        "tags",
    }
    assert not household.residents.exists()


def test_one_id_number_one_resident(tree):
    household = household_create(
        actor=None, code="H1", unit=tree["M1"], address="某路1号"
    )
    first = resident_create(
        actor=None,
        household=household,
        name="张三",
        gender="male",
        id_number=valid_id(),
    )
    with pytest.raises(DomainError) as error:
        resident_create(
            actor=None,
            household=household,
            name="张三",
            gender="male",
            id_number=valid_id(),
        )
    assert "id_number" in error.value.fields
    other = resident_create(
        actor=None, household=household, name="张小三", gender="male"
    )
    with pytest.raises(DomainError):
        resident_update(actor=None, resident=other, id_number=first.id_number)


def test_moving_a_household_moves_its_residents(tree):
    household = household_create(
        actor=None, code="H1", unit=tree["M1"], address="某路1号"
    )
    resident = resident_create(
        actor=None, household=household, name="李四", gender="male"
    )
    household_update(actor=None, household=household, unit=tree["M2"])
    resident.refresh_from_db()
    household.refresh_from_db()
    assert household.town_id == tree["T2"].pk
    assert (resident.town_id, resident.micro_grid_id) == (tree["T2"].pk, tree["M2"].pk)


def test_places_sit_on_grids_or_micro_grids_with_sane_coordinates(tree):
    place = place_create(
        actor=None,
        code="P1",
        unit=tree["G2"],
        name="建春幼儿园",
        category="small_school",
        address="建春村委会旁",
        lat=31.5,
        lng=119.7,
    )
    assert (place.grid_id, place.micro_grid_id) == (tree["G2"].pk, None)
    with pytest.raises(DomainError) as error:
        place_create(
            actor=None,
            code="P2",
            unit=tree["V1"],
            name="某店",
            category="casino",
            address="某路",
            lat=95,
            lng=119,
        )
    assert {"unit", "category", "lat"} <= set(error.value.fields)
