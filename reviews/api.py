"""The reviews' API: reports in scope (list, read, generate on demand) and the
grid worker's daily log (read it compiled, write and amend one's own note)."""

from datetime import date

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from grids.api.permissions import HasRolePermission
from grids.permissions import Perm
from jintan.api import StrictSerializer
from jintan.errors import DomainError

from . import selectors, services
from .models import Kind, WorkLog
from .periods import FIRST_DAY, LAST_DAY, Period, local_date

VIEW = {"GET": Perm.VIEW_WORKORDERS, "HEAD": Perm.VIEW_WORKORDERS}
DAY = OpenApiParameter(
    "day",
    str,
    OpenApiParameter.PATH,
    required=True,
    pattern=r"^(today|\d{4}-\d{2}-\d{2})$",
    description="YYYY-MM-DD (2000 to 2099) or ``today`` (Asia/Shanghai).",
)


class PeriodOutput(serializers.Serializer):
    kind = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField(help_text="The first day after the period.")
    label = serializers.CharField()


class ReportUnitOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    level = serializers.CharField()


class ReportOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    period = serializers.SerializerMethodField()
    unit = serializers.SerializerMethodField()
    generated_at = serializers.DateTimeField()
    generated_by = serializers.CharField(allow_null=True)
    totals = serializers.JSONField(source="figures.totals")

    @extend_schema_field(PeriodOutput)
    def get_period(self, report) -> dict:
        period = Period.starting(report.kind, report.period_start)
        return {**period.as_dict(), "label": period.label()}

    @extend_schema_field(ReportUnitOutput)
    def get_unit(self, report) -> dict:
        unit = report.unit
        return {"id": unit.pk, "name": unit.name, "level": unit.level}


class ReportDetailOutput(ReportOutput):
    figures = serializers.JSONField(
        help_text="Every figure of the report; see reviews.figures for definitions."
    )


class ReportGenerateInput(StrictSerializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    period = serializers.DateField(help_text="Any day of the period.")
    unit = serializers.IntegerField(min_value=1)

    def validate_period(self, value):
        if not FIRST_DAY <= value <= LAST_DAY:
            raise serializers.ValidationError(
                _("Between %(first)s and %(last)s.")
                % {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()}
            )
        return value


class ReportListView(generics.ListAPIView):
    """Reports in my scope, newest first. Filters: kind, unit, period (a day).

    POST generates a unit's report of a period that is over (again, if it
    exists: the figures are replaced in place, never duplicated).
    """

    permission_classes = [HasRolePermission]
    required_perms = {**VIEW, "POST": Perm.VIEW_WORKORDERS}
    serializer_class = ReportOutput

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=Kind.values),
            OpenApiParameter("unit", int),
            OpenApiParameter("period", str, description="A day of the period."),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        problems = {}
        kind = params.get("kind", "")
        if kind and kind not in Kind.values:
            problems["kind"] = [_("Unknown kind.")]
        unit = None
        if params.get("unit"):
            unit = _unit_in_scope(self.request.user, params["unit"], problems)
        period = None
        if params.get("period"):
            if kind not in Kind.values:
                problems["period"] = [_("Give the kind with the period.")]
            else:
                period = Period.containing(kind, _day(params["period"], problems))
        if problems:
            raise DomainError(_("Bad filter."), code="invalid", fields=problems)
        return selectors.reports_filtered(
            selectors.reports_visible_to(self.request.user),
            kind=kind,
            unit=unit,
            period=period,
        )

    @extend_schema(
        request=ReportGenerateInput,
        responses={201: ReportDetailOutput, 200: ReportDetailOutput},
    )
    def post(self, request):
        data = ReportGenerateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        unit = (
            selectors.units_reviewable_by(request.user)
            .filter(pk=values["unit"])
            .first()
        )
        if unit is None:
            raise DomainError(_("Not found."), code="not_found", status=404)
        period = Period.containing(values["kind"], values["period"])
        report, created = services.report_generate(
            actor=request.user, unit=unit, period=period
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(ReportDetailOutput(report).data, status=code)


class ReportDetailView(generics.RetrieveAPIView):
    """One report in my scope, with every figure."""

    permission_classes = [HasRolePermission]
    required_perms = VIEW
    serializer_class = ReportDetailOutput

    def get_queryset(self):
        return selectors.reports_visible_to(self.request.user)


def _unit_in_scope(user, value, problems):
    try:
        unit_id = int(value)
    except ValueError:
        problems["unit"] = [_("A whole number is required.")]
        return None
    unit = selectors.units_reviewable_by(user).filter(pk=unit_id).first()
    if unit is None:
        problems["unit"] = [_("No such unit in your area.")]
    return unit


def _day(value: str, problems=None) -> date | None:
    """A day from the path or a filter: YYYY-MM-DD or ``today``, 2000 to 2099."""
    if value == "today":
        return local_date(timezone.now())
    try:
        day = date.fromisoformat(value)
        Period.containing(Kind.DAILY, day)
        return day
    except ValueError:
        message = _("A date is required, as YYYY-MM-DD or “today”.")
        if problems is None:
            raise DomainError(
                message, code="invalid", fields={"day": [value[:20]]}
            ) from None
        problems["day"] = [message]
        return local_date(timezone.now())


# -- daily logs ----------------------------------------------------------------


class PersonOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class WorkLogOutput(serializers.Serializer):
    day = serializers.DateField()
    user = PersonOutput()
    note = serializers.CharField()
    closed = serializers.BooleanField()
    closed_at = serializers.DateTimeField(allow_null=True)
    compiled = serializers.JSONField(
        help_text="Tickets handled, reports made, photos, steps by kind."
    )


class WorkLogNoteInput(StrictSerializer):
    note = serializers.CharField(
        max_length=4000, allow_blank=True, trim_whitespace=False
    )


def _log_data(user, day: date, log: WorkLog | None) -> dict:
    closed = services.worklog_day_closed(day, log)
    compiled = log.figures if log is not None and log.closed_at else None
    return {
        "day": day,
        "user": {"id": user.pk, "name": str(user)},
        "note": log.note if log else "",
        "closed": closed,
        "closed_at": log.closed_at if log else None,
        "compiled": compiled or selectors.worklog_compile(user, day),
    }


class MyWorkLogView(APIView):
    """GET my log of a day (``today`` or YYYY-MM-DD), compiled from my steps;
    PUT ``{"note": ...}`` writes or amends my own note until the day is closed
    (409 ``day_closed`` after; nothing is written)."""

    permission_classes = [HasRolePermission]
    required_perms = {**VIEW, "PUT": Perm.VIEW_WORKORDERS}

    @extend_schema(parameters=[DAY], responses=WorkLogOutput)
    def get(self, request, day: str):
        day = _day(day)
        log = selectors.worklog_of(request.user, day)
        return Response(WorkLogOutput(_log_data(request.user, day, log)).data)

    @extend_schema(parameters=[DAY], request=WorkLogNoteInput, responses=WorkLogOutput)
    def put(self, request, day: str):
        day = _day(day)
        data = WorkLogNoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        log = services.worklog_note_write(
            actor=request.user, day=day, note=data.validated_data["note"]
        )
        return Response(WorkLogOutput(_log_data(request.user, day, log)).data)


class StaffWorkLogView(APIView):
    """GET a colleague's log of a day, for someone whose scope covers one of
    their posts (404 otherwise). Read only: a note is written by its author."""

    permission_classes = [HasRolePermission]
    required_perms = VIEW

    @extend_schema(parameters=[DAY], responses=WorkLogOutput)
    def get(self, request, day: str, user_id: int):
        day = _day(day)
        person = get_object_or_404(selectors.staff_visible_to(request.user), pk=user_id)
        log = selectors.worklog_of(person, day)
        return Response(WorkLogOutput(_log_data(person, day, log)).data)


class WorkLogListOutput(serializers.Serializer):
    id = serializers.IntegerField()
    day = serializers.DateField()
    user = serializers.SerializerMethodField()
    note = serializers.CharField()
    closed_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(PersonOutput)
    def get_user(self, log) -> dict:
        return {"id": log.user_id, "name": str(log.user)}


class WorkLogListView(generics.ListAPIView):
    """Stored logs (notes written, days closed) in my scope. Filters: day, user."""

    permission_classes = [HasRolePermission]
    required_perms = VIEW
    serializer_class = WorkLogListOutput

    @extend_schema(
        parameters=[OpenApiParameter("day", str), OpenApiParameter("user", int)]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        logs = selectors.worklogs_visible_to(self.request.user)
        params = self.request.query_params
        if params.get("day"):
            logs = logs.filter(day=_day(params["day"]))
        if params.get("user"):
            if not params["user"].isdigit():
                raise DomainError(
                    _("Bad filter."),
                    code="invalid",
                    fields={"user": [_("A whole number is required.")]},
                )
            logs = logs.filter(user_id=int(params["user"]))
        return logs
