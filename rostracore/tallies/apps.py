from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TalliesConfig(AppConfig):
    name = "rostracore.tallies"
    label = "tallies"
    verbose_name = "Counts"

    def ready(self) -> None:
        # Runs after the tenancy core's grants (INSTALLED_APPS order): only the triggers
        # write the counts, so the runtime role may only read them.
        post_migrate.connect(revoke_writes, sender=self, dispatch_uid="tallies_read_only")


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
            "REVOKE INSERT, UPDATE, DELETE ON org_counts FROM " + owner.ops.quote_name(runtime_user)
        )
