"""A pay period's hours read from the database: rostered (the published roster) and attended
(attendance), per guard, split by `payroll.hours.split_pay_period`.

Reads only, through the scoped managers of the current organization: the period page, the
close service, billing and bench/payroll.py call these. `compute_month(org, month)` is the
entry point for a whole month of one organization.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Q, QuerySet

from attendance.models import Attendance
from employees.models import Employee
from organizations.models import Organization
from payroll.hours import (
    Interval,
    PayCategory,
    PayRules,
    period_bounds,
    split_pay_period,
    worked_range,
)
from payroll.models import PayLine, PayPeriod, PaySchedule
from rostracore.tenancy.context import require_org, use_org
from scheduling.models import Absence, LabourRules, Shift

# Guards computed per round of queries (the close service and compute_month): three queries
# per batch, whatever the period's length.
BATCH = 500


def pay_schedule() -> PaySchedule:
    """The organization's pay schedule; the defaults (unsaved) when it has none yet."""
    return PaySchedule.objects.first() or PaySchedule(org=require_org("The pay schedule"))


def _labour_rules() -> LabourRules:
    return LabourRules.objects.first() or LabourRules(org=require_org("Labour rules"))


@dataclasses.dataclass(frozen=True)
class PeriodContext:
    """What the split of one period needs, read once per request."""

    start: dt.date
    end: dt.date
    tz: ZoneInfo
    holidays: dict[dt.date, str]
    rules: PayRules

    @classmethod
    def of(
        cls, start: dt.date, end: dt.date, *, schedule: PaySchedule | None = None
    ) -> PeriodContext:
        schedule = schedule or pay_schedule()
        org = require_org("A pay period")
        return cls(
            start=start,
            end=end,
            tz=ZoneInfo(org.timezone),
            holidays=schedule.holidays(start, end),
            rules=PayRules.from_labour_rules(_labour_rules(), week_start=schedule.week_starts_on),
        )

    @property
    def worked_range(self) -> Interval:
        """From the start of the period's first overtime week to the end of the period."""
        return worked_range(
            period_start=self.start,
            period_end=self.end,
            tz=self.tz,
            week_start=self.rules.week_start,
        )

    @property
    def bounds(self) -> Interval:
        return period_bounds(self.start, self.end, self.tz)


@dataclasses.dataclass
class GuardHours:
    """One guard's minutes of a period by category: rostered and attended."""

    employee: Employee
    rostered: dict[PayCategory, int]
    attended: dict[PayCategory, int]
    # As shown and exported: the guard's now, or as they were when the period closed.
    name: str = ""
    number: str = ""

    def __post_init__(self) -> None:
        self.name = self.name or f"{self.employee.first_name} {self.employee.last_name}".strip()
        self.number = self.number or self.employee.employee_number

    def rows(self) -> list[tuple[PayCategory, int, int]]:
        """(category, rostered, attended) for every category, in PayCategory order."""
        return [(c, self.rostered.get(c, 0), self.attended.get(c, 0)) for c in PayCategory]


def guards_in_period(ctx: PeriodContext) -> QuerySet[Employee]:
    """The guards with a published shift, a completed attendance or leave in the period
    (by name), inactive ones included: they are paid for what they worked."""
    start, end = ctx.bounds
    shifts = Shift.objects.filter(published_employee=OuterRef("pk"), start__lt=end, end__gt=start)
    attended = Attendance.objects.filter(
        employee=OuterRef("pk"),
        clock_in_at__lt=end,
        clock_out_at__gt=start,
    )
    leave = Absence.objects.filter(
        employee=OuterRef("pk"), kind=Absence.Kind.LEAVE, start__lt=end, end__gt=start
    )
    return Employee.objects.filter(Q(Exists(shifts)) | Q(Exists(attended)) | Q(Exists(leave)))


def guards_in_closed_period(period: PayPeriod) -> QuerySet[Employee]:
    return Employee.objects.filter(
        Exists(PayLine.objects.filter(period=period, employee=OuterRef("pk")))
    )


def by_name(guards: QuerySet[Employee]) -> QuerySet[Employee]:
    return guards.order_by("last_name", "first_name", "pk")


def guard_hours(ctx: PeriodContext, employees: Sequence[Employee]) -> list[GuardHours]:
    """The split of each guard in `employees` (three queries, whatever their number)."""
    ids = [employee.pk for employee in employees]
    first, end = ctx.worked_range
    period_start, _ = ctx.bounds
    rostered: dict[int, list[Interval]] = defaultdict(list)
    for employee_id, start, stop in Shift.objects.filter(
        published_employee_id__in=ids, start__lt=end, end__gt=first
    ).values_list("published_employee_id", "start", "end"):
        rostered[employee_id].append((start, stop))
    attended: dict[int, list[Interval]] = defaultdict(list)
    for employee_id, start, stop in Attendance.objects.filter(
        employee_id__in=ids,
        clock_in_at__isnull=False,
        clock_out_at__isnull=False,
        clock_in_at__lt=end,
        clock_out_at__gt=first,
    ).values_list("employee_id", "clock_in_at", "clock_out_at"):
        attended[employee_id].append((start, stop))
    leave: dict[int, list[Interval]] = defaultdict(list)
    for employee_id, start, stop in Absence.objects.filter(
        employee_id__in=ids, kind=Absence.Kind.LEAVE, start__lt=end, end__gt=period_start
    ).values_list("employee_id", "start", "end"):
        leave[employee_id].append((start, stop))
    return [
        GuardHours(
            employee=employee,
            rostered=_split(ctx, rostered[employee.pk], leave[employee.pk]),
            attended=_split(ctx, attended[employee.pk], leave[employee.pk]),
        )
        for employee in employees
    ]


def _split(ctx: PeriodContext, worked: list[Interval], leave: list[Interval]):
    return split_pay_period(
        worked,
        period_start=ctx.start,
        period_end=ctx.end,
        tz=ctx.tz,
        holidays=ctx.holidays,
        rules=ctx.rules,
        leave=leave,
    )


def all_guard_hours(ctx: PeriodContext) -> Iterator[GuardHours]:
    """Every guard of the period, BATCH at a time."""
    batch: list[Employee] = []
    for employee in by_name(guards_in_period(ctx)).iterator(chunk_size=BATCH):
        batch.append(employee)
        if len(batch) == BATCH:
            yield from guard_hours(ctx, batch)
            batch = []
    if batch:
        yield from guard_hours(ctx, batch)


def closed_guard_hours(period: PayPeriod, employees: Iterable[Employee]) -> list[GuardHours]:
    """A closed period's snapshot for `employees`, shaped like `guard_hours` (one query)."""
    employees = list(employees)
    found: dict[int, GuardHours] = {
        e.pk: GuardHours(employee=e, rostered={}, attended={}) for e in employees
    }
    for line in PayLine.objects.filter(period=period, employee_id__in=list(found)):
        hours = found[line.employee_id]
        hours.name, hours.number = line.employee_name, line.employee_number
        hours.rostered[PayCategory(line.category)] = line.rostered_minutes
        hours.attended[PayCategory(line.category)] = line.attended_minutes
    return [found[e.pk] for e in employees]


def compute_month(org: Organization, month: dt.date) -> list[GuardHours]:
    """Every guard's hours of the calendar month of `month` in `org` (bench/payroll.py,
    billing): the month's days, the organization's holidays, labour rules and week start."""
    start = month.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    with use_org(org):
        return list(all_guard_hours(PeriodContext.of(start, end)))
