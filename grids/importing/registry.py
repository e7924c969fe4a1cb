"""Importing households and places: check every row, then write in bulk.

Rows are matched to the registry by their number (户编号, 场所编号), so
importing an exported sheet again updates rather than duplicates. Each row is
checked with the ``grids.registry.*_problems`` checks the services use, and
carries the ancestry ids of its unit. New rows go in with
``grids.bulk.rows_insert`` (COPY on PostgreSQL), changed rows with
``bulk_update``; unchanged rows are not written at all. Residents, matched
differently, are in ``residents``; they share ``RegistryPlan``.
"""

import math
import operator
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.utils import timezone
from django.utils.translation import gettext as _

from ..bulk import rows_insert
from ..models import ANCESTRY_FIELDS, Household, OrgUnit, Place, Resident
from ..registry import ancestry_ids, household_problems, place_problems
from ..sheets import CellError
from .checking import ParsedRow, SheetCheck
from .unit_refs import among, chunked, lookup_chunks, units_resolve

INSERT_BATCH = 10_000
# Degrees; 1e-9 is a tenth of a millimetre on the ground.
COORDINATE_TOLERANCE = 1e-9
UPDATE_BATCH = 1000


@dataclass
class RegistryPlan:
    """The rows an import will insert and update; ``write`` carries it out."""

    model: type
    fields: tuple[str, ...]
    inserts: list[tuple] = field(default_factory=list)
    updates: list = field(default_factory=list)
    unchanged: int = 0
    # Households that change micro-grid: their residents follow (unit pk → ids).
    moving: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    now: object = field(default_factory=timezone.now)

    def add(self, current: dict | None, new: dict) -> None:
        if current is None:
            self.inserts.append((*self._row(new), self.now, self.now))
        elif not all(same_value(current[name], new[name]) for name in self.fields):
            self.updates.append(
                self.model(pk=current["id"], updated_at=self.now, **new)
            )
            if "unit_id" in new and new["unit_id"] != current["unit_id"]:
                self.moving[new["unit_id"]].append(current["id"])
        else:
            self.unchanged += 1

    @cached_property
    def _row(self):
        return operator.itemgetter(*self.fields)

    @property
    def insert_fields(self) -> tuple[str, ...]:
        return (*self.fields, "created_at", "updated_at")

    @property
    def created(self) -> int:
        return len(self.inserts)

    @property
    def updated(self) -> int:
        return len(self.updates)

    @property
    def moved(self) -> int:
        return sum(len(ids) for ids in self.moving.values())

    def write(self, *, actor=None, progress=None) -> None:
        """Insert and update in batches; call inside ``transaction.atomic``.

        Rows are checked already; ``actor`` is taken for symmetry with the
        tree's plan (the registry services log nothing per actor yet).
        """
        total = len(self.inserts) + len(self.updates)
        for batch in chunked(self.inserts, INSERT_BATCH):
            rows_insert(self.model, self.insert_fields, batch)
            if progress:
                progress(_("Writing"), len(batch), total)
        for batch in chunked(self.updates, UPDATE_BATCH):
            self.model.objects.bulk_update(
                batch, [*self.fields, "updated_at"], batch_size=UPDATE_BATCH
            )
            if progress:
                progress(_("Writing"), len(batch), total)
        if self.model is Household and self.moving:
            units = OrgUnit.objects.in_bulk(list(self.moving))
            for unit_pk, household_ids in self.moving.items():
                for ids in chunked(household_ids):
                    Resident.objects.filter(household_id__in=ids).update(
                        **ancestry_ids(units[unit_pk])
                    )


def same_value(old, new) -> bool:
    """Equal, with floats equal to 1e-9 (an .xlsx keeps 16 significant digits)."""
    if isinstance(old, float) and isinstance(new, float):
        return math.isclose(old, new, rel_tol=0, abs_tol=COORDINATE_TOLERANCE)
    return old == new


def current_rows(model, key: str, values, fields: tuple[str, ...]) -> dict:
    """The registry's rows whose ``key`` is among ``values``, as dicts by key."""
    rows = {}
    for chunk in lookup_chunks(values):
        for row in model.objects.filter(**among(key, chunk)).values("id", *fields):
            rows[row[key]] = row
    return rows


def _unit(check: SheetCheck, row: ParsedRow, field: str, refs: dict):
    found = refs.get(row.values.get(field))
    if isinstance(found, CellError):
        check.flag_row(row, field, found)
        return None
    return found


class _Ancestries(dict):
    """Unit → the ancestry ids its rows carry, worked out once per unit."""

    def __missing__(self, unit: OrgUnit) -> dict:
        self[unit] = ancestry_ids(unit)
        return self[unit]


def row_value(row: ParsedRow, field: str, current: dict | None, default):
    """The row's value, else (column absent) the registry's, else ``default``."""
    if field in row.values:
        return row.values[field]
    return current[field] if current is not None else default


HOUSEHOLD_FIELDS = (
    "code",
    "address",
    "unit_id",
    "central_household_id",
    "member_count",
    "tags",
    *ANCESTRY_FIELDS,
)


def households_plan(check: SheetCheck, rows: list[ParsedRow]) -> RegistryPlan:
    check.duplicates(
        rows, lambda row: row.values.get("code"), "code", _("household number")
    )
    refs = units_resolve(
        row.values.get(name) for row in rows for name in ("unit", "central_household")
    )
    current = current_rows(
        Household, "code", (row.values.get("code") for row in rows), HOUSEHOLD_FIELDS
    )
    kept = {}
    if "central_household" not in check.present:
        kept = OrgUnit.objects.defer("boundary").in_bulk(
            {row["central_household_id"] for row in current.values()} - {None}
        )
    plan = RegistryPlan(Household, HOUSEHOLD_FIELDS)
    ancestries = _Ancestries()
    for row in rows:
        old = current.get(row.values.get("code"))
        unit = _unit(check, row, "unit", refs)
        if "central_household" in check.present:
            central = _unit(check, row, "central_household", refs)
        else:
            central = kept.get(old["central_household_id"]) if old else None
        values = {
            "address": row_value(row, "address", old, ""),
            "member_count": row_value(row, "member_count", old, 1),
            "tags": row_value(row, "tags", old, []),
        }
        check.flag_problems(
            row,
            household_problems(unit=unit, central_household=central, **values),
            fallback={"central_household": "unit"},
        )
        if check.row_is_bad(row):
            continue
        plan.add(
            old,
            {
                "code": row.values["code"],
                "unit_id": unit.pk,
                "central_household_id": central.pk if central else None,
                **values,
                **ancestries[unit],
            },
        )
    return plan


PLACE_FIELDS = (
    "code",
    "name",
    "category",
    "address",
    "unit_id",
    "contact_name",
    "contact_phone",
    "lat",
    "lng",
    *ANCESTRY_FIELDS,
)


def places_plan(check: SheetCheck, rows: list[ParsedRow]) -> RegistryPlan:
    check.duplicates(
        rows, lambda row: row.values.get("code"), "code", _("place number")
    )
    refs = units_resolve(row.values.get("unit") for row in rows)
    current = current_rows(
        Place, "code", (row.values.get("code") for row in rows), PLACE_FIELDS
    )
    plan = RegistryPlan(Place, PLACE_FIELDS)
    ancestries = _Ancestries()
    for row in rows:
        old = current.get(row.values.get("code"))
        unit = _unit(check, row, "unit", refs)
        values = {
            name: row_value(row, name, old, default)
            for name, default in (
                ("name", ""),
                ("category", ""),
                ("address", ""),
                ("contact_name", ""),
                ("contact_phone", ""),
                ("lat", None),
                ("lng", None),
            )
        }
        problems = place_problems(
            unit=unit, **{k: v for k, v in values.items() if k != "contact_name"}
        )
        check.flag_problems(row, problems)
        if check.row_is_bad(row):
            continue
        plan.add(
            old,
            {
                "code": row.values["code"],
                "unit_id": unit.pk,
                **values,
                **ancestries[unit],
            },
        )
    return plan
