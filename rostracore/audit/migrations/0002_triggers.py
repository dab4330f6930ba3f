"""The audit trigger function, and row-level security on the trail.

Until 2026-12 this migration also created the trigger on employees, clients, sites and shifts,
naming the domain tables from the core; now each app's own migration puts its tables on the
trail (`AuditChanges`, rostracore/audit/operations.py), which replaces an existing trigger.

The trigger function is SECURITY DEFINER (it runs as the owner role that creates it), so it
can append to `audit_events`, which the runtime role may only read (see apps.py). It records
the organization, table, row id, action, time, the acting user (`rostracore.user_id`, set
per transaction by the tenancy core) and what changed: the whole row on insert and delete,
`{column: [before, after]}` for the changed columns on update (an update that changes
nothing records nothing).
"""

from django.db import migrations

from rostracore.tenancy.operations import EnableTenancy

FUNCTION = """
CREATE OR REPLACE FUNCTION audit_row_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
    new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
    row_data jsonb := coalesce(new_row, old_row);
    diff jsonb;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        SELECT jsonb_object_agg(n.key, jsonb_build_array(old_row -> n.key, n.value))
          INTO diff
          FROM jsonb_each(new_row) AS n
         WHERE n.value IS DISTINCT FROM old_row -> n.key;
        IF diff IS NULL THEN
            RETURN NULL;
        END IF;
    ELSE
        diff := row_data;
    END IF;
    INSERT INTO audit_events (org_id, table_name, row_id, action, changed_at, actor_id, changes)
    VALUES (
        (row_data ->> 'org_id')::bigint,
        TG_TABLE_NAME,
        (row_data ->> 'id')::bigint,
        lower(TG_OP),
        now(),
        nullif(current_setting('rostracore.user_id', true), '')::bigint,
        diff
    );
    RETURN NULL;
END
$$
"""


class Migration(migrations.Migration):
    atomic = False  # EnableTenancy builds its index CONCURRENTLY

    dependencies = [
        ("audit", "0001_initial"),
        ("tenancy", "0001_enable_tenancy"),
    ]

    operations = [
        EnableTenancy("audit.AuditEvent"),
        migrations.RunSQL(sql=FUNCTION, reverse_sql="DROP FUNCTION IF EXISTS audit_row_change()"),
    ]
