"""The rules over the roster period, the contracts, the requests and priced cover.

For each: the solver keeps it (the rule is what makes the answer differ from the obvious one),
the independent checker catches a roster that breaks it, and the reason given for an open shift
names it. Plain data, no database; every solve is one CP-SAT worker on deterministic time.
"""

from scheduling.solver import (
    HOUR,
    Contract,
    Guard,
    Problem,
    Request,
    Rules,
    Shift,
    Week,
    check,
    evaluate,
    explain_open_shifts,
    solve,
    unmet_goals,
)

DAY = 24 * HOUR
MONDAY = 740041  # date ordinal of Monday 1 March 2027
T0 = 10_000_000  # minutes; any origin works

# The weekly rules out of the way, so each test is about one period rule.
OPEN = Rules(
    max_daily_minutes=DAY,
    max_weekly_minutes=7 * DAY,
    max_weekly_overtime_minutes=0,
    min_rest_minutes=0,
    weekly_rest_minutes=0,
    weight_post_change=0,
    weight_fairness=0,
    weight_overtime=0,
)


def _shift(sid, day, kind="day", hours=8, **kwargs):
    start = T0 + day * DAY + (20 if kind == "night" else 6) * HOUR
    return Shift(
        id=sid,
        site=1,
        client=1,
        start=start,
        end=start + hours * HOUR,
        day=MONDAY + day,
        end_day=MONDAY + day + (1 if kind == "night" else 0),
        week=MONDAY + 7 * (day // 7),
        kind=kind,
        label=f"day {day} {kind}",
        **kwargs,
    )


def _problem(shifts, guards=None, days=14, requests=(), **rules):
    weeks = {
        MONDAY + 7 * w: Week(MONDAY + 7 * w, T0 + 7 * w * DAY, T0 + 7 * (w + 1) * DAY)
        for w in range((days + 6) // 7)
    }
    return Problem(
        guards or [Guard(1, "C")],
        shifts,
        weeks,
        Rules(**{**OPEN.__dict__, **rules}),
        requests=list(requests),
        horizon=(MONDAY, MONDAY + days - 1),
    )


def _solve(problem):
    solution = solve(problem, deterministic_limit=3, workers=1)
    assert check(problem, solution.roster) == []
    assert solution.stats.used == "optimizer"
    return solution.roster


def _rules(problem, roster):
    return {v.rule for v in check(problem, roster)}


def _open_reasons(problem, roster):
    return " ".join(explain_open_shifts(problem, roster).values())


def test_max_consecutive_days_holds_across_the_week_boundary():
    # Friday to Thursday: seven days over two ISO weeks; at most six in a row.
    shifts = [_shift(day, day) for day in range(4, 11)]
    problem = _problem(shifts, max_consecutive_days=6)
    roster = _solve(problem)
    assert sum(guard is not None for guard in roster.values()) == 6
    assert "consecutive days" in _rules(problem, {s.id: 1 for s in shifts})
    rested = {**roster, **{sid: 1 for sid, guard in roster.items() if guard is None}}
    assert _rules(problem, {**rested, 4: None}) == set()  # six in a row are fine
    open_id = next(sid for sid, guard in roster.items() if guard is None)
    if open_id not in (4, 10):  # an inner day left open joins both sides
        assert "would work a 7th consecutive day (at most 6)" in _open_reasons(problem, roster)
    assert "consecutive day" in _open_reasons(problem, roster)


def test_max_consecutive_nights():
    shifts = [_shift(day, day, "night") for day in range(4)]
    problem = _problem(shifts, max_consecutive_nights=3)
    roster = _solve(problem)
    assert sum(guard is not None for guard in roster.values()) == 3
    assert _rules(problem, {s.id: 1 for s in shifts}) == {"consecutive nights"}
    assert "nights in a row" in _open_reasons(problem, roster)
    # Days do not count as nights.
    mixed = [_shift(0, 0, "night"), _shift(1, 1), _shift(2, 2, "night"), _shift(3, 3, "night")]
    mixed_problem = _problem(mixed, max_consecutive_nights=2)
    assert _rules(mixed_problem, {s.id: 1 for s in mixed}) == set()


def test_no_day_shift_straight_after_a_night():
    shifts = [_shift(1, 0, "night"), _shift(2, 1, "day")]
    problem = _problem(shifts, forbidden_successions=frozenset({("night", "day")}))
    roster = _solve(problem)
    assert sum(guard is not None for guard in roster.values()) == 1
    assert _rules(problem, {1: 1, 2: 1}) == {"succession"}
    assert "may not follow" in _open_reasons(problem, roster)
    # The other way round is allowed.
    reverse = [_shift(1, 0, "day"), _shift(2, 1, "night")]
    allowed = _problem(reverse, forbidden_successions=frozenset({("night", "day")}))
    assert _rules(allowed, {1: 1, 2: 1}) == set()


def test_days_off_come_in_pairs_inside_the_period():
    # Working Tuesday and Thursday leaves one day off between them.
    shifts = [_shift(1, 1), _shift(3, 3)]
    problem = _problem(shifts, days=7, min_consecutive_days_off=2)
    roster = _solve(problem)
    assert sum(guard is not None for guard in roster.values()) == 1
    assert _rules(problem, {1: 1, 3: 1}) == {"days off"}
    assert "fewer than 2 days off in a row" in _open_reasons(problem, roster)
    # A single day off at the period's edge may continue outside it: allowed.
    edge = [_shift(1, 1), _shift(2, 2)]
    assert _rules(_problem(edge, days=7, min_consecutive_days_off=2), {1: 1, 2: 1}) == set()


def test_min_consecutive_working_days_exempts_the_periods_edges():
    inner = [_shift(3, 3)]
    problem = _problem(inner, days=7, min_consecutive_days=2)
    roster = _solve(problem)
    assert roster == {3: None}  # a one-day stretch inside the period
    assert _rules(problem, {3: 1}) == {"short stretch"}
    assert "stretch shorter than 2 days" in _open_reasons(problem, roster)
    edge = [_shift(0, 0)]
    edge_problem = _problem(edge, days=7, min_consecutive_days=2)
    assert _solve(edge_problem) == {0: 1}  # touches day 0: may continue before it


def test_max_weekends_in_the_period():
    saturdays = [_shift(5, 5), _shift(12, 12)]
    problem = _problem(saturdays, max_weekends=1)
    roster = _solve(problem)
    assert sum(guard is not None for guard in roster.values()) == 1
    assert _rules(problem, {5: 1, 12: 1}) == {"weekends"}
    assert "more than 1 weekends" in _open_reasons(problem, roster)
    # Saturday and Sunday are one weekend.
    both = [_shift(5, 5), _shift(6, 6)]
    assert _rules(_problem(both, max_weekends=1), {5: 1, 6: 1}) == set()


def test_contract_max_minutes_and_max_shifts_of_a_kind():
    part_time = Guard(1, "C", contract=Contract(max_minutes=16 * HOUR))
    shifts = [_shift(day, day) for day in range(3)]
    problem = _problem(shifts, guards=[part_time])
    roster = _solve(problem)
    assert sum(guard is not None for guard in roster.values()) == 2
    assert _rules(problem, {s.id: 1 for s in shifts}) == {"contract hours"}
    assert "contract's hours" in _open_reasons(problem, roster)

    one_night = Guard(1, "C", contract=Contract(max_shifts=(("night", 1),)))
    nights = [_shift(0, 0, "night"), _shift(3, 3, "night")]
    problem = _problem(nights, guards=[one_night])
    roster = _solve(problem)
    assert sum(guard is not None for guard in roster.values()) == 1
    assert _rules(problem, {0: 1, 3: 1}) == {"shifts of a kind"}
    assert "contract's night shifts" in _open_reasons(problem, roster)


def test_a_guard_whose_contract_allows_no_shift_of_a_kind_is_no_candidate_for_it():
    # Who qualifies was cached per day without the kind: the day shift's guards stood for the
    # night shift too, so a days-only guard was a candidate (held off by a constraint only)
    # and took a place among the few candidates a big model keeps per shift.
    from scheduling.solver.greedy import qualified_guards

    days_only = Guard(1, "C", contract=Contract(max_shifts=(("night", 0),)))
    anyone = Guard(2, "C")
    day, night = _shift(1, 0), _shift(2, 0, "night")
    problem = _problem([day, night], guards=[days_only, anyone])
    assert [g.id for g in qualified_guards(problem, day)] == [1, 2]
    assert [g.id for g in qualified_guards(problem, night)] == [2]  # after the day shift's
    cold = _problem([day, night], guards=[days_only, anyone])
    assert [g.id for g in qualified_guards(cold, night)] == [2]


def test_contract_min_minutes_fills_optional_slots_at_their_price():
    # Optional slots (over-cover) cost a point each when filled; the contract's minimum
    # makes the guard take two of them anyway.
    shifts = [_shift(day, day, open_weight=0, fill_weight=1) for day in range(4)]
    free = _problem(shifts, guards=[Guard(1, "C")])
    assert _solve(free) == dict.fromkeys(range(4))
    full_time = Guard(1, "C", contract=Contract(min_minutes=16 * HOUR))
    problem = _problem(shifts, guards=[full_time])
    roster = _solve(problem)
    assert sum(guard is not None for guard in roster.values()) == 2
    assert evaluate(problem, roster).objective == 2
    assert _rules(problem, dict.fromkeys(range(4))) == {"contract hours"}
    assert {v.rule for v in unmet_goals(problem, roster)} == {"over cover"}


def test_guard_requests_are_weighed():
    guards = [Guard(1, "C"), Guard(2, "C")]
    shifts = [_shift(1, 0)]
    wants = _problem(shifts, guards=guards, requests=[Request(2, MONDAY, "day", True, 5)])
    assert _solve(wants) == {1: 2}
    assert [v.rule for v in unmet_goals(wants, {1: 1})] == ["shift request"]
    assert evaluate(wants, {1: 1}).soft == 5

    day_off = _problem(shifts, guards=guards, requests=[Request(1, MONDAY, None, False, 3)])
    assert _solve(day_off) == {1: 2}
    assert [v.rule for v in unmet_goals(day_off, {1: 1})] == ["day-off request"]
    assert evaluate(day_off, {1: 1}).soft == 3


def test_a_post_can_run_short_at_a_price():
    # Three guards wanted at once, two available: one slot open at its under-cover price.
    slots = [_shift(sid, 0, open_weight=50) for sid in range(3)]
    problem = _problem(slots, guards=[Guard(1, "C"), Guard(2, "C")])
    roster = _solve(problem)
    assert sorted(g for g in roster.values() if g is not None) == [1, 2]
    score = evaluate(problem, roster)
    assert score.open_shifts == 1 and score.objective == 50
    assert [v.rule for v in unmet_goals(problem, roster)] == ["under cover"]
    assert "already work then" in _open_reasons(problem, roster)
    # A cheap slot is left open when filling it would cost more elsewhere: here a request.
    cheap = [_shift(7, 2, open_weight=2)]
    wish = _problem(cheap, requests=[Request(1, MONDAY + 2, None, False, 5)])
    assert _solve(wish) == {7: None}
    assert "left open at its price (2 points)" in _open_reasons(wish, {7: None})


def test_default_rules_keep_the_week_by_week_solver(monkeypatch):
    def no_period_model(*args, **kwargs):
        raise AssertionError("a problem without period rules was solved as one period")

    monkeypatch.setattr("scheduling.solver.solve_period", no_period_model)
    problem = _problem([_shift(day, day) for day in range(3)])
    assert not problem.spans_period
    solution = solve(problem, deterministic_limit=3, workers=1)
    assert all(guard == 1 for guard in solution.roster.values())
    assert _problem([_shift(0, 0)], max_weekends=2).spans_period
