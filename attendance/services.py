"""Clocking in and out of published shifts, and a manager's record or correction.
Keyword-only, typed, atomic.

Each write locks the shift's row first (`select_for_update`), so two taps on "Clock in"
(or a guard's tap while a manager corrects) are serialized: the second sees the first's row
and is refused; the unique constraint `attendance_attendance_one_per_shift` is the
database's word on it. Both tables are on the audit trail (migration 0001): the acting user
of every change is recorded by the database, and a correction's reason is in its
AttendanceEvent row. Scoping comes from the tenant managers: without an organization every
service fails closed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from attendance.models import Attendance, AttendanceEvent, Source
from employees.models import Employee
from organizations.models import User
from organizations.tasks import send_email
from rostracore.tenancy.context import require_org
from scheduling.models import LabourRules, Shift

# A guard may clock in this long before the shift starts (to relieve the guard before)…
CLOCK_IN_EARLY = dt.timedelta(minutes=60)
# …and clock out until this long after it ends; later, a manager records the time.
CLOCK_OUT_LATE = dt.timedelta(hours=6)
# A manager's record may not put times further than this from the shift.
RECORD_MARGIN = dt.timedelta(hours=24)
# No-shows are alerted for shifts that started at most this long ago: a first run (or one
# after an outage) does not email about last month.
NO_SHOW_LOOKBACK = dt.timedelta(hours=12)


@dataclass(frozen=True)
class Location:
    """Where the guard's phone said it was (navigator.geolocation), accuracy in metres."""

    latitude: float
    longitude: float
    accuracy: float | None = None

    def __post_init__(self) -> None:
        if not -90 <= self.latitude <= 90 or not -180 <= self.longitude <= 180:
            raise ValidationError({"location": "This location is not on Earth."}, code="location")
        if self.accuracy is not None and self.accuracy < 0:
            raise ValidationError({"location": "The accuracy cannot be negative."}, code="location")


def _local(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%H:%M}"


def _locked_shift(shift: Shift) -> Shift:
    return Shift.objects.select_for_update(of=("self",)).select_related("site").get(pk=shift.pk)


def _attendance_of(shift: Shift) -> Attendance | None:
    return Attendance.objects.select_for_update().filter(shift=shift).first()


def _event(
    attendance: Attendance,
    *,
    kind: str,
    source: str,
    at: dt.datetime,
    location: Location | None = None,
    user: User | None = None,
    reason: str = "",
) -> AttendanceEvent:
    return AttendanceEvent.objects.create(
        attendance=attendance,
        shift_id=attendance.shift_id,
        employee_id=attendance.employee_id,
        kind=kind,
        source=source,
        at=at,
        latitude=location.latitude if location else None,
        longitude=location.longitude if location else None,
        accuracy=location.accuracy if location else None,
        clock_in_at=attendance.clock_in_at if kind == AttendanceEvent.Kind.CORRECTION else None,
        clock_out_at=attendance.clock_out_at if kind == AttendanceEvent.Kind.CORRECTION else None,
        reason=reason,
        user=user,
    )


@transaction.atomic
def clock_in(
    *,
    employee: Employee,
    shift: Shift,
    at: dt.datetime | None = None,
    location: Location | None = None,
) -> Attendance:
    """`employee` clocks in on their own published shift at `at` (now), from the guard's phone.

    Refused (ValidationError): another guard's shift, more than CLOCK_IN_EARLY before the
    start or after the end, and a second clock-in."""
    at = at or timezone.now()
    shift = _locked_shift(shift)
    if shift.published_employee_id != employee.pk:
        raise ValidationError("This is not one of your published shifts.", code="not_yours")
    if at < shift.start - CLOCK_IN_EARLY:
        raise ValidationError(
            "Too early: you can clock in from %(from)s, an hour before the shift starts.",
            code="too_early",
            params={"from": _local(shift.start - CLOCK_IN_EARLY)},
        )
    if at >= shift.end:
        raise ValidationError(
            "This shift has ended: ask your manager to record your time.", code="ended"
        )
    attendance = _attendance_of(shift)
    if attendance is not None and attendance.clock_in_at is not None:
        raise ValidationError(
            "You already clocked in at %(at)s.",
            code="already_in",
            params={"at": _local(attendance.clock_in_at)},
        )
    if attendance is None:
        attendance = Attendance(shift=shift, employee=employee)
    attendance.employee = employee
    attendance.clock_in_at = at
    attendance.clock_in_source = Source.PHONE
    attendance.clock_in_latitude = location.latitude if location else None
    attendance.clock_in_longitude = location.longitude if location else None
    attendance.clock_in_accuracy = location.accuracy if location else None
    attendance.updated_at = timezone.now()
    attendance.save()
    _event(
        attendance,
        kind=AttendanceEvent.Kind.CLOCK_IN,
        source=Source.PHONE,
        at=at,
        location=location,
    )
    return attendance


@transaction.atomic
def clock_out(
    *,
    employee: Employee,
    shift: Shift,
    at: dt.datetime | None = None,
    location: Location | None = None,
) -> Attendance:
    """`employee` clocks out of the shift they clocked in on, at `at` (now).

    Refused (ValidationError): another guard's attendance, before clocking in, twice, and
    more than CLOCK_OUT_LATE after the shift's end."""
    at = at or timezone.now()
    shift = _locked_shift(shift)
    attendance = _attendance_of(shift)
    if attendance is None or attendance.employee_id != employee.pk:
        if shift.published_employee_id != employee.pk:
            raise ValidationError("This is not one of your published shifts.", code="not_yours")
        attendance = None
    if attendance is None or attendance.clock_in_at is None:
        raise ValidationError("Clock in first.", code="not_in")
    if attendance.clock_out_at is not None:
        raise ValidationError(
            "You already clocked out at %(at)s.",
            code="already_out",
            params={"at": _local(attendance.clock_out_at)},
        )
    if at <= attendance.clock_in_at:
        raise ValidationError("Clocking out must come after clocking in.", code="before_in")
    if at > shift.end + CLOCK_OUT_LATE:
        raise ValidationError(
            "This shift ended too long ago: ask your manager to record your time.",
            code="too_late",
        )
    attendance.clock_out_at = at
    attendance.clock_out_source = Source.PHONE
    attendance.clock_out_latitude = location.latitude if location else None
    attendance.clock_out_longitude = location.longitude if location else None
    attendance.clock_out_accuracy = location.accuracy if location else None
    attendance.updated_at = timezone.now()
    attendance.save()
    _event(
        attendance,
        kind=AttendanceEvent.Kind.CLOCK_OUT,
        source=Source.PHONE,
        at=at,
        location=location,
    )
    return attendance


@transaction.atomic
def record_attendance(
    *,
    user: User,
    shift: Shift,
    clock_in_at: dt.datetime,
    clock_out_at: dt.datetime | None,
    reason: str,
) -> Attendance:
    """A manager records (or corrects) when the shift's guard clocked in and out, saying why.

    The times are set as given, from the manager (the guard's location, if any, stays). The
    change is an AttendanceEvent with the user and the reason, and on the audit trail.
    Refused (ValidationError on the field): no reason, a shift nobody was published on,
    a clock-out not after the clock-in, and times more than RECORD_MARGIN from the shift."""
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = "Say why you record or correct the attendance."
    if clock_in_at is None:
        errors["clock_in_at"] = "Enter when the guard clocked in."
    elif clock_out_at is not None and clock_out_at <= clock_in_at:
        errors["clock_out_at"] = "Clocking out must come after clocking in."
    if errors:
        raise ValidationError(errors)
    shift = _locked_shift(shift)
    for name, moment in (("clock_in_at", clock_in_at), ("clock_out_at", clock_out_at)):
        if moment is not None and not (
            shift.start - RECORD_MARGIN <= moment <= shift.end + RECORD_MARGIN
        ):
            errors[name] = "This time is more than a day away from the shift."
    if errors:
        raise ValidationError(errors)
    attendance = _attendance_of(shift)
    if attendance is None:
        if shift.published_employee_id is None:
            raise ValidationError(
                "Nobody was published on this shift: assign and publish a guard first.",
                code="no_guard",
            )
        attendance = Attendance(shift=shift, employee_id=shift.published_employee_id)
    if attendance.clock_in_at != clock_in_at:
        attendance.clock_in_at = clock_in_at
        attendance.clock_in_source = Source.MANAGER
        attendance.clock_in_latitude = None
        attendance.clock_in_longitude = None
        attendance.clock_in_accuracy = None
    if attendance.clock_out_at != clock_out_at:
        attendance.clock_out_at = clock_out_at
        attendance.clock_out_source = Source.MANAGER if clock_out_at else ""
        attendance.clock_out_latitude = None
        attendance.clock_out_longitude = None
        attendance.clock_out_accuracy = None
    attendance.updated_at = timezone.now()
    attendance.save()
    _event(
        attendance,
        kind=AttendanceEvent.Kind.CORRECTION,
        source=Source.MANAGER,
        at=timezone.now(),
        user=user,
        reason=reason[:500],
    )
    return attendance


@transaction.atomic
def mark_no_shows(*, base_url: str = "", now: dt.datetime | None = None) -> int:
    """Email the current organization's managers (through the worker) about each published
    shift nobody clocked in on `LabourRules.no_show_after_minutes` after its start; returns
    how many. Each no-show is marked (`Attendance.no_show_alerted_at`) and emailed once, so
    running it every few minutes (`manage.py alert_no_shows`) is safe; shifts that started
    more than NO_SHOW_LOOKBACK ago are left alone. The task holds ids only."""
    org = require_org("Alerting no-shows")
    now = now or timezone.now()
    rules = LabourRules.objects.first() or LabourRules()
    due = list(
        Shift.objects.select_for_update(of=("self",))
        .filter(
            published_employee__isnull=False,
            start__lte=now - dt.timedelta(minutes=rules.no_show_after_minutes),
            start__gt=now - NO_SHOW_LOOKBACK,
            end__gt=now,
        )
        .exclude(
            Exists(
                Attendance.objects.filter(shift=OuterRef("pk")).filter(
                    Q(clock_in_at__isnull=False) | Q(no_show_alerted_at__isnull=False)
                )
            )
        )
        .order_by("start", "pk")
    )
    if not due:
        return 0
    managers = list(
        User.objects.filter(org=org, role=User.Role.MANAGER, is_active=True)
        .exclude(email="")
        .values_list("pk", flat=True)
    )
    existing = {a.shift_id: a for a in Attendance.objects.filter(shift__in=due)}
    for shift in due:
        attendance = existing.get(shift.pk) or Attendance(
            shift=shift, employee_id=shift.published_employee_id
        )
        attendance.no_show_alerted_at = now
        attendance.updated_at = now
        attendance.save()
        for user_id in managers:
            send_email.enqueue(
                template="no_show", user_id=user_id, base_url=base_url, object_id=attendance.pk
            )
    return len(due)
