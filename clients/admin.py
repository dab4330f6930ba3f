from django.contrib import admin
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from clients.models import Client, Site
from rostracore.tenancy.admin import TenantModelAdmin, TenantTabularInline


class SiteInline(TenantTabularInline):
    model = Site
    fields = ["name", "address"]
    extra = 0
    show_change_link = True


@admin.register(Client)
class ClientAdmin(TenantModelAdmin):
    list_display = [
        "client_name",
        "contact_name",
        "contact_phone",
        "site_count",
        "guard_count",
        "is_active",
    ]
    list_filter = ["is_active"]
    search_fields = ["client_name", "contact_name", "contact_email", "contact_phone"]
    date_hierarchy = "created_at"
    ordering = ["client_name"]
    readonly_fields = ["dedicated_guards"]
    fieldsets = [
        (None, {"fields": ["client_name", "is_active"]}),
        ("Contact", {"fields": ["contact_name", "contact_phone", "contact_email"]}),
        ("Dedicated guards", {"fields": ["dedicated_guards"]}),
    ]
    inlines = [SiteInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_sites=Count("sites", distinct=True),
                n_guards=Count(
                    "dedicated_employees",
                    filter=Q(dedicated_employees__is_active=True),
                    distinct=True,
                ),
            )
        )

    @admin.display(description="sites", ordering="n_sites")
    def site_count(self, client: Client) -> int:
        return client.n_sites

    @admin.display(description="dedicated guards", ordering="n_guards")
    def guard_count(self, client: Client) -> int:
        return client.n_guards

    @admin.display(description="dedicated guards")
    def dedicated_guards(self, client: Client) -> str:
        if client.pk is None:
            return "None yet: assign guards from the employee list."
        # Reverse relation: its manager is the scoped tenant manager (clients may not
        # import employees).
        guards = client.dedicated_employees.filter(is_active=True).order_by(
            "last_name", "first_name"
        )
        items = format_html_join(
            "",
            '<li><a href="{}">{}</a></li>',
            (
                (reverse("admin:employees_employee_change", args=[guard.pk]), guard)
                for guard in guards
            ),
        )
        if not items:
            return "None: this client is covered from the flex pool."
        return format_html('<ul class="rc-guards">{}</ul>', items)


@admin.register(Site)
class SiteAdmin(TenantModelAdmin):
    list_display = ["name", "client", "address", "min_grade", "armed", "induction_required"]
    list_filter = ["client", "min_grade", "armed", "induction_required"]
    list_select_related = ["client"]
    search_fields = ["name", "address", "client__client_name"]
    autocomplete_fields = ["client"]
    ordering = ["client__client_name", "name"]
    fieldsets = [
        (None, {"fields": ["client", "name", "address"]}),
        (
            "Requirements",
            {
                "description": "The roster only puts guards here who meet all of them.",
                "fields": ["min_grade", "armed", "induction_required"],
            },
        ),
    ]
