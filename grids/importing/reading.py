"""Reading a sheet file: ``.xlsx`` (openpyxl, read-only) or ``.csv``.

CSV files may be UTF-8 (with or without BOM), GB18030 (Excel on a Chinese
Windows saves "CSV" in the ANSI code page) or UTF-16 ("Unicode text"). The
format is told from the file's first bytes, not its name, so an upload named
wrongly still reads.
"""

import csv
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from django.utils.translation import gettext as _
from openpyxl.utils.exceptions import InvalidFileException

from .report import RowProblem, SheetRejected

XLSX_MAGIC = b"PK\x03\x04"
# The old binary .xls (and other OLE2 files) start with this.
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
CSV_DELIMITERS = (",", "\t", ";")


@dataclass
class SheetFile:
    """The header row and the non-empty data rows, numbered as Excel shows them."""

    headers: list[str]
    rows: Iterator[tuple[int, tuple]]
    total: int | None


def header_text(cell) -> str:
    """A header as meant: no whitespace, no required-column star (名称*)."""
    text = "".join(str(cell or "").split()).lstrip("\ufeff")
    return text.rstrip("*＊")


def _unreadable(reason: str) -> SheetRejected:
    return SheetRejected([RowProblem(None, "", "", reason, "unreadable_file")])


@contextmanager
def sheet_open(source) -> Iterator[SheetFile]:
    """Open ``source`` (a path or a binary file object) and read its first sheet.

    Raises ``SheetRejected`` when the file is no spreadsheet or has no header.
    """
    if isinstance(source, str | Path):
        with open(source, "rb") as handle, sheet_open(handle) as sheet:
            yield sheet
        return
    source.seek(0)
    start = source.read(4)
    source.seek(0)
    if start == XLSX_MAGIC:
        with _xlsx_open(source) as sheet:
            yield sheet
    elif start == XLS_MAGIC:
        raise _unreadable(
            _("Old-style .xls files cannot be read; save the file as .xlsx.")
        )
    else:
        yield _csv_read(source.read())


@contextmanager
def _xlsx_open(source) -> Iterator[SheetFile]:
    try:
        workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise _unreadable(
            _("The file is not a readable .xlsx workbook: %(error)s") % {"error": exc}
        ) from exc
    try:
        worksheet = workbook.worksheets[0]
        max_row = worksheet.max_row
        total = max_row - 1 if max_row and max_row > 1 else None
        # The stored size is only a hint (some writers store "A1"); trusting it
        # would silently drop rows, so read to the end of the sheet data.
        worksheet.reset_dimensions()
        rows = worksheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None or not any(header_text(cell) for cell in header):
            raise _unreadable(_("The first row must hold the column headers."))
        yield SheetFile([header_text(cell) for cell in header], _numbered(rows), total)
    finally:
        workbook.close()


def _numbered(rows) -> Iterator[tuple[int, tuple]]:
    for number, cells in enumerate(rows, start=2):
        if any(cell is not None and cell != "" for cell in cells):
            yield number, cells


def _csv_read(data: bytes) -> SheetFile:
    text = None
    encodings = ("utf-16",) if data[:2] in UTF16_BOMS else ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None or "\x00" in text:
        raise _unreadable(
            _("The file is neither .xlsx nor a UTF-8 or GB18030 encoded .csv.")
        )
    first_line = text.split("\n", 1)[0]
    delimiter = max(CSV_DELIMITERS, key=first_line.count)
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not records or not any(header_text(cell) for cell in records[0]):
        raise _unreadable(_("The first row must hold the column headers."))
    headers = [header_text(cell) for cell in records[0]]
    rows = _numbered(tuple(record) for record in records[1:])
    return SheetFile(headers, rows, len(records) - 1)
