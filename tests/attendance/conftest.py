import datetime as dt

import pytest
from django.utils import timezone

from rostracore.tenancy.context import use_org
from tests.factories import GuardUserFactory, ShiftFactory, SiteFactory


def employee_of(user):
    with use_org(user.org):
        return user.employees.get()


def now_minute() -> dt.datetime:
    return timezone.now().replace(second=0, microsecond=0)


def published_shift(org, employee, *, start=None, hours=8, site=None, **kwargs):
    """A shift published to `employee` (ShiftFactory publishes the guard it is given)."""
    start = start or now_minute() + dt.timedelta(minutes=30)
    return ShiftFactory(
        org=org,
        site=site or SiteFactory(org=org),
        employee=employee,
        start=start,
        end=start + dt.timedelta(hours=hours),
        **kwargs,
    )


@pytest.fixture
def guard_a(org_a):
    return GuardUserFactory(org=org_a, username="gina@alpha.example", employee__first_name="Gina")


@pytest.fixture
def guard_a2(org_a):
    return GuardUserFactory(org=org_a, username="otto@alpha.example", employee__first_name="Otto")


@pytest.fixture
def guard_b(org_b):
    return GuardUserFactory(org=org_b, username="bea@bravo.example", employee__first_name="Bea")
