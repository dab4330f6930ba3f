"""Database-level tenancy for every tenant table that existed when it was introduced.

Row-level security, a unique (org_id, id) key and composite foreign keys: see
rostracore/tenancy/operations.py. Non-atomic because indexes are built CONCURRENTLY.
A tenant model added later gets the same from an EnableTenancy operation in its own app's
migration (tests/tenancy/test_schema_lint.py insists).
"""

from django.db import migrations

from rostracore.tenancy.operations import EnableTenancy


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("clients", "0002_site_requirements"),
        ("employees", "0009_qualification_expiry_dates"),
        ("scheduling", "0002_posts_patterns_rules_runs"),
    ]

    operations = [
        EnableTenancy(
            "clients.Client",
            "clients.Site",
            "employees.Employee",
            "scheduling.Post",
            "scheduling.ShiftPattern",
            "scheduling.Shift",
            "scheduling.LabourRules",
            "scheduling.SiteInduction",
            "scheduling.Absence",
            "scheduling.RosterRun",
            "scheduling.RosterAssignment",
        ),
    ]
