"""What a report's figures mean, precisely. Every figure is one of these.

Territory
    A ticket counts for a unit when its *current* ancestry lies under the
    unit (``<level>_id = unit``), and for the child unit named by the next
    ancestry column; tickets held at the unit itself (not dispatched further
    down) are shown apart, as "held here". Tickets dispatched or escalated
    after a period count where they are now.

Period
    ``[start, end)`` in Asia/Shanghai local days (``reviews.periods``).

Intake (受理)
    Tickets created in the period, by source and by business module
    (``Category.module``).

Dispatched, closed (办结), reopened
    Tickets whose trail has a ``dispatch``, ``review_pass`` or ``reopen``
    event in the period, each ticket once however often it happened.

Closed on time (按期办结)
    A closed ticket whose ``resolve`` step before its last closure in the
    period came at or before its ``resolve_deadline``: the deadline (办理时限)
    is the time allowed to resolve the matter, and the review that closes it
    is the command center's own step, whose delay is not the handler's.

Open overdue at period end (超期未办结)
    Tickets whose status after their last event before the end was open with
    the clock running (new, dispatched, signed for, in progress, returned)
    and whose ``resolve_deadline`` was before the end. Suspended tickets have
    their clock paused and are not overdue. Listed by current owner and
    department.

On-time completion rate, two ways
    ``on_time_rate`` = closed on time ÷ closed; ``on_time_rate_strict`` =
    closed on time ÷ (closed + open overdue at period end). The first
    overstates performance where hard cases are left open; the second counts
    them.

Satisfaction rate (满意率)
    Of the tickets followed up in the period (their last follow-up in it),
    the share satisfied or basically satisfied.

Repeat complaints (重复投诉)
    The same address with the same category taken in ``REPEAT_THRESHOLD`` (3)
    times or more in the period; flagged as hotspots.

Alerts
    Alerts on tickets under the unit raised, and acknowledged, in the period.

Trend
    The headline figures of the previous period and of the same period last
    year, computed the same way, where the unit had tickets by then.

Regenerating a past period gives the same figures: they are read from the
immutable event trail, so reopening, re-closing or a follow-up after the
period changes nothing. Two things can still move them, both rare and both
stated here: a ticket dispatched or escalated to another unit afterwards
(territory is the current ancestry; the trail does not record where a ticket
was created), and a suspension ending afterwards, which moves the ticket's
deadline by the paused time.
"""

from grids.models import OrgUnit

from ..periods import Period
from .compute import FORMAT_VERSION, period_totals, rate
from .compute import report_figures as _report_figures
from .rows import Scope, earlier_tickets_exist

__all__ = ["FORMAT_VERSION", "Scope", "figures_compute", "period_totals", "rate"]


def figures_compute(unit: OrgUnit, period: Period) -> dict:
    """The figures of ``unit`` over ``period`` with their trend (JSON-ready).

    Read-only; call it inside one transaction (the services do) so that every
    statement sees the same data.
    """
    scope = Scope(unit)
    figures = _report_figures(scope, period)
    figures["trend"] = {
        name: _comparison(scope, other)
        for name, other in (
            ("previous", period.previous()),
            ("last_year", period.last_year()),
        )
    }
    return figures


def _comparison(scope: Scope, period: Period) -> dict | None:
    if not earlier_tickets_exist(scope, period):
        return None
    return {"period": period.as_dict(), "totals": period_totals(scope, period)}
