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
from django.core.paginator import Paginator
from django.db.models import (
    CharField,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from attendance import services as attendance_services
from attendance.forms import LocationForm
from attendance.models import Attendance
from employees.forms import PageForm
from guards import services
from guards.forms import (
    DayWishForm,
    DeclineForm,
    LeaveRequestForm,
    ShiftPreferencesForm,
    UnavailableDateForm,
    UnavailableWindowForm,
)
from guards.models import (
    DayWish,
    LeaveRequest,
    ShiftPreferences,
    ShiftRequest,
    UnavailableDate,
    UnavailableWindow,
)
from rostracore.dashboard import week_bounds
from rostracore.tenancy.access import guard_required, manager_required
from scheduling.candidates import shifts_for
from scheduling.models import Shift, ShiftChange

UPCOMING_SHIFTS = 50  # the next ones, within UPCOMING_DAYS: a page a phone loads quickly
UPCOMING_DAYS = 56
PAST_WEEKS = 4
CHANGES_SHOWN = 20  # roster changes since the guard last looked
OPEN_SHIFT_DAYS = 28  # open shifts and offers a guard is shown, from now
OPEN_SHIFTS_CHECKED = 200  # the nearest ones are checked against the rules
OPEN_SHIFTS_SHOWN = 30
OWN_REQUESTS = 30  # the guard's latest leave requests
INBOX_PAGE_SIZE = 50


def _hours(duration: dt.timedelta | None) -> float:
    return round((duration or dt.timedelta()).total_seconds() / 3600, 1)


@guard_required
@require_POST
def acknowledge(request: HttpRequest) -> HttpResponse:
    """ "Seen": the marks on My shifts' changes go."""
    services.acknowledge_changes(employee=request.employee)
    return redirect("guards:my_shifts")


@guard_required
def my_shifts(request: HttpRequest) -> HttpResponse:
    """Upcoming published shifts, this week's and the last four weeks' hours, and the
    calendar link. Three queries whatever the number of shifts (besides the session, user,
    organization and employee of every guard page)."""
    employee = request.employee
    now = timezone.now()
    monday, next_monday = week_bounds(now, zoneinfo.ZoneInfo(request.org.timezone))
    shifts = Shift.objects.filter(published_employee=employee)
    # The guard's own attendance of each shift, as two columns of the same query; a shift
    # clocked in on stays listed until clocked out (or CLOCK_OUT_LATE after its end).
    mine = Attendance.objects.filter(shift=OuterRef("pk"), employee=employee)
    upcoming = list(
        shifts.annotate(
            clocked_in_at=Subquery(mine.values("clock_in_at")[:1]),
            clocked_out_at=Subquery(mine.values("clock_out_at")[:1]),
        )
        .filter(
            Q(end__gt=now)
            | Q(
                end__gt=now - attendance_services.CLOCK_OUT_LATE,
                clocked_in_at__isnull=False,
                clocked_out_at__isnull=True,
            ),
            start__lt=now + dt.timedelta(days=UPCOMING_DAYS),
        )
        .select_related("site", "post")
        .order_by("start")[:UPCOMING_SHIFTS]
    )
    for shift in upcoming:
        shift.can_clock_in = (
            shift.clocked_in_at is None
            and shift.start - attendance_services.CLOCK_IN_EARLY <= now < shift.end
        )
        shift.can_clock_out = shift.clocked_in_at is not None and shift.clocked_out_at is None
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
    # Published changes since the guard last acknowledged them (the last fortnight's at
    # most, and never more than CHANGES_SHOWN).
    since = employee.roster_seen_at or now - dt.timedelta(days=14)
    changes = list(
        ShiftChange.objects.filter(
            Q(employee=employee) | Q(previous_employee=employee), published_at__gt=since
        )
        .select_related("shift__site")
        .order_by("-published_at", "-pk")[:CHANGES_SHOWN]
    )
    new_ids = {c.shift_id for c in changes if c.employee_id == employee.pk}
    for shift in upcoming:
        shift.is_new = shift.pk in new_ids
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
            "changes": [(c, c.employee_id == employee.pk) for c in changes],
            "clockable": any(s.can_clock_in or s.can_clock_out for s in upcoming),
        },
    )


# --- Attendance: clocking in and out of the guard's own published shifts ------------------


def _clock(request: HttpRequest, pk: int, *, out: bool) -> HttpResponse:
    # Another guard's shift (or another organization's) is a 404, like a missing one.
    shift = get_object_or_404(Shift, pk=pk, published_employee=request.employee)
    location = LocationForm(request.POST).location()
    service = attendance_services.clock_out if out else attendance_services.clock_in
    try:
        attendance = service(employee=request.employee, shift=shift, location=location)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        moment = attendance.clock_out_at if out else attendance.clock_in_at
        messages.success(
            request,
            f"Clocked {'out' if out else 'in'} at {timezone.localtime(moment):%H:%M}"
            f"{'' if location else ' (no location)'}.",
        )
    return redirect("guards:my_shifts")


@require_POST
@guard_required
def clock_in(request: HttpRequest, pk: int) -> HttpResponse:
    return _clock(request, pk, out=False)


@require_POST
@guard_required
def clock_out(request: HttpRequest, pk: int) -> HttpResponse:
    return _clock(request, pk, out=True)


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


# --- Availability: the guard's side ---------------------------------------------------------


def _availability_page(
    request: HttpRequest,
    *,
    window_form: UnavailableWindowForm | None = None,
    date_form: UnavailableDateForm | None = None,
    wish_form: DayWishForm | None = None,
    preferences_form: ShiftPreferencesForm | None = None,
) -> HttpResponse:
    """The page, with the form that was just sent (and its errors) in its place. Four
    queries: the windows, the upcoming dates, the upcoming wishes, the preferences."""
    employee = request.employee
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(request.org.timezone))
    preferences = ShiftPreferences.objects.filter(employee=employee).first()
    if preferences_form is None:
        initial = (
            {"time_of_day": preferences.time_of_day, "weekends_off": preferences.weekends_off}
            if preferences
            else {"time_of_day": ""}
        )
        preferences_form = ShiftPreferencesForm(initial=initial)
    sent = (window_form, date_form, wish_form, preferences_form)
    return render(
        request,
        "guards/availability.html",
        {
            "windows": list(UnavailableWindow.objects.filter(employee=employee)),
            "dates": list(
                UnavailableDate.objects.filter(employee=employee, day__gte=today).order_by("day")
            ),
            "wishes": list(DayWish.objects.filter(employee=employee, day__gte=today)),
            "preferences": preferences,
            "window_form": window_form or UnavailableWindowForm(),
            "date_form": date_form or UnavailableDateForm(),
            "wish_form": wish_form or DayWishForm(),
            "preferences_form": preferences_form,
        },
        status=400 if any(form is not None and form.errors for form in sent) else 200,
    )


@guard_required
def availability(request: HttpRequest) -> HttpResponse:
    """When the guard cannot work (weekly windows, single dates) and what they prefer."""
    return _availability_page(request)


@require_POST
@guard_required
def window_add(request: HttpRequest) -> HttpResponse:
    form = UnavailableWindowForm(request.POST)
    if form.is_valid():
        try:
            window = services.add_unavailable_window(employee=request.employee, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Added: not available {window.label}.")
            return redirect("guards:availability")
    return _availability_page(request, window_form=form)


@require_POST
@guard_required
def window_remove(request: HttpRequest, pk: int) -> HttpResponse:
    window = get_object_or_404(UnavailableWindow, pk=pk, employee=request.employee)
    services.remove_unavailable_window(window=window)
    messages.success(request, f"Removed: {window.label}.")
    return redirect("guards:availability")


@require_POST
@guard_required
def date_add(request: HttpRequest) -> HttpResponse:
    form = UnavailableDateForm(request.POST)
    if form.is_valid():
        try:
            marked = services.add_unavailable_date(
                employee=request.employee,
                day=form.cleaned_data["day"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Added: not available on {marked.label}.")
            return redirect("guards:availability")
    return _availability_page(request, date_form=form)


@require_POST
@guard_required
def date_remove(request: HttpRequest, pk: int) -> HttpResponse:
    marked = get_object_or_404(UnavailableDate, pk=pk, employee=request.employee)
    services.remove_unavailable_date(unavailable_date=marked)
    messages.success(request, f"Removed: {marked.label}.")
    return redirect("guards:availability")


@require_POST
@guard_required
def wish_add(request: HttpRequest) -> HttpResponse:
    form = DayWishForm(request.POST)
    if form.is_valid():
        try:
            wished = services.add_day_wish(employee=request.employee, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Added: {wished.label}.")
            return redirect("guards:availability")
    return _availability_page(request, wish_form=form)


@require_POST
@guard_required
def wish_remove(request: HttpRequest, pk: int) -> HttpResponse:
    wished = get_object_or_404(DayWish, pk=pk, employee=request.employee)
    services.remove_day_wish(day_wish=wished)
    messages.success(request, f"Removed: {wished.label}.")
    return redirect("guards:availability")


@require_POST
@guard_required
def preferences(request: HttpRequest) -> HttpResponse:
    form = ShiftPreferencesForm(request.POST)
    if form.is_valid():
        try:
            services.set_preferences(employee=request.employee, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Your preferences were saved.")
            return redirect("guards:availability")
    return _availability_page(request, preferences_form=form)


# --- The requests inbox: the managers' side ---------------------------------------------


def _awaiting_manager():
    """Shift requests a manager decides: pick-ups asked for, swaps taken."""
    return ShiftRequest.objects.filter(
        Q(kind=ShiftRequest.Kind.PICKUP, status=ShiftRequest.Status.PENDING)
        | Q(kind=ShiftRequest.Kind.SWAP, status=ShiftRequest.Status.ACCEPTED)
    )


@manager_required
def requests_inbox(request: HttpRequest) -> HttpResponse:
    """Leave, pick-ups and swaps waiting for a decision, oldest first in one list, 50 a
    page, with approve and decline. A page is one union query of (kind, id, asked) and one
    query per kind for that page's rows, whatever the number waiting."""
    leave = LeaveRequest.objects.filter(status=LeaveRequest.Status.PENDING).values_list(
        Value("leave", output_field=CharField()), "pk", "created_at"
    )
    shifts = _awaiting_manager().values_list(
        Value("shift", output_field=CharField()), "pk", "created_at"
    )
    page = Paginator(leave.union(shifts, all=True).order_by("created_at", "pk"), INBOX_PAGE_SIZE)
    page = page.get_page(PageForm(request.GET).number())
    keys = list(page.object_list)
    rows = {
        **{
            ("leave", r.pk): r
            for r in LeaveRequest.objects.filter(
                pk__in=[pk for kind, pk, _ in keys if kind == "leave"]
            ).select_related("employee")
        },
        **{
            ("shift", r.pk): r
            for r in ShiftRequest.objects.filter(
                pk__in=[pk for kind, pk, _ in keys if kind == "shift"]
            ).select_related("employee", "taker", "shift__site")
        },
    }
    items = [(kind, rows[(kind, pk)]) for kind, pk, _ in keys if (kind, pk) in rows]
    return render(
        request,
        "guards/requests.html",
        {"page": page, "items": items, "decline_form": DeclineForm()},
    )


def _decision(request: HttpRequest, row, service, said, **kwargs) -> HttpResponse:
    """Decide `row` with `service` (checked again inside it, under its lock); the outcome
    as a message on the inbox."""
    try:
        decided = service(
            request=row, by=request.user, base_url=request.build_absolute_uri("/"), **kwargs
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, said(decided))
    return redirect("guards:requests")


def _reason(request: HttpRequest) -> str:
    form = DeclineForm(request.POST)
    return form.cleaned_data["reason"] if form.is_valid() else ""


def _leave_said(decided: LeaveRequest) -> str:
    return (
        f"{decided.get_status_display()}: {decided.employee.full_name}, "
        f"{decided.start:%-d %b} – {decided.end:%-d %b %Y}."
    )


def _shift_said(decided: ShiftRequest) -> str:
    return (
        f"{decided.get_status_display()}: {decided.get_kind_display().lower()} of "
        f"{timezone.localtime(decided.shift.start):%a %-d %b %H:%M} for "
        f"{decided.guard_on_approval.full_name}."
    )


def _leave(pk: int) -> LeaveRequest:
    return get_object_or_404(LeaveRequest.objects.select_related("employee"), pk=pk)


@require_POST
@manager_required
def leave_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _decision(request, _leave(pk), services.approve_leave, _leave_said)


@require_POST
@manager_required
def leave_decline(request: HttpRequest, pk: int) -> HttpResponse:
    return _decision(
        request, _leave(pk), services.decline_leave, _leave_said, reason=_reason(request)
    )


@require_POST
@manager_required
def shift_request_approve(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(_awaiting_manager(), pk=pk)
    return _decision(request, row, services.approve_shift_request, _shift_said)


@require_POST
@manager_required
def shift_request_decline(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(_awaiting_manager(), pk=pk)
    return _decision(
        request, row, services.decline_shift_request, _shift_said, reason=_reason(request)
    )


# --- Open shifts and swaps: the guards' side ---------------------------------------------


def _published_open(now):
    return Shift.objects.filter(
        employee__isnull=True,
        published_employee__isnull=True,
        start__gt=now,
        start__lt=now + dt.timedelta(days=OPEN_SHIFT_DAYS),
    )


@guard_required
def open_shifts(request: HttpRequest) -> HttpResponse:
    """Published open shifts of the next four weeks that the guard is free and qualified
    for (the checker's verdict), and the guard's open pick-up requests."""
    now = timezone.now()
    employee = request.employee
    asked = ShiftRequest.objects.filter(
        employee=employee, kind=ShiftRequest.Kind.PICKUP, status__in=ShiftRequest.OPEN
    ).select_related("shift__site")
    asked = list(asked.order_by("shift__start")[:OPEN_SHIFTS_SHOWN])
    candidates = list(
        _published_open(now)
        .exclude(pk__in=[r.shift_id for r in asked])
        .select_related("site", "post")
        .order_by("start", "pk")[:OPEN_SHIFTS_CHECKED]
    )
    fitting = [s for s, reasons in shifts_for(employee, candidates) if not reasons]
    return render(
        request,
        "guards/open_shifts.html",
        {"shifts": fitting[:OPEN_SHIFTS_SHOWN], "asked": asked},
    )


@require_POST
@guard_required
def pickup(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_object_or_404(_published_open(timezone.now()), pk=pk)
    try:
        made = services.request_pickup(
            employee=request.employee, shift=shift, base_url=request.build_absolute_uri("/")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if made.status == ShiftRequest.Status.APPROVED:
            messages.success(request, "The shift is yours: it is on My shifts.")
        else:
            messages.success(request, "Asked: your manager decides, and you get an email.")
    return redirect("guards:open_shifts")


@guard_required
def swaps(request: HttpRequest) -> HttpResponse:
    """The guard's shifts they can offer, their offers, and colleagues' offers they are free
    and qualified to take."""
    now = timezone.now()
    employee = request.employee
    mine = list(
        Shift.objects.filter(published_employee=employee, employee=employee, start__gt=now)
        .select_related("site")
        .order_by("start")[:OPEN_SHIFTS_SHOWN]
    )
    offers = list(
        ShiftRequest.objects.filter(
            kind=ShiftRequest.Kind.SWAP, status__in=ShiftRequest.OPEN, shift__start__gt=now
        )
        .select_related("shift__site", "employee", "taker")
        .order_by("shift__start", "pk")[:OPEN_SHIFTS_CHECKED]
    )
    my_offers = [o for o in offers if o.employee_id == employee.pk]
    offered = {o.shift_id for o in my_offers}
    theirs = [o for o in offers if o.employee_id != employee.pk and o.status == "pending"]
    judged = dict(shifts_for(employee, [o.shift for o in theirs]))
    takeable = [o for o in theirs if not judged.get(o.shift)][:OPEN_SHIFTS_SHOWN]
    return render(
        request,
        "guards/swaps.html",
        {
            "mine": [s for s in mine if s.pk not in offered],
            "my_offers": my_offers,
            "takeable": takeable,
        },
    )


@require_POST
@guard_required
def swap_offer(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_object_or_404(Shift, pk=pk, published_employee=request.employee)
    try:
        services.offer_swap(employee=request.employee, shift=shift)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Offered: a colleague can take it, then your manager decides.")
    return redirect("guards:swaps")


@require_POST
@guard_required
def swap_take(request: HttpRequest, pk: int) -> HttpResponse:
    offer = get_object_or_404(
        ShiftRequest.objects.exclude(employee=request.employee),
        pk=pk,
        kind=ShiftRequest.Kind.SWAP,
    )
    try:
        services.take_swap(request=offer, taker=request.employee)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Taken: your manager decides, and you get an email.")
    return redirect("guards:swaps")


@require_POST
@guard_required
def shift_request_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    own = get_object_or_404(ShiftRequest, pk=pk, employee=request.employee)
    try:
        services.cancel_shift_request(request=own)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Withdrawn.")
    return redirect(
        "guards:open_shifts" if own.kind == ShiftRequest.Kind.PICKUP else "guards:swaps"
    )
