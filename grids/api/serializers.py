"""Input and output shapes of the territory API.

Output serializers read only what the selectors already joined, so a list
costs a fixed number of queries. Phone and ID numbers are masked unless the
view passes ``unmasked=True`` in the context (after checking the permission
and writing the access log).
"""

from datetime import datetime

from django.db.models import F
from django.utils import timezone
from rest_framework import serializers

from jintan.api import StrictSerializer

from ..models import (
    CareTag,
    Gender,
    Household,
    HouseholdTag,
    OrgUnit,
    Place,
    PlaceCategory,
    Post,
    Resident,
)
from ..personal_data import mask_id_number, mask_phone


class UnitOutput(serializers.ModelSerializer):
    class Meta:
        model = OrgUnit
        fields = [
            "id",
            "name",
            "code",
            "level",
            "kind",
            "parent",
            "is_active",
            "center_lat",
            "center_lng",
        ]


class UnitCounts(serializers.Serializer):
    households = serializers.IntegerField()
    residents = serializers.IntegerField()
    places = serializers.IntegerField()
    staff = serializers.IntegerField()


class UnitDetailOutput(UnitOutput):
    counts = serializers.SerializerMethodField()

    class Meta(UnitOutput.Meta):
        fields = [*UnitOutput.Meta.fields, "boundary", "counts"]

    def get_counts(self, unit) -> UnitCounts:
        return self.context["counts"]


class PostOutput(serializers.ModelSerializer):
    unit = UnitOutput()
    department = serializers.CharField(
        source="department.name", default=None, allow_null=True
    )
    permissions = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = ["id", "role", "unit", "department", "permissions"]

    def get_permissions(self, post) -> list[str]:
        from ..permissions import ROLE_PERMISSIONS

        return sorted(ROLE_PERMISSIONS[post.role])


class MeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField()
    is_superuser = serializers.BooleanField()
    posts = PostOutput(many=True)
    scope = UnitOutput(many=True)


class ListedByValues(serializers.ModelSerializer):
    """An output shape that list endpoints can also build from ``.values()``.

    Fifty rows through a ModelSerializer cost about 10 ms of CPU, and loading
    them as model instances with their units as much again; a list reads plain
    values instead and shapes each row here, exactly as the serializer would
    (``test_list_rows_match_the_serializer`` holds the two together).
    """

    # Output field → ORM lookup, for fields that are not columns of the model.
    value_lookups: dict[str, str] = {}

    @classmethod
    def values_of(cls, queryset):
        lookups = {name: F(path) for name, path in cls.value_lookups.items()}
        columns = [
            f"{name}_id" if name in cls._foreign_keys() else name
            for name in cls.Meta.fields
            if name not in lookups
        ]
        return queryset.values(*columns, **lookups)

    @classmethod
    def _foreign_keys(cls):
        model = cls.Meta.model
        return {
            field.name
            for field in model._meta.concrete_fields
            if field.is_relation and field.name in cls.Meta.fields
        }

    @classmethod
    def list_row(cls, values: dict, tz=None) -> dict:
        tz = tz or timezone.get_current_timezone()
        row = {}
        for name in cls.Meta.fields:
            value = values.get(name, values.get(f"{name}_id"))
            if isinstance(value, datetime):
                value = value.astimezone(tz).isoformat()
            row[name] = value
        return row


class _PersonalData(ListedByValues):
    """Masks the fields in ``personal_fields`` unless the context says not to."""

    personal_fields: tuple[str, ...] = ()
    masks = {"phone": mask_phone, "contact_phone": mask_phone}

    @classmethod
    def list_row(cls, values: dict, tz=None) -> dict:
        row = super().list_row(values, tz)
        for field in cls.personal_fields:
            if row.get(field):
                row[field] = cls.masks.get(field, mask_id_number)(row[field])
        row["personal_data"] = "masked"
        return row

    def to_representation(self, instance):
        data = super().to_representation(instance)
        unmasked = self.context.get("unmasked", False)
        for field in self.personal_fields:
            if data.get(field) and not unmasked:
                mask = self.masks.get(field, mask_id_number)
                data[field] = mask(data[field])
        data["personal_data"] = "unmasked" if unmasked else "masked"
        return data


class HouseholdOutput(ListedByValues):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    value_lookups = {"unit_name": "unit__name"}

    class Meta:
        model = Household
        fields = [
            "id",
            "code",
            "address",
            "unit",
            "unit_name",
            "central_household",
            "member_count",
            "tags",
            "town",
            "village",
            "grid",
            "created_at",
            "updated_at",
        ]


class ResidentOutput(_PersonalData):
    personal_fields = ("phone", "id_number")

    class Meta:
        model = Resident
        fields = [
            "id",
            "household",
            "name",
            "gender",
            "birth_year",
            "phone",
            "id_number",
            "tags",
            "town",
            "village",
            "grid",
            "micro_grid",
            "created_at",
            "updated_at",
        ]


class PlaceOutput(_PersonalData):
    personal_fields = ("contact_phone",)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    value_lookups = {"unit_name": "unit__name"}

    class Meta:
        model = Place
        fields = [
            "id",
            "code",
            "name",
            "category",
            "address",
            "unit",
            "unit_name",
            "contact_name",
            "contact_phone",
            "lat",
            "lng",
            "town",
            "village",
            "grid",
            "created_at",
            "updated_at",
        ]


class HouseholdInput(StrictSerializer):
    code = serializers.CharField(max_length=32)
    address = serializers.CharField(max_length=200)
    unit = serializers.IntegerField(min_value=1)
    central_household = serializers.IntegerField(min_value=1, required=False)
    member_count = serializers.IntegerField(min_value=1, max_value=99, default=1)
    tags = serializers.ListField(
        child=serializers.ChoiceField(HouseholdTag.choices), default=list, max_length=10
    )


class ResidentInput(StrictSerializer):
    household = serializers.IntegerField(min_value=1)
    name = serializers.CharField(max_length=50)
    gender = serializers.ChoiceField(Gender.choices)
    birth_year = serializers.IntegerField(
        min_value=1900, max_value=2100, required=False, allow_null=True
    )
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    id_number = serializers.CharField(max_length=18, required=False, allow_blank=True)
    tags = serializers.ListField(
        child=serializers.ChoiceField(CareTag.choices), default=list, max_length=10
    )


class PlaceInput(StrictSerializer):
    code = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=100)
    category = serializers.ChoiceField(PlaceCategory.choices)
    address = serializers.CharField(max_length=200)
    unit = serializers.IntegerField(min_value=1)
    contact_name = serializers.CharField(
        max_length=50, required=False, allow_blank=True
    )
    contact_phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True
    )
    lat = serializers.FloatField(
        min_value=-90, max_value=90, required=False, allow_null=True
    )
    lng = serializers.FloatField(
        min_value=-180, max_value=180, required=False, allow_null=True
    )
