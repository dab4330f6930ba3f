"""employees/services.py: the writes behind the manager pages (and reusable by the admin)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from employees import services
from employees.models import Employee
from rostracore.tenancy.context import (
    CrossOrganizationError,
    NoOrganizationError,
    all_organizations,
    use_org,
)
from scheduling.models import Shift
from tests.factories import ClientFactory, ShiftFactory


def _row(employee: Employee) -> dict:
    return Employee.all_orgs.filter(pk=employee.pk).values().get()


def test_assign_and_move_to_flex_pool(two_orgs, org_a, observer):
    guard, client = two_orgs["alpha"]["flex"], two_orgs["alpha"]["client"]
    with use_org(org_a):
        services.assign_to_client(employee=guard, client=client)
        assert _row(guard)["assigned_client_id"] == client.pk
        services.move_to_flex_pool(employee=guard)
    assert _row(guard)["assigned_client_id"] is None


def test_assign_to_other_orgs_client_is_refused(two_orgs, org_a, observer):
    guard = two_orgs["alpha"]["flex"]
    with use_org(org_a), pytest.raises(CrossOrganizationError):
        services.assign_to_client(employee=guard, client=two_orgs["bravo"]["client"])
    assert _row(guard)["assigned_client_id"] is None


def test_changing_other_orgs_guard_is_refused(two_orgs, org_a, observer):
    guard = two_orgs["bravo"]["dedicated"]
    before = _row(guard)
    with use_org(org_a):
        with pytest.raises(CrossOrganizationError):
            services.move_to_flex_pool(employee=guard)
        with pytest.raises(CrossOrganizationError):
            services.set_active(employee=guard, active=False)
    assert _row(guard) == before


def test_services_fail_closed_without_an_organization(two_orgs):
    guard = two_orgs["alpha"]["dedicated"]
    with pytest.raises(NoOrganizationError):
        services.move_to_flex_pool(employee=guard)
    with all_organizations():
        assert _row(guard)["assigned_client_id"] == two_orgs["alpha"]["client"].pk


def test_assign_to_inactive_client_is_a_validation_error(two_orgs, org_a, observer):
    guard = two_orgs["alpha"]["flex"]
    closed = ClientFactory(org=org_a, is_active=False)
    with use_org(org_a), pytest.raises(ValidationError) as error:
        services.assign_to_client(employee=guard, client=closed)
    assert error.value.code == "inactive_client"
    assert _row(guard)["assigned_client_id"] is None


def test_deactivating_opens_only_that_guards_upcoming_shifts(two_orgs, org_a, observer):
    a = two_orgs["alpha"]
    now = timezone.now()
    upcoming = ShiftFactory(
        org=org_a, site=a["site"], employee=a["dedicated"], start=now + dt.timedelta(hours=2)
    )
    past = ShiftFactory(
        org=org_a, site=a["site"], employee=a["dedicated"], start=now - dt.timedelta(days=2)
    )
    colleague = ShiftFactory(
        org=org_a, site=a["site"], employee=a["flex"], start=now + dt.timedelta(hours=2)
    )
    with use_org(org_a):
        assert services.set_active(employee=a["dedicated"], active=False) == 1
        assert services.set_active(employee=a["dedicated"], active=True) == 0
    employees = dict(Shift.all_orgs.values_list("pk", "employee_id"))
    assert employees == {upcoming.pk: None, past.pk: a["dedicated"].pk, colleague.pk: a["flex"].pk}
    assert _row(a["dedicated"])["is_active"] is True


@pytest.mark.parametrize("guards", [2, 30])
def test_bulk_deactivation_is_set_based(org_a, guards, django_assert_num_queries, observer):
    """The admin's Deactivate action on any number of guards: the same few queries (ids,
    one UPDATE of guards, one of their upcoming shifts), each row still on the audit trail."""
    from employees.models import Employee
    from tests.factories import EmployeeFactory, ShiftFactory

    staff = [EmployeeFactory(org=org_a) for _ in range(guards)]
    ShiftFactory(org=org_a, employee=staff[0])
    with use_org(org_a):
        with django_assert_num_queries(5):  # the same for 2 and for 30 guards
            count, opened = services.deactivate_many(employees=Employee.objects.all())
        assert (count, opened) == (guards, 1)
        secrets = set(Employee.objects.values_list("calendar_secret", flat=True))
    assert len(secrets) == guards  # a fresh secret per guard
