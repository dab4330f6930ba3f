"""The rostering problem as plain data, shared by the greedy, the CP-SAT model, the checker
and the benchmark.

No Django here: `scheduling.adapter.build_problem` turns one organization's rows into a
`Problem`, while `bench/roster.py` and the property tests build them directly
(`scheduling.solver.synthetic`). Times are whole minutes since the Unix epoch (UTC), so DST
never changes a duration; `day` and `week` are computed by the builder in the organization's
timezone (date ordinals of the local start date and of its ISO week's Monday).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

HOUR = 60  # times and durations are in minutes

# A roster maps each shift id to a guard id, or None for an open shift.
Roster = dict[int, int | None]


@dataclass(frozen=True)
class Rules:
    """Labour limits (hard) and goal weights (soft), in minutes and penalty points."""

    max_daily_minutes: int = 12 * HOUR
    max_weekly_minutes: int = 48 * HOUR  # ordinary hours
    max_weekly_overtime_minutes: int = 10 * HOUR
    min_rest_minutes: int = 12 * HOUR
    weekly_rest_minutes: int = 36 * HOUR
    weight_open_shift: int = 1000
    weight_off_client: int = 20
    weight_post_change: int = 3
    weight_fairness: int = 1
    weight_overtime: int = 5
    # Rules over the whole roster period (None or empty: not applied). A day counts as
    # worked when a shift starts on it; min-stretch rules exempt a stretch touching the
    # period's first or last day (it may continue outside the period).
    max_consecutive_days: int | None = None
    max_consecutive_nights: int | None = None  # days with a shift of a `night_kinds` kind
    night_kinds: frozenset[str] = frozenset({"night"})
    min_consecutive_days: int | None = None
    min_consecutive_days_off: int | None = None
    max_weekends: int | None = None  # a weekend counts when its Saturday or Sunday is worked
    forbidden_successions: frozenset[tuple[str, str]] = frozenset()  # (kind, next day's kind)

    @property
    def weekly_cap_minutes(self) -> int:
        return self.max_weekly_minutes + self.max_weekly_overtime_minutes

    @property
    def spans_period(self) -> bool:
        return bool(
            self.forbidden_successions
            or any(
                value is not None
                for value in (
                    self.max_consecutive_days,
                    self.max_consecutive_nights,
                    self.min_consecutive_days,
                    self.min_consecutive_days_off,
                    self.max_weekends,
                )
            )
        )


@dataclass(frozen=True)
class Contract:
    """A guard's contract for the roster period; None: the organization's rule applies."""

    min_minutes: int | None = None
    max_minutes: int | None = None
    max_shifts: tuple[tuple[str, int], ...] = ()  # (kind, most shifts of it in the period)
    max_consecutive_days: int | None = None
    min_consecutive_days: int | None = None
    min_consecutive_days_off: int | None = None
    max_weekends: int | None = None

    def max_shifts_of(self, kind: str) -> int | None:
        return self._max_shifts.get(kind)

    @cached_property
    def _max_shifts(self) -> dict[str, int]:
        return dict(self.max_shifts)


@dataclass(frozen=True)
class Limits:
    """The period rules one guard works under: the contract where it says, else the
    organization's (`Problem.limits`). The checker merges them by its own code."""

    max_consecutive_days: int | None
    max_consecutive_nights: int | None
    min_consecutive_days: int | None
    min_consecutive_days_off: int | None
    max_weekends: int | None
    min_minutes: int | None
    max_minutes: int | None
    max_shifts: dict[str, int]


@dataclass(frozen=True)
class Request:
    """A guard's wish, soft: `weight` points when it is not met. `on`: wants to work a shift
    of `kind` (None: any) on `day`; not `on`: wants that shift (None: the whole day) off."""

    guard: int
    day: int  # local date ordinal
    kind: str | None
    on: bool
    weight: int


@dataclass(frozen=True)
class Guard:
    id: int
    grade: str  # "A" (highest) .. "E"
    client: int | None = None  # None: flex pool
    registration_expires: int | None = None  # local date ordinal; None: not recorded
    firearm_expires: int | None = None  # local date ordinal; None: no competency
    inducted_sites: frozenset[int] = frozenset()
    absences: tuple[tuple[int, int], ...] = ()  # [start, end) minutes
    name: str = ""
    # The guard's own unavailability, [start, end) minutes and its words ("Tuesdays from
    # 18:00"), for the checker and the open-shift explanation. The builder puts each span in
    # `absences` too, which is what the solvers read.
    unavailable: tuple[tuple[int, int, str], ...] = ()
    contract: Contract | None = None

    def __post_init__(self) -> None:
        # `away` by bisection: the spans' starts in order, and how far the spans up to each
        # one reach (a benchmark guard has a span a day off; the greedy asks per shift).
        spans = sorted(self.absences)
        reach, furthest = [], None
        for _start, end in spans:
            furthest = end if furthest is None else max(furthest, end)
            reach.append(furthest)
        object.__setattr__(self, "_away_starts", [start for start, _end in spans])
        object.__setattr__(self, "_away_reach", reach)

    @property
    def is_flex(self) -> bool:
        return self.client is None

    def away(self, start: int, end: int) -> bool:
        """Absent at some time in [start, end)."""
        before = bisect_left(self._away_starts, end)  # the spans starting before `end`
        return before > 0 and self._away_reach[before - 1] > start


@dataclass(frozen=True)
class Shift:
    id: int
    site: int
    client: int
    start: int
    end: int
    day: int  # local date ordinal of the start
    end_day: int  # local date ordinal of the end (licences must be valid through it)
    week: int  # local date ordinal of the Monday of `day`'s week
    grade: str = "E"  # minimum grade
    armed: bool = False
    induction: bool = False
    post: int | None = None
    fixed_guard: int | None = None  # published or pinned: kept as it is
    in_range: bool = True  # False: a fixed shift just outside the range (counts for rules)
    label: str = ""  # "Tue 03 Mar 18:00-06:00 at Main Gate", in the organization's time
    kind: str = ""  # "day", "night", ...: what succession and night rules and contracts name
    # Cover: the points an open slot costs (None: `Rules.weight_open_shift`; 0: an optional
    # slot, i.e. over-cover, never counted as open), and the points filling it costs.
    open_weight: int | None = None
    fill_weight: int = 0

    @property
    def minutes(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Week:
    key: int  # local date ordinal of its Monday
    start: int  # minutes, local Monday 00:00
    end: int  # minutes, next local Monday 00:00 (167 or 169 hours around DST changes)


@dataclass
class Problem:
    guards: list[Guard]
    shifts: list[Shift]
    weeks: dict[int, Week]
    rules: Rules = field(default_factory=Rules)
    site_names: dict[int, str] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    horizon: tuple[int, int] | None = None  # first and last local day; None: the shifts'

    def __post_init__(self) -> None:
        self.guard_by_id = {g.id: g for g in self.guards}
        self.shift_by_id = {s.id: s for s in self.shifts}
        # Who qualifies for what (`greedy.qualified_guards`): the same for every solver step.
        self.qualified_cache: dict = {}

    @cached_property
    def period(self) -> tuple[int, int]:
        """The roster period's first and last day (date ordinals). A problem is not changed
        once built (`dataclasses.replace` makes a new one), so this is computed once."""
        if self.horizon is not None:
            return self.horizon
        days = [shift.day for shift in self.shifts if shift.in_range] or [0]
        return min(days), max(days)

    @property
    def spans_period(self) -> bool:
        """Whether any rule or goal looks beyond one week: then the solver plans the whole
        period at once instead of week by week."""
        return (
            self.rules.spans_period
            or any(guard.contract is not None for guard in self.guards)
            or any(s.open_weight is not None or s.fill_weight for s in self.shifts)
        )

    def limits(self, guard_id: int) -> Limits:
        rules = self.rules
        contract = self.guard_by_id[guard_id].contract or Contract()

        def pick(own: int | None, org: int | None) -> int | None:
            return own if own is not None else org

        return Limits(
            max_consecutive_days=pick(contract.max_consecutive_days, rules.max_consecutive_days),
            max_consecutive_nights=rules.max_consecutive_nights,
            min_consecutive_days=pick(contract.min_consecutive_days, rules.min_consecutive_days),
            min_consecutive_days_off=pick(
                contract.min_consecutive_days_off, rules.min_consecutive_days_off
            ),
            max_weekends=pick(contract.max_weekends, rules.max_weekends),
            min_minutes=contract.min_minutes,
            max_minutes=contract.max_minutes,
            max_shifts=dict(contract.max_shifts),
        )

    def open_weight(self, shift: Shift) -> int:
        return self.rules.weight_open_shift if shift.open_weight is None else shift.open_weight

    @property
    def open_to_fill(self) -> list[Shift]:
        """In-range shifts the solvers decide (not fixed)."""
        return [s for s in self.shifts if s.in_range and s.fixed_guard is None]

    def site_name(self, site: int) -> str:
        return self.site_names.get(site, f"site {site}")


# --- Qualification, shared by the greedy, the bound and the model (the checker has its own). ---


def is_qualified(guard: Guard, shift: Shift) -> bool:
    """Grade, firearm, registration, induction and absence: the rules that do not depend on
    the rest of the roster."""
    if guard.grade > shift.grade:  # "A" < "B": a lower letter is a higher grade
        return False
    if guard.registration_expires is not None and guard.registration_expires < shift.end_day:
        return False
    if shift.armed and (guard.firearm_expires is None or guard.firearm_expires < shift.end_day):
        return False
    if shift.induction and shift.site not in guard.inducted_sites:
        return False
    if guard.contract is not None and guard.contract.max_shifts_of(shift.kind) == 0:
        return False
    return not guard.away(shift.start, shift.end)


def preference_tier(guard: Guard, shift: Shift) -> int:
    """0: the client's own dedicated guard, 1: flex pool, 2: another client's dedicated guard."""
    if guard.client is None:
        return 1
    return 0 if guard.client == shift.client else 2


def scarcity(guard: Guard) -> int:
    """Higher for guards many shifts need (armed, high grade): used last."""
    return (2 if guard.firearm_expires is not None else 0) + ("EDCBA".index(guard.grade))


def max_free_gap(busy: list[tuple[int, int]], start: int, end: int) -> int:
    """The longest stretch inside [start, end) not covered by `busy` intervals."""
    best, cursor = 0, start
    for busy_start, busy_end in sorted(busy):
        if busy_end <= cursor:
            continue
        if busy_start >= end:
            break
        best = max(best, busy_start - cursor)
        cursor = max(cursor, busy_end)
    return max(best, end - cursor)


@dataclass(frozen=True)
class Score:
    open_shifts: int
    soft: float  # soft penalty points, the open-shift term excluded
    objective: float  # weight_open_shift * open_shifts + soft


def evaluate(problem: Problem, roster: Roster) -> Score:
    """The weighted objective of a roster: open shifts, off-client work, guards changing on a
    post, uneven hours (above an even share of each week's demand) and overtime; and, where
    the problem has them, filled optional slots (over-cover) and unmet requests."""
    rules = problem.rules
    open_shifts = open_cost = fill_cost = 0
    off_client = 0
    guard_posts: set[tuple[int, int]] = set()  # (guard id, post) pairs worked
    posts: set[int] = set()
    week_minutes: dict[tuple[int, int], int] = defaultdict(int)  # by (guard id, week)
    demand: dict[int, int] = defaultdict(int)  # minutes to staff, by week
    worked: set[tuple[int, int, str]] = set()  # (guard id, day, kind)
    for shift in problem.shifts:
        if not shift.in_range:
            continue
        demand[shift.week] += shift.minutes
        guard_id = roster.get(shift.id, shift.fixed_guard)
        if guard_id is None:
            weight = problem.open_weight(shift)
            open_cost += weight
            open_shifts += 1 if weight else 0
            continue
        fill_cost += shift.fill_weight
        worked.add((guard_id, shift.day, shift.kind))
        guard = problem.guard_by_id[guard_id]
        if guard.client is not None and guard.client != shift.client:
            off_client += 1
        if shift.post is not None:
            guard_posts.add((guard_id, shift.post))
            posts.add(shift.post)
        week_minutes[(guard_id, shift.week)] += shift.minutes
    excess = overtime = 0
    guard_count = max(1, len(problem.guards))
    for (_guard_id, week), minutes in week_minutes.items():
        excess += max(0, minutes - demand[week] // guard_count)
        overtime += max(0, minutes - rules.max_weekly_minutes)
    days_worked = {(guard, day) for guard, day, _kind in worked}
    unmet = 0
    for request in problem.requests:
        if request.kind is None:
            works = (request.guard, request.day) in days_worked
        else:
            works = (request.guard, request.day, request.kind) in worked
        if works != request.on:
            unmet += request.weight
    soft = (
        rules.weight_off_client * off_client
        + rules.weight_post_change * (len(guard_posts) - len(posts))
        + rules.weight_fairness * excess / HOUR
        + rules.weight_overtime * overtime / HOUR
        + fill_cost
        + unmet
    )
    return Score(open_shifts, soft, open_cost + soft)


def weekend_of(day: int) -> int | None:
    """The Monday (date ordinal) of the week whose weekend `day` is in; None on a weekday."""
    weekday = dt.date.fromordinal(day).weekday()
    return day - weekday if weekday >= 5 else None


def day_label(ordinal: int) -> str:
    return dt.date.fromordinal(ordinal).strftime("%a %d %b")
