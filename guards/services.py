"""Leave requests: guards ask, managers decide. Keyword-only, typed, atomic.

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
from guards.models import LeaveRequest
from organizations.models import User
from organizations.tasks import send_email
from rostracore.tenancy.context import CrossOrganizationError, require_org
from scheduling.models import Absence

OPEN = (LeaveRequest.Status.PENDING, LeaveRequest.Status.APPROVED)


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
    today), a last day before the first, an unknown type, and days overlapping another
    pending or approved request of the same guard."""
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
    org = require_org("A leave decision")
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
