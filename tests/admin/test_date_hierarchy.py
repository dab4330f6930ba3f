"""The admin's bounded date hierarchy (rostracore/tenancy/templatetags/tenancy_admin.py)
lists exactly the years, months and days that have rows: the organization's own, on its
wall clock, and every organization's for platform staff.

Its probes are one raw statement compiled from the scoped querysets, so these tests are
also the two-organization test of that statement.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone

from tests.factories import EmployeeFactory, ShiftFactory, SiteFactory

pytestmark = pytest.mark.django_db

EMPLOYEES = "/admin/employees/employee/"
SHIFTS = "/admin/scheduling/shift/"


def _choices(response, field: str, part: str) -> list[int]:
    """The `part` (year, month, day) values the page's date hierarchy links to."""
    assert response.status_code == 200
    nav = re.search(r'<nav class="toplinks".*?</nav>', response.content.decode(), re.S)
    assert nav, "no date hierarchy on the page"
    links = re.findall(r'href="([^"]*)"', nav.group(0))
    values = set()
    for link in links:
        if "date-back" in link:
            continue
        found = re.search(rf"{field}__{part}=(\d+)", link.replace("&amp;", "&"))
        if found:
            values.add(int(found.group(1)))
    return sorted(values)


@pytest.fixture
def hires(org_a, org_b):
    for year, month, day in [(2019, 3, 5), (2021, 7, 1), (2021, 9, 30), (2021, 9, 2)]:
        EmployeeFactory(org=org_a, hire_date=dt.date(year, month, day))
    # Org B's guards, hired in years and months org A has none of.
    EmployeeFactory(org=org_b, hire_date=dt.date(2020, 1, 1))
    EmployeeFactory(org=org_b, hire_date=dt.date(2021, 11, 11))


def test_years_months_and_days_are_the_organizations_own(client_a, hires):
    assert _choices(client_a.get(EMPLOYEES), "hire_date", "year") == [2019, 2021]
    in_2021 = client_a.get(EMPLOYEES, {"hire_date__year": 2021})
    assert _choices(in_2021, "hire_date", "month") == [7, 9]
    in_september = client_a.get(EMPLOYEES, {"hire_date__year": 2021, "hire_date__month": 9})
    assert _choices(in_september, "hire_date", "day") == [2, 30]


def test_the_flex_pool_filter_narrows_the_years(client_a, org_a, hires):
    site = SiteFactory(org=org_a)
    EmployeeFactory(org=org_a, hire_date=dt.date(2016, 1, 1), assigned_client=site.client)
    assert _choices(client_a.get(EMPLOYEES), "hire_date", "year") == [2016, 2019, 2021]
    flex = client_a.get(EMPLOYEES, {"assignment": "flex"})
    assert _choices(flex, "hire_date", "year") == [2019, 2021]


def test_platform_staff_see_every_organizations_years(platform_client, hires):
    response = platform_client.get(EMPLOYEES)
    assert _choices(response, "hire_date", "year") == [2019, 2020, 2021]


def test_shift_months_follow_the_organizations_wall_clock(client_a, org_a, org_b):
    """Johannesburg is UTC+2: 21:30 UTC on 31 March is 23:30 local (March), 22:30 UTC on
    30 April is 00:30 on 1 May (May, not April)."""
    tz = timezone.get_fixed_timezone(0)
    site = SiteFactory(org=org_a)
    for start in [
        dt.datetime(2027, 3, 31, 21, 30, tzinfo=tz),
        dt.datetime(2027, 4, 30, 22, 30, tzinfo=tz),
    ]:
        ShiftFactory(org=org_a, site=site, start=start, end=start + dt.timedelta(hours=8))
    other = dt.datetime(2027, 6, 15, 8, tzinfo=tz)
    ShiftFactory(org=org_b, start=other, end=other + dt.timedelta(hours=8))
    response = client_a.get(SHIFTS, {"start__year": 2027})
    assert _choices(response, "start", "month") == [3, 5]


def test_a_month_lists_the_guards_hired_in_it_on_the_organizations_calendar(client_a, org_a):
    """Django's own bounds for a DateField are aware local midnights, read in UTC: east of
    UTC (Johannesburg, UTC+2) September began on 31 August and ended on 29 September."""
    first = EmployeeFactory(org=org_a, hire_date=dt.date(2021, 9, 1), last_name="First")
    last = EmployeeFactory(org=org_a, hire_date=dt.date(2021, 9, 30), last_name="Last")
    before = EmployeeFactory(org=org_a, hire_date=dt.date(2021, 8, 31), last_name="Before")
    response = client_a.get(EMPLOYEES, {"hire_date__year": 2021, "hire_date__month": 9})
    listed = {employee.pk for employee in response.context["cl"].result_list}
    assert listed == {first.pk, last.pk}
    assert before.pk not in listed
    in_2021 = client_a.get(EMPLOYEES, {"hire_date__year": 2021})
    assert {e.pk for e in in_2021.context["cl"].result_list} == {first.pk, last.pk, before.pk}
