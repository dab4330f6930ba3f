"""The multi-tenancy migration of the legacy `employees` table, on real PostgreSQL.

employees 0001 is the legacy table without an organization; 0002–0007 add org_id and
assigned_client_id, backfill org_id in batches, make it NOT NULL without a long lock, and
index it. These tests run that story forward, backward and forward again over 2,500 legacy
rows.
"""

import time

import pytest
from django.db import IntegrityError, connections, transaction
from django.db.migrations.executor import MigrationExecutor

from rostracore.tenancy.db import OWNER_ALIAS

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", OWNER_ALIAS])
# Migrations run as the owner role, and these tests look at every row regardless of
# row-level security, so everything here uses the owner's connection.
connection = connections[OWNER_ALIAS]

LEGACY_ROWS = 2_500
LEGACY = ("employees", "0001_initial")
# Other apps at the state the multi-tenancy change was made in.
BASELINE = [LEGACY, ("organizations", "0001_initial"), ("clients", "0001_initial")]
LEGACY_COLUMNS = (
    "id, first_name, last_name, employee_number, psira_number, psira_grade, phone, email, "
    "is_active, hire_date"
)


def _latest_employees_migration():
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    return next(node for node in leaves if node[0] == "employees")


def _legacy_digest():
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), md5(string_agg(ROW({LEGACY_COLUMNS})::text, ',' ORDER BY id)) "
            "FROM employees"
        )
        return cursor.fetchone()


def _columns():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, is_nullable FROM information_schema.columns "
            "WHERE table_name = 'employees' AND column_name IN ('org_id', 'assigned_client_id')"
        )
        return dict(cursor.fetchall())


def _make_legacy_employees(state, count=LEGACY_ROWS):
    Employee = state.apps.get_model("employees", "Employee")
    Employee.objects.using(OWNER_ALIAS).bulk_create(
        Employee(
            first_name=f"First{i}",
            last_name=f"Last{i % 97}",
            employee_number=f"L-{i:06d}",
            psira_number=str(1_000_000 + i),
            psira_grade="ABCDE"[i % 5],
            phone=f"+27 82 {i:07d}",
            email=f"guard{i}@legacy.example",
            is_active=i % 11 != 0,
            hire_date=None if i % 7 == 0 else f"20{10 + i % 15}-0{1 + i % 9}-1{i % 9}",
        )
        for i in range(count)
    )


@pytest.fixture
def migrator(migrator_factory):
    return migrator_factory(OWNER_ALIAS)


def test_forward_backward_forward_keeps_every_row(migrator, capsys):
    state = migrator.apply_initial_migration(BASELINE)
    Organization = state.apps.get_model("organizations", "Organization")
    first = Organization.objects.using(OWNER_ALIAS).create(company_name="First Co", slug="first")
    Organization.objects.using(OWNER_ALIAS).create(company_name="Second Co", slug="second")
    _make_legacy_employees(state)
    legacy = _legacy_digest()
    assert legacy[0] == LEGACY_ROWS
    assert _columns() == {}

    started = time.perf_counter()
    migrator.apply_tested_migration(_latest_employees_migration())
    forward_seconds = time.perf_counter() - started

    assert _legacy_digest() == legacy
    assert _columns() == {"org_id": "NO", "assigned_client_id": "YES"}
    with connection.cursor() as cursor:
        cursor.execute("SELECT org_id, count(*) FROM employees GROUP BY org_id")
        assert cursor.fetchall() == [(first.pk, LEGACY_ROWS)]
    assert (
        f"Backfilled {LEGACY_ROWS} employees to organization 'First Co'" in capsys.readouterr().out
    )
    print(f"\nforward migration of {LEGACY_ROWS} legacy employees: {forward_seconds:.2f} s")

    # Back to the legacy table: both columns are gone, the rows are untouched.
    migrator.apply_tested_migration(LEGACY)
    assert _columns() == {}
    assert _legacy_digest() == legacy

    # And forward again.
    migrator.apply_tested_migration(_latest_employees_migration())
    assert _legacy_digest() == legacy
    assert _columns() == {"org_id": "NO", "assigned_client_id": "YES"}


def test_null_org_id_is_refused_after_step_two(migrator):
    state = migrator.apply_initial_migration(BASELINE)
    state.apps.get_model("organizations", "Organization").objects.using(OWNER_ALIAS).create(
        company_name="Only Co", slug="only"
    )
    migrator.apply_tested_migration(("employees", "0004_org_not_null_check"))
    # Already from the NOT VALID check of step 2a on, new rows need an organization ...
    with pytest.raises(IntegrityError, match="employees_org_id_not_null"):
        _insert_without_org()
    migrator.apply_tested_migration(_latest_employees_migration())
    # ... and after step 2c the column itself is NOT NULL.
    with pytest.raises(IntegrityError, match='null value in column "org_id"'):
        _insert_without_org()


def test_backfill_creates_an_organization_when_none_exists(migrator, capsys):
    state = migrator.apply_initial_migration(BASELINE)
    _make_legacy_employees(state, count=30)

    migrator.apply_tested_migration(("employees", "0003_backfill_org"))

    out = capsys.readouterr().out
    assert "No organization existed, so employees were given a new one" in out
    assert "'Legacy organization (created by migration)'" in out
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT o.company_name, count(*) FROM employees e "
            "JOIN organizations o ON o.id = e.org_id GROUP BY o.company_name"
        )
        assert cursor.fetchall() == [("Legacy organization (created by migration)", 30)]


def test_employee_numbers_become_unique_per_organization(migrator):
    migrator.apply_initial_migration(BASELINE)
    migrator.apply_tested_migration(_latest_employees_migration())
    with connection.cursor() as cursor:
        cursor.execute(
            # The latest employees migration needs the org counts (rostracore.tallies), which
            # need the latest organizations table: every NOT NULL column of it is given.
            "INSERT INTO organizations (company_name, slug, timezone, created_at, "
            "auto_approve_pickups) VALUES "
            "('A', 'a', 'UTC', now(), false), ('B', 'b', 'UTC', now(), false) RETURNING id"
        )
        a, b = (row[0] for row in cursor.fetchall())
        insert = (
            "INSERT INTO employees (org_id, first_name, last_name, employee_number, "
            "psira_number, psira_grade, phone, email, is_active) "
            "VALUES (%s, 'X', 'Y', 'E-1', '', 'E', '', '', true)"
        )
        cursor.execute(insert, [a])
        cursor.execute(insert, [b])  # the same number in another organization is fine
        with (
            pytest.raises(IntegrityError, match="employees_number_per_org"),
            transaction.atomic(using=OWNER_ALIAS),
        ):
            cursor.execute(insert, [a])


def _insert_without_org():
    with transaction.atomic(using=OWNER_ALIAS), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO employees (first_name, last_name, employee_number, psira_number, "
            "psira_grade, phone, email, is_active) "
            "VALUES ('No', 'Org', 'N-1', '', 'E', '', '', true)"
        )
