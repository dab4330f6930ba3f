"""Each guard gets a random calendar secret of their own, without a long lock.

A plain AddField with `default=new_calendar_secret` would give every existing guard the same
secret (Django computes a callable default once for the whole table), and a volatile
database default on ADD COLUMN rewrites the table under ACCESS EXCLUSIVE. So, in steps,
each committed on its own (atomic = False):

1. add the column nullable, then give it the database default: no rewrite, existing rows
   stay NULL, and every row inserted from now on, also by the previous release still
   serving during the deploy, gets its own secret;
2. fill the existing rows in batches of 5,000 ids with secrets from Python's `secrets`,
   each batch its own transaction (row locks for one batch only; a rerun continues);
3. NOT NULL without a scan under ACCESS EXCLUSIVE, as in 0004–0006: a CHECK added NOT VALID,
   validated under SHARE UPDATE EXCLUSIVE (reads and writes go on), then SET NOT NULL uses
   it and the check goes;
4. the per-organization unique index built CONCURRENTLY, then attached as the constraint.

Reversing drops the column (and with it the index and the secrets).
"""

import secrets

import employees.models
from django.db import migrations, models, transaction

BATCH_SIZE = 5_000
# employees.models.DatabaseCalendarSecret as it was when this migration was written.
DATABASE_SECRET = (
    "rtrim(translate(encode(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()), "
    "'base64'), '+/', '-_'), '=')"
)
# Not "..._not_null": PostgreSQL 18 gives that name to the column's own NOT NULL constraint.
NOT_NULL_CHECK = "employees_calendar_secret_not_null_check"


def fill_secrets(apps, schema_editor):
    # On the migrating connection (the owner role, which row-level security lets through).
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM employees WHERE calendar_secret IS NULL")
        low, high = cursor.fetchone()
        while low is not None and low <= high:
            with transaction.atomic(using=connection.alias):
                cursor.execute(
                    "SELECT id FROM employees "
                    "WHERE id >= %s AND id < %s AND calendar_secret IS NULL FOR UPDATE",
                    [low, low + BATCH_SIZE],
                )
                ids = [row[0] for row in cursor.fetchall()]
                cursor.execute(
                    "UPDATE employees AS e SET calendar_secret = v.secret "
                    "FROM unnest(%s::bigint[], %s::varchar[]) AS v(id, secret) WHERE e.id = v.id",
                    [ids, [secrets.token_urlsafe(32) for _ in ids]],
                )
            low += BATCH_SIZE


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("clients", "0003_scoped_base_manager"),
        ("employees", "0010_scoped_base_manager"),
        ("organizations", "0002_manager_group"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=[
                        "ALTER TABLE employees ADD COLUMN calendar_secret varchar(43) NULL",
                        "ALTER TABLE employees ALTER COLUMN calendar_secret "
                        f"SET DEFAULT {DATABASE_SECRET}",
                    ],
                    reverse_sql="ALTER TABLE employees DROP COLUMN calendar_secret",
                ),
            ],
            state_operations=[
                migrations.AddField(
                    model_name="employee",
                    name="calendar_secret",
                    field=models.CharField(
                        db_default=employees.models.DatabaseCalendarSecret(),
                        default=employees.models.new_calendar_secret,
                        editable=False,
                        max_length=43,
                        null=True,
                    ),
                ),
            ],
        ),
        migrations.RunPython(fill_secrets, migrations.RunPython.noop, elidable=False),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=[
                        f"ALTER TABLE employees ADD CONSTRAINT {NOT_NULL_CHECK} "
                        "CHECK (calendar_secret IS NOT NULL) NOT VALID",
                        f"ALTER TABLE employees VALIDATE CONSTRAINT {NOT_NULL_CHECK}",
                        "ALTER TABLE employees ALTER COLUMN calendar_secret SET NOT NULL",
                        f"ALTER TABLE employees DROP CONSTRAINT {NOT_NULL_CHECK}",
                    ],
                    reverse_sql="ALTER TABLE employees ALTER COLUMN calendar_secret DROP NOT NULL",
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="employee",
                    name="calendar_secret",
                    field=models.CharField(
                        db_default=employees.models.DatabaseCalendarSecret(),
                        default=employees.models.new_calendar_secret,
                        editable=False,
                        max_length=43,
                    ),
                ),
            ],
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql="CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "
                    "employees_calendar_secret_per_org ON employees (org_id, calendar_secret)",
                    reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS "
                    "employees_calendar_secret_per_org",
                ),
                migrations.RunSQL(
                    sql="ALTER TABLE employees ADD CONSTRAINT employees_calendar_secret_per_org "
                    "UNIQUE USING INDEX employees_calendar_secret_per_org",
                    reverse_sql="ALTER TABLE employees "
                    "DROP CONSTRAINT employees_calendar_secret_per_org",
                ),
            ],
            state_operations=[
                migrations.AddConstraint(
                    model_name="employee",
                    constraint=models.UniqueConstraint(
                        fields=("org", "calendar_secret"),
                        name="employees_calendar_secret_per_org",
                    ),
                ),
            ],
        ),
    ]
