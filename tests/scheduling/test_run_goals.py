"""The draft's soft goals: summed once when the worker stores the draft, read by the run page.

The run page used to sum every assignment of the run on each view (0.7 s for a
140,000-shift week: bench/pages.py "run page"). The worker now stores the figures with the
draft (`scheduling.services.draft_goals`), migration scheduling 0019 gives earlier runs
theirs, and the page reads them from the run's row.
"""

import datetime as dt
import importlib

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rostracore.tenancy.context import use_org
from rostracore.tenancy.db import OWNER_ALIAS
from scheduling.models import RosterAssignment, RosterRun
from scheduling.services import draft_goals, run_roster
from tests.factories import (
    ClientFactory,
    EmployeeFactory,
    PostFactory,
    RosterRunFactory,
    ShiftFactory,
    ShiftPatternFactory,
    SiteFactory,
)

MONDAY = dt.date(2027, 3, 1)
UTC = dt.UTC
BACKFILL = importlib.import_module("scheduling.migrations.0019_run_soft_goals").BACKFILL
EMPTY = {
    "dedicated_shifts": 0,
    "own_client_shifts": 0,
    "rostered_guards": 0,
    "average_hours": None,
    "hours_spread": None,
}


def _shift(org, site, day, hours):
    start = dt.datetime.combine(MONDAY + dt.timedelta(day), dt.time(6), tzinfo=UTC)
    return ShiftFactory(org=org, site=site, start=start, end=start + dt.timedelta(hours=hours))


def _hand_made_draft(org):
    """Guard A, dedicated to client X: 12 h + 12 h at X's site and 8 h at Y's (32 h).
    Guard B, flex: 8 h at X's. One shift open. By hand: 3 shifts of a dedicated guard, 2 of
    them at their own client's site; 2 guards, 20 h on average, the farthest (A) 12 h off."""
    x, y = ClientFactory(org=org), ClientFactory(org=org)
    at_x, at_y = SiteFactory(org=org, client=x), SiteFactory(org=org, client=y)
    a = EmployeeFactory(org=org, assigned_client=x)
    b = EmployeeFactory(org=org, assigned_client=None)
    run = RosterRunFactory(
        org=org,
        start_date=MONDAY,
        end_date=MONDAY + dt.timedelta(7),
        status=RosterRun.Status.DONE,
    )
    plan = [
        (_shift(org, at_x, 0, 12), a),
        (_shift(org, at_x, 1, 12), a),
        (_shift(org, at_y, 3, 8), a),
        (_shift(org, at_x, 4, 8), b),
        (_shift(org, at_x, 5, 8), None),
    ]
    with use_org(org):
        RosterAssignment.objects.bulk_create(
            RosterAssignment(run=run, shift=shift, employee=guard) for shift, guard in plan
        )
    return run


HAND = {
    "dedicated_shifts": 3,
    "own_client_shifts": 2,
    "rostered_guards": 2,
    "average_hours": 20.0,
    "hours_spread": 12.0,
}


def test_draft_goals_by_hand(org_a, org_b):
    run = _hand_made_draft(org_a)
    _hand_made_draft(org_b)  # another organization's draft changes nothing of org A's
    with use_org(org_a):
        assert draft_goals(run) == HAND


def test_draft_goals_of_an_empty_draft(org_a):
    run = RosterRunFactory(org=org_a)
    with use_org(org_a):
        assert draft_goals(run) == EMPTY


@pytest.mark.django_db(transaction=True, databases=["default", OWNER_ALIAS])
def test_the_migrations_backfill_gives_earlier_runs_the_same_figures(org_a, org_b):
    runs = [_hand_made_draft(org_a), _hand_made_draft(org_b), RosterRunFactory(org=org_a)]
    with connections[OWNER_ALIAS].cursor() as cursor:
        cursor.execute(BACKFILL)
    owner = RosterRun.all_orgs.using(OWNER_ALIAS)  # as the migration: every organization
    figures = [owner.filter(pk=run.pk).values(*HAND).get() for run in runs]
    assert figures == [HAND, HAND, EMPTY]


@pytest.mark.usefixtures("solver_bounded_by_work")
def test_the_worker_stores_the_goals_with_the_draft(org_a, observer):
    """Three guards dedicated to the post's client, at most four 12 h shifts each (48 h a
    week) against 14 shifts: 12 filled, every one by its own client's guard, 48 h each."""
    post = PostFactory(org=org_a, site=SiteFactory(org=org_a))
    for name, start, end in [("Day", 6, 18), ("Night", 18, 6)]:
        ShiftPatternFactory(
            org=org_a, post=post, name=name, start_time=dt.time(start), end_time=dt.time(end)
        )
    for _ in range(3):
        EmployeeFactory(org=org_a, assigned_client=post.site.client)
    run = RosterRunFactory(org=org_a, start_date=MONDAY, end_date=MONDAY + dt.timedelta(7))
    with use_org(org_a):
        run = run_roster(run=run)
    assert (run.filled_shifts, run.dedicated_shifts, run.own_client_shifts) == (12, 12, 12)
    assert (run.rostered_guards, run.average_hours, run.hours_spread) == (3, 48.0, 0.0)


def test_run_page_reads_the_stored_goals_without_summing_the_assignments(client, manager_a, org_a):
    run = _hand_made_draft(org_a)
    with use_org(org_a):
        RosterRun.objects.filter(pk=run.pk).update(**HAND)
    client.force_login(manager_a)
    with CaptureQueriesContext(connections["default"]) as queries:
        response = client.get(reverse("scheduling:run", args=[run.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Dedicated guards on their own client&#x27;s sites: 67% of their shifts." in text
    assert "Fairness: 2 guards&#x27; hours spread within ±12 h of the average (20 h)." in text
    sums = [
        q["sql"]
        for q in queries.captured_queries
        if "scheduling_rosterassignment" in q["sql"]
        and ("COUNT(" in q["sql"] or "SUM(" in q["sql"])
    ]
    assert sums == []


def test_another_organizations_run_page_is_a_404(client, manager_b, org_a):
    run = _hand_made_draft(org_a)
    with use_org(org_a):
        RosterRun.objects.filter(pk=run.pk).update(**HAND)
    client.force_login(manager_b)
    response = client.get(reverse("scheduling:run", args=[run.pk]))
    assert response.status_code == 404
    assert b"67%" not in response.content
