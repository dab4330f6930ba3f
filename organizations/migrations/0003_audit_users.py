"""Users join the audit trail: role, organization, active and staff flags, names, email and
password changes (never the hash). The trigger function is audit 0005's."""

from django.db import migrations

from rostracore.audit.operations import AuditChanges


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0002_manager_group"),
        ("audit", "0005_user_changes"),
    ]

    operations = [AuditChanges("organizations.User", function="audit_user_change")]
