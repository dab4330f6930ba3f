"""The independent checker: each hard rule is caught, and open shifts get a reason."""

import dataclasses

import pytest

from scheduling.solver import HOUR, Guard, Problem, Rules, Shift, Week, check, explain_open_shifts

DAY = 24 * HOUR
MONDAY = 740041  # date ordinal of Monday 1 March 2027
T0 = 10_000_000 * HOUR // HOUR  # minutes; any origin works for the checker


def _shift(sid, day, start_hour, hours, **kwargs):
    start = T0 + day * DAY + start_hour * HOUR
    end = start + hours * HOUR
    return Shift(
        id=sid,
        site=kwargs.pop("site", 1),
        client=kwargs.pop("client", 1),
        start=start,
        end=end,
        day=MONDAY + day,
        end_day=MONDAY + day + (1 if start_hour + hours > 24 else 0),
        week=MONDAY + 7 * (day // 7),
        **kwargs,
    )


def _problem(shifts, guards=None, rules=None):
    weeks = {
        MONDAY + 7 * w: Week(MONDAY + 7 * w, T0 + 7 * w * DAY, T0 + 7 * (w + 1) * DAY)
        for w in range(2)
    }
    return Problem(guards or [Guard(1, "C")], shifts, weeks, rules or Rules())


def _rules(problem, roster):
    return sorted({v.rule for v in check(problem, roster)})


def test_valid_roster_has_no_violations():
    p = _problem([_shift(1, 0, 6, 12), _shift(2, 1, 6, 12), _shift(3, 2, 6, 12)])
    assert check(p, {1: 1, 2: 1, 3: 1}) == []


@pytest.mark.parametrize(
    ("guard", "shift_kwargs", "rule"),
    [
        (Guard(1, "D"), {"grade": "C"}, "grade"),
        (Guard(1, "C"), {"armed": True}, "firearm"),
        (Guard(1, "C", firearm_expires=MONDAY - 1), {"armed": True}, "firearm"),
        (Guard(1, "C", registration_expires=MONDAY - 1), {}, "registration"),
        (Guard(1, "C"), {"induction": True}, "induction"),
        (Guard(1, "C", absences=((T0, T0 + DAY),)), {}, "absence"),
    ],
)
def test_each_qualification_rule_is_caught(guard, shift_kwargs, rule):
    p = _problem([_shift(1, 0, 6, 12, **shift_kwargs)], guards=[guard])
    assert _rules(p, {1: 1}) == [rule]


def test_qualified_guard_passes_the_same_shifts():
    guard = Guard(1, "A", firearm_expires=MONDAY + 400, inducted_sites=frozenset({1}))
    p = _problem([_shift(1, 0, 6, 12, grade="A", armed=True, induction=True)], guards=[guard])
    assert check(p, {1: 1}) == []


def test_overlap_and_short_rest_are_caught():
    overlap = _problem([_shift(1, 0, 6, 12), _shift(2, 0, 10, 4)])
    assert "overlap" in _rules(overlap, {1: 1, 2: 1})
    night_then_day = _problem([_shift(1, 0, 18, 12), _shift(2, 1, 6, 12)])
    assert _rules(night_then_day, {1: 1, 2: 1}) == ["rest"]


def test_daily_and_weekly_caps_are_caught():
    daily = _problem([_shift(1, 0, 0, 6), _shift(2, 0, 18, 6)], rules=Rules(min_rest_minutes=0))
    assert _rules(daily, {1: 1, 2: 1}) == []
    tight = dataclasses.replace(Rules(), max_daily_minutes=11 * HOUR, min_rest_minutes=0)
    daily = _problem([_shift(1, 0, 0, 6), _shift(2, 0, 18, 6)], rules=tight)
    assert _rules(daily, {1: 1, 2: 1}) == ["daily cap"]
    five_days = [_shift(i, i, 6, 12) for i in range(5)]  # 60 h > 48 + 10
    assert "weekly cap" in _rules(_problem(five_days), {i: 1 for i in range(5)})


def test_weekly_rest_is_caught():
    # Nights Mon..Sat with 12 h between them: never 36 h off in the week.
    nights = [_shift(i, i, 18, 12) for i in range(6)]
    rules = Rules(max_weekly_overtime_minutes=40 * HOUR)
    assert _rules(_problem(nights, rules=rules), {i: 1 for i in range(6)}) == ["weekly rest"]
    assert _rules(_problem(nights[:4], rules=rules), {i: 1 for i in range(4)}) == []


def test_a_changed_fixed_assignment_is_caught():
    p = _problem([_shift(1, 0, 6, 12, fixed_guard=1)], guards=[Guard(1, "C"), Guard(2, "C")])
    assert _rules(p, {1: 2}) == ["fixed"]


def test_open_shift_reasons_name_the_requirement_and_the_rule():
    armed_a = _shift(1, 0, 18, 12, grade="A", armed=True, label="Mon 01 Mar 18:00-06:00 at Gate")
    p = _problem([armed_a], guards=[Guard(1, "B", firearm_expires=MONDAY + 400), Guard(2, "A")])
    reason = explain_open_shifts(p, {1: None})[1]
    assert "grade A and a valid firearm competency" in reason
    assert "Mon 01 Mar 18:00-06:00 at Gate" in reason
    assert "1 too low a grade" in reason and "1 no valid firearm competency" in reason

    busy = [_shift(i, i, 6, 12) for i in range(4)] + [_shift(9, 5, 6, 12)]
    p = _problem(busy)
    reason = explain_open_shifts(p, {0: 1, 1: 1, 2: 1, 3: 1, 9: None})[9]
    assert "would break the 58 h weekly cap" in reason
