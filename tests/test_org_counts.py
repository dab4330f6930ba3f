"""The counts the database keeps (rostracore/tallies, table org_counts) equal COUNT(*) after
every kind of write, for two organizations: inserts, updates (deactivate, move to a client,
reschedule, assign), deletes, bulk writes, raw SQL, a timezone change, truncation and
offboarding. Real transactions, the runtime role for the pages' writes."""

import datetime as dt
import zoneinfo

import pytest
from django.db import ProgrammingError, connection, transaction
from django.db.models import Sum

from clients.models import Client, Site
from employees.models import Employee
from organizations.models import Organization
from organizations.services import offboard_organization
from rostracore.dashboard import coverage_by_day, dashboards_per_org, org_counts, shift_counts
from rostracore.tallies.models import OrgCount
from rostracore.tenancy.context import all_organizations, use_org
from scheduling.models import Shift
from tests.concurrency import at_once
from tests.conftest import owner_connection
from tests.factories import ClientFactory, EmployeeFactory, ShiftFactory, SiteFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _truth(org) -> dict:
    """COUNT(*) of what the counts stand for, as the owner (no row-level security)."""
    with owner_connection().cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM employees WHERE org_id = %(o)s AND is_active),"
            " (SELECT count(*) FROM employees WHERE org_id = %(o)s AND is_active"
            "  AND assigned_client_id IS NULL),"
            " (SELECT count(*) FROM clients WHERE org_id = %(o)s AND is_active),"
            " (SELECT count(*) FROM clients_site WHERE org_id = %(o)s)",
            {"o": org.pk},
        )
        employees, flex, clients, sites = cursor.fetchone()
        cursor.execute(
            "SELECT (s.start AT TIME ZONE o.timezone)::date, count(*),"
            " count(*) FILTER (WHERE s.employee_id IS NOT NULL) FROM scheduling_shift s"
            " JOIN organizations o ON o.id = s.org_id WHERE s.org_id = %s GROUP BY 1",
            [org.pk],
        )
        days = {day: (total, filled) for day, total, filled in cursor.fetchall()}
    return {"employees": employees, "flex": flex, "clients": clients, "sites": sites, **days}


def _kept(org) -> dict:
    """The same numbers from the counts, as the runtime role in the organization."""
    org.refresh_from_db()
    with use_org(org), transaction.atomic():
        totals = OrgCount.objects.totals("employees", "flex", "clients", "sites")
        days = {}
        for row in (
            OrgCount.objects.filter(day__isnull=False)
            .values("kind", "day")
            .annotate(total=Sum("n"))
            .order_by()
        ):
            days.setdefault(row["day"], {})[row["kind"]] = row["total"]
    kept = dict(totals)
    for day, by_kind in days.items():
        if by_kind.get("shifts", 0):
            kept[day] = (by_kind.get("shifts", 0), by_kind.get("shifts_filled", 0))
    return kept


def _assert_equal(*orgs) -> None:
    for org in orgs:
        assert _kept(org) == _truth(org), org.slug


def _at(org, day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=zoneinfo.ZoneInfo(org.timezone))


def test_counts_follow_inserts_updates_and_deletes_of_two_organizations(two_orgs, org_a, org_b):
    a, b = two_orgs["alpha"], two_orgs["bravo"]
    _assert_equal(org_a, org_b)
    assert _kept(org_a)["employees"] == 2 and _kept(org_a)["flex"] == 1

    # Deactivate a guard, move the flex guard to a client, deactivate a client.
    with use_org(org_a), transaction.atomic():
        Employee.objects.filter(pk=a["dedicated"].pk).update(is_active=False)
        flex = Employee.objects.get(pk=a["flex"].pk)
        flex.assigned_client = a["client"]
        flex.save()
        Client.objects.filter(pk=a["client"].pk).update(is_active=False)
    _assert_equal(org_a, org_b)
    assert _kept(org_a)["flex"] == 0 and _kept(org_b)["flex"] == 1

    # Shifts: insert, assign, reschedule across a day, delete.
    day = dt.date(2027, 3, 1)
    shift = ShiftFactory(org=org_a, site=a["site"], start=_at(org_a, day, 6))
    ShiftFactory(org=org_b, site=b["site"], start=_at(org_b, day, 6), employee=b["flex"])
    _assert_equal(org_a, org_b)
    with use_org(org_a), transaction.atomic():
        Shift.objects.filter(pk=shift.pk).update(employee=a["flex"])
    assert _kept(org_a)[day] == (1, 1)
    with use_org(org_a), transaction.atomic():
        moved = Shift.objects.get(pk=shift.pk)
        moved.start += dt.timedelta(days=1)
        moved.end += dt.timedelta(days=1)
        moved.save()
    _assert_equal(org_a, org_b)
    assert _kept(org_a)[day + dt.timedelta(days=1)] == (1, 1) and day not in _kept(org_a)
    with use_org(org_a), transaction.atomic():
        Shift.objects.filter(pk=shift.pk).delete()
        Site.objects.filter(pk=a["site"].pk).delete()
        Employee.objects.filter(pk=a["flex"].pk).delete()
    _assert_equal(org_a, org_b)
    assert _kept(org_b)[day] == (1, 1)


def test_counts_follow_bulk_writes_raw_sql_and_rollbacks(two_orgs, org_a, org_b):
    a = two_orgs["alpha"]
    with use_org(org_a), transaction.atomic():
        Employee.objects.bulk_create(
            Employee(
                org=org_a,
                first_name="Bulk",
                last_name=f"Guard{n}",
                employee_number=f"B-{n:04d}",
                psira_number=f"{3_000_000 + n}",
                hire_date=dt.date(2026, 1, 1),
                assigned_client=a["client"] if n % 3 else None,
            )
            for n in range(300)
        )
        Site.objects.bulk_create(
            Site(org=org_a, client=a["client"], name=f"Bulk site {n}") for n in range(40)
        )
    _assert_equal(org_a, org_b)
    with use_org(org_a), transaction.atomic():
        Employee.objects.filter(last_name__startswith="Guard1").update(is_active=False)
        Employee.objects.filter(last_name__startswith="Guard2").update(assigned_client=None)
    _assert_equal(org_a, org_b)
    with use_org(org_a), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM employees WHERE last_name LIKE 'Guard3%%'")
    _assert_equal(org_a, org_b)
    # A rolled-back write leaves the counts as they were.
    before = _kept(org_a)
    with pytest.raises(RuntimeError), use_org(org_a), transaction.atomic():
        Employee.objects.all().update(is_active=False)
        raise RuntimeError
    assert _kept(org_a) == before
    # The dashboard reads the same numbers.
    with use_org(org_a), transaction.atomic():
        counts = org_counts()
    truth = _truth(org_a)
    assert (counts.employees, counts.flex, counts.clients, counts.sites) == (
        truth["employees"],
        truth["flex"],
        truth["clients"],
        truth["sites"],
    )
    assert counts.dedicated == truth["employees"] - truth["flex"]


def test_shift_days_follow_the_organizations_timezone(two_orgs, org_a, org_b):
    a = two_orgs["alpha"]
    day = dt.date(2027, 3, 1)
    # 01:00 in Johannesburg is 23:00 UTC the day before.
    ShiftFactory(org=org_a, site=a["site"], start=_at(org_a, day, 1))
    assert org_a.timezone == "Africa/Johannesburg"
    assert _kept(org_a)[day] == (1, 0)
    with all_organizations(), owner_connection().cursor() as cursor:
        cursor.execute("UPDATE organizations SET timezone = 'UTC' WHERE id = %s", [org_a.pk])
    _assert_equal(org_a, org_b)
    assert _kept(org_a)[day - dt.timedelta(days=1)] == (1, 0)


def test_dashboard_week_and_chart_read_the_counts(two_orgs, org_a, org_b):
    a, b = two_orgs["alpha"], two_orgs["bravo"]
    tz = zoneinfo.ZoneInfo(org_a.timezone)
    today = dt.datetime.now(tz).date()
    ShiftFactory(org=org_a, site=a["site"], start=_at(org_a, today, 6), employee=a["flex"])
    ShiftFactory(org=org_a, site=a["site"], start=_at(org_a, today, 20))
    for n in range(3):
        ShiftFactory(org=org_b, site=b["site"], start=_at(org_b, today, 6 + n))
    with use_org(org_a), transaction.atomic():
        week = shift_counts()
        [first] = coverage_by_day(today, days=1)
    assert (week.this_week, week.open_this_week) == (2, 1)
    assert (first.filled, first.open) == (1, 1)
    with all_organizations(), transaction.atomic():
        by_org = {d.org.slug: d for d in dashboards_per_org()}
    assert (by_org["alpha"].shifts.this_week, by_org["alpha"].shifts.open_this_week) == (2, 1)
    assert (by_org["bravo"].shifts.this_week, by_org["bravo"].counts.employees) == (3, 2)


def test_organization_a_reads_only_its_own_counts_and_cannot_write_them(two_orgs, org_a, org_b):
    with use_org(org_a), transaction.atomic():
        assert set(OrgCount.objects.values_list("org_id", flat=True)) == {org_a.pk}
    with use_org(org_a), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM org_counts WHERE org_id = %s", [org_b.pk])
        assert cursor.fetchone()[0] == 0  # row-level security: B's rows are not there
    for sql in (
        "UPDATE org_counts SET n = n + 1",
        "INSERT INTO org_counts (org_id, kind, shard, n) VALUES (%s, 'employees', 0, 5)",
        "DELETE FROM org_counts",
    ):
        with (
            pytest.raises(ProgrammingError),  # permission denied
            use_org(org_a),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [org_a.pk] if "%s" in sql else None)
    _assert_equal(org_a, org_b)


def test_offboarding_deletes_the_counts_and_leaves_the_other_organizations(two_orgs, org_a, org_b):
    ShiftFactory(org=org_a, site=two_orgs["alpha"]["site"])
    ShiftFactory(org=org_b, site=two_orgs["bravo"]["site"])
    before_b = _kept(org_b)
    offboard_organization(org=Organization.objects.get(pk=org_a.pk))
    with owner_connection().cursor() as cursor:
        cursor.execute("SELECT count(*) FROM org_counts WHERE org_id = %s", [org_a.pk])
        assert cursor.fetchone()[0] == 0
    assert _kept(org_b) == before_b == _truth(org_b)


def test_truncating_a_table_empties_its_counts(two_orgs, org_a, org_b):
    with owner_connection().cursor() as cursor:
        cursor.execute("TRUNCATE scheduling_shift, employees CASCADE")
    _assert_equal(org_a, org_b)
    assert _kept(org_a)["employees"] == 0 and _kept(org_a)["sites"] == 1


def test_new_organization_starts_at_zero(db):
    org = ClientFactory().org
    SiteFactory(org=org)
    EmployeeFactory(org=org, is_active=False)
    assert _kept(org) == _truth(org) == {"employees": 0, "flex": 0, "clients": 2, "sites": 1}


def test_concurrent_writers_of_one_organization_lose_no_count(two_orgs, org_a, org_b):
    """Four transactions insert and deactivate guards of A at once, each on its own
    connection (shard): the counts add up, whichever shard each one wrote."""

    def hire(n: int):
        def call():
            with use_org(org_a), transaction.atomic():
                for _ in range(5):
                    EmployeeFactory(org=org_a)
                Employee.objects.filter(pk=two_orgs["alpha"]["dedicated"].pk).update(
                    is_active=n % 2 == 0
                )
            return n

        return call

    assert at_once(*(hire(n) for n in range(4))) == [0, 1, 2, 3]
    _assert_equal(org_a, org_b)
    assert _kept(org_a)["flex"] == 21
