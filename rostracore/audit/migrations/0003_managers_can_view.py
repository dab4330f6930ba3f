"""Managers may read their organization's audit trail in the admin (view only)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    alias = schema_editor.connection.alias
    config = apps.get_app_config("audit")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0, using=alias)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view = Permission.objects.using(alias).get(
        content_type__app_label="audit", codename="view_auditevent"
    )
    for group in Group.objects.using(alias).filter(name="Manager"):
        group.permissions.add(view)


def revoke(apps, schema_editor):
    alias = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.using(alias).filter(name="Manager"):
        group.permissions.remove(
            *Permission.objects.using(alias).filter(
                content_type__app_label="audit", codename="view_auditevent"
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_triggers"),
        ("organizations", "0002_manager_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
