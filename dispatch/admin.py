"""Admin for the command center: escalation steps are edited here; alerts are read."""

from django.contrib import admin

from . import sweep
from .models import Alert, EscalationStep
from .selectors.alerts import alerts_visible_to


@admin.register(EscalationStep)
class EscalationStepAdmin(admin.ModelAdmin):
    """Changing the steps changes when every running ticket escalates."""

    list_display = ["levels_up", "multiple"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        sweep.schedule_reset()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        sweep.schedule_reset()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        sweep.schedule_reset()


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    """Alerts are written by the sweep only; admin shows them, read-only."""

    list_display = [
        "id",
        "workorder",
        "kind",
        "level",
        "unit",
        "raised_at",
        "acknowledged_at",
        "closed_at",
    ]
    list_filter = ["kind", "level"]
    list_select_related = ["workorder", "unit"]
    search_fields = ["workorder__number"]
    date_hierarchy = "raised_at"

    def get_queryset(self, request):
        return alerts_visible_to(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
