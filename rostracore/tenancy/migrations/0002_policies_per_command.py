"""Row-level security: one policy per command, so platform mode reads but never writes.

The FOR ALL policy of 0001 let platform mode's read clause pass USING, the only check a
DELETE makes (TENANCY.md 19). Tables made by EnableTenancy from now on get the policies per
command directly; this replaces the old policy wherever it is still in the catalogue.
"""

from django.db import migrations

from rostracore.tenancy.operations import ReplaceForAllPolicy


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0001_enable_tenancy"),
        ("audit", "0002_triggers"),
    ]

    operations = [ReplaceForAllPolicy()]
