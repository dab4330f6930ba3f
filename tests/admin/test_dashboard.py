"""The admin index: the organization's dashboard; for platform staff, every organization."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.utils import timezone

from rostracore.dashboard import dashboards_per_org, week_bounds
from tests.admin.conftest import CANARY
from tests.factories import OrganizationFactory, ShiftFactory

# A page flow runs like production: no outer transaction, each request in its own
# ATOMIC_REQUESTS transaction (the owner empties the tables afterwards).
pytestmark = pytest.mark.django_db(transaction=True)


def _this_week(org, days: float, hours: float = 0) -> dt.datetime:
    start, _ = week_bounds(timezone.now(), zoneinfo.ZoneInfo(org.timezone))
    return start + dt.timedelta(days=days, hours=hours)


def _add_week_shifts(world) -> None:
    """On top of world's 2 shifts per org (starting within ~1 day of now): A gets one more
    filled and one more open shift this week, and one open shift next week."""
    a = world["alpha"]
    org = a["org"]
    ShiftFactory(org=org, site=a["site"], start=_this_week(org, 0, 0.5))  # Monday 00:30
    ShiftFactory(org=org, site=a["site"], start=_this_week(org, 7, 1))  # next week
    ShiftFactory(org=org, site=a["site"], start=_this_week(org, -1))  # last Sunday


def _cards(page: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'id="count-(\w+)">(\d+)<', page)}


def _expected_week_counts(world, slug):
    data = world[slug]
    start, end = week_bounds(timezone.now(), zoneinfo.ZoneInfo(data["org"].timezone))
    in_week = [s for s in (data["shift"], data["open_shift"]) if start <= s.start < end]
    return len(in_week), sum(1 for s in in_week if s.employee_id is None)


def test_manager_dashboard_counts(client_a, world):
    _add_week_shifts(world)
    response = client_a.get("/admin/")
    page = response.content.decode()
    shifts, open_shifts = _expected_week_counts(world, "alpha")
    assert _cards(page) == {
        "employees": 2,
        "dedicated": 1,
        "flex": 1,
        "clients": 1,
        "sites": 1,
        "shifts": shifts + 1,
        "open": open_shifts + 1,
    }
    assert CANARY not in page
    assert "dashboard-per-org" not in page


def test_platform_dashboard_table_has_every_org(platform_client, world):
    _add_week_shifts(world)
    page = platform_client.get("/admin/").content.decode()
    table = page[page.index('id="dashboard-per-org"') :]
    rows = re.findall(r"<tr>\s*<th scope=\"row\"><a [^>]*>([^<]+)</a></th>(.*?)</tr>", table, re.S)
    numbers = {name: [int(n) for n in re.findall(r">(\d+)</td>", cells)] for name, cells in rows}
    a_shifts, a_open = _expected_week_counts(world, "alpha")
    b_shifts, b_open = _expected_week_counts(world, "bravo")
    assert numbers == {
        "Alpha Guarding": [2, 1, 1, 1, 1, a_shifts + 1, a_open + 1],
        f"{CANARY} Bravo": [2, 1, 1, 1, 1, b_shifts, b_open],
    }


def test_platform_table_is_one_query_however_many_orgs(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert len(dashboards_per_org()) == 2
    for n in range(5):
        OrganizationFactory(slug=f"extra-{n}")
    with django_assert_num_queries(1):
        assert len(dashboards_per_org()) == 7


def test_week_is_the_organizations_own_week():
    joburg = zoneinfo.ZoneInfo("Africa/Johannesburg")
    # Sunday 23:30 UTC is already Monday 01:30 in Johannesburg: a new week there.
    now = dt.datetime(2026, 11, 29, 23, 30, tzinfo=dt.UTC)
    start, end = week_bounds(now, joburg)
    assert start == dt.datetime(2026, 11, 30, 0, 0, tzinfo=joburg)
    assert end - start == dt.timedelta(days=7)
