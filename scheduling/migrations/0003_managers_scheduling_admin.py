"""Managers may edit posts, patterns, labour rules, inductions and absences in the admin,
and read roster runs and their draft assignments (runs are made by the roster page)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen here on purpose: a migration must not change when app code does.
PERMISSIONS = {
    "post": "view add change delete",
    "shiftpattern": "view add change delete",
    "labourrules": "view add change delete",
    "siteinduction": "view add change delete",
    "absence": "view add change delete",
    "rosterrun": "view",
    "rosterassignment": "view",
}


def _codenames() -> list[str]:
    return [
        f"{action}_{model}" for model, actions in PERMISSIONS.items() for action in actions.split()
    ]


def grant(apps, schema_editor):
    # The migrating connection (the owner role), not the runtime "default" one.
    alias = schema_editor.connection.alias
    # Permissions are normally created after all migrations (post_migrate); create them now.
    config = apps.get_app_config("scheduling")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0, using=alias)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = _codenames()
    permissions = list(
        Permission.objects.using(alias).filter(
            content_type__app_label="scheduling", codename__in=codenames
        )
    )
    if len(permissions) != len(codenames):
        found = {permission.codename for permission in permissions}
        raise RuntimeError(f"Missing scheduling permissions: {sorted(set(codenames) - found)}")
    for group in Group.objects.using(alias).filter(name="Manager"):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    alias = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.using(alias).filter(
        content_type__app_label="scheduling", codename__in=_codenames()
    )
    for group in Group.objects.using(alias).filter(name="Manager"):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0002_posts_patterns_rules_runs"),
        ("organizations", "0002_manager_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
