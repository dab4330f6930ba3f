import datetime as dt

from django import forms
from django.utils import timezone

from clients.models import Client, Site
from employees.forms import AsciiIntegerField, ClientSelect
from rostracore.tenancy.forms import TenantModelForm
from scheduling.models import CONTRACT_TERMS, MAX_SHIFTS_PER_RUN, MAX_WEEKS_PER_RUN, GuardContract

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
    # Rendered in Python (ClientSelect): 1,000 options through Django's option template were
    # most of the board's time at 10,000 sites (bench/pages.py).
    client = AsciiIntegerField(label="Client", required=False, widget=ClientSelect)
    site = AsciiIntegerField(label="Site", required=False, widget=ClientSelect)
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


class _IdOf(AsciiIntegerField):
    """An id from a form, checked against a scoped queryset at clean time: another
    organization's id is "no such ..." like one no row has."""

    def __init__(self, *, queryset_of, missing: str, **kwargs):
        self.queryset_of, self.missing = queryset_of, missing
        super().__init__(**kwargs)

    def clean(self, value):
        pk = super().clean(value)
        if pk is None:
            return None
        found = self.queryset_of().filter(pk=pk).first()
        if found is None:
            raise forms.ValidationError(self.missing, code="unknown")
        return found


def _active_guards():
    from employees.models import Employee

    return Employee.objects.filter(is_active=True)


def _shifts():
    from scheduling.models import Shift

    return Shift.objects.all()


class AssignForm(forms.Form):
    """Put a guard on a shift. `current` is the guard the page showed (empty: open), so an
    edit made meanwhile by someone else is refused rather than overwritten."""

    employee = _IdOf(queryset_of=_active_guards, missing="No such active guard.")
    current = AsciiIntegerField(required=False)


class UnassignForm(forms.Form):
    current = AsciiIntegerField(required=False)
    sick = forms.BooleanField(required=False)


class PinForm(forms.Form):
    pinned = forms.BooleanField(required=False)
    # Pin the latest run's suggestion: that guard goes onto the shift.
    employee = _IdOf(queryset_of=_active_guards, missing="No such active guard.", required=False)


class SwapForm(forms.Form):
    other = _IdOf(queryset_of=_shifts, missing="No such shift.", label="Swap with")


class WeekActionForm(forms.Form):
    """The board's week for "publish changes" and "fill the rest": its Monday."""

    week = WindowDateField()

    def clean_week(self) -> dt.date:
        day = self.cleaned_data["week"]
        return day - dt.timedelta(days=day.weekday())


class OneOffShiftForm(forms.Form):
    """A shift outside every pattern (event cover). An end at or before the start is on the
    next day (a night shift)."""

    MAX_SITES = 500

    site = forms.ModelChoiceField(queryset=None, empty_label=None)
    date = WindowDateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label="From", widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label="To", widget=forms.TimeInput(attrs={"type": "time"}))
    required_grade = forms.ChoiceField(label="Minimum PSIRA grade", initial="E")
    employee = _IdOf(
        queryset_of=_active_guards,
        missing="No such active guard.",
        required=False,
        label="Guard (optional)",
        widget=forms.NumberInput,
        help_text="Leave empty for an open shift; the shift page then lists who can take it.",
    )

    def __init__(self, *args, **kwargs):
        from clients.models import Grade

        super().__init__(*args, **kwargs)
        # Per request, never at import (TENANCY.md 7); bounded for the 10,000-site company.
        order = ("client__client_name", "name", "pk")
        first = Site.objects.order_by(*order).values("pk")[: self.MAX_SITES]
        self.fields["site"].queryset = (
            Site.objects.filter(pk__in=first).select_related("client").order_by(*order)
        )
        self.fields["required_grade"].choices = Grade.choices

    def clean(self) -> dict:
        cleaned = super().clean()
        day, start, end = (cleaned.get(k) for k in ("date", "start_time", "end_time"))
        if day and start and end:
            tz = timezone.get_current_timezone()
            cleaned["start"] = dt.datetime.combine(day, start, tzinfo=tz)
            end_day = day if end > start else day + dt.timedelta(days=1)
            cleaned["end"] = dt.datetime.combine(end_day, end, tzinfo=tz)
        return cleaned


class GuardContractForm(TenantModelForm):
    """A guard's contract terms on their contract page; every term may stay blank (the
    organization's labour rules apply), and clearing them all removes the contract."""

    class Meta:
        model = GuardContract
        fields = list(CONTRACT_TERMS)
