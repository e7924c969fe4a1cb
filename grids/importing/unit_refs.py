"""Finding the units a sheet names, by code (320413001) or by path (金坛区/儒林镇).

A path is the names from the district down, joined by "/". Codes are looked up
in one query per few thousand; paths only when a sheet uses them, from one
read of every unit's name and parent.
"""

from collections.abc import Iterable

from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from ..models import OrgUnit
from ..sheets import PATH_SEPARATOR, CellError

LOOKUP_CHUNK = 5000
# On PostgreSQL a chunk is one array parameter, so it can be much larger.
ARRAY_CHUNK = 50_000


def chunked(values: Iterable, size: int = LOOKUP_CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def lookup_chunks(values: Iterable):
    """``values`` (no empties, no repeats) in chunks fit for ``among``."""
    values = {value for value in values if value not in (None, "")}
    if connection.vendor == "postgresql":
        return chunked(values, ARRAY_CHUNK)
    return chunked(values)


def among(field: str, values: list) -> dict:
    """Filter arguments: ``field`` is one of ``values``.

    On PostgreSQL the values travel as one array parameter: building and
    planning an IN list of thousands of placeholders costs more than the
    lookup itself.
    """
    if connection.vendor == "postgresql" and values:
        array = "bigint[]" if isinstance(values[0], int) else "text[]"
        return {f"{field}__in": RawSQL(f"SELECT unnest(%s::{array})", [values])}
    return {f"{field}__in": values}


def unit_paths() -> dict[int, str]:
    """Every unit's id → its path (names from its district down, joined by "/")."""
    parent_of, name_of = {}, {}
    for pk, parent_id, name in OrgUnit.objects.values_list("id", "parent_id", "name"):
        parent_of[pk], name_of[pk] = parent_id, name
    paths: dict[int, str] = {}
    for pk in parent_of:
        chain = []
        node = pk
        while node is not None and node not in paths and len(chain) <= len(parent_of):
            chain.append(node)
            node = parent_of.get(node)
        prefix = paths.get(node, "") if node is not None else ""
        for step in reversed(chain):
            prefix = (
                f"{prefix}{PATH_SEPARATOR}{name_of[step]}" if prefix else name_of[step]
            )
            paths[step] = prefix
    return paths


def path_index(paths: dict) -> dict[str, list]:
    """Path → the ids (or keys) that have it; more than one means ambiguous."""
    index: dict[str, list] = {}
    for key, path in paths.items():
        index.setdefault(path, []).append(key)
    return index


def unknown_unit(ref: str) -> CellError:
    if PATH_SEPARATOR in ref:
        return CellError(
            _("No unit has the path %(ref)s.") % {"ref": ref}, code="unknown_unit"
        )
    return CellError(
        _("No unit has the code or name %(ref)s.") % {"ref": ref}, code="unknown_unit"
    )


def ambiguous_path(ref: str) -> CellError:
    return CellError(
        _("Several units have the path %(ref)s; give the unit's code instead.")
        % {"ref": ref},
        code="ambiguous_path",
    )


def units_resolve(refs: Iterable[str]) -> dict[str, OrgUnit | CellError]:
    """Each reference → its unit (boundary not loaded), or why it names none."""
    refs = {ref for ref in refs if ref}
    found: dict[str, OrgUnit | CellError] = {}
    by_code = {}
    for chunk in lookup_chunks(ref for ref in refs if PATH_SEPARATOR not in ref):
        for unit in OrgUnit.objects.filter(**among("code", chunk)).defer("boundary"):
            by_code[unit.code] = unit
    by_path = [ref for ref in refs if ref not in by_code]
    wanted: dict[str, int] = {}
    if by_path:
        index = path_index(unit_paths())
        for ref in by_path:
            ids = index.get(ref, [])
            if len(ids) == 1:
                wanted[ref] = ids[0]
            else:
                found[ref] = ambiguous_path(ref) if ids else unknown_unit(ref)
    by_id = OrgUnit.objects.defer("boundary").in_bulk(set(wanted.values()))
    found.update(by_code)
    found.update({ref: by_id[pk] for ref, pk in wanted.items()})
    return found
