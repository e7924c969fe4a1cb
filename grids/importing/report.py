"""What an import tells its caller: the counts, or every bad row.

A rejected sheet raises ``SheetRejected`` (a ``DomainError``) carrying one
``RowProblem`` per bad cell; nothing was written. ``lines()`` prints it in a
command, the admin page renders ``problems`` as a table.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jintan.errors import DomainError


@dataclass(frozen=True)
class RowProblem:
    """One bad cell (or a bad header, or the file itself when ``row`` is None).

    ``row`` is the row number Excel shows (the header is row 1); ``column`` the
    header as written in the file; ``value`` the cell as the user sees it;
    ``code`` is stable for programs, ``reason`` is for people.
    """

    row: int | None
    column: str
    value: str
    reason: str
    code: str

    def line(self) -> str:
        if self.row is None:
            return self.reason
        return _("Row %(row)d, column %(column)s, value “%(value)s”: %(reason)s") % {
            "row": self.row,
            "column": self.column or "—",
            "value": self.value,
            "reason": self.reason,
        }


class SheetRejected(DomainError):
    """The sheet had bad rows; nothing was written. ``problems`` lists them all."""

    status = 422
    default_code = "sheet_rejected"

    def __init__(self, problems: list[RowProblem]):
        self.problems = sorted(
            problems, key=lambda p: (p.row if p.row is not None else -1, p.column)
        )
        rows = {problem.row for problem in self.problems}
        message = ngettext(
            "The sheet was not imported: %(rows)d row has problems.",
            "The sheet was not imported: %(rows)d rows have problems.",
            len(rows),
        ) % {"rows": len(rows)}
        super().__init__(message)

    def lines(self) -> list[str]:
        return [problem.line() for problem in self.problems]


@dataclass
class ImportResult:
    """How many rows an import created, updated (or moved) and left as they were.

    With ``dry_run`` the counts are what a real import would do; nothing was
    written.
    """

    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    moved: int = 0
    dry_run: bool = False

    def summary(self) -> str:
        text = _(
            "%(rows)d rows: %(created)d created, %(updated)d updated "
            "(%(moved)d moved), %(unchanged)d unchanged."
        ) % {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "moved": self.moved,
            "unchanged": self.unchanged,
        }
        if self.dry_run:
            text = _("Dry run, nothing written. %(summary)s") % {"summary": text}
        return text
