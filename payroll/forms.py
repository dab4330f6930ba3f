from __future__ import annotations

from django import forms

from payroll.models import PaySchedule
from rostracore.tenancy.forms import TenantModelForm


class PayScheduleForm(TenantModelForm):
    class Meta:
        model = PaySchedule
        fields = [
            "frequency",
            "first_period_start",
            "week_starts_on",
            "holiday_country",
            "holiday_subdivision",
            "pay_source",
            "billing_source",
        ]
        widgets = {"first_period_start": forms.DateInput(attrs={"type": "date"})}

    def clean_holiday_country(self) -> str:
        return self.cleaned_data["holiday_country"].strip().upper()

    def clean_holiday_subdivision(self) -> str:
        return self.cleaned_data["holiday_subdivision"].strip().upper()


class BeforeForm(forms.Form):
    """The periods list's ?before=: show the periods up to this date (default: today)."""

    before = forms.DateField(required=False)
