"""The shift page and the board's hand edits: who can take a shift, best first with the
others' reasons (scheduling.candidates), and the actions (assign, unassign, swap, pin, a
one-off shift, publish the week's changes, fill the rest). Each action is one service in
scheduling/services.py; a refusal is a message on the page, never a 500.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from rostracore.tenancy.access import manager_required
from scheduling import services
from scheduling.candidates import candidates
from scheduling.forms import (
    AssignForm,
    OneOffShiftForm,
    PinForm,
    SwapForm,
    UnassignForm,
    WeekActionForm,
)
from scheduling.models import RosterAssignment, RosterRun, Shift

# The shift page lists this many of each group (free and qualified; the others).
CANDIDATES_SHOWN = 25
# Shifts offered to swap with: the same week's shifts with a guard, nearest first.
SWAP_CHOICES = 100
FILL_TIME_LIMIT = 30  # seconds for "fill the rest" (a week)


def _errors(error: ValidationError) -> list[str]:
    return error.messages


def _latest_draft(shift: Shift) -> RosterAssignment | None:
    """The latest finished, unpublished run's suggestion for this shift, if any."""
    return (
        RosterAssignment.objects.filter(shift=shift, run__status=RosterRun.Status.DONE)
        .select_related("employee", "run")
        .order_by("-run__created_at", "-run_id")
        .first()
    )


def _week_of(shift: Shift) -> dt.date:
    day = timezone.localtime(shift.start).date()
    return day - dt.timedelta(days=day.weekday())


@manager_required
def shift_detail(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_object_or_404(
        Shift.objects.select_related("site__client", "post", "employee", "published_employee"),
        pk=pk,
    )
    found = candidates(shift, limit=CANDIDATES_SHOWN)
    week = _week_of(shift)
    tz = timezone.get_current_timezone()
    week_start = dt.datetime.combine(week, dt.time.min, tzinfo=tz)
    swap_with = []
    if shift.employee_id is not None:
        swap_with = list(
            Shift.objects.filter(
                start__gte=week_start,
                start__lt=week_start + dt.timedelta(days=7),
                employee__isnull=False,
            )
            .exclude(employee_id=shift.employee_id)
            .select_related("site", "employee")
            .order_by("start", "pk")[:SWAP_CHOICES]
        )
    return render(
        request,
        "scheduling/shift.html",
        {
            "shift": shift,
            "free": [c for c in found if c.fits],
            "others": [c for c in found if not c.fits],
            "draft": _latest_draft(shift),
            "swap_with": swap_with,
            "week": week,
            "board_url": f"{reverse('scheduling:board')}?week={week:%Y-%m-%d}",
        },
    )


def _refused(request: HttpRequest, form, shift: Shift) -> HttpResponse:
    """Bad input: each field's message on the shift page, nothing changed."""
    for errors in form.errors.values():
        for text in errors:
            messages.error(request, text)
    return redirect(shift)


def _act(request: HttpRequest, shift: Shift, action, success: str) -> HttpResponse:
    try:
        action()
    except ValidationError as error:
        for text in _errors(error):
            messages.error(request, text)
    else:
        messages.success(request, success)
    return redirect(shift)


@manager_required
@require_POST
def shift_assign(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_object_or_404(Shift, pk=pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        return _refused(request, form, shift)
    guard = form.cleaned_data["employee"]
    return _act(
        request,
        shift,
        lambda: services.assign_shift(
            shift=shift,
            employee=guard,
            by=request.user,
            expected_employee_id=form.cleaned_data["current"],
        ),
        f"{guard.full_name} is on this shift (pinned; not yet published).",
    )


@manager_required
@require_POST
def shift_unassign(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_object_or_404(Shift, pk=pk)
    form = UnassignForm(request.POST)
    valid = form.is_valid()
    expected = form.cleaned_data["current"] if valid else shift.employee_id
    sick = valid and form.cleaned_data["sick"]
    return _act(
        request,
        shift,
        lambda: services.unassign_shift(
            shift=shift, by=request.user, expected_employee_id=expected, sick=sick
        ),
        "The shift is open (not yet published)."
        + (" The guard is recorded off sick for its hours." if sick else ""),
    )


@manager_required
@require_POST
def shift_pin(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_object_or_404(Shift, pk=pk)
    form = PinForm(request.POST)
    if not form.is_valid():
        return _refused(request, form, shift)
    pinned = form.cleaned_data["pinned"]
    return _act(
        request,
        shift,
        lambda: services.set_pinned(
            shift=shift, pinned=pinned, employee=form.cleaned_data["employee"], by=request.user
        ),
        "Pinned: every roster run keeps this guard."
        if pinned
        else "Unpinned: the guard stays, as published rosters do.",
    )


@manager_required
@require_POST
def shift_swap(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_object_or_404(Shift, pk=pk)
    form = SwapForm(request.POST)
    if not form.is_valid():
        return _refused(request, form, shift)
    return _act(
        request,
        shift,
        lambda: services.swap_shifts(
            first=shift, second=form.cleaned_data["other"], by=request.user
        ),
        "Swapped (not yet published).",
    )


@manager_required
def shift_new(request: HttpRequest) -> HttpResponse:
    """A one-off shift (event cover), from the board."""
    initial = {"date": request.GET.get("date") or timezone.localdate()}
    form = OneOffShiftForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            shift = services.create_one_off_shift(
                site=data["site"],
                start=data["start"],
                end=data["end"],
                required_grade=data["required_grade"],
                employee=data["employee"],
                by=request.user,
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "One-off shift added (not yet published).")
            return redirect(shift)
    return render(request, "scheduling/shift_new.html", {"form": form})


def _week_range(week: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(week, dt.time.min, tzinfo=tz)
    return start, dt.datetime.combine(week + dt.timedelta(days=7), dt.time.min, tzinfo=tz)


def _board(week: dt.date | None) -> HttpResponse:
    url = reverse("scheduling:board")
    return redirect(f"{url}?week={week:%Y-%m-%d}" if week else url)


@manager_required
@require_POST
def board_publish(request: HttpRequest) -> HttpResponse:
    """Publish the week's hand edits: the guards are told (and emailed)."""
    form = WeekActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a week within five years of today.")
        return _board(None)
    week = form.cleaned_data["week"]
    start, end = _week_range(week)
    count = services.publish_changes(
        start=start, end=end, by=request.user, base_url=request.build_absolute_uri("/")
    )
    if count:
        messages.success(
            request,
            f"Published {count} change{'s' if count != 1 else ''}; the guards affected are "
            "emailed.",
        )
    else:
        messages.info(request, "Nothing to publish: the week is as the guards were told.")
    return _board(week)


@manager_required
@require_POST
def board_fill(request: HttpRequest) -> HttpResponse:
    """ "Fill the rest": a roster run over the week that keeps every assigned shift (pinned,
    hand-made and published) and fills the open ones."""
    form = WeekActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a week within five years of today.")
        return _board(None)
    week = form.cleaned_data["week"]
    try:
        run = services.start_run(
            start_date=week,
            end_date=week + dt.timedelta(days=7),
            time_limit=FILL_TIME_LIMIT,
            created_by=request.user,
        )
    except ValidationError as error:
        for text in _errors(error):
            messages.error(request, text)
        return _board(week)
    return redirect(run)
