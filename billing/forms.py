from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from billing.models import ChargeRate
from clients.models import Site
from rostracore.tenancy.forms import TenantModelForm
from scheduling.models import Post

# Invoices can be opened for these years: the holiday calendar is computed for them.
FIRST_YEAR, LAST_YEAR = 2000, 2100


class ChargeRateForm(TenantModelForm):
    class Meta:
        model = ChargeRate
        fields = [
            "client",
            "site",
            "post",
            "hourly_rate",
            "sunday_multiplier",
            "public_holiday_multiplier",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per request (the scoped managers filter when they run), with the related
        # names each choice's label shows in the same query.
        self.fields["site"].queryset = Site.objects.select_related("client")
        self.fields["post"].queryset = Post.objects.select_related("site")


class MonthForm(forms.Form):
    """?month=YYYY-MM of the billing page; anything else is this month."""

    month = forms.CharField(required=False)

    def clean_month(self) -> dt.date:
        value = self.cleaned_data.get("month") or ""
        try:
            day = dt.datetime.strptime(value, "%Y-%m").date()  # noqa: DTZ007 (a date only)
        except ValueError:
            day = None
        if day is None or not FIRST_YEAR <= day.year <= LAST_YEAR:
            return timezone.localdate().replace(day=1)
        return day
