import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from attendance.models import Attendance
from rostracore.tenancy.context import use_org
from tests.factories import EmployeeFactory, PayScheduleFactory, ShiftFactory, SiteFactory

JHB = ZoneInfo("Africa/Johannesburg")
# December 2029: a monthly period from the 1st (PayScheduleFactory).
DEC = dt.date(2029, 12, 1)


def at(d: int, hh: int, mm: int = 0, month: int = 12, year: int = 2029) -> dt.datetime:
    return dt.datetime(year, month, d, hh, mm, tzinfo=JHB)


def worked(org, employee, start, end, *, clock_in=None, clock_out=None, site=None):
    """A shift published to `employee`, and its attendance when clock times are given."""
    shift = ShiftFactory(
        org=org, site=site or SiteFactory(org=org), employee=employee, start=start, end=end
    )
    if clock_in is not None:
        with use_org(org):
            Attendance.objects.create(
                shift=shift,
                employee=employee,
                clock_in_at=clock_in,
                clock_in_source="manager",
                clock_out_at=clock_out,
                clock_out_source="manager" if clock_out else "",
            )
    return shift


@pytest.fixture
def payroll_world(org_a, org_b):
    """Each organization with a monthly schedule and one guard who worked in December 2029:
    A's guard Sun 16 Dec 08:00-20:00 rostered (720 PH, night 18:00-20:00 = 120) and attended
    08:12-20:00 (708 PH, night 120); Thu 20 Dec 08:00-16:00 rostered and attended (480
    ordinary). B's guard carries the canary and works the same days."""
    rows = {}
    for org, tag in ((org_a, "Alpha"), (org_b, "CANARYB")):
        PayScheduleFactory(org=org)
        guard = EmployeeFactory(
            org=org, first_name=f"{tag}Pay", last_name=f"{tag}Guard", employee_number=f"{tag}-7"
        )
        site = SiteFactory(org=org)
        worked(
            org,
            guard,
            at(16, 8),
            at(16, 20),
            clock_in=at(16, 8, 12),
            clock_out=at(16, 20),
            site=site,
        )
        worked(
            org, guard, at(20, 8), at(20, 16), clock_in=at(20, 8), clock_out=at(20, 16), site=site
        )
        rows[org.slug] = {"guard": guard, "site": site}
    return rows
