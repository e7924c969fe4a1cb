"""Reads of tickets, scoped to a user (through ``grids.selectors``)."""

from datetime import timedelta

from django.db.models import CharField, FilteredRelation, Q, QuerySet, Value
from django.utils import timezone

from grids.models import Role
from grids.selectors import ancestry_q, posts_covering, posts_of

from .lifecycle import STEPS
from .models import OPEN_STATUSES, Category, WorkOrder

DUE_SOON = timedelta(hours=24)


def workorders_visible_to(user) -> QuerySet[WorkOrder]:
    """Tickets under the user's posts; department staff see their department's only."""
    tickets = WorkOrder.objects.select_related("category", "unit", "owner")
    if user.is_superuser:
        return tickets
    return tickets.filter(workorders_scope_q(user))


def workorders_scope_q(user, *, prefix: str = "") -> Q:
    """The condition for "a ticket the user may see", on any table that joins one.

    A user whose every post is a department post sees only that department's
    tickets; other posts see everything under their units. ``prefix`` puts the
    condition on a related ticket (``workorder__``), so alerts and reports are
    scoped by the very rule that scopes tickets. Superusers: no condition.
    """
    if user.is_superuser:
        return Q()
    posts = posts_of(user)
    general = [p.unit for p in posts if p.role != Role.DEPARTMENT_STAFF]
    visible = ancestry_q(general, prefix=prefix)
    for post in posts:
        if post.role == Role.DEPARTMENT_STAFF:
            visible |= ancestry_q([post.unit], prefix=prefix) & Q(
                **{f"{prefix}department_id": post.department_id}
            )
    return visible


def workorders_filtered(queryset, *, status=None, due=None, mine_of=None):
    """The task-list filters: a status, ``due=soon|overdue``, my own tickets."""
    now = timezone.now()
    if status:
        queryset = queryset.filter(status=status)
    if due == "overdue":
        queryset = queryset.filter(status__in=OPEN_STATUSES, resolve_deadline__lt=now)
    elif due == "soon":
        queryset = queryset.filter(
            status__in=OPEN_STATUSES,
            resolve_deadline__gte=now,
            resolve_deadline__lt=now + DUE_SOON,
        )
    if mine_of is not None:
        queryset = queryset.filter(owner=mine_of)
    return queryset


def actor_roles(user, workorder) -> set[Role]:
    """The roles the user holds over ``workorder`` (department posts: own tickets)."""
    if user.is_superuser:
        return set(Role)
    return {
        Role(post.role)
        for post in posts_covering(user, workorder)
        if post.role != Role.DEPARTMENT_STAFF
        or post.department_id == workorder.department_id
    }


def actions_allowed(user, workorder) -> list[str]:
    """The lifecycle actions the user could take on the ticket as it is now."""
    roles = actor_roles(user, workorder)
    return [
        step.action
        for step in STEPS.values()
        if workorder.status in step.sources and roles & step.roles
    ]


def categories_active() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True).select_related("module")


def categories_with_rule(priority: str) -> QuerySet[Category]:
    """Categories, each read together with its deadline rule for ``priority``.

    One query gives the category and, as ``category.deadline_rule``, its rule
    for that priority (the attribute is absent when it has none);
    ``deadline_rule_priority`` says which priority was read, so
    ``services.deadlines_for`` uses the rule instead of asking again.
    """
    return Category.objects.annotate(
        deadline_rule=FilteredRelation(
            "deadline_rules", condition=Q(deadline_rules__priority=priority)
        ),
        deadline_rule_priority=Value(priority, output_field=CharField()),
    ).select_related("deadline_rule")


def workorders_changed_since(user, since, *, limit: int, lag: timedelta):
    """Tickets in scope changed after the ``since`` mark, oldest change first.

    ``since`` is ``(updated_at, id)`` of the last row a terminal received, or
    None for everything. Rows changed in the last ``lag`` are held back: a
    transaction that stamped an earlier ``updated_at`` may still be committing,
    and a terminal that moved its mark past it would never see that change.
    """
    tickets = workorders_visible_to(user).filter(updated_at__lte=timezone.now() - lag)
    if since is not None:
        moment, last_id = since
        tickets = tickets.filter(
            Q(updated_at__gt=moment) | Q(updated_at=moment, id__gt=last_id)
        )
    return tickets.order_by("updated_at", "id")[:limit]
