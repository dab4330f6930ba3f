"""Managers may edit charge rates in the admin (the rates page needs no permission)."""

from django.db import migrations

from organizations.operations import GrantToManagers

# Frozen here on purpose: a migration must not change when app code does.
CODENAMES = ["view_chargerate", "add_chargerate", "change_chargerate", "delete_chargerate"]


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0001_charge_rates"),
        ("organizations", "0002_manager_group"),
    ]

    operations = [GrantToManagers("billing", CODENAMES)]
