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
- `_objective`: the soft goals (off-client work, overtime, uneven hours, post changes) as
  `soft_terms`, in penalty points x SCALE; the open shifts (`open_shifts`) weigh
  `weight_open_shift` points each.

Everything outside the model (fixed shifts, earlier weeks, shifts of this week outside a
neighbourhood) is `context`: it narrows the candidates and the room each guard has left.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from scheduling.solver.greedy import GuardState, qualified_guards
from scheduling.solver.problem import HOUR, Problem, Roster, Shift, max_free_gap, preference_tier

# Objective scale: penalty points are per hour for fairness and overtime, so CP-SAT works in
# points x 60 with minutes as integers.
SCALE = HOUR
MAX_PAIRS_PER_WEEK = 4_000  # above this: neighbourhoods, and fewer candidates per shift
SCARCE = 40  # shifts with at most this many candidate guards keep them all
RANDOM_SEED = 7


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

    def configure(self, solver: cp_model.CpSolver, limit: float) -> None:
        if self.deterministic:
            solver.parameters.max_deterministic_time = limit
        else:
            solver.parameters.max_time_in_seconds = limit
        solver.parameters.num_workers = self.workers
        solver.parameters.random_seed = RANDOM_SEED

    def charge(self, solver: cp_model.CpSolver) -> None:
        self.spent += solver.deterministic_time


def _spread(guard: int, post: int | None) -> int:
    """A per-post pseudo-random order of guards, stable across days (helps continuity)."""
    return (guard * 2654435761 + (post or 0) * 40503) % 1_000_003


class WeekModel:
    """CP-SAT model of one week's undecided shifts; everything in `decided` is fixed.

    Built once, solved in two phases by the search: first the open shifts alone (the dominant
    goal, which CP-SAT settles quickly), then, with "open <= that" added, the full weighted
    objective. The weekly rest is added lazily per guard (`add_weekly_rest`).
    """

    def __init__(
        self,
        problem: Problem,
        week: int,
        decided: Roster,
        hint: Roster | None = None,
        subset: set[int] | None = None,
    ) -> None:
        self.problem, self.week, self.rules = problem, week, problem.rules
        self.shifts = [
            shift
            for shift in problem.open_to_fill
            if shift.week == week and (subset is None or shift.id in subset)
        ]
        in_model = {shift.id for shift in self.shifts}
        # What each guard works outside the model.
        self.context: dict[int, GuardState] = defaultdict(GuardState)
        for shift in problem.shifts:
            guard = decided.get(shift.id, shift.fixed_guard)
            if guard is not None and shift.id not in in_model:
                self.context[guard].add(shift)

        self.model = cp_model.CpModel()
        self.works: dict[tuple[int, int], cp_model.IntVar] = {}  # (guard, shift id)
        self.shifts_of: dict[int, list[Shift]] = defaultdict(list)  # guard's candidate shifts
        self.open_terms: list = []  # one per shift: 1 when nobody works it
        self.soft_terms: list = []
        # Auxiliary variables, and what `hint` needs to hint them from an assignment.
        self.minutes_aux: list[tuple[cp_model.IntVar, int, int]] = []  # var, guard, threshold
        self.any_aux: list[tuple[cp_model.IntVar, int, list[int]]] = []  # var >= OR(works[..])
        self.none_aux: list[tuple[cp_model.IntVar, int, list[int]]] = []  # var -> NOR(works..)
        self.rest_guards: set[int] = set()  # guards whose weekly rest is stated

        candidates = self._qualifications()
        self._one_guard_per_shift(self._few_candidates(candidates, hint or {}))
        self._no_overlap_and_rest_between_shifts()
        self._daily_hours()
        self._weekly_hours()
        self._objective()

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

        cache: dict = {}
        return {
            shift.id: [
                guard.id
                for guard in qualified_guards(self.problem, shift, cache)
                if fits_context(guard.id, shift)
            ]
            for shift in self.shifts
        }

    def _few_candidates(
        self, candidates: dict[int, list[int]], hint: Roster
    ) -> dict[int, list[int]]:
        """In a big model, shifts few guards can work keep them all (that is where open shifts
        are); the others keep a handful of natural candidates (own client's guards, flex,
        others, spread per post) plus the hint's guard."""
        pairs = sum(len(guards) for guards in candidates.values())
        if pairs <= MAX_PAIRS_PER_WEEK:
            return candidates
        keep_count = max(6, MAX_PAIRS_PER_WEEK // (4 * len(self.shifts)))
        guard_by_id = self.problem.guard_by_id
        kept: dict[int, list[int]] = {}
        for shift in self.shifts:
            guards = candidates[shift.id]
            if len(guards) > SCARCE:
                keep = sorted(
                    guards,
                    key=lambda guard, shift=shift: (
                        preference_tier(guard_by_id[guard], shift),
                        _spread(guard, shift.post),
                    ),
                )[:keep_count]
                hinted = hint.get(shift.id)
                if hinted in guards and hinted not in keep:
                    keep.append(hinted)
                guards = keep
            kept[shift.id] = guards
        return kept

    def _one_guard_per_shift(self, candidates: dict[int, list[int]]) -> None:
        """A `works` variable per candidate; at most one guard works a shift, else it is
        open."""
        for shift in self.shifts:
            workers = []
            for guard in candidates[shift.id]:
                works = self.model.new_bool_var(f"works_{guard}_{shift.id}")
                self.works[(guard, shift.id)] = works
                workers.append(works)
                self.shifts_of[guard].append(shift)
            self.model.add_at_most_one(workers)
            self.open_terms.append(1 - sum(workers))
        for shifts in self.shifts_of.values():
            shifts.sort(key=lambda shift: shift.start)

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
            for shift in shifts:
                clique = tuple(
                    other.id for other in shifts if other.start <= shift.start < other.end + rest
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

    def _week_minutes(self, guard: int) -> tuple[cp_model.LinearExpr, int, int]:
        """The guard's minutes this week: worked (an expression), at most, and fixed."""
        fixed = self._fixed(guard).week_minutes[self.week]
        shifts = self.shifts_of[guard]
        worked = sum(shift.minutes * self.works[(guard, shift.id)] for shift in shifts) + fixed
        most = sum(shift.minutes for shift in shifts) + fixed
        return worked, most, fixed

    def _weekly_hours(self) -> None:
        """At most the weekly cap (ordinary hours plus overtime)."""
        cap = self.rules.weekly_cap_minutes
        for guard in self.shifts_of:
            worked, most, _fixed = self._week_minutes(guard)
            if most > cap:
                self.model.add(worked <= cap)

    def add_weekly_rest(self, guards: set[int]) -> None:
        """At least `weekly_rest_minutes` off in one stretch of the week, for `guards`.

        A longest rest starts at the week's start or at the end of a worked shift, so one
        boolean per such moment says "[moment, moment + rest) is free"; one of them must hold.
        """
        window = self.problem.weeks.get(self.week)
        if window is None:
            return
        start, end, need = window.start, window.end, self.rules.weekly_rest_minutes
        for guard in guards - self.rest_guards:
            self.rest_guards.add(guard)
            fixed = self._fixed(guard)
            inside = [
                shift
                for shift in self.shifts_of.get(guard, [])
                if shift.start < end and shift.end > start
            ]
            busy = [
                interval for interval in fixed.busy if interval[0] < end and interval[1] > start
            ]
            if not inside:
                continue
            if (
                max_free_gap(busy + [(shift.start, shift.end) for shift in inside], start, end)
                >= need
            ):
                continue  # even working every candidate shift leaves the rest
            moments = {start} | {shift.end for shift in inside} | {busy_end for _, busy_end in busy}
            options = []
            for moment in sorted(moments):
                if moment < start or moment + need > end:
                    continue
                if any(
                    busy_start < moment + need and moment < busy_end
                    for busy_start, busy_end in busy
                ):
                    continue
                free = self.model.new_bool_var(f"rests_{guard}_{moment}")
                clashing = [
                    shift.id
                    for shift in inside
                    if shift.start < moment + need and moment < shift.end
                ]
                for shift_id in clashing:
                    self.model.add_implication(free, self.works[(guard, shift_id)].Not())
                self.none_aux.append((free, guard, clashing))
                options.append(free)
            if options:
                self.model.add_bool_or(options)

    # --- goals ------------------------------------------------------------------------------

    def _objective(self) -> None:
        """The soft goals, in penalty points x SCALE: work for another client's guard,
        overtime, hours above an even share of the week's demand, and a guard's first shift on
        a post (continuity). `problem.evaluate` scores a roster by the same goals."""
        rules = self.rules
        guard_by_id = self.problem.guard_by_id
        for (guard, shift_id), works in self.works.items():
            shift = self.problem.shift_by_id[shift_id]
            if preference_tier(guard_by_id[guard], shift) == 2:
                self.soft_terms.append(SCALE * rules.weight_off_client * works)
        demand = sum(
            shift.minutes
            for shift in self.problem.shifts
            if shift.in_range and shift.week == self.week
        )
        fair_share = demand // max(1, len(self.problem.guards))
        for guard in self.shifts_of:
            self._minutes_above(guard, fair_share)
            self._post_changes(guard)

    def _minutes_above(self, guard: int, fair_share: int) -> None:
        """Overtime (above the ordinary weekly hours) and minutes above the fair share."""
        rules = self.rules
        worked, most, fixed = self._week_minutes(guard)
        for weight, threshold, name in (
            (rules.weight_overtime, rules.max_weekly_minutes, "overtime"),
            (rules.weight_fairness, fair_share, "excess"),
        ):
            if weight and most > threshold:
                above = self.model.new_int_var(0, most, f"{name}_{guard}")
                self.model.add(above >= worked - threshold)
                self.soft_terms.append(weight * above)
                self.minutes_aux.append((above, guard, threshold - fixed))

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

    def open_shifts(self) -> cp_model.LinearExpr:
        return sum(self.open_terms)

    def weighted_objective(self) -> cp_model.LinearExpr:
        """Every goal: the open shifts at their weight, then the soft terms."""
        return SCALE * self.rules.weight_open_shift * self.open_shifts() + sum(self.soft_terms)

    # --- solving ----------------------------------------------------------------------------

    def hint(self, roster: Roster) -> None:
        """Hint every variable from `roster` (a complete hint lets CP-SAT start from it)."""
        model = self.model
        model.clear_hints()
        chosen = {
            (guard, shift_id)
            for shift_id, guard in roster.items()
            if guard is not None and (guard, shift_id) in self.works
        }
        for key, works in self.works.items():
            model.add_hint(works, key in chosen)
        minutes: dict[int, int] = defaultdict(int)
        for guard, shift_id in chosen:
            minutes[guard] += self.problem.shift_by_id[shift_id].minutes
        for var, guard, threshold in self.minutes_aux:
            model.add_hint(var, max(0, minutes[guard] - threshold))
        for var, guard, shift_ids in self.any_aux:
            model.add_hint(var, any((guard, shift_id) in chosen for shift_id in shift_ids))
        for var, guard, shift_ids in self.none_aux:
            model.add_hint(var, not any((guard, shift_id) in chosen for shift_id in shift_ids))

    def solve(
        self, objective: cp_model.LinearExpr, limit: float, budget: Budget
    ) -> tuple[Roster | None, float | None, float | None, str]:
        """Minimise `objective` within `limit` (on `budget`'s clock): the week's roster (None
        when no solution was found), CP-SAT's objective value and bound, and its status."""
        self.model.clear_objective()
        self.model.minimize(objective)
        solver = cp_model.CpSolver()
        budget.configure(solver, max(0.2, limit))
        status = solver.solve(self.model)
        budget.charge(solver)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None, None, None, solver.status_name(status)
        roster: Roster = {shift.id: None for shift in self.shifts}
        for (guard, shift_id), works in self.works.items():
            if solver.boolean_value(works):
                roster[shift_id] = guard
        return (
            roster,
            solver.objective_value,
            solver.best_objective_bound,
            solver.status_name(status),
        )
