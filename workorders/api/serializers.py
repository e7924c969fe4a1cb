"""Input and output shapes of the work-order API."""

import copy

from rest_framework import serializers

from grids.api.serializers import ListedByValues
from grids.personal_data import mask_phone
from jintan.api import StrictSerializer

from ..models import (
    Category,
    Priority,
    Satisfaction,
    WorkOrder,
    WorkOrderEvent,
)

LIST_FIELDS = [
    "id",
    "number",
    "source",
    "category",
    "category_name",
    "priority",
    "title",
    "address",
    "unit",
    "unit_name",
    "owner",
    "status",
    "sign_deadline",
    "resolve_deadline",
    "warn_at",
    "created_at",
    "updated_at",
    "version",
]


class FieldsBuiltOnce:
    """An output ModelSerializer whose fields are derived from the model once.

    ModelSerializer derives every field from the model's metadata again for
    each instance, and DRF deep-copies each declared field: about 1.5 ms of
    CPU for a ticket's detail, on every answer. What it derives depends on the
    class alone, so it is kept per class and each instance gets copies:
    nested serializers deep ones, other fields shallow ones, which suffices
    because binding a field to its serializer only sets attributes on the copy
    and an output field is not changed afterwards. (Not for input shapes,
    whose fields keep validation state.)
    """

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_fields_built")
        if built is None:
            # Two threads may both build it: the same fields either way.
            built = cls._fields_built = super().get_fields()
        return {
            name: copy.deepcopy(field)
            if isinstance(field, serializers.BaseSerializer)
            else copy.copy(field)
            for name, field in built.items()
        }


class CategoryOutput(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "code", "name", "module", "photo_required", "auto_dispatch"]


class WorkOrderListOutput(FieldsBuiltOnce, ListedByValues):
    category_name = serializers.CharField(source="category.name", read_only=True)
    unit_name = serializers.CharField(
        source="unit.name", read_only=True, allow_null=True
    )
    value_lookups = {"category_name": "category__name", "unit_name": "unit__name"}

    class Meta:
        model = WorkOrder
        fields = LIST_FIELDS


class EventOutput(FieldsBuiltOnce, serializers.ModelSerializer):
    actor_name = serializers.CharField(
        source="actor.full_name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = WorkOrderEvent
        fields = [
            "id",
            "action",
            "from_status",
            "to_status",
            "actor",
            "actor_name",
            "note",
            "data",
            "created_at",
        ]


class AttachmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField(source="file.url")
    thumbnail_url = serializers.CharField(source="thumbnail.url")
    content_type = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    taken_at = serializers.DateTimeField(allow_null=True)
    lat = serializers.FloatField(allow_null=True)
    lng = serializers.FloatField(allow_null=True)
    created_at = serializers.DateTimeField()


class WorkOrderDetailOutput(WorkOrderListOutput):
    events = EventOutput(many=True, read_only=True)
    attachments = AttachmentOutput(many=True, read_only=True)
    actions = serializers.SerializerMethodField()

    class Meta(WorkOrderListOutput.Meta):
        fields = [
            *LIST_FIELDS,
            "external_number",
            "description",
            "reporter_name",
            "reporter_phone",
            "lat",
            "lng",
            "department",
            "satisfaction",
            "dispatched_at",
            "accepted_at",
            "resolved_at",
            "closed_at",
            "events",
            "attachments",
            "actions",
        ]

    def get_actions(self, workorder) -> list[str]:
        return self.context.get("actions", [])

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if data.get("reporter_phone") and not self.context.get("unmasked"):
            data["reporter_phone"] = mask_phone(data["reporter_phone"])
        data["personal_data"] = "unmasked" if self.context.get("unmasked") else "masked"
        return data


class ReportInput(StrictSerializer):
    """A grid worker's report of a new matter from the terminal."""

    client_id = serializers.UUIDField(required=False)
    category = serializers.IntegerField(min_value=1)
    priority = serializers.ChoiceField(Priority.choices, default=Priority.NORMAL)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False)
    lng = serializers.FloatField(min_value=-180, max_value=180, required=False)
    on_the_spot = serializers.BooleanField(default=False)


class ActionInput(StrictSerializer):
    version = serializers.IntegerField(min_value=1, required=False)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    unit = serializers.IntegerField(min_value=1, required=False)
    owner = serializers.IntegerField(min_value=1, required=False)
    department = serializers.IntegerField(min_value=1, required=False)
    satisfaction = serializers.ChoiceField(Satisfaction.choices, required=False)
    duplicate_of = serializers.IntegerField(min_value=1, required=False)


class HotlineTicketInput(StrictSerializer):
    """What the 12345 platform pushes (field names as in its interface)."""

    external_number = serializers.CharField(max_length=64)
    category = serializers.CharField(max_length=32, help_text="Category code.")
    priority = serializers.ChoiceField(Priority.choices, default=Priority.NORMAL)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000)
    reporter_name = serializers.CharField(
        max_length=50, required=False, allow_blank=True
    )
    reporter_phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True
    )
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False)
    lng = serializers.FloatField(min_value=-180, max_value=180, required=False)


class SyncOutput(serializers.Serializer):
    results = WorkOrderListOutput(many=True)
    mark = serializers.CharField()
    more = serializers.BooleanField()
