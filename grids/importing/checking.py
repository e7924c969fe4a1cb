"""Checking a sheet before anything is written: headers, then every cell.

``SheetCheck`` reads the rows into plain values and collects one problem per
bad cell (the first found), so the report names each cell once, with the
row number and header the user sees in Excel.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from ..sheets import CellError, Sheet, cell_text
from .report import RowProblem

HEADER_ROW = 1
PROGRESS_EVERY = 2000


@dataclass(slots=True)
class ParsedRow:
    number: int
    values: dict
    cells: tuple


class SheetCheck:
    """The problems found so far in one sheet, and where its columns are."""

    def __init__(self, sheet: Sheet, headers: list[str]):
        self.sheet = sheet
        self.problems: list[RowProblem] = []
        self._flagged: set[tuple[int, str]] = set()
        self.bad_rows: set[int] = set()
        self.index: dict[str, int] = {}
        expected = sheet.imported_columns
        ignored = {column.header for column in sheet.columns if not column.imported}
        seen = set()
        for position, header in enumerate(headers):
            if not header or header in ignored:
                continue
            if header in seen:
                self._header_problem(
                    header, _("This column appears twice."), "duplicate_column"
                )
            elif header not in expected:
                self._header_problem(
                    header,
                    _("Unknown column; the %(sheet)s sheet has: %(headers)s")
                    % {"sheet": sheet.title, "headers": "、".join(expected)},
                    "unknown_column",
                )
            else:
                self.index[expected[header].field] = position
            seen.add(header)
        for header, column in expected.items():
            if column.required and header not in seen:
                self._header_problem(
                    header, _("This required column is missing."), "missing_column"
                )

    @property
    def present(self) -> set[str]:
        """The fields whose columns are in the file."""
        return set(self.index)

    def _header_problem(self, header: str, reason: str, code: str) -> None:
        self.problems.append(RowProblem(HEADER_ROW, header, header, reason, code))
        self.bad_rows.add(HEADER_ROW)

    def read(self, rows, *, progress=None, total=None) -> list[ParsedRow]:
        """Parse every row's cells; unreadable cells become problems."""
        columns = [
            (field, position, self.sheet_column(field).cell)
            for field, position in self.index.items()
        ]
        parsed = []
        for count, (number, cells) in enumerate(rows, start=1):
            values = {}
            width = len(cells)
            for field, position, cell in columns:
                raw = cells[position] if position < width else None
                try:
                    values[field] = cell.parse(raw)
                except CellError as error:
                    self.flag(number, field, raw, error.reason, error.code)
            parsed.append(ParsedRow(number, values, cells))
            if progress and count % PROGRESS_EVERY == 0:
                progress(_("Checking"), PROGRESS_EVERY, total)
        if progress:
            progress(_("Checking"), len(parsed) % PROGRESS_EVERY, total)
        return parsed

    def sheet_column(self, field: str):
        return next(c for c in self.sheet.columns if c.field == field and c.imported)

    def raw(self, row: ParsedRow, field: str) -> str:
        position = self.index.get(field)
        if position is None or position >= len(row.cells):
            return ""
        return cell_text(row.cells[position])

    def flag(self, number: int, field: str, raw, reason: str, code: str) -> None:
        """Record a problem in one cell, unless that cell already has one.

        Problems in columns the file lacks are dropped: the missing column is
        reported once, on the header row.
        """
        if field not in self.index or (number, field) in self._flagged:
            return
        self._flagged.add((number, field))
        self.bad_rows.add(number)
        self.problems.append(
            RowProblem(
                number, self.sheet.header_of(field), cell_text(raw), str(reason), code
            )
        )

    def flag_row(self, row: ParsedRow, field: str, error: CellError) -> None:
        self.flag(row.number, field, self.raw(row, field), error.reason, error.code)

    def flag_problems(
        self, row: ParsedRow, problems: dict, *, fallback: dict | None = None
    ) -> None:
        """Record what a ``grids.registry.*_problems`` check found in ``row``.

        A problem in a column the file lacks goes to the ``fallback`` column
        for that field when there is one (a kept link that no longer fits is
        reported where the change was made), else it is dropped.
        """
        for field, reasons in problems.items():
            column = field
            if field not in self.index and fallback and field in fallback:
                column = fallback[field]
            self.flag(
                row.number,
                column,
                self.raw(row, column),
                " ".join(str(reason) for reason in reasons),
                f"invalid_{field}",
            )

    def duplicates(self, rows, key, field: str, what: str) -> None:
        """Flag every row whose ``key`` an earlier row already has."""
        first: dict = {}
        for row in rows:
            value = key(row)
            if value in (None, ""):
                continue
            if value in first:
                self.flag_row(
                    row,
                    field,
                    CellError(
                        _("Duplicate %(what)s: row %(row)d has it already.")
                        % {"what": what, "row": first[value]},
                        code="duplicate_in_file",
                    ),
                )
            else:
                first[value] = row.number

    def has_problem(self, row: ParsedRow, field: str) -> bool:
        return (row.number, field) in self._flagged

    def row_is_bad(self, row: ParsedRow) -> bool:
        return row.number in self.bad_rows
