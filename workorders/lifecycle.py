"""The ticket lifecycle, written once: which action leads from which states to
which, who may take it, and what it needs.

    new ─dispatch→ dispatched ─accept→ accepted ─start→ in_progress ─resolve→
    resolved ─review_pass→ closed        resolved ─review_fail→ in_progress
    dispatched/accepted ─return→ returned ─dispatch→ dispatched
    dispatched/accepted/in_progress ─escalate→ dispatched (at the parent unit)
    accepted/in_progress ─suspend→ suspended ─resume→ (where it was)
    new/dispatched/returned ─cancel→ cancelled
    closed ─follow_up→ closed (satisfaction)    closed ─reopen→ in_progress

The services (``workorders.services``) apply these steps; the API exposes one
endpoint per action; the pages show the actions a viewer's posts allow.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from grids.models import Role

from .models import Status

WORKERS = frozenset(
    {Role.GRID_WORKER, Role.PART_TIME_GRID_WORKER, Role.CADRE, Role.DEPARTMENT_STAFF}
)
DISPATCHERS = frozenset({Role.DISPATCHER, Role.COMMANDER, Role.ADMINISTRATOR})
REVIEWERS = frozenset(
    {Role.REVIEWER, Role.DISPATCHER, Role.COMMANDER, Role.ADMINISTRATOR}
)


@dataclass(frozen=True)
class Step:
    action: str
    label: str
    sources: frozenset
    target: Status | None  # None: back to where the ticket was (resume)
    roles: frozenset
    requires: frozenset = frozenset()
    # Only the ticket's owner (when it has one) may take worker steps.
    owner_only: bool = False


def _step(action, label, sources, target, roles, requires=(), owner_only=False):
    return Step(
        action,
        label,
        frozenset(sources),
        target,
        roles,
        frozenset(requires),
        owner_only,
    )


S = Status
STEPS = {
    step.action: step
    for step in (
        _step(
            "dispatch",
            _("Dispatch"),
            {S.NEW, S.RETURNED},
            S.DISPATCHED,
            DISPATCHERS,
            {"unit"},
        ),
        _step(
            "accept",
            _("Sign for"),
            {S.DISPATCHED},
            S.ACCEPTED,
            WORKERS,
            owner_only=True,
        ),
        _step(
            "start",
            _("Start handling"),
            {S.ACCEPTED},
            S.IN_PROGRESS,
            WORKERS,
            owner_only=True,
        ),
        _step(
            "resolve",
            _("Resolve"),
            {S.ACCEPTED, S.IN_PROGRESS},
            S.RESOLVED,
            WORKERS,
            {"note"},
            owner_only=True,
        ),
        _step("review_pass", _("Pass review"), {S.RESOLVED}, S.CLOSED, REVIEWERS),
        _step(
            "review_fail",
            _("Fail review"),
            {S.RESOLVED},
            S.IN_PROGRESS,
            REVIEWERS,
            {"note"},
        ),
        _step(
            "return",
            _("Return"),
            {S.DISPATCHED, S.ACCEPTED},
            S.RETURNED,
            WORKERS,
            {"note"},
        ),
        # A command center's "not ours": back to the district's queue (退回上级).
        _step(
            "send_back",
            _("Send back to the district"),
            {S.NEW, S.RETURNED},
            S.NEW,
            DISPATCHERS,
            {"note"},
        ),
        _step(
            "escalate",
            _("Escalate"),
            {S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS},
            S.DISPATCHED,
            WORKERS | DISPATCHERS,
            {"note"},
        ),
        _step(
            "suspend",
            _("Suspend"),
            {S.ACCEPTED, S.IN_PROGRESS},
            S.SUSPENDED,
            DISPATCHERS,
            {"note"},
        ),
        _step("resume", _("Resume"), {S.SUSPENDED}, None, DISPATCHERS),
        _step(
            "cancel",
            _("Cancel"),
            {S.NEW, S.DISPATCHED, S.RETURNED},
            S.CANCELLED,
            DISPATCHERS,
            {"note"},
        ),
        _step(
            "follow_up",
            _("Record follow-up"),
            {S.CLOSED},
            S.CLOSED,
            REVIEWERS,
            {"satisfaction"},
        ),
        _step("reopen", _("Reopen"), {S.CLOSED}, S.IN_PROGRESS, REVIEWERS, {"note"}),
    )
}
