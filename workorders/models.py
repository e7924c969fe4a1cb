"""Work-order data: categories and their deadline rules, tickets, their events,
and ``CalendarDay`` overrides of the official calendar."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import ANCESTRY_FIELDS, Ancestry, Department, OrgUnit


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


class Source(models.TextChoices):
    HOTLINE = "hotline", _("12345 hotline")
    GRID_REPORT = "grid_report", _("Grid worker report")
    INSPECTION = "inspection", _("Inspection hazard")
    CAMERA = "camera", _("Camera alert")
    STATION = "station", _("Station walk-in")
    DEPARTMENT = "department", _("Department")


class Priority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")
    CRITICAL = "critical", _("Critical")


class Status(models.TextChoices):
    NEW = "new", _("Awaiting dispatch")
    DISPATCHED = "dispatched", _("Dispatched")
    ACCEPTED = "accepted", _("Signed for")
    IN_PROGRESS = "in_progress", _("In progress")
    SUSPENDED = "suspended", _("Suspended")
    RESOLVED = "resolved", _("Resolved, awaiting review")
    CLOSED = "closed", _("Closed")
    RETURNED = "returned", _("Returned")
    CANCELLED = "cancelled", _("Cancelled")


# Open and running: the deadline clock ticks (a suspended ticket's is paused).
SWEPT_STATUSES = (
    Status.NEW,
    Status.DISPATCHED,
    Status.ACCEPTED,
    Status.IN_PROGRESS,
    Status.RETURNED,
)
# Not yet resolved, closed or cancelled: still someone's to handle.
OPEN_STATUSES = (*SWEPT_STATUSES, Status.SUSPENDED)


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class Category(models.Model):
    """What a ticket is about: a business module (parent is null) or a category."""

    module = models.ForeignKey(
        "self",
        verbose_name=_("business module"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="categories",
    )
    name = models.CharField(_("name"), max_length=50)
    code = models.CharField(_("code"), max_length=32, unique=True)
    photo_required = models.BooleanField(_("photo required to resolve"), default=True)
    auto_dispatch = models.BooleanField(
        _("dispatch automatically to the located grid"), default=False
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name if self.module_id is None else f"{self.module} / {self.name}"


class DeadlineRule(models.Model):
    """How long a ticket of a category and priority may take (办理时限)."""

    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        related_name="deadline_rules",
    )
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    sign_within_hours = models.PositiveIntegerField(_("sign for within (hours)"))
    resolve_within_hours = models.PositiveIntegerField(
        _("resolve within (hours)"), null=True, blank=True
    )
    resolve_within_working_days = models.PositiveIntegerField(
        _("resolve within (working days)"), null=True, blank=True
    )
    warn_fraction = models.DecimalField(
        _("warn at fraction of the time"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.80"),
        validators=[
            MinValueValidator(Decimal("0.10")),
            MaxValueValidator(Decimal("0.99")),
        ],
    )

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "priority"], name="deadlinerule_one_per_priority"
            ),
            models.CheckConstraint(
                condition=(
                    Q(resolve_within_hours__isnull=False)
                    & Q(resolve_within_working_days__isnull=True)
                )
                | (
                    Q(resolve_within_hours__isnull=True)
                    & Q(resolve_within_working_days__isnull=False)
                ),
                name="deadlinerule_hours_xor_working_days",
            ),
        ]

    def __str__(self):
        return f"{self.category} · {self.get_priority_display()}"


class WorkOrder(Ancestry):
    """A ticket (工单). Its status changes only through workorders.services.

    ``version`` grows with every change; terminals send it back with an
    action, and a stale one gets 409 with the current state.
    """

    number = models.CharField(_("number"), max_length=20, unique=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    external_number = models.CharField(_("external number"), max_length=64, blank=True)
    client_id = models.UUIDField(_("client id"), null=True, blank=True, unique=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5000)
    reporter_name = models.CharField(_("reporter"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("reporter phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NEW
    )
    suspended_from = models.CharField(
        _("status before suspension"), max_length=16, choices=Status.choices, blank=True
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    satisfaction = models.CharField(
        _("satisfaction"), max_length=20, choices=Satisfaction.choices, blank=True
    )
    sign_deadline = models.DateTimeField(_("sign-for deadline"), null=True, blank=True)
    resolve_deadline = models.DateTimeField(_("deadline"))
    warn_at = models.DateTimeField(_("warning time"))
    deadline_in_working_days = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("signed for at"), null=True, blank=True)
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        constraints = [
            # The hotline resends; the same ticket from one source is one row.
            models.UniqueConstraint(
                fields=["source", "external_number"],
                condition=~Q(external_number=""),
                name="workorder_external_number_unique",
            ),
            models.CheckConstraint(
                condition=Q(resolve_deadline__gt=F("created_at")),
                name="workorder_deadline_after_creation",
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="workorder_status_valid"
            ),
        ]
        indexes = [
            # A worker's task list: my open tickets by deadline.
            models.Index(
                fields=["owner", "status", "resolve_deadline"], name="wo_owner"
            ),
            # The dispatch desk's queue, and open tickets by deadline (sweep).
            models.Index(
                fields=["status", "resolve_deadline"], name="wo_status_deadline"
            ),
            # Delta sync for terminals: what changed since a cursor.
            models.Index(fields=["updated_at", "id"], name="wo_updated"),
            # The deadline sweep reads every running ticket near or past its
            # deadline on each run: it reads them from these small partial
            # indexes alone (index-only scans), never from the table's heap.
            models.Index(
                fields=["resolve_deadline"],
                include=[
                    "id",
                    "status",
                    "warn_at",
                    "created_at",
                    "unit_id",
                    *ANCESTRY_FIELDS,
                ],
                condition=Q(status__in=SWEPT_STATUSES),
                name="wo_sweep",
            ),
            models.Index(
                fields=["sign_deadline"],
                include=["id", "status", "unit_id"],
                condition=Q(status=Status.DISPATCHED),
                name="wo_sweep_sign",
            ),
            # The command-center dashboard (dispatch.selectors.dashboard,
            # ``_ticket_flows``) counts a unit's tickets received and completed
            # in a 30-day window, and those open now, by child unit, category
            # and day. Each of its three scans is an index-only scan of one of
            # these (the heap is read only for pages changed since the last
            # vacuum): a district's month is ~85,000 tickets. They carry the
            # ancestry (scope and grouping) and the category.
            models.Index(
                fields=["created_at"],
                include=[*ANCESTRY_FIELDS, "category_id"],
                name="wo_dash_created",
            ),
            models.Index(
                fields=["resolved_at"],
                include=[
                    "resolve_deadline",
                    *ANCESTRY_FIELDS,
                    "category_id",
                ],
                condition=Q(resolved_at__isnull=False),
                name="wo_dash_resolved",
            ),
            # Open = OPEN_STATUSES (suspended included),
            # keyed down the tree so a town's or a village's are one range;
            # ``id`` also serves the dashboard's count of open alerts.
            models.Index(
                fields=["town", "village", "grid", "resolve_deadline"],
                include=["id", "district_id", "micro_grid_id", "category_id"],
                condition=Q(status__in=OPEN_STATUSES),
                name="wo_dash_open_tree",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"


class WorkOrderEvent(models.Model):
    """One change to a ticket, written by the service that made it; never edited."""

    workorder = models.ForeignKey(
        WorkOrder,
        verbose_name=_("work order"),
        on_delete=models.PROTECT,
        related_name="events",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=24)
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("work order event")
        verbose_name_plural = _("work order events")
        indexes = [
            # The timeline of one ticket, in order.
            models.Index(fields=["workorder", "id"], name="woevent_timeline"),
            # The daily record: events of a day.
            models.Index(fields=["created_at"], name="woevent_time"),
        ]

    def __str__(self):
        return f"{self.workorder_id} {self.action}"


def _attachment_path(attachment, filename):
    # ``filename`` is the extension (or "thumb.jpg"); the name is the upload's hash.
    return f"workorders/{attachment.workorder_id}/{attachment.sha256}.{filename}"


class Attachment(models.Model):
    """A photo on a ticket, checked and re-encoded by ``workorders.photos``."""

    workorder = models.ForeignKey(
        WorkOrder,
        verbose_name=_("work order"),
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    file = models.FileField(_("file"), upload_to=_attachment_path)
    thumbnail = models.FileField(_("thumbnail"), upload_to=_attachment_path)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    sha256 = models.CharField(_("SHA-256 of the upload"), max_length=64)
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        constraints = [
            # A terminal that re-sends the same photo gets the first row back.
            models.UniqueConstraint(
                fields=["workorder", "sha256"], name="attachment_once_per_ticket"
            ),
        ]

    def __str__(self):
        return f"{self.workorder_id}/{self.sha256[:8]}"


class DailyCounter(models.Model):
    """The last ticket number given out on a day (JT20261126 + 0001, 0002, ...)."""

    day = models.DateField(unique=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.day}: {self.value}"


class HotlineCallback(models.Model):
    """A status change the 12345 platform must hear about (the outbox).

    Written in the same transaction as the change itself; a Celery task
    delivers it, retrying with growing pauses while the platform is down, so
    nothing is lost and nothing is sent for a change that was rolled back.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")

    workorder = models.ForeignKey(
        WorkOrder,
        verbose_name=_("work order"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    event = models.OneToOneField(
        WorkOrderEvent,
        verbose_name=_("event"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    payload = models.JSONField(_("payload"))
    state = models.CharField(
        _("state"), max_length=8, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("hotline callback")
        verbose_name_plural = _("hotline callbacks")
        indexes = [
            # The delivery task: pending callbacks that are due, oldest first.
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(state="pending"),
                name="hotlinecallback_due",
            ),
        ]

    def __str__(self):
        return f"{self.workorder_id} #{self.event_id} {self.state}"
