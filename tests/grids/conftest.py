import pytest

from grids.models import Level
from grids.services import unit_create


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
    for unit in units.values():
        unit.refresh_from_db()
    return units
