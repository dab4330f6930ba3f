"""Multi-tenancy, step 1b: give every existing guard an organization.

Every employee without one goes to the first organization (lowest id). If there are
employees but no organization at all, one named "Legacy organization (created by migration)"
is created and the migration says so.

Non-atomic on purpose: each batch of ids commits on its own, so row locks are held for one
batch only and a big table is never locked as a whole. Rerunning continues where it stopped.
"""

from django.db import migrations, transaction

BATCH_SIZE = 5_000
LEGACY_ORG_NAME = "Legacy organization (created by migration)"
LEGACY_ORG_SLUG = "legacy-organization"


def backfill(apps, schema_editor):
    # Everything on the migrating connection (the owner role), never the runtime one.
    connection = schema_editor.connection
    alias = connection.alias
    Organization = apps.get_model("organizations", "Organization")
    Employee = apps.get_model("employees", "Employee")
    if not Employee.objects.using(alias).filter(org__isnull=True).exists():
        return
    org = Organization.objects.using(alias).order_by("id").first()
    if org is None:
        org = Organization.objects.using(alias).create(
            company_name=LEGACY_ORG_NAME, slug=LEGACY_ORG_SLUG
        )
        print(
            f"\n  No organization existed, so employees were given a new one: "
            f"{org.company_name!r} (id {org.pk}). Rename it in the admin."
        )
    total = 0
    with connection.cursor() as cursor:
        # Walk the primary key in ranges: each batch is an index range scan, so the whole
        # backfill is linear in the table size (a "LIMIT n WHERE org_id IS NULL" loop would
        # rescan the already-filled rows every time).
        cursor.execute("SELECT min(id), max(id) FROM employees WHERE org_id IS NULL")
        low, high = cursor.fetchone()
        while low is not None and low <= high:
            with transaction.atomic(using=alias):
                cursor.execute(
                    "UPDATE employees SET org_id = %s "
                    "WHERE id >= %s AND id < %s AND org_id IS NULL",
                    [org.pk, low, low + BATCH_SIZE],
                )
                total += cursor.rowcount
            low += BATCH_SIZE
    print(f"\n  Backfilled {total} employees to organization {org.company_name!r} (id {org.pk}).")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("employees", "0002_add_org_and_assigned_client")]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False),
    ]
