"""Scope in the admin: a user sees and edits only the subtrees of their posts.

Rows come from the ``grids.selectors`` scope functions (superusers see
everything); changing or deleting a row needs the edit permission on it, and
the unit and household pickers offer only what the user may edit under.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from ..models import Household, Level, OrgUnit
from ..permissions import Perm
from ..selectors import (
    households_visible_to,
    perms_on_row,
    perms_on_unit,
    scope_roots,
    units_visible_to,
)


class TownFilter(admin.SimpleListFilter):
    """Rows under one town or street (their ``town_id``)."""

    title = gettext_lazy("town / street")
    parameter_name = "town"

    def lookups(self, request, model_admin):
        towns = units_visible_to(request.user).filter(level=Level.TOWN)
        return towns.order_by("sort_order", "code").values_list("id", "name")

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(town_id=self.value())
        return queryset


class ScopedAdminMixin:
    """``visible(user)`` picks the rows; ``edit_perm`` guards changes."""

    edit_perm: Perm

    def visible(self, user):
        raise NotImplementedError

    def perms_on(self, user, obj) -> frozenset:
        return perms_on_row(user, obj)

    def get_queryset(self, request):
        rows = self.visible(request.user)
        # The selectors already select_related, and then the changelist skips
        # ``list_select_related``; add it here.
        if isinstance(self.list_select_related, tuple | list):
            rows = rows.select_related(*self.list_select_related)
        ordering = self.get_ordering(request)
        return rows.order_by(*ordering) if ordering else rows

    # Admin rights come from posts, through the permission table, not from
    # Django's per-model permissions: a town administrator (is_staff, with an
    # administrator post on the town) manages that town and nothing else.
    view_perm: Perm = Perm.VIEW_REGISTRY

    def _holds_anywhere(self, request, perm) -> bool:
        user = request.user
        return user.is_active and (user.is_superuser or bool(scope_roots(user, perm)))

    def _may_edit(self, request, obj) -> bool:
        return obj is None or self.edit_perm in self.perms_on(request.user, obj)

    def has_module_permission(self, request):
        return self._holds_anywhere(request, self.view_perm)

    def has_view_permission(self, request, obj=None):
        return self._holds_anywhere(request, self.view_perm) and (
            obj is None or self.view_perm in self.perms_on(request.user, obj)
        )

    def has_add_permission(self, request):
        return self._holds_anywhere(request, self.edit_perm)

    def has_change_permission(self, request, obj=None):
        return self._holds_anywhere(request, self.edit_perm) and self._may_edit(
            request, obj
        )

    def has_delete_permission(self, request, obj=None):
        return self._holds_anywhere(request, self.edit_perm) and self._may_edit(
            request, obj
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is OrgUnit:
            kwargs["queryset"] = units_visible_to(request.user, self.edit_perm)
        elif db_field.related_model is Household:
            kwargs["queryset"] = households_visible_to(request.user, self.edit_perm)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class UnitScopeMixin(ScopedAdminMixin):
    view_perm = Perm.VIEW_UNITS
    edit_perm = Perm.MANAGE_UNITS

    def visible(self, user):
        return units_visible_to(user)

    def perms_on(self, user, obj) -> frozenset:
        return perms_on_unit(user, obj)
