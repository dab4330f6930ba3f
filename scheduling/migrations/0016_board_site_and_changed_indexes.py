"""The board's indexes at 10,000 sites and 100,000 shifts a week (issue 16).

`scheduling_shift_site_start` (org_id, site_id, start): the board asks, site by site, whether
a site has a shift this week; one index probe each (scheduling/board.py). The plain site_id
index reads every shift the site ever had.
`scheduling_shift_changed` (org_id, start) WHERE the working guard is not the published one
(scheduling.models.CHANGED): the board's capped count of changes since publishing reads only
changed shifts. Built CONCURRENTLY, so shifts can still be written: hence atomic = False.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("scheduling", "0015_contracts_and_priced_cover")]

    operations = [
        AddIndexConcurrently(
            model_name="shift",
            index=models.Index(
                fields=["org", "site", "start"], name="scheduling_shift_site_start"
            ),
        ),
        AddIndexConcurrently(
            model_name="shift",
            index=models.Index(
                condition=models.Q(
                    models.Q(("employee", models.F("published_employee")), _negated=True),
                    models.Q(
                        ("employee__isnull", True),
                        ("published_employee__isnull", True),
                        _negated=True,
                    ),
                ),
                fields=["org", "start"],
                name="scheduling_shift_changed",
            ),
        ),
    ]
