"""Shifts per local day, and those with a guard, counted by the database (org_counts,
rostracore/tallies): the dashboards' week and coverage chart read a few rows instead of
counting 100,000 shifts a week. A day is the shift's start in the organization's timezone;
changing the timezone recounts the organization's days. Atomic: the existing rows are
counted while creating the triggers locks the table against writes."""

from django.db import migrations

from rostracore.tallies.operations import CountRows


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0016_board_site_and_changed_indexes"),
        ("tallies", "0001_initial"),
    ]

    operations = [
        CountRows(
            "scheduling.Shift",
            counts={"shifts": "true", "shifts_filled": "r.employee_id IS NOT NULL"},
            day="start",
        ),
    ]
