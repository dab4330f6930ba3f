"""Kept for the migration history; does nothing.

Until 2026-12 this migration made every tenant table of that time a tenant table in the
database (row-level security, the (org_id, id) key, composite foreign keys), which named the
domain apps from inside the tenancy core. Now each app's own migration does it for its own
tables with `EnableTenancy` (rostracore/tenancy/operations.py), which skips what a database
migrated by the old version already has.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies: list = []
    operations: list = []
