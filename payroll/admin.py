"""Payroll in the admin: the pay schedule is edited here as on the manager page (through
payroll.services.save_pay_schedule); closed periods and their lines are read only (closing
is the period page's action, payroll.services.close_pay_period)."""

from __future__ import annotations

from django.contrib import admin

from payroll import services
from payroll.models import PayLine, PayPeriod, PaySchedule
from rostracore.tenancy.admin import TenantModelAdmin


@admin.register(PaySchedule)
class PayScheduleAdmin(TenantModelAdmin):
    list_display = ["__str__", "frequency", "first_period_start", "holiday_country"]
    list_select_related = ["org"]
    fields = [
        "frequency",
        "first_period_start",
        "week_starts_on",
        "holiday_country",
        "holiday_subdivision",
        "pay_source",
        "billing_source",
    ]

    def save_model(self, request, obj, form, change):
        services.save_pay_schedule(user=request.user, schedule=obj)


class _ReadOnly(TenantModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PayPeriod)
class PayPeriodAdmin(_ReadOnly):
    list_display = ["__str__", "start_date", "end_date", "pay_source", "closed_at", "closed_by"]
    list_select_related = ["closed_by"]
    date_hierarchy = "start_date"
    ordering = ["-start_date", "-id"]


@admin.register(PayLine)
class PayLineAdmin(_ReadOnly):
    list_display = [
        "employee_name",
        "employee_number",
        "category",
        "rostered_minutes",
        "attended_minutes",
        "period",
    ]
    list_filter = ["category"]
    list_select_related = ["period"]
    search_fields = ["employee_name", "employee_number"]
    ordering = ["-period__start_date", "employee_name", "id"]
