"""The guard's clock-in and clock-out on My shifts, and the manager's attendance page:
two guards, two organizations, bad input, the location from the phone."""

import datetime as dt
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.contrib.staticfiles import finders
from django.urls import reverse

from attendance.models import Attendance, AttendanceEvent
from rostracore.tenancy.context import use_org
from tests.attendance.conftest import employee_of, now_minute, published_shift

# Like production: each request in its own ATOMIC_REQUESTS transaction.
pytestmark = pytest.mark.django_db(transaction=True)

MY_SHIFTS = reverse("guards:my_shifts")


def _in(shift) -> str:
    return reverse("guards:clock_in", kwargs={"pk": shift.pk})


def _out(shift) -> str:
    return reverse("guards:clock_out", kwargs={"pk": shift.pk})


def _page(shift) -> str:
    return reverse("attendance:shift", kwargs={"pk": shift.pk})


def _said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- the guard's side -------------------------------------------------------------------------


def test_my_shifts_offers_clock_in_then_clock_out_and_shows_the_times(client, org_a, guard_a):
    gina = employee_of(guard_a)
    shift = published_shift(org_a, gina, start=now_minute() - dt.timedelta(minutes=12))
    later = published_shift(org_a, gina, start=now_minute() + dt.timedelta(days=2))
    client.force_login(guard_a)
    body = client.get(MY_SHIFTS).content.decode()
    assert f'action="{_in(shift)}"' in body and "Clock in" in body
    assert _in(later) not in body  # two days ahead: not yet
    assert 'src="/static/attendance/clock.js"' in body and 'name="latitude"' in body

    response = client.post(
        _in(shift), {"latitude": "-26.2041", "longitude": "28.0473", "accuracy": "18.4"}
    )
    assert response.status_code == 302 and response["Location"] == MY_SHIFTS
    assert _said(response)[0].startswith("Clocked in at ")
    with use_org(org_a):
        attendance = Attendance.objects.get()
    assert attendance.clock_in_source == "phone"
    assert (attendance.clock_in_latitude, attendance.clock_in_accuracy) == (-26.2041, 18.4)

    body = client.get(MY_SHIFTS).content.decode()
    assert "Clocked in <strong" in body and f'action="{_out(shift)}"' in body
    assert f'action="{_in(shift)}"' not in body
    response = client.post(_out(shift))  # no JavaScript, no location
    assert _said(response)[0].endswith("(no location).")
    with use_org(org_a):
        attendance.refresh_from_db()
        assert attendance.clock_out_at is not None and attendance.clock_out_latitude is None
        assert AttendanceEvent.objects.count() == 2
    body = client.get(MY_SHIFTS).content.decode()
    assert "clocked out <strong" in body and "clock.js" not in body  # nothing left to tap


def test_a_second_tap_and_a_clock_out_before_clocking_in_are_messages(client, org_a, guard_a):
    gina = employee_of(guard_a)
    shift = published_shift(org_a, gina, start=now_minute() - dt.timedelta(minutes=5))
    client.force_login(guard_a)
    assert _said(client.post(_out(shift))) == ["Clock in first."]
    client.post(_in(shift))
    said = _said(client.post(_in(shift)))[-1]
    assert said.startswith("You already clocked in at ")
    with use_org(org_a):
        assert Attendance.objects.count() == 1 and AttendanceEvent.objects.count() == 1


@pytest.mark.parametrize(
    "location",
    [
        {"latitude": "abc", "longitude": "28"},
        {"latitude": "95", "longitude": "28"},
        {"latitude": "-26"},
        {"latitude": "nan", "longitude": "inf", "accuracy": "-3"},
        {"latitude": "1e309", "longitude": "0"},
    ],
)
def test_an_unreadable_location_is_no_location_not_an_error(client, org_a, guard_a, location):
    gina = employee_of(guard_a)
    shift = published_shift(org_a, gina, start=now_minute())
    client.force_login(guard_a)
    response = client.post(_in(shift), location)
    assert response.status_code == 302
    with use_org(org_a):
        attendance = Attendance.objects.get()
    assert attendance.clock_in_at is not None and attendance.clock_in_latitude is None


def test_guard_a_cannot_clock_in_or_out_on_guard_bs_shift(client, org_a, guard_a, guard_a2):
    otto = employee_of(guard_a2)
    ottos = published_shift(org_a, otto, start=now_minute())
    client.force_login(guard_a)
    assert client.post(_in(ottos)).status_code == 404
    assert client.post(_out(ottos)).status_code == 404
    assert _in(ottos) not in client.get(MY_SHIFTS).content.decode()
    with use_org(org_a):
        assert not Attendance.objects.exists()
    client.force_login(guard_a2)
    assert client.post(_in(ottos)).status_code == 302
    client.force_login(guard_a)
    assert client.post(_out(ottos)).status_code == 404
    with use_org(org_a):
        assert Attendance.objects.get().clock_out_at is None


def test_a_guard_of_org_a_gets_404_for_org_bs_shift(client, org_a, org_b, guard_a, guard_b):
    beas = published_shift(org_b, employee_of(guard_b), start=now_minute())
    client.force_login(guard_a)
    assert client.post(_in(beas)).status_code == 404
    assert client.post(_out(beas)).status_code == 404
    assert not Attendance.all_orgs.exists()


def test_clocking_is_post_only_and_for_guards(client, org_a, guard_a, manager_a):
    shift = published_shift(org_a, employee_of(guard_a), start=now_minute())
    client.force_login(guard_a)
    assert client.get(_in(shift)).status_code == 405
    client.force_login(manager_a)
    assert client.post(_in(shift)).status_code == 403
    client.logout()
    assert client.post(_in(shift)).status_code == 302  # to the login page
    assert not Attendance.all_orgs.exists()


def test_the_clock_script_is_static_and_csp_allows_it(client, org_a, guard_a):
    published_shift(org_a, employee_of(guard_a), start=now_minute())
    client.force_login(guard_a)
    response = client.get(MY_SHIFTS)
    assert "script-src 'self'" in response["Content-Security-Policy"]
    body = response.content.decode()
    assert "<script>" not in body and body.count("<script") == 1
    script = Path(finders.find("attendance/clock.js")).read_text()
    assert "navigator.geolocation" in script and "form.submit()" in script


# --- the manager's side -----------------------------------------------------------------------


def test_manager_records_attendance_with_a_reason(client, org_a, manager_a, guard_a):
    gina = employee_of(guard_a)
    start = dt.datetime(2030, 3, 4, 4, 0, tzinfo=dt.UTC)  # 06:00 in Johannesburg
    shift = published_shift(org_a, gina, start=start, hours=12)
    client.force_login(manager_a)
    scheduling_page = client.get(reverse("scheduling:shift", kwargs={"pk": shift.pk}))
    assert _page(shift) in scheduling_page.content.decode()
    assert "Nothing recorded yet." in client.get(_page(shift)).content.decode()
    response = client.post(
        _page(shift),
        {
            "clock_in_at": "2030-03-04T06:12",
            "clock_out_at": "2030-03-04T18:00",
            "reason": "  Phone   broke; gate log ",
        },
    )
    assert response.status_code == 302
    with use_org(org_a):
        attendance = Attendance.objects.get()
        event = AttendanceEvent.objects.get()
    assert attendance.clock_in_at == start + dt.timedelta(minutes=12)
    assert attendance.clock_out_at == start + dt.timedelta(hours=12)
    assert (event.kind, event.user, event.reason) == (
        "correction",
        manager_a,
        "Phone broke; gate log",
    )
    body = client.get(_page(shift)).content.decode()
    assert "Phone broke; gate log" in body and "06:12" in body and "Manager" in body


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"clock_in_at": "2030-03-04T06:00", "reason": ""}, "reason", "This field is required."),
        ({"clock_in_at": "2030-03-04T06:00", "reason": "   "}, "reason", "This field is required."),
        ({"clock_in_at": "", "reason": "x"}, "clock_in_at", "This field is required."),
        ({"clock_in_at": "yesterday", "reason": "x"}, "clock_in_at", "Enter a valid date/time."),
        (
            {"clock_in_at": "2030-03-04T06:00", "clock_out_at": "2030-03-04T05:00", "reason": "x"},
            "clock_out_at",
            "Clocking out must come after clocking in.",
        ),
        (
            {"clock_in_at": "2031-03-04T06:00", "reason": "x"},
            "clock_in_at",
            "This time is more than a day away from the shift.",
        ),
        ({"clock_in_at": "9999-12-31T23:59", "reason": "x" * 501}, "reason", "at most 500"),
    ],
)
def test_bad_input_is_a_message_at_the_field(
    client, org_a, manager_a, guard_a, data, field, message
):
    start = dt.datetime(2030, 3, 4, 4, 0, tzinfo=dt.UTC)
    shift = published_shift(org_a, employee_of(guard_a), start=start, hours=12)
    client.force_login(manager_a)
    response = client.post(_page(shift), data)
    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field])
    assert not Attendance.all_orgs.exists() and not AttendanceEvent.all_orgs.exists()


def test_manager_of_org_a_gets_404_for_org_bs_shift(client, org_a, org_b, manager_a, guard_b):
    beas = published_shift(org_b, employee_of(guard_b), start=now_minute())
    client.force_login(manager_a)
    assert client.get(_page(beas)).status_code == 404
    response = client.post(_page(beas), {"clock_in_at": "2030-03-04T06:00", "reason": "x"})
    assert response.status_code == 404
    assert not Attendance.all_orgs.exists()


def test_the_attendance_page_is_for_managers(client, org_a, guard_a):
    shift = published_shift(org_a, employee_of(guard_a), start=now_minute())
    client.force_login(guard_a)
    assert client.get(_page(shift)).status_code == 403
    response = client.post(_page(shift), {"clock_in_at": "2030-03-04T06:00", "reason": "x"})
    assert response.status_code == 403
    assert not Attendance.all_orgs.exists()
