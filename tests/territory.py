"""Fixtures of a small territory: tree, staff and registry rows, for every app."""

import itertools

import pytest

from accounts.models import User
from grids.models import Department, Level, Post, Role
from grids.personal_data import id_number_check_digit
from grids.registry import household_create, place_create, resident_create
from grids.services import unit_create

_serial = itertools.count(1)


def square(x0, y0, x1, y1):
    return {
        "type": "Polygon",
        "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]],
    }


@pytest.fixture
def tree(db):
    """A two-town district; each town one village, grid and micro-grid.

    Boundaries: T1's grid covers lng 119.0–119.5, T2's 119.5–120.0, lat 31–32;
    each grid's micro-grid covers its whole grid.
    """
    units = {}

    def add(key, parent, level, name, code, boundary=None):
        units[key] = unit_create(
            actor=None,
            parent=units.get(parent),
            level=level,
            name=name,
            code=code,
            boundary=boundary,
        )

    add("D", None, Level.DISTRICT, "金坛区", "320413")
    add("T1", "D", Level.TOWN, "儒林镇", "320413001")
    add("T2", "D", Level.TOWN, "直溪镇", "320413002")
    add("V1", "T1", Level.VILLAGE, "五叶村", "320413001001")
    add("V2", "T2", Level.VILLAGE, "建春村", "320413002001")
    add(
        "G1",
        "V1",
        Level.GRID,
        "五叶村第1网格",
        "32041300100101",
        square(119, 31, 119.5, 32),
    )
    add(
        "G2",
        "V2",
        Level.GRID,
        "建春村第1网格",
        "32041300200101",
        square(119.5, 31, 120, 32),
    )
    add(
        "M1",
        "G1",
        Level.MICRO_GRID,
        "第1微网格",
        "3204130010010101",
        square(119, 31, 119.5, 32),
    )
    add(
        "M2",
        "G2",
        Level.MICRO_GRID,
        "第1微网格",
        "3204130020010101",
        square(119.5, 31, 120, 32),
    )
    add("C1", "M1", Level.CENTRAL_HOUSEHOLD, "王伟党员中心户", "320413001001010101")
    # A sibling grid in the same village, without a boundary.
    add("G1b", "V1", Level.GRID, "五叶村第2网格", "32041300100102")
    add("M1b", "G1b", Level.MICRO_GRID, "第1微网格", "3204130010010201")
    for unit in units.values():
        unit.refresh_from_db()
    return units


@pytest.fixture
def make_user(db):
    """A user with one post: ``make_user(Role.GRID_WORKER, unit)``."""

    def make(role=None, unit=None, *, department=None, **fields):
        n = next(_serial)
        user = User.objects.create_user(
            username=fields.pop("username", f"user{n}"),
            password="pw-for-tests",
            full_name=fields.pop("full_name", f"测试用户{n}"),
            **fields,
        )
        if role is not None:
            if role == Role.DEPARTMENT_STAFF and department is None:
                department = Department.objects.create(
                    name=f"公安分局{n}",
                    code=f"D{n}",
                    kind="public_security",
                    territory=unit,
                )
            Post.objects.create(user=user, unit=unit, role=role, department=department)
        return user

    return make


def valid_id_number(n: int) -> str:
    first17 = f"320413198001{n:05d}"[:17]
    return first17 + id_number_check_digit(first17)


@pytest.fixture
def registry_rows(tree):
    """A household with a resident, and a place, under M1, M1b and M2."""
    rows = {}
    for i, key in enumerate(("M1", "M1b", "M2"), start=1):
        household = household_create(
            actor=None, code=f"H{key}", unit=tree[key], address=f"{tree[key].name}{i}号"
        )
        resident = resident_create(
            actor=None,
            household=household,
            name=f"居民{key}",
            gender="female",
            birth_year=1980,
            phone=f"1381234{i:04d}",
            id_number=valid_id_number(i),
        )
        place = place_create(
            actor=None,
            code=f"P{key}",
            unit=tree[key],
            name=f"小吃店{key}",
            category="small_restaurant",
            address="人民路1号",
            contact_phone=f"1391234{i:04d}",
        )
        rows[key] = {"household": household, "resident": resident, "place": place}
    return rows
