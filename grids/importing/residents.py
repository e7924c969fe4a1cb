"""Importing residents: matched by ID number, else by household number and name.

Residents copy their household's ancestry ids. A resident's natural key is
their ID number; one without it is the person of that name in that household.
"""

from collections import defaultdict

from django.utils.translation import gettext as _

from ..models import ANCESTRY_FIELDS, Household, Resident
from ..registry import resident_problems
from ..sheets import CellError
from .checking import ParsedRow, SheetCheck
from .registry import RegistryPlan, current_rows, row_value
from .unit_refs import among, lookup_chunks

RESIDENT_FIELDS = (
    "household_id",
    "name",
    "gender",
    "birth_year",
    "phone",
    "id_number",
    "tags",
    *ANCESTRY_FIELDS,
)


def residents_plan(check: SheetCheck, rows: list[ParsedRow]) -> RegistryPlan:
    """Match each row to a resident by ID number, else by household and name.

    A row without an ID number never clears one the registry holds: an ID
    number identifies the person, and a sheet that leaves it out is not
    saying it is wrong.
    """
    check.duplicates(
        rows, lambda row: row.values.get("id_number"), "id_number", _("ID number")
    )
    check.duplicates(
        rows,
        lambda row: (
            None
            if row.values.get("id_number")
            else (row.values.get("household"), row.values.get("name"))
        ),
        "name",
        _("household number and name (give ID numbers to tell them apart)"),
    )
    households = {}
    for chunk in lookup_chunks(row.values.get("household") for row in rows):
        for code, pk, *ancestry in Household.objects.filter(
            **among("code", chunk)
        ).values_list("code", "id", *ANCESTRY_FIELDS):
            households[code] = {
                "household_id": pk,
                **dict(zip(ANCESTRY_FIELDS, ancestry)),
            }
    by_id = current_rows(
        Resident,
        "id_number",
        (row.values.get("id_number") for row in rows),
        RESIDENT_FIELDS,
    )
    by_home = defaultdict(list)
    homes = {
        households[row.values["household"]]["household_id"]
        for row in rows
        if row.values.get("household") in households
        and row.values.get("id_number") not in by_id
    }
    for chunk in lookup_chunks(homes):
        for resident in Resident.objects.filter(**among("household_id", chunk)).values(
            "id", *RESIDENT_FIELDS
        ):
            by_home[resident["household_id"], resident["name"]].append(resident)

    plan = RegistryPlan(Resident, RESIDENT_FIELDS)
    matched: dict[int, int] = {}
    for row in rows:
        household = households.get(row.values.get("household"))
        if household is None and "household" in row.values:
            check.flag_row(
                row,
                "household",
                CellError(
                    _("No household has the number %(code)s; import it first.")
                    % {"code": row.values["household"]},
                    code="unknown_household",
                ),
            )
        old = _resident_match(check, row, household, by_id, by_home)
        if old is not None:
            if old["id"] in matched:
                check.flag_row(
                    row,
                    "name",
                    CellError(
                        _("Row %(row)d already updates this resident.")
                        % {"row": matched[old["id"]]},
                        code="duplicate_in_file",
                    ),
                )
            matched.setdefault(old["id"], row.number)
        values = {
            name: row_value(row, name, old, default)
            for name, default in (
                ("name", ""),
                ("gender", ""),
                ("birth_year", None),
                ("phone", ""),
                ("id_number", ""),
                ("tags", []),
            )
        }
        if not values["id_number"] and old is not None:
            values["id_number"] = old["id_number"]
        check.flag_problems(row, resident_problems(**values))
        if check.row_is_bad(row) or household is None:
            continue
        plan.add(old, {**values, **household})
    return plan


def _resident_match(check, row, household, by_id, by_home) -> dict | None:
    id_number = row.values.get("id_number")
    if id_number and id_number in by_id:
        return by_id[id_number]
    if household is None:
        return None
    candidates = by_home.get((household["household_id"], row.values.get("name")), [])
    if id_number:
        candidates = [c for c in candidates if not c["id_number"]]
    if len(candidates) > 1:
        check.flag_row(
            row,
            "name",
            CellError(
                _(
                    "Several residents of this household have this name; "
                    "give their ID numbers to tell them apart."
                ),
                code="ambiguous_resident",
            ),
        )
        return None
    return candidates[0] if candidates else None
