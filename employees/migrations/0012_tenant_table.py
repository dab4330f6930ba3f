"""Guards are a tenant table in the database (row-level security, the (org_id, id) key, the
composite foreign key to their client) and on the audit trail. Databases migrated before
2026-12 got both from the core's migrations; the operations skip what exists."""

from django.db import migrations

from rostracore.audit.operations import AuditChanges
from rostracore.tenancy.operations import EnableTenancy


class Migration(migrations.Migration):
    atomic = False  # EnableTenancy builds its indexes CONCURRENTLY

    dependencies = [
        ("employees", "0011_employee_calendar_secret"),
        ("clients", "0004_tenant_tables"),
    ]

    operations = [
        EnableTenancy("employees.Employee"),
        # The calendar secret is a credential: the trail says it changed, never its value.
        AuditChanges("employees.Employee", hide=("calendar_secret",)),
    ]
