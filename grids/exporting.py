"""Exporting the registry to .xlsx, in the sheets the importer reads back.

Rows stream from the database in chunks into an openpyxl write-only workbook,
so a 500,000-resident export holds only a chunk in memory. Phone and ID
numbers are masked unless the caller asks otherwise; an unmasked export is
logged with who asked for it.
"""

import logging

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .importing.unit_refs import unit_paths
from .models import ANCESTRY_LEVELS, Household, Level, OrgUnit, Place, Resident
from .selectors import (
    households_visible_to,
    places_visible_to,
    residents_visible_to,
    units_visible_to,
)
from .sheets import SHEETS, Code, Column, Sheet, Text

logger = logging.getLogger(__name__)

EXPORT_CHUNK = 5000
PROGRESS_EVERY = 2000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet_export(
    kind: str,
    destination,
    *,
    actor,
    unit: OrgUnit | None = None,
    viewer=None,
    unmasked: bool = False,
    progress=None,
) -> int:
    """Write the ``kind`` sheet of ``unit``'s subtree (all by default) as .xlsx.

    ``viewer``, when given, limits the rows to those the user may see (the
    ``grids.selectors`` scope). ``destination`` is a path or a binary file
    object. Returns how many rows were written. Phone and ID numbers are
    masked unless ``unmasked``; a masked sheet re-imports except for those
    columns, which the importer refuses as masked values.
    """
    sheet = SHEETS[kind]
    rows = sheet_rows(kind, unit, viewer=viewer)
    has_path = any(column.field == "path" for column in sheet.columns)
    paths = unit_paths() if has_path else {}
    sources = [column.source for column in sheet.columns]
    values = rows.values_list(*sources).iterator(chunk_size=EXPORT_CHUNK)
    cells = (
        [
            _cell(column, value, paths, unmasked)
            for column, value in zip(sheet.columns, row)
        ]
        for row in values
    )
    written = sheet_write(
        sheet, destination, cells, total=rows.count(), progress=progress
    )
    if unmasked:
        logger.warning(
            "registry exported unmasked",
            extra={
                "kind": kind,
                "unit": getattr(unit, "pk", None),
                "rows": written,
                "actor": getattr(actor, "pk", None),
            },
        )
    return written


def sheet_write(sheet: Sheet, destination, rows, *, total: int, progress=None) -> int:
    """Write ``rows`` (lists of cell values, in column order) under the headers.

    ``total`` is how many rows there will be, stored as the sheet's size.
    Returns how many rows were written.
    """
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet.title)
    _layout(worksheet, sheet, total)
    header = []
    for column in sheet.columns:
        cell = WriteOnlyCell(worksheet, value=column.header)
        cell.font = Font(bold=True)
        header.append(cell)
    worksheet.append(header)
    written = 0
    for row in rows:
        worksheet.append(row)
        written += 1
        if progress and written % PROGRESS_EVERY == 0:
            progress(_("Writing"), PROGRESS_EVERY, total)
    if progress:
        progress(_("Writing"), written % PROGRESS_EVERY, total)
    workbook.save(destination)
    return written


def sheet_rows(kind: str, unit: OrgUnit | None = None, *, viewer=None) -> QuerySet:
    """The rows of the ``kind`` sheet under ``unit`` (all when None), in sheet
    order; only those ``viewer`` may see when a viewer is given."""
    model, visible, order = {
        "units": (OrgUnit, units_visible_to, ("tree_id", "lft")),
        "households": (Household, households_visible_to, ("code",)),
        "residents": (Resident, residents_visible_to, ("household__code", "id")),
        "places": (Place, places_visible_to, ("code",)),
    }[kind]
    rows = model.objects.all() if viewer is None else visible(viewer)
    if unit is not None:
        level = Level(unit.level)
        if model is OrgUnit:
            rows = rows.filter(
                tree_id=unit.tree_id, lft__gte=unit.lft, rght__lte=unit.rght
            )
        elif level in ANCESTRY_LEVELS:
            rows = rows.filter(**{f"{level.value}_id": unit.pk})
        elif model is Household:
            rows = rows.filter(central_household=unit)
        elif model is Resident:
            rows = rows.filter(household__central_household=unit)
        else:
            rows = rows.none()
    return rows.order_by(*order)


def _cell(column: Column, value, paths: dict, unmasked: bool):
    if column.field == "path":
        return paths.get(value)
    if column.personal and value and not unmasked:
        return column.cell.mask(value)
    return column.cell.format(value)


def _width(column: Column) -> int:
    if isinstance(column.cell, Code):
        return 20
    if isinstance(column.cell, Text):
        return min(max(12, column.cell.max_length // 4), 48)
    return 12


def _layout(worksheet, sheet: Sheet, total: int) -> None:
    for position, column in enumerate(sheet.columns, start=1):
        worksheet.column_dimensions[get_column_letter(position)].width = _width(column)
    worksheet.freeze_panes = "A2"
    # Write-only sheets leave out the sheet's size, and openpyxl's reader then
    # parses a whole sheet once more just to find it (10 s for 200,000 rows).
    # The writer takes the size from this method when the sheet has one.
    last = get_column_letter(len(sheet.columns))
    worksheet.calculate_dimension = lambda: f"A1:{last}{total + 1}"
