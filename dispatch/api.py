"""The command center's API: alerts (list, acknowledge) and terminal notifications."""

import time

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from grids.api.permissions import HasRolePermission
from grids.permissions import Perm
from grids.selectors import units_visible_to
from jintan.api import StrictSerializer
from jintan.errors import DomainError

from . import services
from .models import AlertKind
from .selectors.alerts import alerts_filtered, alerts_visible_to, notifications_of

VIEW = {"GET": Perm.VIEW_WORKORDERS, "HEAD": Perm.VIEW_WORKORDERS}
ALERT_STATES = ("open", "unacknowledged", "closed")
NOTIFICATIONS_PAGE = 100
LONGEST_WAIT = 25


class AlertOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    level = serializers.IntegerField()
    unit = serializers.SerializerMethodField()
    workorder = serializers.SerializerMethodField()
    due_at = serializers.DateTimeField()
    raised_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField()
    acknowledged_at = serializers.DateTimeField()
    acknowledged_by = serializers.CharField(
        source="acknowledged_by.full_name", default=None
    )

    def get_unit(self, alert) -> dict:
        return {"id": alert.unit_id, "name": alert.unit.name, "level": alert.unit.level}

    def get_workorder(self, alert) -> dict:
        ticket = alert.workorder
        return {
            "id": ticket.pk,
            "number": ticket.number,
            "title": ticket.title,
            "status": ticket.status,
            "status_label": ticket.get_status_display(),
        }


class NotificationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField()
    alert = AlertOutput()


class NotificationsOutput(serializers.Serializer):
    results = NotificationOutput(many=True)
    last = serializers.IntegerField(help_text="Pass back as ``after`` next time.")


class NotificationReadInput(StrictSerializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=500
    )
    up_to = serializers.IntegerField(required=False, min_value=1)


class AlertListView(generics.ListAPIView):
    """Alerts in my scope, newest first. Filters: kind, level, unit, state."""

    permission_classes = [HasRolePermission]
    required_perms = VIEW
    serializer_class = AlertOutput

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=AlertKind.values),
            OpenApiParameter("level", int),
            OpenApiParameter("unit", int, description="Tickets under this unit."),
            OpenApiParameter("state", str, enum=ALERT_STATES),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        problems = {}
        kind = params.get("kind", "")
        if kind and kind not in AlertKind.values:
            problems["kind"] = [_("Unknown kind.")]
        state = params.get("state", "")
        if state and state not in ALERT_STATES:
            problems["state"] = [_("Unknown state.")]
        level = _int_or_none(params.get("level"), "level", problems)
        unit_id = _int_or_none(params.get("unit"), "unit", problems)
        unit = None
        if unit_id is not None:
            unit = units_visible_to(self.request.user).filter(pk=unit_id).first()
            if unit is None:
                problems["unit"] = [_("No such unit in your area.")]
        if problems:
            raise DomainError(_("Bad filter."), code="invalid", fields=problems)
        return alerts_filtered(
            alerts_visible_to(self.request.user),
            kind=kind,
            level=level,
            unit=unit,
            state=state,
        )


def _int_or_none(value, name, problems):
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        problems[name] = [_("A whole number is required.")]
        return None


class AlertAcknowledgeView(APIView):
    """POST /alerts/{id}/acknowledge/: I have seen it (the first one stands)."""

    permission_classes = [HasRolePermission]
    required_perms = {"POST": Perm.VIEW_WORKORDERS}

    @extend_schema(request=None, responses=AlertOutput)
    def post(self, request, pk: int):
        alert = alerts_visible_to(request.user).filter(pk=pk).first()
        if alert is None:
            raise DomainError(_("Not found."), code="not_found", status=404)
        alert, _changed = services.alert_acknowledge(actor=request.user, alert=alert)
        alert = alerts_visible_to(request.user).get(pk=alert.pk)
        return Response(AlertOutput(alert).data)


class NotificationListView(APIView):
    """My unread notifications after ``after``, oldest first.

    ``wait`` (seconds, at most 25) holds the request open until one arrives,
    for terminals that would rather not poll.
    """

    permission_classes = [HasRolePermission]
    required_perms = VIEW

    @extend_schema(
        parameters=[
            OpenApiParameter("after", int, description="The ``last`` of my last call."),
            OpenApiParameter("wait", int, description="Hold open up to N seconds."),
        ],
        responses=NotificationsOutput,
    )
    def get(self, request):
        problems = {}
        after = _int_or_none(request.query_params.get("after"), "after", problems)
        wait = _int_or_none(request.query_params.get("wait"), "wait", problems)
        if wait is not None and not 0 <= wait <= LONGEST_WAIT:
            problems["wait"] = [_("Between 0 and 25 seconds.")]
        if problems:
            raise DomainError(_("Bad parameter."), code="invalid", fields=problems)
        after = after or 0
        give_up = time.monotonic() + (wait or 0)
        while True:
            notes = list(
                notifications_of(request.user).filter(id__gt=after)[:NOTIFICATIONS_PAGE]
            )
            if notes or time.monotonic() >= give_up:
                break
            time.sleep(1)
        last = notes[-1].id if notes else after
        return Response(
            {"results": NotificationOutput(notes, many=True).data, "last": last}
        )


class NotificationReadView(APIView):
    """POST /notifications/read/ ``{"ids": [...]}`` or ``{"up_to": id}``."""

    permission_classes = [HasRolePermission]
    required_perms = {"POST": Perm.VIEW_WORKORDERS}

    @extend_schema(request=NotificationReadInput, responses={200: dict})
    def post(self, request):
        data = NotificationReadInput(data=request.data)
        data.is_valid(raise_exception=True)
        marked = services.notifications_read(user=request.user, **data.validated_data)
        return Response({"marked": marked})
