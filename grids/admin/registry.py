"""Households, residents and places in the admin, saved through
``grids.registry``. Phone and ID numbers are only ever shown masked: the
forms take a new number but never display the stored one."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import CareTag, Household, HouseholdTag, Place, Resident
from ..permissions import Perm
from ..personal_data import mask_id_number, mask_phone
from ..registry import (
    household_create,
    household_problems,
    household_update,
    place_create,
    place_problems,
    place_update,
    resident_create,
    resident_problems,
    resident_update,
)
from ..selectors import (
    households_visible_to,
    places_visible_to,
    residents_visible_to,
)
from .scope import ScopedAdminMixin, TownFilter
from .sheet_pages import SheetAdminMixin

KEEP_HELP = gettext_lazy("Leave empty to keep the number on record.")


def _problems_to_form(form, problems: dict, renamed: dict | None = None) -> None:
    renamed = renamed or {}
    for field, reasons in problems.items():
        field = renamed.get(field, field)
        for reason in reasons:
            form.add_error(field if field in form.fields else None, reason)


def _tags_field(choices, label):
    return forms.MultipleChoiceField(
        label=label,
        choices=choices.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class RegistryAdmin(ScopedAdminMixin, SheetAdminMixin, admin.ModelAdmin):
    edit_perm = Perm.EDIT_REGISTRY
    show_full_result_count = False
    list_per_page = 100

    def _changes(self, form, names) -> dict:
        return {
            name: form.cleaned_data[name] for name in names if name in form.changed_data
        }


class HouseholdForm(forms.ModelForm):
    tags = _tags_field(HouseholdTag, gettext_lazy("tags"))

    class Meta:
        model = Household
        fields = [
            "code",
            "address",
            "unit",
            "central_household",
            "member_count",
            "tags",
        ]

    def clean(self):
        cleaned = super().clean()
        values = {
            name: cleaned.get(name, getattr(self.instance, name, None))
            for name in ("address", "member_count", "tags")
        }
        _problems_to_form(
            self,
            household_problems(
                unit=cleaned.get("unit"),
                central_household=cleaned.get("central_household"),
                **values,
            ),
        )
        return cleaned


@admin.register(Household)
class HouseholdAdmin(RegistryAdmin):
    sheet_kind = "households"
    form = HouseholdForm
    fields = ("code", "address", "unit", "central_household", "member_count", "tags")
    change_list_template = "admin/grids/sheet_change_list.html"
    list_display = ("code", "address", "unit", "town", "member_count")
    list_select_related = ("unit", "town")
    list_filter = (TownFilter,)
    search_fields = ("code", "address")
    autocomplete_fields = ("unit", "central_household")

    def visible(self, user):
        return households_visible_to(user)

    def get_readonly_fields(self, request, obj=None):
        # The household number is its natural key in every sheet.
        return ("code",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        names = ("unit", "central_household", "address", "member_count", "tags")
        if change:
            household_update(
                actor=request.user, household=obj, **self._changes(form, names)
            )
            return
        household = household_create(
            actor=request.user,
            code=data["code"],
            **{name: data[name] for name in names},
        )
        obj.pk = household.pk
        obj._state.adding = False


class ResidentForm(forms.ModelForm):
    new_phone = forms.CharField(
        label=gettext_lazy("new phone"), max_length=20, required=False
    )
    new_id_number = forms.CharField(
        label=gettext_lazy("new ID number"), max_length=18, required=False
    )
    tags = _tags_field(CareTag, gettext_lazy("care groups"))

    class Meta:
        model = Resident
        fields = ["household", "name", "gender", "birth_year", "tags"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in ("new_phone", "new_id_number"):
                self.fields[name].help_text = KEEP_HELP
        else:
            self.fields["new_phone"].label = gettext_lazy("phone")
            self.fields["new_id_number"].label = gettext_lazy("ID number")

    def clean_new_id_number(self):
        return self.cleaned_data["new_id_number"].strip().upper()

    def clean(self):
        cleaned = super().clean()
        phone = cleaned.get("new_phone") or self.instance.phone
        id_number = cleaned.get("new_id_number") or self.instance.id_number
        _problems_to_form(
            self,
            resident_problems(
                name=cleaned.get("name", ""),
                gender=cleaned.get("gender", ""),
                birth_year=cleaned.get("birth_year"),
                phone=phone,
                id_number=id_number,
                tags=cleaned.get("tags", []),
            ),
            {"phone": "new_phone", "id_number": "new_id_number"},
        )
        taken = Resident.objects.filter(id_number=id_number).exclude(
            pk=self.instance.pk
        )
        if id_number and taken.exists():
            self.add_error(
                "new_id_number", _("A resident with this ID number is registered.")
            )
        return cleaned


@admin.register(Resident)
class ResidentAdmin(RegistryAdmin):
    sheet_kind = "residents"
    form = ResidentForm
    change_list_template = "admin/grids/sheet_change_list.html"
    list_display = (
        "name",
        "gender",
        "birth_year",
        "masked_phone",
        "masked_id_number",
        "household_code",
        "town",
    )
    list_select_related = ("household", "town")
    list_filter = ("gender", TownFilter)
    search_fields = ("name", "household__code")
    autocomplete_fields = ("household",)

    def visible(self, user):
        return residents_visible_to(user)

    def get_fields(self, request, obj=None):
        fields = ["household", "name", "gender", "birth_year"]
        if obj is not None:
            fields += ["masked_phone", "masked_id_number"]
        return [*fields, "new_phone", "new_id_number", "tags"]

    def get_readonly_fields(self, request, obj=None):
        return ("masked_phone", "masked_id_number") if obj is not None else ()

    @admin.display(description=gettext_lazy("phone"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone) if obj.phone else "—"

    @admin.display(description=gettext_lazy("ID number"))
    def masked_id_number(self, obj):
        return mask_id_number(obj.id_number) if obj.id_number else "—"

    @admin.display(description=gettext_lazy("household number"))
    def household_code(self, obj):
        return obj.household.code

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        names = ("household", "name", "gender", "birth_year", "tags")
        numbers = {
            "phone": data["new_phone"],
            "id_number": data["new_id_number"],
        }
        if change:
            changes = self._changes(form, names)
            changes.update({name: value for name, value in numbers.items() if value})
            resident_update(actor=request.user, resident=obj, **changes)
            return
        resident = resident_create(
            actor=request.user, **{name: data[name] for name in names}, **numbers
        )
        obj.pk = resident.pk
        obj._state.adding = False


class PlaceForm(forms.ModelForm):
    new_contact_phone = forms.CharField(
        label=gettext_lazy("new contact phone"), max_length=20, required=False
    )

    class Meta:
        model = Place
        fields = [
            "code",
            "name",
            "category",
            "address",
            "unit",
            "contact_name",
            "lat",
            "lng",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["new_contact_phone"].help_text = KEEP_HELP
        else:
            self.fields["new_contact_phone"].label = gettext_lazy("contact phone")

    def clean(self):
        cleaned = super().clean()
        _problems_to_form(
            self,
            place_problems(
                unit=cleaned.get("unit"),
                name=cleaned.get("name", ""),
                category=cleaned.get("category", ""),
                address=cleaned.get("address", ""),
                contact_phone=cleaned.get("new_contact_phone")
                or self.instance.contact_phone,
                lat=cleaned.get("lat"),
                lng=cleaned.get("lng"),
            ),
            {"contact_phone": "new_contact_phone"},
        )
        return cleaned


@admin.register(Place)
class PlaceAdmin(RegistryAdmin):
    sheet_kind = "places"
    form = PlaceForm
    change_list_template = "admin/grids/sheet_change_list.html"
    list_display = (
        "code",
        "name",
        "category",
        "unit",
        "town",
        "contact_name",
        "masked_contact_phone",
    )
    list_select_related = ("unit", "town")
    list_filter = ("category", TownFilter)
    search_fields = ("code", "name", "address")
    autocomplete_fields = ("unit",)

    def visible(self, user):
        return places_visible_to(user)

    def get_fields(self, request, obj=None):
        fields = ["code", "name", "category", "address", "unit", "contact_name"]
        if obj is not None:
            fields.append("masked_contact_phone")
        return [*fields, "new_contact_phone", "lat", "lng"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("code", "masked_contact_phone")

    @admin.display(description=gettext_lazy("contact phone"))
    def masked_contact_phone(self, obj):
        return mask_phone(obj.contact_phone) if obj.contact_phone else "—"

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        names = ("unit", "name", "category", "address", "contact_name", "lat", "lng")
        phone = data["new_contact_phone"]
        if change:
            changes = self._changes(form, names)
            if phone:
                changes["contact_phone"] = phone
            place_update(actor=request.user, place=obj, **changes)
            return
        place = place_create(
            actor=request.user,
            code=data["code"],
            contact_phone=phone,
            **{name: data[name] for name in names},
        )
        obj.pk = place.pk
        obj._state.adding = False
