"""The four registry sheets (登记表) a district office keeps in Excel.

Each sheet is defined once — Chinese header, the field it fills, how a cell is
read and how a value is written — and both the importer (``grids.importing``)
and the exporter (``grids.exporting``) use the same definition, so a file the
platform writes is a file it can read back.
"""

from dataclasses import dataclass

from ..personal_data import mask_id_number, mask_phone
from .cells import (
    MASK_CHARACTER,
    PATH_SEPARATOR,
    Boundary,
    CellError,
    Choice,
    Code,
    Degrees,
    Integer,
    Labels,
    PersonalNumber,
    Text,
    UnitRef,
    cell_text,
)
from .words import (
    CARE_TAGS,
    GENDERS,
    HOUSEHOLD_TAGS,
    LEVELS,
    PLACE_CATEGORIES,
    UNIT_KINDS,
    Vocabulary,
)

__all__ = [
    "CARE_TAGS",
    "GENDERS",
    "HOUSEHOLDS",
    "HOUSEHOLD_TAGS",
    "LEVELS",
    "MASK_CHARACTER",
    "PATH_SEPARATOR",
    "PLACES",
    "PLACE_CATEGORIES",
    "RESIDENTS",
    "SHEETS",
    "UNITS",
    "UNIT_KINDS",
    "CellError",
    "Code",
    "Column",
    "Sheet",
    "Text",
    "Vocabulary",
    "cell_text",
]


@dataclass(frozen=True)
class Column:
    """One column: its header, the field it fills, how cells are read and written.

    ``required`` columns must be in the file; ``imported=False`` columns (路径)
    are written for people and ignored on the way in. ``source`` is the lookup
    the exporter reads (``unit__code``). ``personal`` columns are masked in an
    export unless it is explicitly unmasked.
    """

    header: str
    field: str
    cell: object
    source: str
    required: bool = False
    imported: bool = True
    personal: bool = False


@dataclass(frozen=True)
class Sheet:
    kind: str
    title: str
    columns: tuple[Column, ...]

    @property
    def imported_columns(self) -> dict[str, Column]:
        return {column.header: column for column in self.columns if column.imported}

    def header_of(self, field: str) -> str:
        for column in self.columns:
            if column.field == field:
                return column.header
        raise KeyError(field)


def _path(source: str) -> Column:
    return Column("路径", "path", Text(1000), source, imported=False)


def _phone(header: str, field: str) -> Column:
    return Column(
        header, field, PersonalNumber(20, mask=mask_phone), field, personal=True
    )


UNITS = Sheet(
    "units",
    "组织单元",
    (
        Column("名称", "name", Text(100, required=True), "name", required=True),
        Column("行政区划代码", "code", Code(), "code", required=True),
        Column("层级", "level", Choice(LEVELS, required=True), "level", required=True),
        Column("上级", "parent", UnitRef(), "parent__code", required=True),
        _path("id"),
        Column("类型", "kind", Choice(UNIT_KINDS), "kind"),
        Column("中心纬度", "center_lat", Degrees(90), "center_lat"),
        Column("中心经度", "center_lng", Degrees(180), "center_lng"),
        Column("排序", "sort_order", Integer(), "sort_order"),
        Column("边界", "boundary", Boundary(), "boundary"),
    ),
)
HOUSEHOLDS = Sheet(
    "households",
    "户",
    (
        Column("户编号", "code", Code(), "code", required=True),
        Column("地址", "address", Text(200, required=True), "address", required=True),
        Column("微网格", "unit", UnitRef(required=True), "unit__code", required=True),
        _path("unit_id"),
        Column("党员中心户", "central_household", UnitRef(), "central_household__code"),
        Column(
            "人口数",
            "member_count",
            Integer(required=True),
            "member_count",
            required=True,
        ),
        Column("标签", "tags", Labels(HOUSEHOLD_TAGS), "tags"),
    ),
)
RESIDENTS = Sheet(
    "residents",
    "居民",
    (
        Column(
            "户编号",
            "household",
            Text(32, required=True),
            "household__code",
            required=True,
        ),
        Column("姓名", "name", Text(50, required=True), "name", required=True),
        Column(
            "性别", "gender", Choice(GENDERS, required=True), "gender", required=True
        ),
        Column("出生年份", "birth_year", Integer(), "birth_year"),
        _phone("电话", "phone"),
        Column(
            "身份证号",
            "id_number",
            PersonalNumber(18, mask=mask_id_number, upper=True),
            "id_number",
            personal=True,
        ),
        Column("关爱群体", "tags", Labels(CARE_TAGS), "tags"),
    ),
)
PLACES = Sheet(
    "places",
    "场所",
    (
        Column("场所编号", "code", Code(), "code", required=True),
        Column("名称", "name", Text(100, required=True), "name", required=True),
        Column(
            "类别",
            "category",
            Choice(PLACE_CATEGORIES, required=True),
            "category",
            required=True,
        ),
        Column("地址", "address", Text(200, required=True), "address", required=True),
        Column("所属网格", "unit", UnitRef(required=True), "unit__code", required=True),
        _path("unit_id"),
        Column("联系人", "contact_name", Text(50), "contact_name"),
        _phone("联系电话", "contact_phone"),
        Column("纬度", "lat", Degrees(90), "lat"),
        Column("经度", "lng", Degrees(180), "lng"),
    ),
)

SHEETS = {sheet.kind: sheet for sheet in (UNITS, HOUSEHOLDS, RESIDENTS, PLACES)}
