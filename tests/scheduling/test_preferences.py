"""Guards' soft preferences (guards.ShiftPreferences) in the roster engine: the adapter makes
them weighted wishes with the organization's `weight_preference`, and a run honours them
when the rules leave a choice. Through the app: services, start_run and run_roster."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from guards import services
from rostracore.tenancy.context import use_org
from scheduling.adapter import build_problem
from scheduling.models import LabourRules, RosterAssignment
from scheduling.services import run_roster, start_run
from tests.factories import EmployeeFactory, ShiftFactory, SiteFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("solver_bounded_by_work")]

MONDAY = dt.date(2027, 3, 1)
JOBURG = ZoneInfo("Africa/Johannesburg")


def _problem(org, days=7):
    with use_org(org):
        return build_problem(start_date=MONDAY, end_date=MONDAY + dt.timedelta(days))


def _prefer(employee, time_of_day="", weekends_off=False):
    with use_org(employee.org):
        services.set_preferences(
            employee=employee, time_of_day=time_of_day, weekends_off=weekends_off
        )


def test_preferences_become_weighted_wishes_of_their_own_organization(org_a, org_b):
    dee = EmployeeFactory(org=org_a)
    _prefer(dee, "days", weekends_off=True)
    _prefer(EmployeeFactory(org=org_b), "nights")
    requests = _problem(org_a).requests
    saturday, sunday = (MONDAY + dt.timedelta(n) for n in (5, 6))
    assert {(r.guard, r.day, r.kind, r.on, r.weight) for r in requests} == {
        *((dee.pk, (MONDAY + dt.timedelta(n)).toordinal(), "night", False, 2) for n in range(5)),
        (dee.pk, saturday.toordinal(), None, False, 2),
        (dee.pk, sunday.toordinal(), None, False, 2),
    }
    with use_org(org_a):
        LabourRules.objects.create(weight_preference=0)
    assert _problem(org_a).requests == []


@pytest.mark.parametrize("prefers, works", [("days", "other"), ("nights", "pia")])
def test_a_run_gives_the_night_shift_by_preference(org_a, prefers, works):
    """One night shift and two equal guards: Pia's preference decides who works it."""
    site = SiteFactory(org=org_a)
    pia = EmployeeFactory(org=org_a, first_name="Pia", psira_grade="C")
    other = EmployeeFactory(org=org_a, first_name="Ola", psira_grade="C")
    _prefer(pia, prefers)
    _prefer(other, "days" if prefers == "nights" else "nights")
    start = dt.datetime.combine(MONDAY + dt.timedelta(2), dt.time(18), tzinfo=JOBURG)
    night = ShiftFactory(org=org_a, site=site, start=start, end=start + dt.timedelta(hours=12))
    with use_org(org_a):
        run = start_run(
            start_date=MONDAY, end_date=MONDAY + dt.timedelta(7), time_limit=5, enqueue=False
        )
        run = run_roster(run=run)
        given = RosterAssignment.objects.get(run=run, shift=night).employee_id
    assert run.hard_violations == 0
    assert given == {"pia": pia.pk, "other": other.pk}[works]
