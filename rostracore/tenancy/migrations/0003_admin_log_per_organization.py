"""The admin's log (`django_admin_log`) is tenant data: object names and change messages.

It gets the organization of the transaction that wrote each entry, and row-level security
(see ScopeByAuthor in rostracore/tenancy/operations.py). Existing entries take their
author's organization.
"""

from django.conf import settings
from django.db import migrations

from rostracore.tenancy.operations import ScopeByAuthor


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0002_policies_per_command"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        migrations.swappable_dependency(settings.TENANT_MODEL),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [ScopeByAuthor("django_admin_log", author_column="user_id")]
