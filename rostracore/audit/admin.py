import json

from django.contrib import admin
from django.utils.html import format_html

from rostracore.audit.models import AuditEvent
from rostracore.tenancy.admin import TenantModelAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(TenantModelAdmin):
    """Read-only: the database writes the trail, nobody edits it."""

    list_display = ["changed_at", "actor_name", "action", "table_name", "row_id", "summary"]
    list_filter = ["action", "table_name"]
    list_select_related = ["actor"]
    search_fields = ["=row_id", "actor__username"]
    date_hierarchy = "changed_at"
    fields = ["changed_at", "actor", "action", "table_name", "row_id", "pretty_changes"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="who", ordering="actor__username")
    def actor_name(self, event: AuditEvent) -> str:
        return str(event.actor) if event.actor_id else "system (command or task)"

    @admin.display(description="what changed")
    def summary(self, event: AuditEvent) -> str:
        if event.action == AuditEvent.Action.UPDATE:
            return ", ".join(sorted(event.changes))
        return ""

    @admin.display(description="changes")
    def pretty_changes(self, event: AuditEvent):
        return format_html("<pre>{}</pre>", json.dumps(event.changes, indent=2, sort_keys=True))
