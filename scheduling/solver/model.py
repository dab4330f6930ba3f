"""The CP-SAT model of one week's undecided shifts: one method per constraint family.

As in OR-Tools' `examples/python/shift_scheduling_sat.py`, the model is one boolean
`works[guard, shift_id]` per guard who may work a shift (guards are ids here), and each rule
of the roster is a family of constraints over them, stated by its own method:

- `_qualifications`: who may work each shift at all (qualified, and not ruled out by what
  the guard already works outside the model); nobody else gets a variable;
- `_one_guard_per_shift`: at most one guard per shift; a shift nobody works is open;
- `_no_overlap_and_rest_between_shifts`: one shift at a time, with the rest between them;
- `_daily_hours`, `_weekly_hours`: the daily cap and the weekly cap (ordinary + overtime);
- `add_weekly_rest`: the weekly rest, stated lazily for the guards who need it (the search
  adds it when a solution lacks it);
- the period rules, which the search states when the model covers the whole period:
  `_forbidden_successions`, `_max_consecutive_days`, `_max_consecutive_nights`,
  `_min_consecutive_days`, `_min_consecutive_days_off`, `_max_weekends`,
  `_contract_minutes`, `_contract_shifts_per_kind`;
- `_objective`: the soft goals (off-client work, overtime, uneven hours, post changes) as
  `soft_terms`, in penalty points x SCALE; the open shifts (`open_shifts`) weigh
  `weight_open_shift` points each; `_cover` prices open and filled slots of a post with a
  headcount (under- and over-cover), `_requests` the guards' wishes.

With `group`, identical slots (a post needing several guards at once) are one decision with a
capacity instead of interchangeable shifts: `works[guard, slot]` is then "works one of the
slots", which removes the symmetry between them.

Everything outside the model (fixed shifts, earlier weeks, shifts of this week outside a
neighbourhood) is `context`: it narrows the candidates and the room each guard has left.
"""

from __future__ import annotations

import time
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from scheduling.solver.greedy import GuardState, qualified_guards
from scheduling.solver.problem import (
    HOUR,
    Problem,
    Roster,
    Shift,
    max_free_gap,
    preference_tier,
    weekend_of,
)

# Objective scale: penalty points are per hour for fairness and overtime, so CP-SAT works in
# points x 60 with minutes as integers.
SCALE = HOUR
MAX_PAIRS_PER_WEEK = 4_000  # above this: neighbourhoods, and fewer candidates per shift
MAX_PAIRS_PER_PERIOD = 150_000  # above this the period model keeps a few candidates a shift
SCARCE = 40  # shifts with at most this many candidate guards keep them all
RANDOM_SEED = 7
PORTFOLIO_WORKERS = 8  # CP-SAT strategies for a whole-period model, however many cores


@dataclass
class Budget:
    """How CP-SAT searches, and the clock the search splits its time limit by.

    By default the clock is wall-clock seconds (production). With `deterministic` (tests and
    the benchmark) it counts CP-SAT's deterministic time instead, the work its solves did,
    and everything else is free: with one worker every solve, and so the whole run, gives the
    same result on any machine, however fast or loaded.
    """

    workers: int = 2
    deterministic: bool = False
    spent: float = 0.0  # deterministic time of the solves so far
    started: float = field(default_factory=time.monotonic)

    def elapsed(self) -> float:
        return self.spent if self.deterministic else time.monotonic() - self.started

    def configure(self, solver: cp_model.CpSolver, limit: float, portfolio: bool = False) -> None:
        """`portfolio`: CP-SAT's full portfolio of PORTFOLIO_WORKERS strategies, sharing the
        `workers` cores (wall-clock only: deterministic runs keep their worker count, or they
        would not be deterministic). With 2 workers CP-SAT runs one tree search with a light
        LP and its neighbourhoods; a period model needs the full LP (`max_lp`), whose root
        bound is near the optimum, and the core-based search to prove and improve."""
        if self.deterministic:
            solver.parameters.max_deterministic_time = limit
        else:
            solver.parameters.max_time_in_seconds = limit
        workers = self.workers
        if portfolio and not self.deterministic:
            workers = max(workers, PORTFOLIO_WORKERS)
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = RANDOM_SEED

    def charge(self, solver: cp_model.CpSolver) -> None:
        self.spent += solver.deterministic_time


def _spread(guard: int, post: int | None) -> int:
    """A per-post pseudo-random order of guards, stable across days (helps continuity)."""
    return (guard * 2654435761 + (post or 0) * 40503) % 1_000_003


def group_key(shift: Shift, group: bool) -> tuple:
    """Slots with the same key are interchangeable (with `group`; otherwise each its own)."""
    if not group:
        return (shift.id,)
    return (
        shift.site,
        shift.client,
        shift.start,
        shift.end,
        shift.day,
        shift.end_day,
        shift.week,
        shift.grade,
        shift.armed,
        shift.induction,
        shift.post,
        shift.kind,
    )


def slot_groups(
    problem: Problem, slots: list[Shift], group: bool
) -> tuple[dict[int, list[Shift]], dict[int, int]]:
    """`slots` in groups of interchangeable ones (`group_key`), each led by its first slot,
    the members sorted by what filling them gains (the first ones are filled first): the
    members by lead's id, and each slot's lead."""
    groups: dict[tuple, list[Shift]] = defaultdict(list)
    for shift in slots:
        groups[group_key(shift, group)].append(shift)
    members_of: dict[int, list[Shift]] = {}
    lead_of: dict[int, int] = {}
    for members in groups.values():
        members.sort(key=lambda s: (-(problem.open_weight(s) - s.fill_weight), s.id))
        members_of[members[0].id] = members
        for member in members:
            lead_of[member.id] = members[0].id
    return members_of, lead_of


class WeekModel:
    """CP-SAT model of the undecided shifts of `week` (one week, or a set of weeks: the whole
    period); everything in `decided` is fixed.

    Built once, solved in two phases by the search: first the open shifts alone (the dominant
    goal, which CP-SAT settles quickly), then, with "open <= that" added, the full weighted
    objective. The weekly rest is added lazily per guard (`add_weekly_rest`). With
    `period_rules` the rules spanning the roster period are stated too (the model must then
    cover the whole period, or they would hold piecewise only).
    """

    def __init__(
        self,
        problem: Problem,
        week: int | set[int],
        decided: Roster,
        hint: Roster | None = None,
        subset: set[int] | None = None,
        *,
        group: bool = False,
        period_rules: bool = False,
        prune: bool = True,
    ) -> None:
        self.problem, self.rules = problem, problem.rules
        self.period_rules = period_rules
        self.weeks = {week} if isinstance(week, int) else set(week)
        self.week = min(self.weeks) if self.weeks else 0
        slots = [
            shift
            for shift in problem.open_to_fill
            if shift.week in self.weeks and (subset is None or shift.id in subset)
        ]
        in_model = {shift.id for shift in slots}
        # Interchangeable slots form one group, led by its first slot (`self.shifts`).
        self.members, self.lead_of = slot_groups(problem, slots, group)
        self.shifts = [members[0] for members in self.members.values()]
        # What each guard works outside the model.
        self.context: dict[int, GuardState] = defaultdict(GuardState)
        for shift in problem.shifts:
            guard = decided.get(shift.id, shift.fixed_guard)
            if guard is not None and shift.id not in in_model:
                self.context[guard].add(shift)

        self.model = cp_model.CpModel()
        self.works: dict[tuple[int, int], cp_model.IntVar] = {}  # (guard, lead shift id)
        self.shifts_of: dict[int, list[Shift]] = defaultdict(list)  # guard's candidate shifts
        self.open_terms: list = []  # per group: its open slots (optional slots excluded)
        self.open_cost_terms: list = []  # per group: the points its open and filled slots cost
        self.soft_terms: list = []
        # Auxiliary variables, and what `hint` needs to hint them from an assignment.
        self.minutes_aux: list[tuple[cp_model.IntVar, int, int, int]] = []  # var, guard, week,
        # threshold
        self.any_aux: list[tuple[cp_model.IntVar, int, list[int]]] = []  # var >= OR(works[..])
        self.none_aux: list[tuple[cp_model.IntVar, int, list[int]]] = []  # var -> NOR(works..)
        self.curve_aux: list[tuple[cp_model.IntVar, int, list[int]]] = []  # var, lead, by count
        self.rest_guards: set[int] = set()  # guards whose weekly rest is stated
        self._day_vars: dict[tuple, object] = {}

        candidates = self._qualifications()
        if prune:
            candidates = self._few_candidates(candidates, hint or {})
        self._one_guard_per_shift(candidates)
        self._no_overlap_and_rest_between_shifts()
        self._daily_hours()
        self._weekly_hours()
        if period_rules:
            self._forbidden_successions()
            self._max_consecutive_days()
            self._max_consecutive_nights()
            self._min_consecutive_days()
            self._min_consecutive_days_off()
            self._max_weekends()
            self._contract_minutes()
            self._contract_shifts_per_kind()
        self._objective()
        self._cover()
        self._requests()  # each about one day: a week's model states its own days

    # --- the decisions ----------------------------------------------------------------------

    def _qualifications(self) -> dict[int, list[int]]:
        """Per shift, the guards who may work it: qualified (grade, firearm, registration,
        induction, leave) and, given the context, within the daily and weekly caps and clear
        of the rest around the shifts they work."""
        rules, rest = self.rules, self.rules.min_rest_minutes

        def fits_context(guard: int, shift: Shift) -> bool:
            state = self.context.get(guard)
            if state is None:
                return True
            if state.day_minutes[shift.day] + shift.minutes > rules.max_daily_minutes:
                return False
            if state.week_minutes[shift.week] + shift.minutes > rules.weekly_cap_minutes:
                return False
            return all(
                not (busy_start < shift.end + rest and shift.start < busy_end + rest)
                for busy_start, busy_end in state.busy
            )

        return {
            shift.id: [
                guard.id
                for guard in qualified_guards(self.problem, shift)
                if fits_context(guard.id, shift)
            ]
            for shift in self.shifts
        }

    def _few_candidates(
        self, candidates: dict[int, list[int]], hint: Roster
    ) -> dict[int, list[int]]:
        """In a big model, shifts few guards can work keep them all (that is where open shifts
        are); the others keep a handful of natural candidates (own client's guards, flex,
        others, spread per post), never fewer than the group needs filled, plus the hint's guards.

        A period model states minimums (contract minutes, shortest stretches) that every guard
        must be able to meet, so there the handful is taken day by day, balanced: every guard
        keeps a shift on every day it can work. (Stable per post, some guards kept too few to
        meet their minimums, and the model was infeasible: Curtois 15, 23 and 24.)"""
        pairs = sum(len(guards) for guards in candidates.values())
        cap = MAX_PAIRS_PER_PERIOD if self.period_rules else MAX_PAIRS_PER_WEEK
        if pairs <= cap:
            return candidates
        if self.period_rules:
            keep_count = max(6, cap // len(self.shifts))
        else:
            keep_count = max(6, cap // (4 * len(self.shifts)))
        guard_by_id = self.problem.guard_by_id
        on_day: Counter[tuple[int, int]] = Counter()  # (guard, day): shifts kept
        overall: Counter[int] = Counter()
        of_kind: Counter[tuple[int, str]] = Counter()  # (guard, kind): shifts kept
        options: Counter[tuple[int, int]] = Counter()  # (guard, day): shifts it may work
        shifts = self.shifts
        if self.period_rules:
            for shift in shifts:
                for guard in candidates[shift.id]:
                    options[guard, shift.day] += 1
            shifts = sorted(shifts, key=lambda s: (s.day, s.start, s.id))
        kept: dict[int, list[int]] = {}
        for shift in shifts:
            guards = candidates[shift.id]
            needed = sum(1 for s in self.members[shift.id] if self.problem.open_weight(s) > 0)
            keep_here = max(keep_count, needed)
            if len(guards) > max(SCARCE, keep_here):
                if self.period_rules:
                    # First who has the fewest kept that day (a guard with many options kept
                    # one a day could not meet its contract: Curtois 24, half the guards),
                    # then nothing of that kind, who can work least else that day; the least
                    # kept; spread per post.
                    def order(guard: int, shift: Shift = shift) -> tuple:
                        day, kind = shift.day, shift.kind
                        return (
                            preference_tier(guard_by_id[guard], shift),
                            on_day[guard, day],
                            of_kind[guard, kind] > 0,
                            options[guard, day],
                            of_kind[guard, kind],
                            overall[guard],
                            _spread(guard, shift.post),
                        )
                else:

                    def order(guard: int, shift: Shift = shift) -> tuple:
                        return (
                            preference_tier(guard_by_id[guard], shift),
                            _spread(guard, shift.post),
                        )

                keep = sorted(guards, key=order)[:keep_here]
                for member in self.members[shift.id]:  # the hint's guard of every slot
                    hinted = hint.get(member.id)
                    if hinted in guards and hinted not in keep:
                        keep.append(hinted)
                guards = keep
            if self.period_rules:
                for guard in guards:
                    on_day[guard, shift.day] += 1
                    of_kind[guard, shift.kind] += 1
                    overall[guard] += 1
            kept[shift.id] = guards
        return kept

    def _one_guard_per_shift(self, candidates: dict[int, list[int]]) -> None:
        """A `works` variable per candidate; at most one guard works a shift (a group: at most
        its size), else it is open."""
        for shift in self.shifts:
            workers = []
            for guard in candidates[shift.id]:
                works = self.model.new_bool_var(f"works_{guard}_{shift.id}")
                self.works[(guard, shift.id)] = works
                workers.append(works)
                self.shifts_of[guard].append(shift)
            size = len(self.members[shift.id])
            if size == 1:
                self.model.add_at_most_one(workers)
            else:
                self.model.add(sum(workers) <= size)
        for shifts in self.shifts_of.values():
            shifts.sort(key=lambda shift: shift.start)

    def _works_by_lead(self) -> dict[int, list]:
        """Per group (its lead shift id): the ((guard, lead), works) pairs."""
        by_lead: dict[int, list] = defaultdict(list)
        for key, works in self.works.items():
            by_lead[key[1]].append((key, works))
        return by_lead

    # --- hard rules -------------------------------------------------------------------------

    def _fixed(self, guard: int) -> GuardState:
        """What `guard` works outside the model (nothing: an empty state)."""
        return self.context.get(guard) or GuardState()

    def _no_overlap_and_rest_between_shifts(self) -> None:
        """Shifts whose [start, end + rest) contain one moment clash pairwise, and every clash
        shows at the later shift's start (an interval graph): one "at most one" per moment."""
        rest = self.rules.min_rest_minutes
        for guard, shifts in self.shifts_of.items():
            seen: set[tuple[int, ...]] = set()
            longest = max(shift.minutes for shift in shifts) + rest
            starts = [shift.start for shift in shifts]
            for shift in shifts:
                # Sorted by start: the clique lies between start - longest and start.
                low = bisect_left(starts, shift.start - longest)
                high = bisect_right(starts, shift.start)
                clique = tuple(
                    other.id
                    for other in shifts[low:high]
                    if other.start <= shift.start < other.end + rest
                )
                if len(clique) > 1 and clique not in seen:
                    seen.add(clique)
                    self.model.add_at_most_one(self.works[(guard, other)] for other in clique)

    def _daily_hours(self) -> None:
        """At most `max_daily_minutes` a day, the day's minutes outside the model included."""
        for guard, shifts in self.shifts_of.items():
            fixed = self._fixed(guard)
            by_day: dict[int, list[Shift]] = defaultdict(list)
            for shift in shifts:
                by_day[shift.day].append(shift)
            for day, day_shifts in by_day.items():
                room = self.rules.max_daily_minutes - fixed.day_minutes[day]
                if sum(shift.minutes for shift in day_shifts) > room:
                    self.model.add(
                        sum(shift.minutes * self.works[(guard, shift.id)] for shift in day_shifts)
                        <= room
                    )

    def _week_minutes(self, guard: int, week: int) -> tuple[cp_model.LinearExpr, int, int]:
        """The guard's minutes in `week`: worked (an expression), at most, and fixed."""
        fixed = self._fixed(guard).week_minutes[week]
        shifts = [shift for shift in self.shifts_of[guard] if shift.week == week]
        worked = sum(shift.minutes * self.works[(guard, shift.id)] for shift in shifts) + fixed
        most = sum(shift.minutes for shift in shifts) + fixed
        return worked, most, fixed

    def _guard_weeks(self, guard: int) -> list[int]:
        return sorted({shift.week for shift in self.shifts_of[guard]})

    def _weekly_hours(self) -> None:
        """At most the weekly cap (ordinary hours plus overtime)."""
        cap = self.rules.weekly_cap_minutes
        for guard in self.shifts_of:
            for week in self._guard_weeks(guard):
                worked, most, _fixed = self._week_minutes(guard, week)
                if most > cap:
                    self.model.add(worked <= cap)

    def add_weekly_rest(self, guards: set[int]) -> None:
        """At least `weekly_rest_minutes` off in one stretch of each week, for `guards`.

        A longest rest starts at the week's start or at the end of a worked shift, so one
        boolean per such moment says "[moment, moment + rest) is free"; one of them must hold.
        """
        need = self.rules.weekly_rest_minutes
        for guard in guards - self.rest_guards:
            self.rest_guards.add(guard)
            for week in sorted(self.weeks):
                window = self.problem.weeks.get(week)
                if window is not None:
                    self._weekly_rest(guard, window.start, window.end, need)

    def _weekly_rest(self, guard: int, start: int, end: int, need: int) -> None:
        fixed = self._fixed(guard)
        inside = [
            shift
            for shift in self.shifts_of.get(guard, [])
            if shift.start < end and shift.end > start
        ]
        busy = [interval for interval in fixed.busy if interval[0] < end and interval[1] > start]
        if not inside:
            return
        if max_free_gap(busy + [(shift.start, shift.end) for shift in inside], start, end) >= need:
            return  # even working every candidate shift leaves the rest
        moments = {start} | {shift.end for shift in inside} | {busy_end for _, busy_end in busy}
        options = []
        for moment in sorted(moments):
            if moment < start or moment + need > end:
                continue
            if any(
                busy_start < moment + need and moment < busy_end for busy_start, busy_end in busy
            ):
                continue
            free = self.model.new_bool_var(f"rests_{guard}_{moment}")
            clashing = [
                shift.id for shift in inside if shift.start < moment + need and moment < shift.end
            ]
            for shift_id in clashing:
                self.model.add_implication(free, self.works[(guard, shift_id)].Not())
            self.none_aux.append((free, guard, clashing))
            options.append(free)
        if options:
            self.model.add_bool_or(options)

    # --- period rules: over the whole roster period (the model covers it) -------------------

    def _any(self, guard: int, shift_ids: list[int], name: str):
        """A boolean equal to "the guard works one of `shift_ids`" (registered for hints)."""
        if len(shift_ids) == 1:
            return self.works[(guard, shift_ids[0])]
        var = self.model.new_bool_var(name)
        literals = [self.works[(guard, shift_id)] for shift_id in shift_ids]
        shifts = [self.problem.shift_by_id[shift_id] for shift_id in shift_ids]
        if max(s.start for s in shifts) < min(s.end for s in shifts):
            # They all overlap, so the guard works at most one: a sum (tighter for the LP).
            self.model.add(var == sum(literals))
        else:
            self.model.add_max_equality(var, literals)
        self.any_aux.append((var, guard, shift_ids))
        return var

    def _worked(self, guard: int, day: int, night: bool = False):
        """1, 0 or a boolean: whether `guard` works (a night, with `night`) on `day`."""
        key = (guard, day, night)
        if key in self._day_vars:
            return self._day_vars[key]
        nights = self.rules.night_kinds

        def counts(kind: str) -> bool:
            return not night or kind in nights

        if any(counts(kind) for kind in self._fixed(guard).kinds_on.get(day, ())):
            value = 1
        else:
            ids = [s.id for s in self.shifts_of.get(guard, ()) if s.day == day and counts(s.kind)]
            value = self._any(guard, ids, f"on_{guard}_{day}_{int(night)}") if ids else 0
        self._day_vars[key] = value
        return value

    def _guard_days(self, guard: int) -> list[int]:
        return sorted({shift.day for shift in self.shifts_of[guard]})

    def _forbidden_successions(self) -> None:
        """No shift of kind b the day after one of kind a, for each forbidden (a, b)."""
        forbidden = self.rules.forbidden_successions
        if not forbidden:
            return
        for guard, shifts in self.shifts_of.items():
            fixed = self._fixed(guard).kinds_on
            by_day: dict[int, list[Shift]] = defaultdict(list)
            for shift in shifts:
                by_day[shift.day].append(shift)
            for shift in shifts:
                works = self.works[(guard, shift.id)]
                if any((kind, shift.kind) in forbidden for kind in fixed.get(shift.day - 1, ())):
                    self.model.add(works == 0)
                if any((shift.kind, kind) in forbidden for kind in fixed.get(shift.day + 1, ())):
                    self.model.add(works == 0)
                banned = [
                    following
                    for following in by_day.get(shift.day + 1, ())
                    if (shift.kind, following.kind) in forbidden
                ]
                if not banned:
                    continue
                literals = [self.works[(guard, following.id)] for following in banned]
                if max(s.start for s in banned) < min(s.end for s in banned):
                    # The banned shifts overlap, so at most one of them is worked anyway: one
                    # "at most one" with this shift says it all (not a clause per pair).
                    self.model.add_at_most_one([works, *literals])
                else:
                    for literal in literals:
                        self.model.add_bool_or([works.Not(), literal.Not()])

    def _at_most_in_a_row(self, guard: int, most: int, night: bool) -> None:
        days = self._guard_days(guard)
        if not days:
            return
        for first in range(days[0] - most, days[-1] + 1):
            window = [self._worked(guard, day, night) for day in range(first, first + most + 1)]
            if any(not isinstance(term, int) for term in window):
                self.model.add(sum(window) <= most)

    def _max_consecutive_days(self) -> None:
        """No more than the guard's max consecutive working days: every window of max + 1
        days has a day off (days worked outside the model included)."""
        for guard in self.shifts_of:
            most = self.problem.limits(guard).max_consecutive_days
            if most is not None:
                self._at_most_in_a_row(guard, most, night=False)

    def _max_consecutive_nights(self) -> None:
        """No more than `max_consecutive_nights` days in a row with a night shift."""
        most = self.rules.max_consecutive_nights
        if most is None:
            return
        for guard in self.shifts_of:
            self._at_most_in_a_row(guard, most, night=True)

    def _forbid_short_stretches(self, guard: int, least: int, working: bool) -> None:
        """No stretch of fewer than `least` working days (or days off, not `working`) that lies
        inside the period: such a stretch is bounded by the other state on both sides."""
        first, last = self.problem.period

        def literal(day: int, positive: bool):
            term = self._worked(guard, day)
            if isinstance(term, int):
                return bool(term) == positive  # True: the clause holds, False: drop it
            return term if positive else term.Not()

        for length in range(1, least):
            for start in range(first + 1, last - length + 1):
                # Forbid: other(start - 1), this(start .. start + length - 1), other(end).
                literals = [literal(start - 1, working)]
                literals += [literal(day, not working) for day in range(start, start + length)]
                literals.append(literal(start + length, working))
                if any(item is True for item in literals):
                    continue
                clause = [item for item in literals if item is not False]
                if clause:  # empty: fixed shifts alone break it, nothing to decide
                    self.model.add_bool_or(clause)

    def _min_consecutive_days(self) -> None:
        """Working stretches inside the period last at least the guard's minimum."""
        for guard in self.shifts_of:
            least = self.problem.limits(guard).min_consecutive_days
            if least is not None and least > 1:
                self._forbid_short_stretches(guard, least, working=True)

    def _min_consecutive_days_off(self) -> None:
        """Stretches of days off inside the period last at least the guard's minimum."""
        for guard in self.shifts_of:
            least = self.problem.limits(guard).min_consecutive_days_off
            if least is not None and least > 1:
                self._forbid_short_stretches(guard, least, working=False)

    def _max_weekends(self) -> None:
        """At most the guard's max weekends worked in the period (Saturday or Sunday)."""
        for guard, shifts in self.shifts_of.items():
            most = self.problem.limits(guard).max_weekends
            if most is None:
                continue
            fixed = {
                weekend
                for day, kinds in self._fixed(guard).kinds_on.items()
                if kinds and (weekend := weekend_of(day)) is not None and self._in_period(day)
            }
            by_weekend: dict[int, list[int]] = defaultdict(list)
            for shift in shifts:
                weekend = weekend_of(shift.day)
                if weekend is not None and weekend not in fixed:
                    by_weekend[weekend].append(shift.id)
            if len(fixed) + len(by_weekend) > most:
                worked = [
                    self._any(guard, ids, f"weekend_{guard}_{weekend}")
                    for weekend, ids in by_weekend.items()
                ]
                self.model.add(sum(worked) <= most - len(fixed))

    def _in_period(self, day: int) -> bool:
        first, last = self.problem.period
        return first <= day <= last

    def _contract_minutes(self) -> None:
        """The guard's contract: between its min and max minutes over the period."""
        for guard, shifts in self.shifts_of.items():
            limits = self.problem.limits(guard)
            if limits.min_minutes is None and limits.max_minutes is None:
                continue
            fixed = self._fixed(guard).period_minutes
            worked = sum(s.minutes * self.works[(guard, s.id)] for s in shifts if s.in_range)
            if limits.max_minutes is not None:
                self.model.add(worked + fixed <= limits.max_minutes)
            if limits.min_minutes is not None:
                self.model.add(worked + fixed >= limits.min_minutes)

    def _contract_shifts_per_kind(self) -> None:
        """The guard's contract: at most so many shifts of a kind over the period."""
        for guard, shifts in self.shifts_of.items():
            limits = self.problem.limits(guard)
            for kind, most in limits.max_shifts.items():
                ids = [s.id for s in shifts if s.kind == kind and s.in_range]
                room = most - self._fixed(guard).kind_count[kind]
                if len(ids) > room:
                    self.model.add(sum(self.works[(guard, sid)] for sid in ids) <= room)

    # --- goals ------------------------------------------------------------------------------

    def _objective(self) -> None:
        """The soft goals, in penalty points x SCALE: work for another client's guard,
        overtime, hours above an even share of the week's demand, and a guard's first shift on
        a post (continuity). `problem.evaluate` scores a roster by the same goals."""
        rules = self.rules
        guard_by_id = self.problem.guard_by_id
        if rules.weight_off_client:
            for (guard, shift_id), works in self.works.items():
                shift = self.problem.shift_by_id[shift_id]
                if preference_tier(guard_by_id[guard], shift) == 2:
                    self.soft_terms.append(SCALE * rules.weight_off_client * works)
        demand: dict[int, int] = defaultdict(int)
        for shift in self.problem.shifts:
            if shift.in_range and shift.week in self.weeks:
                demand[shift.week] += shift.minutes
        guard_count = max(1, len(self.problem.guards))
        for guard in self.shifts_of:
            for week in self._guard_weeks(guard):
                self._minutes_above(guard, week, demand[week] // guard_count)
            self._post_changes(guard)

    def _minutes_above(self, guard: int, week: int, fair_share: int) -> None:
        """Overtime (above the ordinary weekly hours) and minutes above the fair share."""
        rules = self.rules
        worked, most, fixed = self._week_minutes(guard, week)
        for weight, threshold, name in (
            (rules.weight_overtime, rules.max_weekly_minutes, "overtime"),
            (rules.weight_fairness, fair_share, "excess"),
        ):
            if weight and most > threshold:
                above = self.model.new_int_var(0, most, f"{name}_{guard}_{week}")
                self.model.add(above >= worked - threshold)
                self.soft_terms.append(weight * above)
                self.minutes_aux.append((above, guard, week, threshold - fixed))

    def _post_changes(self, guard: int) -> None:
        """One penalty per post the guard works that they did not work before."""
        rules = self.rules
        if not rules.weight_post_change:
            return
        known = self._fixed(guard).posts
        shifts_on: dict[int, list[int]] = defaultdict(list)
        for shift in self.shifts_of[guard]:
            if shift.post is not None and shift.post not in known:
                shifts_on[shift.post].append(shift.id)
        for post, shift_ids in shifts_on.items():
            on_post = self.model.new_bool_var(f"on_post_{guard}_{post}")
            for shift_id in shift_ids:
                self.model.add_implication(self.works[(guard, shift_id)], on_post)
            self.soft_terms.append(SCALE * rules.weight_post_change * on_post)
            self.any_aux.append((on_post, guard, shift_ids))

    def _cover(self) -> None:
        """Each group's open and filled slots, priced: a slot left open costs its open weight
        (under-cover; `weight_open_shift` by default), a filled one its fill weight
        (over-cover). Members are sorted by what filling them gains, so the cost of k filled
        slots is a convex function of k."""
        by_lead = self._works_by_lead()
        for lead, members in self.members.items():
            workers = [works for _key, works in by_lead.get(lead, [])]
            weights = [self.problem.open_weight(s) for s in members]
            required = sum(1 for weight in weights if weight)
            plain = all(s.open_weight is None and not s.fill_weight for s in members)
            if plain:  # today's shifts: the open ones, at weight_open_shift each
                self.open_terms.append(len(members) - sum(workers))
                self.open_cost_terms.append(
                    self.rules.weight_open_shift * (len(members) - sum(workers))
                )
                continue
            gains = [weight - s.fill_weight for weight, s in zip(weights, members, strict=True)]
            usable = min(len(members), len(workers))
            # cost(k): the points with k slots filled, the k first (most gainful) ones.
            cost = [sum(weights) - sum(gains[:k]) for k in range(usable + 1)]
            short = [required - min(k, required) for k in range(usable + 1)]
            if usable == 0:
                self.open_terms.append(short[0])
                self.open_cost_terms.append(cost[0])
                continue
            filled = sum(workers)
            # A convex curve: its cost is the highest of the lines through neighbouring points,
            # stated on an integer (tighter for the LP than one boolean per level).
            points = self.model.new_int_var(min(cost), max(cost), f"cover_{lead}")
            missing = self.model.new_int_var(0, short[0], f"short_{lead}")
            # Only where the slope changes: a line through k and k + 1 with the slope of the
            # line before it is the same line (a post's slots mostly weigh alike, so a curve
            # is two or three lines, not one per guard who could fill it).
            for curve, bound in ((cost, points), (short, missing)):
                slope = None
                for k in range(usable):
                    if curve[k + 1] - curve[k] != slope:
                        slope = curve[k + 1] - curve[k]
                        self.model.add(bound >= curve[k] + slope * (filled - k))
            self.curve_aux.append((points, lead, cost))
            self.curve_aux.append((missing, lead, short))
            self.open_terms.append(missing)
            self.open_cost_terms.append(points)

    def _requests(self) -> None:
        """The guards' wishes: a wanted shift (kind, day) missed, or a wanted day or shift off
        worked, costs the request's weight."""
        for index, request in enumerate(self.problem.requests):
            guard = request.guard
            ids = [
                s.id
                for s in self.shifts_of.get(guard, ())
                if s.day == request.day and (request.kind is None or s.kind == request.kind)
            ]
            fixed_kinds = self._fixed(guard).kinds_on.get(request.day, set())
            fixed = bool(fixed_kinds) if request.kind is None else request.kind in fixed_kinds
            if fixed or not ids:
                continue  # decided outside the model (`evaluate` counts it)
            works = self._any(guard, ids, f"request_{index}")
            penalty = (1 - works) if request.on else works
            self.soft_terms.append(SCALE * request.weight * penalty)

    def open_shifts(self) -> cp_model.LinearExpr:
        return sum(self.open_terms)

    def weighted_objective(self) -> cp_model.LinearExpr:
        """Every goal: the open (and over-covered) slots at their weights, then the soft
        terms."""
        return SCALE * sum(self.open_cost_terms) + sum(self.soft_terms)

    # --- solving ----------------------------------------------------------------------------

    def chosen(self, roster: Roster) -> set[tuple[int, int]]:
        """The (guard, lead shift id) pairs `roster` assigns inside the model."""
        return {
            (guard, self.lead_of[shift_id])
            for shift_id, guard in roster.items()
            if guard is not None
            and shift_id in self.lead_of
            and (guard, self.lead_of[shift_id]) in self.works
        }

    def hint(self, roster: Roster) -> None:
        """Hint every variable from `roster` (a complete hint lets CP-SAT start from it)."""
        model = self.model
        model.clear_hints()
        chosen = self.chosen(roster)
        for key, works in self.works.items():
            model.add_hint(works, key in chosen)
        minutes: dict[tuple[int, int], int] = defaultdict(int)
        count: dict[int, int] = defaultdict(int)
        for guard, shift_id in chosen:
            shift = self.problem.shift_by_id[shift_id]
            minutes[(guard, shift.week)] += shift.minutes
            count[shift_id] += 1
        for var, guard, week, threshold in self.minutes_aux:
            model.add_hint(var, max(0, minutes[(guard, week)] - threshold))
        for var, guard, shift_ids in self.any_aux:
            model.add_hint(var, any((guard, shift_id) in chosen for shift_id in shift_ids))
        for var, guard, shift_ids in self.none_aux:
            model.add_hint(var, not any((guard, shift_id) in chosen for shift_id in shift_ids))
        for var, lead, by_count in self.curve_aux:
            model.add_hint(var, by_count[min(count[lead], len(by_count) - 1)])

    def roster_from(self, value) -> Roster:
        """The slots' roster from `value(works variable) -> bool`: each group's guards take
        its first slots."""
        roster: Roster = {}
        taken: dict[int, list[int]] = defaultdict(list)
        for (guard, lead), works in self.works.items():
            if value(works):
                taken[lead].append(guard)
        for lead, members in self.members.items():
            guards = sorted(taken.get(lead, []))
            for index, member in enumerate(members):
                roster[member.id] = guards[index] if index < len(guards) else None
        return roster

    def solve(
        self,
        objective: cp_model.LinearExpr,
        limit: float,
        budget: Budget,
        fixed_search: bool = False,
        local_search: bool = False,
    ) -> tuple[Roster | None, float | None, float | None, str]:
        """Minimise `objective` within `limit` (on `budget`'s clock): the week's roster (None
        when no solution was found), CP-SAT's objective value and bound, and its status.
        `fixed_search`: follow the model's decision strategy only; `local_search`: CP-SAT's
        local search only (feasibility jump, violation search), no tree search."""
        self.model.clear_objective()
        self.model.minimize(objective)
        solver = cp_model.CpSolver()
        budget.configure(solver, max(0.2, limit))
        if fixed_search:
            solver.parameters.search_branching = cp_model.FIXED_SEARCH
        solver.parameters.use_ls_only = local_search
        status = solver.solve(self.model)
        budget.charge(solver)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None, None, None, solver.status_name(status)
        return (
            self.roster_from(solver.boolean_value),
            solver.objective_value,
            solver.best_objective_bound,
            solver.status_name(status),
        )
