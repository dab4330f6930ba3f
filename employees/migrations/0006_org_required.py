"""Multi-tenancy, step 2c: make `org_id` NOT NULL and drop the helper check.

PostgreSQL skips the full-table scan of SET NOT NULL when a valid CHECK (org_id IS NOT NULL)
exists, so this holds ACCESS EXCLUSIVE only briefly. Reversing puts the check back (NOT VALID)
and drops NOT NULL.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("employees", "0005_validate_org_constraints")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=[
                        "ALTER TABLE employees ALTER COLUMN org_id SET NOT NULL",
                        "ALTER TABLE employees DROP CONSTRAINT employees_org_id_not_null",
                    ],
                    reverse_sql=[
                        "ALTER TABLE employees ADD CONSTRAINT employees_org_id_not_null "
                        "CHECK (org_id IS NOT NULL) NOT VALID",
                        "ALTER TABLE employees ALTER COLUMN org_id DROP NOT NULL",
                    ],
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="employee",
                    name="org",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="%(class)ss",
                        to="organizations.organization",
                        verbose_name="organization",
                    ),
                ),
            ],
        ),
    ]
