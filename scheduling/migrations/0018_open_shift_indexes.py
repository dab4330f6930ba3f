"""The admin shift changelist's "open" filter at 560,000 shifts and more (issue 16).

Partial indexes of the open shifts (about one in ten) by (start, id): of one organization,
`scheduling_shift_open` (org_id, start, id), and of every organization for platform staff,
`scheduling_shift_open_all` (start, id). The page's 100 rows, its capped count and the date
hierarchy's first and last date then read open shifts only, instead of walking the start
index past the filled ones or hashing every open shift of the organization (the planner's
row estimates under the RLS policy made it do the latter: 147 ms -> see docs/scaling.md).
Built CONCURRENTLY, so shifts can still be written: hence atomic = False.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("scheduling", "0017_count_rows")]

    operations = [
        AddIndexConcurrently(
            model_name="shift",
            index=models.Index(
                condition=models.Q(("employee__isnull", True)),
                fields=["org", "start", "id"],
                name="scheduling_shift_open",
            ),
        ),
        AddIndexConcurrently(
            model_name="shift",
            index=models.Index(
                condition=models.Q(("employee__isnull", True)),
                fields=["start", "id"],
                name="scheduling_shift_open_all",
            ),
        ),
    ]
