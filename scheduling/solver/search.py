"""The search for one week: CP-SAT on the whole week, or on neighbourhoods of a big one.

A small week is one `WeekModel`. A big week is large-neighbourhood search: the open shifts of
a site plus every shift of up to HELPERS guards who could work them, then one client's sites at
a time ("client cluster" decomposition) for the soft goals; in sub-models, shifts many guards
can work keep only a few natural candidates (`WeekModel._few_candidates`) plus the hint's
guard. Every step is exact against the fixed rest, so every accepted step keeps the week valid.

Each model is solved in two phases: open shifts alone (skipped when the hint already meets the
flow bound), then the full weighted objective with "open <= phase 1". Weekly rest is a lazy
constraint (added for guards whose solution lacks it), with a repair that keeps the week
valid whatever the time limit.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

from scheduling.solver.greedy import greedy, qualified_guards
from scheduling.solver.model import MAX_PAIRS_PER_WEEK, SCALE, Budget, WeekModel
from scheduling.solver.problem import Problem, Roster, Shift, Week, max_free_gap

HELPERS = 40  # guards freed per large-neighbourhood step


@dataclass
class WeekResult:
    roster: Roster
    open_shifts: int
    objective: float | None = None  # penalty points of phase 2, for a whole-week model
    best_bound: float | None = None  # ... and CP-SAT's bound on them
    status: str = "UNKNOWN"


def solve_week(
    problem: Problem,
    week: int,
    decided: Roster,
    hint: Roster,
    limit: float,
    budget: Budget,
    lower_bound: int = 0,
) -> WeekResult:
    """The week's best roster within `limit` (on `budget`'s clock): a whole-week model when it
    is small, large-neighbourhood search over sub-models when it is not."""
    shift_ids = [shift.id for shift in problem.open_to_fill if shift.week == week]
    current = {shift_id: hint.get(shift_id) for shift_id in shift_ids}
    result = WeekResult(current, sum(1 for guard in current.values() if guard is None))
    if not shift_ids:
        result.status = "EMPTY"
        return result
    cache: dict = {}
    pairs = sum(
        len(qualified_guards(problem, problem.shift_by_id[shift_id], cache))
        for shift_id in shift_ids
    )
    if pairs <= MAX_PAIRS_PER_WEEK:
        return _solve_submodel(
            problem, week, decided, current, None, limit, budget, lower_bound, result
        )
    return _large_neighbourhoods(
        problem, week, decided, current, limit, budget, lower_bound, result, cache
    )


def _solve_submodel(
    problem: Problem,
    week: int,
    decided: Roster,
    current: Roster,
    subset: set[int] | None,
    limit: float,
    budget: Budget,
    lower_bound: int,
    result: WeekResult,
) -> WeekResult:
    """Phase 1 (open shifts only) with lazy weekly rest, then phase 2 (every goal), over the
    week's shifts in `subset` (None: all), the rest of `current` fixed.

    Weekly rest rarely binds but, stated for every guard, makes the model several times bigger
    and CP-SAT much slower: it is added for the guards whose solution lacks it, and a repair
    (drop and refill, `_repair_rest`) keeps the week valid whatever the time limit.
    """
    began = budget.elapsed()
    outside = {
        shift_id: guard
        for shift_id, guard in current.items()
        if subset is not None and shift_id not in subset
    }
    context = {**decided, **outside}
    week_model = WeekModel(problem, week, context, current, subset)
    inside = {shift.id: current.get(shift.id) for shift in week_model.shifts}
    best_open = sum(1 for guard in inside.values() if guard is None)
    others_open = sum(1 for guard in outside.values() if guard is None)

    def left() -> float:
        return limit - (budget.elapsed() - began)

    if subset is None:
        # A whole week is small: state the weekly rest for everyone up front.
        week_model.add_weekly_rest(set(week_model.shifts_of))
    if lower_bound - others_open > 0:
        # The flow bound holds for the week whatever the rest does: stating it lets CP-SAT
        # stop as soon as it reaches it.
        week_model.model.add(week_model.open_shifts() >= lower_bound - others_open)
    # Phase 1: fewest open shifts (skipped when the bound is already reached).
    for _round in range(3 if best_open + others_open > lower_bound else 0):
        week_model.hint(inside)
        part, _objective, _bound, status = week_model.solve(
            week_model.open_shifts(), left() * 0.5, budget
        )
        if part is None:
            break
        short = _rest_shortfalls(problem, week, context, part)
        if short:
            week_model.add_weekly_rest(short)
            part = _repair_rest(problem, week, context, part)
        open_now = sum(1 for guard in part.values() if guard is None)
        if open_now < best_open:
            inside, best_open = part, open_now
            result.status = status if not short else "REPAIRED"
        if not short or left() < 0.5:
            break
    # Phase 2: every goal, never more open shifts than phase 1 found.
    if left() > 0.3:
        week_model.model.add(week_model.open_shifts() <= best_open)
        objective = week_model.weighted_objective()
        for _round in range(3):
            week_model.hint(inside)
            part, value, bound, status = week_model.solve(objective, left(), budget)
            if part is None:
                break
            short = _rest_shortfalls(problem, week, context, part)
            if not short:
                inside, result.status = part, status
                if subset is None:
                    result.objective, result.best_bound = value / SCALE, bound / SCALE
                break
            week_model.add_weekly_rest(short)
            if left() < 0.3:
                break
    result.roster = {**current, **inside}
    result.open_shifts = sum(1 for guard in result.roster.values() if guard is None)
    return result


def _large_neighbourhoods(
    problem: Problem,
    week: int,
    decided: Roster,
    current: Roster,
    limit: float,
    budget: Budget,
    lower_bound: int,
    result: WeekResult,
    cache: dict,
) -> WeekResult:
    """For weeks too big for one model: CP-SAT on neighbourhoods, the rest fixed.

    Phase 1 frees the open shifts and every shift of the guards who could work them (an
    ejection chain's worth: their shifts may move to anyone free); phase 2 re-solves one
    client's sites at a time (the "client cluster" decomposition) for the soft goals, never
    opening a shift. Each neighbourhood is solved exactly against the fixed rest, so every
    accepted step keeps the week valid.
    """
    began = budget.elapsed()
    shift_by_id = problem.shift_by_id

    def left() -> float:
        return limit - (budget.elapsed() - began)

    rng = random.Random(week)
    stalls = 0
    while result.open_shifts > lower_bound and left() > 1.0 and stalls < 3:
        # One neighbourhood per site with open shifts: those shifts, and every shift of up
        # to HELPERS guards who could work them (their shifts may move to anyone free).
        open_by_site: dict[int, list[int]] = defaultdict(list)
        for shift_id, guard in result.roster.items():
            if guard is None:
                open_by_site[shift_by_id[shift_id].site].append(shift_id)
        before = result.open_shifts
        for open_ids in sorted(open_by_site.values(), key=len, reverse=True):
            if left() < 1.0 or result.open_shifts <= lower_bound:
                break
            helpers = sorted(
                {
                    guard.id
                    for shift_id in open_ids
                    for guard in qualified_guards(problem, shift_by_id[shift_id], cache)
                }
            )
            if len(helpers) > HELPERS:
                helpers = rng.sample(helpers, HELPERS)
            chosen = set(helpers)
            subset = set(open_ids) | {
                shift_id for shift_id, guard in result.roster.items() if guard in chosen
            }
            step = min(left() / 2, 3.0)
            result = _solve_submodel(
                problem, week, decided, result.roster, subset, step, budget, lower_bound, result
            )
        stalls = stalls + 1 if result.open_shifts >= before else 0
    clients = sorted({shift_by_id[shift_id].client for shift_id in result.roster})
    for index, client in enumerate(clients):
        if left() < 0.5:
            break
        subset = {shift_id for shift_id in result.roster if shift_by_id[shift_id].client == client}
        step = left() / (len(clients) - index)
        result = _solve_submodel(
            problem, week, decided, result.roster, subset, step, budget, lower_bound, result
        )
    result.status = "LNS"
    return result


def _rest_shortfalls(problem: Problem, week: int, decided: Roster, part: Roster) -> set[int]:
    """Guards whose week in `decided` + `part` lacks the weekly rest."""
    window = problem.weeks.get(week)
    if window is None:
        return set()
    busy: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for shift in problem.shifts:
        guard = part.get(shift.id, decided.get(shift.id, shift.fixed_guard))
        if guard is not None and shift.start < window.end and shift.end > window.start:
            busy[guard].append((shift.start, shift.end))
    need = problem.rules.weekly_rest_minutes
    return {
        guard
        for guard, intervals in busy.items()
        if max_free_gap(intervals, window.start, window.end) < need
    }


def _repair_rest(problem: Problem, week: int, decided: Roster, part: Roster) -> Roster:
    """Drop this week's assignments of guards lacking weekly rest until they have it, then
    refill greedily: a valid roster for the week."""
    part = dict(part)
    window = problem.weeks[week]
    need = problem.rules.weekly_rest_minutes
    for guard in _rest_shortfalls(problem, week, decided, part):
        fixed = [
            (shift.start, shift.end)
            for shift in problem.shifts
            if shift.id not in part
            and decided.get(shift.id, shift.fixed_guard) == guard
            and shift.start < window.end
            and shift.end > window.start
        ]
        mine = [problem.shift_by_id[shift_id] for shift_id, other in part.items() if other == guard]
        while mine and _longest_rest(fixed, mine, window) < need:
            drop = max(
                mine,
                key=lambda dropped: _longest_rest(
                    fixed, [shift for shift in mine if shift is not dropped], window
                ),
            )
            mine.remove(drop)
            part[drop.id] = None
    filled = greedy(problem, start={**decided, **part})
    return {shift_id: filled.get(shift_id) for shift_id in part}


def _longest_rest(fixed: list[tuple[int, int]], shifts: list[Shift], window: Week) -> int:
    return max_free_gap(
        fixed + [(shift.start, shift.end) for shift in shifts], window.start, window.end
    )
