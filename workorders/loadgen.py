"""A year of tickets at Jintan's size, generated fast, for benchmarks.

``tickets_generate`` writes a million realistic tickets in minutes: plain
tuples streamed with ``COPY`` (``grids.bulk.rows_insert``), ids reserved from
the table's sequence so that a batch's events can point at its tickets without
reading them back. What makes them realistic:

- created over the past year, in order (ids grow with time, as in production),
  fewer on weekends and holidays and at night;
- every source, mostly the 12345 hotline and grid workers' reports; categories
  of the default taxonomy; mostly normal priority;
- located to a random grid or micro-grid of the district, ancestry ids copied
  from the unit, the point inside the unit's boundary; owners are grid workers
  of that grid (``staff_ensure`` creates them, with posts);
- deadlines from the category's ``DeadlineRule`` (working days on the official
  calendar, or hours), the warning at the rule's fraction;
- each ticket walks the lifecycle (dispatch, accept, start, resolve,
  review_pass, sometimes a failed review, a follow-up call, a return, a
  suspension, a cancellation) with one ``WorkOrderEvent`` per step; a step
  that would lie in the future is not taken, so recent tickets are still open
  and a few stuck ones are long overdue.

Generated tickets are numbered ``JB`` + date + a running number of that day:
the prefix keeps them apart from the ``JT`` numbers ``workorder_number_next``
gives out, so the API never collides with them and ``generated_delete``
finds them. No ``save()``, no services, no hotline callbacks: this is history,
loaded as history.
"""

import bisect
import queue
import random
import string
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from grids.bulk import rows_insert
from grids.models import ANCESTRY_FIELDS, Level, OrgUnit, Post, Role

from . import calendar, defaults
from .models import Category, DeadlineRule, Source, Status, WorkOrder, WorkOrderEvent

# Plain strings: COPY writes values as given, and an enum member is not one.
NEW, DISPATCHED, ACCEPTED = (
    Status.NEW.value,
    Status.DISPATCHED.value,
    Status.ACCEPTED.value,
)
IN_PROGRESS, SUSPENDED = Status.IN_PROGRESS.value, Status.SUSPENDED.value
RESOLVED, CLOSED = Status.RESOLVED.value, Status.CLOSED.value
RETURNED, CANCELLED = Status.RETURNED.value, Status.CANCELLED.value
HOTLINE, GRID_REPORT = Source.HOTLINE.value, Source.GRID_REPORT.value

PREFIX = "JB"
WORKER_USERNAME = "jb-worker-{:04d}"
DISPATCHER_USERNAME = "jb-dispatcher-{:02d}-{}"

TICKET_FIELDS = (
    "id",
    "number",
    "source",
    "external_number",
    "category",
    "priority",
    "title",
    "description",
    "reporter_name",
    "reporter_phone",
    "address",
    "lat",
    "lng",
    "unit",
    "owner",
    "reporter",
    "status",
    "suspended_from",
    "satisfaction",
    "sign_deadline",
    "resolve_deadline",
    "warn_at",
    "deadline_in_working_days",
    "created_at",
    "dispatched_at",
    "accepted_at",
    "suspended_at",
    "resolved_at",
    "closed_at",
    "updated_at",
    "version",
    *ANCESTRY_FIELDS,
)
EVENT_FIELDS = (
    "workorder",
    "actor",
    "action",
    "from_status",
    "to_status",
    "note",
    "data",
    "created_at",
)

SOURCES = [
    (Source.HOTLINE.value, 46),
    (Source.GRID_REPORT.value, 36),
    (Source.INSPECTION.value, 7),
    (Source.CAMERA.value, 5),
    (Source.STATION.value, 4),
    (Source.DEPARTMENT.value, 2),
]
PRIORITIES = [("normal", 86), ("urgent", 11), ("critical", 3)]
# Tickets an hour of the local day, relative (a 12345 hotline's daily curve).
HOURLY = [1, 1, 1, 1, 1, 2, 4, 8, 14, 16, 16, 13, 9, 10, 15, 15, 14, 11, 8, 7, 6, 4]
HOURLY += [3, 2]
# Share of tickets that never close (stuck in some open state), are
# cancelled, fail their first review, get a follow-up call (hotline).
SHARE_STUCK, SHARE_CANCELLED, SHARE_REVIEW_FAIL, SHARE_FOLLOW_UP = (
    0.03,
    0.02,
    0.03,
    0.45,
)
STUCK_STATES = [
    NEW,
    DISPATCHED,
    ACCEPTED,
    IN_PROGRESS,
    IN_PROGRESS,
    SUSPENDED,
    RETURNED,
    RESOLVED,
]
SATISFACTION = ["satisfied"] * 17 + ["basically_satisfied"] * 2 + ["unsatisfied"]
RESOLVE_NOTES = ["已现场处置完毕", "已协调相关部门处理", "已劝导整改到位"]
RESOLVE_NOTES += ["已上门核实并答复群众", "已清理完毕并拍照留存"]
RETURN_NOTES = ["不属于本网格范围", "非本部门职责，请重新派发"]
SUSPEND_NOTES = ["等待相关部门联合处置", "当事人外出，待其返回后处理"]
CANCEL_NOTES = ["重复工单", "群众撤回诉求"]
FAIL_NOTES = ["照片不清晰，请补充", "未联系反映人，请回访"]
PHRASES = ["群众反映", "巡查发现", "网格员上报", "热线转办"]
STREETS = ["人民路", "金沙大道", "东门大街", "南洲路", "华城路", "愚池路", "北环路"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉萍"

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


@dataclass
class Staff:
    workers_by_grid: dict[int, list[int]]
    dispatchers_by_town: dict[int, list[int]]


def staff_ensure(*, workers: int = 600, dispatchers_per_town: int = 2) -> Staff:
    """Grid workers (a grid_worker post on a grid, every grid at least one) and
    town dispatchers; creates what is missing, keeps what exists."""
    grids = list(OrgUnit.objects.filter(level=Level.GRID).order_by("code"))
    towns = list(OrgUnit.objects.filter(level=Level.TOWN).order_by("code"))
    wanted = {}
    for n in range(max(workers, len(grids))):
        wanted[WORKER_USERNAME.format(n + 1)] = (
            grids[n % len(grids)],
            Role.GRID_WORKER,
        )
    for t, town in enumerate(towns):
        for d in range(dispatchers_per_town):
            username = DISPATCHER_USERNAME.format(t + 1, string.ascii_lowercase[d])
            wanted[username] = (town, Role.DISPATCHER)
    rng = random.Random(11)
    existing = set(
        User.objects.filter(username__in=wanted).values_list("username", flat=True)
    )
    password = make_password(None)
    User.objects.bulk_create(
        [
            User(username=name, full_name=_person_name(rng), password=password)
            for name in wanted
            if name not in existing
        ]
    )
    ids = dict(User.objects.filter(username__in=wanted).values_list("username", "id"))
    Post.objects.bulk_create(
        [
            Post(user_id=ids[name], unit=unit, role=role)
            for name, (unit, role) in wanted.items()
        ],
        ignore_conflicts=True,
    )
    staff = Staff({}, {})
    for name, (unit, role) in wanted.items():
        by_unit = (
            staff.workers_by_grid
            if role == Role.GRID_WORKER
            else staff.dispatchers_by_town
        )
        by_unit.setdefault(unit.pk, []).append(ids[name])
    return staff


def generated_count() -> int:
    return WorkOrder.objects.filter(number__startswith=PREFIX).count()


def generated_delete() -> int:
    """Delete every generated ticket and its events; returns how many tickets."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM workorders_workorderevent e USING workorders_workorder w "
            "WHERE e.workorder_id = w.id AND w.number LIKE %s",
            [PREFIX + "%"],
        )
        cursor.execute(
            "DELETE FROM workorders_workorder WHERE number LIKE %s", [PREFIX + "%"]
        )
        return cursor.rowcount


def tickets_generate(
    count: int,
    *,
    staff: Staff,
    days: int = 365,
    seed: int = 2025,
    batch: int = 10_000,
    writers: int = 2,
    progress=None,
) -> dict[str, int]:
    """Write ``count`` tickets created over the last ``days`` days, with events.

    Each batch is one transaction: its tickets and their events commit
    together. Returns how many tickets and events were written.

    ``writers`` threads, each with a connection of its own, send batches while
    this thread makes the next: the server's work (indexes, foreign-key checks
    at commit) overlaps the making of rows instead of following it, on as
    many server processes as there are writers.
    """
    gen = _Generator(staff, seed, timezone.now())
    writer = _BatchWriter(progress, writers)
    tickets, events = [], []
    try:
        for day, number, created in gen.moments(count, days):
            ticket, ticket_events = gen.ticket(day, number, created)
            tickets.append(ticket)
            events.append(ticket_events)
            if len(tickets) >= batch:
                writer.put(tickets, events)
                tickets, events = [], []
        if tickets:
            writer.put(tickets, events)
    finally:
        writer.finish()
    return writer.totals


class _BatchWriter:
    def __init__(self, progress, writers):
        self.progress = progress
        self.totals = {"tickets": 0, "events": 0}
        self.lock = threading.Lock()
        self.error = None
        self.queue = queue.Queue(maxsize=writers + 1)
        self.threads = [
            threading.Thread(target=self._run, daemon=True) for _ in range(writers)
        ]
        for thread in self.threads:
            thread.start()

    def put(self, tickets, events):
        if self.error is not None:
            raise self.error
        self.queue.put((tickets, events))

    def finish(self):
        for _ in self.threads:
            self.queue.put(None)
        for thread in self.threads:
            thread.join()
        if self.error is not None:
            raise self.error

    def _run(self):
        try:
            while (item := self.queue.get()) is not None:
                if self.error is None:
                    self._write(*item)
        except BaseException as exc:
            self.error = exc
            while self.queue.get() is not None:  # let the maker finish
                pass
        finally:
            connection.close()

    def _write(self, tickets, events):
        for ticket, ticket_id in zip(tickets, _ids_reserve(len(tickets))):
            ticket[0] = ticket_id
        with transaction.atomic():
            rows_insert(WorkOrder, TICKET_FIELDS, tickets)
            written = rows_insert(
                WorkOrderEvent,
                EVENT_FIELDS,
                (
                    (ticket[0], *event)
                    for ticket, ticket_events in zip(tickets, events)
                    for event in ticket_events
                ),
            )
        with self.lock:
            self.totals["tickets"] += len(tickets)
            self.totals["events"] += written
            if self.progress:
                self.progress(self.totals)


def _ids_reserve(n: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('workorders_workorder', 'id')) "
            "FROM generate_series(1, %s)",
            [n],
        )
        return sorted(row[0] for row in cursor.fetchall())


class _Generator:
    def __init__(self, staff: Staff, seed: int, now: datetime):
        self.rng = random.Random(seed)
        self.now = now
        self.staff = staff
        self.tz = timezone.get_current_timezone()
        self._load_units()
        self._load_categories()
        self.sources, self.source_weights = _cumulative(SOURCES)
        self.priorities, self.priority_weights = _cumulative(PRIORITIES)

    def _load_units(self):
        fields = ("id", "level", "name", "parent_id", "boundary", *ANCESTRY_FIELDS)
        rows = OrgUnit.objects.filter(
            level__in=[Level.TOWN, Level.VILLAGE, Level.GRID, Level.MICRO_GRID],
            is_active=True,
        ).values_list(*fields)
        names = {}
        self.units = []  # (id, grid id, town id, bounds, ancestry, place name)
        grids_and_micro = []
        for row in rows:
            names[row[0]] = row[2]
            if row[1] in (Level.GRID, Level.MICRO_GRID) and row[4]:
                grids_and_micro.append(row)
        for row in grids_and_micro:
            ancestry = row[5:]
            grid_id = row[0] if row[1] == Level.GRID else row[3]
            if grid_id not in self.staff.workers_by_grid:
                continue
            ring = row[4]["coordinates"][0]
            xs, ys = [p[0] for p in ring], [p[1] for p in ring]
            bounds = (min(xs), min(ys), max(xs), max(ys))
            place = names.get(ancestry[1], "") + names.get(ancestry[2], "")
            # Micro-grids four times as likely as grids: most reports are precise.
            weight = 4 if row[1] == Level.MICRO_GRID else 1
            self.units += [
                (row[0], grid_id, ancestry[1], bounds, ancestry, place)
            ] * weight
        self.district = OrgUnit.objects.get(level=Level.DISTRICT, parent__isnull=True)
        self.district_ancestry = tuple(
            getattr(self.district, f) for f in ANCESTRY_FIELDS
        )

    def _load_categories(self):
        # A database flushed after migrating (bench_tree reseeds that way) has
        # lost the taxonomy the data migration loaded.
        defaults.load(Category, DeadlineRule)
        categories = list(
            Category.objects.filter(module__isnull=False, is_active=True).order_by(
                "code"
            )
        )
        self.categories = [(c.pk, c.name, c.auto_dispatch) for c in categories]
        self.rules = {
            (rule.category_id, rule.priority): (
                timedelta(hours=rule.sign_within_hours),
                rule.resolve_within_working_days,
                timedelta(hours=rule.resolve_within_hours or 0),
                float(rule.warn_fraction),
            )
            for rule in DeadlineRule.objects.filter(category__in=categories)
        }

    def moments(self, count, days):
        """(local day, running number, created_at) for ``count`` tickets, in order."""
        rng = self.rng
        now_local = self.now.astimezone(self.tz)
        first = now_local.date() - timedelta(days=days)
        day_list = [first + timedelta(days=i) for i in range(days + 1)]
        hour_cum = []
        total = 0
        for weight in HOURLY:
            total += weight
            hour_cum.append(total)
        weights = []
        for day in day_list:
            factor = 1.0 if calendar.is_workday(day) else 0.6
            if day == now_local.date():
                elapsed = now_local.hour
                factor *= (hour_cum[elapsed - 1] if elapsed else 0) / total
            weights.append(factor)
        scale = count / sum(weights)
        # Largest remainders, so the days add up to exactly ``count``.
        shares = [w * scale for w in weights]
        per_day = [int(s) for s in shares]
        short = count - sum(per_day)
        by_remainder = sorted(range(len(shares)), key=lambda i: per_day[i] - shares[i])
        for i in by_remainder[:short]:
            per_day[i] += 1
        for day, n in zip(day_list, per_day):
            if not n:
                continue
            midnight = datetime.combine(day, time(), self.tz)
            hours = hour_cum
            if day == now_local.date():
                hours = hour_cum[: max(1, now_local.hour)]
            top = hours[-1]
            seconds = sorted(
                bisect.bisect_right(hours, rng.random() * top) * 3600
                + rng.random() * 3600
                for _ in range(n)
            )
            for number, offset in enumerate(seconds, start=1):
                created = (midnight + timedelta(seconds=offset)).astimezone(UTC)
                yield day, number, min(created, self.now - MINUTE)

    def ticket(self, day, number, created):
        rng = self.rng
        r = rng.random
        source = self.sources[bisect.bisect_right(self.source_weights, r() * 100)]
        priority = self.priorities[
            bisect.bisect_right(self.priority_weights, r() * 100)
        ]
        category_id, category_name, auto = self.categories[
            int(r() * len(self.categories))
        ]
        unit_id, grid_id, town_id, bounds, ancestry, place = self.units[
            int(r() * len(self.units))
        ]
        workers = self.staff.workers_by_grid[grid_id]
        worker = workers[int(r() * len(workers))]
        dispatchers = self.staff.dispatchers_by_town.get(town_id) or [None]
        dispatcher = dispatchers[int(r() * len(dispatchers))]
        sign_hours, working_days, resolve_hours, warn_fraction = self.rules[
            (category_id, priority)
        ]
        if working_days is not None:
            deadline = calendar.add_working_days(created, working_days)
        else:
            deadline = created + resolve_hours
        span = deadline - created
        warn_at = created + span * warn_fraction
        hotline = source == HOTLINE
        located = not hotline or r() < 0.9
        lat = lng = None
        if located:
            lng = bounds[0] + r() * (bounds[2] - bounds[0])
            lat = bounds[1] + r() * (bounds[3] - bounds[1])
        reporter = worker if source == GRID_REPORT else None
        on_the_spot = reporter is not None and r() < 0.3
        address = f"{place}{STREETS[int(r() * 7)]}{1 + int(r() * 300)}号"

        events = [("create", "", NEW, created, reporter, "", {"source": source})]
        fate = r()
        stuck = None
        if fate < SHARE_STUCK:
            stuck = STUCK_STATES[int(r() * len(STUCK_STATES))]
        cancelled = SHARE_STUCK <= fate < SHARE_STUCK + SHARE_CANCELLED
        at = created
        owner_at_dispatch = worker if on_the_spot or r() < 0.7 else None
        if on_the_spot:
            events.append(
                (
                    "dispatch",
                    NEW,
                    DISPATCHED,
                    at,
                    worker,
                    "",
                    {"unit": unit_id, "owner": worker},
                )
            )
        elif stuck != NEW and not (cancelled and r() < 0.5):
            if auto:
                at += timedelta(seconds=1)
                dispatch_actor, owner_at_dispatch = None, None
                data = {"unit": grid_id, "owner": None}
            else:
                at += MINUTE * (2 + rng.expovariate(1 / 40))
                dispatch_actor = dispatcher
                data = {"unit": grid_id, "owner": owner_at_dispatch, "department": None}
            events.append(("dispatch", NEW, DISPATCHED, at, dispatch_actor, "", data))
        dispatched = len(events) > 1
        if cancelled:
            at += MINUTE * (5 + rng.expovariate(1 / 120))
            before = DISPATCHED if dispatched else NEW
            events.append(
                (
                    "cancel",
                    before,
                    CANCELLED,
                    at,
                    dispatcher,
                    CANCEL_NOTES[int(r() * 2)],
                    {"duplicate_of": None},
                )
            )
        elif dispatched and stuck not in (DISPATCHED,):
            if stuck == RETURNED:
                at += MINUTE * (10 + rng.expovariate(1 / 60))
                events.append(
                    (
                        "return",
                        DISPATCHED,
                        RETURNED,
                        at,
                        worker,
                        RETURN_NOTES[int(r() * 2)],
                        {},
                    )
                )
            else:
                self._handle(
                    events,
                    at,
                    worker,
                    dispatcher,
                    span,
                    sign_hours,
                    stuck,
                    on_the_spot,
                    hotline,
                )
        return self._row(
            day,
            number,
            created,
            events,
            source=source,
            category_id=category_id,
            category_name=category_name,
            priority=priority,
            unit_id=unit_id,
            ancestry=ancestry,
            located=located,
            lat=lat,
            lng=lng,
            address=address,
            reporter=reporter,
            sign_hours=sign_hours,
            deadline=deadline,
            warn_at=warn_at,
            working_days=working_days is not None,
        )

    def _handle(
        self,
        events,
        at,
        worker,
        dispatcher,
        span,
        sign_hours,
        stuck,
        on_the_spot,
        hotline,
    ):
        """accept, start, resolve, review (and the odd detour), until ``stuck``."""
        rng = self.rng
        r = rng.random
        if on_the_spot:
            accept_at = at + timedelta(seconds=1)
        else:
            accept_at = at + min(
                sign_hours * 0.9, MINUTE * (3 + rng.expovariate(1 / 50))
            )
        events.append(("accept", DISPATCHED, ACCEPTED, accept_at, worker, "", {}))
        if stuck == ACCEPTED:
            return
        at = accept_at
        state = ACCEPTED
        if on_the_spot or r() < 0.6 or stuck in (IN_PROGRESS, SUSPENDED):
            at += (
                timedelta(seconds=2)
                if on_the_spot
                else MINUTE * (1 + rng.expovariate(1 / 30))
            )
            events.append(("start", ACCEPTED, IN_PROGRESS, at, worker, "", {}))
            state = IN_PROGRESS
        if stuck == IN_PROGRESS:
            return
        if stuck == SUSPENDED:
            at += MINUTE * (30 + rng.expovariate(1 / 600))
            events.append(
                (
                    "suspend",
                    state,
                    SUSPENDED,
                    at,
                    dispatcher,
                    SUSPEND_NOTES[int(r() * 2)],
                    {},
                )
            )
            return
        # Most are done in a fraction of their time; about one in twelve is late.
        handling = span * min(3.0, rng.lognormvariate(-1.4, 0.95))
        if on_the_spot:
            handling = MINUTE * (10 + rng.expovariate(1 / 40))
        at += handling
        events.append(
            ("resolve", state, RESOLVED, at, worker, RESOLVE_NOTES[int(r() * 5)], {})
        )
        if stuck == RESOLVED:
            return
        if r() < SHARE_REVIEW_FAIL:
            at += HOUR * (1 + rng.expovariate(1 / 6))
            events.append(
                (
                    "review_fail",
                    RESOLVED,
                    IN_PROGRESS,
                    at,
                    dispatcher,
                    FAIL_NOTES[int(r() * 2)],
                    {},
                )
            )
            at += HOUR * (2 + rng.expovariate(1 / 12))
            events.append(
                (
                    "resolve",
                    IN_PROGRESS,
                    RESOLVED,
                    at,
                    worker,
                    RESOLVE_NOTES[int(r() * 5)],
                    {},
                )
            )
        at += HOUR * (0.5 + rng.expovariate(1 / 8))
        events.append(("review_pass", RESOLVED, CLOSED, at, dispatcher, "", {}))
        if hotline and r() < SHARE_FOLLOW_UP:
            at += HOUR * (4 + rng.expovariate(1 / 30))
            satisfaction = SATISFACTION[int(r() * len(SATISFACTION))]
            events.append(
                (
                    "follow_up",
                    CLOSED,
                    CLOSED,
                    at,
                    dispatcher,
                    "",
                    {"satisfaction": satisfaction},
                )
            )

    def _row(
        self,
        day,
        number,
        created,
        events,
        *,
        source,
        category_id,
        category_name,
        priority,
        unit_id,
        ancestry,
        located,
        lat,
        lng,
        address,
        reporter,
        sign_hours,
        deadline,
        warn_at,
        working_days,
    ):
        now = self.now
        # Steps that would lie in the future have not happened yet.
        taken = len(events)
        while events[taken - 1][3] > now:
            taken -= 1
        del events[taken:]
        status = events[-1][2]
        owner = dispatched_at = accepted_at = suspended_at = None
        resolved_at = closed_at = None
        suspended_from = satisfaction = ""
        for action, before, _after, at, actor, _note, data in events:
            if action == "dispatch":
                dispatched_at, owner = at, data["owner"]
            elif action == "accept":
                accepted_at, owner = at, owner or actor
            elif action == "resolve":
                resolved_at = at
            elif action == "review_fail":
                resolved_at = None
            elif action == "review_pass":
                closed_at = at
            elif action == "return":
                owner = None
            elif action == "suspend":
                suspended_at, suspended_from = at, before
            elif action == "follow_up":
                satisfaction = data["satisfaction"]
        if dispatched_at is None:
            if not located:  # waits in the district's queue
                unit_id, ancestry = self.district.pk, self.district_ancestry
        elif events[1][6]["unit"] != unit_id:  # dispatched to the grid
            unit_id, ancestry = events[1][6]["unit"], (*ancestry[:4], None)
        rng = self.rng
        hotline = source == HOTLINE
        phrase = PHRASES[0] if hotline else PHRASES[int(rng.random() * 4)]
        ticket = [
            None,  # id, filled in when the batch reserves its ids
            f"{PREFIX}{day:%Y%m%d}{number:05d}",
            source,
            f"GD{day:%Y%m%d}{number:05d}" if hotline else "",
            category_id,
            priority,
            f"{category_name}：{address}",
            f"{phrase}{address}附近存在{category_name}问题，请尽快核实处理并反馈。",
            _person_name(rng) if hotline else "",
            f"1{3 + int(rng.random() * 7)}{int(rng.random() * 1e9):09d}"
            if hotline
            else "",
            address if located else "",
            lat,
            lng,
            unit_id,
            owner,
            reporter,
            status,
            suspended_from,
            satisfaction,
            (dispatched_at or created) + sign_hours,
            deadline,
            warn_at,
            working_days,
            created,
            dispatched_at,
            accepted_at,
            suspended_at,
            resolved_at,
            closed_at,
            events[-1][3],
            len(events),
            *ancestry,
        ]
        return ticket, [
            (actor, action, before, after, note, data, at)
            for action, before, after, at, actor, note, data in events
        ]


def _cumulative(pairs):
    values, cum, total = [], [], 0
    for value, weight in pairs:
        total += weight
        values.append(value)
        cum.append(total)
    return values, [c * 100 / total for c in cum]


def _person_name(rng):
    given = GIVEN[int(rng.random() * len(GIVEN))]
    if rng.random() < 0.6:
        given += GIVEN[int(rng.random() * len(GIVEN))]
    return SURNAMES[int(rng.random() * len(SURNAMES))] + given
