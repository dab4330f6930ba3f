"""Multi-tenancy, step 2b: validate the check and the two foreign keys.

VALIDATE CONSTRAINT scans the table under SHARE UPDATE EXCLUSIVE, which lets reads and writes
go on. Its own migration (own transaction) so that lock is not combined with a stronger one.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("employees", "0004_org_not_null_check")]

    operations = [
        migrations.RunSQL(
            sql=[
                "ALTER TABLE employees VALIDATE CONSTRAINT employees_org_id_not_null",
                "ALTER TABLE employees VALIDATE CONSTRAINT employees_org_id_fk",
                "ALTER TABLE employees VALIDATE CONSTRAINT employees_assigned_client_id_fk",
            ],
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
