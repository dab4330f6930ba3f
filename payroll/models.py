"""Payroll: the pay schedule (one per organization) and closed pay periods with their lines.

Open pay periods are not rows: they are computed from the schedule (`PaySchedule.period_of`,
`PaySchedule.periods_before`). Closing one (`payroll.services.close_pay_period`) stores a
`PayPeriod` and its `PayLine`s, the per-guard, per-category minutes, so the payroll CSV of a
closed period never changes afterwards.
"""

from __future__ import annotations

import calendar
import datetime as dt

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from payroll.hours import EXCLUSIVE_CATEGORIES, PayCategory, holiday_dates
from rostracore.tenancy.models import TenantModel

WEEKDAYS = [(i, name) for i, name in enumerate(calendar.day_name)]


def validate_holiday_calendar(country: str, subdivision: str) -> None:
    """Raise a field-specific ValidationError unless `holidays` knows the calendar."""
    try:
        holiday_dates(country=country, subdivision=None, years=[2026])
    except NotImplementedError:
        raise ValidationError(
            {
                "holiday_country": ValidationError(
                    "%(value)s is not a country the holiday calendar knows (e.g. ZA).",
                    code="unknown_country",
                    params={"value": country},
                )
            }
        ) from None
    if subdivision:
        try:
            holiday_dates(country=country, subdivision=subdivision, years=[2026])
        except NotImplementedError:
            raise ValidationError(
                {
                    "holiday_subdivision": ValidationError(
                        "%(value)s is not a subdivision of %(country)s the holiday calendar "
                        "knows; leave it blank for the national holidays.",
                        code="unknown_subdivision",
                        params={"value": subdivision, "country": country},
                    )
                }
            ) from None


class DateRange(models.Func):
    function = "DATERANGE"
    output_field = models.DateField()


class PaySchedule(TenantModel):
    """How an organization's pay periods run, whose holidays apply, and what billing and
    payroll count (billing reads `billing_source`)."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", "Weekly"
        FORTNIGHTLY = "fortnightly", "Fortnightly"
        MONTHLY = "monthly", "Monthly"

    class Source(models.TextChoices):
        ROSTER = "roster", "Published roster"
        ATTENDANCE = "attendance", "Attendance (clock-in and clock-out)"

    frequency = models.CharField(max_length=12, choices=Frequency, default=Frequency.MONTHLY)
    first_period_start = models.DateField(
        default=dt.date(2026, 1, 1),
        help_text="The first day of any one pay period; the others follow from it. Monthly "
        "periods start on this day of each month (1 to 28).",
    )
    week_starts_on = models.PositiveSmallIntegerField(
        "overtime week starts on",
        choices=WEEKDAYS,
        default=0,
        help_text="Weekly overtime counts the hours of each week from this day.",
    )
    holiday_country = models.CharField(
        max_length=3, default="ZA", help_text="ISO country code of the public holidays (ZA)."
    )
    holiday_subdivision = models.CharField(
        max_length=10, blank=True, help_text="Province or state code; blank: national only."
    )
    pay_source = models.CharField(
        "pay hours from",
        max_length=12,
        choices=Source,
        default=Source.ROSTER,
        help_text="The hours column of the payroll CSV.",
    )
    billing_source = models.CharField(
        "bill hours from", max_length=12, choices=Source, default=Source.ROSTER
    )

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["org"],
                name="payroll_payschedule_one_per_org",
                violation_error_message=(
                    "This organization already has its pay schedule: edit it instead."
                ),
            ),
            models.CheckConstraint(
                condition=Q(frequency__in=["weekly", "fortnightly", "monthly"]),
                name="payroll_payschedule_frequency_valid",
                violation_error_message="Choose weekly, fortnightly or monthly.",
            ),
            models.CheckConstraint(
                condition=~Q(frequency="monthly") | Q(first_period_start__day__lte=28),
                name="payroll_payschedule_monthly_day_valid",
                violation_error_message=(
                    "Monthly periods must start on day 1 to 28 (every month has that day)."
                ),
            ),
            models.CheckConstraint(
                condition=Q(week_starts_on__gte=0, week_starts_on__lte=6),
                name="payroll_payschedule_week_start_valid",
                violation_error_message="Choose a day of the week.",
            ),
            models.CheckConstraint(
                condition=Q(pay_source__in=["roster", "attendance"])
                & Q(billing_source__in=["roster", "attendance"]),
                name="payroll_payschedule_sources_valid",
                violation_error_message="Choose the published roster or attendance.",
            ),
        ]

    def __str__(self) -> str:
        return f"Pay schedule of {self.org}"

    def get_absolute_url(self) -> str:
        return reverse("payroll:settings")

    def clean(self) -> None:
        self.holiday_country = (self.holiday_country or "").strip().upper()
        self.holiday_subdivision = (self.holiday_subdivision or "").strip().upper()
        validate_holiday_calendar(self.holiday_country, self.holiday_subdivision)
        if self.frequency == self.Frequency.MONTHLY and self.first_period_start.day > 28:
            raise ValidationError(
                {
                    "first_period_start": ValidationError(
                        "Monthly periods must start on day 1 to 28 (every month has that day).",
                        code="monthly_day",
                    )
                }
            )

    def holidays(self, start: dt.date, end: dt.date) -> dict[dt.date, str]:
        """The public holidays of [start, end) and the days around (for carried-in weeks)."""
        return holiday_dates(
            country=self.holiday_country,
            subdivision=self.holiday_subdivision or None,
            years=range(start.year - 1, end.year + 1),
        )

    # --- the periods -----------------------------------------------------------------------

    def period_of(self, day: dt.date) -> tuple[dt.date, dt.date]:
        """The pay period [start, end) that contains `day`."""
        if self.frequency == self.Frequency.MONTHLY:
            anchor = self.first_period_start.day
            start = day.replace(day=anchor)
            if start > day:
                start = _add_months(start, -1)
            return start, _add_months(start, 1)
        length = 7 if self.frequency == self.Frequency.WEEKLY else 14
        offset = (day - self.first_period_start).days % length
        start = day - dt.timedelta(days=offset)
        return start, start + dt.timedelta(days=length)

    def is_period_start(self, day: dt.date) -> bool:
        return self.period_of(day)[0] == day

    def periods_before(self, day: dt.date, count: int) -> list[tuple[dt.date, dt.date]]:
        """The `count` periods up to and including the one containing `day`, newest first."""
        periods = []
        start, end = self.period_of(day)
        for _ in range(count):
            periods.append((start, end))
            start, end = self.period_of(start - dt.timedelta(days=1))
        return periods


def _add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.year * 12 + day.month - 1 + months
    return day.replace(year=month_index // 12, month=month_index % 12 + 1)


class PayPeriod(TenantModel):
    """A closed pay period: its lines are the payroll of [start_date, end_date), frozen."""

    start_date = models.DateField()
    end_date = models.DateField(help_text="Exclusive: the first day of the next period.")
    pay_source = models.CharField(
        max_length=12, choices=PaySchedule.Source, help_text="The CSV's hours, when closed."
    )
    closed_at = models.DateTimeField()
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta(TenantModel.Meta):
        ordering = ["-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "start_date"],
                name="payroll_payperiod_once_per_start",
                violation_error_message="This pay period is already closed.",
            ),
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")),
                name="payroll_payperiod_end_after_start",
                violation_error_message="A pay period must end after it starts.",
            ),
            models.CheckConstraint(
                condition=Q(pay_source__in=["roster", "attendance"]),
                name="payroll_payperiod_source_valid",
            ),
            # Closed periods never overlap (a schedule changed after closing cannot close the
            # same days twice). Needs btree_gist (scheduling 0001).
            ExclusionConstraint(
                name="payroll_payperiod_no_overlap",
                expressions=[
                    ("org", RangeOperators.EQUAL),
                    (DateRange("start_date", "end_date"), RangeOperators.OVERLAPS),
                ],
                violation_error_message="These days are in a pay period already closed.",
            ),
        ]

    def __str__(self) -> str:
        return f"Pay period {self.start_date:%d %b %Y} to {self.last_day:%d %b %Y}"

    def get_absolute_url(self) -> str:
        return reverse("payroll:period", kwargs={"start": self.start_date.isoformat()})

    @property
    def last_day(self) -> dt.date:
        return self.end_date - dt.timedelta(days=1)


class PayLine(TenantModel):
    """One guard's minutes of one pay category in a closed period (both sources), with the
    guard's number and name as they were when the period closed. Read-only once written:
    `close_pay_period` is the only writer; the admin shows them and edits nothing."""

    period = models.ForeignKey(PayPeriod, on_delete=models.CASCADE, related_name="lines")
    # RESTRICT: a guard with payroll cannot be deleted on their own (BCEA s 31 keeps pay
    # records for three years); deleting the whole organization still cascades.
    employee = models.ForeignKey(
        "employees.Employee", on_delete=models.RESTRICT, related_name="pay_lines"
    )
    employee_number = models.CharField(max_length=20)
    employee_name = models.CharField(max_length=201)
    category = models.CharField(max_length=8, choices=[(c.value, c.label) for c in PayCategory])
    rostered_minutes = models.PositiveIntegerField()
    attended_minutes = models.PositiveIntegerField()

    class Meta(TenantModel.Meta):
        ordering = ["period", "employee_name", "employee_id", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "period", "employee", "category"],
                name="payroll_payline_once_per_category",
                violation_error_message="This guard already has a line of this category.",
            ),
            models.CheckConstraint(
                condition=Q(category__in=[c.value for c in PayCategory]),
                name="payroll_payline_category_valid",
            ),
        ]
        indexes = [
            # The period page and the CSV read one period's lines by guard.
            models.Index(
                fields=["org", "period", "employee_name", "employee"],
                name="payroll_payline_period_guard",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee_name} {self.category} {self.period}"

    @property
    def is_exclusive(self) -> bool:
        return PayCategory(self.category) in EXCLUSIVE_CATEGORIES
