"""A guard's own login: `Employee.user`, of the guard's organization, at most one guard each.

Without a long lock (atomic = False), as 0011: the nullable column is added without a
rewrite, the unique index (org_id, user_id) is built CONCURRENTLY and attached as the
constraint, and the composite foreign key (org_id, user_id) -> organizations_user (org_id,
id) (organizations 0004 made that pair unique) is added NOT VALID, then validated under a
lock that lets reads and writes go on. It is the column's only foreign key: with MATCH
SIMPLE a NULL user passes, any other must be a user of the row's own organization.
DEFERRABLE INITIALLY DEFERRED like the core's composite keys (EnableTenancy).

Reversing drops the key, the constraint and the column.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

SAME_ORG_FK = "employees_user_id_same_org_fk"


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('clients', '0004_tenant_tables'),
        ('employees', '0012_tenant_table'),
        ('organizations', '0004_user_guard_role_and_invitations'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='employee',
            name='user',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='employees', to=settings.AUTH_USER_MODEL),
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=[
                        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS employees_user_per_org "
                        "ON employees (org_id, user_id)",
                        "ALTER TABLE employees ADD CONSTRAINT employees_user_per_org "
                        "UNIQUE USING INDEX employees_user_per_org",
                    ],
                    reverse_sql="ALTER TABLE employees DROP CONSTRAINT IF EXISTS employees_user_per_org",
                ),
            ],
            state_operations=[
                migrations.AddConstraint(
                    model_name='employee',
                    constraint=models.UniqueConstraint(fields=('org', 'user'), name='employees_user_per_org'),
                ),
            ],
        ),
        migrations.RunSQL(
            sql=[
                f"ALTER TABLE employees ADD CONSTRAINT {SAME_ORG_FK} "
                "FOREIGN KEY (org_id, user_id) REFERENCES organizations_user (org_id, id) "
                "DEFERRABLE INITIALLY DEFERRED NOT VALID",
                f"ALTER TABLE employees VALIDATE CONSTRAINT {SAME_ORG_FK}",
            ],
            reverse_sql=f"ALTER TABLE employees DROP CONSTRAINT IF EXISTS {SAME_ORG_FK}",
        ),
    ]
