"""The command center's API: alerts (list, acknowledge) and terminal notifications."""

import time

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from grids.api.lookups import unit_in_scope
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


class AlertFilterInput(serializers.Serializer):
    """The alert list's filters (other query parameters, such as the cursor,
    are the paginator's)."""

    kind = serializers.ChoiceField(choices=AlertKind.values, required=False)
    level = serializers.IntegerField(min_value=0, required=False)
    unit = serializers.IntegerField(min_value=1, required=False)
    state = serializers.ChoiceField(choices=ALERT_STATES, required=False)


class NotificationQueryInput(serializers.Serializer):
    after = serializers.IntegerField(min_value=0, required=False)
    wait = serializers.IntegerField(min_value=0, max_value=LONGEST_WAIT, required=False)


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
        filters = AlertFilterInput(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        values = dict(filters.validated_data)
        if values.get("unit") is not None:
            values["unit"] = unit_in_scope(
                units_visible_to(self.request.user), values["unit"]
            )
        return alerts_filtered(alerts_visible_to(self.request.user), **values)


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
        params = NotificationQueryInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        after = params.validated_data.get("after") or 0
        wait = params.validated_data.get("wait") or 0
        give_up = time.monotonic() + wait
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
