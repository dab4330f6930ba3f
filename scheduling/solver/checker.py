"""An independent checker: validates any roster against every hard rule.

Deliberately shares no rule code with the greedy or the CP-SAT model (it does not use
`problem.is_qualified`, the model's cliques or their rest windows): a bug in one of them is
caught here rather than repeated. Tests, the benchmark, the background task and publishing use
it. It also explains why an open shift could not be filled (`explain_open`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from scheduling.solver.problem import HOUR, Guard, Problem, Roster, Shift, day_label

GRADES = "ABCDE"


@dataclass(frozen=True)
class Violation:
    rule: str
    guard: int
    shifts: tuple[int, ...]
    message: str


def _hours(minutes: int) -> str:
    return f"{minutes / HOUR:g} h"


def _qualification_problems(guard: Guard, shift: Shift) -> list[tuple[str, str]]:
    """(rule, message) for each qualification `guard` lacks for `shift`."""
    problems = []
    if GRADES.index(guard.grade) > GRADES.index(shift.grade):
        problems.append(("grade", f"grade {guard.grade} is below the required {shift.grade}"))
    if guard.registration_expires is not None and guard.registration_expires < shift.end_day:
        problems.append(("registration", "PSIRA registration has expired"))
    if shift.armed:
        if guard.firearm_expires is None:
            problems.append(("firearm", "has no firearm competency"))
        elif guard.firearm_expires < shift.end_day:
            problems.append(("firearm", "firearm competency has expired"))
    if shift.induction and shift.site not in guard.inducted_sites:
        problems.append(("induction", "is not inducted at the site"))
    for start, end, label in guard.unavailable:
        if start < shift.end and shift.start < end:
            problems.append(("unavailable", f"is unavailable then ({label})"))
            break
    labelled = {(start, end) for start, end, _ in guard.unavailable}  # also in absences
    for start, end in guard.absences:
        if (start, end) not in labelled and start < shift.end and shift.start < end:
            problems.append(("absence", "is on leave or unavailable"))
            break
    return problems


def check(problem: Problem, roster: Roster) -> list[Violation]:
    """Every hard-rule violation in `roster` (fixed assignments included); [] when valid."""
    rules = problem.rules
    violations: list[Violation] = []
    by_guard: dict[int, list[Shift]] = defaultdict(list)
    for shift in problem.shifts:
        guard_id = roster.get(shift.id, shift.fixed_guard)
        if shift.fixed_guard is not None and guard_id != shift.fixed_guard:
            violations.append(
                Violation("fixed", guard_id or 0, (shift.id,), "A fixed assignment was changed.")
            )
        if guard_id is None:
            continue
        guard = problem.guard_by_id.get(guard_id)
        if guard is None:
            violations.append(
                Violation("unknown guard", guard_id, (shift.id,), "Not a guard of this roster.")
            )
            continue
        by_guard[guard_id].append(shift)
        for rule, message in _qualification_problems(guard, shift):
            violations.append(Violation(rule, guard_id, (shift.id,), message))

    for guard_id, shifts in by_guard.items():
        shifts.sort(key=lambda s: (s.start, s.end))
        latest: Shift | None = None
        for shift in shifts:
            if latest is not None:
                if shift.start < latest.end:
                    violations.append(
                        Violation("overlap", guard_id, (latest.id, shift.id), "double-booked")
                    )
                elif shift.start - latest.end < rules.min_rest_minutes:
                    violations.append(
                        Violation(
                            "rest",
                            guard_id,
                            (latest.id, shift.id),
                            f"less than {_hours(rules.min_rest_minutes)} between shifts",
                        )
                    )
            if latest is None or shift.end > latest.end:
                latest = shift
        per_day: dict[int, int] = defaultdict(int)
        per_week: dict[int, int] = defaultdict(int)
        for shift in shifts:
            per_day[shift.day] += shift.end - shift.start
            per_week[shift.week] += shift.end - shift.start
        for day, minutes in per_day.items():
            if minutes > rules.max_daily_minutes:
                violations.append(
                    Violation("daily cap", guard_id, (), f"{_hours(minutes)} on {day_label(day)}")
                )
        for week, minutes in per_week.items():
            if minutes > rules.weekly_cap_minutes:
                violations.append(
                    Violation(
                        "weekly cap", guard_id, (), f"{_hours(minutes)} in week {day_label(week)}"
                    )
                )
        for week in problem.weeks.values():
            cursor, longest = week.start, 0
            for shift in shifts:  # sorted by start
                if shift.end <= cursor or shift.start >= week.end:
                    continue
                longest = max(longest, shift.start - cursor)
                cursor = max(cursor, shift.end)
            longest = max(longest, week.end - cursor)
            if longest < rules.weekly_rest_minutes:
                violations.append(
                    Violation(
                        "weekly rest",
                        guard_id,
                        (),
                        f"longest rest in week {day_label(week.key)} is {_hours(longest)}",
                    )
                )
    return violations


def _blocking_rule(problem: Problem, worked: list[Shift], guard: Guard, shift: Shift) -> str | None:
    """The first rule that assigning `guard` (who works `worked`) to open `shift` would break,
    or None."""
    near = 9 * 24 * HOUR  # a week and a bit: every rule looks at most one week around a shift
    mine = [s for s in worked if abs(s.start - shift.start) <= near] + [shift]
    local = Problem([guard], mine, problem.weeks, problem.rules, problem.site_names)
    found = {v.rule for v in check(local, {s.id: guard.id for s in mine})}
    for rule in ("overlap", "rest", "daily cap", "weekly cap", "weekly rest"):
        if rule in found:
            return rule
    return None


def explain_open_shifts(problem: Problem, roster: Roster) -> dict[int, str]:
    """A reason for every open in-range shift of `roster`, by shift id."""
    worked: dict[int, list[Shift]] = defaultdict(list)
    for s in problem.shifts:
        guard_id = roster.get(s.id, s.fixed_guard)
        if guard_id is not None:
            worked[guard_id].append(s)
    return {
        s.id: explain_open(problem, worked, s)
        for s in problem.shifts
        if s.in_range and roster.get(s.id, s.fixed_guard) is None
    }


def explain_open(problem: Problem, worked: dict[int, list[Shift]], shift: Shift) -> str:
    """A sentence a manager understands: why no guard could take this open shift.

    `worked` holds each guard's assigned shifts (see `explain_open_shifts`).
    """
    rules = problem.rules
    needs = [f"grade {shift.grade}" + (" or higher" if shift.grade != "A" else "")]
    if shift.armed:
        needs.append("a valid firearm competency")
    if shift.induction:
        needs.append(f"the induction for {problem.site_name(shift.site)}")
    who = " and ".join([", ".join(needs[:-1]), needs[-1]] if len(needs) > 1 else needs)
    when = shift.label or f"{day_label(shift.day)} at {problem.site_name(shift.site)}"

    qualified: list[Guard] = []
    missing: dict[str, int] = defaultdict(int)
    for guard in problem.guards:
        problems = _qualification_problems(guard, shift)
        if problems:
            missing[problems[0][0]] += 1
        else:
            qualified.append(guard)
    if not qualified:
        detail = {
            "grade": "too low a grade",
            "firearm": "no valid firearm competency",
            "registration": "an expired PSIRA registration",
            "induction": "no induction there",
            "absence": "leave or unavailability",
            "unavailable": "unavailable then",
        }
        parts = [f"{n} {detail[rule]}" for rule, n in sorted(missing.items()) if n]
        return f"No guard with {who} is available for {when}" + (
            f" ({'; '.join(parts)})." if parts else "."
        )
    blocked: dict[str, int] = defaultdict(int)
    for guard in qualified:
        rule = _blocking_rule(problem, worked.get(guard.id, []), guard, shift)
        if rule is None:
            return f"A guard with {who} is free for {when}, but the solver left it open."
        blocked[rule] += 1
    text = {
        "overlap": "already work then",
        "rest": f"would get less than {_hours(rules.min_rest_minutes)} rest between shifts",
        "daily cap": f"would break the {_hours(rules.max_daily_minutes)} daily cap",
        "weekly cap": f"would break the {_hours(rules.weekly_cap_minutes)} weekly cap",
        "weekly rest": f"would lose the {_hours(rules.weekly_rest_minutes)} weekly rest",
    }
    parts = [f"{n} {text[rule]}" for rule, n in sorted(blocked.items(), key=lambda kv: -kv[1])]
    return f"No guard with {who} is free for {when} without breaking a rule: {', '.join(parts)}."
