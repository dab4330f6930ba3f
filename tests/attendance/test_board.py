"""Late and no-show flags on the board (scheduling/board.py reads the clock-in through the
reverse relation `Shift.attendance`): "late 12 min" in `<strong class="tag late">`,
"no-show" in `<strong class="tag no-show">`, minutes from the labour rules."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from attendance import services
from rostracore.tenancy.context import use_org
from scheduling.models import LabourRules
from tests.attendance.conftest import employee_of, now_minute, published_shift
from tests.factories import LabourRulesFactory, SiteFactory
from tests.scheduling.test_board import BOARD_QUERIES

pytestmark = pytest.mark.django_db(transaction=True)

BOARD = reverse("scheduling:board")


def _local_day(moment: dt.datetime, org) -> dt.date:
    """The day of `moment` on the organization's calendar, which the board's weeks follow
    (not the test's UTC: on Sunday after 22:00 UTC it is Monday in Johannesburg)."""
    return moment.astimezone(zoneinfo.ZoneInfo(org.timezone)).date()


def _board(http, shift) -> str:
    week = _local_day(shift.start, shift.org)
    response = http.get(BOARD, {"week": week.isoformat()})
    assert response.status_code == 200
    return response.content.decode()


def _flags(body: str) -> list[str]:
    """The attendance flags of the shifts shown (not the legend's), in board order."""
    cells = re.findall(r'<li class="shift[^"]*">(.*?)</li>', body, flags=re.S)
    return [
        flag
        for cell in cells
        for flag in re.findall(r'<strong class="tag (?:late|no-show)">([^<]+)</strong>', cell)
    ]


def _started(org, employee, minutes_ago: int, **kwargs):
    return published_shift(
        org, employee, start=now_minute() - dt.timedelta(minutes=minutes_ago), **kwargs
    )


def test_a_clock_in_12_minutes_after_the_start_shows_late_12_min(client, org_a, manager_a, guard_a):
    gina = employee_of(guard_a)
    shift = _started(org_a, gina, minutes_ago=30)
    with use_org(org_a):
        services.clock_in(employee=gina, shift=shift, at=shift.start + dt.timedelta(minutes=12))
    client.force_login(manager_a)
    body = _board(client, shift)
    assert '<strong class="tag late">late 12 min</strong>' in body
    assert _flags(body) == ["late 12 min"]


def test_no_clock_in_is_late_then_a_no_show(client, org_a, manager_a, guard_a, guard_a2):
    site = SiteFactory(org=org_a)
    late = _started(org_a, employee_of(guard_a), minutes_ago=7, site=site)
    gone = _started(org_a, employee_of(guard_a2), minutes_ago=45, site=site, hours=4)
    client.force_login(manager_a)
    body = _board(client, late)
    if _local_day(gone.start, org_a) == _local_day(late.start, org_a):
        assert sorted(_flags(body)) == ["late 7 min", "no-show"]
    else:  # just after midnight: the no-show is on yesterday's column or week
        assert "late 7 min" in _flags(body)


def test_on_time_future_and_open_shifts_have_no_flag(client, org_a, manager_a, guard_a, guard_a2):
    gina = employee_of(guard_a)
    on_time = _started(org_a, gina, minutes_ago=40)
    with use_org(org_a):
        services.clock_in(employee=gina, shift=on_time, at=on_time.start + dt.timedelta(minutes=4))
    published_shift(org_a, employee_of(guard_a2), start=now_minute() + dt.timedelta(minutes=5))
    _started(org_a, None, minutes_ago=50)  # an open shift: nobody to be late
    client.force_login(manager_a)
    body = _board(client, on_time)
    assert _flags(body) == []


def test_the_minutes_come_from_the_labour_rules(client, org_a, manager_a, guard_a, guard_a2):
    LabourRulesFactory(org=org_a, late_after_minutes=15, no_show_after_minutes=60)
    gina = employee_of(guard_a)
    shift = _started(org_a, gina, minutes_ago=40)
    with use_org(org_a):
        services.clock_in(employee=gina, shift=shift, at=shift.start + dt.timedelta(minutes=12))
        assert LabourRules.objects.get().late_after_minutes == 15
    _started(org_a, employee_of(guard_a2), minutes_ago=45, hours=4)
    client.force_login(manager_a)
    body = _board(client, shift)
    # 12 minutes is not late at 15; 45 minutes without a clock-in is late, not yet a no-show.
    assert sorted(_flags(body)) == ["late 45 min"]


def test_org_bs_no_shows_never_reach_org_as_board(
    client, org_a, org_b, manager_a, guard_a, guard_b
):
    mine = _started(org_a, employee_of(guard_a), minutes_ago=45)
    _started(
        org_b,
        employee_of(guard_b),
        minutes_ago=20,
        site=SiteFactory(org=org_b, name="CANARYB Site"),
    )
    client.force_login(manager_a)
    body = _board(client, mine)
    assert _flags(body) == ["no-show"]  # A's own; B's late guard is B's business
    assert "CANARYB" not in body


def test_the_board_reads_attendance_without_extra_queries(client, org_a, manager_a, guard_a):
    """The flags come from the shifts' own query: the count is the board's pinned one, with
    one shift or twenty, clocked in or not."""
    gina = employee_of(guard_a)
    first = _started(org_a, gina, minutes_ago=600, hours=1)
    client.force_login(manager_a)
    with CaptureQueriesContext(connection) as one:
        _board(client, first)
    site = SiteFactory(org=org_a)
    for n in range(1, 20):
        shift = published_shift(
            org_a, gina, start=first.start + dt.timedelta(hours=n), hours=1, site=site
        )
        if n % 2 and shift.start < timezone.now():
            with use_org(org_a):
                services.clock_in(
                    employee=gina, shift=shift, at=shift.start + dt.timedelta(minutes=n)
                )
    with CaptureQueriesContext(connection) as many:
        _board(client, first)
    assert len(one) == len(many) <= BOARD_QUERIES
