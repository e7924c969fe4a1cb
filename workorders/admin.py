"""Work orders in the Django admin.

``CalendarDay`` (the holiday calendar's overrides) saves and deletes through
``workorders.calendar`` so that every process's cached calendar is invalidated.
"""

from django.contrib import admin
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from .calendar import calendar_day_delete, calendar_day_save
from .models import CalendarDay


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
