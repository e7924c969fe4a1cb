"""Importing the territory tree: new units in bulk, changes through the services.

A row's parent may be a unit already in the tree or another row of the same
sheet, named by code or by path. New units are loaded level by level with
``grids.services.units_bulk_load`` (the tree is rebuilt once, at the end);
then existing units that changed go through ``unit_update`` and, when their
parent changed, ``unit_move`` — top level first, so each move sees its new
parent's final ancestry.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from jintan.errors import DomainError

from ..models import Level, OrgUnit
from ..services import (
    ancestry_of,
    level_check,
    unit_move,
    unit_update,
    units_bulk_load,
)
from ..sheets import PATH_SEPARATOR, CellError
from .checking import ParsedRow, SheetCheck
from .registry import same_value
from .unit_refs import (
    ambiguous_path,
    among,
    lookup_chunks,
    path_index,
    unit_paths,
)

PLAIN_FIELDS = ("name", "kind", "center_lat", "center_lng", "sort_order", "boundary")
DEFAULTS = {
    "kind": "",
    "center_lat": None,
    "center_lng": None,
    "sort_order": 0,
    "boundary": None,
}


@dataclass
class UnitChange:
    unit: OrgUnit
    changes: dict
    parent_code: str | None  # set when the unit moves


@dataclass
class UnitPlan:
    """New units by level, and changes to existing units, in tree order."""

    new: dict[Level, list[tuple[str | None, dict]]] = field(default_factory=dict)
    changes: list[UnitChange] = field(default_factory=list)
    unchanged: int = 0
    known: dict[str, OrgUnit] = field(default_factory=dict)

    @property
    def created(self) -> int:
        return sum(len(rows) for rows in self.new.values())

    @property
    def updated(self) -> int:
        return len(self.changes)

    @property
    def moved(self) -> int:
        return sum(1 for change in self.changes if change.parent_code is not None)

    def write(self, *, actor, progress=None) -> None:
        """Carry out the plan; call inside ``transaction.atomic``."""
        units = dict(self.known)
        levels = sorted(self.new, key=lambda level: level.rank)
        total = self.created + len(self.changes)
        for position, level in enumerate(levels):
            batch = []
            for parent_code, values in self.new[level]:
                parent = units[parent_code] if parent_code else None
                unit = OrgUnit(parent=parent, level=level, **values)
                for name, value in ancestry_of(parent).items():
                    setattr(unit, name, value)
                batch.append(unit)
                units[unit.code] = unit
            units_bulk_load(batch, rebuild=position == len(levels) - 1)
            if progress:
                progress(_("Writing"), len(batch), total)
        for change in sorted(self.changes, key=lambda c: Level(c.unit.level).rank):
            if change.changes:
                unit_update(actor=actor, unit=change.unit, **change.changes)
            if change.parent_code is not None:
                unit_move(
                    actor=actor,
                    unit=change.unit,
                    new_parent=units[change.parent_code],
                )
            if progress:
                progress(_("Writing"), 1, total)


def units_plan(check: SheetCheck, rows: list[ParsedRow]) -> UnitPlan:
    check.duplicates(
        rows, lambda row: row.values.get("code"), "code", _("administrative code")
    )
    in_file: dict[str, ParsedRow] = {}
    for row in rows:
        in_file.setdefault(row.values.get("code"), row)
    in_file.pop(None, None)
    refs = {row.values.get("parent") for row in rows} - {None, ""}
    codes = set(in_file) | {ref for ref in refs if PATH_SEPARATOR not in ref}
    known = _units_by_code(codes)
    parents = _parents_resolve(check, rows, in_file, known)
    known.update(_units_by_code(set(parents.values()) - set(known) - {None}))

    plan = UnitPlan(known=known)
    for row in rows:
        code = row.values.get("code")
        if in_file.get(code) is not row or "level" not in row.values:
            continue
        level = Level(row.values["level"])
        existing = known.get(code)
        if existing is not None and existing.level != level:
            check.flag_row(
                row,
                "level",
                CellError(
                    _(
                        "%(unit)s is a %(level)s in the registry; a unit's level "
                        "cannot change."
                    )
                    % {"unit": existing.name, "level": Level(existing.level).label},
                    code="level_changed",
                ),
            )
        _coordinates_check(check, row)
        if code not in parents:
            continue  # the parent was not found; that is flagged already
        _level_check(check, row, level, parents[code], in_file, known)
        if check.row_is_bad(row):
            continue
        _plan_row(plan, row, existing, parents[code])
    return plan


def _coordinates_check(check: SheetCheck, row: ParsedRow) -> None:
    fields = ("center_lat", "center_lng")
    if any(check.has_problem(row, name) for name in fields):
        return
    lat, lng = (row.values.get(name) for name in fields)
    if (lat is None) != (lng is None):
        # Flag the empty cell, or the filled one when the other column is absent.
        empty, filled = fields if lat is None else reversed(fields)
        check.flag_row(
            row,
            empty if empty in check.present else filled,
            CellError(
                _("Give both latitude and longitude, or neither."),
                code="bad_coordinates",
            ),
        )


def _plan_row(plan: UnitPlan, row: ParsedRow, existing, parent_code) -> None:
    values = row.values
    if existing is None:
        fields = {name: values.get(name, DEFAULTS.get(name)) for name in PLAIN_FIELDS}
        plan.new.setdefault(Level(values["level"]), []).append(
            (parent_code, {"code": values["code"], **fields})
        )
        return
    changes = {
        name: values[name]
        for name in PLAIN_FIELDS
        if name in values and not same_value(getattr(existing, name), values[name])
    }
    parent = plan.known.get(parent_code)
    moves = parent_code is not None and (
        parent is None or parent.pk != existing.parent_id
    )
    if changes or moves:
        plan.changes.append(
            UnitChange(existing, changes, parent_code if moves else None)
        )
    else:
        plan.unchanged += 1


def _units_by_code(codes) -> dict[str, OrgUnit]:
    units = {}
    for chunk in lookup_chunks(codes):
        units.update(
            {unit.code: unit for unit in OrgUnit.objects.filter(**among("code", chunk))}
        )
    return units


def _parents_resolve(check, rows, in_file, known) -> dict[str, str | None]:
    """Each row's code → its parent's code (None for a district); flags the rest.

    A parent named by code is a row of the sheet or a unit of the tree. A path
    is matched against the tree's paths as the sheet will leave them: the rows'
    own paths (built from their parents) replace those of the units they update.
    """
    parents: dict[str, str | None] = {}
    pending = []
    for code, row in in_file.items():
        ref = row.values.get("parent")
        if "parent" not in row.values:
            continue
        if not ref:
            parents[code] = None
        elif PATH_SEPARATOR not in ref and (ref in in_file or ref in known):
            parents[code] = ref
        else:
            pending.append((code, row, ref))
    if not pending:
        return parents

    tree_paths = unit_paths()
    code_of = dict(OrgUnit.objects.values_list("id", "code"))
    paths = {code_of[pk]: path for pk, path in tree_paths.items()}
    while pending:
        for code in in_file:
            _row_path(code, in_file, parents, paths, set())
        index = path_index(paths)
        resolved = [
            (code, index[ref][0])
            for code, _row, ref in pending
            if len(index.get(ref, ())) == 1
        ]
        if not resolved:
            break
        parents.update(resolved)
        done = {code for code, _parent in resolved}
        pending = [item for item in pending if item[0] not in done]
    index = path_index(paths)
    for _code, row, ref in pending:
        if len(index.get(ref, ())) > 1:
            check.flag_row(row, "parent", ambiguous_path(ref))
        else:
            check.flag_row(
                row,
                "parent",
                CellError(
                    _("Unknown parent %(ref)s: no unit in the tree or the sheet.")
                    % {"ref": ref},
                    code="unknown_parent",
                ),
            )
    return parents


def _row_path(code, in_file, parents, paths, seen) -> str | None:
    """The path a sheet row's unit will have, once its parent is known."""
    row = in_file.get(code)
    if row is None or code in seen:
        return paths.get(code) if row is None else None
    if code not in parents:
        return None
    seen.add(code)
    parent = parents[code]
    prefix = "" if parent is None else _row_path(parent, in_file, parents, paths, seen)
    if prefix is None:
        return None
    name = row.values.get("name", "")
    paths[code] = f"{prefix}{PATH_SEPARATOR}{name}" if prefix else name
    return paths[code]


def _level_check(check, row, level, parent_code, in_file, known) -> None:
    if parent_code is None:
        parent = None
    elif parent_code in in_file:
        values = in_file[parent_code].values
        if "level" not in values:
            return
        parent = OrgUnit(name=values.get("name", parent_code), level=values["level"])
    else:
        parent = known[parent_code]
    try:
        level_check(level, parent)
    except DomainError as error:
        check.flag_row(row, "parent", CellError(error.message, code=error.code))
