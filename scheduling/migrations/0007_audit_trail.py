"""Posts, patterns, labour rules, absences, inductions and roster runs join the audit trail
(shifts are on it since audit 0002). Roster assignments are not: the solver rewrites a run's
whole draft each time; publishing it changes the shifts, which are audited."""

from django.db import migrations

from rostracore.audit.operations import AuditChanges


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0006_worker_bounds_and_lease"),
        ("audit", "0002_triggers"),
    ]

    operations = [
        AuditChanges(
            "scheduling.Post",
            "scheduling.ShiftPattern",
            "scheduling.LabourRules",
            "scheduling.Absence",
            "scheduling.SiteInduction",
        ),
        # A run's status changes, not its progress or its worker's lease renewals.
        AuditChanges(
            "scheduling.RosterRun",
            columns=("status", "start_date", "end_date", "time_limit", "published_at"),
        ),
    ]
