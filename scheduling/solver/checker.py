"""An independent checker: validates any roster against every hard rule.

Deliberately shares no rule code with the greedy or the CP-SAT model (it does not use
`problem.is_qualified`, the model's cliques or their rest windows): a bug in one of them is
caught here rather than repeated. Tests, the benchmark, the background task and publishing use
it. It also explains why an open shift could not be filled (`explain_open`).
"""

from __future__ import annotations

import datetime as dt
import itertools
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
    if guard.contract is not None and (shift.kind, 0) in guard.contract.max_shifts:
        problems.append(("contract", f"does not work {shift.kind} shifts"))
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

    for guard in problem.guards:  # a contract's minimum binds a guard who works nothing
        if guard.id not in by_guard and guard.contract is not None:
            for rule, message, ids in _period_violations(problem, guard, []):
                violations.append(Violation(rule, guard.id, ids, message))
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
        for rule, message, ids in _period_violations(
            problem, problem.guard_by_id[guard_id], shifts
        ):
            violations.append(Violation(rule, guard_id, ids, message))
    return violations


def _blocking_rule(problem: Problem, worked: list[Shift], guard: Guard, shift: Shift) -> str | None:
    """The first rule that assigning `guard` (who works `worked`) to open `shift` would break,
    or None."""
    if problem.spans_period:  # rules over the period: all of the guard's shifts
        mine = [*worked, shift]
    else:  # a week and a bit: every weekly rule looks at most one week around a shift
        near = 9 * 24 * HOUR
        mine = [s for s in worked if abs(s.start - shift.start) <= near] + [shift]
    local = Problem(
        [guard], mine, problem.weeks, problem.rules, problem.site_names, horizon=problem.period
    )
    before = Problem(
        [guard], mine[:-1], problem.weeks, problem.rules, problem.site_names, horizon=problem.period
    )
    # Only what this shift would break (a minimum stretch may be short already).
    found = {v.rule for v in check(local, {s.id: guard.id for s in mine})} - {
        v.rule for v in check(before, {s.id: guard.id for s in mine[:-1]})
    }
    for rule in BLOCKING_ORDER:
        if rule in found:
            return rule
    return None


BLOCKING_ORDER = (
    "overlap",
    "rest",
    "daily cap",
    "weekly cap",
    "weekly rest",
    "succession",
    "consecutive days",
    "consecutive nights",
    "short stretch",
    "days off",
    "weekends",
    "contract hours",
    "shifts of a kind",
)


def _blocking_text(
    problem: Problem, guard: Guard, worked: list[Shift], shift: Shift, rule: str
) -> str:
    """How `rule` blocks `guard` from open `shift`, in a manager's words."""
    rules = problem.rules
    days = {s.day for s in worked} | {shift.day}
    if rule == "consecutive days":
        run, day = 1, shift.day - 1
        while day in days:
            run, day = run + 1, day - 1
        day = shift.day + 1
        while day in days:
            run, day = run + 1, day + 1
        most = _rule_value(guard, "max_consecutive_days", rules.max_consecutive_days)
        return f"would work a {_ordinal(run)} consecutive day (at most {most})"
    if rule == "consecutive nights":
        return f"would work more than {rules.max_consecutive_nights} nights in a row"
    if rule == "succession":
        return "would work a shift kind that may not follow the day before's (or precede the next)"
    if rule == "short stretch":
        least = _rule_value(guard, "min_consecutive_days", rules.min_consecutive_days)
        return f"would work a stretch shorter than {least} days"
    if rule == "days off":
        least = _rule_value(guard, "min_consecutive_days_off", rules.min_consecutive_days_off)
        return f"would have fewer than {least} days off in a row"
    if rule == "weekends":
        most = _rule_value(guard, "max_weekends", rules.max_weekends)
        return f"would work more than {most} weekends"
    if rule == "contract hours":
        return "would exceed their contract's hours"
    if rule == "shifts of a kind":
        return f"would exceed their contract's {shift.kind} shifts"
    return {
        "overlap": "already work then",
        "rest": f"would get less than {_hours(rules.min_rest_minutes)} rest between shifts",
        "daily cap": f"would break the {_hours(rules.max_daily_minutes)} daily cap",
        "weekly cap": f"would break the {_hours(rules.weekly_cap_minutes)} weekly cap",
        "weekly rest": f"would lose the {_hours(rules.weekly_rest_minutes)} weekly rest",
    }[rule]


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
            "contract": "a contract without such shifts",
        }
        parts = [f"{n} {detail[rule]}" for rule, n in sorted(missing.items()) if n]
        return f"No guard with {who} is available for {when}" + (
            f" ({'; '.join(parts)})." if parts else "."
        )
    blocked: dict[str, int] = defaultdict(int)
    for guard in qualified:
        mine = worked.get(guard.id, [])
        rule = _blocking_rule(problem, mine, guard, shift)
        if rule is None:
            if shift.open_weight is not None:  # a priced slot: cover traded for other goals
                return (
                    f"A guard with {who} is free for {when}; it was left open at its "
                    f"price ({problem.open_weight(shift)} points) for the other goals."
                )
            return f"A guard with {who} is free for {when}, but the solver left it open."
        blocked[_blocking_text(problem, guard, mine, shift, rule)] += 1
    parts = [f"{n} {text}" for text, n in sorted(blocked.items(), key=lambda kv: -kv[1])]
    return f"No guard with {who} is free for {when} without breaking a rule: {', '.join(parts)}."


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _rule_value(guard: Guard, own: str, org: int | None) -> int | None:
    """A period rule for `guard`: its contract's value where it has one, else the org's."""
    contract = guard.contract
    value = getattr(contract, own) if contract is not None else None
    return org if value is None else value


def _stretches(days: list[int]) -> list[tuple[int, int]]:
    """Maximal runs of consecutive day ordinals in sorted, distinct `days`: (first, last)."""
    runs: list[tuple[int, int]] = []
    for day in days:
        if runs and runs[-1][1] == day - 1:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _period_violations(
    problem: Problem, guard: Guard, shifts: list[Shift]
) -> list[tuple[str, str, tuple[int, ...]]]:
    """(rule, message, shifts) for each period rule `guard`'s `shifts` break."""
    rules = problem.rules
    found: list[tuple[str, str, tuple[int, ...]]] = []
    first, last = problem.period
    kinds_on: dict[int, list[Shift]] = defaultdict(list)
    for shift in shifts:
        kinds_on[shift.day].append(shift)
    for day, today in kinds_on.items():
        for before in today:
            for after in kinds_on.get(day + 1, ()):
                if (before.kind, after.kind) in rules.forbidden_successions:
                    found.append(
                        (
                            "succession",
                            f"a {after.kind} shift may not follow a {before.kind} shift",
                            (before.id, after.id),
                        )
                    )
    worked = sorted(kinds_on)
    most = _rule_value(guard, "max_consecutive_days", rules.max_consecutive_days)
    if most is not None:
        for start, end in _stretches(worked):
            if end - start + 1 > most:
                found.append(
                    (
                        "consecutive days",
                        f"{end - start + 1} consecutive working days from {day_label(start)} "
                        f"(at most {most})",
                        (),
                    )
                )
    if rules.max_consecutive_nights is not None:
        nights = sorted(
            day
            for day, today in kinds_on.items()
            if any(s.kind in rules.night_kinds for s in today)
        )
        for start, end in _stretches(nights):
            if end - start + 1 > rules.max_consecutive_nights:
                found.append(
                    (
                        "consecutive nights",
                        f"{end - start + 1} consecutive nights from {day_label(start)} "
                        f"(at most {rules.max_consecutive_nights})",
                        (),
                    )
                )
    inside = [day for day in worked if first <= day <= last]
    least = _rule_value(guard, "min_consecutive_days", rules.min_consecutive_days)
    if least is not None:
        for start, end in _stretches(inside):
            if start > first and end < last and end - start + 1 < least:
                found.append(
                    (
                        "short stretch",
                        f"a stretch of {end - start + 1} working days from {day_label(start)} "
                        f"(at least {least})",
                        (),
                    )
                )
    least_off = _rule_value(guard, "min_consecutive_days_off", rules.min_consecutive_days_off)
    if least_off is not None:
        for before, after in itertools.pairwise(inside):
            off = after - before - 1
            if 0 < off < least_off:
                found.append(
                    (
                        "days off",
                        f"only {off} day{'s' if off > 1 else ''} off after "
                        f"{day_label(before)} (at least {least_off})",
                        (),
                    )
                )
    weekends = {
        day - dt.date.fromordinal(day).weekday()
        for day in inside
        if dt.date.fromordinal(day).weekday() in (5, 6)
    }
    most_weekends = _rule_value(guard, "max_weekends", rules.max_weekends)
    if most_weekends is not None and len(weekends) > most_weekends:
        found.append(("weekends", f"{len(weekends)} weekends worked (at most {most_weekends})", ()))
    contract = guard.contract
    if contract is not None:
        period_shifts = [s for s in shifts if s.in_range]
        minutes = sum(s.end - s.start for s in period_shifts)
        if contract.max_minutes is not None and minutes > contract.max_minutes:
            found.append(
                (
                    "contract hours",
                    f"{_hours(minutes)} in the period (contract at most "
                    f"{_hours(contract.max_minutes)})",
                    (),
                )
            )
        if contract.min_minutes is not None and minutes < contract.min_minutes:
            found.append(
                (
                    "contract hours",
                    f"{_hours(minutes)} in the period (contract at least "
                    f"{_hours(contract.min_minutes)})",
                    (),
                )
            )
        for kind, most_of in contract.max_shifts:
            count = sum(1 for s in period_shifts if s.kind == kind)
            if count > most_of:
                found.append(
                    (
                        "shifts of a kind",
                        f"{count} {kind} shifts (contract at most {most_of})",
                        (),
                    )
                )
    return found


def unmet_goals(problem: Problem, roster: Roster) -> list[Violation]:
    """The soft goals a roster misses, each with its points in the message: unmet requests
    and slots under or over their post's cover. Counted here by their own code, so the
    benchmark can cross-check the solver's objective."""
    misses: list[Violation] = []
    worked: dict[tuple[int, int], set[str]] = defaultdict(set)
    for shift in problem.shifts:
        guard_id = roster.get(shift.id, shift.fixed_guard)
        if guard_id is not None:
            worked[(guard_id, shift.day)].add(shift.kind)
        if not shift.in_range:
            continue
        if guard_id is None and shift.open_weight:
            misses.append(
                Violation("under cover", 0, (shift.id,), f"{shift.open_weight} points: open")
            )
        elif guard_id is not None and shift.fill_weight:
            misses.append(
                Violation("over cover", guard_id, (shift.id,), f"{shift.fill_weight} points: extra")
            )
    for request in problem.requests:
        kinds = worked.get((request.guard, request.day), set())
        works = bool(kinds) if request.kind is None else request.kind in kinds
        what = f"a {request.kind} shift" if request.kind else "a shift"
        if request.on and not works:
            misses.append(
                Violation(
                    "shift request",
                    request.guard,
                    (),
                    f"{request.weight} points: wanted {what} on {day_label(request.day)}",
                )
            )
        elif not request.on and works:
            misses.append(
                Violation(
                    "day-off request",
                    request.guard,
                    (),
                    f"{request.weight} points: wanted {what} off on {day_label(request.day)}",
                )
            )
    return misses
