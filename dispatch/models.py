"""Command-center data: alerts on tickets, their escalation steps, notifications.

Alerts are rows first, pushes second: the sweep (``dispatch.sweep``) writes an
alert exactly once, because ``(workorder, kind, level)`` is unique and the
insert skips rows that already exist; browsers and terminals then read the
rows (``dispatch.stream``, the notifications endpoint), resuming from the last
id they saw.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import OrgUnit
from workorders.models import WorkOrder


class AlertKind(models.TextChoices):
    WARNING = "warning", _("Yellow warning")
    OVERDUE = "overdue", _("Red overdue")
    SIGN_OVERDUE = "sign_overdue", _("Not signed for in time")
    ESCALATION = "escalation", _("Escalated supervision")


class EscalationStep(models.Model):
    """When an overdue ticket is escalated, and how far up the tree (督办).

    At ``multiple`` × the time the ticket was allowed (creation to deadline),
    an escalation alert goes to the unit ``levels_up`` above the ticket's own
    (1: grid → village, 2: → town, 3: → district). Steps past the root are
    skipped.
    """

    multiple = models.DecimalField(
        _("multiple of the allowed time"),
        max_digits=4,
        decimal_places=2,
        unique=True,
        validators=[
            MinValueValidator(Decimal("1.01")),
            MaxValueValidator(Decimal("20")),
        ],
    )
    levels_up = models.PositiveSmallIntegerField(
        _("levels up the tree"),
        unique=True,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )

    class Meta:
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation steps")
        ordering = ["levels_up"]
        constraints = [
            models.CheckConstraint(
                condition=Q(multiple__gt=1) & Q(levels_up__gte=1),
                name="escalationstep_past_the_deadline",
            ),
        ]

    def __str__(self):
        return f"×{self.multiple} → +{self.levels_up}"


class Alert(models.Model):
    """A ticket near or past a deadline (预警), or escalated up the tree (督办).

    ``level`` is 0 for alerts to the ticket's own unit and the number of
    levels up for escalations; ``unit`` is the unit whose staff it is addressed
    to. The id orders alerts for the live feed: the sweep writes them under one
    lock, so ids are committed in increasing order.
    """

    Kind = AlertKind

    workorder = models.ForeignKey(
        WorkOrder,
        verbose_name=_("work order"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AlertKind.choices)
    level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("addressed to"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_at = models.DateTimeField(_("threshold passed"))
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            # One alert per ticket, kind and level, whatever runs the sweep.
            models.UniqueConstraint(
                fields=["workorder", "kind", "level"], name="alert_once"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=AlertKind.values), name="alert_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(level=0) | Q(kind=AlertKind.ESCALATION),
                name="alert_only_escalations_go_up",
            ),
        ]
        indexes = [
            # The alert list and the dashboard's open alerts, newest first.
            models.Index(
                fields=["-id"],
                condition=Q(closed_at__isnull=True),
                name="alert_open",
            ),
            # Daily records: alerts raised on a day.
            models.Index(fields=["raised_at"], name="alert_raised"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.workorder_id}"


class AlertDue(models.Model):
    """An alert the sweep will raise when ``due_at`` passes (its schedule).

    Worked out by the sweep from a ticket's deadlines whenever the ticket
    changes (and for every running ticket on a first run), so a sweep reads
    only what changed and what fell due, however many tickets are open.
    A warning is raised only ``until`` its ticket's deadline.
    """

    # No database constraint: the schedule is rebuilt from the tickets, and a
    # ticket removed behind Django's back must not stop the sweep.
    workorder = models.ForeignKey(
        WorkOrder,
        verbose_name=_("work order"),
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AlertKind.choices)
    level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("addressed to"),
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )
    due_at = models.DateTimeField(_("due at"))
    until = models.DateTimeField(_("raised only until"), null=True, blank=True)

    class Meta:
        verbose_name = _("scheduled alert")
        verbose_name_plural = _("scheduled alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["workorder", "kind", "level"], name="alertdue_once"
            ),
        ]
        # Each sweep: the scheduled alerts that fell due.
        indexes = [models.Index(fields=["due_at"], name="alertdue_due")]

    def __str__(self):
        return f"{self.kind}/{self.level} #{self.workorder_id} @ {self.due_at}"


class Notification(models.Model):
    """An alert delivered to one person's terminal; read when they have seen it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    alert = models.ForeignKey(
        Alert, verbose_name=_("alert"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["user", "alert"], name="notification_once"),
        ]
        indexes = [
            # A terminal's unread notifications after its cursor.
            models.Index(
                fields=["user", "id"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self):
        return f"{self.user_id} ← {self.alert_id}"


class SweepMark(models.Model):
    """Up to when the sweep has looked at tickets' changes (one row per mark).

    Each sweep reschedules and settles only the tickets changed since the
    last one (less a margin); no mark means "look at every ticket".
    """

    name = models.CharField(_("name"), max_length=32, unique=True)
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("sweep mark")
        verbose_name_plural = _("sweep marks")

    def __str__(self):
        return f"{self.name}: {self.at:%Y-%m-%d %H:%M:%S}"
