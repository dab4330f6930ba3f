"""Multi-tenancy, step 2a: promise "org_id is never NULL" for new writes, without a scan.

A CHECK constraint added NOT VALID applies to every insert and update from now on but does
not scan the existing rows, so the ACCESS EXCLUSIVE lock it takes is held for milliseconds.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("employees", "0003_backfill_org")]

    operations = [
        migrations.RunSQL(
            sql="ALTER TABLE employees ADD CONSTRAINT employees_org_id_not_null "
            "CHECK (org_id IS NOT NULL) NOT VALID",
            reverse_sql="ALTER TABLE employees DROP CONSTRAINT employees_org_id_not_null",
        ),
    ]
