from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """The operations room on the top floor: backups, demo and scale data, the task queue's
    migrations. It imports every domain app; no domain app imports it (pyproject.toml,
    import-linter)."""

    name = "operations"
    verbose_name = "Operations"
