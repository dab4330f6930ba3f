"""Managers may read attendance and its event log in the admin; every write goes through
attendance/services.py (the guard's My shifts, the manager's attendance page)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen here on purpose: a migration must not change when app code does.
CODENAMES = ["view_attendance", "view_attendanceevent"]


def grant(apps, schema_editor):
    # The migrating connection (the owner role), not the runtime "default" one.
    alias = schema_editor.connection.alias
    # Permissions are normally created after all migrations (post_migrate); create them now.
    config = apps.get_app_config("attendance")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0, using=alias)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = list(
        Permission.objects.using(alias).filter(
            content_type__app_label="attendance", codename__in=CODENAMES
        )
    )
    if len(permissions) != len(CODENAMES):
        raise RuntimeError("Missing attendance permissions")
    for group in Group.objects.using(alias).filter(name="Manager"):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    alias = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.using(alias).filter(
        content_type__app_label="attendance", codename__in=CODENAMES
    )
    for group in Group.objects.using(alias).filter(name="Manager"):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("attendance", "0001_initial"),
        ("organizations", "0002_manager_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
