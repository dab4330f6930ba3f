"""Forms of attendance: the location a guard's phone sends with a clock-in or clock-out, and
a manager's record or correction. The rules live in attendance/services.py."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from attendance.services import Location


class LocationForm(forms.Form):
    """Hidden inputs filled by static/attendance/clock.js where the guard allows it. Anything
    missing or unreadable is "no location": the guard cannot correct a hidden field, and a
    clock-in without a location is still a clock-in."""

    latitude = forms.FloatField(required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(required=False, min_value=-180, max_value=180)
    accuracy = forms.FloatField(required=False, min_value=0, max_value=1_000_000)

    def location(self) -> Location | None:
        if not self.is_valid():
            return None
        data = self.cleaned_data
        if data["latitude"] is None or data["longitude"] is None:
            return None
        return Location(data["latitude"], data["longitude"], data["accuracy"])


class RecordAttendanceForm(forms.Form):
    clock_in_at = forms.DateTimeField(
        label="Clocked in",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    clock_out_at = forms.DateTimeField(
        label="Clocked out",
        required=False,
        help_text="Leave empty while the guard is still on duty.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        help_text="Kept in the attendance log and the audit trail.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_reason(self) -> str:
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise forms.ValidationError("Say why you record or correct the attendance.")
        return reason

    @staticmethod
    def initial_for(attendance, shift) -> dict[str, dt.datetime | None]:
        if attendance is None:
            return {"clock_in_at": timezone.localtime(shift.start), "clock_out_at": None}
        local = {
            name: timezone.localtime(value) if value else None
            for name, value in (
                ("clock_in_at", attendance.clock_in_at),
                ("clock_out_at", attendance.clock_out_at),
            )
        }
        return local
