"""Shift indexes for 560,000 shifts and more (issue 16).

`scheduling_shift_org_start_id` (org_id, start, id) INCLUDE (employee_id) replaces
(org_id, start): the admin changelist orders by (start, id) and reads 100 rows of it; the
dashboard's "shifts this week" and "open" counts and the week grids read the index only.
`scheduling_shift_start_idx` (start, id) is platform staff's changelist, across every
organization. The new index is built before the old one is dropped, CONCURRENTLY, so shifts
can still be written while it runs: hence atomic = False.
"""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("scheduling", "0010_labour_rules_period")]

    operations = [
        AddIndexConcurrently(
            model_name="shift",
            index=models.Index(
                fields=["org", "start", "id"],
                include=("employee",),
                name="scheduling_shift_org_start_id",
            ),
        ),
        AddIndexConcurrently(
            model_name="shift",
            index=models.Index(fields=["start", "id"], name="scheduling_shift_start_idx"),
        ),
        RemoveIndexConcurrently(model_name="shift", name="scheduling_shift_org_start_idx"),
    ]
