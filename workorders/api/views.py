"""Thin views over workorders.selectors and workorders.services."""

import json
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from grids import registry
from grids.api.lookups import unit_in_scope
from grids.api.permissions import HasRolePermission
from grids.models import Department
from grids.permissions import Perm
from grids.selectors import perms_on_row, units_visible_to
from jintan.errors import DomainError

from .. import hotline, selectors, services
from ..lifecycle import STEPS
from ..models import Category, Source, Status
from . import serializers as s

VIEW = {"GET": Perm.VIEW_WORKORDERS, "HEAD": Perm.VIEW_WORKORDERS}


class CategoryListView(APIView):
    """The active categories a ticket can be filed under."""

    permission_classes = [HasRolePermission]
    required_perms = VIEW

    @extend_schema(responses=s.CategoryOutput(many=True))
    def get(self, request):
        return Response(s.CategoryOutput(selectors.categories_active(), many=True).data)


class WorkOrderViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """My task list (filters: status, due=soon|overdue, mine), a ticket, a report."""

    permission_classes = [HasRolePermission]
    required_perms = {**VIEW, "POST": Perm.REPORT_WORKORDERS}
    serializer_class = s.WorkOrderListOutput

    def get_queryset(self):
        return selectors.workorders_visible_to(self.request.user)

    def list(self, request, *args, **kwargs):
        params = request.query_params
        if params.get("status") and params["status"] not in Status.values:
            raise DomainError(
                _("Unknown status."),
                code="invalid",
                fields={"status": [params["status"]]},
            )
        tickets = selectors.workorders_filtered(
            self.get_queryset(),
            status=params.get("status"),
            due=params.get("due"),
            mine_of=request.user if params.get("mine") in ("1", "true") else None,
        )
        page = self.paginate_queryset(s.WorkOrderListOutput.values_of(tickets))
        tz = timezone.get_current_timezone()
        return self.get_paginated_response(
            [s.WorkOrderListOutput.list_row(row, tz) for row in page]
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("since", str, description="The mark of the last sync.")
        ],
        responses=s.SyncOutput,
    )
    @action(detail=False, pagination_class=None)
    def sync(self, request):
        """What changed in my scope since my last sync (offline terminals).

        Pass back the ``mark`` of each answer as ``since``; ``more`` says whether
        to ask again at once. Each change arrives exactly once.
        """
        since = _mark_read(request.query_params.get("since"))
        rows = list(
            s.WorkOrderListOutput.values_of(
                selectors.workorders_changed_since(
                    request.user,
                    since,
                    limit=SYNC_PAGE + 1,
                    lag=timedelta(seconds=settings.SYNC_LAG_SECONDS),
                )
            )
        )
        more = len(rows) > SYNC_PAGE
        rows = rows[:SYNC_PAGE]
        mark = _mark_of(rows[-1]) if rows else request.query_params.get("since", "")
        tz = timezone.get_current_timezone()
        return Response(
            {
                "results": [s.WorkOrderListOutput.list_row(row, tz) for row in rows],
                "mark": mark,
                "more": more,
            }
        )

    @extend_schema(responses=s.WorkOrderDetailOutput)
    def retrieve(self, request, *args, **kwargs):
        ticket = self.get_object()
        return Response(_detail(request, ticket))

    @extend_schema(request=s.ReportInput, responses={201: s.WorkOrderDetailOutput})
    def create(self, request):
        data = s.ReportInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        try:
            category = selectors.categories_with_rule(values["priority"]).get(
                pk=values.pop("category")
            )
        except Category.DoesNotExist:
            raise DomainError(
                _("Unknown category."), code="invalid", fields={"category": ["?"]}
            ) from None
        ticket, created = services.workorder_create(
            actor=request.user, source=Source.GRID_REPORT, category=category, **values
        )
        if not created and ticket.reporter_id != request.user.pk:
            # Someone else's client id: never hand their ticket out.
            raise DomainError(
                _("This client id belongs to another report."),
                code="client_id_reused",
                status=409,
            )
        # The reporter sees their report even where it was located to a grid
        # outside their own scope (a point just across the boundary).
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        # A ticket just taken in comes with what the answer shows (see
        # workorder_create); one found again is read afresh.
        return Response(_detail(request, ticket, refetch=not created), code)


SYNC_PAGE = 200


def _mark_of(row) -> str:
    return f"{row['updated_at'].isoformat()}|{row['id']}"


def _mark_read(mark):
    if not mark:
        return None
    try:
        moment, last_id = mark.rsplit("|", 1)
        moment = datetime.fromisoformat(moment)
        if moment.tzinfo is None:
            raise ValueError
        return moment, int(last_id)
    except ValueError:
        raise DomainError(
            _("Malformed sync mark; send back the mark of the last answer."),
            code="invalid",
            fields={"since": [mark[:100]]},
        ) from None


def _detail(request, ticket, *, refetch=True):
    unmasked = Perm.VIEW_PERSONAL_DATA in perms_on_row(request.user, ticket)
    if unmasked and ticket.reporter_phone:
        registry.personal_data_access_record(
            actor=request.user,
            subject=ticket,
            fields=["reporter_phone"],
            request=request,
        )
    if refetch:
        ticket = (
            type(ticket)
            .objects.select_related("category", "unit", "owner")
            .prefetch_related("events__actor", "attachments")
            .get(pk=ticket.pk)
        )
    context = {
        "unmasked": unmasked,
        "actions": selectors.actions_allowed(request.user, ticket),
    }
    return s.WorkOrderDetailOutput(ticket, context=context).data


class WorkOrderActionView(APIView):
    """POST /workorders/{id}/{action}/: one lifecycle step (see the lifecycle)."""

    permission_classes = [HasRolePermission]
    required_perms = {"POST": Perm.VIEW_WORKORDERS}

    @extend_schema(
        operation_id="v1_workorders_action",
        request=s.ActionInput,
        responses=s.WorkOrderDetailOutput,
    )
    def post(self, request, pk: int, action: str):
        ticket = selectors.workorders_visible_to(request.user).filter(pk=pk).first()
        if ticket is None or action not in STEPS:
            raise DomainError(_("Not found."), code="not_found", status=404)
        data = s.ActionInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "unit" in values:
            values["unit"] = unit_in_scope(
                units_visible_to(request.user), values["unit"]
            )
        references = {
            "owner": User.objects.filter(is_active=True),
            "department": Department.objects.filter(is_active=True),
            "duplicate_of": selectors.workorders_visible_to(request.user),
        }
        for field, candidates in references.items():
            if field in values:
                values[field] = _found(candidates, values[field], field)
        ticket = services.workorder_act(
            actor=request.user, workorder=ticket, action=action, **values
        )
        return Response(_detail(request, ticket))


class AttachmentUploadView(APIView):
    """POST /workorders/{id}/attachments/: one photo, multipart field ``photo``."""

    permission_classes = [HasRolePermission]
    required_perms = {"POST": Perm.VIEW_WORKORDERS}
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"photo": {"type": "string", "format": "binary"}},
            }
        },
        responses={201: s.AttachmentOutput},
    )
    def post(self, request, pk: int):
        ticket = selectors.workorders_visible_to(request.user).filter(pk=pk).first()
        if ticket is None:
            raise DomainError(_("Not found."), code="not_found", status=404)
        upload = request.FILES.get("photo")
        if upload is None:
            raise DomainError(
                _("Send the photo as the multipart field “photo”."),
                code="invalid",
                fields={"photo": [_("This field is required.")]},
            )
        attachment, created = services.attachment_add(
            actor=request.user, workorder=ticket, upload=upload
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(s.AttachmentOutput(attachment).data, code)


def _found(candidates, pk, field):
    found = candidates.filter(pk=pk).first()
    if found is None:
        raise DomainError(
            _("No such %(field)s.") % {"field": field},
            code="invalid",
            fields={field: [_("Not found.")]},
        )
    return found


class HotlineIntakeView(APIView):
    """The 12345 platform pushes a ticket here, signed (see workorders.hotline)."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(request=s.HotlineTicketInput, responses={201: s.WorkOrderListOutput})
    def post(self, request):
        body = request.body
        hotline.signature_verify(
            body=body,
            timestamp=request.headers.get(hotline.TIMESTAMP_HEADER),
            signature=request.headers.get(hotline.SIGNATURE_HEADER),
        )
        try:
            payload = json.loads(body)
        except ValueError:
            raise DomainError(
                _("The body is not valid JSON."), code="malformed_body"
            ) from None
        data = s.HotlineTicketInput(data=payload)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        category = Category.objects.filter(
            code=values.pop("category"), is_active=True, module__isnull=False
        ).first()
        if category is None:
            raise DomainError(
                _("Unknown category code."),
                code="invalid",
                fields={"category": [_("Unknown category code.")]},
            )
        ticket, created = services.workorder_create(
            actor=None, source=Source.HOTLINE, category=category, **values
        )
        row = s.WorkOrderListOutput(ticket).data
        return Response(row, status.HTTP_201_CREATED if created else status.HTTP_200_OK)
