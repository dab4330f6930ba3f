"""Property tests of the solver core on random small instances (no database).

Every roster the greedy or the optimizer returns is checked by the independent checker; the
flow bound never exceeds what a solver achieves; with enough capacity dedicated guards stay
at their own client's sites.

Bounded by work, not by the clock: Hypothesis draws the same examples on every run
(`derandomize`) and the optimizer gets CP-SAT deterministic time on one worker (`_work`), so
a run passes or fails the same way on any machine.
"""

import dataclasses
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.solver import HOUR, Guard, Rules, check, evaluate, open_lower_bound, solve
from scheduling.solver.greedy import greedy
from scheduling.solver.synthetic import random_problem


def _work(problem) -> float:
    """CP-SAT deterministic time for a solve: 1.5 a week. `solve` leaves a week whose share is
    below 1.0 to the greedy, and a week may spend a little more than its share."""
    return 1.5 * len(problem.weeks)


rules_strategy = st.builds(
    Rules,
    max_daily_minutes=st.sampled_from([8 * HOUR, 12 * HOUR, 14 * HOUR]),
    max_weekly_minutes=st.sampled_from([40 * HOUR, 48 * HOUR]),
    max_weekly_overtime_minutes=st.sampled_from([0, 10 * HOUR]),
    min_rest_minutes=st.sampled_from([8 * HOUR, 12 * HOUR]),
    weekly_rest_minutes=st.sampled_from([24 * HOUR, 36 * HOUR, 60 * HOUR]),
)

instances = st.builds(
    lambda seed, guards, sites, weeks, rules, fixed: _with_fixed(
        random_problem(seed=seed, guards=guards, sites=sites, weeks=weeks, rules=rules), fixed
    ),
    seed=st.integers(0, 10_000),
    guards=st.integers(1, 12),
    sites=st.integers(1, 4),
    weeks=st.integers(1, 2),
    rules=rules_strategy,
    fixed=st.integers(0, 5),
)


def _with_fixed(problem, count):
    """Pin the greedy's first `count` assignments, as a manager's published shifts."""
    roster = greedy(problem)
    pinned = [sid for sid, g in roster.items() if g is not None][:count]
    shifts = [
        dataclasses.replace(s, fixed_guard=roster[s.id]) if s.id in pinned else s
        for s in problem.shifts
    ]
    return dataclasses.replace(problem, shifts=shifts)


spans = st.lists(st.tuples(st.integers(0, 200), st.integers(1, 60)), max_size=8).map(
    lambda pairs: tuple((start, start + length) for start, length in pairs)
)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(spans, st.integers(0, 260), st.integers(1, 40))
def test_a_guard_is_away_exactly_when_an_absence_overlaps(absences, start, length):
    # `Guard.away` bisects (the greedy asks it for every shift and candidate); spans may
    # overlap and come in any order.
    guard = Guard(id=1, grade="E", absences=absences)
    overlaps = any(leave < start + length and start < back for leave, back in absences)
    assert guard.away(start, start + length) == overlaps


@settings(max_examples=12, deadline=None, derandomize=True)
@given(instances)
def test_greedy_rosters_break_no_hard_rule(problem):
    roster = greedy(problem)
    assert check(problem, roster) == []
    assert evaluate(problem, roster).open_shifts >= open_lower_bound(problem)


@settings(max_examples=6, deadline=None, derandomize=True)
@given(instances)
def test_optimized_rosters_break_no_hard_rule_and_keep_fixed_shifts(problem):
    solution = solve(problem, deterministic_limit=_work(problem), workers=1)
    assert check(problem, solution.roster) == []
    assert solution.stats.optimizer_violations == 0  # CP-SAT itself, before any fallback
    for s in problem.shifts:
        if s.fixed_guard is not None and s.in_range:
            assert solution.roster[s.id] == s.fixed_guard
    final = solution.stats.final
    assert final.open_shifts >= solution.stats.open_lower_bound
    assert final.objective <= solution.stats.greedy.objective


@settings(max_examples=5, deadline=None, derandomize=True)
@given(seed=st.integers(0, 10_000), clients=st.integers(1, 3), flex=st.integers(0, 3))
def test_with_enough_capacity_dedicated_guards_work_only_their_own_clients_sites(
    seed, clients, flex
):
    base = random_problem(
        seed=seed, guards=1, sites=clients * 3, weeks=1, armed_share=0, induction_share=0
    )
    # Each client gets all-round dedicated guards for a third more shifts than it has (a guard
    # works at most four 12 h shifts a week), plus a few flex guards.
    shifts_per_client: dict[int, int] = {}
    for s in base.shifts:
        shifts_per_client[s.client] = shifts_per_client.get(s.client, 0) + 1
    guards = []
    for client, count in shifts_per_client.items():
        for _ in range(count // 3 + 2):
            guards.append(Guard(id=len(guards) + 1, grade="A", client=client))
    for _ in range(flex):
        guards.append(Guard(id=len(guards) + 1, grade="A"))
    problem = dataclasses.replace(base, guards=guards)
    by_id = {g.id: g for g in guards}
    solution = solve(problem, deterministic_limit=_work(problem), workers=1)
    for roster in (greedy(problem), solution.roster):
        assert check(problem, roster) == []
        assert all(g is not None for g in roster.values())
        for sid, g in roster.items():
            shift = problem.shift_by_id[sid]
            assert by_id[g].client in (None, shift.client)


def test_the_solver_package_never_imports_django():
    """scheduling.solver is plain Python (scheduling.adapter is the one place that knows both
    the ORM and the solver): importing every module of it loads no Django."""
    modules = ["bound", "checker", "greedy", "model", "problem", "search", "synthetic"]
    code = (
        f"import sys, scheduling.solver, {', '.join(f'scheduling.solver.{m}' for m in modules)}; "
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
