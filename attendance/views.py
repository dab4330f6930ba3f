"""The manager's attendance page of one shift: what the guard's phone recorded, the event
log, and the form to record or correct the times with a reason (attendance.services).
The guard's side (clock in, clock out) is on My shifts (guards.views)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from attendance import services
from attendance.forms import RecordAttendanceForm
from attendance.models import Attendance, AttendanceEvent
from rostracore.tenancy.access import manager_required
from scheduling.models import Shift

EVENTS_SHOWN = 50


def _add_errors(form: RecordAttendanceForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            for item in errors:
                form.add_error(name if name in form.fields else None, item)
    else:
        form.add_error(None, error)


@manager_required
def shift_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the shift's attendance and log; POST: record or correct it."""
    shift = get_object_or_404(
        Shift.objects.select_related("site__client", "post", "published_employee"), pk=pk
    )
    attendance = Attendance.objects.select_related("employee").filter(shift=shift).first()
    form = RecordAttendanceForm(
        request.POST or None,
        initial=RecordAttendanceForm.initial_for(attendance, shift),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_attendance(
                user=request.user,
                shift=shift,
                clock_in_at=data["clock_in_at"],
                clock_out_at=data["clock_out_at"],
                reason=data["reason"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "The attendance was recorded.")
            return redirect("attendance:shift", pk=shift.pk)
    events = (
        AttendanceEvent.objects.filter(shift=shift)
        .select_related("employee", "user")
        .order_by("-recorded_at", "-pk")[:EVENTS_SHOWN]
    )
    return render(
        request,
        "attendance/shift.html",
        {"shift": shift, "attendance": attendance, "events": list(events), "form": form},
        status=400 if form.errors else 200,
    )
