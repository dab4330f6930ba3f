"""The roster optimizer: greedy construction, then OR-Tools CP-SAT, week by week.

1. `greedy` builds a valid roster in seconds; it is the hint and the fallback.
2. `open_lower_bound` proves how many shifts must stay open, whatever the solver does: a
   max-flow relaxation per week (guards -> guard-days -> groups of identical shifts) that keeps
   qualifications, leave, the daily and weekly caps and "one shift at a time" and drops the
   rest rules. Any roster's open shifts >= this bound, so open == bound proves the minimum.
3. CP-SAT solves one ISO week at a time (weeks before it fixed, so rest rules across the
   boundary hold), hinted with the greedy roster, minimising the weighted objective of
   `problem.evaluate` (open shifts first by weight). Big weeks keep, per shift, the `K` most
   natural candidates (the client's own guards, then flex, then others, spread per post) plus
   the greedy's choice; the flow bound, which uses every guard, still certifies the result.
4. A greedy fill pass takes any shift still fillable, the independent checker validates the
   result, and the better of it and the greedy roster (by `evaluate`) is returned.
"""

from __future__ import annotations

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
    Problem,
    Roster,
    Score,
    Shift,
    evaluate,
    max_free_gap,
    preference_tier,
)

# Objective scale: penalty points are per hour for fairness and overtime, so CP-SAT works in
# points x 60 with minutes as integers.
SCALE = HOUR
MAX_PAIRS_PER_WEEK = 60_000  # above this a week's model keeps fewer candidates per shift
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
    open_lower_bound: int = 0
    objective: float | None = None  # CP-SAT, penalty points (sum over weeks)
    best_bound: float | None = None  # CP-SAT's proven bound on that objective
    hard_violations: int = 0  # of the returned roster, by the checker
    optimizer_violations: int = 0  # of the CP-SAT roster before the fallback (should be 0)
    seconds: float = 0.0
    used: str = "greedy"  # which roster was returned
    week_status: list[str] = field(default_factory=list)

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.best_bound is None:
            return None
        return abs(self.objective - self.best_bound) / max(1.0, abs(self.objective))


@dataclass
class Solution:
    roster: Roster
    stats: SolveStats


ProgressFn = Callable[[Progress], None]


def open_lower_bound(problem: Problem) -> int:
    """A proven lower bound on the open shifts of any valid roster (see module docstring)."""
    rules = problem.rules
    fixed_day: dict[tuple[int, int], int] = defaultdict(int)
    fixed_week: dict[tuple[int, int], int] = defaultdict(int)
    for s in problem.shifts:
        if s.fixed_guard is not None:
            fixed_day[(s.fixed_guard, s.day)] += s.minutes
            fixed_week[(s.fixed_guard, s.week)] += s.minutes
    by_week: dict[int, list[Shift]] = defaultdict(list)
    for s in problem.open_to_fill:
        by_week[s.week].append(s)
    cache: dict = {}
    bound = 0
    for week, shifts in by_week.items():
        groups: dict[tuple, list[Shift]] = defaultdict(list)
        for s in shifts:
            groups[(s.site, s.start, s.end, s.grade, s.armed, s.induction)].append(s)
        group_list = list(groups.values())
        guard_min: dict[int, int] = {}
        day_min: dict[tuple[int, int], int] = {}
        edges: list[tuple[int, int, int]] = []  # guard, day, group index
        for index, members in enumerate(group_list):
            s = members[0]
            for g in qualified_guards(problem, s, cache):
                edges.append((g.id, s.day, index))
                guard_min[g.id] = min(guard_min.get(g.id, s.minutes), s.minutes)
                key = (g.id, s.day)
                day_min[key] = min(day_min.get(key, s.minutes), s.minutes)
        # Node numbering: 0 source, 1 sink, then guards, guard-days, groups.
        node: dict[tuple, int] = {}

        def number(key: tuple, node: dict = node) -> int:
            if key not in node:
                node[key] = len(node) + 2
            return node[key]

        tails, heads, caps = [], [], []
        for g, minimum in guard_min.items():
            room = rules.weekly_cap_minutes - fixed_week[(g, week)]
            tails.append(0)
            heads.append(number(("g", g)))
            caps.append(max(0, room // minimum))
        for (g, day), minimum in day_min.items():
            room = rules.max_daily_minutes - fixed_day[(g, day)]
            tails.append(number(("g", g)))
            heads.append(number(("d", g, day)))
            caps.append(max(0, room // minimum))
        for g, day, index in edges:
            tails.append(number(("d", g, day)))
            heads.append(number(("s", index)))
            caps.append(1)  # identical shifts overlap: one guard takes at most one
        for index, members in enumerate(group_list):
            tails.append(number(("s", index)))
            heads.append(1)
            caps.append(len(members))
        flow = max_flow.SimpleMaxFlow()
        flow.add_arcs_with_capacity(
            np.array(tails, dtype=np.int32),
            np.array(heads, dtype=np.int32),
            np.array(caps, dtype=np.int64),
        )
        filled = flow.optimal_flow() if flow.solve(0, 1) == flow.OPTIMAL else len(shifts)
        bound += len(shifts) - filled
    return bound


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
        self, problem: Problem, week: int, decided: Roster, hint: Roster | None = None
    ) -> None:
        self.problem, self.week = problem, week
        rules = problem.rules
        guards = problem.guard_by_id
        self.shifts = [s for s in problem.open_to_fill if s.week == week]
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
    problem: Problem, week: int, decided: Roster, hint: Roster, time_limit: float, workers: int
) -> WeekResult:
    """Phase 1 (open shifts only) with lazy weekly rest, then phase 2 (every goal).

    Weekly rest rarely binds but, stated for every guard, makes the model several times bigger
    and CP-SAT much slower: it is added for the guards whose solution lacks it, and a last
    repair (drop and refill, `_repair_rest`) keeps the week valid whatever the time limit.
    """
    began = time.monotonic()
    wm = WeekModel(problem, week, decided, hint)
    shifts = {s.id for s in wm.shifts}
    current = {sid: hint.get(sid) for sid in shifts}
    result = WeekResult(current, sum(1 for g in current.values() if g is None))
    if not shifts:
        result.status = "EMPTY"
        return result

    def left() -> float:
        return time_limit - (time.monotonic() - began)

    # Phase 1: fewest open shifts.
    for round_ in range(3):
        wm.hint(current)
        part, obj, bound, status = wm.solve(sum(wm.open_terms), left() * 0.45, workers)
        if part is None:
            break
        result.open_bound = bound
        short = _rest_shortfalls(problem, week, decided, part)
        if short:
            wm.add_weekly_rest(short)
            part = _repair_rest(problem, week, decided, part)
        open_now = sum(1 for g in part.values() if g is None)
        if open_now <= result.open_shifts:
            current, result.open_shifts, result.roster = part, open_now, part
            result.status = status if not short else "REPAIRED"
        if not short or round_ == 2 or left() < 0.5:
            break
    # Phase 2: every goal, never more open shifts than phase 1 found.
    if left() > 0.3:
        wm.model.add(sum(wm.open_terms) <= result.open_shifts)
        objective = SCALE * problem.rules.weight_open_shift * sum(wm.open_terms) + sum(
            wm.soft_terms
        )
        wm.hint(current)
        part, obj, bound, status = wm.solve(objective, left(), workers)
        if part is not None and not _rest_shortfalls(problem, week, decided, part):
            result.roster, result.status = part, status
            result.objective, result.best_bound = obj / SCALE, bound / SCALE
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
    stats.open_lower_bound = open_lower_bound(problem)
    report("Lower bound computed", base, stats.open_lower_bound, None)

    decided: Roster = {s.id: s.fixed_guard for s in problem.shifts if s.fixed_guard is not None}
    weeks = sorted({s.week for s in problem.open_to_fill})
    objective = bound = 0.0
    complete = bool(weeks)
    for index, week in enumerate(weeks):
        remaining = time_limit - (time.monotonic() - began)
        share = remaining / (len(weeks) - index)
        # The hint: the greedy completed on top of the weeks decided so far (always valid).
        hint = base if index == 0 else greedy(problem, start=decided)
        result = _solve_week(problem, week, decided, hint, share, workers)
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
        stats.objective, stats.best_bound = objective, bound

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
    stats.hard_violations = len(check(problem, best_roster))
    stats.seconds = time.monotonic() - began
    report("Done", best_roster, stats.open_lower_bound, stats.gap)
    return Solution(best_roster, stats)
