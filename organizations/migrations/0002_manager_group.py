"""The "Manager" permission group: what a company's manager may do in the admin.

`create_manager` and the admin's user page put new managers in it. The list is frozen here
on purpose (a migration must not change when app code does); a later migration extends it
when a new model needs manager permissions.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Manager"
PERMISSIONS = {
    "clients": {"client": "view add change delete", "site": "view add change delete"},
    "employees": {"employee": "view add change delete"},
    "scheduling": {"shift": "view add change delete"},
    "organizations": {"user": "view add change"},
}


def create_manager_group(apps, schema_editor):
    # The migrating connection (the owner role), not the runtime "default" one.
    alias = schema_editor.connection.alias
    # Permissions are normally created after all migrations (post_migrate); create them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=alias)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.using(alias).get_or_create(name=GROUP)
    for app_label, models in PERMISSIONS.items():
        for model, actions in models.items():
            codenames = [f"{action}_{model}" for action in actions.split()]
            permissions = Permission.objects.using(alias).filter(
                content_type__app_label=app_label, codename__in=codenames
            )
            if len(permissions) != len(codenames):
                raise RuntimeError(f"Missing permissions for {app_label}.{model}: {codenames}")
            group.permissions.add(*permissions)


def delete_manager_group(apps, schema_editor):
    alias = schema_editor.connection.alias
    apps.get_model("auth", "Group").objects.using(alias).filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("clients", "0001_initial"),
        ("employees", "0008_psira_number_validator"),
        ("scheduling", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_manager_group, delete_manager_group)]
