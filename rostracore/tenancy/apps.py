from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class TenancyConfig(AppConfig):
    name = "rostracore.tenancy"
    label = "tenancy"
    verbose_name = "Tenancy"

    def ready(self) -> None:
        from rostracore.tenancy import checks  # noqa: F401  (registers the checks)
        from rostracore.tenancy.db import grant_runtime_role, install_wrapper

        connection_created.connect(install_wrapper, dispatch_uid="tenancy_install_wrapper")
        post_migrate.connect(grant_runtime_role, sender=self, dispatch_uid="tenancy_grants")
