"""A realistic demo district with Chinese names, deterministic for a seed.

``small`` is what ``make run`` loads; ``jintan`` is the real size of Jintan
District (14 towns, 300 villages, 581 grids, 2,686 micro-grids, 200,000
households, 20,000 places). Boundaries are rectangles that tile the district
exactly, so every point inside it locates to one grid.
"""

import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from .bulk import rows_insert
from .models import (
    ANCESTRY_FIELDS,
    CareTag,
    Gender,
    Household,
    HouseholdTag,
    Level,
    OrgUnit,
    Place,
    PlaceCategory,
    Post,
    Resident,
    Role,
    UnitKind,
)
from .personal_data import id_number_check_digit
from .services import ancestry_of, units_bulk_load

DISTRICT_CODE = "320413"
DISTRICT_NAME = "金坛区"
# Jintan's rough extent, longitude and latitude.
DISTRICT_BOUNDS = (119.25, 31.55, 119.75, 31.90)

TOWNS = [
    ("金城镇", UnitKind.URBAN_STREET),
    ("儒林镇", UnitKind.RURAL_TOWN),
    ("直溪镇", UnitKind.RURAL_TOWN),
    ("朱林镇", UnitKind.RURAL_TOWN),
    ("薛埠镇", UnitKind.RURAL_TOWN),
    ("指前镇", UnitKind.RURAL_TOWN),
    ("尧塘街道", UnitKind.URBAN_STREET),
    ("东城街道", UnitKind.URBAN_STREET),
    ("西城街道", UnitKind.URBAN_STREET),
    ("江东街道", UnitKind.URBAN_STREET),
    ("开发区街道", UnitKind.INDUSTRIAL_PARK),
    ("茅山街道", UnitKind.MIXED),
    ("长荡湖街道", UnitKind.MIXED),
    ("华城街道", UnitKind.URBAN_STREET),
]
VILLAGE_FIRST = "东西南北新河桥塘湖山林安和兴华丰汤庄前后上下大小金玉石"
VILLAGE_SECOND = "港圩墩桥村庄湾浜岗塘园里湖店溪田坝圩头"
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯"
    "邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华"
    "建国志红玉萍文斌浩宇欣怡子涵梓轩雨"
)
STREETS = ["人民路", "金沙大道", "东门大街", "南洲路", "华城路"]
STREETS += ["愚池路", "北环路", "西环路", "丹阳门路", "汇福路"]
PLACE_WORDS = {
    PlaceCategory.SMALL_SCHOOL: "幼儿园",
    PlaceCategory.SMALL_CLINIC: "诊所",
    PlaceCategory.SMALL_SHOP: "便利店",
    PlaceCategory.SMALL_RESTAURANT: "小吃店",
    PlaceCategory.SMALL_HOTEL: "旅馆",
    PlaceCategory.SMALL_ENTERTAINMENT: "棋牌室",
    PlaceCategory.SMALL_INTERNET_CAFE: "网吧",
    PlaceCategory.SMALL_BEAUTY_BATH: "美发店",
    PlaceCategory.SMALL_WORKSHOP: "加工坊",
    PlaceCategory.GAS_USER: "餐馆（燃气）",
    PlaceCategory.ENTERPRISE: "有限公司",
}


@dataclass(frozen=True)
class Scale:
    towns: int
    villages: int
    grids: int
    micro_grids: int
    households: int
    places: int
    households_per_central_household: int = 100


SCALES = {
    "small": Scale(
        towns=3, villages=6, grids=12, micro_grids=36, households=360, places=60
    ),
    "jintan": Scale(
        towns=14,
        villages=300,
        grids=581,
        micro_grids=2686,
        households=200_000,
        places=20_000,
    ),
}


def demo_loaded() -> bool:
    return OrgUnit.objects.filter(code=DISTRICT_CODE).exists()


def seed(scale: Scale, *, seed: int = 2024, progress=None) -> dict[str, int]:
    """Load the demo district; the caller checks ``demo_loaded()`` first."""
    rng = random.Random(seed)
    with transaction.atomic():
        units = _seed_units(scale, rng)
        counts = _seed_registry(scale, rng, units, progress)
    counts["units"] = sum(len(level_units) for level_units in units.values())
    return counts


def _split(bounds, n):
    """``n`` rectangles that tile ``bounds`` exactly (shared edges are equal)."""
    min_x, min_y, max_x, max_y = bounds
    rows = max(1, round(n**0.5))
    per_row = [n // rows + (1 if r < n % rows else 0) for r in range(rows)]

    def edge(lo, hi, i, parts):
        return hi if i == parts else lo + (hi - lo) * i / parts

    cells = []
    for r, cols in enumerate(per_row):
        y0, y1 = edge(min_y, max_y, r, rows), edge(min_y, max_y, r + 1, rows)
        for c in range(cols):
            x0, x1 = edge(min_x, max_x, c, cols), edge(min_x, max_x, c + 1, cols)
            cells.append((x0, y0, x1, y1))
    return cells


def _spread(total, parents):
    """How many children each of ``parents`` gets so that they add up to total."""
    base, extra = divmod(total, parents)
    return [base + (1 if i < extra else 0) for i in range(parents)]


def _polygon(bounds):
    x0, y0, x1, y1 = bounds
    return {
        "type": "Polygon",
        "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]],
    }


def _person_name(rng):
    given = rng.choice(GIVEN)
    if rng.random() < 0.6:
        given += rng.choice(GIVEN)
    return rng.choice(SURNAMES) + given


def _unit(parent, level, name, code, bounds=None, kind="", sort_order=0):
    unit = OrgUnit(
        parent=parent,
        level=level,
        name=name,
        code=code,
        kind=kind,
        sort_order=sort_order,
        **ancestry_of(parent),
    )
    if bounds is not None:
        unit.boundary = _polygon(bounds)
        unit.center_lng = (bounds[0] + bounds[2]) / 2
        unit.center_lat = (bounds[1] + bounds[3]) / 2
    unit._bounds = bounds
    return unit


def _seed_units(scale, rng):
    district = _unit(
        None, Level.DISTRICT, DISTRICT_NAME, DISTRICT_CODE, DISTRICT_BOUNDS
    )
    units = {Level.DISTRICT: [district]}
    units_bulk_load(units[Level.DISTRICT])
    towns = []
    for i, bounds in enumerate(_split(DISTRICT_BOUNDS, scale.towns)):
        name, kind = TOWNS[i % len(TOWNS)]
        code = f"{DISTRICT_CODE}{i + 1:03d}"
        towns.append(_unit(district, Level.TOWN, name, code, bounds, kind, i))
    units_bulk_load(towns)
    units[Level.TOWN] = towns

    villages = []
    used_names = set()
    for town, count in zip(towns, _spread(scale.villages, len(towns))):
        for j, bounds in enumerate(_split(town._bounds, count)):
            name = _village_name(rng, used_names, town.kind)
            code = f"{town.code}{j + 1:03d}"
            kind = (
                UnitKind.URBAN_COMMUNITY
                if town.kind == UnitKind.URBAN_STREET
                else UnitKind.RURAL_VILLAGE
            )
            villages.append(_unit(town, Level.VILLAGE, name, code, bounds, kind, j))
    units_bulk_load(villages)
    units[Level.VILLAGE] = villages

    grids = []
    for village, count in zip(villages, _spread(scale.grids, len(villages))):
        for k, bounds in enumerate(_split(village._bounds, count)):
            name = f"{village.name}第{k + 1}网格"
            grids.append(
                _unit(village, Level.GRID, name, f"{village.code}{k + 1:02d}", bounds)
            )
    units_bulk_load(grids)
    units[Level.GRID] = grids

    micro_grids = []
    for grid, count in zip(grids, _spread(scale.micro_grids, len(grids))):
        for m, bounds in enumerate(_split(grid._bounds, count)):
            name = f"{grid.name}第{m + 1}微网格"
            code = f"{grid.code}{m + 1:02d}"
            micro_grids.append(_unit(grid, Level.MICRO_GRID, name, code, bounds))
    units_bulk_load(micro_grids)
    units[Level.MICRO_GRID] = micro_grids

    central = []
    per_micro = _spread(
        max(1, scale.households // scale.households_per_central_household),
        len(micro_grids),
    )
    for micro_grid, count in zip(micro_grids, per_micro):
        for n in range(count):
            name = f"{_person_name(rng)}党员中心户"
            code = f"{micro_grid.code}{n + 1:02d}"
            central.append(_unit(micro_grid, Level.CENTRAL_HOUSEHOLD, name, code))
    units_bulk_load(central, rebuild=True)
    units[Level.CENTRAL_HOUSEHOLD] = central
    return units


def _village_name(rng, used, town_kind):
    suffix = "社区" if town_kind == UnitKind.URBAN_STREET else "村"
    while True:
        name = rng.choice(VILLAGE_FIRST) + rng.choice(VILLAGE_SECOND) + suffix
        if name not in used or len(used) > 500:
            used.add(name)
            return name


def _birth_id(rng, birth_year):
    first17 = (
        f"{DISTRICT_CODE}82"[:6]
        + f"{birth_year:04d}{_draw(rng, 1, 12):02d}{_draw(rng, 1, 28):02d}"
        + f"{_draw(rng, 0, 999):03d}"
    )
    return first17 + id_number_check_digit(first17)


HOUSEHOLD_FIELDS = (
    "code",
    "address",
    "unit",
    "central_household",
    "member_count",
    "tags",
    "created_at",
    "updated_at",
    *ANCESTRY_FIELDS,
)
RESIDENT_FIELDS = (
    "household",
    "name",
    "gender",
    "birth_year",
    "phone",
    "id_number",
    "tags",
    "created_at",
    "updated_at",
    *ANCESTRY_FIELDS,
)
PLACE_FIELDS = (
    "code",
    "name",
    "category",
    "address",
    "unit",
    "contact_name",
    "contact_phone",
    "lat",
    "lng",
    "created_at",
    "updated_at",
    *ANCESTRY_FIELDS,
)
BATCH = 5000
# Django's Choices.values is rebuilt on every access; these run millions of times.
GENDERS = Gender.values
HOUSEHOLD_TAGS = HouseholdTag.values
CARE_TAGS = CareTag.values


def _seed_registry(scale, rng, units, progress):
    micro_grids = units[Level.MICRO_GRID]
    central_by_micro = {}
    for ch in units[Level.CENTRAL_HOUSEHOLD]:
        central_by_micro.setdefault(ch.parent_id, []).append(ch.pk)
    names = {u.pk: u.name for u in units[Level.TOWN] + units[Level.VILLAGE]}
    now = timezone.now()
    counts = {"households": 0, "residents": 0, "places": 0}
    id_numbers = set()
    batch = []  # (household row, [resident rows without household id])

    def flush():
        rows_insert(Household, HOUSEHOLD_FIELDS, (row for row, _ in batch))
        ids = dict(
            Household.objects.filter(code__in=[row[0] for row, _ in batch]).values_list(
                "code", "id"
            )
        )
        counts["residents"] += rows_insert(
            Resident,
            RESIDENT_FIELDS,
            ((ids[row[0]], *person) for row, people in batch for person in people),
        )
        counts["households"] += len(batch)
        if progress:
            progress(len(batch))
        batch.clear()

    per_micro = _spread(scale.households, len(micro_grids))
    serial = 0
    for micro_grid, count in zip(micro_grids, per_micro):
        central = central_by_micro.get(micro_grid.pk, [None])
        ancestry = _ancestry_values(micro_grid)
        place = f"{names[micro_grid.town_id]}{names[micro_grid.village_id]}"
        for _n in range(count):
            serial += 1
            members = rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5))
            household = (
                f"H{serial:08d}",
                f"{place}{_draw(rng, 1, 30)}组{_draw(rng, 1, 200)}号",
                micro_grid.pk,
                rng.choice(central),
                members,
                _pick(rng, HOUSEHOLD_TAGS, 0.15),
                now,
                now,
                *ancestry,
            )
            people = [
                _resident(rng, id_numbers, now, ancestry)
                for _m in range(min(members, 3))
            ]
            batch.append((household, people))
            if len(batch) >= BATCH:
                flush()
    if batch:
        flush()

    counts["places"] = rows_insert(
        Place, PLACE_FIELDS, _places(scale, rng, micro_grids, now)
    )
    counts["grids"] = len(units[Level.GRID])
    return counts


def _resident(rng, id_numbers, now, ancestry):
    birth_year = _draw(rng, 1935, 2020)
    id_number = _birth_id(rng, birth_year)
    while id_number in id_numbers:
        id_number = _birth_id(rng, birth_year)
    id_numbers.add(id_number)
    return (
        _person_name(rng),
        rng.choice(GENDERS),
        birth_year,
        _mobile(rng),
        id_number,
        _pick(rng, CARE_TAGS, 0.1),
        now,
        now,
        *ancestry,
    )


def _places(scale, rng, micro_grids, now):
    categories = list(PlaceCategory)
    for i in range(scale.places):
        micro_grid = micro_grids[i % len(micro_grids)]
        x0, y0, x1, y1 = micro_grid._bounds
        category = rng.choice(categories)
        yield (
            f"P{i + 1:08d}",
            f"{rng.choice(SURNAMES)}记{PLACE_WORDS[category]}",
            category.value,
            f"{rng.choice(STREETS)}{_draw(rng, 1, 999)}号",
            micro_grid.pk,
            _person_name(rng),
            f"139{_draw(rng, 0, 10**8 - 1):08d}",
            rng.uniform(y0, y1),
            rng.uniform(x0, x1),
            now,
            now,
            *_ancestry_values(micro_grid),
        )


def _mobile(rng):
    return f"1{rng.choice('3456789')}{_draw(rng, 0, 10**9 - 1):09d}"


def _ancestry_values(micro_grid):
    return tuple(getattr(micro_grid, field) for field in ANCESTRY_FIELDS)


def _draw(rng, low, high):
    """``rng.randint(low, high)`` at a fraction of its cost (millions of calls)."""
    return low + int(rng.random() * (high - low + 1))


def _pick(rng, values, probability):
    """No tag with 1 - probability; otherwise one or two of ``values``."""
    if rng.random() >= probability:
        return []
    return sorted(set(rng.choices(values, k=1 + (rng.random() < 0.3))))


# username, full name, role, level of the unit (the first of that level)
DEMO_STAFF = [
    ("zhihui", "陈指挥", Role.COMMANDER, Level.DISTRICT),
    ("diaodu", "周调度", Role.DISPATCHER, Level.TOWN),
    ("wanggeyuan", "王网格", Role.GRID_WORKER, Level.GRID),
    ("fuhe", "吴复核", Role.REVIEWER, Level.TOWN),
]


def demo_staff_ensure(password: str) -> list[tuple[str, str, str]]:
    """Staff with posts on the demo district, to try each role; (user, pw, what)."""
    from accounts.models import User

    printed = []
    for username, full_name, role, level in DEMO_STAFF:
        unit = OrgUnit.objects.filter(level=level).order_by("code").first()
        if unit is None:
            continue
        user, created = User.objects.get_or_create(
            username=username, defaults={"full_name": full_name, "is_staff": True}
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        Post.objects.get_or_create(user=user, unit=unit, role=role)
        printed.append((username, password, f"{role.label} · {unit.name}"))
    return printed
