"""Migration operation that puts a table on the audit trail.

`AuditChanges("scheduling.Post", ...)` creates the `audit_row_change` trigger (migration
audit 0002) on each model's table: every insert, update and delete is recorded, whatever
path it took. Each app's own migration names its own models; this module names none.
`function=` picks another trigger function (the users table records no password hashes);
`columns=` records updates only when one of those columns is set (a roster run's progress
and lease renewals would otherwise bury its status changes).
"""

from __future__ import annotations

from django.db.migrations.operations.base import Operation

TRIGGER = "audit_row_change"


class AuditChanges(Operation):
    reversible = True
    reduces_to_sql = True
    category = None

    def __init__(
        self, *model_labels: str, function: str = "audit_row_change", columns: tuple = ()
    ) -> None:
        self.model_labels = model_labels
        self.function = function
        self.columns = tuple(columns)

    def deconstruct(self):
        kwargs = {}
        if self.function != "audit_row_change":
            kwargs["function"] = self.function
        if self.columns:
            kwargs["columns"] = self.columns
        return (self.__class__.__qualname__, list(self.model_labels), kwargs)

    def state_forwards(self, app_label, state) -> None:
        pass  # database-only

    def _tables(self, state) -> list[str]:
        return [
            state.apps.get_model(*label.split("."))._meta.db_table for label in self.model_labels
        ]

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        quote = schema_editor.quote_name
        update = "UPDATE"
        if self.columns:
            update += " OF " + ", ".join(quote(column) for column in self.columns)
        for table in self._tables(to_state):
            schema_editor.execute(
                f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR {update} OR DELETE ON "
                f"{quote(table)} FOR EACH ROW EXECUTE FUNCTION {self.function}()"
            )

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        for table in self._tables(from_state):
            schema_editor.execute(
                f"DROP TRIGGER IF EXISTS {TRIGGER} ON {schema_editor.quote_name(table)}"
            )

    def describe(self) -> str:
        return "Audit trail for " + ", ".join(self.model_labels)
