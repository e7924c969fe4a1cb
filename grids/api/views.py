"""Thin views: check input, call one selector or service, serialize."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from jintan.errors import DomainError

from .. import registry, selectors
from ..models import Household, Level, OrgUnit, Place, Resident
from ..permissions import Perm
from . import serializers as s
from .lookups import unit_in_scope
from .permissions import HasRolePermission

READ = {"GET": Perm.VIEW_UNITS, "HEAD": Perm.VIEW_UNITS}
REGISTRY = {
    "GET": Perm.VIEW_REGISTRY,
    "HEAD": Perm.VIEW_REGISTRY,
    "POST": Perm.EDIT_REGISTRY,
    "PATCH": Perm.EDIT_REGISTRY,
}


class MeView(APIView):
    """Who I am, my posts (with what each allows) and the units I can see."""

    permission_classes = [HasRolePermission]
    required_perms = {"GET": None}

    def check_permissions(self, request):
        # Every signed-in user may read their own profile, posts or not.
        if not request.user.is_authenticated:
            self.permission_denied(request)

    @extend_schema(responses=s.MeOutput)
    def get(self, request):
        user = request.user
        scope = (
            list(OrgUnit.objects.filter(parent__isnull=True))
            if user.is_superuser
            else selectors.scope_roots(user, Perm.VIEW_UNITS)
        )
        data = {
            "id": user.pk,
            "username": user.username,
            "full_name": user.full_name,
            "is_superuser": user.is_superuser,
            "posts": selectors.posts_of(user),
            "scope": scope,
        }
        return Response(s.MeOutput(data).data)


class UnitFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label=_("name or code contains"))
    level = filters.ChoiceFilter(choices=Level.choices)

    class Meta:
        model = OrgUnit
        fields = ["q", "level", "is_active"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value))


class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    """The tree within my scope: roots, search, a unit with counts, children, path."""

    permission_classes = [HasRolePermission]
    required_perms = READ
    serializer_class = s.UnitOutput
    filterset_class = UnitFilter

    def get_queryset(self):
        return selectors.units_visible_to(self.request.user)

    def filter_queryset(self, queryset):
        if self.action == "list" and not self.request.query_params:
            roots = selectors.scope_roots(self.request.user, Perm.VIEW_UNITS)
            if not self.request.user.is_superuser:
                queryset = queryset.filter(pk__in=[root.pk for root in roots])
            else:
                queryset = queryset.filter(parent__isnull=True)
        return super().filter_queryset(queryset)

    @extend_schema(responses=s.UnitDetailOutput)
    def retrieve(self, request, *args, **kwargs):
        unit = self.get_object()
        context = {"counts": selectors.unit_counts(unit)}
        return Response(s.UnitDetailOutput(unit, context=context).data)

    @extend_schema(responses=s.UnitOutput(many=True))
    @action(detail=True, pagination_class=None)
    def children(self, request, pk=None):
        """The unit's children, in their sort order (a few dozen at most)."""
        unit = self.get_object()
        children = self.get_queryset().filter(parent=unit).order_by("lft")
        return Response(s.UnitOutput(children, many=True).data)

    @extend_schema(responses=s.UnitOutput(many=True))
    @action(detail=True, pagination_class=None)
    def path(self, request, pk=None):
        """From the top of my scope down to this unit."""
        unit = self.get_object()
        ancestors = unit.get_ancestors(include_self=True)
        visible = ancestors.filter(pk__in=self.get_queryset().values("pk"))
        return Response(s.UnitOutput(visible, many=True).data)


class RegistryFilter(filters.FilterSet):
    """Filters shared by the registry lists: ``unit`` (anything under it), ``q``."""

    unit = filters.NumberFilter(method="under_unit", label=_("under unit"))

    def under_unit(self, queryset, name, value):
        unit = selectors.units_visible_to(self.request.user).filter(pk=value).first()
        if unit is None:
            return queryset.none()
        return queryset.filter(selectors.ancestry_q([unit]))


class TaggedFilter(RegistryFilter):
    tag = filters.CharFilter(method="with_tag", label=_("tag"))

    def with_tag(self, queryset, name, value):
        # Tags are a JSON list; matching the quoted value works on every backend.
        return queryset.filter(tags__icontains=f'"{value}"')


class HouseholdFilter(TaggedFilter):
    q = filters.CharFilter(method="search", label=_("address or number contains"))

    class Meta:
        model = Household
        fields = ["unit", "tag", "q", "central_household"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(address__icontains=value) | Q(code=value))


class ResidentFilter(TaggedFilter):
    q = filters.CharFilter(method="search", label=_("name contains"))

    class Meta:
        model = Resident
        fields = ["unit", "tag", "q", "household", "gender"]

    def search(self, queryset, name, value):
        return queryset.filter(name__icontains=value)


class PlaceFilter(RegistryFilter):
    q = filters.CharFilter(method="search", label=_("name or address contains"))

    class Meta:
        model = Place
        fields = ["unit", "q", "category"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(address__icontains=value))


class RegistryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """List, read, create and change rows of the registry within scope."""

    permission_classes = [HasRolePermission]
    required_perms = REGISTRY
    http_method_names = ["get", "post", "patch", "head", "options"]
    visible_to = None  # a selector
    input_class = None
    output_class = None
    personal_fields: tuple[str, ...] = ()

    def get_queryset(self):
        return type(self).visible_to(self.request.user)

    def get_serializer_class(self):
        return self.output_class

    def list(self, request, *args, **kwargs):
        rows = self.output_class.values_of(self.filter_queryset(self.get_queryset()))
        page = self.paginate_queryset(rows)
        tz = timezone.get_current_timezone()
        return self.get_paginated_response(
            [self.output_class.list_row(values, tz) for values in page]
        )

    def retrieve(self, request, *args, **kwargs):
        row = self.get_object()
        return Response(self._output(row))

    def _output(self, row):
        unmasked = False
        if self.personal_fields and Perm.VIEW_PERSONAL_DATA in selectors.perms_on_row(
            self.request.user, row
        ):
            registry.personal_data_access_record(
                actor=self.request.user,
                subject=row,
                fields=list(self.personal_fields),
                request=self.request,
            )
            unmasked = True
        return self.output_class(row, context={"unmasked": unmasked}).data

    def _editable_unit(self, unit_id, field="unit"):
        units = selectors.units_visible_to(self.request.user, Perm.EDIT_REGISTRY)
        return unit_in_scope(units, unit_id, field=field)

    def _editable(self, row):
        if Perm.EDIT_REGISTRY not in selectors.perms_on_row(self.request.user, row):
            self.permission_denied(self.request)
        return row

    def _input(self, partial=False):
        data = self.input_class(data=self.request.data, partial=partial)
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)


class HouseholdViewSet(RegistryViewSet):
    visible_to = staticmethod(selectors.households_visible_to)
    output_class = s.HouseholdOutput
    input_class = s.HouseholdInput
    filterset_class = HouseholdFilter

    def _resolve(self, values):
        if "unit" in values:
            values["unit"] = self._editable_unit(values["unit"])
        if values.get("central_household"):
            values["central_household"] = self._editable_unit(
                values["central_household"], "central_household"
            )
        return values

    @extend_schema(request=s.HouseholdInput, responses={201: s.HouseholdOutput})
    def create(self, request):
        values = self._resolve(self._input())
        household = registry.household_create(actor=request.user, **values)
        return Response(self._output(household), status.HTTP_201_CREATED)

    @extend_schema(request=s.HouseholdInput, responses=s.HouseholdOutput)
    def partial_update(self, request, pk=None):
        household = self._editable(self.get_object())
        values = self._resolve(self._input(partial=True))
        if "code" in values and values.pop("code") != household.code:
            raise DomainError(
                _("A household number cannot be changed."),
                code="invalid",
                fields={"code": [_("Cannot be changed.")]},
            )
        household = registry.household_update(
            actor=request.user, household=household, **values
        )
        return Response(self._output(household))


class ResidentViewSet(RegistryViewSet):
    visible_to = staticmethod(selectors.residents_visible_to)
    output_class = s.ResidentOutput
    input_class = s.ResidentInput
    filterset_class = ResidentFilter
    personal_fields = ("phone", "id_number")

    def _household(self, household_id):
        household = (
            selectors.households_visible_to(self.request.user, Perm.EDIT_REGISTRY)
            .filter(pk=household_id)
            .first()
        )
        if household is None:
            raise DomainError(
                _("No such household in your area."),
                code="invalid",
                fields={"household": [_("No such household in your area.")]},
            )
        return household

    @extend_schema(request=s.ResidentInput, responses={201: s.ResidentOutput})
    def create(self, request):
        values = self._input()
        values["household"] = self._household(values["household"])
        resident = registry.resident_create(actor=request.user, **values)
        return Response(self._output(resident), status.HTTP_201_CREATED)

    @extend_schema(request=s.ResidentInput, responses=s.ResidentOutput)
    def partial_update(self, request, pk=None):
        resident = self._editable(self.get_object())
        values = self._input(partial=True)
        if "household" in values:
            values["household"] = self._household(values["household"])
        resident = registry.resident_update(
            actor=request.user, resident=resident, **values
        )
        return Response(self._output(resident))


class PlaceViewSet(RegistryViewSet):
    visible_to = staticmethod(selectors.places_visible_to)
    output_class = s.PlaceOutput
    input_class = s.PlaceInput
    filterset_class = PlaceFilter
    personal_fields = ("contact_phone",)

    @extend_schema(request=s.PlaceInput, responses={201: s.PlaceOutput})
    def create(self, request):
        values = self._input()
        values["unit"] = self._editable_unit(values["unit"])
        place = registry.place_create(actor=request.user, **values)
        return Response(self._output(place), status.HTTP_201_CREATED)

    @extend_schema(request=s.PlaceInput, responses=s.PlaceOutput)
    def partial_update(self, request, pk=None):
        place = self._editable(self.get_object())
        values = self._input(partial=True)
        if "unit" in values:
            values["unit"] = self._editable_unit(values["unit"])
        if "code" in values and values.pop("code") != place.code:
            raise DomainError(
                _("A place number cannot be changed."),
                code="invalid",
                fields={"code": [_("Cannot be changed.")]},
            )
        place = registry.place_update(actor=request.user, place=place, **values)
        return Response(self._output(place))
