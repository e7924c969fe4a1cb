"""The Django admin for the territory tree and its registry.

Every save and delete goes through ``grids.services`` and ``grids.registry``;
phone and ID numbers are shown masked only.
"""

from .registry import HouseholdAdmin, PlaceAdmin, ResidentAdmin
from .units import OrgUnitAdmin

__all__ = ["HouseholdAdmin", "OrgUnitAdmin", "PlaceAdmin", "ResidentAdmin"]
