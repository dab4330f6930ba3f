"""Migration operation: the Manager group may use some of an app's models in the admin.

`GrantToManagers("billing", ["view_chargerate", ...])` gives every "Manager" group
(organizations/migrations/0002_manager_group.py) those permissions, and takes them away when
the migration is reversed. The codenames are the migration's own arguments, frozen there: a
migration must not change when app code does. Runs on the migrating connection (the owner
role), not the runtime one.
"""

from __future__ import annotations

from django.contrib.auth.management import create_permissions
from django.db.migrations.operations.base import Operation


class GrantToManagers(Operation):
    reversible = True
    reduces_to_sql = False

    def __init__(self, app_label: str, codenames: list[str]):
        self.app_label = app_label
        self.codenames = list(codenames)

    def deconstruct(self):
        return self.__class__.__name__, [self.app_label, self.codenames], {}

    def state_forwards(self, app_label, state):
        pass  # permissions are rows, not schema

    def _permissions(self, apps, alias: str):
        return (
            apps.get_model("auth", "Permission")
            .objects.using(alias)
            .filter(content_type__app_label=self.app_label, codename__in=self.codenames)
        )

    def _managers(self, apps, alias: str):
        return apps.get_model("auth", "Group").objects.using(alias).filter(name="Manager")

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        apps, alias = to_state.apps, schema_editor.connection.alias
        # Permissions are normally created after all migrations (post_migrate); create them now.
        config = apps.get_app_config(self.app_label)
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0, using=alias)
        config.models_module = None
        permissions = list(self._permissions(apps, alias))
        missing = set(self.codenames) - {permission.codename for permission in permissions}
        if missing:
            raise RuntimeError(f"Missing {self.app_label} permissions: {sorted(missing)}")
        for group in self._managers(apps, alias):
            group.permissions.add(*permissions)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        apps, alias = from_state.apps, schema_editor.connection.alias
        permissions = list(self._permissions(apps, alias))
        for group in self._managers(apps, alias):
            group.permissions.remove(*permissions)

    def describe(self) -> str:
        return f"Let managers use {', '.join(self.codenames)}"
