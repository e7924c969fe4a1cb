"""Looking up a unit a request names, within the caller's scope."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from jintan.errors import DomainError

from ..models import OrgUnit


def unit_in_scope(units: QuerySet[OrgUnit], unit_id, *, field: str = "unit"):
    """The unit ``unit_id`` among ``units`` (a queryset from ``grids.selectors``,
    already scoped), or a 400 naming ``field``: outside the scope reads as
    "no such unit", never as "not yours"."""
    unit = units.filter(pk=unit_id).first()
    if unit is None:
        raise DomainError(
            _("No such unit in your area."),
            code="invalid",
            fields={field: [_("No such unit in your area.")]},
        )
    return unit
