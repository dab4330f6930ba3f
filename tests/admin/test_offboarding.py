"""Platform staff delete an organization, or erase a user, from the admin.

Real transactions (ATOMIC_REQUESTS does them, as in production). On the main of 2026-12-01
both answered 500: "new row violates row-level security policy for table
scheduling_rosterrun" — the cascade's SET_NULL ran in platform mode.
"""

import re

import pytest

from employees.models import Employee
from organizations.models import Organization, User
from rostracore.tenancy.context import all_organizations
from scheduling.models import RosterRun, Shift

pytestmark = pytest.mark.django_db(transaction=True)


def _counts(org) -> dict[str, int]:
    with all_organizations():
        return {
            "employees": Employee.all_orgs.filter(org=org).count(),
            "shifts": Shift.all_orgs.filter(org=org).count(),
            "runs": RosterRun.all_orgs.filter(org=org).count(),
            "users": User.objects.filter(org=org).count(),
        }


def test_offboarding_shows_counts_then_deletes_only_that_organization(
    platform_client, scheduling_world
):
    a, b = scheduling_world["alpha"]["org"], scheduling_world["bravo"]["org"]
    b_before = _counts(b)
    url = f"/admin/organizations/organization/{a.pk}/delete/"

    page = platform_client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Alpha Guarding (alpha) with all its data" in text
    summary = re.findall(r"<li>([^<]*: \d+)</li>", text)
    assert summary == [
        "Clients: 1",
        "Sites: 1",
        "Employees: 2",
        "Shifts: 2",
        "Labour rules: 1",
        "Site inductions: 1",
        "Guard contracts: 1",
        "Absences: 1",
        "Posts: 1",
        "Shift patterns: 1",
        "Roster runs: 1",
        "Roster assignments: 1",
        "Attendance: 1",
        "Attendance events: 1",
        "Pay schedules: 1",
        "Pay periods: 1",
        "Pay lines: 1",
        "Charge rates: 1",
        "Users: 1",
    ]

    response = platform_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not Organization.objects.filter(pk=a.pk).exists()
    assert _counts(a) == {"employees": 0, "shifts": 0, "runs": 0, "users": 0}
    assert _counts(b) == b_before


def test_offboarding_through_the_delete_action(platform_client, scheduling_world):
    a = scheduling_world["alpha"]["org"]
    changelist = "/admin/organizations/organization/"
    confirm = platform_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [a.pk]}
    )
    assert confirm.status_code == 200
    assert "Employees: 2" in confirm.content.decode()
    done = platform_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [a.pk], "post": "yes"}
    )
    assert done.status_code == 302
    assert not Organization.objects.filter(pk=a.pk).exists()


def test_erasing_a_manager_who_started_a_roster_keeps_the_run(
    platform_client, scheduling_world, manager_a
):
    run = scheduling_world["alpha"]["run"]
    response = platform_client.post(
        f"/admin/organizations/user/{manager_a.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not User.objects.filter(pk=manager_a.pk).exists()
    with all_organizations():
        assert RosterRun.all_orgs.get(pk=run.pk).created_by_id is None
