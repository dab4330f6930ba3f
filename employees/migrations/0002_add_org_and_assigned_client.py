"""Multi-tenancy, step 1a: add `org_id` and `assigned_client_id`, both nullable.

Adding a nullable column without a default only touches the catalog. The foreign keys are
added NOT VALID, so no statement here scans `employees` while holding its ACCESS EXCLUSIVE
lock; 0005 validates them under a weaker lock. Their indexes are built concurrently in 0007.
Reversing drops both columns (and with them their constraints).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("employees", "0001_initial"),
        ("organizations", "0001_initial"),
        ("clients", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=[
                        "ALTER TABLE employees ADD COLUMN org_id bigint NULL",
                        "ALTER TABLE employees ADD COLUMN assigned_client_id bigint NULL",
                        "ALTER TABLE employees ADD CONSTRAINT employees_org_id_fk "
                        "FOREIGN KEY (org_id) REFERENCES organizations (id) "
                        "DEFERRABLE INITIALLY DEFERRED NOT VALID",
                        "ALTER TABLE employees ADD CONSTRAINT employees_assigned_client_id_fk "
                        "FOREIGN KEY (assigned_client_id) REFERENCES clients (id) "
                        "DEFERRABLE INITIALLY DEFERRED NOT VALID",
                    ],
                    reverse_sql=[
                        "ALTER TABLE employees DROP COLUMN assigned_client_id",
                        "ALTER TABLE employees DROP COLUMN org_id",
                    ],
                ),
            ],
            state_operations=[
                migrations.AddField(
                    model_name="employee",
                    name="org",
                    field=models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="%(class)ss",
                        to="organizations.organization",
                        verbose_name="organization",
                    ),
                ),
                migrations.AddField(
                    model_name="employee",
                    name="assigned_client",
                    field=models.ForeignKey(
                        blank=True,
                        help_text="Leave empty for the flex pool: available for any client.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="dedicated_employees",
                        to="clients.client",
                    ),
                ),
            ],
        ),
    ]
