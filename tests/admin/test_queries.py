"""Changelist query counts are pinned, and the same for 10 and 1,000 rows."""

import datetime as dt

import pytest
from django.utils import timezone

from clients.models import Client, Site
from employees.models import Employee
from organizations.models import User
from rostracore.tenancy.context import use_org
from scheduling.models import Shift

# A page flow runs like production: no outer transaction, each request in its own
# ATOMIC_REQUESTS transaction (the owner empties the tables afterwards).
pytestmark = pytest.mark.django_db(transaction=True)


def _grow(world, n: int) -> None:
    """Bring org A to about `n` rows of every model (bulk, inside use_org like app code)."""
    a = world["alpha"]
    org = a["org"]
    with use_org(org):
        start = Client.objects.count()
        clients = Client.objects.bulk_create(
            Client(client_name=f"Bulk Client {i}") for i in range(start, n)
        )
        clients = clients or [a["client"]]
        Site.objects.bulk_create(
            Site(client=clients[i % len(clients)], name=f"Bulk Site {i}")
            for i in range(Site.objects.count(), n)
        )
        sites = list(Site.objects.all()[:50])
        guards = Employee.objects.bulk_create(
            Employee(
                first_name=f"Bulk{i}",
                last_name="Guard",
                employee_number=f"B-{i:05d}",
                assigned_client=clients[i % len(clients)] if i % 3 else None,
                hire_date=dt.date(2020, 1, 1) + dt.timedelta(days=i),
            )
            for i in range(Employee.objects.count(), n)
        )
        base = timezone.now().replace(minute=0, second=0, microsecond=0)
        Shift.objects.bulk_create(
            Shift(
                site=sites[i % len(sites)],
                employee=guards[i % len(guards)] if guards and i % 2 else None,
                start=base + dt.timedelta(days=i),
                end=base + dt.timedelta(days=i, hours=8),
            )
            for i in range(Shift.objects.count(), n)
        )
    User.objects.bulk_create(
        User(username=f"bulk{i}@alpha.example", org=org, is_staff=True)
        for i in range(User.objects.filter(org=org).count(), n)
    )


# Pinned query counts per changelist: session, user, organization, 2 permission queries, the
# filtered count (capped at 10,000; no total count: show_full_result_count = False), the
# page's rows, related-only filter choices, the date hierarchy (first and last date, read
# once for Django's tag and the probes, then one query of probes), and the savepoint pair
# of the changelist's atomic block.
# Equal for 10 and 1,000 rows: no N+1.
CHANGELISTS = {
    "/admin/clients/client/": 11,
    "/admin/clients/site/": 10,
    "/admin/employees/employee/": 12,
    "/admin/scheduling/shift/": 12,
    "/admin/organizations/user/": 10,
}


@pytest.mark.parametrize("url", list(CHANGELISTS))
def test_changelist_queries_are_pinned_and_flat(client_a, world, url, django_assert_num_queries):
    pinned = CHANGELISTS[url]
    for size in (10, 1000):
        _grow(world, size)
        client_a.get(url)  # warm caches (content types) that are not per-row
        with django_assert_num_queries(pinned):
            response = client_a.get(url)
        assert response.status_code == 200
        shown = response.context["cl"].result_count
        assert shown >= size, (url, size, shown)
