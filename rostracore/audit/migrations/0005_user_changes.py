"""The trigger function learns to keep secrets: `audit_row_change(<column>, ...)`.

Each argument names a column whose value never enters the trail: `hide:<column>` records
only that it changed (`"password": "changed"`), `skip:<column>` ignores it (a login's
`last_login`). A row without an organization (platform staff in the users table) is on no
organization's trail. `AuditChanges(..., hide=..., skip=...)` passes the arguments; the
function stays one for every audited table.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION audit_row_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
    new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
    row_data jsonb;
    diff jsonb;
    hidden_changes jsonb := '{}'::jsonb;
    arg text;
    col text;
BEGIN
    IF TG_NARGS > 0 THEN
        FOREACH arg IN ARRAY TG_ARGV LOOP
            col := split_part(arg, ':', 2);
            IF split_part(arg, ':', 1) = 'hide' AND TG_OP = 'UPDATE'
               AND (old_row -> col) IS DISTINCT FROM (new_row -> col) THEN
                hidden_changes := hidden_changes || jsonb_build_object(col, 'changed');
            END IF;
            old_row := old_row - col;
            new_row := new_row - col;
        END LOOP;
    END IF;
    row_data := coalesce(new_row, old_row);
    IF (row_data ->> 'org_id') IS NULL THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        SELECT jsonb_object_agg(n.key, jsonb_build_array(old_row -> n.key, n.value))
          INTO diff
          FROM jsonb_each(new_row) AS n
         WHERE n.value IS DISTINCT FROM old_row -> n.key;
        diff := coalesce(diff, '{}'::jsonb) || hidden_changes;
        IF diff = '{}'::jsonb THEN
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
    dependencies = [("audit", "0004_scoped_base_manager")]

    # Backwards keeps the function: 0002's version is the same without arguments.
    operations = [migrations.RunSQL(sql=FUNCTION, reverse_sql=migrations.RunSQL.noop)]
