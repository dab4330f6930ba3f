from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "rostracore.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        # Runs after the tenancy core's grants (INSTALLED_APPS order) and takes back what
        # the runtime role must not do to history.
        post_migrate.connect(revoke_writes, sender=self, dispatch_uid="audit_read_only")


def revoke_writes(using: str, **kwargs) -> None:
    from django.conf import settings
    from django.db import DEFAULT_DB_ALIAS, connections

    from rostracore.tenancy.db import OWNER_ALIAS

    if using != OWNER_ALIAS:
        return
    runtime_user = settings.DATABASES[DEFAULT_DB_ALIAS].get("USER")
    owner = connections[OWNER_ALIAS]
    if not runtime_user or runtime_user == owner.settings_dict.get("USER"):
        return
    with owner.cursor() as cursor:
        cursor.execute(
            "REVOKE INSERT, UPDATE, DELETE ON audit_events FROM "
            + owner.ops.quote_name(runtime_user)
        )
