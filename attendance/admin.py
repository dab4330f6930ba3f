"""Attendance in the admin: read only. A clock-in or clock-out is the guard's (My shifts), a
record or correction the manager's, with a reason (the shift's attendance page, through
attendance.services.record_attendance); the event log is append-only."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from attendance.models import Attendance, AttendanceEvent
from rostracore.tenancy.admin import TenantModelAdmin


class _ReadOnly(TenantModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Attendance)
class AttendanceAdmin(_ReadOnly):
    list_display = ["shift", "employee", "clock_in_at", "clock_out_at", "correct"]
    list_select_related = ["shift__site", "employee"]
    search_fields = ["employee__first_name", "employee__last_name", "shift__site__name"]
    date_hierarchy = "clock_in_at"
    ordering = ["-clock_in_at", "-id"]

    @admin.display(description="record or correct")
    def correct(self, attendance: Attendance) -> str:
        return format_html(
            '<a href="{}">attendance page</a>',
            reverse("attendance:shift", kwargs={"pk": attendance.shift_id}),
        )


@admin.register(AttendanceEvent)
class AttendanceEventAdmin(_ReadOnly):
    list_display = ["recorded_at", "kind", "employee", "shift", "at", "source", "reason"]
    list_filter = ["kind", "source"]
    list_select_related = ["shift__site", "employee"]
    search_fields = ["employee__first_name", "employee__last_name", "reason"]
    date_hierarchy = "recorded_at"
    ordering = ["-recorded_at", "-id"]
