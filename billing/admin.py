from django.contrib import admin

from billing import services
from billing.forms import ChargeRateForm
from billing.models import ChargeRate
from rostracore.tenancy.admin import TenantAdminForm, TenantModelAdmin


class ChargeRateAdminForm(TenantAdminForm, ChargeRateForm):
    pass


@admin.register(ChargeRate)
class ChargeRateAdmin(TenantModelAdmin):
    form = ChargeRateAdminForm
    list_display = [
        "client",
        "site",
        "post",
        "hourly_rate",
        "sunday_multiplier",
        "public_holiday_multiplier",
    ]
    list_filter = ["client"]
    list_select_related = ["client", "site", "post"]
    search_fields = ["client__client_name", "site__name", "post__name"]
    ordering = ["client__client_name", "site__name", "post__name", "pk"]

    def save_model(self, request, obj, form, change):
        services.save_charge_rate(rate=obj)

    def delete_model(self, request, obj):
        services.delete_charge_rate(rate=obj)

    def delete_queryset(self, request, queryset):
        for rate in queryset:
            services.delete_charge_rate(rate=rate)
