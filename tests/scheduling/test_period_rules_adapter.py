"""The organization's period rules (`LabourRules`) reach the solver, each organization its own."""

import datetime as dt

import pytest

from rostracore.tenancy.context import use_org
from scheduling.adapter import build_problem
from scheduling.models import LabourRules
from tests.factories import EmployeeFactory, LabourRulesFactory, ShiftFactory, SiteFactory

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2027, 3, 1)
UTC = dt.UTC


def _day_and_night(org):
    site = SiteFactory(org=org)
    EmployeeFactory(org=org)
    day = ShiftFactory(  # 06:00-18:00 in Johannesburg
        org=org, site=site, start=dt.datetime(2027, 3, 1, 4, tzinfo=UTC)
    )
    night = ShiftFactory(  # 18:00-06:00
        org=org, site=site, start=dt.datetime(2027, 3, 1, 16, tzinfo=UTC)
    )
    return day, night


def _problem(org):
    with use_org(org):
        return build_problem(start_date=MONDAY, end_date=MONDAY + dt.timedelta(14))


def test_each_organization_rosters_with_its_own_period_rules(org_a, org_b):
    LabourRulesFactory(
        org=org_a,
        max_consecutive_days=5,
        max_consecutive_nights=3,
        min_consecutive_days=2,
        min_consecutive_days_off=2,
        max_weekends=1,
        no_day_after_night=True,
    )
    LabourRulesFactory(org=org_b)  # every period rule blank
    day_a, night_a = _day_and_night(org_a)
    _day_and_night(org_b)

    alpha, bravo = _problem(org_a), _problem(org_b)
    rules = alpha.rules
    assert (rules.max_consecutive_days, rules.max_consecutive_nights) == (5, 3)
    assert (rules.min_consecutive_days, rules.min_consecutive_days_off) == (2, 2)
    assert rules.max_weekends == 1
    assert rules.forbidden_successions == {("night", "day")}
    assert alpha.spans_period  # solved as one model of the period
    assert alpha.horizon == (MONDAY.toordinal(), MONDAY.toordinal() + 13)
    kinds = {s.id: s.kind for s in alpha.shifts}
    assert kinds == {day_a.pk: "day", night_a.pk: "night"}

    assert bravo.rules.max_consecutive_days is None
    assert bravo.rules.forbidden_successions == frozenset()
    assert not bravo.spans_period  # week by week, as before


def test_period_rules_default_to_blank():
    rules = LabourRules()
    assert [
        rules.max_consecutive_days,
        rules.max_consecutive_nights,
        rules.min_consecutive_days,
        rules.min_consecutive_days_off,
        rules.max_weekends,
        rules.no_day_after_night,
    ] == [None, None, None, None, None, False]
