"""A closed period's lines are read only in the database too (no UPDATE of payroll_payline;
deleting the whole organization still cascades), and managers may edit the pay schedule and
read closed periods in the admin."""

from django.db import migrations

from organizations.operations import GrantToManagers

# Frozen here on purpose: a migration must not change when app code does.
CODENAMES = [
    "add_payschedule",
    "change_payschedule",
    "view_payschedule",
    "view_payperiod",
    "view_payline",
]

# Idempotent (OR REPLACE, IF EXISTS): the migration tests (django-test-migrations) take the
# schema back and forth, and a function outlives the table its trigger was on.
READ_ONLY = """
CREATE OR REPLACE FUNCTION payroll_payline_read_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'A closed pay period''s lines are read-only.' USING ERRCODE = 'P0001';
END
$$;
DROP TRIGGER IF EXISTS payroll_payline_read_only ON payroll_payline;
CREATE TRIGGER payroll_payline_read_only BEFORE UPDATE ON payroll_payline
    FOR EACH ROW EXECUTE FUNCTION payroll_payline_read_only();
"""
READ_WRITE = """
DROP TRIGGER IF EXISTS payroll_payline_read_only ON payroll_payline;
DROP FUNCTION IF EXISTS payroll_payline_read_only();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("payroll", "0001_initial"),
        ("organizations", "0002_manager_group"),
    ]

    operations = [
        migrations.RunSQL(READ_ONLY, READ_WRITE),
        GrantToManagers("payroll", CODENAMES),
    ]
