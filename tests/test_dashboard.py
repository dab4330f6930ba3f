"""The manager dashboard (rostracore/views.py) and its coverage selector, with two
organizations: B's rows carry "CANARYB" and B's shifts must never be counted for A."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from rostracore.dashboard import DayCoverage, coverage_by_day
from rostracore.tenancy.context import NoOrganizationError, use_org
from tests.factories import ClientFactory, EmployeeFactory, ShiftFactory

# A page flow runs like production: no outer transaction, each request in its own
# ATOMIC_REQUESTS transaction (the owner empties the tables afterwards).
pytestmark = pytest.mark.django_db(transaction=True)

JOBURG = zoneinfo.ZoneInfo("Africa/Johannesburg")


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=JOBURG)


@pytest.fixture
def week(two_orgs, org_a, org_b):
    """A: day 0 has 2 filled + 1 open, days 2 and 6 one open each; B's shifts must not count.

    Returns today's date in Johannesburg (the organizations' timezone).
    """
    today = timezone.localdate(timezone=JOBURG)
    a, b = two_orgs["alpha"], two_orgs["bravo"]
    ShiftFactory(org=org_a, site=a["site"], employee=a["dedicated"], start=_at(today, 6))
    ShiftFactory(org=org_a, site=a["site"], employee=a["flex"], start=_at(today, 18))
    ShiftFactory(org=org_a, site=a["site"], start=_at(today, 20))
    ShiftFactory(org=org_a, site=a["site"], start=_at(today + dt.timedelta(days=2), 7))
    # 01:00 on day 6 in Johannesburg is 23:00 UTC on day 5: it counts on the local day.
    ShiftFactory(org=org_a, site=a["site"], start=_at(today + dt.timedelta(days=6), 1))
    # Outside the week: yesterday, and midnight at the start of day 7.
    ShiftFactory(org=org_a, site=a["site"], start=_at(today - dt.timedelta(days=1), 7))
    ShiftFactory(org=org_a, site=a["site"], start=_at(today + dt.timedelta(days=7), 0))
    for offset in range(4):
        ShiftFactory(
            org=org_b,
            site=b["site"],
            employee=b["dedicated"] if offset % 2 else None,
            start=_at(today + dt.timedelta(days=offset), 9),
        )
    return today


def test_coverage_by_day_counts_filled_and_open_per_local_day(week, org_a):
    with use_org(org_a), timezone.override(JOBURG):
        coverage = coverage_by_day(week, days=7)
    assert [(c.filled, c.open) for c in coverage] == [
        (2, 1),
        (0, 0),
        (0, 1),
        (0, 0),
        (0, 0),
        (0, 0),
        (0, 1),
    ]
    assert [c.day for c in coverage] == [week + dt.timedelta(days=i) for i in range(7)]


def test_coverage_by_day_fails_closed_without_an_organization(db):
    with pytest.raises(NoOrganizationError):
        coverage_by_day(dt.date(2026, 1, 1), days=7)


def test_dashboard_shows_counts_and_coverage_chart_of_own_org_only(client, manager_a, week):
    ClientFactory(org=manager_a.org, client_name="Dormant", is_active=False)
    EmployeeFactory(org=manager_a.org, first_name="Gone", is_active=False)
    client.force_login(manager_a)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    counts = response.context["counts"]
    # two_orgs gives A one dedicated and one flex active guard, one active client, one site.
    assert (counts.employees, counts.dedicated, counts.flex, counts.clients, counts.sites) == (
        2,
        1,
        1,
        1,
        1,
    )
    assert response.context["coverage"][0] == DayCoverage(day=week, filled=2, open=1)
    html = response.content.decode()
    assert "CANARYB" not in html
    assert "Bravo" not in html
    assert "3 open shifts still need a guard this week." in html
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg
    # 1 filled bar (day 0) and 3 open bars (days 0, 2, 6).
    assert len(re.findall(r'<rect class="filled"', svg)) == 1
    assert len(re.findall(r'<rect class="open"', svg)) == 3
    assert ">2/3<" in svg


def test_dashboard_with_no_shifts_says_so(client, manager_a, two_orgs):
    client.force_login(manager_a)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Every shift this week has a guard." in html
    assert '<rect class="filled"' not in html
    assert "CANARYB" not in html


def test_base_layout_shows_the_users_organization_and_a_skip_link(client, manager_b, two_orgs):
    client.force_login(manager_b)
    html = client.get(reverse("dashboard")).content.decode()
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert re.search(r'class="org"[^>]*>Bravo Security<', html)
    assert "Alpha" not in html
