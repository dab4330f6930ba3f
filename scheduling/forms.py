import datetime as dt

from django import forms
from django.utils import timezone

from clients.models import Client, Site
from employees.forms import AsciiIntegerField
from scheduling.models import MAX_SHIFTS_PER_RUN, MAX_WEEKS_PER_RUN

# Dates a manager may ask for: rosters, grids and exports of today ± 5 years. Python's dates
# end at 9999-12-31, and the pages add days and weeks to the date they were given, so an
# unbounded date answered a 500 (issue 11); nobody plans or looks back further than this.
WINDOW_YEARS = 5


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February, in a year that has none
        return day.replace(year=day.year + years, day=28)


def date_window() -> tuple[dt.date, dt.date]:
    """The first and last date a form accepts: today ± WINDOW_YEARS, today where the
    organization is (the middleware activates its timezone). Computed per call, never at
    import, so a long-running worker does not keep the day it started."""
    today = timezone.localdate()
    return _add_years(today, -WINDOW_YEARS), _add_years(today, WINDOW_YEARS)


def in_window(day: dt.date) -> bool:
    first, last = date_window()
    return first <= day <= last


def neighbour_weeks(week: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The Mondays before and after `week` for "previous" and "next" links, or None at the
    window's edge: no link to a week the forms would refuse (they would silently show this
    week instead)."""
    first, last = date_window()
    previous = max(week - dt.timedelta(7), first) if week > first else None
    following = week + dt.timedelta(7) if week <= last - dt.timedelta(7) else None
    return previous, following


class WindowDateField(forms.DateField):
    """A date within `date_window()`; further away is a field error, not a date to compute
    with."""

    default_error_messages = {
        "out_of_window": (
            f"The date must be within {WINDOW_YEARS} years of today (from %(first)s to %(last)s)."
        ),
    }

    def validate(self, value: dt.date | None) -> None:
        super().validate(value)
        if value is not None and not in_window(value):
            first, last = date_window()
            raise forms.ValidationError(
                self.error_messages["out_of_window"],
                code="out_of_window",
                params={"first": first.isoformat(), "last": last.isoformat()},
            )


class WeekQueryForm(forms.Form):
    """A week grid's query string: ?week= (any day of the week to show) and ?run= (show
    that roster run's draft). A bad week falls back to the default week; a bad run is a 400,
    because showing the published roster instead of the draft asked for would mislead."""

    week = WindowDateField(required=False)
    run = AsciiIntegerField(required=False)


class ExportQueryForm(forms.Form):
    """The CSV export's query string: ?run= (that run's draft), or the published shifts
    from ?start= up to ?end=. Bad or missing dates fall back to the next four weeks."""

    run = AsciiIntegerField(required=False)
    start = WindowDateField(required=False)
    end = WindowDateField(required=False)

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error(
                "end", forms.ValidationError("The end is before the start.", code="end_first")
            )
        return cleaned


class StartRosterForm(forms.Form):
    """What a manager chooses to generate a draft roster."""

    start_date = WindowDateField(
        label="First day (a Monday)", widget=forms.DateInput(attrs={"type": "date"})
    )
    weeks = forms.IntegerField(
        min_value=1,
        max_value=MAX_WEEKS_PER_RUN,
        initial=4,
        help_text=(
            f"1 to {MAX_WEEKS_PER_RUN} weeks, at most {MAX_SHIFTS_PER_RUN:,} shifts. One roster "
            "is generated at a time per organization."
        ),
    )
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


class BoardQueryForm(forms.Form):
    """The roster board's filters, read from the query string. Every field is optional and
    a bad value (unreadable, out of the window, another organization's client or site) is a
    field error that the board reads as "not given": it shows the default, never a 500.
    Client and site ids are ASCII digits (AsciiIntegerField, issue 11) checked against the
    scoped managers, so org B's id is the same as one no row has."""

    PUBLISHED, DRAFT = "published", "draft"
    # The dropdowns list at most this many clients and sites (the 10,000-site company):
    # choosing a client lists its own sites; any id still works in the link.
    MAX_CHOICES = 500

    week = WindowDateField(
        label="Week of", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    client = AsciiIntegerField(label="Client", required=False, widget=forms.Select)
    site = AsciiIntegerField(label="Site", required=False, widget=forms.Select)
    roster = forms.ChoiceField(
        label="Roster",
        required=False,
        choices=[(PUBLISHED, "Published"), (DRAFT, "Draft (latest run)")],
    )
    open_only = forms.BooleanField(label="Open shifts only", required=False)

    def full_clean(self) -> None:
        super().full_clean()
        # The dropdowns, built per request (never at import: TENANCY.md 7) once the client
        # is known, so a chosen client lists its own sites.
        clients = Client.objects.values_list("pk", "client_name")[: self.MAX_CHOICES]
        self.fields["client"].widget.choices = [
            ("", "All clients"),
            *((str(pk), name) for pk, name in clients),
        ]
        sites = Site.objects.order_by("client__client_name", "name", "pk")
        if client := self.cleaned_data.get("client"):
            sites = sites.filter(client_id=client)
        self.fields["site"].widget.choices = [
            ("", "All sites"),
            *((str(pk), name) for pk, name in sites.values_list("pk", "name")[: self.MAX_CHOICES]),
        ]

    def clean_client(self) -> int | None:
        pk = self.cleaned_data["client"]
        if pk is not None and not Client.objects.filter(pk=pk).exists():
            raise forms.ValidationError("No such client.", code="unknown")
        return pk

    def clean_site(self) -> int | None:
        pk = self.cleaned_data["site"]
        if pk is not None and not Site.objects.filter(pk=pk).exists():
            raise forms.ValidationError("No such site.", code="unknown")
        return pk

    def value(self, name: str):
        """The cleaned value, or None when the field is missing or invalid."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        return self.cleaned_data.get(name)
