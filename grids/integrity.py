"""Checks that the tree and the denormalised ancestry are intact.

Reads every unit once and checks in memory: nested-set bounds, depths, tree
ids, the level rule, and each unit's ancestry ids; then one query per registry
table counts rows whose ancestry disagrees with their unit's.
"""

from collections import defaultdict

from django.db.models import Q
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact

from .models import ANCESTRY_LEVELS, Household, Level, OrgUnit, Place, Resident


def tree_problems() -> list[str]:
    """Every broken node or row, described; an empty list means intact."""
    fields = ["id", "code", "parent_id", "level", "lft", "rght", "tree_id", "depth"]
    fields += [f"{lvl.value}_id" for lvl in ANCESTRY_LEVELS]
    units = {row["id"]: row for row in OrgUnit.objects.values(*fields)}
    children = defaultdict(list)
    problems = []
    for unit in units.values():
        children[unit["parent_id"]].append(unit)
    for unit in units.values():
        problems += _node_problems(unit, units.get(unit["parent_id"]), children)
    problems += _registry_problems()
    return problems


def _node_problems(unit, parent, children) -> list[str]:
    name = f"unit {unit['code']} (id {unit['id']})"
    problems = []
    if unit["lft"] >= unit["rght"]:
        problems.append(f"{name}: lft {unit['lft']} is not below rght {unit['rght']}")
    kids = children[unit["id"]]
    size = sum((kid["rght"] - kid["lft"] + 1) for kid in kids)
    if unit["rght"] - unit["lft"] - 1 != size:
        problems.append(f"{name}: its bounds do not enclose exactly its children")
    spans = sorted((kid["lft"], kid["rght"]) for kid in kids)
    for (_, right), (left, _) in zip(spans, spans[1:]):
        if left != right + 1:
            problems.append(f"{name}: children overlap or leave a gap at {right}")
    level = Level(unit["level"])
    expected = dict.fromkeys(f"{lvl.value}_id" for lvl in ANCESTRY_LEVELS)
    if parent is None:
        if level != Level.DISTRICT or unit["depth"] != 0:
            problems.append(f"{name}: a root must be a district at depth 0")
    else:
        if level.parent_level != Level(parent["level"]):
            problems.append(
                f"{name}: a {level.value} under a {parent['level']} {parent['code']}"
            )
        if unit["depth"] != parent["depth"] + 1 or unit["tree_id"] != parent["tree_id"]:
            problems.append(f"{name}: depth or tree id disagrees with its parent")
        if not parent["lft"] < unit["lft"] < unit["rght"] < parent["rght"]:
            problems.append(f"{name}: outside its parent's bounds")
        expected.update({key: parent[key] for key in expected})
    if level in ANCESTRY_LEVELS:
        expected[f"{level.value}_id"] = unit["id"]
    for key, value in expected.items():
        if unit[key] != value:
            problems.append(f"{name}: {key} is {unit[key]}, expected {value}")
    return problems


def _registry_problems() -> list[str]:
    problems = []
    for model, unit_path in (
        (Household, "unit"),
        (Resident, "household__unit"),
        (Place, "unit"),
    ):
        mismatch = Q()
        for lvl in ANCESTRY_LEVELS:
            own = f"{lvl.value}_id"
            # Coalesce: two nulls agree, a null and an id do not.
            mismatch |= ~Q(Exact(Coalesce(own, 0), Coalesce(f"{unit_path}__{own}", 0)))
        count = model.objects.filter(mismatch).count()
        if count:
            problems.append(
                f"{count} {model.__name__} rows carry ancestry ids "
                "that disagree with their unit's"
            )
    return problems
