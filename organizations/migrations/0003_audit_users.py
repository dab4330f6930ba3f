"""Users join the audit trail: role, organization, active and staff flags, names, email and
password changes (never the hash: "password": "changed"); logins (`last_login`) are not
history."""

from django.db import migrations

from rostracore.audit.operations import AuditChanges


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0002_manager_group"),
        ("audit", "0005_user_changes"),
    ]

    operations = [AuditChanges("organizations.User", hide=("password",), skip=("last_login",))]
