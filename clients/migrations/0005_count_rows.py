"""Active clients and sites counted by the database (org_counts, rostracore/tallies): the
dashboards read a few rows instead of counting 2,000 clients and 10,000 sites. Atomic: the
existing rows are counted while creating the triggers locks the tables against writes."""

from django.db import migrations

from rostracore.tallies.operations import CountRows


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0004_tenant_tables"),
        ("tallies", "0001_initial"),
    ]

    operations = [
        CountRows("clients.Client", counts={"clients": "r.is_active"}),
        CountRows("clients.Site", counts={"sites": "true"}),
    ]
