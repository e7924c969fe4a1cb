"""About sixty demo tickets for the demo district (``manage.py seed_tickets``).

Every ticket is taken in by ``services.workorder_create`` and walked through
its lifecycle by ``services.workorder_act``, acting as the demo staff of
``grids.demo`` (``zhihui`` dispatches and reviews anywhere, ``diaodu`` and
``fuhe`` in their town, ``wanggeyuan`` works their grid), so the events,
owners, deadlines and checks are the real ones. A grid nobody works gets a
demo grid worker (``demo-grid-<code>``, no usable password: not a login) so
tickets all over the district can be signed for and handled.

DEMO DATA ONLY: moving the clock back
-------------------------------------
The services stamp every step with the present moment, so a demo made of them
alone would have no history. After walking the tickets, in the same (single)
transaction, this module rewrites their times: creation spread over the last
month, each step some minutes or hours after the one before, deadlines worked
out again from the category's rule for the back-dated creation
(``services.deadlines_for``), so that a few open tickets are past their
deadline, a few near their warning time, most closed tickets were resolved in
time and some late. Each ticket gets one ``QuerySet.update()`` of its time
fields, with ``updated_at`` set to now: the deadline sweep (``dispatch.sweep``)
only re-reads tickets whose ``updated_at`` moved. The same update gives a
ticket dated another day a number of that day, drawn in order of creation (the
number it got at intake stays spent). Its events get one update of their
``created_at``. Nothing but this demo loader may ever rewrite a ticket's
history like this: real history is written once, by the services, as it
happens. The 12345 callbacks these steps queued are deleted in the same
transaction: demo tickets never came from the hotline platform, so nothing may
be reported back to it.

Idempotent: hotline tickets carry ``DEMO-12345-<n>`` as their external number
and grid reports a ``client_id`` in a fixed uuid5 namespace, and intake returns
a ticket already taken in, which is then left alone.
"""

import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Case, DateTimeField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import Point, shape

from accounts.models import User
from grids import demo as grids_demo
from grids.models import Level, OrgUnit, Post, Role, UnitKind

from .demo_matters import MATTERS, NOTES, REPORTER_SURNAMES, WORKER_NAMES, Matter
from .lifecycle import DISPATCHERS, REVIEWERS
from .models import (
    Category,
    HotlineCallback,
    Priority,
    Satisfaction,
    Source,
    Status,
    WorkOrder,
    WorkOrderEvent,
)
from .selectors import actor_roles
from .services import (
    deadlines_for,
    workorder_act,
    workorder_create,
    workorder_number_next,
)

NAMESPACE = uuid.UUID("2823bd18-edd2-46e7-ae62-b81ffcaec5c2")
EXTERNAL_PREFIX = "DEMO-"
SEED = 2026
HOTLINE, GRID_REPORT = Source.HOTLINE, Source.GRID_REPORT
SOURCE_LETTERS = {HOTLINE: "h", GRID_REPORT: "g"}
N, U, C = Priority.NORMAL, Priority.URGENT, Priority.CRITICAL


@dataclass(frozen=True)
class Scenario:
    """How far a ticket got. ``timing``: (kind, low, high), see ``_created``;
    ``home``: how many go to ``wanggeyuan``'s grid; ``unlocated``: how many are
    hotline tickets without a point (they wait in the district's queue)."""

    steps: tuple[str, ...]
    timing: tuple[str, float, float]
    count: int
    home: int = 0
    unlocated: int = 0
    late: bool = False
    stays_new: bool = False
    on_the_spot: bool = False
    # Urgent or critical matters only: their deadlines run in hours, so the
    # warning time can be placed exactly (a deadline in working days jumps
    # over weekends and holidays).
    urgent: bool = False

    @property
    def resolves(self) -> bool:
        return "resolve" in self.steps


WALK = ("dispatch", "accept", "start")
CLOSE = (*WALK, "resolve", "review_pass", "follow_up")
SCENARIOS = [
    # Closed: most in time, some late, some handled on the spot (立即处置).
    Scenario(CLOSE, ("history", 3, 26), 20, home=3, unlocated=3),
    Scenario(CLOSE, ("history", 12, 26), 5, home=1, late=True),
    Scenario(
        ("resolve", "review_pass"), ("history", 2, 25), 4, home=1, on_the_spot=True
    ),
    # Resolved, awaiting review; one failed its review and is back in progress.
    Scenario((*WALK, "resolve"), ("fraction", 0.15, 0.6), 5, home=2),
    Scenario((*WALK, "resolve", "review_fail"), ("fraction", 0.3, 0.6), 1),
    # Reopened after an unsatisfied follow-up call, now past its deadline.
    Scenario((*CLOSE[:-1], "follow_up_unsatisfied", "reopen"), ("overdue", 12, 60), 1),
    # In progress: overdue, warned, near the warning, fresh.
    Scenario(WALK, ("overdue", 6, 96), 2, home=1),
    Scenario(WALK, ("fraction", 0.82, 0.95), 1, home=1, urgent=True),
    Scenario(WALK, ("fraction", 0.7, 0.78), 1, urgent=True),
    Scenario(WALK, ("fraction", 0.05, 0.4), 2, unlocated=1),
    # Signed for: overdue, near the warning, fresh.
    Scenario(WALK[:2], ("overdue", 4, 48), 1),
    Scenario(WALK[:2], ("fraction", 0.7, 0.78), 1, home=1, urgent=True),
    Scenario(WALK[:2], ("age", 1, 10), 1, home=1),
    # Dispatched: not signed for in time, overdue, fresh; one escalated.
    Scenario(WALK[:1], ("fraction", 0.08, 0.4), 2, home=1),
    Scenario(WALK[:1], ("overdue", 6, 72), 1),
    Scenario(WALK[:1], ("age", 0.5, 2), 2),
    Scenario(("dispatch", "escalate"), ("age", 3, 20), 1),
    # Awaiting dispatch: fresh, and one nobody located, overdue.
    Scenario((), ("age", 0.3, 3), 3, stays_new=True),
    Scenario((), ("overdue", 2, 30), 1, unlocated=1, stays_new=True),
    # Returned by the grid, cancelled, suspended.
    Scenario(("dispatch", "return"), ("age", 2, 20), 2, home=1),
    Scenario(("cancel",), ("history", 2, 25), 2),
    Scenario((*WALK, "suspend"), ("fraction", 0.2, 0.5), 1),
]
TICKETS = sum(scenario.count for scenario in SCENARIOS)

# Minutes after the step before (resolving is placed against the deadline).
GAPS = {
    "dispatch": (10, 120),
    "accept": (5, 150),
    "start": (5, 180),
    "review_pass": (60, 1200),
    "review_fail": (120, 720),
    "follow_up": (240, 2880),
    "reopen": (10, 120),
    "return": (20, 180),
    "cancel": (30, 360),
    "suspend": (240, 1440),
    "escalate": (60, 240),
}
# The newest step lies this far in the past.
LATEST = timedelta(minutes=5)
STEP_STAMPS = ("dispatched_at", "accepted_at", "suspended_at", "resolved_at")
STEP_STAMPS += ("closed_at",)


class DemoDistrictMissing(Exception):
    """The demo district or its staff are not there (run ``seed_demo`` first)."""


@dataclass
class SeedResult:
    created: Counter = field(default_factory=Counter)  # by status
    existing: int = 0


@dataclass(frozen=True)
class Slot:
    key: int
    scenario: Scenario
    grid: OrgUnit
    matter: Matter
    category: Category
    source: str
    unlocated: bool

    @property
    def external_number(self) -> str:
        return (
            f"{EXTERNAL_PREFIX}12345-{self.key:03d}" if self.source == HOTLINE else ""
        )

    @property
    def client_id(self) -> uuid.UUID | None:
        return client_id_of(self.key) if self.source == GRID_REPORT else None


def client_id_of(key: int) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"seed_tickets/{key}")


def demo_tickets():
    """The tickets this module made (whatever has happened to them since)."""
    return WorkOrder.objects.filter(
        Q(source=HOTLINE, external_number__startswith=EXTERNAL_PREFIX)
        | Q(client_id__in=[client_id_of(key) for key in range(TICKETS)])
    )


def tickets_seed(*, seed: int = SEED) -> SeedResult:
    """Take in the demo tickets that are missing, walk and back-date them.

    One transaction: every missing ticket is taken in, walked and back-dated,
    or none is (ticket numbers drawn meanwhile are spent, as for any ticket
    rolled back). Tickets already there are left as they are. Raises
    ``DemoDistrictMissing`` without the demo district and its staff.
    """
    result = SeedResult()
    if demo_tickets().count() >= TICKETS:
        result.existing = TICKETS
        return result
    staff = _staff()
    grids = _grids(staff["wanggeyuan"])
    with transaction.atomic():
        workers = _workers_ensure(grids)
        walked = []
        for slot in _plan(grids, random.Random(seed)):
            if slot is None:
                continue
            rng = random.Random(f"{seed}:{slot.key}")
            ticket, created = _take_in(slot, workers, rng)
            if not created:
                result.existing += 1
                continue
            ticket = _walk(ticket, slot, staff, workers[slot.grid.pk], rng)
            walked.append((ticket, slot, rng))
            result.created[ticket.status] += 1
        now = timezone.now()
        history = [_history(ticket, slot, rng, now) for ticket, slot, rng in walked]
        # Numbered in the order they were taken in, as the day's register is.
        for ticket, fields, events in sorted(history, key=lambda h: h[1]["created_at"]):
            _backdate(ticket, fields, events, now)
        HotlineCallback.objects.filter(
            workorder__in=[ticket for ticket, *_ in walked]
        ).delete()
    return result


# Who acts ----------------------------------------------------------------------


def _staff() -> dict[str, User]:
    if not grids_demo.demo_loaded():
        raise DemoDistrictMissing(_("The demo district is not loaded."))
    usernames = [row[0] for row in grids_demo.DEMO_STAFF]
    staff = {
        user.username: user for user in User.objects.filter(username__in=usernames)
    }
    if len(staff) != len(usernames):
        raise DemoDistrictMissing(_("The demo staff are missing."))
    return staff


def _grids(home_worker) -> list[OrgUnit]:
    """Twelve grids spread over the district, the home grid (where the demo
    grid worker has a post) first."""
    district = OrgUnit.objects.get(code=grids_demo.DISTRICT_CODE, level=Level.DISTRICT)
    grids = list(
        OrgUnit.objects.filter(
            level=Level.GRID, district=district, is_active=True, boundary__isnull=False
        )
        .select_related("town", "village")
        .order_by("code")
    )
    if not grids:
        raise DemoDistrictMissing(_("The demo district has no grids with boundaries."))
    posts = Post.objects.filter(user=home_worker, role=Role.GRID_WORKER)
    own = set(posts.values_list("unit_id", flat=True))
    home = next((grid for grid in grids if grid.pk in own), grids[0])
    others = [grid for grid in grids if grid != home]
    step = max(1, len(others) / 11)
    picked = [others[int(i * step)] for i in range(min(11, len(others)))]
    return [home, *picked]


def _workers_ensure(grids) -> dict[int, User]:
    """A grid worker for each grid: who holds the post, or a demo worker."""
    workers = {}
    for n, grid in enumerate(grids):
        post = (
            Post.objects.filter(
                unit=grid, role=Role.GRID_WORKER, is_active=True, user__is_active=True
            )
            .select_related("user")
            .order_by("id")
            .first()
        )
        if post is not None:
            workers[grid.pk] = post.user
            continue
        user, created = User.objects.get_or_create(
            username=f"demo-grid-{grid.code}",
            defaults={"full_name": WORKER_NAMES[n % len(WORKER_NAMES)]},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        Post.objects.get_or_create(user=user, unit=grid, role=Role.GRID_WORKER)
        workers[grid.pk] = user
    return workers


def _covering(ticket, candidates, roles):
    for user in candidates:
        if actor_roles(user, ticket) & roles:
            return user
    raise DemoDistrictMissing(
        _("No demo staff may act on %(ticket)s.") % {"ticket": ticket.number}
    )


# What happens --------------------------------------------------------------------


def _plan(grids, rng) -> list[Slot | None]:
    """The tickets, in a fixed order (``key``); None where no category fits."""
    categories = {
        category.code: category
        for category in Category.objects.filter(is_active=True, module__isnull=False)
    }
    home, others = grids[0], grids[1:] or grids[:1]
    order = list(others)
    rng.shuffle(order)
    used = Counter()
    slots = []
    serial = 0
    for scenario in SCENARIOS:
        for n in range(scenario.count):
            unlocated = n >= scenario.count - scenario.unlocated
            if n < scenario.home:
                grid = home
            else:
                grid = order[serial % len(order)]
                serial += 1
            forced = None
            if scenario.on_the_spot:
                forced = GRID_REPORT
            elif unlocated or "follow_up_unsatisfied" in scenario.steps:
                forced = HOTLINE
            fits = [
                matter
                for matter in MATTERS
                if _fits(matter, categories.get(matter.category), scenario, forced)
                and not (
                    # Located tickets of these categories are dispatched at
                    # intake, so they cannot wait for dispatch.
                    scenario.stays_new
                    and not unlocated
                    and categories[matter.category].auto_dispatch
                )
            ]
            if not fits:
                slots.append(None)
                continue
            least = min(used[matter] for matter in fits)
            matter = rng.choice([m for m in fits if used[m] == least])
            used[matter] += 1
            source = forced or (
                HOTLINE
                if matter.sources == "h"
                or (matter.sources == "hg" and rng.random() < 0.55)
                else GRID_REPORT
            )
            slots.append(
                Slot(
                    len(slots),
                    scenario,
                    grid,
                    matter,
                    categories[matter.category],
                    source,
                    unlocated,
                )
            )
    return slots


def _fits(matter, category, scenario, forced) -> bool:
    if category is None:
        return False
    if forced and SOURCE_LETTERS[forced] not in matter.sources:
        return False
    if scenario.resolves and category.photo_required:
        return False
    if matter.priority == N:
        if scenario.urgent:
            return False
    elif not (scenario.urgent or "cancel" in scenario.steps):
        # Nobody returns or suspends a gas leak; it is handled, or it was
        # reported twice.
        handled = "accept" in scenario.steps and "suspend" not in scenario.steps
        if not handled:
            return False
    return True


def _take_in(slot, workers, rng):
    lat = lng = None
    if not slot.unlocated:
        lat, lng = _point_in(slot.grid.boundary, rng)
    if slot.source == HOTLINE:
        actor = None
        description = f"来电人反映：{slot.matter.body}请相关部门尽快核实处理。"
        reporter = rng.choice(REPORTER_SURNAMES) + rng.choice(("先生", "女士"))
        phone = f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"
    else:
        actor = workers[slot.grid.pk]
        description = f"网格员巡查发现：{slot.matter.body}"
        reporter, phone = "", ""
    return workorder_create(
        actor=actor,
        source=slot.source,
        category=slot.category,
        priority=slot.matter.priority,
        title=slot.matter.title,
        description=description,
        reporter_name=reporter,
        reporter_phone=phone,
        address=_address(slot.grid, slot.matter.where, rng),
        lat=lat,
        lng=lng,
        external_number=slot.external_number,
        client_id=slot.client_id,
        on_the_spot=slot.scenario.on_the_spot,
    )


def _point_in(boundary, rng) -> tuple[float, float]:
    polygon = shape(boundary)
    min_x, min_y, max_x, max_y = polygon.bounds
    for _attempt in range(50):
        x = min_x + (max_x - min_x) * rng.uniform(0.05, 0.95)
        y = min_y + (max_y - min_y) * rng.uniform(0.05, 0.95)
        if polygon.contains(Point(x, y)):
            return y, x
    point = polygon.representative_point()
    return point.y, point.x


def _address(grid, where, rng) -> str:
    town, village = grid.town.name, grid.village.name
    street, other = rng.sample(grids_demo.STREETS, 2)
    number = rng.randint(1, 300)
    urban = grid.village.kind == UnitKind.URBAN_COMMUNITY
    if where == "home" and urban:
        return (
            f"{town}{village}{street}{number}号{rng.randint(1, 18)}幢"
            f"{rng.randint(1, 3)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}室"
        )
    if where == "home":
        return f"{town}{village}{rng.randint(1, 12)}组{rng.randint(1, 80)}号"
    if where == "road" and urban:
        return f"{town}{street}与{other}交叉口附近"
    if where == "road":
        return f"{town}{village}{rng.randint(1, 12)}组路口"
    if where == "field":
        return f"{town}{village}{rng.randint(1, 12)}组"
    return f"{town}{village}{street}{number}号{rng.choice(REPORTER_SURNAMES)}记{where}"


def _walk(ticket, slot, staff, worker, rng) -> WorkOrder:
    """Take the scenario's steps as the demo staff would."""
    dispatchers = (staff["diaodu"], staff["zhihui"])
    reviewers = (staff["fuhe"], staff["zhihui"])

    def act(actor, action, **extra):
        return workorder_act(actor=actor, workorder=ticket, action=action, **extra)

    for step in slot.scenario.steps:
        if step == "dispatch":
            if ticket.status in (Status.NEW, Status.RETURNED):
                dispatcher = _covering(ticket, dispatchers, DISPATCHERS)
                ticket = act(dispatcher, "dispatch", unit=slot.grid, owner=worker)
        elif step in ("accept", "start"):
            ticket = act(worker, step)
        elif step == "resolve":
            ticket = act(worker, step, note=slot.matter.resolution)
        elif step in ("return", "escalate"):
            ticket = act(worker, step, note=rng.choice(NOTES[step]))
        elif step in ("cancel", "suspend"):
            dispatcher = _covering(ticket, dispatchers, DISPATCHERS)
            ticket = act(dispatcher, step, note=rng.choice(NOTES[step]))
        elif step in ("review_pass", "review_fail", "reopen"):
            reviewer = _covering(ticket, reviewers, REVIEWERS)
            ticket = act(reviewer, step, note=rng.choice(NOTES[step]))
        elif step.startswith("follow_up") and ticket.source == HOTLINE:
            reviewer = _covering(ticket, reviewers, REVIEWERS)
            satisfaction = rng.choice(
                [Satisfaction.SATISFIED] * 4 + [Satisfaction.BASICALLY_SATISFIED]
            )
            if step == "follow_up_unsatisfied":
                satisfaction = Satisfaction.UNSATISFIED
            ticket = act(reviewer, "follow_up", satisfaction=satisfaction)
    return ticket


# When it happened (demo data only; see the module docstring) ---------------------


def _history(ticket, slot, rng, now) -> tuple[WorkOrder, dict, list]:
    """The ticket's back-dated time fields, and its events with their moments."""
    events = list(WorkOrderEvent.objects.filter(workorder=ticket).order_by("id"))
    draws = [rng.random() for _ in range(2 * len(events) + 1)]
    kind, low, high = slot.scenario.timing
    created = _created(ticket, kind, rng.uniform(low, high), now, rng)
    for _attempt in range(10):
        deadlines = deadlines_for(ticket.category, ticket.priority, created)
        times = _times(events, created, deadlines, slot.scenario, draws)
        excess = times[-1] - (now - LATEST)
        if excess <= timedelta(0):
            break
        if kind != "history":
            # The creation is pinned by the target: squeeze the steps into
            # part of the time since (so they do not all end at one moment).
            span = times[-1] - created
            room = max(now - LATEST - created, timedelta(0))
            room *= 0.6 + 0.35 * draws[-1]
            times = [created + (moment - created) * (room / span) for moment in times]
            break
        created -= excess + timedelta(hours=6)
    # Each time field is the moment of the last step that set it (if the
    # ticket still has one: a failed review clears resolved_at, and so on).
    last = {event.action: moment for event, moment in zip(events, times)}
    sign_window = deadlines["sign_deadline"] - created
    fields = {
        "created_at": created,
        # Escalating moves dispatched_at but keeps the sign-for deadline.
        "sign_deadline": last.get("dispatch", created) + sign_window,
        "resolve_deadline": deadlines["resolve_deadline"],
        "warn_at": deadlines["warn_at"],
        "dispatched_at": max(
            (last[a] for a in ("dispatch", "escalate") if a in last), default=None
        ),
        "accepted_at": last.get("accept"),
        "suspended_at": last.get("suspend"),
        "resolved_at": last.get("resolve"),
        "closed_at": last.get("review_pass"),
    }
    for name in STEP_STAMPS:
        if getattr(ticket, name) is None:
            fields[name] = None
    return ticket, fields, list(zip(events, times))


def _backdate(ticket, fields, events, now) -> None:
    """One update of the ticket (``updated_at`` now, for the deadline sweep),
    one of its events; a ticket now dated another day gets that day's number."""
    day = timezone.localdate(fields["created_at"])
    if day != timezone.localdate(ticket.created_at):
        fields = {**fields, "number": workorder_number_next(day)}
    WorkOrder.objects.filter(pk=ticket.pk).update(**fields, updated_at=now)
    WorkOrderEvent.objects.filter(workorder=ticket).update(
        created_at=Case(
            *(When(pk=event.pk, then=Value(moment)) for event, moment in events),
            output_field=DateTimeField(),
        )
    )


def _created(ticket, kind, amount, now, rng) -> datetime:
    """When the ticket was taken in, for a timing ``kind``:

    - ``age``: ``amount`` hours ago; ``history``: ``amount`` days ago, in the
      daytime (and earlier if its steps need the room);
    - ``overdue``: so that its deadline passed ``amount`` hours ago;
    - ``fraction``: so that now is that fraction of the way from its creation
      to its deadline (past the rule's warning fraction, 0.8 by default, the
      warning is due).
    """
    if kind == "age":
        return now - timedelta(hours=amount)
    if kind == "history":
        day = timezone.localtime(now - timedelta(days=amount))
        return day.replace(hour=8, minute=0) + timedelta(minutes=rng.uniform(0, 720))

    def deadline(moment):
        return deadlines_for(ticket.category, ticket.priority, moment)[
            "resolve_deadline"
        ]

    if kind == "overdue":
        target = now - timedelta(hours=amount)

        def early_enough(moment):
            return deadline(moment) <= target

    else:

        def early_enough(moment):
            return moment + (deadline(moment) - moment) * amount <= now

    # Both are monotone in the creation time: bisect the last 60 days.
    early, late = now - timedelta(days=60), now
    for _step in range(32):
        middle = early + (late - early) / 2
        if early_enough(middle):
            early = middle
        else:
            late = middle
    return early


def _times(events, created, deadlines, scenario, draws) -> list[datetime]:
    """A moment for each event, in order, from ``draws`` (numbers in [0, 1))."""
    deadline = deadlines["resolve_deadline"]
    sign_window = deadlines["sign_deadline"] - created
    times = []
    moment = created
    for n, event in enumerate(events):
        draw = draws[n]
        if n == 0 or (event.action == "dispatch" and event.actor_id is None):
            pass  # taken in, or routed to its grid at intake
        elif scenario.on_the_spot and event.action in ("dispatch", "accept", "start"):
            moment += timedelta(minutes=2 * draw)
        elif event.action == "resolve":
            if scenario.late:
                moment = deadline + timedelta(hours=3 + 57 * draw)
            elif scenario.on_the_spot:
                moment += timedelta(minutes=20 + 160 * draw)
            else:
                on_time = created + (deadline - created) * (0.3 + 0.55 * draw)
                moment = max(moment + timedelta(minutes=20), on_time)
        else:
            low, high = GAPS.get(event.action, (5, 60))
            gap = timedelta(minutes=low + (high - low) * draw)
            if event.action == "accept":
                gap = min(gap, sign_window * (0.2 + 0.6 * draws[-1 - n]))
            moment += gap
        times.append(moment)
    return times
