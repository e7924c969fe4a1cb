"""Writing small sheet files for the import tests, as an office would."""

import csv
import io
from pathlib import Path

import openpyxl

from grids import demo
from grids.models import Household, OrgUnit, Place, Resident


def xlsx_write(path: Path, headers, rows) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def csv_write(path: Path, headers, rows, encoding="utf-8-sig") -> Path:
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(headers)
    writer.writerows(["" if cell is None else cell for cell in row] for row in rows)
    path.write_bytes(text.getvalue().encode(encoding))
    return path


def xlsx_read(source) -> list[list]:
    """Every row of the first sheet (header included) as lists of values."""
    workbook = openpyxl.load_workbook(source, read_only=True)
    try:
        return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


def counts() -> dict[str, int]:
    return {
        "units": OrgUnit.objects.count(),
        "households": Household.objects.count(),
        "residents": Resident.objects.count(),
        "places": Place.objects.count(),
    }


def small_district():
    """The small demo district: 61 units, 360 households, about 700 residents."""
    demo.seed(demo.SCALES["small"])
    return OrgUnit.objects.get(code=demo.DISTRICT_CODE)
