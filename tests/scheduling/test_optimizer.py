"""The optimizer's guarantees on instances whose answer is known.

Every solve is bounded by CP-SAT's deterministic time on one worker, not by seconds, so the
results are the same on a fast machine and on a loaded one; but for the one test of a rule the
wall clock alone has (time to build a model), which asserts the time given, not the roster.
"""

import dataclasses

from scheduling.solver import Guard, check, evaluate, open_lower_bound, solve
from scheduling.solver.greedy import greedy
from scheduling.solver.synthetic import random_problem


def _one_site_problem(guards):
    problem = random_problem(seed=3, guards=1, sites=1, weeks=1, armed_share=0, induction_share=0)
    # A new problem, not the old one changed: a problem caches what it derives.
    return dataclasses.replace(problem, guards=guards)


def test_lower_bound_knows_one_guard_works_at_most_four_12_hour_shifts_a_week():
    problem = _one_site_problem([Guard(1, "A")])
    twelve_hour = [s for s in problem.shifts if s.minutes == 12 * 60]
    ten_hour = [s for s in problem.shifts if s.minutes == 10 * 60]
    # 58 h a week: four 12 h shifts, or four 12 h and one 10 h, or five 10 h shifts.
    expected = len(problem.shifts) - (4 + (1 if ten_hour else 0) if twelve_hour else 5)
    assert open_lower_bound(problem) == expected
    solution = solve(problem, deterministic_limit=5, workers=1)
    assert solution.stats.final.open_shifts == expected  # the bound is reached: proven
    assert check(problem, solution.roster) == []


def test_optimizer_beats_greedy_and_reports_objective_bound_and_progress():
    problem = random_problem(seed=11, guards=14, sites=3, weeks=1)
    seen = []
    solution = solve(problem, deterministic_limit=2, workers=1, progress=seen.append)
    stats = solution.stats
    assert check(problem, solution.roster) == []
    assert stats.final == evaluate(problem, solution.roster)
    assert stats.final.objective <= stats.greedy.objective
    assert stats.open_lower_bound <= stats.final.open_shifts
    assert stats.objective == stats.final.objective
    assert stats.best_bound == 1000 * stats.open_lower_bound <= stats.objective
    assert 0 <= stats.gap <= 1 and stats.open_gap >= 0
    # The week was small enough for one CP-SAT model: its own objective and bound are known.
    assert stats.cpsat_bound <= stats.cpsat_objective + 1e-6
    assert [p.phase for p in seen][:2] == ["Greedy roster built", "Lower bound computed"]
    assert seen[-1].phase == "Done" and seen[-1].open == stats.final.open_shifts


def test_a_deterministic_limit_gives_the_same_roster_on_every_run():
    problem = random_problem(seed=11, guards=14, sites=3, weeks=1)
    first, second = (solve(problem, deterministic_limit=1, workers=1) for _ in range(2))
    assert first.stats.week_status != ["NO TIME"]  # CP-SAT ran
    assert first.roster == second.roster
    assert first.stats.cpsat_objective == second.stats.cpsat_objective
    assert first.stats.cpsat_bound == second.stats.cpsat_bound


def test_nobody_qualified_means_every_shift_open_with_a_reason():
    problem = _one_site_problem([Guard(1, "E")])
    problem = dataclasses.replace(
        problem, shifts=[dataclasses.replace(s, grade="A") for s in problem.shifts]
    )
    roster = greedy(problem)
    assert all(g is None for g in roster.values())
    assert open_lower_bound(problem) == len(problem.shifts)


def test_on_the_clock_each_client_of_a_big_week_gets_time_to_build_its_model(monkeypatch):
    # A week too big for one model ends with one client's sites at a time. The time was split
    # evenly over every client: bench tier L's 300 clients had 0.03 s each, less than building
    # a client's model takes, so none was ever solved. Now each gets at least CLUSTER_STEP
    # (what one leaves goes to the next), and the time reaches fewer clients.
    from scheduling.solver import search

    problem = random_problem(seed=2, guards=600, sites=90, weeks=1)
    # The greedy leaves no shift open, so all the week's time goes to the clients' sites.
    assert evaluate(problem, greedy(problem)).open_shifts == 0
    clients = {}
    for shift in problem.open_to_fill:
        clients.setdefault(shift.client, set()).add(shift.id)
    steps = []
    solve_submodel = search._solve_submodel

    def recording(problem, week, decided, current, subset, limit, *args):
        if subset is not None and subset in clients.values():
            steps.append(limit)
        return solve_submodel(problem, week, decided, current, subset, limit, *args)

    monkeypatch.setattr(search, "_solve_submodel", recording)
    solution = solve(problem, time_limit=6, workers=2)
    assert solution.stats.week_status == ["LNS"]
    assert check(problem, solution.roster) == []
    assert len(steps) < len(clients)  # 30 clients, 6 s: not every one
    assert steps[0] >= search.CLUSTER_STEP
    # Below CLUSTER_STEP a step is all the time left, which only shrinks: none after it is
    # longer, or back above the floor.
    short = [step for step in steps if step < search.CLUSTER_STEP]
    assert steps[len(steps) - len(short) :] == short == sorted(short, reverse=True)
