"""Open-shift pick-ups and swaps: guards' requests about published shifts."""

import django.db.models.deletion
import django.db.models.manager
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from rostracore.audit.operations import AuditChanges
from rostracore.tenancy.operations import EnableTenancy


class Migration(migrations.Migration):
    atomic = False  # EnableTenancy builds its indexes CONCURRENTLY

    dependencies = [
        ('employees', '0014_employee_roster_seen_at'),
        ('guards', '0001_leave_requests'),
        ('organizations', '0005_auto_approve_pickups'),
        ('scheduling', '0009_board_edits'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ShiftRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('pickup', 'Open-shift pick-up'), ('swap', 'Swap')], max_length=10)),
                ('status', models.CharField(choices=[('pending', 'Pending'), ('accepted', 'Taken, waiting for approval'), ('approved', 'Approved'), ('declined', 'Declined'), ('cancelled', 'Cancelled')], default='pending', max_length=20)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('taken_at', models.DateTimeField(blank=True, null=True)),
                ('decided_at', models.DateTimeField(blank=True, null=True)),
                ('decline_reason', models.CharField(blank=True, max_length=500)),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('employee', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='shift_requests', to='employees.employee')),
                ('org', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='%(class)ss', to='organizations.organization', verbose_name='organization')),
                ('shift', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='guard_requests', to='scheduling.shift')),
                ('taker', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='taken_swaps', to='employees.employee')),
            ],
            options={
                'ordering': ['created_at', 'pk'],
                'abstract': False,
                'base_manager_name': 'scoped_base',
                'indexes': [models.Index(fields=['org', 'status', 'created_at'], name='guards_shiftreq_inbox')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('status__in', ['pending', 'accepted'])), fields=('org', 'employee', 'shift'), name='guards_shiftrequest_one_open_per_guard'), models.UniqueConstraint(condition=models.Q(('kind', 'swap'), ('status__in', ['pending', 'accepted'])), fields=('org', 'shift'), name='guards_shiftrequest_one_open_offer'), models.CheckConstraint(condition=models.Q(models.Q(('kind', 'pickup'), ('taker__isnull', True)), models.Q(('kind', 'swap'), ('status', 'pending'), ('taker__isnull', True)), models.Q(('kind', 'swap'), ('status', 'cancelled')), models.Q(('kind', 'swap'), ('status', 'declined')), models.Q(('kind', 'swap'), ('taker__isnull', False), models.Q(('taker', models.F('employee')), _negated=True)), _connector='OR'), name='guards_shiftrequest_taker_fits_kind')],
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('scoped_base', django.db.models.manager.Manager()),
            ],
        ),
        EnableTenancy("guards.ShiftRequest"),
        AuditChanges("guards.ShiftRequest"),
    ]
