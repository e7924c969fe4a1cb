"""Writes to the registry (人、地、物): households, residents and places.

Each row carries the ancestry ids of its unit, set here and nowhere else
(``unit_move`` keeps them right afterwards). Phone and ID numbers are checked
on the way in; bulk imports reuse the same row checks (``*_problems``).
"""

from django.db import transaction
from django.utils.translation import gettext as _

from jintan.errors import DomainError

from .models import (
    ANCESTRY_LEVELS,
    CareTag,
    Gender,
    Household,
    HouseholdTag,
    Level,
    OrgUnit,
    PersonalDataAccess,
    Place,
    PlaceCategory,
    Resident,
)
from .personal_data import id_number_is_valid, phone_is_valid

PLACE_LEVELS = (Level.GRID, Level.MICRO_GRID)


def ancestry_ids(unit: OrgUnit) -> dict[str, int | None]:
    """The ancestry a registry row on ``unit`` carries: the unit's own."""
    return {
        f"{lvl.value}_id": getattr(unit, f"{lvl.value}_id") for lvl in ANCESTRY_LEVELS
    }


def _raise_if(problems: dict[str, list[str]], message: str) -> None:
    if problems:
        raise DomainError(message, code="invalid", fields=problems)


def _level_problem(unit: OrgUnit | None, levels, field: str) -> dict:
    if unit is None:
        return {field: [_("This field is required.")]}
    if unit.level not in levels:
        names = "、".join(str(Level(level).label) for level in levels)
        return {
            field: [
                _("%(unit)s is a %(level)s; expected a %(expected)s.")
                % {
                    "unit": unit.name,
                    "level": Level(unit.level).label,
                    "expected": names,
                }
            ]
        }
    if not unit.is_active:
        return {field: [_("%(unit)s is deactivated.") % {"unit": unit.name}]}
    return {}


# Django rebuilds Choices.values on every access; imports check 200,000 rows.
_ALLOWED_TAGS = {
    HouseholdTag: frozenset(HouseholdTag.values),
    CareTag: frozenset(CareTag.values),
}


def _tags_problem(tags, choices, field: str) -> dict:
    allowed_tags = _ALLOWED_TAGS[choices]
    if not isinstance(tags, list) or any(tag not in allowed_tags for tag in tags):
        allowed = ", ".join(choices.values)
        return {field: [_("Unknown tag; allowed: %(allowed)s") % {"allowed": allowed}]}
    return {}


def household_problems(
    *, unit, central_household, address, member_count, tags
) -> dict[str, list[str]]:
    problems = _level_problem(unit, (Level.MICRO_GRID,), "unit")
    if central_household is not None:
        if central_household.level != Level.CENTRAL_HOUSEHOLD:
            problems["central_household"] = [_("Not a party-member central household.")]
        elif unit is not None and central_household.parent_id != unit.pk:
            problems["central_household"] = [
                _("The central household belongs to another micro-grid.")
            ]
    if not address or not address.strip():
        problems["address"] = [_("This field is required.")]
    if not isinstance(member_count, int) or not 1 <= member_count <= 99:
        problems["member_count"] = [_("Members must be a whole number from 1 to 99.")]
    problems.update(_tags_problem(tags, HouseholdTag, "tags"))
    return problems


def resident_problems(
    *, name, gender, birth_year, phone, id_number, tags
) -> dict[str, list[str]]:
    problems = {}
    if not name or not name.strip():
        problems["name"] = [_("This field is required.")]
    if gender not in Gender.values:
        problems["gender"] = [_("Gender must be male or female.")]
    if birth_year is not None and not (
        isinstance(birth_year, int) and 1900 <= birth_year <= 2100
    ):
        problems["birth_year"] = [_("Birth year must be between 1900 and 2100.")]
    if phone and not phone_is_valid(phone):
        problems["phone"] = [_("Not a valid mainland mobile or landline number.")]
    if id_number and not id_number_is_valid(id_number):
        problems["id_number"] = [
            _("Not a valid 18-character resident ID number (checksum fails).")
        ]
    problems.update(_tags_problem(tags, CareTag, "tags"))
    return problems


def place_problems(
    *, unit, name, category, address, contact_phone, lat, lng
) -> dict[str, list[str]]:
    problems = _level_problem(unit, PLACE_LEVELS, "unit")
    if not name or not name.strip():
        problems["name"] = [_("This field is required.")]
    if category not in PlaceCategory.values:
        problems["category"] = [_("Unknown place category.")]
    if not address or not address.strip():
        problems["address"] = [_("This field is required.")]
    if contact_phone and not phone_is_valid(contact_phone):
        problems["contact_phone"] = [
            _("Not a valid mainland mobile or landline number.")
        ]
    if (lat is None) != (lng is None):
        problems["lat"] = [_("Give both latitude and longitude, or neither.")]
    elif lat is not None and not (-90 <= lat <= 90 and -180 <= lng <= 180):
        problems["lat"] = [_("Coordinates out of range.")]
    return problems


def household_create(
    *,
    actor,
    code: str,
    unit: OrgUnit,
    address: str,
    central_household: OrgUnit | None = None,
    member_count: int = 1,
    tags: list[str] | None = None,
) -> Household:
    tags = tags or []
    problems = household_problems(
        unit=unit,
        central_household=central_household,
        address=address,
        member_count=member_count,
        tags=tags,
    )
    if Household.objects.filter(code=code).exists():
        problems["code"] = [_("Already in use.")]
    _raise_if(problems, _("The household could not be saved."))
    return Household.objects.create(
        code=code,
        unit=unit,
        central_household=central_household,
        address=address.strip(),
        member_count=member_count,
        tags=tags,
        **ancestry_ids(unit),
    )


def household_update(*, actor, household: Household, **changes) -> Household:
    """Change a household; moving it to another micro-grid moves its residents."""
    with transaction.atomic():
        household = Household.objects.select_for_update().get(pk=household.pk)
        values = {
            "unit": household.unit,
            "central_household": household.central_household,
            "address": household.address,
            "member_count": household.member_count,
            "tags": household.tags,
            **changes,
        }
        _raise_if(household_problems(**values), _("The household could not be saved."))
        moved = "unit" in changes and changes["unit"].pk != household.unit_id
        for field, value in values.items():
            setattr(household, field, value)
        fields = list(values)
        ancestry = ancestry_ids(household.unit)
        for field, value in ancestry.items():
            setattr(household, field, value)
        household.save(update_fields=[*fields, *ancestry, "updated_at"])
        if moved:
            household.residents.update(**ancestry)
    return household


def resident_create(
    *,
    actor,
    household: Household,
    name: str,
    gender: str,
    birth_year: int | None = None,
    phone: str = "",
    id_number: str = "",
    tags: list[str] | None = None,
) -> Resident:
    tags = tags or []
    id_number = id_number.upper()
    problems = resident_problems(
        name=name,
        gender=gender,
        birth_year=birth_year,
        phone=phone,
        id_number=id_number,
        tags=tags,
    )
    if id_number and Resident.objects.filter(id_number=id_number).exists():
        problems["id_number"] = [_("A resident with this ID number is registered.")]
    _raise_if(problems, _("The resident could not be saved."))
    return Resident.objects.create(
        household=household,
        name=name.strip(),
        gender=gender,
        birth_year=birth_year,
        phone=phone,
        id_number=id_number,
        tags=tags,
        **_household_ancestry(household),
    )


def resident_update(*, actor, resident: Resident, **changes) -> Resident:
    with transaction.atomic():
        resident = Resident.objects.select_for_update().get(pk=resident.pk)
        household = changes.pop("household", resident.household)
        values = {
            "name": resident.name,
            "gender": resident.gender,
            "birth_year": resident.birth_year,
            "phone": resident.phone,
            "id_number": resident.id_number,
            "tags": resident.tags,
            **changes,
        }
        values["id_number"] = values["id_number"].upper()
        problems = resident_problems(**values)
        if (
            values["id_number"]
            and Resident.objects.filter(id_number=values["id_number"])
            .exclude(pk=resident.pk)
            .exists()
        ):
            problems["id_number"] = [_("A resident with this ID number is registered.")]
        _raise_if(problems, _("The resident could not be saved."))
        ancestry = _household_ancestry(household)
        for field, value in {**values, **ancestry}.items():
            setattr(resident, field, value)
        resident.household = household
        resident.save(update_fields=[*values, *ancestry, "household", "updated_at"])
    return resident


def _household_ancestry(household: Household) -> dict[str, int | None]:
    return {
        f"{lvl.value}_id": getattr(household, f"{lvl.value}_id")
        for lvl in ANCESTRY_LEVELS
    }


def place_create(
    *,
    actor,
    code: str,
    unit: OrgUnit,
    name: str,
    category: str,
    address: str,
    contact_name: str = "",
    contact_phone: str = "",
    lat: float | None = None,
    lng: float | None = None,
) -> Place:
    problems = place_problems(
        unit=unit,
        name=name,
        category=category,
        address=address,
        contact_phone=contact_phone,
        lat=lat,
        lng=lng,
    )
    if Place.objects.filter(code=code).exists():
        problems["code"] = [_("Already in use.")]
    _raise_if(problems, _("The place could not be saved."))
    return Place.objects.create(
        code=code,
        unit=unit,
        name=name.strip(),
        category=category,
        address=address.strip(),
        contact_name=contact_name,
        contact_phone=contact_phone,
        lat=lat,
        lng=lng,
        **ancestry_ids(unit),
    )


def place_update(*, actor, place: Place, **changes) -> Place:
    with transaction.atomic():
        place = Place.objects.select_for_update().get(pk=place.pk)
        values = {
            "unit": place.unit,
            "name": place.name,
            "category": place.category,
            "address": place.address,
            "contact_phone": place.contact_phone,
            "lat": place.lat,
            "lng": place.lng,
        }
        unknown = set(changes) - set(values) - {"contact_name"}
        if unknown:
            raise DomainError(
                _("These fields cannot be changed here: %(fields)s")
                % {"fields": ", ".join(sorted(unknown))},
                code="not_editable",
            )
        values.update({key: changes[key] for key in values if key in changes})
        _raise_if(place_problems(**values), _("The place could not be saved."))
        ancestry = ancestry_ids(values["unit"])
        for field, value in {**changes, **ancestry}.items():
            setattr(place, field, value)
        place.save(update_fields=[*changes, *ancestry, "updated_at"])
    return place


def personal_data_access_record(
    *, actor, subject, fields: list[str], request=None
) -> None:
    """Write who read ``subject``'s unmasked ``fields``, when and from where."""
    meta = request.META if request is not None else {}
    PersonalDataAccess.objects.create(
        user=actor,
        subject_type=subject._meta.model_name,
        subject_id=subject.pk,
        subject_name=str(subject)[:100],
        fields=fields,
        ip_address=meta.get("REMOTE_ADDR") or None,
        user_agent=meta.get("HTTP_USER_AGENT", "")[:200],
        path=request.get_full_path()[:200] if request is not None else "",
    )
