"""Employee actions: assign to client (intermediate page), move to flex pool, deactivate."""

import re

import pytest
from django.contrib.messages import get_messages

from employees.models import Employee
from tests.admin.conftest import CANARY
from tests.factories import ClientFactory

# A page flow runs like production: no outer transaction, each request in its own
# ATOMIC_REQUESTS transaction (the owner empties the tables afterwards).
pytestmark = pytest.mark.django_db(transaction=True)

CHANGELIST = "/admin/employees/employee/"


def _state(*employees) -> list[tuple]:
    return [
        Employee.all_orgs.values_list("assigned_client_id", "is_active").get(pk=e.pk)
        for e in employees
    ]


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_assign_shows_only_own_active_clients(client_a, world):
    ClientFactory(org=world["alpha"]["org"], client_name="Alpha Old Client", is_active=False)
    flex = world["alpha"]["flex"]
    response = client_a.post(
        CHANGELIST, {"action": "assign_to_client", "index": "0", "_selected_action": [flex.pk]}
    )
    assert response.status_code == 200
    page = response.content.decode()
    select = re.search(r'<select name="client".*?</select>', page, re.S).group(0)
    assert re.findall(r"<option [^>]*>([^<]*)</option>", select) == ["Alpha Client"]
    assert CANARY not in page
    assert str(flex) in page


def test_assign_moves_selected_guards_to_the_client(client_a, world, observer):
    a = world["alpha"]
    response = client_a.post(
        CHANGELIST,
        {
            "action": "assign_to_client",
            "apply": "Assign",
            "client": a["client"].pk,
            "_selected_action": [a["flex"].pk],
        },
    )
    assert response.status_code == 302
    assert _state(a["flex"]) == [(a["client"].pk, True)]
    assert _messages(response) == ["Assigned 1 guard(s) to Alpha Client."]


def test_assign_to_another_orgs_client_changes_nothing_and_says_why(client_a, world, observer):
    a, b = world["alpha"], world["bravo"]
    before = _state(a["flex"], a["dedicated"])
    response = client_a.post(
        CHANGELIST,
        {
            "action": "assign_to_client",
            "apply": "Assign",
            "client": b["client"].pk,
            "_selected_action": [a["flex"].pk, a["dedicated"].pk],
        },
    )
    assert response.status_code == 200  # the intermediate page again, with the reason
    assert _state(a["flex"], a["dedicated"]) == before
    assert "is not one of your organization" in response.content.decode()
    assert CANARY not in response.content.decode()


def test_action_naming_another_orgs_employee_changes_nothing_and_says_why(
    client_a, world, observer
):
    a, b = world["alpha"], world["bravo"]
    everyone = (a["flex"], a["dedicated"], b["flex"], b["dedicated"])
    before = _state(*everyone)
    for payload in (
        {"action": "move_to_flex_pool", "index": "0"},
        {"action": "deactivate", "index": "0"},
        {"action": "assign_to_client", "index": "0"},
        {"action": "assign_to_client", "apply": "Assign", "client": a["client"].pk},
    ):
        payload["_selected_action"] = [a["dedicated"].pk, b["dedicated"].pk]
        response = client_a.post(CHANGELIST, payload)
        assert response.status_code == 302, payload
        assert _messages(response)[-1] == (
            "1 of the selected employees are not in your organization or no longer exist. "
            "Nothing was changed."
        ), payload
    assert _state(*everyone) == before


def test_move_to_flex_pool(client_a, world, observer):
    a = world["alpha"]
    response = client_a.post(
        CHANGELIST,
        {"action": "move_to_flex_pool", "index": "0", "_selected_action": [a["dedicated"].pk]},
    )
    assert response.status_code == 302
    assert _state(a["dedicated"]) == [(None, True)]
    assert _messages(response) == ["Moved 1 guard(s) to the flex pool."]


def test_deactivate(client_a, world, observer):
    a = world["alpha"]
    response = client_a.post(
        CHANGELIST,
        {
            "action": "deactivate",
            "index": "0",
            "_selected_action": [a["dedicated"].pk, a["flex"].pk],
        },
    )
    assert response.status_code == 302
    assert _state(a["dedicated"], a["flex"]) == [(a["client"].pk, False), (None, False)]
    assert _messages(response) == ["Deactivated 2 guard(s); 1 upcoming shift(s) are open again."]
    assert _state(world["bravo"]["dedicated"])[0][1] is True
    # Through employees.services.set_active: the guard's upcoming shift is open again (on
    # the main of 2026-12-01 the action's queryset.update() left the guard on it).
    assert _shift_guard(a["shift"]) is None
    assert _shift_guard(world["bravo"]["shift"]) == world["bravo"]["dedicated"].pk


def test_unticking_active_on_the_change_form_reopens_upcoming_shifts(client_a, world, observer):
    a = world["alpha"]
    guard = a["dedicated"]
    url = f"{CHANGELIST}{guard.pk}/change/"
    page = client_a.get(url)
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name in form.fields
    }
    data.pop("is_active")
    data["assigned_client"] = guard.assigned_client_id
    response = client_a.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert _state(guard) == [(a["client"].pk, False)]
    assert _shift_guard(a["shift"]) is None
    assert "1 upcoming shift(s) are open again." in _messages(response)


def _shift_guard(shift) -> int | None:
    from scheduling.models import Shift

    return Shift.all_orgs.values_list("employee_id", flat=True).get(pk=shift.pk)


def test_select_across_acts_on_own_rows_only(client_a, world, observer):
    response = client_a.post(
        CHANGELIST,
        {
            "action": "deactivate",
            "index": "0",
            "select_across": "1",
            "_selected_action": [world["alpha"]["flex"].pk],
        },
    )
    assert response.status_code == 302
    assert set(Employee.all_orgs.filter(is_active=False).values_list("org__slug", flat=True)) == {
        "alpha"
    }
    assert _state(world["bravo"]["flex"], world["bravo"]["dedicated"]) == [
        (None, True),
        (world["bravo"]["client"].pk, True),
    ]


def test_change_form_refuses_an_inactive_client_at_the_field(client_a, world, observer):
    """The change form's assignment goes through `employees.services`, like the bulk action:
    on the main of 2026-12-02 the admin saved `assigned_client` directly, so a guard could be
    dedicated to a client that no longer takes guards."""
    a = world["alpha"]
    guard = a["flex"]
    old = ClientFactory(org=a["org"], client_name="Alpha Old Client", is_active=False)
    url = f"{CHANGELIST}{guard.pk}/change/"
    form = client_a.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name in form.fields
    }
    data["assigned_client"] = old.pk
    response = client_a.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "Alpha Old Client is inactive" in str(errors["assigned_client"])
    assert _state(guard) == [(None, True)]
