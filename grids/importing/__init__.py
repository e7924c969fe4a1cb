"""Importing the registry from the sheets a district office keeps (see ``sheets``).

``sheet_import`` checks the whole file first; if any row is bad it writes
nothing and raises ``SheetRejected`` listing every bad cell. Otherwise it
writes everything in one transaction, matching rows to the registry by their
natural key so that importing an exported sheet again updates, not doubles.
"""

import gc
from contextlib import contextmanager

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from jintan.errors import Conflict

from ..sheets import SHEETS
from .checking import SheetCheck
from .reading import sheet_open
from .registry import households_plan, places_plan
from .report import ImportResult, RowProblem, SheetRejected
from .residents import residents_plan
from .units import units_plan

__all__ = ["ImportResult", "RowProblem", "SheetRejected", "sheet_import"]

PLANNERS = {
    "units": units_plan,
    "households": households_plan,
    "residents": residents_plan,
    "places": places_plan,
}


def sheet_import(
    kind: str, source, *, actor, dry_run: bool = False, progress=None
) -> ImportResult:
    """Import one sheet of ``kind`` (units, households, residents or places).

    ``source`` is a path or a binary file object (.xlsx or .csv). All or
    nothing: any bad row raises ``SheetRejected`` and nothing is written; a
    concurrent change that breaks a unique key while writing raises
    ``Conflict`` and nothing is written either. ``dry_run`` checks and counts
    without writing. ``progress(stage, advance, total)`` is called as rows are
    checked and written.
    """
    with _collector_paused():
        return _import(kind, source, actor=actor, dry_run=dry_run, progress=progress)


def _import(kind, source, *, actor, dry_run, progress) -> ImportResult:
    with sheet_open(source) as file:
        check = SheetCheck(SHEETS[kind], file.headers)
        rows = check.read(file.rows, progress=progress, total=file.total)
    with transaction.atomic():
        plan = PLANNERS[kind](check, rows)
        if check.problems:
            raise SheetRejected(check.problems)
        result = ImportResult(
            kind=kind,
            rows=len(rows),
            created=plan.created,
            updated=plan.updated,
            unchanged=plan.unchanged,
            moved=plan.moved,
            dry_run=dry_run,
        )
        if not dry_run:
            try:
                with _constraints_checked_at_once(), transaction.atomic():
                    plan.write(actor=actor, progress=progress)
            except IntegrityError as exc:
                raise Conflict(
                    _(
                        "The registry changed while the sheet was imported; "
                        "nothing was written. Import it again."
                    )
                ) from exc
    return result


@contextmanager
def _constraints_checked_at_once():
    """Check foreign keys as rows go in, not in one queue at commit.

    Django's foreign keys are DEFERRABLE INITIALLY DEFERRED on PostgreSQL; a
    bulk insert would queue a million checks for the commit (slower, and the
    error would surface outside this module). Afterwards they are deferred
    again, as Django created them.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@contextmanager
def _collector_paused():
    """Pause Python's cycle collector while a sheet is imported.

    Reading allocates millions of small objects that all stay alive, so each
    collection scans the growing heap for nothing: pausing it saves about a
    seventh of the reading time of a 200,000-row sheet. Cycles made meanwhile
    are collected when it resumes.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
