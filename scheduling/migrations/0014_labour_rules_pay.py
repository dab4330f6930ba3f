"""Payroll thresholds on the labour rules (payroll.hours.PayRules): an optional daily
ordinary-hours threshold, the night allowance's hours and the paid hours of a leave day.
Weekly overtime starts after the existing `max_weekly_hours`."""

import datetime

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('scheduling', '0013_labour_rules_attendance'),
    ]

    operations = [
        migrations.AddField(
            model_name='labourrules',
            name='daily_ordinary_hours',
            field=models.PositiveSmallIntegerField(blank=True, help_text='Hours of one day\'s shifts beyond this are overtime. Blank: weekly only.', null=True, validators=[django.core.validators.MaxValueValidator(24)], verbose_name='ordinary hours a day (payroll)'),
        ),
        migrations.AddField(
            model_name='labourrules',
            name='leave_day_hours',
            field=models.PositiveSmallIntegerField(default=8, help_text='48 ordinary hours over six days.', validators=[django.core.validators.MaxValueValidator(24)], verbose_name='paid hours of a leave day'),
        ),
        migrations.AddField(
            model_name='labourrules',
            name='night_end',
            field=models.TimeField(default=datetime.time(6, 0), help_text='BCEA night work: 06:00.', verbose_name='night allowance until'),
        ),
        migrations.AddField(
            model_name='labourrules',
            name='night_start',
            field=models.TimeField(default=datetime.time(18, 0), help_text='BCEA night work: 18:00.', verbose_name='night allowance from'),
        ),
        migrations.AddConstraint(
            model_name='labourrules',
            constraint=models.CheckConstraint(condition=models.Q(('daily_ordinary_hours__isnull', True), models.Q(('daily_ordinary_hours__gte', 1), ('daily_ordinary_hours__lte', 24)), _connector='OR'), name='scheduling_labourrules_daily_ordinary_valid', violation_error_message='Ordinary hours a day must be 1 to 24, or blank.'),
        ),
        migrations.AddConstraint(
            model_name='labourrules',
            constraint=models.CheckConstraint(condition=models.Q(('leave_day_hours__gte', 1), ('leave_day_hours__lte', 24)), name='scheduling_labourrules_leave_day_valid', violation_error_message='A leave day must be 1 to 24 hours.'),
        ),
        migrations.AddConstraint(
            model_name='labourrules',
            constraint=models.CheckConstraint(condition=models.Q(('night_start', models.F('night_end')), _negated=True), name='scheduling_labourrules_night_not_empty', violation_error_message='The night allowance must start and end at different times'),
        ),
    ]
