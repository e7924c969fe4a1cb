"""Work orders in the Django admin: the taxonomy and its deadlines, tickets to
look up (scoped, read-only), the hotline outbox, the holiday calendar.

``CalendarDay`` (the holiday calendar's overrides) saves and deletes through
``workorders.calendar`` so that every process's cached calendar is invalidated.
"""

from django.contrib import admin
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from grids.personal_data import mask_phone

from .calendar import calendar_day_delete, calendar_day_save
from .hotline import callbacks_retry_now
from .models import (
    CalendarDay,
    Category,
    DeadlineRule,
    HotlineCallback,
    WorkOrder,
    WorkOrderEvent,
)
from .selectors import workorders_visible_to


class CalendarYearFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = CalendarDay.objects.dates("date", "year", order="DESC")
        return [(str(day.year), str(day.year)) for day in years]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "weekday", "kind", "name", "note")
    list_filter = ("kind", CalendarYearFilter)
    search_fields = ("name", "note")
    ordering = ("date",)
    fields = ("date", "kind", "name", "note")
    list_per_page = 100

    @admin.display(description=_("weekday"), ordering="date")
    def weekday(self, obj):
        return date_format(obj.date, "l")

    def save_model(self, request, obj, form, change):
        calendar_day_save(actor=request.user, calendar_day=obj)

    def delete_model(self, request, obj):
        calendar_day_delete(actor=request.user, calendar_day=obj)

    def delete_queryset(self, request, queryset):
        for calendar_day in queryset:
            calendar_day_delete(actor=request.user, calendar_day=calendar_day)


class DeadlineRuleInline(admin.TabularInline):
    model = DeadlineRule
    extra = 0
    fields = (
        "priority",
        "sign_within_hours",
        "resolve_within_hours",
        "resolve_within_working_days",
        "warn_fraction",
    )


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """The taxonomy: business modules (no parent) and their categories."""

    list_display = (
        "name",
        "code",
        "module",
        "photo_required",
        "auto_dispatch",
        "is_active",
        "sort_order",
    )
    list_filter = ("module", "is_active", "photo_required", "auto_dispatch")
    list_select_related = ("module",)
    search_fields = ("name", "code")
    inlines = [DeadlineRuleInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "module":
            kwargs["queryset"] = Category.objects.filter(module__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class EventInline(admin.TabularInline):
    """The ticket's history: read-only, as every event is."""

    model = WorkOrderEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "action", "from_status", "to_status", "actor", "note")
    readonly_fields = fields
    ordering = ("id",)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WorkOrder)
class WorkOrderAdmin(admin.ModelAdmin):
    """Tickets in the user's scope, to look up; they change only through their
    lifecycle (the API and the dispatch pages), never by editing fields here."""

    list_display = (
        "number",
        "title",
        "status",
        "category",
        "unit",
        "owner",
        "resolve_deadline",
        "source",
    )
    list_filter = ("status", "source", "priority", "category__module")
    list_select_related = ("category", "category__module", "unit", "owner")
    search_fields = ("number", "external_number", "title", "address")
    date_hierarchy = "created_at"
    inlines = [EventInline]
    exclude = ("reporter_phone",)

    def get_queryset(self, request):
        return workorders_visible_to(request.user).select_related(
            *self.list_select_related
        )

    def get_readonly_fields(self, request, obj=None):
        fields = [f.name for f in WorkOrder._meta.fields if f.name != "reporter_phone"]
        return [*fields, "reporter_phone_masked"]

    @admin.display(description=_("reporter phone"))
    def reporter_phone_masked(self, obj):
        return mask_phone(obj.reporter_phone)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff


@admin.register(HotlineCallback)
class HotlineCallbackAdmin(admin.ModelAdmin):
    """The outbox to the 12345 platform: what is waiting, what failed and why."""

    list_display = (
        "workorder",
        "event",
        "state",
        "attempts",
        "next_attempt_at",
        "last_error",
        "sent_at",
    )
    list_filter = ("state",)
    list_select_related = ("workorder", "event")
    readonly_fields = [f.name for f in HotlineCallback._meta.fields]
    actions = ["retry_now"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Retry the selected callbacks now"))
    def retry_now(self, request, queryset):
        count = callbacks_retry_now(ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request, _("%(count)d callbacks will be sent at once.") % {"count": count}
        )
