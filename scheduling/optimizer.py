"""The roster optimizer: greedy construction, then OR-Tools CP-SAT, week by week.

1. `greedy` builds a valid roster in seconds; it is the hint and the fallback.
2. `open_lower_bounds` proves, per week, how many shifts must stay open whatever any solver
   does: a max-flow relaxation (guards -> guard-durations -> guard-days -> groups of identical
   shifts) that keeps qualifications, leave, the daily and weekly caps and "one shift at a
   time" and drops the rest rules. Any valid roster has at least this many open shifts, so
   open == bound proves the minimum; the bound is also stated in each week's model.
3. CP-SAT solves one ISO week at a time, the weeks before it fixed (so rest rules across the
   boundary hold), hinted with the greedy completed on top of them. Each model is solved in
   two phases: open shifts alone (skipped when the hint already meets the bound), then the
   full weighted objective of `problem.evaluate` with "open <= phase 1". Weekly rest is a
   lazy constraint in neighbourhoods (added for guards whose solution lacks it).
   A small week is one model. A big week is large-neighbourhood search: the open shifts of a
   site plus every shift of up to HELPERS guards who could work them, then one client's sites
   at a time ("client cluster" decomposition) for the soft goals; in sub-models, shifts many
   guards can work keep only a few natural candidates (own client's guards, flex, others,
   spread per post) plus the hint's guard. Every step is exact against the fixed rest.
4. A greedy fill pass takes any shift still fillable, the independent checker validates the
   result, and it is returned unless the greedy roster scores better (by `evaluate`).
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import max_flow
from ortools.sat.python import cp_model

from scheduling.checker import check
from scheduling.greedy import GuardState, greedy, qualified_guards
from scheduling.problem import (
    HOUR,
    Guard,
    Problem,
    Roster,
    Score,
    Shift,
    evaluate,
    is_qualified,
    max_free_gap,
    preference_tier,
)

# Objective scale: penalty points are per hour for fairness and overtime, so CP-SAT works in
# points x 60 with minutes as integers.
SCALE = HOUR
MAX_PAIRS_PER_WEEK = 4_000  # above this: neighbourhoods, and fewer candidates per shift
HELPERS = 40  # guards freed per large-neighbourhood step
SCARCE = 40  # shifts with at most this many candidate guards keep them all


@dataclass(frozen=True)
class Progress:
    phase: str
    filled: int
    open: int
    total: int
    open_lower_bound: int | None
    gap: float | None
    elapsed: float


@dataclass
class SolveStats:
    total_shifts: int = 0
    greedy: Score | None = None
    greedy_seconds: float = 0.0
    final: Score | None = None
    open_lower_bound: int = 0  # proven: no valid roster has fewer open shifts
    objective: float | None = None  # penalty points of the returned roster (`evaluate`)
    best_bound: float | None = None  # proven bound on it: open-shift weight x open_lower_bound
    cpsat_objective: float | None = None  # CP-SAT's own, summed over whole-week models
    cpsat_bound: float | None = None  # ... and its bound (each week given the weeks before)
    hard_violations: int = 0  # of the returned roster, by the checker
    optimizer_violations: int = 0  # of the CP-SAT roster before the fallback (should be 0)
    seconds: float = 0.0
    used: str = "greedy"  # which roster was returned
    week_status: list[str] = field(default_factory=list)

    @property
    def gap(self) -> float | None:
        """Relative gap between the objective and the proven bound (0: proven optimal)."""
        if self.objective is None or self.best_bound is None:
            return None
        return abs(self.objective - self.best_bound) / max(1.0, abs(self.objective))

    @property
    def open_gap(self) -> int | None:
        """Open shifts above the proven minimum (0: the fewest open shifts possible)."""
        return None if self.final is None else self.final.open_shifts - self.open_lower_bound


@dataclass
class Solution:
    roster: Roster
    stats: SolveStats


ProgressFn = Callable[[Progress], None]


def open_lower_bound(problem: Problem) -> int:
    """A proven lower bound on the open shifts of any valid roster (see module docstring)."""
    return sum(open_lower_bounds(problem).values())


def open_lower_bounds(problem: Problem) -> dict[int, int]:
    """Per week: a proven lower bound on that week's open shifts in any valid roster.

    Max flow: guard class -> (class, duration) -> (class, duration, day) -> group of
    simultaneous shifts with the same requirements -> sink. A guard works at most room // d
    shifts of length >= d in a week and room // shortest in all (daily likewise), and at most
    one of a group (they overlap). Guards with the same qualifications and fixed load form a
    class whose capacities are the sums of its members': merging only relaxes, so the bound
    stays valid and the network stays small.
    """
    rules = problem.rules
    fixed_day: dict[tuple[int, int], int] = defaultdict(int)
    fixed_week: dict[tuple[int, int], int] = defaultdict(int)
    for s in problem.shifts:
        if s.fixed_guard is not None:
            fixed_day[(s.fixed_guard, s.day)] += s.minutes
            fixed_week[(s.fixed_guard, s.week)] += s.minutes
    day_loads: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (gid, day), minutes in fixed_day.items():
        day_loads[gid].append((day, minutes))
    by_week: dict[int, list[Shift]] = defaultdict(list)
    for s in problem.open_to_fill:
        by_week[s.week].append(s)
    bounds: dict[int, int] = {}
    for week, shifts in by_week.items():
        classes: dict[tuple, list[Guard]] = defaultdict(list)
        for g in problem.guards:
            load = tuple(sorted(day_loads.get(g.id, ())))
            key = (
                g.grade,
                g.registration_expires,
                g.firearm_expires,
                g.inducted_sites,
                g.absences,
                fixed_week[(g.id, week)],
                load,
            )
            classes[key].append(g)
        groups: dict[tuple, int] = defaultdict(int)
        for s in shifts:
            site = s.site if s.induction else None
            groups[(s.start, s.end, s.grade, s.armed, site, s.day, s.end_day)] += 1
        node: dict[tuple, int] = {}

        def number(key: tuple, node: dict = node) -> int:
            if key not in node:
                node[key] = len(node) + 2  # 0 source, 1 sink
            return node[key]

        tails, heads, caps = [], [], []
        for index, ((start, end, grade, armed, site, day, end_day), count) in enumerate(
            groups.items()
        ):
            minutes = end - start
            probe = Shift(
                id=-1,
                site=site or 0,
                client=0,
                start=start,
                end=end,
                day=day,
                end_day=end_day,
                week=week,
                grade=grade,
                armed=armed,
                induction=site is not None,
            )
            tails.append(number(("s", index)))
            heads.append(1)
            caps.append(count)
            for key, members in classes.items():
                if not is_qualified(members[0], probe):
                    continue
                n = len(members)
                tails.append(number(("cdd", key, minutes, day)))
                heads.append(number(("s", index)))
                caps.append(min(n, count))
        seen: set[tuple] = set()
        for tail_key in [k for k in node if k[0] == "cdd"]:
            _, key, minutes, day = tail_key
            n = len(classes[key])
            load = dict(key[6])
            tails.append(number(("cd", key, minutes)))
            heads.append(node[tail_key])
            caps.append(n * max(0, (rules.max_daily_minutes - load.get(day, 0)) // minutes))
            if (key, minutes) not in seen:
                seen.add((key, minutes))
                room = rules.weekly_cap_minutes - key[5]
                tails.append(number(("c", key)))
                heads.append(number(("cd", key, minutes)))
                caps.append(n * max(0, room // minutes))
        shortest: dict[tuple, int] = {}
        for key, minutes in seen:
            shortest[key] = min(shortest.get(key, minutes), minutes)
        for key, minutes in shortest.items():
            tails.append(0)
            heads.append(number(("c", key)))
            caps.append(len(classes[key]) * max(0, (rules.weekly_cap_minutes - key[5]) // minutes))
        flow = max_flow.SimpleMaxFlow()
        flow.add_arcs_with_capacity(
            np.array(tails, dtype=np.int32),
            np.array(heads, dtype=np.int32),
            np.array(caps, dtype=np.int64),
        )
        filled = flow.optimal_flow() if flow.solve(0, 1) == flow.OPTIMAL else len(shifts)
        bounds[week] = len(shifts) - filled
    return bounds


def _spread(guard_id: int, post: int | None) -> int:
    """A per-post pseudo-random order of guards, stable across days (helps continuity)."""
    return (guard_id * 2654435761 + (post or 0) * 40503) % 1_000_003


class WeekModel:
    """CP-SAT model of one week's undecided shifts; everything in `decided` is fixed.

    Built once, solved in two phases: first the open shifts alone (the dominant goal, which
    CP-SAT settles quickly), then, with "open <= that" added, the full weighted objective.
    The weekly rest is added lazily per guard (`add_weekly_rest`).
    """

    def __init__(
        self,
        problem: Problem,
        week: int,
        decided: Roster,
        hint: Roster | None = None,
        subset: set[int] | None = None,
    ) -> None:
        self.problem, self.week = problem, week
        rules = problem.rules
        guards = problem.guard_by_id
        self.shifts = [
            s for s in problem.open_to_fill if s.week == week and (subset is None or s.id in subset)
        ]
        this_week = {s.id for s in self.shifts}
        context: dict[int, GuardState] = defaultdict(GuardState)
        for s in problem.shifts:
            g = decided.get(s.id, s.fixed_guard)
            if g is not None and s.id not in this_week:
                context[g].add(s)
        self.context = context
        rest = rules.min_rest_minutes

        def fits_context(g: int, s: Shift) -> bool:
            state = context.get(g)
            if state is None:
                return True
            if state.day_minutes[s.day] + s.minutes > rules.max_daily_minutes:
                return False
            if state.week_minutes[s.week] + s.minutes > rules.weekly_cap_minutes:
                return False
            return all(not (a < s.end + rest and s.start < b + rest) for a, b in state.busy)

        cache: dict = {}
        self.candidates: dict[int, list[int]] = {}
        for s in self.shifts:
            self.candidates[s.id] = [
                g.id for g in qualified_guards(problem, s, cache) if fits_context(g.id, s)
            ]
        n_pairs = sum(len(c) for c in self.candidates.values())
        self.limit = None
        if n_pairs > MAX_PAIRS_PER_WEEK:
            # Shifts few guards can work keep them all (that is where open shifts are); the
            # others keep a handful of natural candidates plus the hint's guard.
            self.limit = max(6, MAX_PAIRS_PER_WEEK // (4 * len(self.shifts)))
        hinted = hint or {}

        model = self.model = cp_model.CpModel()
        self.x: dict[tuple[int, int], cp_model.IntVar] = {}
        self.by_guard: dict[int, list[Shift]] = defaultdict(list)
        self.open_terms = []
        soft = []
        for s in self.shifts:
            cands = self.candidates[s.id]
            if self.limit is not None and len(cands) > SCARCE:
                keep = sorted(
                    cands, key=lambda g, s=s: (preference_tier(guards[g], s), _spread(g, s.post))
                )[: self.limit]
                if hinted.get(s.id) in cands and hinted[s.id] not in keep:
                    keep.append(hinted[s.id])
                cands = keep
            taken = []
            for g in cands:
                var = model.new_bool_var(f"x{g}_{s.id}")
                self.x[(g, s.id)] = var
                taken.append(var)
                self.by_guard[g].append(s)
                if preference_tier(guards[g], s) == 2:
                    soft.append(SCALE * rules.weight_off_client * var)
            model.add_at_most_one(taken)
            self.open_terms.append(1 - sum(taken))

        # Auxiliary variables and how to hint them from an assignment.
        self.minutes_aux: list[tuple[cp_model.IntVar, int, int]] = []  # var, guard, threshold
        self.any_aux: list[tuple[cp_model.IntVar, int, list[int]]] = []  # var = OR(x[g, ...])
        self.none_aux: list[tuple[cp_model.IntVar, int, list[int]]] = []  # var = NOR(...)
        demand = sum(s.minutes for s in problem.shifts if s.in_range and s.week == week)
        target = demand // max(1, len(problem.guards))
        for g, mine in self.by_guard.items():
            mine.sort(key=lambda s: s.start)
            state = context.get(g) or GuardState()
            # No overlap, and rest: shifts whose [start, end + rest) contain one moment clash
            # pairwise, and every clash shows at the later shift's start (an interval graph).
            seen: set[tuple[int, ...]] = set()
            for s in mine:
                clique = tuple(t.id for t in mine if t.start <= s.start < t.end + rest)
                if len(clique) > 1 and clique not in seen:
                    seen.add(clique)
                    model.add_at_most_one(self.x[(g, t)] for t in clique)
            per_day: dict[int, list[Shift]] = defaultdict(list)
            for s in mine:
                per_day[s.day].append(s)
            for day, day_shifts in per_day.items():
                room = rules.max_daily_minutes - state.day_minutes[day]
                if sum(s.minutes for s in day_shifts) > room:
                    model.add(sum(s.minutes * self.x[(g, s.id)] for s in day_shifts) <= room)
            base = state.week_minutes[week]
            worked = sum(s.minutes * self.x[(g, s.id)] for s in mine) + base
            most = sum(s.minutes for s in mine) + base
            if most > rules.weekly_cap_minutes:
                model.add(worked <= rules.weekly_cap_minutes)
            for weight, threshold, name in (
                (rules.weight_overtime, rules.max_weekly_minutes, "ot"),
                (rules.weight_fairness, target, "ex"),
            ):
                if weight and most > threshold:
                    var = model.new_int_var(0, most, f"{name}{g}")
                    model.add(var >= worked - threshold)
                    soft.append(weight * var)
                    self.minutes_aux.append((var, g, threshold - base))
            if rules.weight_post_change:
                posts: dict[int, list[int]] = defaultdict(list)
                for s in mine:
                    if s.post is not None and s.post not in state.posts:
                        posts[s.post].append(s.id)
                for post, ids in posts.items():
                    on_post = model.new_bool_var(f"y{g}_{post}")
                    for sid in ids:
                        model.add_implication(self.x[(g, sid)], on_post)
                    soft.append(SCALE * rules.weight_post_change * on_post)
                    self.any_aux.append((on_post, g, ids))
        self.soft_terms = soft
        self.rest_guards: set[int] = set()

    def add_weekly_rest(self, guards: set[int]) -> None:
        """At least `weekly_rest_minutes` off in one stretch of the week, for `guards`.

        A longest rest starts at the week's start or at the end of a worked shift, so one
        boolean per such moment t says "[t, t + rest) is free"; one of them must hold.
        """
        window = self.problem.weeks.get(self.week)
        if window is None:
            return
        start, end, need = window.start, window.end, self.problem.rules.weekly_rest_minutes
        for g in guards - self.rest_guards:
            self.rest_guards.add(g)
            state = self.context.get(g) or GuardState()
            inside = [s for s in self.by_guard.get(g, []) if s.start < end and s.end > start]
            busy = [iv for iv in state.busy if iv[0] < end and iv[1] > start]
            if not inside:
                continue
            if max_free_gap(busy + [(s.start, s.end) for s in inside], start, end) >= need:
                continue  # even working every candidate shift leaves the rest
            moments = {start} | {s.end for s in inside} | {b for _a, b in busy}
            options = []
            for t in sorted(moments):
                if t < start or t + need > end:
                    continue
                if any(a < t + need and t < b for a, b in busy):
                    continue
                free = self.model.new_bool_var(f"r{g}_{t}")
                clashing = [s.id for s in inside if s.start < t + need and t < s.end]
                for sid in clashing:
                    self.model.add_implication(free, self.x[(g, sid)].Not())
                self.none_aux.append((free, g, clashing))
                options.append(free)
            if options:
                self.model.add_bool_or(options)

    def hint(self, roster: Roster) -> None:
        """Hint every variable from `roster` (a complete hint lets CP-SAT start from it)."""
        model = self.model
        model.clear_hints()
        chosen = {(g, sid) for sid, g in roster.items() if g is not None and (g, sid) in self.x}
        for key, var in self.x.items():
            model.add_hint(var, key in chosen)
        minutes: dict[int, int] = defaultdict(int)
        for g, sid in chosen:
            minutes[g] += self.problem.shift_by_id[sid].minutes
        for var, g, threshold in self.minutes_aux:
            model.add_hint(var, max(0, minutes[g] - threshold))
        for var, g, ids in self.any_aux:
            model.add_hint(var, any((g, sid) in chosen for sid in ids))
        for var, g, ids in self.none_aux:
            model.add_hint(var, not any((g, sid) in chosen for sid in ids))

    def solve(self, objective, time_limit: float, workers: int):
        self.model.clear_objective()
        self.model.minimize(objective)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.2, time_limit)
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = 7
        status = solver.solve(self.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None, None, None, solver.status_name(status)
        result: Roster = {s.id: None for s in self.shifts}
        for (g, sid), var in self.x.items():
            if solver.boolean_value(var):
                result[sid] = g
        return (
            result,
            solver.objective_value,
            solver.best_objective_bound,
            solver.status_name(status),
        )


@dataclass
class WeekResult:
    roster: Roster
    open_shifts: int
    open_bound: float | None = None  # CP-SAT's bound on this week's open shifts
    objective: float | None = None  # penalty points of phase 2
    best_bound: float | None = None
    status: str = "UNKNOWN"


def _solve_week(
    problem: Problem,
    week: int,
    decided: Roster,
    hint: Roster,
    time_limit: float,
    workers: int,
    lower_bound: int = 0,
) -> WeekResult:
    """The week's best roster within `time_limit`: a whole-week model when it is small,
    large-neighbourhood search over sub-models when it is not."""
    ids = [s.id for s in problem.open_to_fill if s.week == week]
    current = {sid: hint.get(sid) for sid in ids}
    result = WeekResult(current, sum(1 for g in current.values() if g is None))
    result.open_bound = lower_bound
    if not ids:
        result.status = "EMPTY"
        return result
    cache: dict = {}
    pairs = sum(len(qualified_guards(problem, problem.shift_by_id[i], cache)) for i in ids)
    if pairs <= MAX_PAIRS_PER_WEEK:
        return _solve_submodel(
            problem, week, decided, current, None, time_limit, workers, lower_bound, result
        )
    return _large_neighbourhoods(
        problem, week, decided, current, time_limit, workers, lower_bound, result, cache
    )


def _solve_submodel(
    problem: Problem,
    week: int,
    decided: Roster,
    current: Roster,
    subset: set[int] | None,
    time_limit: float,
    workers: int,
    lower_bound: int,
    result: WeekResult,
) -> WeekResult:
    """Phase 1 (open shifts only) with lazy weekly rest, then phase 2 (every goal), over the
    week's shifts in `subset` (None: all), the rest of `current` fixed.

    Weekly rest rarely binds but, stated for every guard, makes the model several times bigger
    and CP-SAT much slower: it is added for the guards whose solution lacks it, and a repair
    (drop and refill, `_repair_rest`) keeps the week valid whatever the time limit.
    """
    began = time.monotonic()
    outside = {sid: g for sid, g in current.items() if subset is not None and sid not in subset}
    context = {**decided, **outside}
    wm = WeekModel(problem, week, context, current, subset)
    inside = {s.id: current.get(s.id) for s in wm.shifts}
    best_open = sum(1 for g in inside.values() if g is None)
    others_open = sum(1 for g in outside.values() if g is None)

    def left() -> float:
        return time_limit - (time.monotonic() - began)

    if subset is None:
        # A whole week is small: state the weekly rest for everyone up front.
        wm.add_weekly_rest(set(wm.by_guard))
    if lower_bound - others_open > 0:
        # The flow bound holds for the week whatever the rest does: stating it lets CP-SAT
        # stop as soon as it reaches it.
        wm.model.add(sum(wm.open_terms) >= lower_bound - others_open)
    # Phase 1: fewest open shifts (skipped when the bound is already reached).
    for _round in range(3 if best_open + others_open > lower_bound else 0):
        wm.hint(inside)
        part, _obj, bound, status = wm.solve(sum(wm.open_terms), left() * 0.5, workers)
        if part is None:
            break
        if subset is None:
            result.open_bound = max(lower_bound, round(bound))
        short = _rest_shortfalls(problem, week, context, part)
        if short:
            wm.add_weekly_rest(short)
            part = _repair_rest(problem, week, context, part)
        open_now = sum(1 for g in part.values() if g is None)
        if open_now < best_open:
            inside, best_open = part, open_now
            result.status = status if not short else "REPAIRED"
        if not short or left() < 0.5:
            break
    # Phase 2: every goal, never more open shifts than phase 1 found.
    if left() > 0.3:
        wm.model.add(sum(wm.open_terms) <= best_open)
        objective = SCALE * problem.rules.weight_open_shift * sum(wm.open_terms) + sum(
            wm.soft_terms
        )
        for _round in range(3):
            wm.hint(inside)
            part, obj, bound, status = wm.solve(objective, left(), workers)
            if part is None:
                break
            short = _rest_shortfalls(problem, week, context, part)
            if not short:
                inside, result.status = part, status
                if subset is None:
                    result.objective, result.best_bound = obj / SCALE, bound / SCALE
                break
            wm.add_weekly_rest(short)
            if left() < 0.3:
                break
    result.roster = {**current, **inside}
    result.open_shifts = sum(1 for g in result.roster.values() if g is None)
    return result


def _large_neighbourhoods(
    problem: Problem,
    week: int,
    decided: Roster,
    current: Roster,
    time_limit: float,
    workers: int,
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
    began = time.monotonic()
    shift_by_id = problem.shift_by_id

    def left() -> float:
        return time_limit - (time.monotonic() - began)

    rng = random.Random(week)
    stalls = 0
    while result.open_shifts > lower_bound and left() > 1.0 and stalls < 3:
        # One neighbourhood per site with open shifts: those shifts, and every shift of up
        # to HELPERS guards who could work them (their shifts may move to anyone free).
        open_by_site: dict[int, list[int]] = defaultdict(list)
        for sid, g in result.roster.items():
            if g is None:
                open_by_site[shift_by_id[sid].site].append(sid)
        before = result.open_shifts
        for open_ids in sorted(open_by_site.values(), key=len, reverse=True):
            if left() < 1.0 or result.open_shifts <= lower_bound:
                break
            helpers = sorted(
                {
                    g.id
                    for sid in open_ids
                    for g in qualified_guards(problem, shift_by_id[sid], cache)
                }
            )
            if len(helpers) > HELPERS:
                helpers = rng.sample(helpers, HELPERS)
            chosen = set(helpers)
            subset = set(open_ids) | {sid for sid, g in result.roster.items() if g in chosen}
            budget = min(left() / 2, 3.0)
            result = _solve_submodel(
                problem, week, decided, result.roster, subset, budget, workers, lower_bound, result
            )
        stalls = stalls + 1 if result.open_shifts >= before else 0
    clients = sorted({shift_by_id[sid].client for sid in result.roster})
    for index, client in enumerate(clients):
        if left() < 0.5:
            break
        subset = {sid for sid in result.roster if shift_by_id[sid].client == client}
        budget = left() / (len(clients) - index)
        result = _solve_submodel(
            problem, week, decided, result.roster, subset, budget, workers, lower_bound, result
        )
    result.status = "LNS"
    return result


def _rest_shortfalls(problem: Problem, week: int, decided: Roster, part: Roster) -> set[int]:
    """Guards whose week in `decided` + `part` lacks the weekly rest."""
    window = problem.weeks.get(week)
    if window is None:
        return set()
    busy: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for s in problem.shifts:
        g = part.get(s.id, decided.get(s.id, s.fixed_guard))
        if g is not None and s.start < window.end and s.end > window.start:
            busy[g].append((s.start, s.end))
    need = problem.rules.weekly_rest_minutes
    return {
        g
        for g, intervals in busy.items()
        if max_free_gap(intervals, window.start, window.end) < need
    }


def _repair_rest(problem: Problem, week: int, decided: Roster, part: Roster) -> Roster:
    """Drop this week's assignments of guards lacking weekly rest until they have it, then
    refill greedily: a valid roster for the week."""
    part = dict(part)
    window = problem.weeks[week]
    need = problem.rules.weekly_rest_minutes
    for g in _rest_shortfalls(problem, week, decided, part):
        fixed = [
            (s.start, s.end)
            for s in problem.shifts
            if s.id not in part
            and decided.get(s.id, s.fixed_guard) == g
            and s.start < window.end
            and s.end > window.start
        ]
        mine = [problem.shift_by_id[sid] for sid, guard in part.items() if guard == g]
        while (
            mine
            and max_free_gap(fixed + [(s.start, s.end) for s in mine], window.start, window.end)
            < need
        ):
            drop = max(
                mine,
                key=lambda s: max_free_gap(
                    fixed + [(t.start, t.end) for t in mine if t is not s],
                    window.start,
                    window.end,
                ),
            )
            mine.remove(drop)
            part[drop.id] = None
    filled = greedy(problem, start={**decided, **part})
    return {sid: filled.get(sid) for sid in part}


def solve(
    problem: Problem,
    *,
    time_limit: float = 30.0,
    workers: int = 2,
    progress: ProgressFn | None = None,
) -> Solution:
    """The best valid roster found within `time_limit` seconds, with its statistics."""
    began = time.monotonic()
    stats = SolveStats(total_shifts=sum(1 for s in problem.shifts if s.in_range))

    def report(phase: str, roster: Roster, bound: int | None, gap: float | None) -> None:
        if progress is None:
            return
        filled = sum(1 for s in problem.shifts if s.in_range and roster.get(s.id) is not None)
        progress(
            Progress(
                phase=phase,
                filled=filled,
                open=stats.total_shifts - filled,
                total=stats.total_shifts,
                open_lower_bound=bound,
                gap=gap,
                elapsed=time.monotonic() - began,
            )
        )

    base = greedy(problem)
    stats.greedy_seconds = time.monotonic() - began
    stats.greedy = evaluate(problem, base)
    report("Greedy roster built", base, None, None)
    week_bounds = open_lower_bounds(problem)
    stats.open_lower_bound = sum(week_bounds.values())
    report("Lower bound computed", base, stats.open_lower_bound, None)

    decided: Roster = {s.id: s.fixed_guard for s in problem.shifts if s.fixed_guard is not None}
    weeks = sorted({s.week for s in problem.open_to_fill})
    objective = bound = 0.0
    complete = bool(weeks)
    # Keep time for the final fill, check and evaluation (each about a greedy run).
    deadline = time_limit - 2 * stats.greedy_seconds
    for index, week in enumerate(weeks):
        remaining = deadline - (time.monotonic() - began)
        share = remaining / (len(weeks) - index)
        # The hint: the greedy completed on top of the weeks decided so far (always valid).
        hint = base if index == 0 else greedy(problem, start=decided, weeks={week})
        if share < 1.0:  # no time left for CP-SAT: keep the hint's week
            decided.update({s.id: hint.get(s.id) for s in problem.open_to_fill if s.week == week})
            stats.week_status.append("NO TIME")
            complete = False
            continue
        result = _solve_week(problem, week, decided, hint, share, workers, week_bounds.get(week, 0))
        stats.week_status.append(result.status)
        decided.update(result.roster)
        if result.objective is None:
            complete = False
        else:
            objective += result.objective
            bound += result.best_bound
        merged = {**base, **decided}
        gap = abs(objective - bound) / max(1.0, abs(objective)) if complete else None
        report(f"Optimised week {index + 1} of {len(weeks)}", merged, stats.open_lower_bound, gap)
    if complete:
        stats.cpsat_objective, stats.cpsat_bound = objective, bound

    improved = greedy(problem, start=decided)
    rejected = check(problem, improved)
    stats.optimizer_violations = len(rejected)
    score = evaluate(problem, improved)
    # Never return an invalid roster (that would be a solver bug, which the tests catch).
    if not rejected and score.objective <= stats.greedy.objective:
        best_roster, best_score, stats.used = improved, score, "optimizer"
    else:
        best_roster, best_score, stats.used = base, stats.greedy, "greedy"
    stats.final = best_score
    stats.objective = best_score.objective
    stats.best_bound = float(problem.rules.weight_open_shift * stats.open_lower_bound)
    stats.hard_violations = len(check(problem, best_roster))
    stats.seconds = time.monotonic() - began
    report("Done", best_roster, stats.open_lower_bound, stats.gap)
    return Solution(best_roster, stats)
