"""The legacy `employees` table, as it stood before RostraCore became multi-tenant.

Guards had no organization and employee numbers were unique across the whole table.
Migrations 0002–0007 turn it into a tenant table without a long lock (see each file).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Employee",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("first_name", models.CharField(max_length=100)),
                ("last_name", models.CharField(max_length=100)),
                ("employee_number", models.CharField(max_length=20, unique=True)),
                (
                    "psira_number",
                    models.CharField(
                        blank=True,
                        max_length=8,
                        verbose_name="PSIRA registration number",
                    ),
                ),
                (
                    "psira_grade",
                    models.CharField(
                        choices=[
                            ("A", "Grade A"),
                            ("B", "Grade B"),
                            ("C", "Grade C"),
                            ("D", "Grade D"),
                            ("E", "Grade E"),
                        ],
                        default="E",
                        max_length=1,
                        verbose_name="PSIRA grade",
                    ),
                ),
                ("phone", models.CharField(blank=True, max_length=30)),
                ("email", models.EmailField(blank=True, max_length=254)),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
                ("hire_date", models.DateField(blank=True, null=True)),
            ],
            options={
                "db_table": "employees",
                "ordering": ["last_name", "first_name", "id"],
            },
        ),
    ]
