"""Writes to the territory tree and its registry.

Only these functions write tree fields. Every tree write takes one
transaction-scoped lock per tree first (``pg_advisory_xact_lock`` on
PostgreSQL; SQLite's IMMEDIATE transactions already serialise writers), then
re-reads the nodes it touches, so concurrent creates and moves cannot corrupt
``lft``/``rght``.
"""

import logging

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from jintan.errors import DomainError

from .geo import boundaries_changed, boundary_validate
from .models import ANCESTRY_LEVELS, Household, Level, OrgUnit, Place, Resident

logger = logging.getLogger(__name__)

# First key of the two-int advisory lock; the second is the tree id (0 for
# creating a new root, which allocates a new tree id).
TREE_LOCK_NAMESPACE = 0x6A74  # "jt"
REGISTRY_MODELS = (Household, Resident, Place)
# mptt rebuilds with bulk_update; small batches keep each CASE statement cheap.
REBUILD_BATCH = 200


def _lock_tree(tree_id: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [TREE_LOCK_NAMESPACE, tree_id]
            )


def level_check(level: Level, parent: OrgUnit | None) -> None:
    """Refuse a unit whose level is not exactly one below its parent's."""
    if parent is None:
        if level != Level.DISTRICT:
            raise DomainError(
                _("A %(level)s needs a parent unit; only a district has none.")
                % {"level": level.label},
                code="invalid_level",
                fields={"parent": [_("This field is required.")]},
            )
        return
    parent_level = Level(parent.level)
    if level.parent_level != parent_level:
        expected = level.parent_level
        raise DomainError(
            _(
                "A %(level)s cannot be placed under a %(parent_level)s "
                "(%(parent)s); it belongs under a %(expected)s."
            )
            % {
                "level": level.label,
                "parent_level": parent_level.label,
                "parent": parent.name,
                "expected": expected.label if expected else _("nothing"),
            },
            code="invalid_level",
            fields={"parent": [_("Wrong level for this unit.")]},
        )


def ancestry_of(parent: OrgUnit | None) -> dict[str, int | None]:
    """The ancestry ids a child of ``parent`` carries (its own level excluded)."""
    ancestry = {f"{lvl.value}_id": None for lvl in ANCESTRY_LEVELS}
    if parent is not None:
        for lvl in ANCESTRY_LEVELS:
            ancestry[f"{lvl.value}_id"] = getattr(parent, f"{lvl.value}_id")
    return ancestry


def unit_create(
    *,
    actor,
    parent: OrgUnit | None,
    name: str,
    code: str,
    level: str,
    kind: str = "",
    boundary: dict | None = None,
    center_lat: float | None = None,
    center_lng: float | None = None,
    sort_order: int = 0,
) -> OrgUnit:
    """Create a unit under ``parent``; the level must be exactly one below it.

    Locks the parent's tree, so concurrent creates leave an intact tree.
    """
    level = Level(level)
    if boundary is not None:
        boundary_validate(boundary)
    with transaction.atomic():
        _lock_tree(parent.tree_id if parent else 0)
        if parent is not None:
            parent = OrgUnit.objects.get(pk=parent.pk)
        level_check(level, parent)
        if OrgUnit.objects.filter(code=code).exists():
            raise DomainError(
                _("Administrative code %(code)s is already in use.") % {"code": code},
                code="duplicate_code",
                fields={"code": [_("Already in use.")]},
            )
        unit = OrgUnit(
            parent=parent,
            name=name,
            code=code,
            level=level,
            kind=kind,
            boundary=boundary,
            center_lat=center_lat,
            center_lng=center_lng,
            sort_order=sort_order,
            **ancestry_of(parent),
        )
        unit.save()
        if level in ANCESTRY_LEVELS:
            setattr(unit, f"{level.value}_id", unit.pk)
            OrgUnit.objects.filter(pk=unit.pk).update(**{f"{level.value}_id": unit.pk})
        if boundary is not None:
            transaction.on_commit(boundaries_changed)
    logger.info("unit created", extra={"unit": unit.pk, "actor": _actor_id(actor)})
    return unit


def units_bulk_load(units: list[OrgUnit], *, rebuild: bool = False) -> None:
    """Insert many new units at once, with tree updates delayed.

    Parents must be saved (or loaded in an earlier call). Tree fields are
    placeholders until one ``rebuild=True`` call (the last of a load) lets
    django-mptt recompute the whole tree once. Each unit's own-level ancestry
    id is set to itself, as ``unit_create`` does.
    """
    with transaction.atomic():
        _lock_tree(0)
        for unit in units:
            unit.lft = unit.rght = unit.tree_id = unit.depth = 0
        OrgUnit.objects.bulk_create(units, batch_size=2000)
        for level in {Level(unit.level) for unit in units} & set(ANCESTRY_LEVELS):
            field = f"{level.value}_id"
            for unit in units:
                if unit.level == level:
                    setattr(unit, field, unit.pk)
            OrgUnit.objects.filter(
                pk__in=[unit.pk for unit in units if unit.level == level]
            ).update(**{field: F("pk")})
        if rebuild:
            OrgUnit.objects.rebuild(batch_size=REBUILD_BATCH)
            transaction.on_commit(boundaries_changed)


def unit_update(*, actor, unit: OrgUnit, **changes) -> OrgUnit:
    """Change a unit's own fields (not its parent: see ``unit_move``)."""
    editable = {
        "name",
        "kind",
        "boundary",
        "center_lat",
        "center_lng",
        "sort_order",
        "is_active",
    }
    unknown = set(changes) - editable
    if unknown:
        raise DomainError(
            _("These fields cannot be changed here: %(fields)s")
            % {"fields": ", ".join(sorted(unknown))},
            code="not_editable",
        )
    if changes.get("boundary") is not None:
        boundary_validate(changes["boundary"])
    with transaction.atomic():
        _lock_tree(unit.tree_id)
        unit = OrgUnit.objects.get(pk=unit.pk)
        for field, value in changes.items():
            setattr(unit, field, value)
        # mptt re-sorts the node among its siblings when sort_order changes.
        unit.save()
        if "boundary" in changes or "is_active" in changes:
            transaction.on_commit(boundaries_changed)
    logger.info("unit updated", extra={"unit": unit.pk, "actor": _actor_id(actor)})
    return unit


def unit_move(*, actor, unit: OrgUnit, new_parent: OrgUnit) -> OrgUnit:
    """Move ``unit`` and its subtree under ``new_parent`` (e.g. a village merge).

    Keeps the ancestry ids of every unit, household, resident and place below
    the moved unit right, in one transaction under the tree lock.
    """
    with transaction.atomic():
        _lock_tree(unit.tree_id)
        if new_parent.tree_id != unit.tree_id:
            _lock_tree(new_parent.tree_id)
        unit = OrgUnit.objects.get(pk=unit.pk)
        new_parent = OrgUnit.objects.get(pk=new_parent.pk)
        level = Level(unit.level)
        level_check(level, new_parent)
        if unit.parent_id == new_parent.pk:
            return unit
        unit.parent = new_parent
        unit.save()
        ancestry = {
            field: value
            for field, value in ancestry_of(new_parent).items()
            if Level(field.removesuffix("_id")).rank < level.rank
        }
        below = (
            Q(**{f"{level.value}_id": unit.pk})
            if level in ANCESTRY_LEVELS
            else Q(pk=unit.pk)
        )
        OrgUnit.objects.filter(below).update(**ancestry)
        if level in ANCESTRY_LEVELS:
            for model in REGISTRY_MODELS:
                model.objects.filter(below).update(**ancestry)
        transaction.on_commit(boundaries_changed)
    logger.info(
        "unit moved",
        extra={"unit": unit.pk, "parent": new_parent.pk, "actor": _actor_id(actor)},
    )
    return OrgUnit.objects.get(pk=unit.pk)


def unit_deactivate(*, actor, unit: OrgUnit) -> int:
    """Deactivate ``unit`` and everything below it; returns how many units."""
    with transaction.atomic():
        _lock_tree(unit.tree_id)
        unit = OrgUnit.objects.get(pk=unit.pk)
        count = unit.get_descendants(include_self=True).update(is_active=False)
        transaction.on_commit(boundaries_changed)
    logger.info("unit deactivated", extra={"unit": unit.pk, "actor": _actor_id(actor)})
    return count


def unit_delete(*, actor, unit: OrgUnit) -> None:
    """Delete a unit with nothing hanging off it; otherwise refuse.

    A unit with children, households, residents or places is deactivated
    instead (``unit_deactivate``), so history that points at it stays whole.
    """
    with transaction.atomic():
        _lock_tree(unit.tree_id)
        unit = OrgUnit.objects.get(pk=unit.pk)
        hanging = unit_dependents(unit)
        if any(hanging.values()):
            raise DomainError(
                _(
                    "%(unit)s still has units, households or places under it; "
                    "deactivate it instead of deleting it."
                )
                % {"unit": unit.name},
                code="unit_in_use",
                status=409,
            )
        unit.delete()
        transaction.on_commit(boundaries_changed)
    logger.info("unit deleted", extra={"unit": unit.pk, "actor": _actor_id(actor)})


def unit_dependents(unit: OrgUnit) -> dict[str, int]:
    return {
        "children": unit.children.count(),
        "households": Household.objects.filter(
            Q(unit=unit) | Q(central_household=unit)
        ).count(),
        "places": Place.objects.filter(unit=unit).count(),
        "residents": Resident.objects.filter(micro_grid=unit).count(),
    }


def _actor_id(actor):
    return getattr(actor, "pk", None)
