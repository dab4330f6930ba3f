"""Active guards and the flex pool (active, no assigned client) counted by the database
(org_counts, rostracore/tallies): the dashboards read a few rows instead of counting
100,000 guards. Atomic: the existing rows are counted while creating the triggers locks the
table against writes."""

from django.db import migrations

from rostracore.tallies.operations import CountRows


class Migration(migrations.Migration):
    dependencies = [
        ("employees", "0015_list_search_and_count_indexes"),
        ("tallies", "0001_initial"),
    ]

    operations = [
        CountRows(
            "employees.Employee",
            counts={
                "employees": "r.is_active",
                "flex": "r.is_active AND r.assigned_client_id IS NULL",
            },
        ),
    ]
