"""A closed period's lines are read only in the database too (no UPDATE of payroll_payline;
deleting the whole organization still cascades), and managers may edit the pay schedule and
read closed periods in the admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

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


def grant(apps, schema_editor):
    # The migrating connection (the owner role), not the runtime "default" one.
    alias = schema_editor.connection.alias
    config = apps.get_app_config("payroll")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0, using=alias)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = list(
        Permission.objects.using(alias).filter(
            content_type__app_label="payroll", codename__in=CODENAMES
        )
    )
    if len(permissions) != len(CODENAMES):
        raise RuntimeError("Missing payroll permissions")
    for group in Group.objects.using(alias).filter(name="Manager"):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    alias = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.using(alias).filter(
        content_type__app_label="payroll", codename__in=CODENAMES
    )
    for group in Group.objects.using(alias).filter(name="Manager"):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("payroll", "0001_initial"),
        ("organizations", "0002_manager_group"),
    ]

    operations = [
        migrations.RunSQL(READ_ONLY, READ_WRITE),
        migrations.RunPython(grant, revoke),
    ]
