"""Scheduling's tables are tenant tables in the database (row-level security, the (org_id, id)
keys, composite foreign keys), and shifts are on the audit trail (0007 put the others on it).
Databases migrated before 2026-12 got both from the core's migrations; the operations skip
what exists."""

from django.db import migrations

from rostracore.audit.operations import AuditChanges
from rostracore.tenancy.operations import EnableTenancy


class Migration(migrations.Migration):
    atomic = False  # EnableTenancy builds its indexes CONCURRENTLY

    dependencies = [
        ("scheduling", "0007_audit_trail"),
        ("employees", "0012_tenant_table"),
    ]

    operations = [
        EnableTenancy(
            "scheduling.Post",
            "scheduling.ShiftPattern",
            "scheduling.Shift",
            "scheduling.LabourRules",
            "scheduling.SiteInduction",
            "scheduling.Absence",
            "scheduling.RosterRun",
            "scheduling.RosterAssignment",
        ),
        AuditChanges("scheduling.Shift"),
    ]
