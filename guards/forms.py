"""Forms of the guards' pages and the requests inbox. The rules live in guards/services.py;
these read and normalise what a phone sends."""

from django import forms

from guards.models import LeaveRequest


class LeaveRequestForm(forms.Form):
    start = forms.DateField(
        label="First day", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(
        label="Last day", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    kind = forms.ChoiceField(label="Type", choices=LeaveRequest.Kind.choices)
    note = forms.CharField(
        label="Note for your manager",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_note(self) -> str:
        return " ".join(self.cleaned_data["note"].split())


class DeclineForm(forms.Form):
    reason = forms.CharField(label="Reason (optional)", required=False, max_length=500)

    def clean_reason(self) -> str:
        return " ".join(self.cleaned_data["reason"].split())
