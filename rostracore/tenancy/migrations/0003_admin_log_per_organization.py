"""The admin's log (`django_admin_log`) is tenant data: object names and change messages.

It gets an `org_id` column, filled by the database from the per-transaction setting
`rostracore.org_id` (Django's LogEntry model does not know the column, so every entry the
admin writes takes its organization from the request's), and row-level security:

- read: the own organization's entries, or every entry in platform mode;
- write and delete: only entries of the current organization — NULL (platform staff's own
  entries) only with no organization set. Nobody updates a log entry.

Existing entries take their author's organization.
"""

from django.db import migrations

CURRENT_ORG = "nullif(current_setting('rostracore.org_id', true), '')::bigint"
ALL_ORGS = "current_setting('rostracore.all_orgs', true) = 'on'"

FORWARDS = f"""
ALTER TABLE django_admin_log
    ADD COLUMN org_id bigint DEFAULT {CURRENT_ORG}
    REFERENCES organizations (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED;
UPDATE django_admin_log AS log SET org_id = u.org_id
    FROM organizations_user AS u WHERE u.id = log.user_id;
CREATE INDEX django_admin_log_org_id_idx ON django_admin_log (org_id, action_time DESC);
ALTER TABLE django_admin_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE django_admin_log FORCE ROW LEVEL SECURITY;
CREATE POLICY admin_log_select ON django_admin_log FOR SELECT
    USING (org_id = {CURRENT_ORG} OR {ALL_ORGS});
CREATE POLICY admin_log_insert ON django_admin_log FOR INSERT
    WITH CHECK (org_id IS NOT DISTINCT FROM {CURRENT_ORG});
CREATE POLICY admin_log_delete ON django_admin_log FOR DELETE
    USING (org_id IS NOT DISTINCT FROM {CURRENT_ORG});
"""

BACKWARDS = """
DROP POLICY IF EXISTS admin_log_select ON django_admin_log;
DROP POLICY IF EXISTS admin_log_insert ON django_admin_log;
DROP POLICY IF EXISTS admin_log_delete ON django_admin_log;
ALTER TABLE django_admin_log NO FORCE ROW LEVEL SECURITY;
ALTER TABLE django_admin_log DISABLE ROW LEVEL SECURITY;
ALTER TABLE django_admin_log DROP COLUMN IF EXISTS org_id;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0002_policies_per_command"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("organizations", "0001_initial"),
    ]

    operations = [migrations.RunSQL(FORWARDS, BACKWARDS)]
