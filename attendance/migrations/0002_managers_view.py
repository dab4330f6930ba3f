"""Managers may read attendance and its event log in the admin; every write goes through
attendance/services.py (the guard's My shifts, the manager's attendance page)."""

from django.db import migrations

from organizations.operations import GrantToManagers

# Frozen here on purpose: a migration must not change when app code does.
CODENAMES = ["view_attendance", "view_attendanceevent"]


class Migration(migrations.Migration):
    dependencies = [
        ("attendance", "0001_initial"),
        ("organizations", "0002_manager_group"),
    ]

    operations = [GrantToManagers("attendance", CODENAMES)]
