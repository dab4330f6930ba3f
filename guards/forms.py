"""Forms of the guards' pages and the requests inbox. The rules live in guards/services.py;
these read and normalise what a phone sends."""

from django import forms

from guards.models import DayWish, LeaveRequest, ShiftPreferences, UnavailableWindow


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


class UnavailableWindowForm(forms.Form):
    weekday = forms.TypedChoiceField(
        label="Day", coerce=int, choices=UnavailableWindow.Weekday.choices
    )
    start = forms.TimeField(
        label="From", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end = forms.TimeField(
        label="To",
        help_text="00:00 is midnight. A time before “From” is the next morning.",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )


class UnavailableDateForm(forms.Form):
    day = forms.DateField(
        label="Date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(label="Note", required=False, max_length=200)

    def clean_note(self) -> str:
        return " ".join(self.cleaned_data["note"].split())


class DayWishForm(forms.Form):
    day = forms.DateField(
        label="Date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    wish = forms.ChoiceField(label="I would like", choices=DayWish.Wish.choices)
    strong = forms.BooleanField(label="It matters a lot", required=False)


class ShiftPreferencesForm(forms.Form):
    time_of_day = forms.ChoiceField(
        label="I prefer",
        required=False,
        choices=ShiftPreferences.TimeOfDay.choices,
        widget=forms.RadioSelect,
    )
    weekends_off = forms.BooleanField(label="I prefer weekends off", required=False)
