import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import smart_split, unescape_string_literal

from clients.models import Client
from employees import services
from employees.forms import AssignmentRule
from employees.models import ADMIN_SEARCH_FIELDS, Employee, search_matches
from rostracore.tenancy.admin import TenantAdminForm, TenantModelAdmin


class AssignClientForm(forms.Form):
    # Scoped when the choices are rendered or a submitted id is looked up: another
    # organization's client is "not one of the available choices", like a missing one.
    client = forms.ModelChoiceField(
        queryset=Client.objects.filter(is_active=True).order_by("client_name"),
        empty_label=None,
    )


class ExpiryFilter(admin.SimpleListFilter):
    """A qualification's state today: valid, expiring within 30 days, expired, not recorded."""

    field_name = ""
    soon = dt.timedelta(days=30)

    def lookups(self, request, model_admin):
        return [
            ("valid", "Valid"),
            ("soon", "Expires within 30 days"),
            ("expired", "Expired"),
            ("none", "Not recorded"),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        field = self.field_name
        match self.value():
            case "valid":
                return queryset.filter(**{f"{field}__gte": today})
            case "soon":
                return queryset.filter(**{f"{field}__range": (today, today + self.soon)})
            case "expired":
                return queryset.filter(**{f"{field}__lt": today})
            case "none":
                return queryset.filter(**{f"{field}__isnull": True})
        return queryset


class PsiraExpiryFilter(ExpiryFilter):
    title = "PSIRA registration"
    parameter_name = "psira_registration"
    field_name = "psira_registration_expires"


class FirearmExpiryFilter(ExpiryFilter):
    title = "firearm competency"
    parameter_name = "firearm_competency"
    field_name = "firearm_competency_expires"


class AssignmentFilter(admin.SimpleListFilter):
    title = "assignment"
    parameter_name = "assignment"

    def lookups(self, request, model_admin):
        return [("dedicated", "Dedicated to a client"), ("flex", "Flex pool")]

    def queryset(self, request, queryset):
        if self.value() == "dedicated":
            return queryset.filter(assigned_client__isnull=False)
        if self.value() == "flex":
            return queryset.filter(assigned_client__isnull=True)
        return queryset


class EmployeeAdminForm(AssignmentRule, TenantAdminForm):
    pass


@admin.register(Employee)
class EmployeeAdmin(TenantModelAdmin):
    form = EmployeeAdminForm
    list_display = ["name", "employee_number", "psira_grade", "assignment", "phone", "is_active"]
    list_filter = [
        "is_active",
        AssignmentFilter,
        "assigned_client",
        "psira_grade",
        PsiraExpiryFilter,
        FirearmExpiryFilter,
    ]
    list_select_related = ["assigned_client"]
    search_fields = list(ADMIN_SEARCH_FIELDS)  # searched by get_search_results, below
    date_hierarchy = "hire_date"
    ordering = ["last_name", "first_name", "id"]
    autocomplete_fields = ["assigned_client"]
    readonly_fields = ["currently", "upcoming_shifts"]
    fieldsets = [
        (None, {"fields": ["first_name", "last_name", "employee_number", "is_active"]}),
        ("Assignment", {"fields": ["currently", "assigned_client"]}),
        (
            "PSIRA and firearm",
            {
                "description": "The roster checks these dates on each shift's day.",
                "fields": [
                    "psira_number",
                    "psira_grade",
                    "psira_registration_expires",
                    "firearm_competency_expires",
                ],
            },
        ),
        ("Contact", {"fields": ["phone", "email", "hire_date"]}),
        ("Upcoming shifts", {"fields": ["upcoming_shifts"]}),
    ]
    actions = ["assign_to_client", "move_to_flex_pool", "deactivate"]
    assign_client_template = "admin/employees/employee/assign_client.html"

    def get_search_results(self, request, queryset, search_term):
        """Each term (quoted phrases kept, as Django's admin does) must occur in one of
        `search_fields`: one trigram-indexed expression (employees_admin_search_trgm,
        through employees.models.search_matches) instead of an OR of six `icontains`, which
        read every guard of the organization."""
        terms = [
            unescape_string_literal(bit) if bit[:1] in "\"'" and bit[-1:] == bit[:1] else bit
            for bit in smart_split(search_term)
        ]
        terms = [term for term in terms if term]
        if not terms:
            return queryset, False
        return queryset.filter(search_matches(terms, admin=True)), False

    @admin.display(description="name", ordering="last_name")
    def name(self, employee: Employee) -> str:
        return f"{employee.last_name}, {employee.first_name}"

    @admin.display(description="assigned client", ordering="assigned_client__client_name")
    def assignment(self, employee: Employee) -> str:
        if employee.pk is None or employee.assigned_client_id is None:
            return "Flex pool"
        return str(employee.assigned_client)

    @admin.display(description="currently")
    def currently(self, employee: Employee) -> str:
        if employee.pk is None or employee.assigned_client_id is None:
            return "Flex pool"
        return f"Dedicated to {employee.assigned_client}"

    @admin.display(description="upcoming shifts")
    def upcoming_shifts(self, employee: Employee) -> str:
        if employee.pk is None:
            return "None"
        # Reverse relation through the scoped tenant manager (employees may not import
        # scheduling).
        shifts = (
            employee.shifts.filter(end__gte=timezone.now())
            .select_related("site__client")
            .order_by("start")[:10]
        )
        rows = format_html_join(
            "",
            '<tr><td>{}</td><td>{}</td><td><a href="{}">{}</a></td><td>{}</td></tr>',
            (
                (
                    timezone.localtime(shift.start).strftime("%a %d %b %Y %H:%M"),
                    timezone.localtime(shift.end).strftime("%H:%M"),
                    reverse("admin:scheduling_shift_change", args=[shift.pk]),
                    shift.site.name,
                    shift.site.client,
                )
                for shift in shifts
            ),
        )
        if not rows:
            return "No upcoming shifts."
        return format_html(
            '<table class="rc-shifts"><thead><tr><th>Start</th><th>End</th><th>Site</th>'
            "<th>Client</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    @admin.action(description="Assign to client…", permissions=["change"])
    def assign_to_client(self, request, queryset):
        if "apply" in request.POST:
            form = AssignClientForm(request.POST)
            if form.is_valid():
                client = form.cleaned_data["client"]
                count = services.assign_many_to_client(employees=queryset, client=client)
                self.message_user(
                    request, f"Assigned {count} guard(s) to {client}.", messages.SUCCESS
                )
                return None
            self.message_user(
                request,
                "That client is not one of your organization's active clients. "
                "Nothing was changed.",
                messages.ERROR,
            )
        else:
            form = AssignClientForm()
        context = {
            **self.admin_site.each_context(request),
            "title": "Assign to client",
            "opts": self.opts,
            "queryset": queryset.select_related("assigned_client"),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, self.assign_client_template, context)

    @admin.action(description="Move to flex pool", permissions=["change"])
    def move_to_flex_pool(self, request, queryset):
        count = services.move_many_to_flex_pool(employees=queryset)
        self.message_user(request, f"Moved {count} guard(s) to the flex pool.", messages.SUCCESS)

    @admin.action(description="Deactivate", permissions=["change"])
    def deactivate(self, request, queryset):
        count, opened = services.deactivate_many(employees=queryset)
        self.message_user(
            request,
            f"Deactivated {count} guard(s); {opened} upcoming shift(s) are open again.",
            messages.SUCCESS,
        )

    def save_model(self, request, obj, form, change):
        """Through the service, like the manager pages: it refuses an inactive client and
        reopens a deactivated guard's upcoming shifts."""
        opened = services.save_employee(employee=obj, changed=form.changed_data)
        if opened:
            self.message_user(
                request, f"{opened} upcoming shift(s) are open again.", messages.WARNING
            )
