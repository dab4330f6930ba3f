"""The audit trail: who changed guards, clients, sites and shifts, and when.

Rows are written by the database, not by Python: an AFTER trigger on each audited table
(migration 0001) records every insert, update and delete — from the manager pages, the
admin, a command, a queryset `update()`, a bulk write or raw SQL alike. The actor is the
user of the request (`rostracore.user_id`, set per transaction by rostracore/tenancy/db.py;
empty for commands and background tasks). The runtime role may only read this table, so a
compromised web process cannot rewrite history.
"""

from django.conf import settings
from django.db import models

from rostracore.tenancy.models import TenantModel


class AuditEvent(TenantModel):
    class Action(models.TextChoices):
        INSERT = "insert", "Created"
        UPDATE = "update", "Changed"
        DELETE = "delete", "Deleted"

    # No database constraint: history outlives the organization's rows (deleting an
    # organization's data fires these triggers too), and Django must not cascade into an
    # append-only table.
    org = models.ForeignKey(
        settings.TENANT_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name="organization",
    )
    table_name = models.CharField("table", max_length=63)
    row_id = models.BigIntegerField("row")
    action = models.CharField(max_length=6, choices=Action)
    changed_at = models.DateTimeField("when")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="who",
    )
    changes = models.JSONField(
        help_text="Created/deleted: the whole row. Changed: {column: [before, after]}."
    )

    class Meta(TenantModel.Meta):
        db_table = "audit_events"
        ordering = ["-changed_at", "-id"]
        indexes = [
            # The admin's history of one row, newest first.
            models.Index(
                fields=["org", "table_name", "row_id", "-changed_at"], name="audit_row_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.table_name} #{self.row_id}"
