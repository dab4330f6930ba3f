import datetime as dt

from django import forms


class StartRosterForm(forms.Form):
    """What a manager chooses to generate a draft roster."""

    start_date = forms.DateField(
        label="First day (a Monday)", widget=forms.DateInput(attrs={"type": "date"})
    )
    weeks = forms.IntegerField(min_value=1, max_value=8, initial=4)
    time_limit = forms.IntegerField(
        label="Optimizer time limit (seconds)", min_value=5, max_value=300, initial=30
    )

    def clean_start_date(self) -> dt.date:
        start = self.cleaned_data["start_date"]
        if start.weekday() != 0:
            # Labour rules count weekly hours and weekly rest per week from Monday.
            raise forms.ValidationError(
                "Rosters start on a Monday: weekly hours and rest are counted Monday to Sunday.",
                code="not_monday",
            )
        return start
