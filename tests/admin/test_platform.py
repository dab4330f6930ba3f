"""Platform staff (superusers without an organization) see every organization."""

import pytest

from clients.models import Client, Site
from employees.models import Employee

# A page flow runs like production: no outer transaction, each request in its own
# ATOMIC_REQUESTS transaction (the owner empties the tables afterwards).
pytestmark = pytest.mark.django_db(transaction=True)


def test_changelist_shows_every_org_with_organization_column_and_filter(platform_client, world):
    response = platform_client.get("/admin/employees/employee/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "AlphaGuard" in page and "CANARYBGuard" in page
    assert "column-org" in page
    org_b = world["bravo"]["org"]
    filtered = platform_client.get(f"/admin/employees/employee/?org__id__exact={org_b.pk}")
    assert "CANARYBGuard" in filtered.content.decode()
    assert "AlphaGuard" not in filtered.content.decode()


def test_manager_never_sees_the_organization(client_a, world):
    page = client_a.get("/admin/employees/employee/").content.decode()
    assert "column-org" not in page
    assert "org__id__exact" not in page
    a = world["alpha"]["dedicated"]
    change = client_a.get(f"/admin/employees/employee/{a.pk}/change/").content.decode()
    assert "field-org" not in change and 'name="org"' not in change


def test_add_asks_for_the_organization_first(platform_client, world):
    response = platform_client.get("/admin/clients/client/add/")
    page = response.content.decode()
    assert response.status_code == 200
    assert f"?org={world['bravo']['org'].pk}" in page
    assert "choose the organization" in page


def test_add_in_a_chosen_org_offers_only_that_orgs_rows(platform_client, world, observer):
    org_b = world["bravo"]["org"]
    page = platform_client.get(f"/admin/employees/employee/add/?org={org_b.pk}").content.decode()
    assert "CANARYB Client" in page  # a plain select (no autocomplete) of B's clients
    assert "Alpha Client" not in page
    response = platform_client.post(
        f"/admin/employees/employee/add/?org={org_b.pk}",
        {
            "first_name": "Platform",
            "last_name": "Made",
            "employee_number": "P-1",
            "psira_grade": "C",
            "is_active": "on",
            "assigned_client": world["bravo"]["client"].pk,
        },
    )
    assert response.status_code == 302
    made = Employee.all_orgs.get(employee_number="P-1")
    assert (made.org_id, made.assigned_client_id) == (org_b.pk, world["bravo"]["client"].pk)


def test_platform_cannot_point_a_row_at_another_orgs_client(platform_client, world, observer):
    guard = world["bravo"]["flex"]
    response = platform_client.post(
        f"/admin/employees/employee/{guard.pk}/change/",
        {
            "first_name": guard.first_name,
            "last_name": guard.last_name,
            "employee_number": guard.employee_number,
            "psira_grade": "C",
            "is_active": "on",
            "assigned_client": world["alpha"]["client"].pk,
        },
    )
    assert response.status_code == 200
    assert "assigned_client" in response.context["adminform"].form.errors
    assert Employee.all_orgs.get(pk=guard.pk).assigned_client_id is None


def test_platform_edits_and_duplicate_is_a_form_error(platform_client, world, observer):
    client = world["bravo"]["client"]
    url = f"/admin/clients/client/{client.pk}/change/"
    form = {"is_active": "on", "sites-TOTAL_FORMS": "0", "sites-INITIAL_FORMS": "0"}
    response = platform_client.post(url, {**form, "client_name": "Renamed by staff"})
    assert response.status_code == 302
    assert Client.all_orgs.get(pk=client.pk).client_name == "Renamed by staff"
    other = platform_client.post(
        f"/admin/clients/client/add/?org={world['bravo']['org'].pk}",
        {**form, "client_name": "Renamed by staff"},
    )
    assert other.status_code == 200
    assert other.context["adminform"].form.errors == {
        "client_name": ["Your organization already has a client with this name."]
    }


def test_platform_action_takes_one_org_at_a_time(platform_client, world, observer):
    a, b = world["alpha"], world["bravo"]
    response = platform_client.post(
        "/admin/employees/employee/",
        {"action": "deactivate", "index": "0", "_selected_action": [a["flex"].pk, b["flex"].pk]},
    )
    assert response.status_code == 302
    assert Employee.all_orgs.filter(is_active=False).count() == 0
    response = platform_client.post(
        "/admin/employees/employee/",
        {"action": "deactivate", "index": "0", "_selected_action": [b["flex"].pk]},
    )
    assert list(Employee.all_orgs.filter(is_active=False)) == [b["flex"]]


def test_platform_deletes_in_the_objects_org(platform_client, world):
    site = world["bravo"]["site"]
    response = platform_client.post(f"/admin/clients/site/{site.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Site.all_orgs.filter(pk=site.pk).exists()
