from django.contrib import admin

from rostracore.tenancy.admin import TenantModelAdmin
from scheduling.models import Shift


class CoverageFilter(admin.SimpleListFilter):
    title = "coverage"
    parameter_name = "coverage"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("filled", "Filled")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(employee__isnull=True)
        if self.value() == "filled":
            return queryset.filter(employee__isnull=False)
        return queryset


@admin.register(Shift)
class ShiftAdmin(TenantModelAdmin):
    list_display = ["start", "end", "site", "client", "guard", "required_grade"]
    list_filter = [CoverageFilter, "site", "required_grade"]
    list_select_related = ["site__client", "employee"]
    search_fields = [
        "site__name",
        "site__client__client_name",
        "employee__first_name",
        "employee__last_name",
        "employee__employee_number",
    ]
    date_hierarchy = "start"
    ordering = ["start", "site__name"]
    autocomplete_fields = ["site", "employee"]
    fields = ["site", "start", "end", "employee", "required_grade"]

    @admin.display(description="client", ordering="site__client__client_name")
    def client(self, shift: Shift) -> str:
        return str(shift.site.client)

    @admin.display(description="guard", ordering="employee__last_name")
    def guard(self, shift: Shift) -> str:
        return str(shift.employee) if shift.employee_id else "Open"
