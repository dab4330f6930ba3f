"""Migration operation that makes tables tenant tables in the database itself.

`EnableTenancy("clients.Client", "employees.Employee", ...)` gives each named table:

1. a unique key `(org_id, id)`, the target of composite foreign keys;
2. row-level security, ENABLEd and FORCEd (so the table owner is bound too unless it has
   BYPASSRLS), with one policy per command (`tenant_select`, `tenant_insert`, ...) that
   compares `org_id` with the per-transaction setting `rostracore.org_id` (no subquery, so
   the tables can later be distributed by org_id; see docs/scaling.md). Platform mode
   (`rostracore.all_orgs`) may read every row — SELECT only: DELETE checks nothing but
   USING, so a read clause in a FOR ALL policy would let platform mode delete every row.
   INSERT, UPDATE and DELETE need the row's own organization to be the current one;
3. composite foreign keys `(org_id, <fk>_id) -> <target>(org_id, id)` for every foreign key
   to another tenant table, so the database refuses a reference across organizations
   (plain foreign-key checks bypass row-level security, so RLS alone would not).

Indexes are built CONCURRENTLY and foreign keys added NOT VALID then validated, so big tables
are not locked against writes: use it in a migration with `atomic = False`. Everything is
reversible, and idempotent: a table that already has a piece keeps it (databases migrated
before each app's own migration made its tables tenant tables got it all from the core's
first migration). `tests/tenancy/test_schema_lint.py` fails when a tenant model lacks any of it —
add a new model's label to an EnableTenancy operation in its app's migration.
"""

from __future__ import annotations

from django.db.migrations.operations.base import Operation

ORG_COLUMN = "org_id"
CURRENT_ORG = "nullif(current_setting('rostracore.org_id', true), '')::bigint"
ALL_ORGS = "current_setting('rostracore.all_orgs', true) = 'on'"
OWN_ROW = f"{ORG_COLUMN} = {CURRENT_ORG}"
# One policy per command: (name, command, USING, WITH CHECK).
POLICIES = (
    ("tenant_select", "SELECT", f"{OWN_ROW} OR {ALL_ORGS}", None),
    ("tenant_insert", "INSERT", None, OWN_ROW),
    ("tenant_update", "UPDATE", OWN_ROW, OWN_ROW),
    ("tenant_delete", "DELETE", OWN_ROW, None),
)
# Before 2026-12: one FOR ALL policy (see ReplaceForAllPolicy).
LEGACY_POLICY = "tenant_isolation"


def create_policies(schema_editor, table: str) -> None:
    quote = schema_editor.quote_name
    for name, command, using, check in POLICIES:
        sql = f"CREATE POLICY {name} ON {quote(table)} FOR {command}"
        if using:
            sql += f" USING ({using})"
        if check:
            sql += f" WITH CHECK ({check})"
        schema_editor.execute(sql)


def drop_policies(schema_editor, table: str) -> None:
    for name, *_ in POLICIES:
        schema_editor.execute(f"DROP POLICY IF EXISTS {name} ON {schema_editor.quote_name(table)}")


def is_tenant_model(model) -> bool:
    """True for a model with the tenancy core's required `org` foreign key (works on
    historical models, which don't keep their abstract base classes). Users have a nullable
    `org` (platform staff have none) and are not tenant rows."""
    try:
        field = model._meta.get_field("org")
    except Exception:
        return False
    return field.is_relation and field.column == ORG_COLUMN and not field.null


def tenant_foreign_keys(model):
    return [
        field
        for field in model._meta.concrete_fields
        if field.is_relation
        and field.many_to_one
        and field.name != "org"
        and is_tenant_model(field.related_model)
    ]


def key_name(table: str) -> str:
    return f"{table}_org_id_id_key"[:63]


def fk_name(table: str, column: str) -> str:
    return f"{table}_{column}_same_org_fk"[:63]


def _has_constraint(schema_editor, name: str) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_constraint WHERE conname = %s "
            "AND connamespace = current_schema()::regnamespace",
            [name],
        )
        return cursor.fetchone() is not None


class EnableTenancy(Operation):
    reversible = True
    reduces_to_sql = True
    category = None

    def __init__(self, *model_labels: str) -> None:
        self.model_labels = model_labels

    def deconstruct(self):
        return (self.__class__.__qualname__, list(self.model_labels), {})

    def state_forwards(self, app_label, state) -> None:
        pass  # database-only: Django's model state has no notion of RLS or composite keys

    def _models(self, state):
        return [state.apps.get_model(*label.split(".")) for label in self.model_labels]

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        quote = schema_editor.quote_name
        models = self._models(to_state)
        for model in models:
            table = model._meta.db_table
            key = key_name(table)
            if _has_constraint(schema_editor, key):
                continue
            schema_editor.execute(
                f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {quote(key)} "
                f"ON {quote(table)} ({ORG_COLUMN}, id)"
            )
            schema_editor.execute(
                f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(key)} "
                f"UNIQUE USING INDEX {quote(key)}"
            )
        for model in models:
            table = quote(model._meta.db_table)
            schema_editor.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            schema_editor.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            schema_editor.execute(f"DROP POLICY IF EXISTS {LEGACY_POLICY} ON {table}")
            drop_policies(schema_editor, model._meta.db_table)
            create_policies(schema_editor, model._meta.db_table)
        for model in models:
            table = model._meta.db_table
            for field in tenant_foreign_keys(model):
                name = fk_name(table, field.column)
                if _has_constraint(schema_editor, name):
                    continue
                schema_editor.execute(
                    f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} "
                    f"FOREIGN KEY ({ORG_COLUMN}, {quote(field.column)}) "
                    f"REFERENCES {quote(field.related_model._meta.db_table)} ({ORG_COLUMN}, id) "
                    "DEFERRABLE INITIALLY DEFERRED NOT VALID"
                )
                schema_editor.execute(
                    f"ALTER TABLE {quote(table)} VALIDATE CONSTRAINT {quote(name)}"
                )

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        quote = schema_editor.quote_name
        models = self._models(from_state)
        for model in models:
            table = model._meta.db_table
            for field in tenant_foreign_keys(model):
                schema_editor.execute(
                    f"ALTER TABLE {quote(table)} DROP CONSTRAINT IF EXISTS "
                    f"{quote(fk_name(table, field.column))}"
                )
        for model in models:
            table = quote(model._meta.db_table)
            drop_policies(schema_editor, model._meta.db_table)
            schema_editor.execute(f"DROP POLICY IF EXISTS {LEGACY_POLICY} ON {table}")
            schema_editor.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
            schema_editor.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        for model in models:
            table = model._meta.db_table
            schema_editor.execute(
                f"ALTER TABLE {quote(table)} DROP CONSTRAINT IF EXISTS {quote(key_name(table))}"
            )

    def describe(self) -> str:
        return "Row-level security and organization keys for " + ", ".join(self.model_labels)

    @property
    def migration_name_fragment(self) -> str:
        return "enable_tenancy"


class ReplaceForAllPolicy(Operation):
    """Replace the single FOR ALL policy of every table that still has one with the policies
    per command (TENANCY.md 19). Finds the tables in the catalogue, so it names no app."""

    reversible = True
    reduces_to_sql = False
    category = None

    def deconstruct(self):
        return (self.__class__.__qualname__, [], {})

    def state_forwards(self, app_label, state) -> None:
        pass

    def _tables_with(self, schema_editor, policy: str) -> list[str]:
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT tablename FROM pg_policies WHERE schemaname = current_schema() "
                "AND policyname = %s ORDER BY tablename",
                [policy],
            )
            return [row[0] for row in cursor.fetchall()]

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        for table in self._tables_with(schema_editor, LEGACY_POLICY):
            quoted = schema_editor.quote_name(table)
            schema_editor.execute(f"DROP POLICY {LEGACY_POLICY} ON {quoted}")
            create_policies(schema_editor, table)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        for table in self._tables_with(schema_editor, POLICIES[0][0]):
            drop_policies(schema_editor, table)
            schema_editor.execute(
                f"CREATE POLICY {LEGACY_POLICY} ON {schema_editor.quote_name(table)} "
                f"USING ({OWN_ROW} OR {ALL_ORGS}) WITH CHECK ({OWN_ROW})"
            )

    def describe(self) -> str:
        return "Row-level security: one policy per command instead of FOR ALL"


class ScopeByAuthor(Operation):
    """Give a framework table whose rows name a user (`django_admin_log`) the organization of
    the transaction that writes each row, and row-level security like a tenant table.

    The column `org_id` defaults to the per-transaction setting (Django's model does not
    know the column, so every row the framework writes takes the request's organization),
    references the tenant table, and existing rows take their author's organization.
    Policies: read the own organization's rows or every row in platform mode; insert and
    delete only rows of the current organization — NULL (platform staff's) only with no
    organization set; nobody updates. Names no domain table: the tenant and user tables come
    from settings.TENANT_MODEL and AUTH_USER_MODEL."""

    reversible = True
    reduces_to_sql = True
    category = None

    def __init__(self, table: str, author_column: str) -> None:
        self.table, self.author_column = table, author_column

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.table, self.author_column], {})

    def state_forwards(self, app_label, state) -> None:
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        from django.conf import settings

        quote = schema_editor.quote_name
        tenants = to_state.apps.get_model(settings.TENANT_MODEL)._meta.db_table
        users = to_state.apps.get_model(settings.AUTH_USER_MODEL)._meta.db_table
        table, prefix = quote(self.table), self.table.removeprefix("django_")
        for sql in (
            f"ALTER TABLE {table} ADD COLUMN {ORG_COLUMN} bigint DEFAULT {CURRENT_ORG} "
            f"REFERENCES {quote(tenants)} (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED",
            f"UPDATE {table} AS row SET {ORG_COLUMN} = u.org_id FROM {quote(users)} AS u "
            f"WHERE u.id = row.{quote(self.author_column)}",
            f"CREATE INDEX {quote(self.table + '_org_id_idx')} ON {table} ({ORG_COLUMN})",
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
            f"CREATE POLICY {prefix}_select ON {table} FOR SELECT USING ({OWN_ROW} OR {ALL_ORGS})",
            f"CREATE POLICY {prefix}_insert ON {table} FOR INSERT "
            f"WITH CHECK ({ORG_COLUMN} IS NOT DISTINCT FROM {CURRENT_ORG})",
            f"CREATE POLICY {prefix}_delete ON {table} FOR DELETE "
            f"USING ({ORG_COLUMN} IS NOT DISTINCT FROM {CURRENT_ORG})",
        ):
            schema_editor.execute(sql)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        table, prefix = schema_editor.quote_name(self.table), self.table.removeprefix("django_")
        for sql in (
            f"DROP POLICY IF EXISTS {prefix}_select ON {table}",
            f"DROP POLICY IF EXISTS {prefix}_insert ON {table}",
            f"DROP POLICY IF EXISTS {prefix}_delete ON {table}",
            f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY",
            f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
            f"ALTER TABLE {table} DROP COLUMN IF EXISTS {ORG_COLUMN}",
        ):
            schema_editor.execute(sql)

    def describe(self) -> str:
        return f"Organization and row-level security for {self.table}"
