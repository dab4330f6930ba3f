"""Indexes for 100,000 guards (issue 16): every list page reads a page, not the organization.

- `employees_org_active_client` (org_id, is_active, assigned_client_id): the dashboard's
  counts of active and dedicated guards read this narrow index only. (The list's default
  view, active guards by name, LIMIT 50, and "Last" reading it backwards, takes the existing
  employees_org_name_idx: nearly every guard is active.)
- `employees_org_client_name_idx`: the client and flex-pool filters, by name.
- `employees_name_idx`: platform staff's admin changelist (every organization, by name).
- `employees_search_trgm`, `employees_admin_search_trgm`: trigram GIN indexes (pg_trgm) on
  `UPPER(<the searched columns joined by spaces>)`, exactly what the list's and the admin's
  `icontains` search compiles to (employees.models.SearchText).

Row-level security would keep the trigram indexes from ever being used by the runtime role:
a policy's condition runs before any user condition that is not LEAKPROOF, and `LIKE`,
`upper()` and `||` are not (only a superuser could mark them), so PostgreSQL may not use
them as index conditions: the search read every guard of the organization (checked with
EXPLAIN as the runtime role, bench/pages.py). Hence the view `employees_search` (id,
org_id, list_text, admin_text): owned by the owner role, so RLS does not apply inside it,
and restricted by exactly the policy's own condition instead (the current organization's
rows, or every row in platform mode; none without a setting). The search asks it for the
matching ids (`Employee.id IN (SELECT id FROM employees_search WHERE list_text LIKE ...)`),
where the planner may use the trigram index; the rows themselves still come through the
scoped manager and RLS. The runtime role may only read views (tenancy.db.grant_runtime_role
revokes writes: a write through a view would not be bound by RLS).

pg_trgm is a trusted extension: the owner role (which owns the database) may create it.
Built CONCURRENTLY, so guards can still be added while it runs: hence atomic = False.
"""

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.contrib.postgres.operations import AddIndexConcurrently, TrigramExtension
from django.db import migrations, models

import employees.models

LIST_TEXT = (
    "upper((first_name || ' ' || last_name || ' ' || employee_number || ' ' || psira_number))"
)
ADMIN_TEXT = (
    "upper((first_name || ' ' || last_name || ' ' || employee_number || ' ' || psira_number"
    " || ' ' || email || ' ' || phone))"
)
# The policy's own condition (rostracore.tenancy.operations: tenant_select).
CURRENT_ORG = "nullif(current_setting('rostracore.org_id', true), '')::bigint"
ALL_ORGS = "current_setting('rostracore.all_orgs', true) = 'on'"


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("employees", "0014_employee_roster_seen_at")]

    operations = [
        TrigramExtension(),
        AddIndexConcurrently(
            model_name="employee",
            index=models.Index(
                fields=["org", "is_active", "assigned_client", "id"],
                name="employees_org_active_client",
            ),
        ),
        AddIndexConcurrently(
            model_name="employee",
            index=models.Index(
                fields=["org", "assigned_client", "last_name", "first_name", "id"],
                name="employees_org_client_name_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="employee",
            index=models.Index(fields=["last_name", "first_name", "id"], name="employees_name_idx"),
        ),
        AddIndexConcurrently(
            model_name="employee",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper(
                        employees.models.SearchText(
                            "first_name", "last_name", "employee_number", "psira_number"
                        )
                    ),
                    name="gin_trgm_ops",
                ),
                name="employees_search_trgm",
            ),
        ),
        AddIndexConcurrently(
            model_name="employee",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper(
                        employees.models.SearchText(
                            "first_name",
                            "last_name",
                            "employee_number",
                            "psira_number",
                            "email",
                            "phone",
                        )
                    ),
                    name="gin_trgm_ops",
                ),
                name="employees_admin_search_trgm",
            ),
        ),
        migrations.RunSQL(
            sql=(
                "CREATE VIEW employees_search AS "
                f"SELECT id, org_id, {LIST_TEXT} AS list_text, {ADMIN_TEXT} AS admin_text "
                f"FROM employees WHERE org_id = {CURRENT_ORG} OR {ALL_ORGS}"
            ),
            reverse_sql="DROP VIEW IF EXISTS employees_search",
        ),
    ]
