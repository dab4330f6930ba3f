from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "rostracore.tenancy"
    label = "tenancy"
    verbose_name = "Tenancy"

    def ready(self) -> None:
        from rostracore.tenancy import checks  # noqa: F401  (registers the checks)
