"""Availability services (guards/services.py): weekly windows, single dates and preferences.
Refusals come on the field, and write nothing; two organizations and two guards, always."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from employees.models import Employee
from guards import services
from guards.models import ShiftPreferences, UnavailableDate, UnavailableWindow
from rostracore.tenancy.context import NoOrganizationError, use_org
from tests.factories import EmployeeFactory, OrganizationFactory, UnavailableWindowFactory

pytestmark = pytest.mark.django_db

TUESDAY = UnavailableWindow.Weekday.TUESDAY
LONDON = ZoneInfo("Europe/London")


def _fields(error: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


def _add_window(employee, weekday=TUESDAY, start=dt.time(18), end=dt.time(0)):
    with use_org(employee.org):
        return services.add_unavailable_window(
            employee=employee, weekday=weekday, start=start, end=end
        )


@pytest.fixture
def guard(org_a):
    return EmployeeFactory(org=org_a, first_name="Gina")


# --- weekly windows ------------------------------------------------------------------------


def test_a_window_from_a_time_runs_to_midnight(guard):
    window = _add_window(guard)
    assert window.label == "Tuesdays from 18:00"
    assert (window.org_id, window.employee_id) == (guard.org_id, guard.pk)
    tz = ZoneInfo("Africa/Johannesburg")
    [(start, end)] = window.occurrences(dt.date(2027, 3, 1), dt.date(2027, 3, 7), tz)
    assert start == dt.datetime(2027, 3, 2, 18, tzinfo=tz)
    assert end == dt.datetime(2027, 3, 3, 0, tzinfo=tz)


def test_a_window_past_midnight_ends_the_next_morning(guard):
    window = _add_window(guard, start=dt.time(22), end=dt.time(6))
    assert window.label == "Tuesdays 22:00–06:00 (next day)"
    tz = ZoneInfo("Africa/Johannesburg")
    occurrences = window.occurrences(dt.date(2027, 3, 1), dt.date(2027, 3, 14), tz)
    assert [(s.date(), e.date(), e - s) for s, e in occurrences] == [
        (dt.date(2027, 3, 2), dt.date(2027, 3, 3), dt.timedelta(hours=8)),
        (dt.date(2027, 3, 9), dt.date(2027, 3, 10), dt.timedelta(hours=8)),
    ]


def test_a_window_keeps_its_local_times_across_daylight_saving_changes():
    # Europe/London: clocks go forward at 01:00 on Sunday 28 March 2027 and back at 02:00
    # on Sunday 31 October 2027.
    window = UnavailableWindow(
        weekday=UnavailableWindow.Weekday.SUNDAY, start=dt.time(0), end=dt.time(6)
    )
    spring = window.occurrences(dt.date(2027, 3, 21), dt.date(2027, 3, 28), LONDON)
    assert [(s.hour, e.hour) for s, e in spring] == [(0, 6), (0, 6)]  # the wall clock
    assert [(e.timestamp() - s.timestamp()) / 3600 for s, e in spring] == [6, 5]
    overnight = UnavailableWindow(
        weekday=UnavailableWindow.Weekday.SATURDAY, start=dt.time(22), end=dt.time(6)
    )
    autumn = overnight.occurrences(dt.date(2027, 10, 23), dt.date(2027, 10, 30), LONDON)
    assert [(e.timestamp() - s.timestamp()) / 3600 for s, e in autumn] == [8, 9]


def test_the_whole_day_is_midnight_to_midnight(guard):
    window = _add_window(guard, start=dt.time(0), end=dt.time(0))
    assert window.label == "Tuesdays, all day"
    [(start, end)] = window.occurrences(dt.date(2027, 3, 1), dt.date(2027, 3, 7), LONDON)
    assert end - start == dt.timedelta(days=1)


@pytest.mark.parametrize(
    "weekday, start, end, field, code",
    [
        (7, dt.time(8), dt.time(9), "weekday", "weekday"),
        (-1, dt.time(8), dt.time(9), "weekday", "weekday"),
        (TUESDAY, dt.time(8), dt.time(8), "end", "empty"),
        (TUESDAY, dt.time(18), dt.time(0), "start", "overlap"),  # the exact duplicate
        (TUESDAY, dt.time(20), dt.time(21), "start", "overlap"),  # inside it
        (TUESDAY, dt.time(12), dt.time(18, 1), "start", "overlap"),
    ],
)
def test_bad_or_overlapping_windows_are_refused_on_the_field(
    guard, observer, weekday, start, end, field, code
):
    _add_window(guard)
    with pytest.raises(ValidationError) as caught:
        _add_window(guard, weekday=weekday, start=start, end=end)
    assert _fields(caught.value) == {field: [code]}
    assert UnavailableWindow.all_orgs.count() == 1


def test_overlap_is_checked_across_the_end_of_the_week(guard, observer):
    _add_window(guard, weekday=UnavailableWindow.Weekday.SUNDAY, start=dt.time(22), end=dt.time(6))
    with pytest.raises(ValidationError) as caught:
        _add_window(
            guard, weekday=UnavailableWindow.Weekday.MONDAY, start=dt.time(5), end=dt.time(7)
        )
    assert "Sundays 22:00–06:00 (next day)" in caught.value.messages[0]
    # Touching is not overlapping.
    _add_window(guard, weekday=UnavailableWindow.Weekday.MONDAY, start=dt.time(6), end=dt.time(7))
    assert UnavailableWindow.all_orgs.count() == 2


def test_at_most_max_windows(guard, observer):
    for n in range(services.MAX_WINDOWS):
        _add_window(guard, weekday=n % 7, start=dt.time(n // 7 * 3), end=dt.time(n // 7 * 3 + 1))
    with pytest.raises(ValidationError) as caught:
        _add_window(guard, weekday=0, start=dt.time(20), end=dt.time(21))
    assert caught.value.code == "too_many"
    assert UnavailableWindow.all_orgs.count() == services.MAX_WINDOWS


def test_an_inactive_guard_adds_nothing(guard, observer):
    with use_org(guard.org):
        Employee.objects.filter(pk=guard.pk).update(is_active=False)
    with pytest.raises(ValidationError):
        _add_window(guard)
    assert not UnavailableWindow.all_orgs.exists()


def test_removing_a_window(guard, observer):
    window = _add_window(guard)
    with use_org(guard.org):
        services.remove_unavailable_window(window=window)
    assert not UnavailableWindow.all_orgs.exists()


def test_two_guards_windows_are_their_own(guard, org_a, observer):
    other = EmployeeFactory(org=org_a)
    _add_window(guard)
    _add_window(other)  # the same window, another guard: no overlap
    assert UnavailableWindow.all_orgs.count() == 2


def test_another_organizations_guard_is_missing_in_this_scope(guard, org_b, observer):
    with use_org(org_b), pytest.raises(Employee.DoesNotExist):
        services.add_unavailable_window(
            employee=guard, weekday=TUESDAY, start=dt.time(18), end=dt.time(0)
        )
    b_window = UnavailableWindowFactory(org=org_b, employee=EmployeeFactory(org=org_b))
    with use_org(guard.org):
        services.remove_unavailable_window(window=b_window)  # A's scope deletes nothing of B
    assert UnavailableWindow.all_orgs.filter(pk=b_window.pk).exists()
    assert not UnavailableWindow.all_orgs.filter(org=guard.org).exists()


def test_no_organization_no_write(guard):
    with pytest.raises(NoOrganizationError):
        services.add_unavailable_window(
            employee=guard, weekday=TUESDAY, start=dt.time(18), end=dt.time(0)
        )


# --- single dates --------------------------------------------------------------------------


def _today(org) -> dt.date:
    return timezone.localdate(timezone=ZoneInfo(org.timezone))


def _add_date(employee, day, note=""):
    with use_org(employee.org):
        return services.add_unavailable_date(employee=employee, day=day, note=note)


def test_a_date_is_the_whole_local_day(guard):
    day = _today(guard.org) + dt.timedelta(days=3)
    marked = _add_date(guard, day, note="  Cousin's   wedding ")
    assert marked.note == "Cousin's wedding"
    tz = ZoneInfo(guard.org.timezone)
    assert marked.interval(tz) == (
        dt.datetime.combine(day, dt.time.min, tzinfo=tz),
        dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


@pytest.mark.parametrize(
    "days_ahead, code", [(-1, "past"), (367, "too_far"), (10**5, "too_far"), (5, "duplicate")]
)
def test_bad_dates_are_refused_on_the_field(guard, observer, days_ahead, code):
    _add_date(guard, _today(guard.org) + dt.timedelta(days=5))
    with pytest.raises(ValidationError) as caught:
        _add_date(guard, _today(guard.org) + dt.timedelta(days=days_ahead))
    assert _fields(caught.value) == {"day": [code]}
    assert UnavailableDate.all_orgs.count() == 1


def test_today_and_a_year_ahead_are_accepted(guard, observer):
    _add_date(guard, _today(guard.org))
    _add_date(guard, _today(guard.org) + services.AHEAD)
    assert UnavailableDate.all_orgs.count() == 2


def test_at_most_max_dates(guard, observer):
    with use_org(guard.org):
        UnavailableDate.objects.bulk_create(
            UnavailableDate(employee=guard, day=_today(guard.org) + dt.timedelta(days=n))
            for n in range(services.MAX_DATES)
        )
    with pytest.raises(ValidationError) as caught:
        _add_date(guard, _today(guard.org) + dt.timedelta(days=services.MAX_DATES + 1))
    assert caught.value.code == "too_many"


def test_removing_a_date(guard, observer):
    marked = _add_date(guard, _today(guard.org) + dt.timedelta(days=3))
    with use_org(guard.org):
        services.remove_unavailable_date(unavailable_date=marked)
    assert not UnavailableDate.all_orgs.exists()


# --- preferences ---------------------------------------------------------------------------


def test_preferences_are_one_row_per_guard(guard, org_a, observer):
    other = EmployeeFactory(org=org_a)
    with use_org(org_a):
        services.set_preferences(employee=guard, time_of_day="nights", weekends_off=False)
        services.set_preferences(employee=other, time_of_day="days", weekends_off=True)
        latest = services.set_preferences(employee=guard, time_of_day="days", weekends_off=True)
    assert latest.summary == "prefers day shifts, prefers weekends off"
    assert ShiftPreferences.all_orgs.count() == 2
    mine = ShiftPreferences.all_orgs.get(employee=guard)
    assert (mine.time_of_day, mine.weekends_off) == ("days", True)


def test_an_unknown_preference_is_refused_on_the_field(guard, observer):
    with use_org(guard.org), pytest.raises(ValidationError) as caught:
        services.set_preferences(employee=guard, time_of_day="evenings", weekends_off=True)
    assert _fields(caught.value) == {"time_of_day": ["choice"]}
    assert not ShiftPreferences.all_orgs.exists()


def test_preferences_of_another_organizations_guard_are_out_of_reach(guard, observer):
    other_org = OrganizationFactory()
    with use_org(other_org), pytest.raises(Employee.DoesNotExist):
        services.set_preferences(employee=guard, time_of_day="days", weekends_off=False)
    assert not ShiftPreferences.all_orgs.exists()


# --- the database's own rules --------------------------------------------------------------


def test_the_database_refuses_a_bad_weekday_and_an_empty_window(guard):
    from django.db import IntegrityError, transaction

    with use_org(guard.org):
        for weekday, start, end in ((9, dt.time(8), dt.time(9)), (1, dt.time(8), dt.time(8))):
            with pytest.raises(IntegrityError), transaction.atomic():
                UnavailableWindow.objects.create(
                    employee=guard, weekday=weekday, start=start, end=end
                )
