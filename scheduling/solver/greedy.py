"""Greedy construction: a valid roster in seconds, and the CP-SAT search's starting hint.

Shifts are taken week by week, the hardest to staff (fewest qualified guards) first. Each goes
to a feasible guard, preferring the client's own dedicated guards, then the flex pool, then
other clients' dedicated guards; within a tier a guard already on the post, then the one with
fewest hours this week, then the least scarce (unarmed, lower grade) so armed and senior guards
stay free for the shifts only they can work. Every assignment is checked against every hard
rule given what is already assigned, and later assignments only add constraints, so the
result is always valid.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import defaultdict

from scheduling.solver.problem import (
    Guard,
    Problem,
    Roster,
    Shift,
    is_qualified,
    max_free_gap,
    preference_tier,
    scarcity,
    weekend_of,
)

# Within a tier, the best of the first SAMPLE feasible guards (in scarcity order) is taken:
# big flex pools would otherwise make the greedy quadratic.
SAMPLE = 24


class GuardState:
    """What one guard already works: busy intervals (sorted), minutes per day and week, and
    for the period rules the kinds worked per day, the period's minutes and shifts per kind."""

    __slots__ = (
        "busy",
        "day_minutes",
        "kind_count",
        "kinds_on",
        "period_minutes",
        "posts",
        "week_minutes",
        "worked_weekends",
    )

    def __init__(self) -> None:
        self.busy: list[tuple[int, int]] = []
        self.day_minutes: dict[int, int] = defaultdict(int)
        self.week_minutes: dict[int, int] = defaultdict(int)
        self.posts: set[int] = set()
        self.kinds_on: dict[int, set[str]] = defaultdict(set)  # day -> kinds started on it
        self.period_minutes = 0  # in-range shifts only
        self.kind_count: dict[str, int] = defaultdict(int)  # in-range shifts only
        self.worked_weekends: set[int] = set()  # the Mondays of the weekends worked

    def add(self, shift: Shift) -> None:
        insort(self.busy, (shift.start, shift.end))
        self.day_minutes[shift.day] += shift.minutes
        self.week_minutes[shift.week] += shift.minutes
        if shift.post is not None:
            self.posts.add(shift.post)
        self.kinds_on[shift.day].add(shift.kind)
        weekend = weekend_of(shift.day)
        if weekend is not None:
            self.worked_weekends.add(weekend)
        if shift.in_range:
            self.period_minutes += shift.minutes
            self.kind_count[shift.kind] += 1

    def run_through(self, day: int, counts) -> int:
        """The stretch of consecutive days `counts(kinds)` accepts that `day` would join."""
        length, before, after = 1, day - 1, day + 1
        while before in self.kinds_on and counts(self.kinds_on[before]):
            length, before = length + 1, before - 1
        while after in self.kinds_on and counts(self.kinds_on[after]):
            length, after = length + 1, after + 1
        return length


class RosterState:
    """Incremental feasibility of assignments against every hard rule."""

    def __init__(self, problem: Problem, roster: Roster) -> None:
        self.problem = problem
        self.rules = problem.rules
        self.period_rules = problem.spans_period
        self.limits = {g.id: problem.limits(g.id) for g in problem.guards}
        self.guards: dict[int, GuardState] = {g.id: GuardState() for g in problem.guards}
        for shift in problem.shifts:
            guard_id = roster.get(shift.id, shift.fixed_guard)
            if guard_id is not None:
                self.guards[guard_id].add(shift)

    def can_take(self, guard: Guard, shift: Shift) -> bool:
        rules, state = self.rules, self.guards[guard.id]
        if state.day_minutes[shift.day] + shift.minutes > rules.max_daily_minutes:
            return False
        if state.week_minutes[shift.week] + shift.minutes > rules.weekly_cap_minutes:
            return False
        busy, rest = state.busy, rules.min_rest_minutes
        index = bisect_left(busy, (shift.start, shift.end))
        # Valid busy intervals are disjoint and rest-separated, so only neighbours can clash;
        # look two deep on each side in case a fixed assignment is not.
        for busy_start, busy_end in busy[max(0, index - 2) : index + 2]:
            if busy_start < shift.end + rest and shift.start < busy_end + rest:
                return False
        for week in self._weeks_of(shift):
            first = bisect_left(busy, (week.start - 7 * 24 * 60, 0))
            inside = [
                interval
                for interval in busy[first:]
                if interval[0] < week.end and interval[1] > week.start
            ]
            inside.append((shift.start, shift.end))
            if max_free_gap(inside, week.start, week.end) < rules.weekly_rest_minutes:
                return False
        return not self.period_rules or self._period_rules_allow(guard, shift)

    def _period_rules_allow(self, guard: Guard, shift: Shift) -> bool:
        """The maximum-type period rules (the minimum-type ones are left to CP-SAT)."""
        rules, state, limits = self.rules, self.guards[guard.id], self.limits[guard.id]
        if shift.in_range:
            room = limits.max_minutes
            if room is not None and state.period_minutes + shift.minutes > room:
                return False
            most = limits.max_shifts.get(shift.kind)
            if most is not None and state.kind_count[shift.kind] + 1 > most:
                return False
        forbidden = rules.forbidden_successions
        if forbidden:
            if any(
                (kind, shift.kind) in forbidden for kind in state.kinds_on.get(shift.day - 1, ())
            ):
                return False
            if any(
                (shift.kind, kind) in forbidden for kind in state.kinds_on.get(shift.day + 1, ())
            ):
                return False
        if (
            limits.max_consecutive_days is not None
            and state.run_through(shift.day, bool) > limits.max_consecutive_days
        ):
            return False
        nights = rules.night_kinds
        if (
            limits.max_consecutive_nights is not None
            and shift.kind in nights
            and state.run_through(shift.day, lambda kinds: bool(kinds & nights))
            > limits.max_consecutive_nights
        ):
            return False
        weekend = weekend_of(shift.day)
        if limits.max_weekends is not None and weekend is not None and shift.in_range:
            worked = state.worked_weekends
            if weekend not in worked and len(worked) + 1 > limits.max_weekends:
                return False
        return True

    def _weeks_of(self, shift: Shift):
        weeks = self.problem.weeks
        for key in (shift.week, shift.week + 7):
            week = weeks.get(key)
            if week is not None and week.start < shift.end and shift.start < week.end:
                yield week

    def assign(self, guard: Guard, shift: Shift) -> None:
        self.guards[guard.id].add(shift)


def _qualified(problem: Problem, shift: Shift) -> tuple[list[Guard], list[Guard]]:
    """Guards qualified for `shift` leave aside, in static preference order (tier, scarcity,
    id), and those of them who have any leave.

    Cached on the problem in two levels: who qualifies depends on grade, arms, induction
    site, date and kind (a contract may allow no shift of a kind); the order also on the
    client, and is each client's one order of all guards, filtered.
    """
    cache = problem.qualified_cache
    site = shift.site if shift.induction else None
    qual_key = (shift.grade, shift.armed, site, shift.end_day, shift.kind)
    key = (shift.client, *qual_key)
    ordered = cache.get(key)
    if ordered is not None:
        return ordered
    qualified = cache.get(qual_key)
    if qualified is None:
        probe = Shift(
            id=-1,
            site=shift.site,
            client=shift.client,
            start=0,
            end=0,
            day=shift.day,
            end_day=shift.end_day,
            week=shift.week,
            grade=shift.grade,
            armed=shift.armed,
            induction=shift.induction,
            kind=shift.kind,
        )
        qualified = cache[qual_key] = {g.id for g in problem.guards if is_qualified(g, probe)}
    order = cache.get(("order", shift.client))
    if order is None:
        order = cache[("order", shift.client)] = sorted(
            problem.guards, key=lambda g: (preference_tier(g, shift), scarcity(g), g.id)
        )
    guards = [g for g in order if g.id in qualified]
    cache[key] = ordered = (guards, [g for g in guards if g.absences])
    return ordered


def qualified_guards(problem: Problem, shift: Shift) -> list[Guard]:
    """Guards qualified for `shift`, in static preference order (tier, scarcity, id).
    Absences are checked per shift, only for guards who have any."""
    guards, absent = _qualified(problem, shift)
    away = {guard.id for guard in absent if guard.away(shift.start, shift.end)}
    return [guard for guard in guards if guard.id not in away] if away else guards


def qualified_count(problem: Problem, shift: Shift) -> int:
    """How many guards qualify for `shift`, leave aside (cheap; orders the greedy)."""
    guards, absent = _qualified(problem, shift)
    return len(guards) - sum(1 for guard in absent if guard.away(shift.start, shift.end))


def greedy(problem: Problem, start: Roster | None = None, weeks: set[int] | None = None) -> Roster:
    """A valid roster: `start`'s assignments (if any) kept, open shifts filled greedily
    (only those starting in `weeks`, when given)."""
    roster: Roster = {s.id: s.fixed_guard for s in problem.shifts if s.in_range}
    for shift_id, guard_id in (start or {}).items():
        if guard_id is not None:
            roster[shift_id] = guard_id
    state = RosterState(problem, roster)
    # Optional slots (over-cover, open weight 0) only cost when filled: left to CP-SAT.
    todo = [
        s
        for s in problem.open_to_fill
        if roster.get(s.id) is None and (weeks is None or s.week in weeks) and s.open_weight != 0
    ]
    # Week by week; in a week the shifts fewest guards can work first (they are where open
    # shifts appear), then in start order.
    todo.sort(key=lambda s: (s.week, qualified_count(problem, s), s.start, s.id))
    for shift in todo:
        best: tuple | None = None
        best_guard: Guard | None = None
        tier_seen = None
        feasible = 0
        for guard in qualified_guards(problem, shift):
            tier = preference_tier(guard, shift)
            if best_guard is not None and (tier != tier_seen or feasible >= SAMPLE):
                break  # a feasible guard in a better tier exists, or enough to choose from
            if not state.can_take(guard, shift):
                continue
            feasible += 1
            guard_state = state.guards[guard.id]
            key = (
                shift.post not in guard_state.posts,
                guard_state.week_minutes[shift.week],
                scarcity(guard),
            )
            if best is None or key < best:
                best, best_guard, tier_seen = key, guard, tier
        if best_guard is not None:
            roster[shift.id] = best_guard.id
            state.assign(best_guard, shift)
    return roster
