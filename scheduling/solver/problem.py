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
from collections import defaultdict
from dataclasses import dataclass, field

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

    @property
    def weekly_cap_minutes(self) -> int:
        return self.max_weekly_minutes + self.max_weekly_overtime_minutes


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

    @property
    def is_flex(self) -> bool:
        return self.client is None


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

    def __post_init__(self) -> None:
        self.guard_by_id = {g.id: g for g in self.guards}
        self.shift_by_id = {s.id: s for s in self.shifts}

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
    return all(not (away < shift.end and shift.start < back) for away, back in guard.absences)


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
    post, uneven hours (above an even share of each week's demand) and overtime."""
    rules = problem.rules
    open_shifts = sum(
        1
        for shift in problem.shifts
        if shift.in_range and roster.get(shift.id, shift.fixed_guard) is None
    )
    off_client = 0
    guard_posts: set[tuple[int, int]] = set()  # (guard id, post) pairs worked
    posts: set[int] = set()
    week_minutes: dict[tuple[int, int], int] = defaultdict(int)  # by (guard id, week)
    demand: dict[int, int] = defaultdict(int)  # minutes to staff, by week
    for shift in problem.shifts:
        if not shift.in_range:
            continue
        demand[shift.week] += shift.minutes
        guard_id = roster.get(shift.id, shift.fixed_guard)
        if guard_id is None:
            continue
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
    soft = (
        rules.weight_off_client * off_client
        + rules.weight_post_change * (len(guard_posts) - len(posts))
        + rules.weight_fairness * excess / HOUR
        + rules.weight_overtime * overtime / HOUR
    )
    return Score(open_shifts, soft, rules.weight_open_shift * open_shifts + soft)


def day_label(ordinal: int) -> str:
    return dt.date.fromordinal(ordinal).strftime("%a %d %b")
