"""The guards' own pages, and the managers' inbox of the guards' requests.

The guards' pages (/me/) are small, server-rendered, without JavaScript, for cheap phones.
Each is `guard_required`: a guard of an organization linked to an active employee, who is
`request.employee`. Rows come through the scoped managers and are filtered by that
employee, so a guard sees their own shifts and requests only — of other guards nothing at
all; another guard's request is a 404, like a missing one.

The requests inbox (/requests/) is `manager_required`; every decision goes through
guards/services.py, which checks it again at that moment.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import DurationField, ExpressionWrapper, F, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from employees.forms import PageForm
from guards import services
from guards.forms import DeclineForm, LeaveRequestForm
from guards.models import LeaveRequest
from rostracore.dashboard import week_bounds
from rostracore.pagination import CappedPaginator
from rostracore.tenancy.access import guard_required, manager_required
from scheduling.models import Shift

UPCOMING_SHIFTS = 50  # the next ones, within UPCOMING_DAYS: a page a phone loads quickly
UPCOMING_DAYS = 56
PAST_WEEKS = 4
OWN_REQUESTS = 30  # the guard's latest leave requests
INBOX_PAGE_SIZE = 50


def _hours(duration: dt.timedelta | None) -> float:
    return round((duration or dt.timedelta()).total_seconds() / 3600, 1)


@guard_required
def my_shifts(request: HttpRequest) -> HttpResponse:
    """Upcoming published shifts, this week's and the last four weeks' hours, and the
    calendar link. Three queries whatever the number of shifts (besides the session, user,
    organization and employee of every guard page)."""
    employee = request.employee
    now = timezone.now()
    monday, next_monday = week_bounds(now, zoneinfo.ZoneInfo(request.org.timezone))
    shifts = Shift.objects.filter(employee=employee)
    upcoming = list(
        shifts.filter(end__gt=now, start__lt=now + dt.timedelta(days=UPCOMING_DAYS))
        .select_related("site", "post")
        .order_by("start")[:UPCOMING_SHIFTS]
    )
    # Hours by the week a shift starts in (Monday to Monday, the organization's time), as
    # the dashboard counts shifts. Aware arithmetic on the zone's wall clock: each bound
    # stays a local midnight, across a daylight-saving change too.
    weeks = [
        (monday - dt.timedelta(weeks=n), next_monday - dt.timedelta(weeks=n))
        for n in range(PAST_WEEKS + 1)
    ]
    length = ExpressionWrapper(F("end") - F("start"), output_field=DurationField())
    totals = shifts.aggregate(
        **{
            f"week_{n}": Sum(length, filter=Q(start__gte=start, start__lt=end))
            for n, (start, end) in enumerate(weeks)
        }
    )
    past = [
        {"start": start, "end": end - dt.timedelta(days=1), "hours": _hours(totals[f"week_{n}"])}
        for n, (start, end) in enumerate(weeks)
        if n > 0
    ]
    feed = reverse("scheduling:guard_ical", kwargs={"token": employee.calendar_token})
    return render(
        request,
        "guards/my_shifts.html",
        {
            "employee": employee,
            "upcoming": upcoming,
            "this_week": {"start": monday, "hours": _hours(totals["week_0"])},
            "past_weeks": past,
            "past_total": round(sum(week["hours"] for week in past), 1),
            "calendar_url": request.build_absolute_uri(feed),
        },
    )


# --- Leave: the guard's side ---------------------------------------------------------------


def _add_errors(form, error: ValidationError) -> None:
    """A service's refusal, on the form's field (or the form) it names."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for item in errors:
                form.add_error(field if field in form.fields else None, item)
    else:
        form.add_error(None, error)


@guard_required
def leave(request: HttpRequest) -> HttpResponse:
    """The guard's leave requests with their status, and the form to ask for leave."""
    form = LeaveRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.request_leave(
                employee=request.employee,
                start=data["start"],
                end=data["end"],
                kind=data["kind"],
                note=data["note"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Your leave request was sent to your manager.")
            return redirect("guards:leave")
    requests = LeaveRequest.objects.filter(employee=request.employee).order_by("-start", "-pk")[
        :OWN_REQUESTS
    ]
    return render(
        request,
        "guards/leave.html",
        {"form": form, "requests": list(requests)},
        status=400 if form.errors else 200,
    )


@require_POST
@guard_required
def leave_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw one of the guard's own pending requests."""
    leave_request = get_object_or_404(LeaveRequest, pk=pk, employee=request.employee)
    try:
        services.cancel_leave(request=leave_request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Your leave request was cancelled.")
    return redirect("guards:leave")


# --- The requests inbox: the managers' side ---------------------------------------------


@manager_required
def requests_inbox(request: HttpRequest) -> HttpResponse:
    """Pending requests, oldest first, 50 a page, with approve and decline."""
    pending = (
        LeaveRequest.objects.filter(status=LeaveRequest.Status.PENDING)
        .select_related("employee")
        .order_by("created_at", "pk")
    )
    # guards_leave_inbox (org, status, created_at) hands over the page; the count is capped.
    page = CappedPaginator(pending, INBOX_PAGE_SIZE).get_page(PageForm(request.GET).number())
    return render(request, "guards/requests.html", {"page": page, "decline_form": DeclineForm()})


def _decide(request: HttpRequest, pk: int, decide) -> HttpResponse:
    leave_request = get_object_or_404(LeaveRequest.objects.select_related("employee"), pk=pk)
    try:
        decided = decide(leave_request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"{decided.get_status_display()}: {decided.employee.full_name}, "
            f"{decided.start:%-d %b} – {decided.end:%-d %b %Y}.",
        )
    return redirect("guards:requests")


@require_POST
@manager_required
def leave_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request,
        pk,
        lambda leave_request: services.approve_leave(
            request=leave_request, by=request.user, base_url=request.build_absolute_uri("/")
        ),
    )


@require_POST
@manager_required
def leave_decline(request: HttpRequest, pk: int) -> HttpResponse:
    form = DeclineForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _decide(
        request,
        pk,
        lambda leave_request: services.decline_leave(
            request=leave_request,
            by=request.user,
            reason=reason,
            base_url=request.build_absolute_uri("/"),
        ),
    )
