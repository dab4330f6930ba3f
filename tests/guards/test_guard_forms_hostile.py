"""Hostile input on the guards' forms (leave, weekly window, date, preferences): wrong types,
huge values, bad and far-future dates, end before start, HTML in notes, overlong strings and
duplicate submits. Each gets a message on its field (400), never a 500, and writes nothing.
(tests/forms/test_hostile_input.py fuzzes the same forms with generated input.)"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from guards.models import LeaveRequest, ShiftPreferences, UnavailableDate, UnavailableWindow
from tests.factories import GuardUserFactory

pytestmark = pytest.mark.django_db(transaction=True)

LEAVE = reverse("guards:leave")
WINDOW = reverse("guards:window_add")
DATE = reverse("guards:date_add")
PREFERENCES = reverse("guards:preferences")
MODELS = (LeaveRequest, UnavailableWindow, UnavailableDate, ShiftPreferences)


@pytest.fixture
def guard(org_a):
    return GuardUserFactory(org=org_a, username="gina@alpha.example")


def _day(days: int) -> str:
    today = timezone.localdate(timezone=ZoneInfo("Africa/Johannesburg"))
    return (today + dt.timedelta(days=days)).isoformat()


def _counts() -> list[int]:
    return [model.all_orgs.count() for model in MODELS]


LEAVE_OK = {"start": _day(10), "end": _day(11), "kind": "annual", "note": ""}

CASES = [
    # (url, data, field, part of the message)
    (LEAVE, {**LEAVE_OK, "start": "x"}, "start", "Enter a valid date"),
    (LEAVE, {**LEAVE_OK, "start": "2024-02-30"}, "start", "Enter a valid date"),
    (LEAVE, {**LEAVE_OK, "start": ["2027-01-01", "x"]}, "start", "Enter a valid date"),
    (LEAVE, {**LEAVE_OK, "start": _day(-1)}, "start", "cannot be in the past"),
    (LEAVE, {**LEAVE_OK, "end": _day(9)}, "end", "cannot be before the first"),
    (LEAVE, {**LEAVE_OK, "end": _day(400)}, "end", "a year from today"),
    (LEAVE, {**LEAVE_OK, "start": "9999-12-30", "end": "9999-12-31"}, "start", "a year"),
    (LEAVE, {**LEAVE_OK, "kind": "holiday"}, "kind", "Select a valid choice"),
    (LEAVE, {**LEAVE_OK, "kind": 10**30}, "kind", "Select a valid choice"),
    (LEAVE, {**LEAVE_OK, "note": "x" * 501}, "note", "at most 500 characters"),
    (LEAVE, {**LEAVE_OK, "note": "a\x00b"}, "note", "Null characters"),
    (WINDOW, {"weekday": "7", "start": "18:00", "end": "00:00"}, "weekday", "valid choice"),
    (WINDOW, {"weekday": "1e309", "start": "18:00", "end": "00:00"}, "weekday", "valid choice"),
    (WINDOW, {"weekday": "1", "start": "24:00", "end": "00:00"}, "start", "Enter a valid time"),
    (WINDOW, {"weekday": "1", "start": "8pm", "end": "00:00"}, "start", "Enter a valid time"),
    (WINDOW, {"weekday": "1", "start": "18:00", "end": "x" * 5000}, "end", "Enter a valid time"),
    (WINDOW, {"weekday": "1", "start": "08:00", "end": "08:00"}, "end", "same time"),
    (DATE, {"day": _day(-1)}, "day", "cannot be in the past"),
    (DATE, {"day": _day(367)}, "day", "a year from today"),
    (DATE, {"day": "0001-01-01"}, "day", "cannot be in the past"),
    (DATE, {"day": "31/12/2027"}, "day", "Enter a valid date"),
    (DATE, {"day": _day(3), "note": "y" * 201}, "note", "at most 200 characters"),
    (PREFERENCES, {"time_of_day": "evenings"}, "time_of_day", "Select a valid choice"),
    (PREFERENCES, {"time_of_day": ["days", "x"]}, "time_of_day", "Select a valid choice"),
]
FORMS = {LEAVE: "form", WINDOW: "window_form", DATE: "date_form", PREFERENCES: "preferences_form"}


@pytest.mark.parametrize("url, data, field, message", CASES)
def test_hostile_input_gets_a_message_on_its_field_and_writes_nothing(
    client, guard, observer, url, data, field, message
):
    client.force_login(guard)
    before = _counts()
    response = client.post(url, data)
    assert response.status_code == 400
    errors = response.context[FORMS[url]].errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert _counts() == before


@pytest.mark.parametrize(
    "url, data, field",
    [
        (LEAVE, LEAVE_OK, "start"),
        (WINDOW, {"weekday": "1", "start": "18:00", "end": "00:00"}, "start"),
        (DATE, {"day": _day(5)}, "day"),
    ],
)
def test_a_duplicate_submit_is_refused_on_the_field(client, guard, observer, url, data, field):
    client.force_login(guard)
    assert client.post(url, data).status_code == 302
    before = _counts()
    response = client.post(url, data)
    assert response.status_code == 400
    assert field in response.context[FORMS[url]].errors
    assert _counts() == before


def test_html_in_notes_is_stored_as_text_and_shown_escaped(client, guard, observer):
    client.force_login(guard)
    script = "<script>alert(1)</script>"
    client.post(LEAVE, {**LEAVE_OK, "note": script})
    client.post(DATE, {"day": _day(5), "note": script})
    assert LeaveRequest.all_orgs.get().note == script
    for page in (LEAVE, reverse("guards:availability")):
        body = client.get(page).content.decode()
        assert script not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
