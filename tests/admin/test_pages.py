"""Change pages, per-organization uniqueness and the delete confirmation."""

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from clients.models import Client
from employees.models import Employee
from tests.admin.conftest import CANARY
from tests.factories import ShiftFactory

# A page flow runs like production: no outer transaction, each request in its own
# ATOMIC_REQUESTS transaction (the owner empties the tables afterwards).
pytestmark = pytest.mark.django_db(transaction=True)


def test_employee_page_shows_flex_pool(client_a, world):
    flex = world["alpha"]["flex"]
    page = client_a.get(f"/admin/employees/employee/{flex.pk}/change/").content.decode()
    assert '<div class="readonly">Flex pool</div>' in page


def test_employee_page_shows_assigned_client_and_upcoming_shifts(client_a, world):
    a = world["alpha"]
    guard = a["dedicated"]
    past = timezone.now() - dt.timedelta(days=3)
    ShiftFactory(org=a["org"], site=a["site"], employee=guard, start=past)
    page = client_a.get(f"/admin/employees/employee/{guard.pk}/change/").content.decode()
    assert '<div class="readonly">Dedicated to Alpha Client</div>' in page
    shifts = page[page.index('<table class="rc-shifts">') :]
    shifts = shifts[: shifts.index("</table>")]
    start = timezone.localtime(a["shift"].start, zoneinfo.ZoneInfo(a["org"].timezone))
    assert start.strftime("%a %d %b %Y %H:%M") in shifts
    assert shifts.count("<tr>") == 2  # header + the one upcoming shift; the past one is not
    assert f"/admin/scheduling/shift/{a['shift'].pk}/change/" in shifts


def test_client_page_shows_dedicated_guards_and_sites(client_a, world):
    a = world["alpha"]
    page = client_a.get(f"/admin/clients/client/{a['client'].pk}/change/").content.decode()
    guards = page[page.index('<ul class="rc-guards">') :]
    guards = guards[: guards.index("</ul>")]
    assert str(a["dedicated"]) in guards
    assert str(a["flex"]) not in guards
    assert 'value="Alpha Site"' in page  # the sites inline
    assert CANARY not in page


def _client_form(name: str) -> dict:
    return {
        "client_name": name,
        "is_active": "on",
        "sites-TOTAL_FORMS": "0",
        "sites-INITIAL_FORMS": "0",
    }


def _employee_form(number: str) -> dict:
    return {
        "first_name": "New",
        "last_name": "Guard",
        "employee_number": number,
        "psira_grade": "C",
        "is_active": "on",
    }


def test_duplicate_client_name_is_a_form_error(client_a, world, observer):
    response = client_a.post("/admin/clients/client/add/", _client_form("Alpha Client"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "client_name": ["Your organization already has a client with this name."]
    }
    assert Client.all_orgs.filter(client_name="Alpha Client").count() == 1


def test_another_orgs_client_name_is_free(client_a, world, observer):
    """No cross-organization oracle: B's name is not "taken" for A."""
    response = client_a.post("/admin/clients/client/add/", _client_form("CANARYB Client"))
    assert response.status_code == 302
    assert Client.all_orgs.filter(client_name="CANARYB Client").count() == 2


def test_duplicate_employee_number_is_a_form_error(client_a, world, observer):
    taken = world["alpha"]["flex"].employee_number
    response = client_a.post("/admin/employees/employee/add/", _employee_form(taken))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "employee_number": ["Another guard in your organization already has this employee number."]
    }
    b_number = world["bravo"]["flex"].employee_number
    response = client_a.post("/admin/employees/employee/add/", _employee_form(b_number))
    assert response.status_code == 302
    assert Employee.all_orgs.filter(employee_number=b_number).count() == 2


def test_duplicate_on_change_is_a_form_error(client_a, world):
    a = world["alpha"]
    other = a["dedicated"].employee_number
    url = f"/admin/employees/employee/{a['flex'].pk}/change/"
    response = client_a.post(url, _employee_form(other))
    assert response.status_code == 200
    assert "employee_number" in response.context["adminform"].form.errors


def test_delete_confirmation_lists_only_own_related_rows(client_a, world):
    a = world["alpha"]
    page = client_a.get(f"/admin/clients/client/{a['client'].pk}/delete/").content.decode()
    assert "Alpha Site" in page
    assert "Are you sure" in page
    assert CANARY not in page
