"""Reads of the tree and registry, scoped to a user. Scope is decided here only.

A user sees the subtrees under the units of their active posts whose role
grants the permission asked for; superusers see everything; a user with no
post sees nothing. Registry rows are filtered on their ancestry ids
(``town_id = 7``), units on their nested-set bounds, both one indexed lookup
per post. Every API view, admin page and export starts from these functions.
"""

from functools import reduce
from operator import or_

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet

from .models import (
    ANCESTRY_LEVELS,
    Household,
    Level,
    OrgUnit,
    Place,
    Post,
    Resident,
    Role,
)
from .permissions import ALL_PERMS, ROLE_PERMISSIONS, Perm

_NOTHING = Q(pk__in=[])


def posts_of(user) -> list[Post]:
    """The user's active posts with their units (read once per request)."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_active_posts", None)
    if cached is None:
        # Sorted here rather than by ORDER BY: a user holds a few posts, and
        # compiling the ordering across the join cost more than sorting them.
        cached = sorted(
            Post.objects.filter(
                user=user, is_active=True, unit__is_active=True
            ).select_related("unit", "department"),
            key=lambda post: post.unit.lft,
        )
        user._active_posts = cached
    return cached


def viewer_posted_at(unit: OrgUnit, role: Role):
    """An unsaved user whose one post is ``role`` on ``unit``: what anyone
    posted there sees, for work done ahead on their behalf (caches)."""
    viewer = get_user_model()(username=f"viewer-{role}-{unit.pk}")
    viewer._active_posts = [Post(unit=unit, role=role)]
    return viewer


def scope_roots(user, perm: Perm) -> list[OrgUnit]:
    """The units under which ``perm`` holds for the user (nested ones dropped)."""
    units = [
        post.unit for post in posts_of(user) if perm in ROLE_PERMISSIONS[post.role]
    ]
    roots = []
    for unit in sorted(units, key=lambda u: (u.tree_id, u.lft)):
        if not any(_contains(root, unit) for root in roots):
            roots.append(unit)
    return roots


def _contains(outer: OrgUnit, inner: OrgUnit) -> bool:
    return outer.tree_id == inner.tree_id and outer.lft <= inner.lft <= outer.rght


def _units_q(roots) -> Q:
    if not roots:
        return _NOTHING
    return reduce(
        or_,
        (
            Q(tree_id=root.tree_id, lft__gte=root.lft, rght__lte=root.rght)
            for root in roots
        ),
    )


def ancestry_q(roots, *, prefix: str = "") -> Q:
    """Rows whose ancestry lies under any of ``roots`` (registry tables)."""
    parts = []
    for root in roots:
        level = Level(root.level)
        if level in ANCESTRY_LEVELS:
            parts.append(Q(**{f"{prefix}{level.value}_id": root.pk}))
        else:  # a central household: the households it links
            parts.append(Q(**{f"{prefix}central_household_id": root.pk}))
    return reduce(or_, parts) if parts else _NOTHING


def units_visible_to(user, perm: Perm = Perm.VIEW_UNITS) -> QuerySet[OrgUnit]:
    units = OrgUnit.objects.all()
    if user.is_superuser:
        return units
    return units.filter(_units_q(scope_roots(user, perm)))


def households_visible_to(user, perm: Perm = Perm.VIEW_REGISTRY) -> QuerySet:
    households = Household.objects.select_related("unit", "central_household")
    if user.is_superuser:
        return households
    return households.filter(ancestry_q(scope_roots(user, perm)))


def residents_visible_to(user, perm: Perm = Perm.VIEW_REGISTRY) -> QuerySet:
    residents = Resident.objects.select_related("household")
    if user.is_superuser:
        return residents
    roots = scope_roots(user, perm)
    # Residents carry ancestry down to the micro-grid; a central household's
    # residents are found through their household.
    q = reduce(
        or_,
        (
            ancestry_q([root], prefix="household__")
            if root.level == Level.CENTRAL_HOUSEHOLD
            else ancestry_q([root])
            for root in roots
        ),
        _NOTHING,
    )
    return residents.filter(q)


def places_visible_to(user, perm: Perm = Perm.VIEW_REGISTRY) -> QuerySet:
    places = Place.objects.select_related("unit")
    if user.is_superuser:
        return places
    roots = [r for r in scope_roots(user, perm) if r.level != Level.CENTRAL_HOUSEHOLD]
    return places.filter(ancestry_q(roots))


def perms_on_unit(user, unit: OrgUnit) -> frozenset[Perm]:
    """What the user may do at ``unit``: their posts on it or above it."""
    if user.is_superuser:
        return ALL_PERMS
    granted = set()
    for post in posts_of(user):
        if _contains(post.unit, unit):
            granted |= ROLE_PERMISSIONS[post.role]
    return frozenset(granted)


def posts_covering(user, row) -> list[Post]:
    """The user's posts whose subtree holds ``row`` (by its ancestry ids)."""
    covering = []
    for post in posts_of(user):
        level = Level(post.unit.level)
        if level in ANCESTRY_LEVELS:
            holds = getattr(row, f"{level.value}_id", None) == post.unit_id
        else:
            household = row if isinstance(row, Household) else None
            household = household or getattr(row, "household", None)
            holds = getattr(household, "central_household_id", None) == post.unit_id
        if holds:
            covering.append(post)
    return covering


def perms_on_row(user, row) -> frozenset[Perm]:
    """What the user may do to a row (registry, ticket), judged by its ancestry."""
    if user.is_superuser:
        return ALL_PERMS
    granted = set()
    for post in posts_covering(user, row):
        granted |= ROLE_PERMISSIONS[post.role]
    return frozenset(granted)


def unit_counts(unit: OrgUnit) -> dict[str, int]:
    """Households, residents, places and active staff under ``unit``."""
    under = ancestry_q([unit])
    staff = OrgUnit.objects.filter(_units_q([unit])).aggregate(
        staff=Count("posts", filter=Q(posts__is_active=True))
    )["staff"]
    residents_under = (
        ancestry_q([unit], prefix="household__")
        if unit.level == Level.CENTRAL_HOUSEHOLD
        else under
    )
    return {
        "households": Household.objects.filter(under).count(),
        "residents": Resident.objects.filter(residents_under).count(),
        "places": 0
        if unit.level == Level.CENTRAL_HOUSEHOLD
        else Place.objects.filter(under).count(),
        "staff": staff,
    }
