"""Multi-tenancy, step 3: indexes, and employee numbers unique per organization.

Indexes are built CONCURRENTLY (no lock that blocks writes), which cannot run inside a
transaction: hence atomic = False. The per-organization unique constraint is attached to an
index built the same way, then the legacy table-wide uniqueness is dropped, so two
organizations may both have guard "E-001" and a duplicate number reveals nothing across
organizations.
"""

from django.db import migrations, models

INDEXES = [
    ("employees_org_id_idx", "(org_id)"),
    ("employees_assigned_client_id_idx", "(assigned_client_id)"),
    ("employees_org_name_idx", "(org_id, last_name, first_name)"),
]


def _create_index(name: str, columns: str, unique: bool = False) -> migrations.RunSQL:
    return migrations.RunSQL(
        sql=f"CREATE {'UNIQUE ' if unique else ''}INDEX CONCURRENTLY IF NOT EXISTS "
        f"{name} ON employees {columns}",
        reverse_sql=f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
    )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("employees", "0006_org_required")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                *[_create_index(name, columns) for name, columns in INDEXES],
                _create_index("employees_number_per_org", "(org_id, employee_number)", unique=True),
                migrations.RunSQL(
                    sql="ALTER TABLE employees ADD CONSTRAINT employees_number_per_org "
                    "UNIQUE USING INDEX employees_number_per_org",
                    reverse_sql="ALTER TABLE employees DROP CONSTRAINT employees_number_per_org",
                ),
            ],
            state_operations=[
                migrations.AddConstraint(
                    model_name="employee",
                    constraint=models.UniqueConstraint(
                        fields=("org", "employee_number"),
                        name="employees_number_per_org",
                        violation_error_message=(
                            "Another guard in your organization already has this employee number."
                        ),
                    ),
                ),
                migrations.AddIndex(
                    model_name="employee",
                    index=models.Index(
                        fields=["org", "last_name", "first_name"],
                        name="employees_org_name_idx",
                    ),
                ),
            ],
        ),
        migrations.AlterField(
            model_name="employee",
            name="employee_number",
            field=models.CharField(max_length=20),
        ),
    ]
