"""The database itself keeps organizations apart, whatever the Python layer does.

These tests talk SQL through the runtime connection (the role the app serves requests with),
so they prove what a forgotten filter, a raw query or `.all_orgs` would see.
"""

import pytest
from django.db import IntegrityError, ProgrammingError, connection, transaction

from employees.models import Employee
from rostracore.tenancy.context import all_organizations, no_org, use_org

pytestmark = pytest.mark.django_db(transaction=True)


def _scalar(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _count_by_org():
    with connection.cursor() as cursor:
        cursor.execute("SELECT org_id, count(*) FROM employees GROUP BY org_id ORDER BY org_id")
        return dict(cursor.fetchall())


def test_raw_sql_in_org_as_transaction_sees_none_of_org_b(two_orgs):
    a, b = two_orgs["alpha"]["org"], two_orgs["bravo"]["org"]
    with use_org(a), transaction.atomic():
        assert _count_by_org() == {a.pk: 2}
        assert _scalar("SELECT count(*) FROM employees WHERE org_id = %s", [b.pk]) == 0
        assert _scalar("SELECT count(*) FROM clients_site") == 1
    with use_org(a):  # autocommit mode too
        assert _count_by_org() == {a.pk: 2}


def test_the_escape_hatch_is_bound_by_rls_outside_platform_mode(two_orgs):
    a = two_orgs["alpha"]["org"]
    with use_org(a):
        assert {e.org_id for e in Employee.all_orgs.all()} == {a.pk}


def test_no_organization_sees_no_rows(two_orgs):
    with no_org():
        assert _count_by_org() == {}
        with transaction.atomic():
            assert _scalar("SELECT count(*) FROM clients") == 0


def test_platform_mode_reads_everything_but_writes_nothing(two_orgs):
    a, b = two_orgs["alpha"]["org"], two_orgs["bravo"]["org"]
    with all_organizations():
        assert _count_by_org() == {a.pk: 2, b.pk: 2}
        with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
            _insert_employee(a.pk)


def test_a_row_of_another_org_cannot_be_inserted_or_moved(two_orgs):
    a, b = two_orgs["alpha"]["org"], two_orgs["bravo"]["org"]
    guard = two_orgs["alpha"]["flex"]
    with use_org(a):
        with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
            _insert_employee(b.pk)
        with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
            _execute("UPDATE employees SET org_id = %s WHERE id = %s", [b.pk, guard.pk])
        # Another organization's rows are not there to update or delete.
        b_guard = two_orgs["bravo"]["flex"].pk
        assert _execute("UPDATE employees SET phone = 'x' WHERE id = %s", [b_guard]) == 0
        assert _execute("DELETE FROM employees WHERE id = %s", [b_guard]) == 0
    with all_organizations():
        assert _count_by_org() == {a.pk: 2, b.pk: 2}


@pytest.mark.parametrize(
    ("sql", "what"),
    [
        ("UPDATE employees SET assigned_client_id = %(b_client)s WHERE id = %(a_guard)s", "client"),
        (
            "INSERT INTO clients_site (org_id, client_id, name, address, min_grade, armed, "
            "induction_required) VALUES (%(a)s, %(b_client)s, 'x', '', 'E', false, false)",
            "site",
        ),
    ],
    ids=["employee-to-b-client", "site-of-b-client"],
)
def test_a_reference_to_another_orgs_row_fails_in_the_database(two_orgs, sql, what):
    a, b = two_orgs["alpha"], two_orgs["bravo"]
    params = {"a": a["org"].pk, "b_client": b["client"].pk, "a_guard": a["flex"].pk}
    with (
        use_org(a["org"]),
        pytest.raises(IntegrityError, match="same_org_fk"),
        transaction.atomic(),
    ):
        _execute(sql, params)
        _execute("SET CONSTRAINTS ALL IMMEDIATE")
    with all_organizations():
        assert Employee.all_orgs.get(pk=a["flex"].pk).assigned_client_id is None


def test_the_setting_does_not_outlive_its_transaction(two_orgs):
    a = two_orgs["alpha"]["org"]
    with use_org(a), transaction.atomic():
        assert _scalar("SELECT current_setting('rostracore.org_id', true)") == str(a.pk)
    # Same connection, next transaction, no organization: nothing is left over.
    with no_org():
        assert _scalar("SELECT coalesce(current_setting('rostracore.org_id', true), '')") == ""
        assert _count_by_org() == {}


def test_switching_org_inside_one_transaction_switches_the_setting(two_orgs):
    a, b = two_orgs["alpha"]["org"], two_orgs["bravo"]["org"]
    with transaction.atomic():
        with use_org(a):
            assert set(_count_by_org()) == {a.pk}
        with use_org(b):
            assert set(_count_by_org()) == {b.pk}
        sid = transaction.savepoint_create()
        with use_org(a):
            assert set(_count_by_org()) == {a.pk}
            transaction.savepoint_rollback(sid)  # may undo the setting; it is made again
            assert set(_count_by_org()) == {a.pk}


def _execute(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _insert_employee(org_id):
    _execute(
        "INSERT INTO employees (org_id, first_name, last_name, employee_number, psira_number, "
        "psira_grade, phone, email, is_active) "
        "VALUES (%s, 'R', 'LS', 'RLS-1', '', 'E', '', '', true)",
        [org_id],
    )


def test_platform_mode_cannot_update_or_delete_any_tenant_row():
    """TENANCY.md 19: with one FOR ALL policy, DELETE (which checks only USING) let platform
    mode's read clause delete every organization's rows. On the main of 2026-12-01 the DELETE
    removed every row of each table here."""
    from tests.crawl.world import build_world, tenant_models

    build_world()
    with all_organizations():
        for model in tenant_models():
            table = model._meta.db_table
            before = _scalar(f"SELECT count(*) FROM {table}")
            assert before > 0, f"the world has no {table} rows"
            if not _scalar("SELECT has_table_privilege(%s, 'UPDATE')", [table]):
                # Append-only for the runtime role (the audit trail): stronger than RLS.
                with (
                    pytest.raises(ProgrammingError, match="permission denied"),
                    transaction.atomic(),
                ):
                    _execute(f"DELETE FROM {table}")
                continue
            assert _execute(f"UPDATE {table} SET org_id = org_id") == 0, table
            assert _execute(f"DELETE FROM {table}") == 0, table
            assert _scalar(f"SELECT count(*) FROM {table}") == before, table
            with (
                pytest.raises(ProgrammingError, match="row-level security"),
                transaction.atomic(),
            ):
                _execute(f"INSERT INTO {table} SELECT * FROM {table} LIMIT 1")


def test_platform_mode_cannot_delete_through_the_escape_hatch(two_orgs):
    b = two_orgs["bravo"]["org"]
    with all_organizations():
        Employee.all_orgs.filter(org=b).delete()
        assert Employee.all_orgs.filter(org=b).count() == 2
