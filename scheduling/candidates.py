"""Who can take a shift, best first, and why the others can't: the advice on the shift page
and the rule check of every hand edit (assign, swap, pick-up).

There is no second copy of the rules here. A guard may take a shift exactly when the
independent checker (`scheduling.solver.check`, the one that validates every roster the
optimizer makes) finds no new violation once the guard works it; each reason shown is a
violation the checker reported, in a manager's words. Rules added to the checker show up
here by themselves (unknown ones with the checker's own message).
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import defaultdict
from dataclasses import dataclass, replace

from employees.models import Employee
from scheduling.adapter import build_problem, organization_timezone
from scheduling.models import Shift
from scheduling.solver import HOUR, Problem, check
from scheduling.solver import Shift as ShiftData
from scheduling.solver.problem import Guard, preference_tier

# Every labour rule looks at most a week and a bit around a shift (adapter.CONTEXT).
_NEAR = 9 * 24 * HOUR


@dataclass(frozen=True)
class Candidate:
    employee: Employee
    reasons: tuple[str, ...]  # empty: free and qualified
    week_hours: float  # hours already worked in the shift's week
    tier: int  # 0 dedicated to the shift's client, 1 flex pool, 2 another client's

    @property
    def fits(self) -> bool:
        return not self.reasons


def _hours(minutes: int) -> str:
    return f"{minutes / HOUR:g} h"


class _Context:
    """The problem over some days: every active guard with the shifts they work, and one
    shift in focus at a time (`focus`) with the shifts its guard candidates work near it."""

    def __init__(
        self, start_date: dt.date, end_date: dt.date, *, leaving: frozenset[int] = frozenset()
    ) -> None:
        self.problem: Problem = build_problem(start_date=start_date, end_date=end_date)
        self.leaving = leaving

    @classmethod
    def around(cls, shift: Shift, *, leaving: frozenset[int] = frozenset()) -> _Context:
        day = shift.start.astimezone(organization_timezone()).date()
        context = cls(day, day + dt.timedelta(1), leaving=leaving)
        context.focus(shift.pk)
        return context

    def focus(self, shift_id: int) -> None:
        # The shift is judged empty (its own guard is leaving it) and so are `leaving` shifts.
        self.target: ShiftData = replace(self.problem.shift_by_id[shift_id], fixed_guard=None)
        self.worked: dict[int, list[ShiftData]] = defaultdict(list)
        for s in self.problem.shifts:
            if s.fixed_guard is None or s.id == shift_id or s.id in self.leaving:
                continue
            if abs(s.start - self.target.start) <= _NEAR:
                self.worked[s.fixed_guard].append(s)

    def violations(self, guard: Guard) -> list:
        """The checker's violations that working the shift would add for `guard`."""
        mine = self.worked.get(guard.id, [])
        rules, weeks, names = self.problem.rules, self.problem.weeks, self.problem.site_names
        before = check(
            Problem([guard], list(mine), weeks, rules, names), {s.id: guard.id for s in mine}
        )
        with_shift = [*mine, self.target]
        after = check(
            Problem([guard], with_shift, weeks, rules, names),
            {s.id: guard.id for s in with_shift},
        )
        known = {(v.rule, v.shifts, v.message) for v in before}
        return [v for v in after if (v.rule, v.shifts, v.message) not in known]

    def reason(self, violation) -> str:
        """One checker violation as a manager reads it."""
        rule, target, rules = violation.rule, self.target, self.problem.rules
        others = [self.problem.shift_by_id[i] for i in violation.shifts if i != target.id]
        other = others[0] if others else None
        if rule == "overlap" and other is not None:
            return f"already works {other.label}"
        if rule == "rest" and other is not None:
            after = other.end <= target.start
            gap = target.start - other.end if after else other.start - target.end
            side = "after" if after else "before"
            return (
                f"rest: {_hours(gap)} {side} {other.label} (needs {_hours(rules.min_rest_minutes)})"
            )
        if rule == "grade":
            guard = self.problem.guard_by_id.get(violation.guard)
            return f"grade {guard.grade if guard else '?'}, needs {target.grade}"
        if rule == "daily cap":
            return f"would work {violation.message} (max {_hours(rules.max_daily_minutes)} a day)"
        if rule == "weekly cap":
            worked = violation.message.split(" in week")[0]
            return f"would work {worked} this week (max {_hours(rules.weekly_cap_minutes)})"
        if rule == "weekly rest":
            return f"would lose the {_hours(rules.weekly_rest_minutes)} weekly rest"
        if rule == "absence":
            return "on leave or unavailable"
        if rule == "induction":
            return f"not inducted at {self.problem.site_name(target.site)}"
        if rule == "registration":
            return "PSIRA registration expired"
        return violation.message  # the checker's words, e.g. a rule added later

    def week_minutes(self, guard_id: int) -> int:
        return sum(s.minutes for s in self.worked.get(guard_id, []) if s.week == self.target.week)

    def candidate(self, guard: Guard, employee: Employee) -> Candidate:
        reasons = tuple(dict.fromkeys(self.reason(v) for v in self.violations(guard)))
        return Candidate(
            employee=employee,
            reasons=reasons,
            week_hours=self.week_minutes(guard.id) / HOUR,
            tier=preference_tier(guard, self.target),
        )


HELD_BY_INACTIVE = "its guard is inactive: unassign them first"


def _held_by_inactive(shift: Shift) -> bool:
    """A shift an inactive guard still holds (a past one: deactivation reopens upcoming ones)
    is not the roster engine's to judge (scheduling.adapter leaves it out)."""
    return (
        shift.employee_id is not None
        and not Employee.objects.filter(pk=shift.employee_id, is_active=True).exists()
    )


def candidates(shift: Shift, *, limit: int | None = None) -> list[Candidate]:
    """The organization's active guards for `shift` (its own guard excepted): the free and
    qualified first (the client's dedicated guards, then the flex pool, then other clients';
    fewest hours this week first), then the others with their reasons. With `limit`, the
    best `limit` of each group."""
    if _held_by_inactive(shift):
        return []
    context = _Context.around(shift)
    employees = Employee.objects.filter(is_active=True).exclude(pk=shift.employee_id).in_bulk()
    free, others = [], []
    for guard in context.problem.guards:
        if guard.id not in employees:
            continue
        found = context.candidate(guard, employees[guard.id])
        (free if found.fits else others).append(found)

    def best(c: Candidate):
        return (c.tier, c.week_hours, c.employee.last_name, c.employee.first_name, c.employee.pk)

    def closest(c: Candidate):
        return (len(c.reasons), c.employee.last_name, c.employee.first_name, c.employee.pk)

    if limit is None:
        return sorted(free, key=best) + sorted(others, key=closest)
    return heapq.nsmallest(limit, free, key=best) + heapq.nsmallest(limit, others, key=closest)


def reasons_against(
    shift: Shift, employee: Employee, *, leaving: frozenset[int] = frozenset()
) -> tuple[str, ...]:
    """Why `employee` cannot take `shift` now (empty: they can), judged as if they had
    already left the `leaving` shifts (a swap). An inactive guard is never free."""
    if _held_by_inactive(shift):
        return (HELD_BY_INACTIVE,)
    context = _Context.around(shift, leaving=leaving)
    guard = context.problem.guard_by_id.get(employee.pk)
    if guard is None:
        return ("is not an active guard",)
    return context.candidate(guard, employee).reasons


def shifts_for(
    employee: Employee, shifts: list[Shift], *, leaving: frozenset[int] = frozenset()
) -> list[tuple[Shift, tuple[str, ...]]]:
    """Each of `shifts` with the reasons `employee` cannot take it (empty: they can): the
    guards' open shifts and swap offers. One problem over the shifts' days."""
    if not shifts:
        return []
    tz = organization_timezone()
    days = [s.start.astimezone(tz).date() for s in shifts]
    context = _Context(min(days), max(days) + dt.timedelta(1), leaving=leaving)
    guard = context.problem.guard_by_id.get(employee.pk)
    judged = []
    for shift in shifts:
        if guard is None:
            judged.append((shift, ("is not an active guard",)))
            continue
        if shift.pk not in context.problem.shift_by_id:
            judged.append((shift, (HELD_BY_INACTIVE,)))
            continue
        context.focus(shift.pk)
        judged.append((shift, context.candidate(guard, employee).reasons))
    return judged
