"""Leave requests, open-shift pick-ups and swaps (guards ask, managers decide) and
availability (guards say when they cannot work, and what they would rather work).
Keyword-only, typed, atomic.

Each write locks the rows it decides on (`select_for_update`), so two managers deciding the
same request at the same moment, or a guard cancelling while a manager approves, end with
one decision: the second sees the first's and is refused with `AlreadyDecided`. A guard's
requests are serialized on the guard's row, so two overlapping requests sent at once cannot
both be accepted. Scoping comes from the tenant managers: without an organization every
service fails closed (NoOrganizationError).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from employees.models import Employee
from guards.models import (
    DayWish,
    LeaveRequest,
    ShiftPreferences,
    ShiftRequest,
    UnavailableDate,
    UnavailableWindow,
)
from organizations.models import User
from organizations.tasks import send_email
from rostracore.tenancy.context import CrossOrganizationError, require_org
from scheduling.models import Absence, Shift

OPEN = (LeaveRequest.Status.PENDING, LeaveRequest.Status.APPROVED)
# How far ahead a guard may ask for leave or mark a date: a year, so a typo like 9999-12-31
# is a message on the field, not a row the roster engine and its date arithmetic must carry.
AHEAD = dt.timedelta(days=366)
# Bounds that keep the availability page and the roster engine's input small.
MAX_WINDOWS = 21  # weekly windows per guard (three a day)
MAX_DATES = 100  # upcoming unavailable dates per guard


class AlreadyDecided(ValidationError):
    """The request is no longer pending: someone approved, declined or cancelled it first."""

    def __init__(self, request: LeaveRequest) -> None:
        super().__init__(
            "This request was already decided (%(status)s).",
            code="already_decided",
            params={"status": request.get_status_display().lower()},
        )


def _local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    # As scheduling.adapter: days are the organization's local dates.
    return dt.datetime.combine(day, dt.time.min, tzinfo=tz)


def _locked(request: LeaveRequest) -> LeaveRequest:
    return (
        LeaveRequest.objects.select_for_update(of=("self",))
        .select_related("employee")
        .get(pk=request.pk)
    )


@transaction.atomic
def request_leave(
    *, employee: Employee, start: dt.date, end: dt.date, kind: str, note: str = ""
) -> LeaveRequest:
    """A pending leave request of `employee` for the days `start` to `end` (inclusive).

    Refused (ValidationError on the field): a first day in the past (the organization's
    today), a last day before the first or more than a year ahead, an unknown type, and
    days overlapping another pending or approved request of the same guard."""
    org = require_org("A leave request")
    today = timezone.localdate(timezone=ZoneInfo(org.timezone))
    # Serializes this guard's requests, so the overlap check below holds when two arrive
    # at once (and refuses a guard deactivated meanwhile).
    employee = Employee.objects.select_for_update().get(pk=employee.pk)
    if not employee.is_active:
        raise ValidationError("This guard is inactive.", code="inactive_guard")
    if kind not in LeaveRequest.Kind.values:
        raise ValidationError({"kind": ValidationError("Choose a type of leave.", code="kind")})
    if start < today:
        raise ValidationError(
            {"start": ValidationError("The first day cannot be in the past.", code="past")}
        )
    if end < start:
        raise ValidationError(
            {"end": ValidationError("The last day cannot be before the first.", code="order")}
        )
    if end > today + AHEAD:
        field = "start" if start > today + AHEAD else "end"
        raise ValidationError({field: _too_far(today)})
    overlapping = LeaveRequest.objects.filter(
        employee=employee, status__in=OPEN, start__lte=end, end__gte=start
    ).first()
    if overlapping is not None:
        raise ValidationError(
            {
                "start": ValidationError(
                    "You already asked for leave from %(start)s to %(end)s.",
                    code="overlap",
                    params={
                        "start": f"{overlapping.start:%-d %b}",
                        "end": f"{overlapping.end:%-d %b %Y}",
                    },
                )
            }
        )
    return LeaveRequest.objects.create(
        employee=employee, start=start, end=end, kind=kind, note=note.strip()
    )


@transaction.atomic
def cancel_leave(*, request: LeaveRequest) -> LeaveRequest:
    """The guard withdraws a pending request (callers pass the guard's own request)."""
    locked = _locked(request)
    if locked.status != LeaveRequest.Status.PENDING:
        raise AlreadyDecided(locked)
    locked.status = LeaveRequest.Status.CANCELLED
    locked.save(update_fields=["status"])
    return locked


def _check_decider(by: User) -> None:
    org = require_org("A decision")
    if by.org_id != org.pk:
        raise CrossOrganizationError("Only a manager of the request's organization decides it.")


@transaction.atomic
def approve_leave(*, request: LeaveRequest, by: User, base_url: str = "") -> LeaveRequest:
    """Approve a pending request: it becomes an Absence (the roster engine's unavailability,
    from the first day's local midnight to the midnight after the last day), and the guard
    is emailed the decision (queued in this transaction: it exists only if the decision does).

    Checked again now, under the row's lock: still pending (else AlreadyDecided) and the
    guard still active."""
    _check_decider(by)
    locked = _locked(request)
    if locked.status != LeaveRequest.Status.PENDING:
        raise AlreadyDecided(locked)
    employee = locked.employee
    if not employee.is_active:
        raise ValidationError(
            "%(guard)s is inactive; decline the request or reactivate them first.",
            code="inactive_guard",
            params={"guard": employee.full_name},
        )
    tz = ZoneInfo(require_org().timezone)
    note = f"{locked.get_kind_display()}: {locked.note}" if locked.note else ""
    locked.absence = Absence.objects.create(
        employee=employee,
        kind=Absence.Kind.LEAVE,
        start=_local_midnight(locked.start, tz),
        end=_local_midnight(locked.end + dt.timedelta(days=1), tz),
        note=(note or locked.get_kind_display())[:200],
    )
    locked.status = LeaveRequest.Status.APPROVED
    locked.decided_by, locked.decided_at = by, timezone.now()
    locked.save(update_fields=["absence", "status", "decided_by", "decided_at"])
    _email_decision(locked, base_url)
    return locked


@transaction.atomic
def decline_leave(
    *, request: LeaveRequest, by: User, reason: str = "", base_url: str = ""
) -> LeaveRequest:
    """Decline a pending request (else AlreadyDecided), with an optional reason the guard
    reads in the email and on their leave page."""
    _check_decider(by)
    locked = _locked(request)
    if locked.status != LeaveRequest.Status.PENDING:
        raise AlreadyDecided(locked)
    locked.status = LeaveRequest.Status.DECLINED
    locked.decline_reason = reason.strip()[:500]
    locked.decided_by, locked.decided_at = by, timezone.now()
    locked.save(update_fields=["status", "decline_reason", "decided_by", "decided_at"])
    _email_decision(locked, base_url)
    return locked


def _email_decision(request: LeaveRequest, base_url: str) -> None:
    """Queue the decision email to the guard's login, if they have one (ids only)."""
    user_id = request.employee.user_id
    if user_id is not None:
        send_email.enqueue(
            template="leave_decision", user_id=user_id, base_url=base_url, object_id=request.pk
        )


def acknowledge_changes(*, employee: Employee) -> None:
    """The guard has seen the roster changes published to them so far (My shifts)."""
    Employee.objects.filter(pk=employee.pk).update(roster_seen_at=timezone.now())


# --- Open-shift pick-ups and swaps (guards.models.ShiftRequest) ---------------------------
#
# The rules are the checker's (scheduling.candidates), checked when a guard asks or takes and
# again when the manager approves, through scheduling.services.assign_shift, which publishes
# at once (the guards asked for it) and leaves double booking to the exclusion constraint.


def _locked_request(request: ShiftRequest) -> ShiftRequest:
    return (
        ShiftRequest.objects.select_for_update(of=("self",))
        .select_related("employee", "taker", "shift")
        .get(pk=request.pk)
    )


def _refuse(field: str, message: str, code: str, **params) -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code, params=params)]})


def _upcoming(shift: Shift) -> bool:
    return shift.start > timezone.now()


@transaction.atomic
def request_pickup(*, employee: Employee, shift: Shift, base_url: str = "") -> ShiftRequest:
    """A guard asks for a published open shift they are free and qualified for. With the
    organization's `auto_approve_pickups`, approved at once (every rule has just passed)."""
    from scheduling.candidates import reasons_against

    shift = Shift.objects.select_for_update().get(pk=shift.pk)
    if not (shift.employee_id is None and shift.published_employee_id is None):
        raise _refuse("shift", "This shift is no longer open.", "taken")
    if not _upcoming(shift):
        raise _refuse("shift", "This shift has started already.", "started")
    if ShiftRequest.objects.filter(
        employee=employee, shift=shift, status__in=ShiftRequest.OPEN
    ).exists():
        raise _refuse("shift", "You have asked for this shift already.", "duplicate")
    reasons = reasons_against(shift, employee)
    if reasons:
        raise _refuse(
            "shift", "You cannot take this shift: %(why)s.", "rules", why="; ".join(reasons)
        )
    request = ShiftRequest.objects.create(
        kind=ShiftRequest.Kind.PICKUP, shift=shift, employee=employee
    )
    if require_org().auto_approve_pickups:
        return approve_shift_request(request=request, by=None, base_url=base_url)
    return request


@transaction.atomic
def offer_swap(*, employee: Employee, shift: Shift) -> ShiftRequest:
    """A guard offers one of their upcoming published shifts to a colleague."""
    shift = Shift.objects.select_for_update().get(pk=shift.pk)
    if shift.published_employee_id != employee.pk or shift.employee_id != employee.pk:
        raise _refuse("shift", "Only your own published shift can be offered.", "not_yours")
    if not _upcoming(shift):
        raise _refuse("shift", "This shift has started already.", "started")
    if ShiftRequest.objects.filter(
        kind=ShiftRequest.Kind.SWAP, shift=shift, status__in=ShiftRequest.OPEN
    ).exists():
        raise _refuse("shift", "This shift is offered already.", "duplicate")
    return ShiftRequest.objects.create(kind=ShiftRequest.Kind.SWAP, shift=shift, employee=employee)


@transaction.atomic
def take_swap(*, request: ShiftRequest, taker: Employee) -> ShiftRequest:
    """A free, qualified colleague takes an offered shift; the manager approves next."""
    from scheduling.candidates import reasons_against

    locked = _locked_request(request)
    if locked.kind != ShiftRequest.Kind.SWAP or locked.status != ShiftRequest.Status.PENDING:
        raise AlreadyDecided(locked)
    if taker.pk == locked.employee_id:
        raise _refuse("taker", "This is your own shift.", "own")
    reasons = reasons_against(locked.shift, taker)
    if reasons:
        raise _refuse(
            "taker", "You cannot take this shift: %(why)s.", "rules", why="; ".join(reasons)
        )
    locked.taker, locked.taken_at = taker, timezone.now()
    locked.status = ShiftRequest.Status.ACCEPTED
    locked.save(update_fields=["taker", "taken_at", "status"])
    return locked


@transaction.atomic
def cancel_shift_request(*, request: ShiftRequest) -> ShiftRequest:
    """The guard who asked or offered withdraws it while it is open."""
    locked = _locked_request(request)
    if locked.status not in ShiftRequest.OPEN:
        raise AlreadyDecided(locked)
    locked.status = ShiftRequest.Status.CANCELLED
    locked.save(update_fields=["status"])
    return locked


@transaction.atomic
def approve_shift_request(
    *, request: ShiftRequest, by: User | None, base_url: str = ""
) -> ShiftRequest:
    """Approve a pick-up (pending) or a taken swap (accepted): the guard goes onto the shift,
    checked again now and published at once; the guards are emailed. `by` None: the
    organization's automatic approval."""
    from scheduling.services import assign_shift

    if by is not None:
        _check_decider(by)
    # The shift first, then the request: two approvals for one shift queue on the shift, so
    # the second finds its request declined by the first instead of a deadlock.
    Shift.objects.select_for_update().filter(pk=request.shift_id).first()
    locked = _locked_request(request)
    ready = ShiftRequest.Status.PENDING if locked.kind == "pickup" else ShiftRequest.Status.ACCEPTED
    if locked.status != ready:
        raise AlreadyDecided(locked)
    expected = None if locked.kind == ShiftRequest.Kind.PICKUP else locked.employee_id
    try:
        assign_shift(
            shift=locked.shift,
            employee=locked.guard_on_approval,
            by=by,
            expected_employee_id=expected,
            publish=True,
            notify=False,  # the decision email below says it
        )
    except ValidationError as error:
        raise ValidationError(
            "Cannot approve now: %(why)s", code="rules", params={"why": " ".join(error.messages)}
        ) from None
    locked.status = ShiftRequest.Status.APPROVED
    locked.decided_by, locked.decided_at = by, timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    # The other guards who asked for the same open shift: it is taken.
    others = list(
        ShiftRequest.objects.filter(shift=locked.shift, status__in=ShiftRequest.OPEN)
        .exclude(pk=locked.pk)
        .select_for_update()
    )
    for other in others:
        other.status, other.decided_by, other.decided_at = (
            ShiftRequest.Status.DECLINED,
            by,
            timezone.now(),
        )
        other.decline_reason = "Another guard was given this shift."
        other.save(update_fields=["status", "decided_by", "decided_at", "decline_reason"])
        _email_shift_decision(other, base_url)
    _email_shift_decision(locked, base_url)
    return locked


@transaction.atomic
def decline_shift_request(
    *, request: ShiftRequest, by: User, reason: str = "", base_url: str = ""
) -> ShiftRequest:
    _check_decider(by)
    locked = _locked_request(request)
    if locked.status not in ShiftRequest.OPEN:
        raise AlreadyDecided(locked)
    locked.status = ShiftRequest.Status.DECLINED
    locked.decline_reason = reason.strip()[:500]
    locked.decided_by, locked.decided_at = by, timezone.now()
    locked.save(update_fields=["status", "decline_reason", "decided_by", "decided_at"])
    _email_shift_decision(locked, base_url)
    return locked


def _email_shift_decision(request: ShiftRequest, base_url: str) -> None:
    """The decision email to the guard who asked or offered, and to the taker (ids only)."""
    for guard in (request.employee, request.taker):
        if guard is not None and guard.user_id is not None:
            send_email.enqueue(
                template="shift_request_decision",
                user_id=guard.user_id,
                base_url=base_url,
                object_id=request.pk,
            )


# --- Availability ----------------------------------------------------------------------------


def _too_far(today: dt.date) -> ValidationError:
    return ValidationError(
        "Choose a date up to %(last)s (a year from today).",
        code="too_far",
        params={"last": f"{today + AHEAD:%-d %b %Y}"},
    )


def _locked_active(employee: Employee) -> Employee:
    """The guard's row, locked: serializes one guard's availability writes, so a double
    submit cannot slip past the duplicate and overlap checks (and refuses a guard
    deactivated meanwhile)."""
    require_org("Availability")
    employee = Employee.objects.select_for_update().get(pk=employee.pk)
    if not employee.is_active:
        raise ValidationError("This guard is inactive.", code="inactive_guard")
    return employee


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether two weekly [start, end) spans (minutes from Monday 00:00, an end may pass the
    week's end) overlap on the week's circle."""
    week = 7 * 1440
    return any(a[0] < b[1] + shift and b[0] + shift < a[1] for shift in (-week, 0, week))


@transaction.atomic
def add_unavailable_window(
    *, employee: Employee, weekday: int, start: dt.time, end: dt.time
) -> UnavailableWindow:
    """A weekly window when `employee` cannot work (see UnavailableWindow for past
    midnight and the whole day).

    Refused (ValidationError on the field): an unknown weekday, from and to the same time
    (other than 00:00 to 00:00, the whole day), a window overlapping one the guard already
    has (an exact duplicate included), and more than MAX_WINDOWS windows."""
    employee = _locked_active(employee)
    if weekday not in UnavailableWindow.Weekday.values:
        raise ValidationError({"weekday": ValidationError("Choose a day.", code="weekday")})
    start, end = start.replace(second=0, microsecond=0), end.replace(second=0, microsecond=0)
    if start == end and start != dt.time.min:
        raise ValidationError(
            {
                "end": ValidationError(
                    "From and to are the same time; for the whole day choose 00:00 to 00:00.",
                    code="empty",
                )
            }
        )
    window = UnavailableWindow(employee=employee, weekday=weekday, start=start, end=end)
    existing = list(UnavailableWindow.objects.filter(employee=employee))
    for other in existing:
        if _overlaps(window.week_minutes, other.week_minutes):
            raise ValidationError(
                {
                    "start": ValidationError(
                        "This overlaps your window %(other)s.",
                        code="overlap",
                        params={"other": other.label},
                    )
                }
            )
    if len(existing) >= MAX_WINDOWS:
        raise ValidationError(
            "You have %(max)s weekly windows, the most there can be; remove one first.",
            code="too_many",
            params={"max": MAX_WINDOWS},
        )
    window.save()
    return window


@transaction.atomic
def remove_unavailable_window(*, window: UnavailableWindow) -> None:
    """Remove a weekly window (callers pass the guard's own)."""
    UnavailableWindow.objects.filter(pk=window.pk).delete()


def _check_upcoming(day: dt.date) -> dt.date:
    """Refuse (on the `day` field) a date before the organization's today or more than a
    year ahead; returns today."""
    today = timezone.localdate(timezone=ZoneInfo(require_org().timezone))
    if day < today:
        raise ValidationError(
            {"day": ValidationError("The date cannot be in the past.", code="past")}
        )
    if day > today + AHEAD:
        raise ValidationError({"day": _too_far(today)})
    return today


@transaction.atomic
def add_unavailable_date(*, employee: Employee, day: dt.date, note: str = "") -> UnavailableDate:
    """A single date `employee` cannot work, the whole day.

    Refused (ValidationError on the field): a date in the past (the organization's today)
    or more than a year ahead, a date already marked, and more than MAX_DATES upcoming
    dates."""
    employee = _locked_active(employee)
    today = _check_upcoming(day)
    upcoming = UnavailableDate.objects.filter(employee=employee, day__gte=today)
    if upcoming.filter(day=day).exists():
        raise ValidationError(
            {
                "day": ValidationError(
                    "You already marked %(day)s.",
                    code="duplicate",
                    params={"day": f"{day:%a %-d %b %Y}"},
                )
            }
        )
    if upcoming.count() >= MAX_DATES:
        raise ValidationError(
            "You have %(max)s dates marked, the most there can be; remove one first.",
            code="too_many",
            params={"max": MAX_DATES},
        )
    return UnavailableDate.objects.create(
        employee=employee, day=day, note=" ".join(note.split())[:200]
    )


@transaction.atomic
def remove_unavailable_date(*, unavailable_date: UnavailableDate) -> None:
    """Remove a marked date (callers pass the guard's own)."""
    UnavailableDate.objects.filter(pk=unavailable_date.pk).delete()


@transaction.atomic
def add_day_wish(*, employee: Employee, day: dt.date, wish: str, strong: bool = False) -> DayWish:
    """The guard's wish for one date (a day off, or to work): a soft goal for the roster.

    Refused (ValidationError on the field): a date in the past or more than a year ahead, a
    date that already has a wish or is marked unavailable (that is already a day off, and a
    hard one), an unknown wish, and more than MAX_DATES upcoming wishes."""
    employee = _locked_active(employee)
    today = _check_upcoming(day)
    if wish not in DayWish.Wish.values:
        raise ValidationError(
            {"wish": ValidationError("Choose a day off, to work, a day or a night shift.")}
        )
    upcoming = DayWish.objects.filter(employee=employee, day__gte=today)
    if upcoming.filter(day=day).exists():
        raise ValidationError(
            {"day": ValidationError("You already have a wish for this date.", code="duplicate")}
        )
    if UnavailableDate.objects.filter(employee=employee, day=day).exists():
        raise ValidationError(
            {
                "day": ValidationError(
                    "You marked this date as unavailable; remove that first.", code="unavailable"
                )
            }
        )
    if upcoming.count() >= MAX_DATES:
        raise ValidationError(
            "You have %(max)s wishes, the most there can be; remove one first.",
            code="too_many",
            params={"max": MAX_DATES},
        )
    return DayWish.objects.create(employee=employee, day=day, wish=wish, strong=bool(strong))


@transaction.atomic
def remove_day_wish(*, day_wish: DayWish) -> None:
    """Remove a wish (callers pass the guard's own)."""
    DayWish.objects.filter(pk=day_wish.pk).delete()


@transaction.atomic
def set_preferences(
    *, employee: Employee, time_of_day: str, weekends_off: bool
) -> ShiftPreferences:
    """The guard's soft preferences (one row per guard, created on the first save).

    Refused (ValidationError on the field): an unknown time of day."""
    employee = _locked_active(employee)
    if time_of_day not in ShiftPreferences.TimeOfDay.values:
        raise ValidationError(
            {"time_of_day": ValidationError("Choose days, nights or no preference.", code="choice")}
        )
    preferences, _ = ShiftPreferences.objects.update_or_create(
        employee=employee,
        defaults={
            "time_of_day": time_of_day,
            "weekends_off": bool(weekends_off),
            "updated_at": timezone.now(),
        },
    )
    return preferences
