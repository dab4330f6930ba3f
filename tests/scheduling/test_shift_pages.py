"""The shift page and the board's hand edits as a manager uses them (scheduling/shifts.py):
candidates best first with reasons, each action by POST with its message, bad input as a
message and no change, other organizations' rows as 404 or "no such", guards kept out, and
what the guards see before and after publishing."""

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from rostracore.tenancy.context import use_org
from scheduling.models import RosterRun, Shift
from tests.factories import (
    ClientFactory,
    EmployeeFactory,
    GuardUserFactory,
    ShiftFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _monday(org) -> dt.date:
    tz = zoneinfo.ZoneInfo(org.timezone)
    today = timezone.now().astimezone(tz).date()
    return today + dt.timedelta(days=14 - today.weekday())


def _at(org, day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=zoneinfo.ZoneInfo(org.timezone))


@pytest.fixture
def a_world(org_a):
    monday = _monday(org_a)
    client = ClientFactory(org=org_a)
    site = SiteFactory(org=org_a, client=client, name="North Gate")
    guard_user = GuardUserFactory(org=org_a, first_name="Gina", username="gina@alpha.example")
    with use_org(org_a):
        gina = guard_user.employees.get()
    low = EmployeeFactory(org=org_a, first_name="Lou", last_name="Low", psira_grade="D")
    flex = EmployeeFactory(org=org_a, first_name="Flo", last_name="Flex", psira_grade="C")
    shift = ShiftFactory(
        org=org_a,
        site=site,
        start=_at(org_a, monday, 6),
        end=_at(org_a, monday, 18),
        required_grade="C",
    )
    return {
        "monday": monday,
        "site": site,
        "shift": shift,
        "gina": gina,
        "gina_user": guard_user,
        "low": low,
        "flex": flex,
    }


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_the_shift_page_lists_the_free_first_and_the_others_with_reasons(
    client, manager_a, a_world
):
    client.force_login(manager_a)
    response = client.get(a_world["shift"].get_absolute_url())
    assert response.status_code == 200
    text = response.content.decode()
    free = text.split('id="free"')[1].split("</ol>")[0]
    others = text.split('id="others"')[1].split("</ul>")[0]
    assert "Flo Flex" in free and a_world["gina"].full_name in free
    assert "Lou Low" in others and "grade D, needs C" in others
    assert "Lou Low" not in free


def test_assign_from_the_page_then_the_board_counts_the_change_and_publishing_tells_guards(
    client, manager_a, a_world, org_a
):
    shift, gina = a_world["shift"], a_world["gina"]
    client.force_login(manager_a)
    response = client.post(
        reverse("scheduling:shift_assign", args=[shift.pk]),
        {"employee": gina.pk, "current": ""},
        follow=True,
    )
    assert f"{gina.full_name} is on this shift" in " ".join(_messages(response))
    week = a_world["monday"].isoformat()
    board = client.get(reverse("scheduling:board"), {"week": week}).content.decode()
    assert "1 change since publishing" in board and "Publish 1 change" in board
    # The guard is not told yet.
    guard = client.__class__()
    guard.force_login(a_world["gina_user"])
    assert "North Gate" not in guard.get(reverse("guards:my_shifts")).content.decode()

    response = client.post(reverse("scheduling:board_publish"), {"week": week}, follow=True)
    assert "Published 1 change;" in " ".join(_messages(response))
    assert "No changes since publishing." in response.content.decode()
    assert "North Gate" in guard.get(reverse("guards:my_shifts")).content.decode()


def test_a_guard_who_may_not_take_it_is_refused_with_the_reason(client, manager_a, a_world, org_a):
    shift = a_world["shift"]
    client.force_login(manager_a)
    response = client.post(
        reverse("scheduling:shift_assign", args=[shift.pk]),
        {"employee": a_world["low"].pk},
        follow=True,
    )
    assert "Lou Low cannot take this shift: grade D, needs C." in _messages(response)
    with use_org(org_a):
        assert Shift.objects.get(pk=shift.pk).employee_id is None


@pytest.mark.parametrize(
    "body, message",
    [
        ({}, "This field is required."),
        ({"employee": "x"}, "Enter a whole number, in digits 0 to 9."),
        ({"employee": "99999999"}, "No such active guard."),
        ({"employee": "٣"}, "Enter a whole number, in digits 0 to 9."),
    ],
)
def test_bad_assign_input_is_a_message_and_no_change(
    client, manager_a, a_world, org_a, body, message
):
    shift = a_world["shift"]
    client.force_login(manager_a)
    response = client.post(reverse("scheduling:shift_assign", args=[shift.pk]), body, follow=True)
    assert response.status_code == 200 and message in _messages(response)
    with use_org(org_a):
        assert Shift.objects.get(pk=shift.pk).employee_id is None


def test_unassign_pin_and_swap_from_the_page(client, manager_a, a_world, org_a):
    shift, gina, flex = a_world["shift"], a_world["gina"], a_world["flex"]
    other = ShiftFactory(
        org=org_a,
        site=a_world["site"],
        employee=flex,
        start=_at(org_a, a_world["monday"] + dt.timedelta(2), 6),
        end=_at(org_a, a_world["monday"] + dt.timedelta(2), 18),
    )
    client.force_login(manager_a)
    client.post(reverse("scheduling:shift_assign", args=[shift.pk]), {"employee": gina.pk})
    page = client.get(shift.get_absolute_url()).content.decode()
    assert "Swap with another shift this week" in page and "Flo Flex" in page
    response = client.post(
        reverse("scheduling:shift_swap", args=[shift.pk]), {"other": other.pk}, follow=True
    )
    assert "Swapped (not yet published)." in _messages(response)
    with use_org(org_a):
        shift.refresh_from_db()
        other.refresh_from_db()
    assert (shift.employee_id, other.employee_id) == (flex.pk, gina.pk)

    client.post(reverse("scheduling:shift_pin", args=[shift.pk]), {})
    with use_org(org_a):
        assert not Shift.objects.get(pk=shift.pk).pinned
    response = client.post(
        reverse("scheduling:shift_unassign", args=[shift.pk]), {"current": flex.pk}, follow=True
    )
    assert "The shift is open (not yet published)." in _messages(response)
    with use_org(org_a):
        assert Shift.objects.get(pk=shift.pk).employee_id is None


def test_a_one_off_shift_from_the_board(client, manager_a, a_world, org_a):
    client.force_login(manager_a)
    url = reverse("scheduling:shift_new")
    assert client.get(url).status_code == 200
    day = (a_world["monday"] + dt.timedelta(4)).isoformat()
    bad = client.post(url, {"site": a_world["site"].pk, "date": "9999-01-01"})
    assert bad.status_code == 200
    assert "within 5 years of today" in str(bad.context["form"].errors["date"])
    assert "start_time" in bad.context["form"].errors
    response = client.post(
        url,
        {
            "site": a_world["site"].pk,
            "date": day,
            "start_time": "18:00",
            "end_time": "02:00",
            "required_grade": "E",
            "employee": "",
        },
    )
    with use_org(org_a):
        made = Shift.objects.get(
            pattern__isnull=True, start=_at(org_a, a_world["monday"] + dt.timedelta(4), 18)
        )
    assert response.status_code == 302 and response["Location"] == made.get_absolute_url()
    assert made.end - made.start == dt.timedelta(hours=8) and made.employee_id is None


def test_fill_the_rest_starts_a_run_over_the_week(client, manager_a, a_world, org_a):
    client.force_login(manager_a)
    response = client.post(
        reverse("scheduling:board_fill"), {"week": a_world["monday"].isoformat()}
    )
    with use_org(org_a):
        run = RosterRun.objects.get()
    assert response.status_code == 302 and response["Location"] == run.get_absolute_url()
    assert (run.start_date, run.end_date) == (
        a_world["monday"],
        a_world["monday"] + dt.timedelta(7),
    )
    # A second one while the first waits: refused with the reason, on the board.
    again = client.post(
        reverse("scheduling:board_fill"), {"week": a_world["monday"].isoformat()}, follow=True
    )
    assert any("already being generated" in m for m in _messages(again))


def test_another_organizations_shift_guard_and_site_are_out_of_reach(
    client, manager_a, a_world, org_a, org_b
):
    b_shift = ShiftFactory(org=org_b)
    b_guard = EmployeeFactory(org=org_b, psira_grade="A")
    b_site = SiteFactory(org=org_b)
    client.force_login(manager_a)
    for name in ("shift", "shift_assign", "shift_unassign", "shift_pin", "shift_swap"):
        url = reverse(f"scheduling:{name}", args=[b_shift.pk])
        response = client.get(url) if name == "shift" else client.post(url, {})
        assert response.status_code == 404, name
    shift = a_world["shift"]
    response = client.post(
        reverse("scheduling:shift_assign", args=[shift.pk]), {"employee": b_guard.pk}, follow=True
    )
    assert "No such active guard." in _messages(response)
    response = client.post(
        reverse("scheduling:shift_swap", args=[shift.pk]), {"other": b_shift.pk}, follow=True
    )
    assert "No such shift." in _messages(response)
    response = client.post(
        reverse("scheduling:shift_new"),
        {
            "site": b_site.pk,
            "date": a_world["monday"].isoformat(),
            "start_time": "08:00",
            "end_time": "16:00",
            "required_grade": "E",
        },
    )
    assert "site" in response.context["form"].errors
    with use_org(org_b):
        assert Shift.objects.count() == 1 and Shift.objects.get().employee_id is None


def test_guards_cannot_use_the_managers_edit_pages(client, a_world):
    client.force_login(a_world["gina_user"])
    shift = a_world["shift"]
    for url, method in [
        (shift.get_absolute_url(), "get"),
        (reverse("scheduling:shift_assign", args=[shift.pk]), "post"),
        (reverse("scheduling:shift_new"), "get"),
        (reverse("scheduling:board_publish"), "post"),
        (reverse("scheduling:board_fill"), "post"),
    ]:
        response = getattr(client, method)(url, {"employee": a_world["gina"].pk})
        assert response.status_code in (403, 404), url


def test_a_shift_an_inactive_guard_still_holds_is_a_page_not_a_500(
    client, manager_a, a_world, org_a
):
    """Deactivation reopens upcoming shifts only; a past one keeps its inactive guard and is
    not the roster engine's to judge: the page says so and assigning over it is refused."""
    gone = EmployeeFactory(org=org_a, first_name="Gus", last_name="Gone", is_active=False)
    start = timezone.now() - dt.timedelta(days=3)
    past = ShiftFactory(
        org=org_a,
        site=a_world["site"],
        employee=gone,
        start=start,
        end=start + dt.timedelta(hours=8),
    )
    client.force_login(manager_a)
    response = client.get(past.get_absolute_url())
    assert response.status_code == 200
    assert "No guard is free and qualified for this shift." in response.content.decode()
    response = client.post(
        reverse("scheduling:shift_assign", args=[past.pk]),
        {"employee": a_world["flex"].pk, "current": gone.pk},
        follow=True,
    )
    assert any("its guard is inactive: unassign them first" in m for m in _messages(response))
