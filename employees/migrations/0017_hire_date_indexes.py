"""Indexes for the admin's date hierarchy on hire dates at 100,000 guards (issue 16).

The hierarchy reads the first and last hire date, then one EXISTS per year or month
(rostracore.tenancy.templatetags.tenancy_admin). Without an index on hire_date each of them
read every guard of the organization (employees_org_id_idx, then a filter): 230 ms for
the flex-pool changelist at 100,000 guards (bench/pages.py "admin employees, flex").
`(org_id, hire_date)` serves the unfiltered changelist, `(org_id, assigned_client_id,
hire_date)` the flex-pool (IS NULL) and client filters, `(hire_date)` platform staff's
changelist of every organization.

Built CONCURRENTLY, so guards can still be added while it runs: hence atomic = False.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("employees", "0016_count_rows"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="employee",
            index=models.Index(fields=["org", "hire_date"], name="employees_org_hired_idx"),
        ),
        AddIndexConcurrently(
            model_name="employee",
            index=models.Index(fields=["hire_date"], name="employees_hired_idx"),
        ),
        AddIndexConcurrently(
            model_name="employee",
            index=models.Index(
                fields=["org", "assigned_client", "hire_date"],
                name="employees_org_client_hired_idx",
            ),
        ),
    ]
