"""The pay schedule's periods, the close service and the admin: figures and two orgs."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from payroll.hours import PayCategory
from payroll.models import PayLine, PayPeriod, PaySchedule
from payroll.periods import compute_month
from payroll.services import close_pay_period, save_pay_schedule
from rostracore.tenancy.context import use_org
from scheduling.models import Absence
from tests.factories import AbsenceFactory, LabourRulesFactory
from tests.payroll.conftest import DEC, at

D = dt.date


@pytest.mark.parametrize(
    ("frequency", "first", "day", "expected"),
    [
        # Weekly from Mon 3 Dec 2029: Wed 19 Dec is in Mon 17 - Sun 23.
        ("weekly", D(2029, 12, 3), D(2029, 12, 19), (D(2029, 12, 17), D(2029, 12, 24))),
        # Fortnightly from Mon 3 Dec: 3-16, 17-30; and before the first period.
        ("fortnightly", D(2029, 12, 3), D(2029, 12, 30), (D(2029, 12, 17), D(2029, 12, 31))),
        ("fortnightly", D(2029, 12, 17), D(2029, 12, 5), (D(2029, 12, 3), D(2029, 12, 17))),
        # Monthly from the 25th: 5 Dec is in 25 Nov - 24 Dec.
        ("monthly", D(2026, 1, 25), D(2029, 12, 5), (D(2029, 11, 25), D(2029, 12, 25))),
    ],
)
def test_schedule_periods(frequency, first, day, expected):
    schedule = PaySchedule(frequency=frequency, first_period_start=first)
    assert schedule.period_of(day) == expected
    assert schedule.is_period_start(expected[0])
    assert not schedule.is_period_start(day)


def test_monthly_periods_over_a_year_end():
    schedule = PaySchedule(frequency="monthly", first_period_start=dt.date(2026, 1, 1))
    assert schedule.periods_before(dt.date(2030, 1, 10), 3) == [
        (dt.date(2030, 1, 1), dt.date(2030, 2, 1)),
        (dt.date(2029, 12, 1), dt.date(2030, 1, 1)),
        (dt.date(2029, 11, 1), dt.date(2029, 12, 1)),
    ]


def test_database_refuses_a_monthly_schedule_on_the_29th(org_a):
    with use_org(org_a), pytest.raises(IntegrityError), transaction.atomic():
        PaySchedule.objects.create(first_period_start=dt.date(2026, 1, 29))


def test_save_pay_schedule_reports_the_field(org_a, manager_a):
    with use_org(org_a):
        schedule = PaySchedule(holiday_country="ZA", holiday_subdivision="XX")
        with pytest.raises(ValidationError) as error:
            save_pay_schedule(user=manager_a, schedule=schedule)
        assert "holiday_subdivision" in error.value.message_dict
        assert not PaySchedule.objects.exists()


def test_close_refuses_a_date_that_starts_no_period(org_a, manager_a, payroll_world):
    with use_org(org_a):
        with pytest.raises(ValidationError) as error:
            close_pay_period(user=manager_a, start_date=dt.date(2029, 12, 2))
        assert error.value.message_dict == {
            "start_date": ["02 Dec 2029 does not start a pay period."]
        }
        assert not PayPeriod.objects.exists()


def test_close_refuses_overlap_with_a_period_closed_under_another_schedule(
    org_a, manager_a, payroll_world
):
    with use_org(org_a):
        close_pay_period(user=manager_a, start_date=DEC)
        PaySchedule.objects.update(frequency="weekly", first_period_start=dt.date(2029, 12, 3))
        with pytest.raises(ValidationError, match="in a closed pay period"):
            close_pay_period(user=manager_a, start_date=dt.date(2029, 12, 24))
        assert PayPeriod.objects.count() == 1


def test_close_snapshots_only_its_own_organization(org_a, org_b, manager_a, payroll_world):
    with use_org(org_a):
        period = close_pay_period(user=manager_a, start_date=DEC)
        assert set(PayLine.objects.values_list("employee_number", flat=True)) == {"Alpha-7"}
        assert period.closed_by == manager_a
    with use_org(org_b):
        assert not PayPeriod.objects.exists() and not PayLine.objects.exists()


def test_close_includes_leave_and_labour_rules_thresholds(org_a, manager_a, payroll_world):
    guard = payroll_world["alpha"]["guard"]
    # Daily threshold 6 h: Thu 20 Dec 08:00-16:00 = 360 ordinary + 120 overtime; Sun 16 Dec
    # is a holiday (720 rostered PH, beyond the threshold but PH wins).
    LabourRulesFactory(org=org_a, daily_ordinary_hours=6)
    # Leave Fri 21 Dec 00:00 -> Sat 22 Dec 12:00: Fri 8 h (capped) + Sat 12 h -> 8 h = 960.
    AbsenceFactory(
        org=org_a, employee=guard, kind=Absence.Kind.LEAVE, start=at(21, 0), end=at(22, 12)
    )
    with use_org(org_a):
        close_pay_period(user=manager_a, start_date=DEC)
        lines = {
            line.category: (line.rostered_minutes, line.attended_minutes)
            for line in PayLine.objects.all()
        }
    # Attended 08:12-20:00 on the 16th = 708 PH.
    assert lines == {
        "ORD": (360, 360),
        "OT": (120, 120),
        "PH": (720, 708),
        "NIGHT": (120, 120),
        "LEAVE": (960, 960),
    }


def test_compute_month_is_one_organizations(org_a, org_b, payroll_world):
    hours = compute_month(org_a, DEC)
    assert [h.number for h in hours] == ["Alpha-7"]
    assert hours[0].rostered[PayCategory.PUBLIC_HOLIDAY] == 720


# --- the admin -----------------------------------------------------------------------------


def test_admin_edits_own_schedule_and_shows_lines_read_only(
    client, manager_a, org_a, org_b, payroll_world
):
    with use_org(org_b):
        b_schedule = PaySchedule.objects.get()
    with use_org(org_a):
        schedule = PaySchedule.objects.get()
        close_pay_period(user=manager_a, start_date=DEC)
        line = PayLine.objects.first()
    manager_a.groups.add(Group.objects.get(name="Manager"))  # organizations 0002
    client.force_login(manager_a)
    url = reverse("admin:payroll_payschedule_change", args=[schedule.pk])
    response = client.post(
        url,
        {
            "frequency": "weekly",
            "first_period_start": "2029-12-03",
            "week_starts_on": "0",
            "holiday_country": "ZA",
            "holiday_subdivision": "",
            "pay_source": "roster",
            "billing_source": "attendance",
        },
    )
    assert response.status_code == 302
    with use_org(org_a):
        assert PaySchedule.objects.get().billing_source == "attendance"
    # B's schedule is a 404-like redirect for A; a line has no change form that saves.
    other = client.get(reverse("admin:payroll_payschedule_change", args=[b_schedule.pk]))
    assert other.status_code in (302, 404)
    with use_org(org_b):
        assert PaySchedule.objects.get().frequency == "monthly"
    page = client.get(reverse("admin:payroll_payline_change", args=[line.pk]))
    assert page.status_code == 200 and "Save" not in page.content.decode()
    lines = client.get(reverse("admin:payroll_payline_changelist")).content.decode()
    assert "AlphaPay AlphaGuard" in lines and "CANARYB" not in lines
