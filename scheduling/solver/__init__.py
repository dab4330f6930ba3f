"""The roster solver: greedy construction, then OR-Tools CP-SAT, week by week or per period.

Plain Python on plain data (`problem`): nothing here imports Django or the ORM;
`scheduling.adapter` builds the `Problem` of one organization, `synthetic` random ones.

1. `greedy` builds a valid roster in seconds; it is the hint and the fallback.
2. `bound.open_lower_bounds` proves, per week, how many shifts must stay open whatever any
   solver does (a max-flow relaxation), so open == bound proves the minimum.
3. CP-SAT (`model.WeekModel`, `search.solve_week`) solves one ISO week at a time, the weeks
   before it fixed (so rest rules across the boundary hold), hinted with the greedy completed
   on top of them: a small week as one model, a big one by large-neighbourhood search.
   A problem with rules over the whole period (`Problem.spans_period`: consecutive days,
   weekends, contracts, requests, priced cover) is one model of the whole period instead
   (`search.solve_period`: local search, CP-SAT, neighbourhoods over days and guards; where
   local search finds no roster, `by_guard`: one built guard after guard, then each guard and
   team of guards solved again with the others fixed), so those rules hold over all of it;
   CP-SAT's bound on it is then the proven bound.
4. A greedy fill pass takes any shift still fillable (week by week only), the independent
   `checker` validates the result, and it is returned unless the greedy roster scores better
   (by `evaluate`) and is valid.

`solve` splits its time limit across the weeks by wall-clock seconds. Tests and the benchmark
pass `deterministic_limit` (with `workers=1`) instead: CP-SAT's deterministic time, so the
result does not depend on the machine.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from scheduling.solver.bound import open_lower_bound, open_lower_bounds
from scheduling.solver.checker import Violation, check, explain_open_shifts, unmet_goals

# Not `import greedy`: that name is the submodule (`from scheduling.solver.greedy import greedy`).
from scheduling.solver.greedy import greedy as greedy_roster
from scheduling.solver.model import Budget
from scheduling.solver.problem import (
    HOUR,
    Contract,
    Guard,
    Problem,
    Request,
    Roster,
    Rules,
    Score,
    Shift,
    Week,
    evaluate,
)
from scheduling.solver.search import solve_period, solve_week

__all__ = [
    "HOUR",
    "Contract",
    "Guard",
    "Problem",
    "Progress",
    "Request",
    "Roster",
    "Rules",
    "Score",
    "Shift",
    "Solution",
    "SolveStats",
    "Violation",
    "Week",
    "check",
    "evaluate",
    "explain_open_shifts",
    "open_lower_bound",
    "solve",
    "unmet_goals",
]


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
    best_bound: float | None = None  # proven bound on it: open-shift weight x open_lower_bound,
    # or CP-SAT's bound when one model covered the period
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


def solve(
    problem: Problem,
    *,
    time_limit: float = 30.0,
    workers: int = 2,
    progress: ProgressFn | None = None,
    deterministic_limit: float | None = None,
) -> Solution:
    """The best valid roster found within `time_limit` seconds, with its statistics.

    With `deterministic_limit` the limit is that much CP-SAT deterministic time instead of
    `time_limit` seconds (the greedy, the bound and the checks cost nothing on that clock): with
    `workers=1` the same problem always gets the same roster, on any machine. Tests and the
    benchmark use it; the app keeps wall-clock seconds, which is what a manager waits for.
    """
    began = time.monotonic()
    budget = Budget(workers=workers, deterministic=deterministic_limit is not None, started=began)
    stats = SolveStats(total_shifts=sum(1 for shift in problem.shifts if shift.in_range))

    def report(phase: str, roster: Roster, bound: int | None, gap: float | None) -> None:
        if progress is None:
            return
        filled = sum(
            1 for shift in problem.shifts if shift.in_range and roster.get(shift.id) is not None
        )
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

    base = greedy_roster(problem)
    stats.greedy_seconds = time.monotonic() - began
    stats.greedy = evaluate(problem, base)
    report("Greedy roster built", base, None, None)
    week_bounds = open_lower_bounds(problem)
    stats.open_lower_bound = sum(week_bounds.values())
    report("Lower bound computed", base, stats.open_lower_bound, None)

    decided: Roster = {
        shift.id: shift.fixed_guard for shift in problem.shifts if shift.fixed_guard is not None
    }
    weeks = sorted({shift.week for shift in problem.open_to_fill})
    objective = bound = 0.0
    complete = bool(weeks)
    if deterministic_limit is None:
        # Keep time for the final fill, check and evaluation (each about a greedy run).
        deadline = time_limit - 2 * stats.greedy_seconds
    else:
        deadline = deterministic_limit
    period = problem.spans_period and bool(weeks)
    if period:
        # Rules over the whole period: one model of all of it (see `search.solve_period`).
        def improved_to(value: float | None, proven: float | None) -> None:
            # Guard by guard, no bound is proven: no gap.
            gap = None if value is None else abs(value - proven) / max(1.0, abs(value))
            report("Optimising the period", {**base, **decided}, stats.open_lower_bound, gap)

        result = solve_period(problem, decided, base, deadline, budget, improved_to)
        decided.update(result.roster)
        stats.week_status.append(result.status)
        stats.cpsat_objective, stats.cpsat_bound = result.objective, result.best_bound
        weeks, complete = [], False
    for index, week in enumerate(weeks):
        remaining = deadline - budget.elapsed()
        share = remaining / (len(weeks) - index)
        # The hint: the greedy completed on top of the weeks decided so far (always valid).
        hint = base if index == 0 else greedy_roster(problem, start=decided, weeks={week})
        if share < 1.0:  # no time left for CP-SAT: keep the hint's week
            decided.update(
                {
                    shift.id: hint.get(shift.id)
                    for shift in problem.open_to_fill
                    if shift.week == week
                }
            )
            stats.week_status.append("NO TIME")
            complete = False
            continue
        result = solve_week(problem, week, decided, hint, share, budget, week_bounds.get(week, 0))
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

    # A last greedy fill takes any shift still fillable; not after a period model, whose
    # roster is already priced as a whole (a filled slot might break a minimum stretch).
    improved = {**base, **decided} if period else greedy_roster(problem, start=decided)
    rejected = check(problem, improved)
    stats.optimizer_violations = len(rejected)
    score = evaluate(problem, improved)
    # Never return an invalid roster (that would be a solver bug, which the tests catch);
    # the greedy leaves minimum-type period rules to CP-SAT, so it may be the invalid one.
    greedy_valid = period is False or not check(problem, base)
    if not rejected and (score.objective <= stats.greedy.objective or not greedy_valid):
        best_roster, best_score, stats.used = improved, score, "optimizer"
    else:
        best_roster, best_score, stats.used = base, stats.greedy, "greedy"
    stats.final = best_score
    stats.objective = best_score.objective
    # Each open shift the flow bound proves costs at least the cheapest required slot.
    cheapest = min(
        (
            problem.open_weight(shift)
            for shift in problem.open_to_fill
            if problem.open_weight(shift)
        ),
        default=problem.rules.weight_open_shift,
    )
    stats.best_bound = float(cheapest * stats.open_lower_bound)
    if period and stats.cpsat_bound is not None and not problem.rules.weight_post_change:
        # The model prices every goal `evaluate` does, up to what fixed shifts contribute
        # (the same in every roster): that offset carries CP-SAT's bound over.
        offset = score.objective - (stats.cpsat_objective or 0.0)
        stats.best_bound = max(stats.best_bound, stats.cpsat_bound + offset)
    stats.hard_violations = len(check(problem, best_roster))
    stats.seconds = time.monotonic() - began
    report("Done", best_roster, stats.open_lower_bound, stats.gap)
    return Solution(best_roster, stats)
