"""Page weight of My shifts (/me/): guards load it on cheap phones over mobile data. The
bytes of the response for 20 upcoming shifts are pinned under a ceiling chosen from a
measurement, and the number of queries is the same for 5 shifts as for 500."""

import datetime as dt
import gzip
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rostracore.tenancy.context import use_org
from scheduling.models import Shift
from tests.factories import GuardUserFactory, PostFactory, SiteFactory

pytestmark = pytest.mark.django_db

MY_SHIFTS = reverse("guards:my_shifts")
# Measured 2026-12-02: 7,034 bytes (1,285 gzipped) for 20 upcoming shifts, each with
# its site, address and post, plus the last four weeks' hours and the calendar link. The
# ceiling leaves room for wording (and the first shift's "Clock in" form), not for a second
# copy of the list or an inline script.
CEILING_20_SHIFTS = 8_500
# Measured: 9, whatever the number of shifts (the session, the user, the organization and the
# employee of every guard page; the upcoming shifts; the hours in one aggregate; the
# published changes since the guard last looked; the rest is the request's transaction
# bookkeeping).
QUERIES = 9


@pytest.fixture
def guard(org_a):
    return GuardUserFactory(org=org_a, username="gina@alpha.example")


def _shifts(guard, count: int, *, upcoming: bool) -> None:
    """`count` shifts of the guard: upcoming (within the page's window) or spread over the
    last weeks and the coming ones."""
    with use_org(guard.org):
        employee = guard.employees.get()
        site = SiteFactory(org=guard.org, name="Menlyn Maine", address="200 Amarand Ave, Pretoria")
        post = PostFactory(org=guard.org, site=site, name="Main gate")
        now = timezone.now().replace(minute=0, second=0, microsecond=0)
        base = now + dt.timedelta(hours=1) if upcoming else now - dt.timedelta(days=30)
        step = 48 if upcoming else 3  # hours: 20 upcoming in 40 days; 500 over two months
        Shift.objects.bulk_create(
            Shift(
                site=site,
                post=post,
                employee=employee,
                published_employee=employee,
                start=base + dt.timedelta(hours=step * n),
                end=base + dt.timedelta(hours=step * n + 2),
            )
            for n in range(count)
        )


def test_my_shifts_for_20_shifts_stays_under_the_ceiling(client, guard):
    _shifts(guard, 20, upcoming=True)
    client.force_login(guard)
    response = client.get(MY_SHIFTS)
    assert response.status_code == 200
    assert len(response.context["upcoming"]) == 20
    size = len(response.content)
    gzipped = len(gzip.compress(response.content))
    print(f"\nMy shifts, 20 upcoming shifts: {size} bytes, {gzipped} gzipped")
    assert size < CEILING_20_SHIFTS, size
    # The one script is the clock-in's location (the first shift starts within the hour, so
    # it has a "Clock in" button): a small static file, never an inline script.
    scripts = re.findall(rb"<script[^>]*>", response.content)
    assert scripts == [b'<script src="/static/attendance/clock.js" defer>'], scripts


def _queries_for(client, guard, count: int) -> int:
    _shifts(guard, count, upcoming=False)
    client.force_login(guard)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(MY_SHIFTS)
    assert response.status_code == 200
    return len(captured)


def test_the_query_count_is_the_same_for_5_and_500_shifts(client, org_a, org_b):
    few = GuardUserFactory(org=org_a, username="few@alpha.example")
    many = GuardUserFactory(org=org_b, username="many@bravo.example")
    at_5, at_500 = _queries_for(client, few, 5), _queries_for(client, many, 500)
    print(f"\nMy shifts, queries: {at_5} at 5 shifts, {at_500} at 500 shifts")
    assert at_5 == at_500 <= QUERIES
