"""Board edits: the working roster (`employee`) apart from what was published
(`published_employee`), pins, and the published changes guards are told about."""


import django.db.models.deletion
import django.db.models.manager
from django.conf import settings
from django.db import migrations, models, transaction

from rostracore.audit.operations import AuditChanges
from rostracore.tenancy.operations import EnableTenancy


BATCH_SIZE = 50_000


def published_as_assigned(apps, schema_editor):
    """Until now a shift's guard was the published one (runs published straight onto it).
    On the migrating connection (the owner role, which row-level security lets through), in
    batches of ids, each its own transaction."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM scheduling_shift")
        low, high = cursor.fetchone()
        while low is not None and low <= high:
            with transaction.atomic(using=connection.alias):
                cursor.execute(
                    "UPDATE scheduling_shift SET published_employee_id = employee_id "
                    "WHERE id >= %s AND id < %s AND employee_id IS NOT NULL",
                    [low, low + BATCH_SIZE],
                )
            low += BATCH_SIZE


class Migration(migrations.Migration):
    atomic = False  # EnableTenancy builds its indexes CONCURRENTLY

    dependencies = [
        ('clients', '0004_tenant_tables'),
        ('employees', '0013_employee_user'),
        ('organizations', '0004_user_guard_role_and_invitations'),
        ('scheduling', '0008_tenant_tables'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ShiftChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('published_at', models.DateTimeField()),
            ],
            options={
                'ordering': ['-published_at', '-pk'],
                'abstract': False,
                'base_manager_name': 'scoped_base',
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('scoped_base', django.db.models.manager.Manager()),
            ],
        ),
        migrations.AddField(
            model_name='shift',
            name='pinned',
            field=models.BooleanField(default=False, help_text="The optimizer keeps this shift's guard as it is."),
        ),
        migrations.AddField(
            model_name='shift',
            name='published_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='shift',
            name='published_employee',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='published_shifts', to='employees.employee'),
        ),
        migrations.AddIndex(
            model_name='shift',
            index=models.Index(condition=models.Q(('published_employee__isnull', False)), fields=['org', 'published_employee', 'start'], name='scheduling_shift_published'),
        ),
        migrations.AddField(
            model_name='shiftchange',
            name='employee',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='employees.employee'),
        ),
        migrations.AddField(
            model_name='shiftchange',
            name='org',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='%(class)ss', to='organizations.organization', verbose_name='organization'),
        ),
        migrations.AddField(
            model_name='shiftchange',
            name='previous_employee',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='employees.employee'),
        ),
        migrations.AddField(
            model_name='shiftchange',
            name='published_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='shiftchange',
            name='shift',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='changes', to='scheduling.shift'),
        ),
        migrations.AddIndex(
            model_name='shiftchange',
            index=models.Index(fields=['org', 'employee', 'published_at'], name='scheduling_change_to_guard'),
        ),
        migrations.AddIndex(
            model_name='shiftchange',
            index=models.Index(fields=['org', 'previous_employee', 'published_at'], name='scheduling_change_from_guard'),
        ),
        migrations.AddConstraint(
            model_name='shiftchange',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('previous_employee__isnull', False), ('employee__isnull', False), _connector='OR'), models.Q(('previous_employee', models.F('employee')), _negated=True)), name='scheduling_shiftchange_changes_something'),
        ),
        migrations.RunPython(published_as_assigned, migrations.RunPython.noop, elidable=True),
        EnableTenancy("scheduling.Shift", "scheduling.ShiftChange"),
        AuditChanges("scheduling.ShiftChange"),
    ]
