"""Admin for the command center: escalation steps are edited here; alerts are read."""

from django.contrib import admin

from .models import Alert, EscalationStep
from .selectors.alerts import alerts_visible_to


@admin.register(EscalationStep)
class EscalationStepAdmin(admin.ModelAdmin):
    list_display = ["levels_up", "multiple"]


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
