"""The territory tree in the admin: an indented tree whose every write goes
through ``grids.services`` (no drag-and-drop, which would bypass them)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import ModelAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy, ngettext
from mptt.admin import MPTTAdminForm, MPTTModelAdmin

from jintan.errors import DomainError

from ..geo import boundary_validate
from ..models import Level, OrgUnit
from ..services import (
    level_check,
    unit_create,
    unit_deactivate,
    unit_delete,
    unit_move,
    unit_update,
)
from .scope import TownFilter, UnitScopeMixin
from .sheet_pages import SheetAdminMixin

# Fields ``unit_update`` changes; the parent goes through ``unit_move``.
UPDATABLE = ("name", "kind", "boundary", "center_lat", "center_lng", "sort_order")
# Which units an autocomplete offers, by the (model, field) that asks.
PICKER_LEVELS = {
    ("orgunit", "parent"): [
        level for level in Level.values if level != Level.CENTRAL_HOUSEHOLD
    ],
    ("household", "unit"): [Level.MICRO_GRID],
    ("household", "central_household"): [Level.CENTRAL_HOUSEHOLD],
    ("place", "unit"): [Level.GRID, Level.MICRO_GRID],
}


class OrgUnitForm(MPTTAdminForm):
    class Meta:
        model = OrgUnit
        fields = [
            "name",
            "code",
            "level",
            "parent",
            "kind",
            "sort_order",
            "center_lat",
            "center_lng",
            "boundary",
            "is_active",
        ]

    def clean_boundary(self):
        boundary = self.cleaned_data.get("boundary")
        if boundary is not None:
            try:
                boundary_validate(boundary)
            except DomainError as error:
                raise forms.ValidationError(error.message) from error
        return boundary

    def clean(self):
        cleaned = super().clean()
        level = cleaned.get("level") or getattr(self.instance, "level", None)
        if level and "parent" not in self.errors:
            try:
                level_check(Level(level), cleaned.get("parent"))
            except DomainError as error:
                self.add_error("parent", error.message)
        return cleaned


@admin.register(OrgUnit)
class OrgUnitAdmin(UnitScopeMixin, SheetAdminMixin, MPTTModelAdmin):
    sheet_kind = "units"
    form = OrgUnitForm
    change_list_template = "admin/grids/unit_change_list.html"
    list_display = ("name", "code", "level", "kind", "is_active")
    list_filter = ("level", "is_active", TownFilter)
    search_fields = ("name", "code")
    autocomplete_fields = ("parent",)
    list_per_page = 200
    actions = ["deactivate"]

    def get_readonly_fields(self, request, obj=None):
        # The level and code are a unit's identity; ``unit_update`` keeps them.
        return ("code", "level") if obj is not None else ()

    def get_exclude(self, request, obj=None):
        return ("is_active",) if obj is None else ()

    def get_actions(self, request):
        # django-mptt swaps in its own bulk delete, which deletes directly;
        # Django's own calls ``delete_queryset`` below, i.e. the services.
        return ModelAdmin.get_actions(self, request)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        picker = (request.GET.get("model_name"), request.GET.get("field_name"))
        if request.path.endswith("/autocomplete/") and picker in PICKER_LEVELS:
            queryset = queryset.filter(level__in=PICKER_LEVELS[picker])
        return queryset, may_have_duplicates

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            unit = unit_create(
                actor=request.user,
                parent=data.get("parent"),
                level=data["level"],
                code=data["code"],
                **{name: data[name] for name in UPDATABLE},
            )
            obj.pk = unit.pk
            obj._state.adding = False
            return
        changed = set(form.changed_data)
        updates = {name: data[name] for name in UPDATABLE if name in changed}
        if "is_active" in changed and data["is_active"]:
            updates["is_active"] = True
        if updates:
            unit_update(actor=request.user, unit=obj, **updates)
        if "parent" in changed:
            unit_move(actor=request.user, unit=obj, new_parent=data["parent"])
        if "is_active" in changed and not data["is_active"]:
            unit_deactivate(actor=request.user, unit=obj)

    def get_deleted_objects(self, objs, request):
        # ``unit_delete`` decides (and refuses units something hangs off);
        # Django's collector would list every household under a town first.
        objs = list(objs)
        names = [str(obj) for obj in objs]
        opts = self.model._meta
        counts = {opts.verbose_name_plural: len(objs)}
        perms_needed = set()
        if not self.has_delete_permission(request):
            perms_needed.add(opts.verbose_name)
        return names, counts, perms_needed, []

    def delete_model(self, request, obj):
        unit_delete(actor=request.user, unit=obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for unit in sorted(queryset, key=lambda unit: -unit.depth):
                unit_delete(actor=request.user, unit=unit)

    @admin.action(
        description=gettext_lazy("Deactivate the selected units and all below them"),
        permissions=["change"],
    )
    def deactivate(self, request, queryset):
        count = sum(unit_deactivate(actor=request.user, unit=unit) for unit in queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d unit deactivated.", "%(count)d units deactivated.", count
            )
            % {"count": count},
            messages.SUCCESS,
        )
