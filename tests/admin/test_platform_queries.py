"""Platform staff's changelists, like managers', cost the same number of queries for a few
rows as for many (the organization column and related columns are joined, not fetched per
row)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from employees.models import Employee
from rostracore.tenancy.context import use_org
from scheduling.models import Shift
from tests.factories import ClientFactory, SiteFactory

# A page flow runs like production: no outer transaction, each request in its own
# ATOMIC_REQUESTS transaction (the owner empties the tables afterwards).
pytestmark = pytest.mark.django_db(transaction=True)


def _fill(org, n, batch):
    client = ClientFactory(org=org)
    site = SiteFactory(org=org, client=client)
    with use_org(org):
        guards = Employee.objects.bulk_create(
            Employee(
                first_name="P",
                last_name=f"Q{i}",
                employee_number=f"P-{batch}-{i}",
                assigned_client=client if i % 2 else None,
            )
            for i in range(n)
        )
        Shift.objects.bulk_create(
            Shift(
                site=site,
                employee=guard,
                start=f"2030-01-{1 + i % 28:02d}T06:00Z",
                end=f"2030-01-{1 + i % 28:02d}T18:00Z",
            )
            for i, guard in enumerate(guards)
        )


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "changelist", ["admin:employees_employee_changelist", "admin:scheduling_shift_changelist"]
)
def test_platform_changelist_queries_do_not_grow_with_rows(
    client, platform_user, org_a, org_b, changelist
):
    client.force_login(platform_user)
    _fill(org_a, 2, batch=1)
    _fill(org_b, 2, batch=1)
    few = _queries(client, reverse(changelist))
    _fill(org_a, 40, batch=2)
    _fill(org_b, 40, batch=2)
    assert _queries(client, reverse(changelist)) == few
