import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from billing.models import ChargeRate
from rostracore.tenancy.context import use_org
from tests.factories import ClientFactory, EmployeeFactory, PostFactory, ShiftFactory, SiteFactory

JOHANNESBURG = ZoneInfo("Africa/Johannesburg")


def rate(org, client, hourly, *, site=None, post=None, sunday="1.50", holiday="2.00"):
    with use_org(org):
        return ChargeRate.objects.create(
            client=client,
            site=site,
            post=post,
            hourly_rate=Decimal(hourly),
            sunday_multiplier=Decimal(sunday),
            public_holiday_multiplier=Decimal(holiday),
        )


def local(day: str, time: str, tz=JOHANNESBURG) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=tz)


@pytest.fixture
def december(org_a):
    """Org A's client with two sites, rates and December 2029's published shifts (the
    hand-computed figures are in tests/billing/test_invoices.py)."""
    client = ClientFactory(org=org_a, client_name="Tshwane Metro")
    depot = SiteFactory(org=org_a, client=client, name="A Depot")
    yard = SiteFactory(org=org_a, client=client, name="B Yard")
    gate = PostFactory(org=org_a, site=yard, name="Gate")
    rate(org_a, client, "100.00", sunday="1.50", holiday="2.00")
    rate(org_a, client, "120.00", site=yard, sunday="1.50", holiday="2.50")
    rate(org_a, client, "99.90", site=yard, post=gate)
    guard = EmployeeFactory(org=org_a)
    shifts = [
        (depot, None, local("2029-11-30", "18:00"), local("2029-12-01", "06:00")),
        (depot, None, local("2029-12-04", "08:00"), local("2029-12-04", "16:30")),
        (depot, None, local("2029-12-09", "06:00"), local("2029-12-09", "18:00")),
        (depot, None, local("2029-12-15", "18:00"), local("2029-12-16", "06:00")),
        (depot, None, local("2029-12-17", "06:00"), local("2029-12-17", "18:00")),
        (yard, gate, local("2029-12-05", "08:00"), local("2029-12-05", "09:01")),
        (yard, None, local("2029-12-25", "07:00"), local("2029-12-25", "15:00")),
        (yard, None, local("2029-12-31", "18:00"), local("2030-01-01", "06:00")),
    ]
    for site, post, start, end in shifts:
        ShiftFactory(org=org_a, site=site, post=post, start=start, end=end, employee=guard)
    # Not billed: an open shift, an unpublished hand edit, another client's shift.
    ShiftFactory(org=org_a, site=depot, start=local("2029-12-10", "06:00"))
    ShiftFactory(
        org=org_a,
        site=depot,
        start=local("2029-12-11", "06:00"),
        employee=guard,
        published_employee=None,
    )
    ShiftFactory(org=org_a, start=local("2029-12-12", "06:00"), employee=guard)
    return {"client": client, "depot": depot, "yard": yard, "gate": gate, "guard": guard}
