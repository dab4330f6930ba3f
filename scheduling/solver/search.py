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

from ortools.sat.python import cp_model

from scheduling.solver.by_guard import improve_by_guard, seed_by_guard
from scheduling.solver.checker import check
from scheduling.solver.greedy import greedy, qualified_guards
from scheduling.solver.model import (
    MAX_PAIRS_PER_PERIOD,
    MAX_PAIRS_PER_WEEK,
    RANDOM_SEED,
    SCALE,
    Budget,
    WeekModel,
    group_key,
)
from scheduling.solver.problem import Problem, Roster, Shift, Week, evaluate, max_free_gap

HELPERS = 40  # guards freed per large-neighbourhood step
# Least seconds for one client's sites in the last phase of a big week: building a client's
# week model takes longer than an even share of the time may be (tier L: 300 clients had
# 0.03 s each, and no step ever ran).
CLUSTER_STEP = 1.0


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
    pairs = sum(
        len(qualified_guards(problem, problem.shift_by_id[shift_id])) for shift_id in shift_ids
    )
    if pairs <= MAX_PAIRS_PER_WEEK:
        return _solve_submodel(
            problem, week, decided, current, None, limit, budget, lower_bound, result
        )
    return _large_neighbourhoods(
        problem, week, decided, current, limit, budget, lower_bound, result
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
                    for guard in qualified_guards(problem, shift_by_id[shift_id])
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
    # On the clock, an even share of the time may be less than building a client's model
    # takes: each gets at least CLUSTER_STEP, and what one leaves goes to the next, clients in
    # a seeded order (those the time does not reach are not always the same ones). CP-SAT's
    # deterministic time does not count the building: there an even share is enough.
    least = 0.0 if budget.deterministic else CLUSTER_STEP
    rng.shuffle(clients)
    for index, client in enumerate(clients):
        if left() < 0.5:
            break
        subset = {shift_id for shift_id in result.roster if shift_by_id[shift_id].client == client}
        step = min(left(), max(least, left() / (len(clients) - index)))
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


# --- the whole period at once ---------------------------------------------------------------

SEED_SHARE = 0.05  # of the time: local search for a first roster that keeps every rule
FIRST_SHARE = 0.7  # ... then CP-SAT on the whole period, for a better one and a bound
LAST_SHARE = 0.15  # ... and at the end, from the best roster, to tighten the bound
STEP_LIMIT = 4.0  # longest single neighbourhood solve
START_FREE = 0.3  # share of the decisions a neighbourhood frees at first (then adapted)


SEED_BY_GUARD_SHARE = 0.2  # ... or, when local search finds none, guard by guard first
# From that seed, a model of more guard-slot pairs than this goes on guard by guard; a smaller
# one, CP-SAT, which also proves a bound (Curtois 19, 9,728 pairs: 6,032 by CP-SAT, bound
# 1,336, against 6,357 guard by guard; 21, 90,692 pairs: 82,655 by CP-SAT against 26,420;
# 300 s each).
BY_GUARD_ABOVE_PAIRS = 20_000


@dataclass
class PeriodResult:
    roster: Roster
    objective: float | None = None  # the model's objective, penalty points
    best_bound: float | None = None  # CP-SAT's proven bound on it (None: none proven)
    status: str = "UNKNOWN"
    steps: int = 0
    improvements: int = 0


def solve_period(
    problem: Problem,
    decided: Roster,
    hint: Roster,
    limit: float,
    budget: Budget,
    on_improve=None,
) -> PeriodResult:
    """The whole period as one CP-SAT model, hinted with `hint`, improved by
    large-neighbourhood search: rules over the period (consecutive days, weekends, contract
    minutes) then hold over all of it, not week by week.

    0. Local search (CP-SAT's feasibility jump) for SEED_SHARE of the time: a first roster.
       Where it finds none, `by_guard.seed_by_guard` builds one guard after guard. If that
       keeps every rule and the model has more than BY_GUARD_ABOVE_PAIRS guard-slot pairs,
       `by_guard.improve_by_guard` (each guard, then teams of guards, solved again with the
       others fixed) has all the time left, and steps 1-3 do not run (status "BY GUARD": no
       bound proven); a smaller model goes on from it.
    1. CP-SAT on the whole model for FIRST_SHARE of the time: a roster and a proven bound.
    2. Neighbourhoods, each the whole model with most `works` decisions fixed at the best
       roster's values: a window of days (every guard), a subset of guards (every day), or
       half the guards over a window twice as long, in turn, from a seeded generator. A step
       that CP-SAT closes (optimal) grows the next one, one that times out shrinks it.
    3. CP-SAT on the whole model again, from the best roster: a better bound, perhaps a proof.
    Every step solves the exact model, so every roster it returns keeps every hard rule.
    """
    weeks = {shift.week for shift in problem.open_to_fill}
    # The model's decisions are per group of interchangeable slots and guard.
    groups = {group_key(shift, True): shift for shift in problem.open_to_fill}
    pairs = sum(len(qualified_guards(problem, shift)) for shift in groups.values())
    prune = pairs > MAX_PAIRS_PER_PERIOD

    model = WeekModel(problem, weeks, decided, hint, group=True, period_rules=True, prune=prune)
    if problem.rules.weekly_rest_minutes:
        model.add_weekly_rest(set(model.shifts_of))
    model.model.minimize(model.weighted_objective())
    model.hint(hint)
    cp = model.model
    # `limit` counts from the start of the solve: building the model (seconds on a big
    # period) comes out of it, or a big period would overrun its time limit.
    began = budget.elapsed()
    limit = max(1.0, limit - began)
    result = PeriodResult(
        roster={s.id: hint.get(s.id) for members in model.members.values() for s in members}
    )

    def left() -> float:
        return limit - (budget.elapsed() - began)

    def run(
        proto_model: cp_model.CpModel, seconds: float, local_search: bool = False
    ) -> tuple[int, cp_model.CpSolver]:
        solver = cp_model.CpSolver()
        budget.configure(solver, max(0.2, seconds), portfolio=not local_search)
        solver.parameters.use_ls_only = local_search
        status = solver.solve(proto_model)
        budget.charge(solver)
        return status, solver

    def hint_values(proto_model: cp_model.CpModel, values: list[int]) -> None:
        proto_model.clear_hints()
        proto_model.proto.solution_hint.vars.extend(range(len(values)))
        proto_model.proto.solution_hint.values.extend(values)

    best_values: list[int] | None = None
    best = float("inf")
    bound = 0.0
    seed_hinted = False
    # The greedy leaves the minimum-type rules to CP-SAT, and CP-SAT's tree search can take
    # long to find any roster that keeps them: local search (feasibility jump) first.
    status, solver = run(cp, limit * SEED_SHARE, local_search=True)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        best_values, best = list(solver.response_proto.solution), solver.objective_value
    else:
        # No roster yet: build one a guard at a time (every rule but cover is one guard's).
        within = None
        if prune:
            within = defaultdict(set)
            for guard, lead in model.works:
                within[guard].add(lead)
        # Past its share the seed may run on, keeping time for the solves after it.
        seeded = seed_by_guard(
            problem,
            decided,
            weeks,
            limit * SEED_BY_GUARD_SHARE,
            budget,
            within,
            stop=left() - 2 * limit * SEED_SHARE,
        )
        valid = not check(problem, {**decided, **seeded})
        # A pruned model may not hold the seed (a guard whose kept groups admit no roster
        # gets one from all of its own), so CP-SAT could not start from it.
        if valid and (prune or pairs > BY_GUARD_ABOVE_PAIRS):
            # A roster that keeps every rule, of a model too big for CP-SAT to gain much from
            # it (Curtois 24: 2.5 % in 160 s): each guard again with the others fixed, then
            # teams (30 % in 70 s), all the time left.
            stepped = None if on_improve is None else lambda: on_improve(None, None)
            roster, result.improvements = improve_by_guard(
                problem, decided, weeks, seeded, left(), budget, within, on_improve=stepped
            )
            result.roster = {slot: roster.get(slot) for slot in result.roster}
            result.objective = evaluate(problem, {**decided, **result.roster}).objective
            result.status = "BY GUARD"
            return result
        if valid:
            # Every variable of the whole model from the seed's decisions: CP-SAT's start.
            fixed_model = cp.clone()
            chosen = model.chosen(seeded)
            for key, var in model.works.items():
                fixed_model.add(var == int(key in chosen))
            status, solver = run(fixed_model, max(1.0, limit * SEED_SHARE))
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                best_values, best = list(solver.response_proto.solution), solver.objective_value
                result.roster = {**result.roster, **seeded}
        elif seeded:
            # The guards reached in time have rosters that keep their rules: a start.
            model.hint(seeded)
            seed_hinted = True
    if best_values is not None:
        hint_values(cp, best_values)
    elif not seed_hinted and check(problem, {**hint, **decided}):
        cp.clear_hints()  # a hint that breaks a rule only misleads the first search
    # Without a roster the neighbourhoods have nothing to start from: all the time left.
    first = left() if best_values is None else left() * FIRST_SHARE / (1 - SEED_SHARE)
    status, solver = run(cp, first)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if solver.objective_value < best:
            best_values, best = list(solver.response_proto.solution), solver.objective_value
        bound = solver.best_objective_bound
    if best_values is None:
        result.status = solver.status_name(status)
        return result
    result.status = solver.status_name(status)
    if on_improve is not None:
        on_improve(best / SCALE, bound / SCALE)
    works_index = [var.index for var in model.works.values()]
    guards_of = defaultdict(list)  # guard -> indices of its works variables
    days_of = defaultdict(list)  # day -> indices
    for (guard, lead), var in model.works.items():
        guards_of[guard].append(var.index)
        days_of[problem.shift_by_id[lead].day].append(var.index)
    all_days = sorted(days_of)
    all_guards = sorted(guards_of)
    rng = random.Random(RANDOM_SEED)
    free_share = START_FREE
    kinds = ("days", "guards", "both")
    while status != cp_model.OPTIMAL and left() > limit * LAST_SHARE + 0.5 and works_index:
        kind = kinds[result.steps % len(kinds)]
        result.steps += 1
        if kind == "days":
            span = max(1, round(len(all_days) * free_share))
            first = rng.randrange(len(all_days) - span + 1)
            free = {i for day in all_days[first : first + span] for i in days_of[day]}
        elif kind == "guards":
            chosen = rng.sample(all_guards, max(1, round(len(all_guards) * free_share)))
            free = {i for guard in chosen for i in guards_of[guard]}
        else:
            span = min(len(all_days), max(1, round(len(all_days) * free_share * 2)))
            first = rng.randrange(len(all_days) - span + 1)
            window = set(all_days[first : first + span])
            chosen = set(rng.sample(all_guards, max(1, len(all_guards) // 2)))
            free = {
                var.index
                for (guard, lead), var in model.works.items()
                if guard in chosen and problem.shift_by_id[lead].day in window
            }
        step_model = cp.clone()
        hint_values(step_model, best_values)
        proto = step_model.proto
        for index in works_index:
            if index not in free:
                domain = proto.variables[index].domain
                value = best_values[index]
                domain[0] = value
                domain[1] = value
        step_status, step = run(step_model, min(STEP_LIMIT, left() - limit * LAST_SHARE))
        solved = step_status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        if solved and step.objective_value < best - 1e-9:
            best, best_values = step.objective_value, list(step.response_proto.solution)
            result.improvements += 1
            if on_improve is not None:
                on_improve(best / SCALE, bound / SCALE)
        if step_status == cp_model.OPTIMAL:
            free_share = min(1.0, free_share * 1.15)
        else:
            free_share = max(0.02, free_share / 1.15)
    if status != cp_model.OPTIMAL and left() > 0.5:
        hint_values(cp, best_values)
        final_status, final = run(cp, left())
        if final_status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            bound = max(bound, final.best_objective_bound)
            if final.objective_value < best - 1e-9:
                best, best_values = final.objective_value, list(final.response_proto.solution)
            status = final_status
    result.roster = model.roster_from(lambda var: bool(best_values[var.index]))
    result.objective = best / SCALE
    result.best_bound = None if prune else min(bound, best) / SCALE
    result.status = "OPTIMAL" if result.best_bound == result.objective else "LNS"
    return result
