"""Clients and sites are tenant tables in the database (row-level security, the (org_id, id)
key, composite foreign keys) and on the audit trail. Databases migrated before 2026-12 got
both from the core's migrations; the operations skip what exists."""

from django.db import migrations

from rostracore.audit.operations import AuditChanges
from rostracore.tenancy.operations import EnableTenancy


class Migration(migrations.Migration):
    atomic = False  # EnableTenancy builds its indexes CONCURRENTLY

    dependencies = [
        ("clients", "0003_scoped_base_manager"),
        ("audit", "0002_triggers"),
    ]

    operations = [
        EnableTenancy("clients.Client", "clients.Site"),
        AuditChanges("clients.Client", "clients.Site"),
    ]
