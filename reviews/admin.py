"""Reviews in the Django admin: stored reports and daily logs, read-only and
scoped by ``reviews.selectors``. Reports are written by their generation
only and logs by their authors; nothing here edits either."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Report, WorkLog
from .selectors import reports_visible_to, worklogs_visible_to


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = (
        "period_start",
        "kind",
        "unit",
        "intake",
        "closed",
        "generated_at",
        "generated_by",
        "page",
    )
    list_filter = ("kind", "unit__level")
    list_select_related = ("unit", "generated_by")
    search_fields = ("unit__name", "unit__code")
    date_hierarchy = "period_start"
    fields = (
        "kind",
        "period_start",
        "period_end",
        "unit",
        "generated_at",
        "generated_by",
        "page",
        "figures",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return reports_visible_to(request.user)

    @admin.display(description=_("intake"))
    def intake(self, obj):
        return obj.figures.get("totals", {}).get("intake")

    @admin.display(description=_("closed"))
    def closed(self, obj):
        return obj.figures.get("totals", {}).get("closed")

    @admin.display(description=_("page"))
    def page(self, obj):
        url = reverse(
            "reviews:report",
            args=[obj.kind, obj.period_start.isoformat(), obj.unit_id],
        )
        return format_html('<a href="{}">{}</a>', url, _("Open the report"))


@admin.register(WorkLog)
class WorkLogAdmin(ReadOnlyAdmin):
    list_display = ("day", "user", "closed_at", "updated_at")
    list_filter = ("day",)
    list_select_related = ("user",)
    search_fields = ("user__username", "user__full_name", "note")
    date_hierarchy = "day"
    fields = ("user", "day", "note", "closed_at", "figures", "updated_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return worklogs_visible_to(request.user)
