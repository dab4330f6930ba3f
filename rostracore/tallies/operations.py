"""Migration operation that keeps counts of a table's rows in `org_counts` (models.py).

`CountRows("employees.Employee", counts={"employees": "r.is_active", ...})` creates, on the
model's table, three statement-level triggers (AFTER INSERT / UPDATE / DELETE, with
transition tables; PostgreSQL allows one event per trigger with them) and one AFTER
TRUNCATE, all calling one function made for the table. Per statement, the function adds to
each count the number of new rows that meet its condition minus the old ones that did,
grouped by organization (and local day): a bulk insert of 100,000 guards is one upsert per
count, and an update that changes nothing counted writes nothing. `day="start"` makes
per-day counts: the local day (the organization's timezone) of that column; a change of an
organization's timezone recounts its days (a trigger on the organizations table).

Conditions are SQL on the row `r` (`r.is_active AND r.assigned_client_id IS NULL`). The
functions are SECURITY DEFINER with a fixed search_path: they run as the owner role that
creates them, so they can write `org_counts`, which the runtime role may only read. Each
operation also counts the table's existing rows, in the migration's transaction: creating a
trigger locks the table against writes until the migration commits, so no write is counted
twice or missed (atomic migrations only).

Concurrency: each statement upserts its shard's row (`pg_backend_pid() % SHARDS`), in a
fixed order (organization, count, day). Two transactions of one organization on backends of
the same shard queue on that row until the first commits (a row lock, as for any update);
on other shards they do not. Two such transactions that write two counted tables in
opposite orders can deadlock; PostgreSQL aborts one (docs/scaling.md). Each app's
migration names its own tables; this module none.
"""

from __future__ import annotations

from django.conf import settings
from django.db.migrations.operations.base import Operation

from rostracore.tallies.models import SHARDS

TABLE = "org_counts"


def function_name(table: str) -> str:
    return f"count_rows_{table}"[:63]


def _quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class CountRows(Operation):
    reversible = True
    reduces_to_sql = True
    category = None

    def __init__(self, model_label: str, *, counts: dict[str, str], day: str = "") -> None:
        self.model_label = model_label
        self.counts = dict(counts)
        self.day = day

    def deconstruct(self):
        kwargs = {"counts": self.counts}
        if self.day:
            kwargs["day"] = self.day
        return (self.__class__.__qualname__, [self.model_label], kwargs)

    def state_forwards(self, app_label, state) -> None:
        pass  # database-only

    def _tables(self, state) -> tuple[str, str]:
        model = state.apps.get_model(*self.model_label.split("."))
        org_model = state.apps.get_model(*settings.TENANT_MODEL.split("."))
        return model._meta.db_table, org_model._meta.db_table

    def _kinds(self) -> str:
        return ", ".join(_quote_literal(kind) for kind in self.counts)

    def _changes(self, source: str, sign: str, orgs: str) -> str:
        """(org_id, kind, day, delta) of each counted row of `source`."""
        day = f"(r.{self.day} AT TIME ZONE o.timezone)::date" if self.day else "NULL::date"
        join = f" JOIN {orgs} AS o ON o.id = r.org_id" if self.day else ""
        values = ", ".join(
            f"({_quote_literal(kind)}, {day}, ({condition}))"
            for kind, condition in self.counts.items()
        )
        return (
            f"SELECT r.org_id, k.kind, k.day, {sign} AS delta FROM {source} AS r{join} "
            f"CROSS JOIN LATERAL (VALUES {values}) AS k(kind, day, counted) WHERE k.counted"
        )

    def _upsert(self, changes: str, shard: str = f"mod(pg_backend_pid(), {SHARDS})") -> str:
        return (
            f"INSERT INTO {TABLE} AS c (org_id, kind, day, shard, n) "
            f"SELECT org_id, kind, day, {shard}, sum(delta) FROM ({changes}) AS d "
            "GROUP BY org_id, kind, day HAVING sum(delta) <> 0 ORDER BY org_id, kind, day "
            "ON CONFLICT (org_id, kind, day, shard) DO UPDATE SET n = c.n + excluded.n"
        )

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        table, orgs = self._tables(to_state)
        quote = schema_editor.quote_name
        function = function_name(table)
        new = self._changes("new_rows", "1", orgs)
        old = self._changes("old_rows", "-1", orgs)
        schema_editor.execute(
            f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {self._upsert(new)};
    ELSIF TG_OP = 'DELETE' THEN
        {self._upsert(old)};
    ELSIF TG_OP = 'UPDATE' THEN
        {self._upsert(f"{new} UNION ALL {old}")};
    ELSE
        DELETE FROM {TABLE} WHERE kind IN ({self._kinds()});
    END IF;
    RETURN NULL;
END
$$"""
        )
        for event, referencing in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        ):
            schema_editor.execute(
                f"CREATE OR REPLACE TRIGGER {quote(f'count_rows_{event.lower()}')} AFTER {event} "
                f"ON {quote(table)} REFERENCING {referencing} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION {function}()"
            )
        schema_editor.execute(
            f"CREATE OR REPLACE TRIGGER count_rows_truncate AFTER TRUNCATE ON {quote(table)} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )
        # The rows already there, counted once (shard 0) while the trigger's lock holds.
        schema_editor.execute(f"DELETE FROM {TABLE} WHERE kind IN ({self._kinds()})")
        schema_editor.execute(self._upsert(self._changes(quote(table), "1", orgs), shard="0"))
        if self.day:
            self._retime_forwards(schema_editor, table, orgs)

    def _retime_forwards(self, schema_editor, table: str, orgs: str) -> None:
        """Recount an organization's per-day counts when its timezone changes."""
        quote = schema_editor.quote_name
        function = f"{function_name(table)}_retime"[:63]
        recount = self._upsert(
            self._changes(f"(SELECT * FROM {quote(table)} WHERE org_id = NEW.id)", "1", orgs),
            shard="0",
        )
        schema_editor.execute(
            f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    -- Wait for the organization's writers and keep new ones out until this commits, so
    -- the recount sees exactly the rows whose changes the counts no longer hold.
    LOCK TABLE {quote(table)} IN SHARE MODE;
    DELETE FROM {TABLE} WHERE org_id = NEW.id AND kind IN ({self._kinds()});
    {recount};
    RETURN NULL;
END
$$"""
        )
        schema_editor.execute(
            f"CREATE OR REPLACE TRIGGER {quote(function)} AFTER UPDATE OF timezone ON "
            f"{quote(orgs)} FOR EACH ROW WHEN (OLD.timezone IS DISTINCT FROM NEW.timezone) "
            f"EXECUTE FUNCTION {function}()"
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        table, orgs = self._tables(from_state)
        quote = schema_editor.quote_name
        function = function_name(table)
        if self.day:
            retime = f"{function}_retime"[:63]
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {quote(retime)} ON {quote(orgs)}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {retime}()")
        for event in ("insert", "update", "delete", "truncate"):
            schema_editor.execute(
                f"DROP TRIGGER IF EXISTS {quote(f'count_rows_{event}')} ON {quote(table)}"
            )
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {function}()")
        schema_editor.execute(f"DELETE FROM {TABLE} WHERE kind IN ({self._kinds()})")

    def describe(self) -> str:
        return f"Counts of {self.model_label} rows: " + ", ".join(self.counts)
