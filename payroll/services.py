"""Payroll's writes: saving the pay schedule and closing a pay period. Every surface (the
manager pages, the admin) calls these; each is one transaction and refuses bad input with a
field-specific ValidationError, writing nothing."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from organizations.models import User
from payroll.hours import PayCategory
from payroll.models import PayLine, PayPeriod, PaySchedule
from payroll.periods import PeriodContext, all_guard_hours, pay_schedule


@transaction.atomic
def save_pay_schedule(*, user: User, schedule: PaySchedule) -> PaySchedule:
    """Validate and save the organization's pay schedule (new or edited).

    Closed periods keep their dates and lines; a changed schedule shapes the periods not
    closed yet (a new one may not overlap a closed one: `close_pay_period` refuses it)."""
    schedule.full_clean()
    schedule.save()
    return schedule


@transaction.atomic
def close_pay_period(*, user: User, start_date: dt.date) -> PayPeriod:
    """Close the pay period starting on `start_date`: snapshot every guard's minutes per
    category (rostered and attended) as PayLines, so the payroll CSV never changes afterwards.

    Refused (ValidationError on `start_date`) when the date does not start a period of the
    schedule, when the period is closed already, or when it overlaps a closed period.
    Closing before the period's last day is allowed (pay day may come first); shifts worked
    later in the period are then in no closed period's payroll, which the page says.
    """
    schedule = pay_schedule()
    if not schedule.is_period_start(start_date):
        raise ValidationError(
            {"start_date": f"{start_date:%d %b %Y} does not start a pay period."},
            code="not_a_period",
        )
    _, end_date = schedule.period_of(start_date)
    existing = PayPeriod.objects.filter(start_date__lt=end_date, end_date__gt=start_date).first()
    if existing is not None:
        message = (
            "This pay period is already closed."
            if existing.start_date == start_date
            else f"These days are in a closed pay period ({existing})."
        )
        raise ValidationError({"start_date": message}, code="closed")
    period = PayPeriod(
        start_date=start_date,
        end_date=end_date,
        pay_source=schedule.pay_source,
        closed_at=timezone.now(),
        closed_by=user,
    )
    try:
        with transaction.atomic():
            period.save()
    except IntegrityError:  # closed at the same moment by another manager
        raise ValidationError(
            {"start_date": "This pay period is already closed."}, code="closed"
        ) from None
    ctx = PeriodContext.of(start_date, end_date, schedule=schedule)
    lines: list[PayLine] = []
    for hours in all_guard_hours(ctx):
        for category in PayCategory:
            rostered = hours.rostered.get(category, 0)
            attended = hours.attended.get(category, 0)
            if rostered or attended:
                lines.append(
                    PayLine(
                        period=period,
                        employee=hours.employee,
                        employee_number=hours.number,
                        employee_name=hours.name,
                        category=category.value,
                        rostered_minutes=rostered,
                        attended_minutes=attended,
                    )
                )
        if len(lines) >= 5000:
            PayLine.objects.bulk_create(lines)
            lines = []
    PayLine.objects.bulk_create(lines)
    return period
