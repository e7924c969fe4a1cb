"""Forms of the command-center pages: the desk, a ticket's actions, the alert filter.

Every choice (ticket, unit, worker, department) is drawn from the viewer's
scope, so a value from outside it is a validation error and nothing is
written. The forms check what can be checked before writing (a worker who
holds no post on the chosen unit, a department that does not serve it); the
services still decide, per ticket, under the ticket's lock.
"""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grids.models import Level, OrgUnit
from grids.selectors import units_visible_to
from workorders.lifecycle import STEPS
from workorders.models import Satisfaction, WorkOrder
from workorders.selectors import workorders_visible_to
from workorders.services import workorder_act

from . import services
from .api import ALERT_STATES
from .models import AlertKind
from .selectors import desk

INDENT = "\u3000"  # an ideographic space per tree level in unit lists


class TreeSelect(forms.Select):
    """A select whose options carry the tree bounds of their unit
    (``data-tree``, ``data-lft``, ``data-rght``), so ``desk.js`` can narrow
    the worker and department lists to those serving the chosen unit."""

    def unit_of(self, value, index) -> OrgUnit | None:
        return getattr(value, "instance", None)

    def create_option(self, name, value, label, selected, index, *args, **kwargs):
        option = super().create_option(
            name, value, label, selected, index, *args, **kwargs
        )
        unit = self.unit_of(value, index) if value not in ("", None) else None
        if unit is not None:
            option["attrs"].update(
                {
                    "data-tree": unit.tree_id,
                    "data-lft": unit.lft,
                    "data-rght": unit.rght,
                }
            )
        return option


class TerritorySelect(TreeSelect):
    def unit_of(self, value, index):
        department = getattr(value, "instance", None)
        return department.territory if department is not None else None


class PostGroupSelect(TreeSelect):
    """Workers grouped by the unit of their post; ``group_units[i]`` is group i's."""

    def __init__(self, *args, group_units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.group_units = list(group_units)

    def unit_of(self, value, index):
        return self.group_units[index] if index < len(self.group_units) else None


class UnitChoiceField(forms.ModelChoiceField):
    """Units in tree order, indented by level."""

    def label_from_instance(self, unit):
        return f"{INDENT * Level(unit.level).rank}{unit.name}"


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, department):
        return f"{department.name}（{department.territory.name}）"


def _add_target_fields(form, user, *, unit_required: bool):
    """Unit, worker and department: where a dispatch sends tickets."""
    form.fields["unit"] = UnitChoiceField(
        label=gettext_lazy("Unit"),
        queryset=desk.target_units(user),
        required=unit_required,
        empty_label=gettext_lazy("— choose a unit —"),
        widget=TreeSelect,
        error_messages={"invalid_choice": gettext_lazy("No such unit in your area.")},
    )
    posts = list(desk.owner_posts(user))
    groups, group_units, people = {}, [], {}
    for post in posts:
        if post.unit_id not in groups:
            groups[post.unit_id] = (post.unit.name, [])
            group_units.append(post.unit)
        groups[post.unit_id][1].append(
            (post.user_id, f"{post.user} · {post.get_role_display()}")
        )
        people[post.user_id] = post.user
    # Index 0 of the choices is the empty one; groups follow.
    widget = PostGroupSelect(group_units=[None, *group_units])
    form.fields["owner"] = forms.TypedChoiceField(
        label=gettext_lazy("Worker (optional)"),
        choices=[("", gettext_lazy("— any worker of the unit —")), *groups.values()],
        coerce=int,
        empty_value=None,
        required=False,
        widget=widget,
        error_messages={"invalid_choice": gettext_lazy("No such worker in your area.")},
    )
    form.people = people
    form.fields["department"] = DepartmentChoiceField(
        label=gettext_lazy("Department (optional)"),
        queryset=desk.target_departments(user),
        required=False,
        empty_label=gettext_lazy("— no department —"),
        widget=TerritorySelect,
        error_messages={
            "invalid_choice": gettext_lazy("No such department serving your area.")
        },
    )


def _clean_target(form, cleaned):
    """Worker and department must serve the chosen unit (as dispatch requires)."""
    unit = cleaned.get("unit")
    owner_id = cleaned.get("owner")
    cleaned["owner"] = form.people.get(owner_id) if owner_id else None
    owner, department = cleaned["owner"], cleaned.get("department")
    if unit is None:
        return cleaned
    if owner is not None and not desk.worker_covers(owner, unit):
        form.add_error(
            "owner",
            _("%(person)s holds no post on or above %(unit)s.")
            % {"person": owner, "unit": unit.name},
        )
    if department is not None and not desk.unit_covers(department.territory, unit):
        form.add_error(
            "department",
            _("%(department)s does not serve %(unit)s.")
            % {"department": department.name, "unit": unit.name},
        )
    return cleaned


class DeskForm(forms.Form):
    """The desk's one form: the ticked tickets and what to do with them."""

    ACTIONS = {
        "dispatch": gettext_lazy("Dispatch"),
        "return": gettext_lazy("Return"),
        "merge": gettext_lazy("Merge duplicates"),
    }

    action = forms.ChoiceField(choices=list(ACTIONS.items()))
    tickets = forms.ModelMultipleChoiceField(
        queryset=WorkOrder.objects.none(),
        error_messages={
            "required": gettext_lazy("Tick at least one ticket."),
            "invalid_choice": gettext_lazy("Ticket %(value)s is not in your area."),
            "invalid_pk_value": gettext_lazy("“%(pk)s” is not a ticket."),
        },
    )
    instructions = forms.CharField(
        label=gettext_lazy("Instructions (optional)"),
        max_length=2000,
        required=False,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=2000, required=False
    )
    keep = forms.ModelChoiceField(
        queryset=WorkOrder.objects.none(),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("No such ticket in your area.")},
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tickets"].queryset = desk.desk_tickets(user).order_by("id")
        self.fields["keep"].queryset = workorders_visible_to(user)
        _add_target_fields(self, user, unit_required=False)

    def clean(self):
        cleaned = super().clean()
        action = cleaned.get("action")
        if action == "dispatch":
            if cleaned.get("unit") is None and "unit" not in self.errors:
                self.add_error("unit", _("Choose the unit to dispatch to."))
            _clean_target(self, cleaned)
        elif action == "return" and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("Say why the tickets are returned."))
        elif action == "merge":
            keep = cleaned.get("keep")
            if keep is None and "keep" not in self.errors:
                self.add_error("keep", _("Mark the ticket to keep."))
            tickets = cleaned.get("tickets") or []
            if keep is not None and not [t for t in tickets if t.pk != keep.pk]:
                self.add_error(
                    "tickets", _("Tick the duplicates to merge into the kept ticket.")
                )
        return cleaned

    def versions(self) -> dict[int, int]:
        """The version each ticked ticket had when the desk was rendered."""
        versions = {}
        for ticket in self.cleaned_data.get("tickets") or []:
            value = self.data.get(f"v{ticket.pk}", "")
            if value.isdigit():
                versions[ticket.pk] = int(value)
        return versions

    def act(self, actor) -> list[services.Outcome]:
        """Carry out the chosen action on each ticked ticket; raises
        ``DomainError`` only where the whole action is refused (a dead kept
        ticket)."""
        data = self.cleaned_data
        tickets = list(data["tickets"])
        versions = self.versions()
        if data["action"] == "dispatch":
            return services.workorders_dispatch_bulk(
                actor=actor,
                workorders=tickets,
                unit=data["unit"],
                owner=data["owner"],
                department=data["department"],
                note=data["instructions"],
                versions=versions,
            )
        if data["action"] == "return":
            return services.workorders_return(
                actor=actor,
                workorders=tickets,
                reason=data["reason"].strip(),
                versions=versions,
            )
        return services.workorders_merge(
            actor=actor, keep=data["keep"], duplicates=tickets, versions=versions
        )


class QuickDispatchForm(forms.Form):
    """One row's “dispatch to the suggested unit” button."""

    quick = forms.ModelChoiceField(queryset=WorkOrder.objects.none())

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quick"].queryset = desk.desk_tickets(user)

    def act(self, actor) -> services.Outcome:
        ticket = self.cleaned_data["quick"]
        value = self.data.get(f"v{ticket.pk}", "")
        return services.workorder_dispatch_suggested(
            actor=actor,
            workorder=ticket,
            version=int(value) if value.isdigit() else None,
        )


class TicketActionForm(forms.Form):
    """One lifecycle step on the ticket page, with the fields the step needs.

    ``version`` is the version the page was rendered with; the service
    refuses the step (409) if the ticket changed since.
    """

    # Steps that move the ticket on towards closing: the page's main buttons.
    FORWARD = frozenset(
        {"dispatch", "accept", "start", "resolve", "review_pass", "resume"}
    )

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, user, ticket, action, *args, **kwargs):
        kwargs.setdefault("prefix", action)
        super().__init__(*args, **kwargs)
        self.user, self.ticket, self.action = user, ticket, action
        self.step = STEPS[action]
        self.forward = action in self.FORWARD
        requires = self.step.requires
        if action == "dispatch":
            _add_target_fields(self, user, unit_required=True)
        if "note" in requires or action == "dispatch":
            self.fields["note"] = forms.CharField(
                label=_("Reason") if "note" in requires else _("Instructions"),
                max_length=2000,
                required="note" in requires,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        if "satisfaction" in requires:
            self.fields["satisfaction"] = forms.ChoiceField(
                label=_("Satisfaction"), choices=Satisfaction.choices
            )
        if action == "cancel":
            self.fields["duplicate_of"] = forms.CharField(
                label=_("Duplicate of (ticket number, optional)"),
                max_length=20,
                required=False,
            )

    def clean_duplicate_of(self):
        number = self.cleaned_data["duplicate_of"].strip()
        if not number:
            return None
        found = (
            workorders_visible_to(self.user)
            .filter(number=number)
            .exclude(pk=self.ticket.pk)
            .first()
        )
        if found is None:
            raise forms.ValidationError(_("No such ticket in your area."))
        return found

    def clean(self):
        cleaned = super().clean()
        if self.action == "dispatch":
            _clean_target(self, cleaned)
        return cleaned

    def act(self, actor) -> WorkOrder:
        """Take the step; raises ``DomainError`` / ``Conflict`` as the service does."""
        values = {
            name: value
            for name, value in self.cleaned_data.items()
            if name != "version" and value not in (None, "")
        }
        return workorder_act(
            actor=actor,
            workorder=self.ticket,
            action=self.action,
            version=self.cleaned_data["version"],
            **values,
        )


LEVEL_CHOICES = [
    ("", gettext_lazy("Any level")),
    (0, gettext_lazy("Own unit")),
    (1, gettext_lazy("1 level up")),
    (2, gettext_lazy("2 levels up")),
    (3, gettext_lazy("3 levels up")),
    (4, gettext_lazy("4 levels up")),
]
STATE_LABELS = {
    "open": gettext_lazy("Open"),
    "unacknowledged": gettext_lazy("Open, not acknowledged"),
    "closed": gettext_lazy("Closed"),
}
FILTER_UNIT_LEVELS = (Level.DISTRICT, Level.TOWN, Level.VILLAGE, Level.GRID)


class AlertFilterForm(forms.Form):
    """The alert list's filters; every one optional, the unit one of the viewer's."""

    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=[("", gettext_lazy("Any kind")), *AlertKind.choices],
        required=False,
    )
    level = forms.TypedChoiceField(
        label=gettext_lazy("Escalation level"),
        choices=LEVEL_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )
    unit = UnitChoiceField(
        label=gettext_lazy("Unit"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=gettext_lazy("All my area"),
        error_messages={"invalid_choice": gettext_lazy("No such unit in your area.")},
    )
    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        choices=[("", gettext_lazy("Any state"))]
        + [(state, STATE_LABELS[state]) for state in ALERT_STATES],
        required=False,
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = (
            units_visible_to(user)
            .filter(level__in=FILTER_UNIT_LEVELS, is_active=True)
            .order_by("tree_id", "lft")
        )
