"""Availability and approved leave are hard rules of the roster engine: the adapter turns
them into the guard's unavailability (the organization's wall clock, DST-correct), the
solver never rosters a guard then, the checker flags it and the open-shift explanation names
it. Two organizations: org B's windows never reach org A's problem."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from guards import services
from guards.models import UnavailableWindow
from rostracore.tenancy.context import use_org
from scheduling.adapter import build_problem
from scheduling.models import RosterAssignment, RosterRun
from scheduling.services import run_roster, start_run
from scheduling.solver import check, explain_open_shifts
from tests.factories import (
    EmployeeFactory,
    OrganizationFactory,
    PostFactory,
    ShiftFactory,
    ShiftPatternFactory,
    SiteFactory,
    UnavailableDateFactory,
    UnavailableWindowFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("solver_bounded_by_work")]

MONDAY = dt.date(2027, 3, 1)  # Johannesburg: no daylight saving
JOBURG = ZoneInfo("Africa/Johannesburg")
TUESDAY = UnavailableWindow.Weekday.TUESDAY


def _local(day: dt.date, hour: int, tz=JOBURG) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=tz)


def _minutes(moment: dt.datetime) -> int:
    return int(moment.timestamp()) // 60


def _problem(org, start=MONDAY, days=7):
    with use_org(org):
        return build_problem(start_date=start, end_date=start + dt.timedelta(days))


def test_windows_and_dates_become_the_guards_unavailability(org_a, org_b):
    guard = EmployeeFactory(org=org_a)
    UnavailableWindowFactory(org=org_a, employee=guard)  # Tuesdays from 18:00
    UnavailableDateFactory(org=org_a, employee=guard, day=dt.date(2027, 3, 4))
    UnavailableWindowFactory(org=org_b, employee=EmployeeFactory(org=org_b), weekday=0)
    [data] = _problem(org_a).guards
    tuesday = MONDAY + dt.timedelta(days=1)
    assert (
        _minutes(_local(tuesday, 18)),
        _minutes(_local(tuesday + dt.timedelta(days=1), 0)),
        "Tuesdays from 18:00",
    ) in data.unavailable
    assert (
        _minutes(_local(dt.date(2027, 3, 4), 0)),
        _minutes(_local(dt.date(2027, 3, 5), 0)),
        "Thu 4 Mar 2027",
    ) in data.unavailable
    # Every span is an absence too, which the solvers read.
    assert {span[:2] for span in data.unavailable} <= set(data.absences)
    # Eight days of context either side: the Tuesdays from 23 Feb to 16 Mar.
    assert sum(1 for *_, label in data.unavailable if label.startswith("Tuesdays")) == 4


def test_a_window_past_midnight_and_across_a_dst_change_is_on_the_wall_clock():
    org = OrganizationFactory(timezone="Europe/London")
    guard = EmployeeFactory(org=org)
    # Saturdays 22:00 to Sunday 06:00; clocks go back at 02:00 on Sunday 31 October 2027.
    UnavailableWindowFactory(
        org=org,
        employee=guard,
        weekday=UnavailableWindow.Weekday.SATURDAY,
        start=dt.time(22),
        end=dt.time(6),
    )
    london = ZoneInfo("Europe/London")
    [data] = _problem(org, start=dt.date(2027, 10, 25)).guards
    saturday = dt.date(2027, 10, 30)
    start, end = (
        _minutes(_local(saturday, 22, london)),
        _minutes(_local(saturday + dt.timedelta(1), 6, london)),
    )
    assert end - start == 9 * 60
    assert (start, end, "Saturdays 22:00–06:00 (next day)") in data.unavailable


def test_the_checker_flags_a_guard_rostered_in_their_window(org_a):
    guard = EmployeeFactory(org=org_a)
    UnavailableWindowFactory(org=org_a, employee=guard)
    tuesday = MONDAY + dt.timedelta(days=1)
    shift = ShiftFactory(
        org=org_a, start=_local(tuesday, 20), end=_local(tuesday + dt.timedelta(1), 6)
    )
    problem = _problem(org_a)
    violations = check(problem, {shift.pk: guard.pk})
    assert [(v.rule, v.message) for v in violations] == [
        ("unavailable", "is unavailable then (Tuesdays from 18:00)")
    ]
    reason = explain_open_shifts(problem, {shift.pk: None})[shift.pk]
    assert reason.endswith("(1 unavailable then).")


def test_leave_is_still_named_leave(org_a):
    from tests.factories import AbsenceFactory

    guard = EmployeeFactory(org=org_a)
    tuesday = MONDAY + dt.timedelta(days=1)
    AbsenceFactory(org=org_a, employee=guard, start=_local(tuesday, 0), end=_local(tuesday, 23))
    shift = ShiftFactory(org=org_a, start=_local(tuesday, 8), end=_local(tuesday, 16))
    violations = check(_problem(org_a), {shift.pk: guard.pk})
    assert [v.rule for v in violations] == ["absence"]


def test_a_roster_run_leaves_a_guards_window_and_approved_leave_free(org_a, observer):
    """Through the app: services, start_run(enqueue=False) and run_roster."""
    site = SiteFactory(org=org_a)
    post = PostFactory(org=org_a, site=site)
    ShiftPatternFactory(
        org=org_a, post=post, name="Day", start_time=dt.time(6), end_time=dt.time(18)
    )
    ShiftPatternFactory(
        org=org_a, post=post, name="Night", start_time=dt.time(18), end_time=dt.time(6)
    )
    gina = EmployeeFactory(org=org_a, first_name="Gina", assigned_client=site.client)
    others = [EmployeeFactory(org=org_a, assigned_client=site.client) for _ in range(3)]
    manager = UserFactory(org=org_a)
    thursday = MONDAY + dt.timedelta(days=3)
    with use_org(org_a):
        services.add_unavailable_window(
            employee=gina, weekday=TUESDAY, start=dt.time(18), end=dt.time(0)
        )
        leave = services.request_leave(
            employee=gina, start=thursday, end=thursday, kind="annual", note=""
        )
        services.approve_leave(request=leave, by=manager)
        run = start_run(
            start_date=MONDAY, end_date=MONDAY + dt.timedelta(7), time_limit=5, enqueue=False
        )
        run = run_roster(run=run)
        rows = list(RosterAssignment.objects.filter(run=run).select_related("shift"))
    assert run.status == RosterRun.Status.DONE and run.hard_violations == 0
    ginas = [r.shift for r in rows if r.employee_id == gina.pk]
    assert ginas, "Gina works some shifts: the test would prove nothing otherwise"
    tuesday = MONDAY + dt.timedelta(days=1)
    blocked = [
        (_local(tuesday, 18), _local(tuesday + dt.timedelta(1), 0)),  # the window
        (_local(thursday, 0), _local(thursday + dt.timedelta(1), 0)),  # the leave
    ]
    for shift in ginas:
        for start, end in blocked:
            assert not (shift.start < end and start < shift.end), shift
    # The shifts Gina may not work went to the others (four guards fill the week).
    assert {r.employee_id for r in rows} <= {gina.pk, *(g.pk for g in others)}


def test_when_every_guard_is_unavailable_the_open_shift_says_so(org_a, observer):
    site = SiteFactory(org=org_a)
    post = PostFactory(org=org_a, site=site)
    ShiftPatternFactory(
        org=org_a, post=post, name="Night", start_time=dt.time(18), end_time=dt.time(6)
    )
    only = EmployeeFactory(org=org_a, assigned_client=site.client)
    with use_org(org_a):
        services.add_unavailable_window(
            employee=only, weekday=TUESDAY, start=dt.time(18), end=dt.time(0)
        )
        run = start_run(
            start_date=MONDAY, end_date=MONDAY + dt.timedelta(7), time_limit=5, enqueue=False
        )
        run = run_roster(run=run)
        rows = list(RosterAssignment.objects.filter(run=run).select_related("shift"))
    tuesday_night = next(r for r in rows if r.shift.start == _local(MONDAY + dt.timedelta(1), 18))
    assert tuesday_night.employee_id is None
    assert "1 unavailable then" in tuesday_night.open_reason
