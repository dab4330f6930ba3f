"""The trigger function for the users table: role, organization, active and staff flags,
names and email are recorded; the password hash never is — a change of password is recorded
as `"password": "changed"`. `last_login` changes on every login and is left out. Platform
staff (no organization) are not on any organization's trail.

organizations' own migration puts the users table on the trail with it.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION audit_user_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) - 'password' - 'last_login' END;
    new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) - 'password' - 'last_login' END;
    row_data jsonb := coalesce(new_row, old_row);
    diff jsonb;
BEGIN
    IF (row_data ->> 'org_id') IS NULL THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        SELECT jsonb_object_agg(n.key, jsonb_build_array(old_row -> n.key, n.value))
          INTO diff
          FROM jsonb_each(new_row) AS n
         WHERE n.value IS DISTINCT FROM old_row -> n.key;
        IF OLD.password IS DISTINCT FROM NEW.password THEN
            diff := coalesce(diff, '{}'::jsonb) || '{"password": "changed"}'::jsonb;
        END IF;
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
    dependencies = [("audit", "0004_scoped_base_manager")]

    operations = [
        migrations.RunSQL(sql=FUNCTION, reverse_sql="DROP FUNCTION IF EXISTS audit_user_change()"),
    ]
