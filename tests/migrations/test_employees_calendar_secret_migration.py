"""employees 0011 on real PostgreSQL: every existing guard gets a calendar secret of their own.

A plain AddField with a callable default would have given all existing guards one shared
secret; the migration adds the column nullable, fills it in batches and then makes it
NOT NULL. Run forward, backward and forward again over more rows than one batch.
"""

import importlib

import pytest
from django.db import connections

from rostracore.tenancy.db import OWNER_ALIAS

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", OWNER_ALIAS])
# Migrations run as the owner role; these tests read every row regardless of row-level
# security, so everything here uses the owner's connection.
connection = connections[OWNER_ALIAS]

BEFORE = ("employees", "0010_scoped_base_manager")
AFTER = ("employees", "0011_employee_calendar_secret")
ROWS = 1_250


@pytest.fixture
def migrator(migrator_factory, monkeypatch):
    # Small batches, so the rows span several of them (and a partial last one).
    migration = importlib.import_module(f"employees.migrations.{AFTER[1]}")
    monkeypatch.setattr(migration, "BATCH_SIZE", 500)
    return migrator_factory(OWNER_ALIAS)


def _secrets() -> tuple[int, int, int]:
    """(rows, distinct secrets, secrets shaped like secrets.token_urlsafe(32))."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(DISTINCT calendar_secret), "
            "count(*) FILTER (WHERE calendar_secret ~ '^[A-Za-z0-9_-]{43}$') FROM employees"
        )
        return cursor.fetchone()


def _column() -> tuple[str, str] | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT is_nullable, column_default FROM information_schema.columns "
            "WHERE table_name = 'employees' AND column_name = 'calendar_secret'"
        )
        return cursor.fetchone()


def _constraints() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'employees'::regclass "
            "AND contype IN ('c', 'u') AND conname LIKE 'employees_calendar_secret%%'"
        )
        return {row[0] for row in cursor.fetchall()}


def test_each_existing_guard_gets_an_own_secret_forward_backward_forward(migrator):
    state = migrator.apply_initial_migration(BEFORE)
    Organization = state.apps.get_model("organizations", "Organization")
    Employee = state.apps.get_model("employees", "Employee")
    orgs = [
        Organization.objects.using(OWNER_ALIAS).create(company_name=name, slug=name.lower())
        for name in ("First", "Second")
    ]
    Employee.objects.using(OWNER_ALIAS).bulk_create(
        Employee(
            org=orgs[i % 2],
            first_name=f"First{i}",
            last_name=f"Last{i}",
            employee_number=f"E-{i:05d}",
        )
        for i in range(ROWS)
    )
    assert _column() is None

    migrator.apply_tested_migration(AFTER)

    assert _secrets() == (ROWS, ROWS, ROWS)
    is_nullable, default = _column()
    assert is_nullable == "NO" and "gen_random_uuid()" in default
    # The helper check is gone; the per-organization uniqueness is a real constraint.
    assert _constraints() == {"employees_calendar_secret_per_org"}

    migrator.apply_tested_migration(BEFORE)
    assert _column() is None and _constraints() == set()

    migrator.apply_tested_migration(AFTER)
    assert _secrets() == (ROWS, ROWS, ROWS)
