"""Work-order data. ``CalendarDay``: admin overrides of the official calendar."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday")
    WORKDAY = "workday", _("Make-up workday")


class CalendarDay(models.Model):
    """One date whose working/non-working status is decided here, not by the package.

    ``workorders.calendar`` reads these rows before the ``chinese_calendar``
    package: they fill in a year the package does not cover yet (the State
    Council publishes next year's schedule in the autumn) or record a local
    decision. Rows are written only through ``calendar_day_save`` and
    ``calendar_day_delete``, which invalidate every process's cached calendar.
    """

    Kind = CalendarDayKind

    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(
        _("name"),
        max_length=64,
        blank=True,
        help_text=_("For example: Spring Festival."),
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [
            # Its index also serves the admin's date ordering and year filter.
            models.UniqueConstraint(
                fields=["date"], name="workorders_calendarday_unique_date"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=CalendarDayKind.values),
                name="workorders_calendarday_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}".strip()
