"""What each role may do: the one table the API, admin and pages all read.

Which lifecycle steps of a ticket each role may take is the other half of
this table, kept beside the steps in ``workorders.lifecycle``.

A user's permissions on an object are the union of the permissions of the
posts whose subtree holds the object. Superusers may do everything everywhere.
"""

from enum import StrEnum

from .models import Role


class Perm(StrEnum):
    VIEW_UNITS = "view_units"
    MANAGE_UNITS = "manage_units"
    VIEW_REGISTRY = "view_registry"
    EDIT_REGISTRY = "edit_registry"
    VIEW_PERSONAL_DATA = "view_personal_data"
    IMPORT_REGISTRY = "import_registry"
    VIEW_WORKORDERS = "view_workorders"
    REPORT_WORKORDERS = "report_workorders"


_READ = {Perm.VIEW_UNITS, Perm.VIEW_REGISTRY, Perm.VIEW_WORKORDERS}
_FIELD = {Perm.EDIT_REGISTRY, Perm.REPORT_WORKORDERS}

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.COMMANDER: frozenset(_READ | {Perm.VIEW_PERSONAL_DATA}),
    Role.DISPATCHER: frozenset(_READ),
    Role.CADRE: frozenset(_READ | _FIELD | {Perm.VIEW_PERSONAL_DATA}),
    Role.GRID_WORKER: frozenset(_READ | _FIELD | {Perm.VIEW_PERSONAL_DATA}),
    # Part-timers (volunteer party members) keep the registry current but
    # never need whole ID numbers.
    Role.PART_TIME_GRID_WORKER: frozenset(_READ | _FIELD),
    Role.DEPARTMENT_STAFF: frozenset(_READ | {Perm.REPORT_WORKORDERS}),
    Role.REVIEWER: frozenset(_READ),
    Role.ADMINISTRATOR: frozenset(Perm),
}

ALL_PERMS = frozenset(Perm)
