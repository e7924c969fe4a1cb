"""Ticket histories written as history: tickets with their event trails at
chosen times, inserted directly (the services stamp ``now``; a review reads
the past). Each ticket's fields are derived from its trail as the services
would have left them, as ``workorders.loadgen`` does for the benchmark.
"""

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from grids.models import ANCESTRY_FIELDS
from workorders.models import Status, WorkOrder, WorkOrderEvent

S = Status
TARGET = {
    "dispatch": S.DISPATCHED,
    "accept": S.ACCEPTED,
    "start": S.IN_PROGRESS,
    "resolve": S.RESOLVED,
    "review_pass": S.CLOSED,
    "review_fail": S.IN_PROGRESS,
    "return": S.RETURNED,
    "suspend": S.SUSPENDED,
    "cancel": S.CANCELLED,
    "follow_up": S.CLOSED,
    "reopen": S.IN_PROGRESS,
}
_numbers = itertools.count(1)


@dataclass
class Step:
    action: str
    at: datetime
    actor: object = None
    data: dict = field(default_factory=dict)


def ticket_write(
    *,
    unit,
    category,
    created_at: datetime,
    deadline: datetime,
    steps: list[Step],
    source: str = "hotline",
    owner=None,
    department=None,
    address: str = "",
    reporter=None,
) -> WorkOrder:
    """A ticket created at ``created_at`` that then went through ``steps``."""
    status, previous = S.NEW, None
    fields = {
        "resolved_at": None,
        "closed_at": None,
        "dispatched_at": None,
        "accepted_at": None,
        "suspended_at": None,
        "satisfaction": "",
        "suspended_from": "",
    }
    events = [Step("create", created_at, reporter, {"source": source})]
    trail = [(events[0], "", S.NEW)]
    for step in steps:
        before = status
        if step.action == "resume":
            status = fields["suspended_from"] or S.IN_PROGRESS
            fields["suspended_from"], fields["suspended_at"] = "", None
        else:
            status = TARGET[step.action]
        if step.action == "dispatch":
            fields["dispatched_at"] = step.at
        elif step.action == "accept":
            fields["accepted_at"] = step.at
        elif step.action == "resolve":
            fields["resolved_at"] = step.at
        elif step.action == "review_pass":
            fields["closed_at"] = step.at
        elif step.action in ("review_fail", "reopen"):
            fields["resolved_at"] = fields["closed_at"] = None
        elif step.action == "suspend":
            fields["suspended_from"], fields["suspended_at"] = before, step.at
        elif step.action == "follow_up":
            fields["satisfaction"] = step.data["satisfaction"]
        trail.append((step, before, status))
        previous = step
    last_at = previous.at if previous else created_at
    ticket = WorkOrder.objects.create(
        number=f"RV{next(_numbers):010d}",
        source=source,
        category=category,
        title=f"{category.name}：{address or '无地址'}",
        description="review test",
        address=address,
        unit=unit,
        owner=owner,
        department=department,
        status=status,
        sign_deadline=created_at + timedelta(hours=4),
        resolve_deadline=deadline,
        warn_at=created_at + (deadline - created_at) * 0.8,
        created_at=created_at,
        version=len(trail),
        **{name: getattr(unit, name) for name in ANCESTRY_FIELDS},
        **fields,
    )
    WorkOrderEvent.objects.bulk_create(
        [
            WorkOrderEvent(
                workorder=ticket,
                actor=step.actor,
                action=step.action,
                from_status=before,
                to_status=after,
                data=step.data,
                created_at=step.at,
            )
            for step, before, after in trail
        ]
    )
    # auto_now stamped the row; history says when it last changed.
    WorkOrder.objects.filter(pk=ticket.pk).update(updated_at=last_at)
    return ticket
