"""Migration operation that puts a table on the audit trail.

`AuditChanges("scheduling.Post", ...)` creates the `audit_row_change` trigger (migration
audit 0002) on each model's table: every insert, update and delete is recorded, whatever
path it took. Each app's own migration names its own models; this module names none.
`hide=` columns never enter the trail, only that they changed (a password hash, a calendar
secret); `skip=` columns are ignored (a login's `last_login`); `columns=` records updates
only when one of those columns is set (a roster run's progress and lease renewals would
otherwise bury its status changes).
"""

from __future__ import annotations

from django.db.migrations.operations.base import Operation

TRIGGER = "audit_row_change"


class AuditChanges(Operation):
    reversible = True
    reduces_to_sql = True
    category = None

    def __init__(
        self, *model_labels: str, columns: tuple = (), hide: tuple = (), skip: tuple = ()
    ) -> None:
        self.model_labels = model_labels
        self.columns, self.hide, self.skip = tuple(columns), tuple(hide), tuple(skip)

    def deconstruct(self):
        kwargs = {
            name: value
            for name, value in (("columns", self.columns), ("hide", self.hide), ("skip", self.skip))
            if value
        }
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
        args = ", ".join(
            [f"'hide:{column}'" for column in self.hide]
            + [f"'skip:{column}'" for column in self.skip]
        )
        for table in self._tables(to_state):
            schema_editor.execute(
                f"CREATE OR REPLACE TRIGGER {TRIGGER} AFTER INSERT OR {update} OR DELETE ON "
                f"{quote(table)} FOR EACH ROW EXECUTE FUNCTION audit_row_change({args})"
            )

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        for table in self._tables(from_state):
            schema_editor.execute(
                f"DROP TRIGGER IF EXISTS {TRIGGER} ON {schema_editor.quote_name(table)}"
            )

    def describe(self) -> str:
        return "Audit trail for " + ", ".join(self.model_labels)
