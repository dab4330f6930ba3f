"""The draft's soft goals are stored on the run by the worker (the run page summed every
assignment on each view); runs stored before this get theirs here, on the migrating
connection (the owner role, which row-level security lets through)."""

from django.conf import settings
from django.db import migrations, models


# The same figures as scheduling.services.draft_goals, for every run with a draft.
BACKFILL = """
UPDATE scheduling_rosterrun AS run
SET dedicated_shifts = d.dedicated, own_client_shifts = d.own
FROM (
    SELECT a.run_id, count(*) AS dedicated,
           count(*) FILTER (WHERE site.client_id = guard.assigned_client_id) AS own
    FROM scheduling_rosterassignment AS a
    JOIN employees AS guard ON guard.id = a.employee_id
    JOIN scheduling_shift AS shift ON shift.id = a.shift_id
    JOIN clients_site AS site ON site.id = shift.site_id
    WHERE guard.assigned_client_id IS NOT NULL
    GROUP BY a.run_id
) AS d
WHERE d.run_id = run.id;

WITH hours AS (
    SELECT a.run_id, a.employee_id,
           extract(epoch FROM sum(shift."end" - shift.start)) / 3600 AS h
    FROM scheduling_rosterassignment AS a
    JOIN scheduling_shift AS shift ON shift.id = a.shift_id
    WHERE a.employee_id IS NOT NULL
    GROUP BY a.run_id, a.employee_id
), averages AS (
    SELECT run_id, count(*) AS guards, avg(h) AS average FROM hours GROUP BY run_id
)
UPDATE scheduling_rosterrun AS run
SET rostered_guards = s.guards, average_hours = s.average, hours_spread = s.spread
FROM (
    SELECT averages.run_id, averages.guards, averages.average,
           max(abs(hours.h - averages.average)) AS spread
    FROM hours JOIN averages USING (run_id)
    GROUP BY averages.run_id, averages.guards, averages.average
) AS s
WHERE s.run_id = run.id;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('organizations', '0005_auto_approve_pickups'),
        ('scheduling', '0018_open_shift_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='rosterrun',
            name='average_hours',
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='rosterrun',
            name='dedicated_shifts',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='rosterrun',
            name='hours_spread',
            field=models.FloatField(blank=True, help_text='Hours of the guard farthest from the average.', null=True),
        ),
        migrations.AddField(
            model_name='rosterrun',
            name='own_client_shifts',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='rosterrun',
            name='rostered_guards',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddConstraint(
            model_name='rosterrun',
            constraint=models.CheckConstraint(condition=models.Q(('own_client_shifts__lte', models.F('dedicated_shifts'))), name='scheduling_rosterrun_own_client_within_dedicated'),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
