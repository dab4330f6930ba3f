"""The guard's availability page (/me/availability/) and the manager's read-only view of it
(the employee page): two organizations (B's rows carry "CANARYB") and two guards, always."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from guards.models import ShiftPreferences, UnavailableDate, UnavailableWindow
from rostracore.tenancy.context import use_org
from tests.factories import (
    GuardUserFactory,
    ShiftPreferencesFactory,
    UnavailableDateFactory,
    UnavailableWindowFactory,
)

# A page flow runs like production: no outer transaction, each request in its own
# ATOMIC_REQUESTS transaction (the owner empties the tables afterwards).
pytestmark = pytest.mark.django_db(transaction=True)

PAGE = reverse("guards:availability")
ADD_WINDOW = reverse("guards:window_add")
ADD_DATE = reverse("guards:date_add")
PREFERENCES = reverse("guards:preferences")
CANARY = "CANARYB"


def _employee(user):
    with use_org(user.org):
        return user.employees.get()


@pytest.fixture
def guard_a(org_a):
    return GuardUserFactory(org=org_a, username="gina@alpha.example", employee__first_name="Gina")


@pytest.fixture
def guard_a2(org_a):
    return GuardUserFactory(org=org_a, username="otto@alpha.example", employee__first_name="Otto")


@pytest.fixture
def guard_b(org_b):
    return GuardUserFactory(org=org_b, username="bea@bravo.example", employee__first_name=CANARY)


def _rows_of(user):
    """(window, date) of `user`'s guard, the date's note naming the guard."""
    employee = _employee(user)
    window = UnavailableWindowFactory(org=user.org, employee=employee, weekday=4)
    marked = UnavailableDateFactory(
        org=user.org, employee=employee, note=f"{employee.first_name} date note"
    )
    return window, marked


def _in_a_week(org) -> dt.date:
    return timezone.localdate(timezone=ZoneInfo(org.timezone)) + dt.timedelta(days=7)


def test_my_shifts_links_to_my_availability(client, guard_a):
    client.force_login(guard_a)
    assert PAGE in client.get(reverse("guards:my_shifts")).content.decode()


def test_guard_adds_a_weekly_window_and_sees_it(client, guard_a, observer):
    client.force_login(guard_a)
    response = client.post(ADD_WINDOW, {"weekday": "1", "start": "18:00", "end": "00:00"})
    assert response.status_code == 302 and response["Location"] == PAGE
    [window] = UnavailableWindow.all_orgs.all()
    assert (window.employee_id, window.weekday) == (_employee(guard_a).pk, 1)
    body = client.get(PAGE).content.decode()
    assert "Tuesdays from 18:00" in body


def test_guard_marks_a_date_and_removes_it(client, guard_a, observer):
    client.force_login(guard_a)
    day = _in_a_week(guard_a.org)
    response = client.post(ADD_DATE, {"day": day.isoformat(), "note": "Clinic"})
    assert response.status_code == 302
    [marked] = UnavailableDate.all_orgs.all()
    body = client.get(PAGE).content.decode()
    assert f"{day:%a %-d %b %Y}" in body and "Clinic" in body
    response = client.post(reverse("guards:date_remove", args=[marked.pk]))
    assert response.status_code == 302
    assert not UnavailableDate.all_orgs.exists()


def test_guard_saves_preferences_once_and_changes_them(client, guard_a, observer):
    client.force_login(guard_a)
    assert client.post(PREFERENCES, {"time_of_day": "nights"}).status_code == 302
    assert (
        client.post(PREFERENCES, {"time_of_day": "days", "weekends_off": "on"}).status_code == 302
    )
    [preferences] = ShiftPreferences.all_orgs.all()
    assert (preferences.time_of_day, preferences.weekends_off) == ("days", True)
    form = client.get(PAGE).context["preferences_form"]
    assert form.initial == {"time_of_day": "days", "weekends_off": True}


def test_a_refused_window_is_shown_on_its_field_and_writes_nothing(client, guard_a, observer):
    client.force_login(guard_a)
    client.post(ADD_WINDOW, {"weekday": "1", "start": "18:00", "end": "00:00"})
    response = client.post(ADD_WINDOW, {"weekday": "1", "start": "19:00", "end": "20:00"})
    assert response.status_code == 400
    assert response.context["window_form"].errors == {
        "start": ["This overlaps your window Tuesdays from 18:00."]
    }
    assert UnavailableWindow.all_orgs.count() == 1


def test_guard_sees_only_their_own_availability(client, guard_a, guard_a2, guard_b, observer):
    _rows_of(guard_a)
    _rows_of(guard_a2)
    _rows_of(guard_b)
    client.force_login(guard_a)
    response = client.get(PAGE)
    body = response.content.decode()
    assert "Gina date note" in body
    assert "Otto" not in body and CANARY not in body
    assert [w.employee_id for w in response.context["windows"]] == [_employee(guard_a).pk]
    assert [d.employee_id for d in response.context["dates"]] == [_employee(guard_a).pk]


@pytest.mark.parametrize("other", ["guard_a2", "guard_b"])
def test_guard_cannot_remove_another_guards_window_or_date(
    client, guard_a, other, request, observer
):
    window, marked = _rows_of(request.getfixturevalue(other))
    client.force_login(guard_a)
    for url in (
        reverse("guards:window_remove", args=[window.pk]),
        reverse("guards:date_remove", args=[marked.pk]),
    ):
        assert client.post(url).status_code == 404
    assert UnavailableWindow.all_orgs.filter(pk=window.pk).exists()
    assert UnavailableDate.all_orgs.filter(pk=marked.pk).exists()


def test_another_guards_id_is_answered_like_a_missing_one(client, guard_a, guard_a2, observer):
    window, _ = _rows_of(guard_a2)
    client.force_login(guard_a)
    theirs = client.post(reverse("guards:window_remove", args=[window.pk]))
    missing = client.post(reverse("guards:window_remove", args=[10**9]))
    assert theirs.status_code == missing.status_code == 404
    assert theirs.content.replace(str(window.pk).encode(), b"") == missing.content.replace(
        b"1000000000", b""
    )


def test_guard_removes_their_own_window(client, guard_a, observer):
    window, _ = _rows_of(guard_a)
    client.force_login(guard_a)
    assert client.post(reverse("guards:window_remove", args=[window.pk])).status_code == 302
    assert not UnavailableWindow.all_orgs.exists()


def test_writes_are_post_only(client, guard_a, observer):
    window, _ = _rows_of(guard_a)
    client.force_login(guard_a)
    for url in (
        ADD_WINDOW,
        ADD_DATE,
        PREFERENCES,
        reverse("guards:window_remove", args=[window.pk]),
    ):
        assert client.get(url).status_code == 405
    assert UnavailableWindow.all_orgs.count() == 1


def test_a_manager_gets_403_and_anonymous_the_login(client, manager_a):
    response = client.get(PAGE)
    assert response.status_code == 302 and reverse("login") in response["Location"]
    client.force_login(manager_a)
    assert client.get(PAGE).status_code == 403
    assert (
        client.post(ADD_WINDOW, {"weekday": "1", "start": "18:00", "end": "00:00"}).status_code
        == 403
    )


def test_the_page_is_small_and_needs_no_javascript(client, guard_a):
    _rows_of(guard_a)
    client.force_login(guard_a)
    response = client.get(PAGE)
    body = response.content.decode()
    assert "<script" not in body
    assert len(response.content) < 20_000


# --- the manager's side: the employee page -----------------------------------------------


def test_manager_sees_a_guards_availability_read_only(client, manager_a, guard_a, guard_a2):
    _rows_of(guard_a)
    _rows_of(guard_a2)
    ShiftPreferencesFactory(org=guard_a.org, employee=_employee(guard_a))
    client.force_login(manager_a)
    body = client.get(reverse("employees:detail", args=[_employee(guard_a).pk])).content.decode()
    assert "Fridays from 18:00" in body and "Gina date note" in body
    assert "Prefers day shifts, prefers weekends off" in body
    assert "Otto date note" not in body
    assert reverse("guards:window_add") not in body  # read-only


def test_org_b_manager_cannot_open_org_a_guards_availability(client, manager_b, guard_a, guard_b):
    _rows_of(guard_a)
    client.force_login(manager_b)
    url = reverse("employees:detail", args=[_employee(guard_a).pk])
    assert client.get(url).status_code == 404


def test_org_a_manager_never_sees_org_b_availability(client, manager_a, guard_a, guard_b):
    _rows_of(guard_a)
    _rows_of(guard_b)
    client.force_login(manager_a)
    body = client.get(reverse("employees:detail", args=[_employee(guard_a).pk])).content.decode()
    assert CANARY not in body
