"""The hot queries' plans, as the runtime role with row-level security on: index scans that
read a page, no sequential scan of a tenant table (issue 16, docs/scaling.md).

A module-wide dataset of realistic shape — `seed_demo --prefix plan --orgs 2 --guards 12000
--weeks 2` (24,000 guards, 2,400 sites, 67,200 shifts), then ANALYZE — is big enough that the
planner prefers the indexes on its own: no `enable_seqscan = off`. Each test compiles the
query the page issues (through the view's own helpers where there is one), runs
`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)` in the organization's transaction (so the RLS
policy's `org_id = current_setting(...)` is in the plan), and checks the plan's nodes.

These tests fail when an index they rely on is missing. To see it, drop one after seeding:

    ROSTRACORE_PLAN_DROP_INDEX=employees_search_trgm \\
        ROSTRACORE_PGDATA=throwaway .venv/bin/python -m pytest tests/performance -q
"""

from __future__ import annotations

import datetime as dt
import json
import os
import zoneinfo
from contextlib import nullcontext

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.models import Exists, OuterRef
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from clients.models import Client, Site
from employees.admin import EmployeeAdmin
from employees.forms import EmployeeFilterForm
from employees.models import Employee
from employees.views import _filtered
from organizations.models import Organization
from rostracore.dashboard import org_counts, shift_counts
from rostracore.pagination import CappedPaginator
from rostracore.tallies.models import SHARDS
from rostracore.tenancy.context import all_organizations, use_org
from rostracore.tenancy.db import OWNER_ALIAS
from rostracore.tenancy.templatetags.tenancy_admin import _BoundedDates
from scheduling import board
from scheduling.models import Shift
from scheduling.services import changed_shifts
from tests.conftest import truncate_as_owner

PAGE = 50
# The list of active guards by name may take either: both hand over the page in order (the
# planner prefers the narrower one; is_active is true for nearly every guard).
NAME_INDEXES = ("employees_org_name_idx", "employees_org_active_name_idx")
# The tenant tables of thousands of rows here (6,000 guards and 8,400 shifts an organization):
# none may be read whole for a page. (Clients, 120 an organization, may be: a hash of them
# is cheaper than 50 probes, and they do not grow with the guards.)
BIG_TABLES = {"employees", "scheduling_shift"}


@pytest.fixture(scope="module")
def plan_orgs(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(DEBUG=True):  # seed_demo's guard
        call_command("seed_demo", prefix="plan", orgs=2, guards=12_000, weeks=2, jobs=1)
        with connections[OWNER_ALIAS].cursor() as cursor:
            if dropped := os.environ.get("ROSTRACORE_PLAN_DROP_INDEX"):
                # A scratch run (see the docstring); a unique constraint's index goes with it.
                cursor.execute(
                    "SELECT conrelid::regclass::text FROM pg_constraint WHERE conname = %s",
                    [dropped],
                )
                if row := cursor.fetchone():
                    cursor.execute(f'ALTER TABLE "{row[0]}" DROP CONSTRAINT "{dropped}"')
                else:
                    cursor.execute(f'DROP INDEX "{dropped}"')
            # Three years of per-day counts (zeros), as a long-lived organization has: the
            # dashboards must read their days by the key, not the whole table.
            cursor.execute(
                "INSERT INTO org_counts (org_id, kind, day, shard, n) "
                "SELECT o.id, k.kind, d::date, s, 0 FROM organizations o, "
                "unnest(ARRAY['shifts', 'shifts_filled']) AS k(kind), "
                "generate_series(now() - interval '3 years', now() - interval '1 month', "
                "interval '1 day') AS d, generate_series(0, %s - 1) AS s "
                "WHERE o.slug LIKE 'plan-%%' ON CONFLICT DO NOTHING",
                [SHARDS],
            )
            cursor.execute("VACUUM ANALYZE")  # statistics, and the visibility map
        orgs = list(Organization.objects.using(OWNER_ALIAS).filter(slug__startswith="plan-"))
        assert len(orgs) == 2
        yield orgs
        truncate_as_owner()


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _plan(org, queryset) -> list[dict]:
    """The executed plan's nodes of `queryset` in `org`'s transaction (None: the current
    context's, e.g. platform mode), as the runtime role."""
    with use_org(org) if org is not None else nullcontext(), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == "rostracore_app"  # RLS binds it: not the owner
        explained = queryset.explain(format="json", analyze=True, buffers=True)
    return list(_nodes(json.loads(explained)[0]["Plan"]))


def _captured_plan(org, run, contains: str) -> list[dict]:
    """The executed plan of the statement of `run()` (a page's helper) that contains
    `contains`, in `org`'s transaction (None: the current context's) as the runtime role:
    the very SQL the page sends."""
    with use_org(org) if org is not None else nullcontext(), transaction.atomic():
        with CaptureQueriesContext(connection) as captured:
            run()
        [sql] = [q["sql"] for q in captured.captured_queries if contains in q["sql"]]
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")
            (explained,) = cursor.fetchone()
    plan = explained if isinstance(explained, list) else json.loads(explained)
    return list(_nodes(plan[0]["Plan"]))


def _assert_no_big_seq_scan(nodes: list[dict]) -> None:
    scans = [n for n in nodes if n["Node Type"] == "Seq Scan"]
    assert not [n for n in scans if n.get("Relation Name") in BIG_TABLES], _describe(nodes)


def _assert_indexed(nodes: list[dict], *indexes: str, max_rows: int) -> None:
    """One of `indexes` is scanned, for at most `max_rows` rows, and no big table whole."""
    _assert_no_big_seq_scan(nodes)
    used = [n for n in nodes if n.get("Index Name") in indexes]
    assert used, f"none of {indexes} is used:\n{_describe(nodes)}"
    # Bounded by the page: the index hands over a few rows, not the organization's 6,000.
    read = max(n["Actual Rows"] * n.get("Actual Loops", 1) for n in used)
    assert read <= max_rows, f"{indexes} read {read} rows:\n{_describe(nodes)}"
    assert not [n for n in nodes if n["Node Type"] == "Sort" and n["Actual Rows"] > max_rows]


def _describe(nodes: list[dict]) -> str:
    return "\n".join(
        f"{n['Node Type']} {n.get('Relation Name', '')} {n.get('Index Name', '')} "
        f"rows={n.get('Actual Rows')}"
        for n in nodes
    )


def _employee_list(query: dict):
    form = EmployeeFilterForm(query)
    assert form.is_valid(), form.errors
    return _filtered(form)


@pytest.mark.django_db
def test_employee_list_page_reads_one_page_of_the_name_index(plan_orgs):
    org = plan_orgs[0]
    with use_org(org):
        nodes = _plan(org, _employee_list({})[:PAGE])
    _assert_indexed(nodes, *NAME_INDEXES, max_rows=PAGE * 2)  # + the last name's group


@pytest.mark.django_db
def test_employee_list_last_page_reads_the_name_index_backwards(plan_orgs):
    org = plan_orgs[0]
    with use_org(org):
        nodes = _plan(org, _employee_list({}).reverse()[:PAGE])
    _assert_indexed(nodes, *NAME_INDEXES, max_rows=PAGE * 2)  # + the last name's group
    assert any(n.get("Scan Direction") == "Backward" for n in nodes), _describe(nodes)


@pytest.mark.django_db
def test_employee_list_name_z_to_a_reads_the_index_backwards(plan_orgs):
    org = plan_orgs[0]
    with use_org(org):
        nodes = _plan(org, _employee_list({"sort": "-name"})[:PAGE])
    _assert_indexed(nodes, *NAME_INDEXES, max_rows=PAGE * 2)  # + the last name's group


@pytest.mark.django_db
def test_employee_count_is_capped(plan_orgs):
    org = plan_orgs[0]
    cap = 1000  # below the 6,000 guards: the count stops at cap + 1 rows
    nodes = _captured_plan(
        org, lambda: CappedPaginator(_employee_list({}), PAGE, cap=cap).count, "COUNT"
    )
    counted = [n for n in nodes if n.get("Index Name")]
    assert counted, _describe(nodes)
    _assert_indexed(nodes, counted[0]["Index Name"], max_rows=cap + 1)


@pytest.mark.django_db
@pytest.mark.parametrize("term", ["dlamini", "E-0004"])
def test_employee_search_uses_the_trigram_index(plan_orgs, term):
    org = plan_orgs[0]
    with use_org(org):
        nodes = _plan(org, _employee_list({"q": term})[:PAGE])
    scans = [n for n in nodes if n.get("Index Name") == "employees_search_trgm"]
    assert scans and scans[0]["Node Type"] == "Bitmap Index Scan", _describe(nodes)
    _assert_no_big_seq_scan(nodes)


@pytest.mark.django_db
def test_admin_employee_search_uses_its_trigram_index(plan_orgs, rf):
    org = plan_orgs[0]
    admin = EmployeeAdmin(Employee, None)
    with use_org(org):
        rows, _ = admin.get_search_results(rf.get("/"), Employee.objects.all(), "dlamini")
        nodes = _plan(org, rows.order_by("last_name", "first_name", "id")[:100])
    assert any(n.get("Index Name") == "employees_admin_search_trgm" for n in nodes), _describe(
        nodes
    )
    _assert_no_big_seq_scan(nodes)


@pytest.mark.django_db
def test_client_filter_reads_the_client_name_index(plan_orgs):
    org = plan_orgs[0]
    with use_org(org):
        client = Client.objects.order_by("pk").first()
        nodes = _plan(org, _employee_list({"client": str(client.pk)})[:PAGE])
    # The client's guards by name; or, where the client's guards are the first by name
    # anyway (as here), the name index filtered: either reads about a page.
    _assert_indexed(nodes, "employees_org_client_name_idx", *NAME_INDEXES, max_rows=PAGE * 2)


@pytest.mark.django_db
def test_flex_pool_filter_reads_the_client_name_index(plan_orgs):
    org = plan_orgs[0]
    with use_org(org):
        nodes = _plan(org, _employee_list({"client": "flex"})[:PAGE])
    _assert_indexed(nodes, "employees_org_client_name_idx", *NAME_INDEXES, max_rows=PAGE * 4)


@pytest.mark.django_db
@pytest.mark.parametrize("rows", ["all guards", "flex pool", "platform staff"])
@pytest.mark.parametrize("statement", ["MIN(", "LIMIT 1), ("], ids=["first and last", "probes"])
def test_admin_hire_date_hierarchy_reads_a_few_guards(plan_orgs, rows, statement):
    """The admin employee changelist's date hierarchy (tenancy_admin's bounded one): the
    first and last hire date, then the first hire date of each year. Each scan of the guards
    stops after a few rows (read or filtered out), on the hire-date indexes (employees
    0017): an organization's guards, its flex pool, and platform staff's every guard.
    Without them each read every guard; as EXISTS probes, the planner read the table to a
    year's first match, through the other organization's 12,000 guards."""
    org, scope = plan_orgs[0], nullcontext()
    guards = Employee.objects.all()
    if rows == "flex pool":
        guards = guards.filter(assigned_client__isnull=True)
    elif rows == "platform staff":
        org, scope, guards = None, all_organizations(), Employee.all_orgs.all()
    with scope:
        nodes = _captured_plan(
            org, lambda: _BoundedDates(guards).dates("hire_date", "year"), statement
        )
    scans = [n for n in nodes if n.get("Relation Name") == "employees"]
    assert scans, _describe(nodes)
    read = [n["Actual Rows"] + n.get("Rows Removed by Filter", 0) for n in scans]
    # Platform staff: the planner may take the last year's probe from the org-leading index
    # (skipping over the organizations) and sort the guards hired since its start, about a
    # tenth of the 24,000 here; every other probe reads one entry.
    assert max(read) <= (3_000 if rows == "platform staff" else 200), _describe(nodes)
    hired = {"employees_org_hired_idx", "employees_org_client_hired_idx", "employees_hired_idx"}
    assert hired & {n.get("Index Name") for n in scans}, _describe(nodes)


@pytest.mark.django_db
@pytest.mark.parametrize("selector", [org_counts, shift_counts], ids=["guards", "shifts"])
def test_dashboard_counts_read_a_few_rows_of_the_kept_counts(plan_orgs, selector):
    """The dashboards' counts are the database's (rostracore/tallies): a few rows of
    org_counts by its key, never the 6,000 guards or 8,400 shifts of the organization."""
    nodes = _captured_plan(plan_orgs[0], selector, 'FROM "org_counts"')
    assert not [n for n in nodes if n.get("Relation Name") in BIG_TABLES], _describe(nodes)
    _assert_indexed(nodes, "org_counts_key", max_rows=2 * 7 * SHARDS)


@pytest.mark.django_db
def test_board_page_of_sites_reads_a_page_of_clients_by_name(plan_orgs):
    """Page 1 of the board probes about a page of clients (by name) and their sites, one
    probe of scheduling_shift_site_start each; not every site of the organization."""
    org = plan_orgs[0]
    with use_org(org):
        start, end = _first_week(org)
        shifts = Shift.objects.filter(start__gte=start, start__lt=end)
        nodes = _captured_plan(org, lambda: board._sites_page(shifts, 1), 'FROM "clients_site"')
    _assert_indexed(nodes, "clients_client_name_per_org", max_rows=board.SITES_PER_PAGE + 2)
    probes = [n for n in nodes if n.get("Index Name") == "scheduling_shift_site_start"]
    assert probes, _describe(nodes)
    # Each probe hands over at most one row (EXISTS), for about a page of clients' sites.
    assert sum(n["Actual Loops"] for n in probes) <= 20 * board.SITES_PER_PAGE, _describe(nodes)
    # Not the 1,200 sites of the organization (clients, 120, may be hashed: see BIG_TABLES).
    scans = [n for n in nodes if n["Node Type"] == "Seq Scan"]
    assert not [n for n in scans if n["Relation Name"] != "clients"], _describe(nodes)


@pytest.mark.django_db
def test_board_changes_count_reads_only_changed_shifts(plan_orgs):
    """The count of changes since publishing reads the partial index of changed shifts (the
    seeded rosters are published: the index holds only the one changed here)."""
    org = plan_orgs[0]
    with use_org(org), transaction.atomic():
        start, end = _first_week(org)
        shift = Shift.objects.filter(start__gte=start, employee__isnull=False).first()
        Shift.objects.filter(pk=shift.pk).update(published_employee=None)
        try:
            nodes = _captured_plan(
                org,
                lambda: changed_shifts(start=start, end=end).order_by()[:1001].count(),
                "COUNT",
            )
        finally:
            Shift.objects.filter(pk=shift.pk).update(published_employee=shift.employee_id)
    _assert_indexed(nodes, "scheduling_shift_changed", max_rows=10)


def _first_week(org) -> tuple:
    first = Shift.objects.order_by("start").values_list("start", flat=True).first()
    tz = zoneinfo.ZoneInfo(org.timezone)
    monday = first.astimezone(tz).date()
    monday -= dt.timedelta(days=monday.weekday())
    start = dt.datetime.combine(monday, dt.time.min, tzinfo=tz)
    return start, start + dt.timedelta(days=7)


@pytest.mark.django_db
def test_admin_shift_changelist_reads_one_page_by_start(plan_orgs):
    org = plan_orgs[0]
    with use_org(org):
        shifts = Shift.objects.select_related("site__client", "employee").order_by("start", "id")
        nodes = _plan(org, shifts[:100])  # ShiftAdmin.ordering
    _assert_indexed(nodes, "scheduling_shift_org_start_id", max_rows=100)


@pytest.mark.django_db
def test_platform_shift_changelist_reads_one_page_by_start(plan_orgs):
    with all_organizations():
        nodes = _plan(None, Shift.all_orgs.order_by("start", "id")[:100])
    _assert_indexed(nodes, "scheduling_shift_start_idx", max_rows=100)


@pytest.mark.django_db
def test_rosters_page_reads_a_page_of_clients_by_name(plan_orgs):
    org = plan_orgs[0]
    with use_org(org):
        clients = Client.objects.filter(Exists(Site.objects.filter(client=OuterRef("pk"))))
        nodes = _plan(org, clients.order_by("client_name", "pk")[:20])
    _assert_indexed(nodes, "clients_client_name_per_org", max_rows=25)
