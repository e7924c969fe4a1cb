"""The territory tree and what hangs on it.

One django-mptt tree of ``OrgUnit`` (district → town → village → grid →
micro-grid → party-member central household). Households, residents and places
are not tree nodes; they point at their unit and carry the ids of their
district, town, village, grid and micro-grid, so a count under any unit is one
indexed filter. Only ``grids.services`` writes tree fields.
"""
