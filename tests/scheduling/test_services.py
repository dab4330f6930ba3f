"""The ORM adapter: building the problem, running, publishing, isolation and concurrency."""

import datetime as dt
import threading
import time

import pytest
from django.db import IntegrityError, close_old_connections, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rostracore.tenancy.context import use_org
from scheduling.adapter import build_problem
from scheduling.models import RosterAssignment, RosterRun, Shift
from scheduling.services import PublishError, publish_run, run_roster
from tests.factories import (
    AbsenceFactory,
    EmployeeFactory,
    OrganizationFactory,
    PostFactory,
    RosterRunFactory,
    ShiftFactory,
    ShiftPatternFactory,
    SiteFactory,
    SiteInductionFactory,
)

# Rosters solved through the app are bounded by work, not seconds
# (tests/scheduling/conftest.py).
pytestmark = pytest.mark.usefixtures("solver_bounded_by_work")

MONDAY = dt.date(2027, 3, 1)
UTC = dt.UTC


def _post_24_7(org, site=None):
    post = PostFactory(org=org, site=site or SiteFactory(org=org))
    ShiftPatternFactory(org=org, post=post, name="Day", start_time=dt.time(6), end_time=dt.time(18))
    ShiftPatternFactory(
        org=org, post=post, name="Night", start_time=dt.time(18), end_time=dt.time(6)
    )
    return post


def test_build_problem_reads_qualifications_in_the_organizations_time(org_a):
    site = SiteFactory(org=org_a, armed=True, induction_required=True, min_grade="B")
    guard = EmployeeFactory(
        org=org_a,
        psira_grade="A",
        firearm_competency_expires=dt.date(2027, 3, 3),
        psira_registration_expires=dt.date(2028, 1, 1),
    )
    EmployeeFactory(org=org_a, is_active=False)
    SiteInductionFactory(org=org_a, employee=guard, site=site)
    AbsenceFactory(
        org=org_a,
        employee=guard,
        start=dt.datetime(2027, 3, 4, tzinfo=UTC),
        end=dt.datetime(2027, 3, 5, tzinfo=UTC),
    )
    shift = ShiftFactory(
        org=org_a,
        site=site,
        start=dt.datetime(2027, 3, 1, 20, tzinfo=UTC),  # 22:00 in Johannesburg
        end=dt.datetime(2027, 3, 2, 8, tzinfo=UTC),
    )
    with use_org(org_a):
        problem = build_problem(start_date=MONDAY, end_date=MONDAY + dt.timedelta(7))
    assert [g.id for g in problem.guards] == [guard.pk]  # active guards only
    data = problem.shift_by_id[shift.pk]
    assert (data.grade, data.armed, data.induction) == ("B", True, True)
    assert data.minutes == 12 * 60
    assert data.day == MONDAY.toordinal() and data.end_day == MONDAY.toordinal() + 1
    assert data.label == "Mon 01 Mar 22:00-10:00 at " + site.name
    g = problem.guards[0]
    assert g.firearm_expires == dt.date(2027, 3, 3).toordinal()
    assert g.inducted_sites == {site.pk}
    assert len(g.absences) == 1
    assert list(problem.weeks) == [MONDAY.toordinal()]


def test_run_roster_stores_a_valid_draft_with_reasons_for_open_shifts(org_a, observer):
    post = _post_24_7(org_a)
    guards = [EmployeeFactory(org=org_a, assigned_client=post.site.client) for _ in range(3)]
    run = RosterRunFactory(org=org_a, start_date=MONDAY, end_date=MONDAY + dt.timedelta(7))
    with use_org(org_a):
        run = run_roster(run=run)
        rows = list(RosterAssignment.objects.filter(run=run).select_related("shift"))
    assert run.status == RosterRun.Status.DONE
    assert run.total_shifts == len(rows) == 14
    assert run.hard_violations == 0
    # Three guards, at most four 12 h shifts each: at least two shifts stay open.
    assert run.open_lower_bound == 2 and run.open_shifts == 2
    assert run.filled_shifts == 12
    assert {r.employee_id for r in rows if r.employee_id} <= {g.pk for g in guards}
    assert all(r.open_reason.startswith("No guard with grade") for r in rows if not r.employee)
    assert Shift.all_orgs.filter(employee__isnull=False).count() == 0  # still a draft


def test_publish_copies_the_draft_and_the_next_run_keeps_it(org_a, observer):
    post = _post_24_7(org_a)
    for _ in range(4):
        EmployeeFactory(org=org_a, assigned_client=post.site.client)
    first = RosterRunFactory(org=org_a, start_date=MONDAY, end_date=MONDAY + dt.timedelta(7))
    with use_org(org_a):
        run_roster(run=first)
        published = publish_run(run=first)
        assigned = dict(Shift.objects.values_list("pk", "employee_id"))
        second = RosterRunFactory(org=org_a, start_date=MONDAY, end_date=first.end_date)
        run_roster(run=second)
        kept = dict(
            RosterAssignment.objects.filter(run=second, is_fixed=True).values_list(
                "shift_id", "employee_id"
            )
        )
        with pytest.raises(PublishError):
            publish_run(run=first)  # already published
        first.refresh_from_db()
        with pytest.raises(PublishError):
            run_roster(run=first)  # a published run is never regenerated
    first.refresh_from_db()
    assert first.status == RosterRun.Status.PUBLISHED
    assert published == 14 == sum(1 for e in assigned.values() if e)
    assert kept == assigned


def test_publish_refuses_a_draft_whose_shift_was_taken_meanwhile(org_a):
    post = _post_24_7(org_a)
    guard, other = (EmployeeFactory(org=org_a, assigned_client=post.site.client) for _ in "ab")
    run = RosterRunFactory(org=org_a, start_date=MONDAY, end_date=MONDAY + dt.timedelta(2))
    with use_org(org_a):
        run_roster(run=run)
        drafted = RosterAssignment.objects.filter(run=run, employee__isnull=False).first()
        Shift.objects.filter(pk=drafted.shift_id).update(
            employee=other if drafted.employee_id == guard.pk else guard
        )
        with pytest.raises(PublishError, match="changed since this draft"):
            publish_run(run=run)


@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(a_guards=st.integers(0, 2), b_guards=st.integers(1, 6), days=st.integers(1, 4))
def test_no_guard_of_another_organization_ever_appears_even_when_short(
    db, a_guards, b_guards, days, observer
):
    org_a = OrganizationFactory()
    org_b = OrganizationFactory()
    post_a = _post_24_7(org_a)
    _post_24_7(org_b)
    mine = {EmployeeFactory(org=org_a).pk for _ in range(a_guards)}
    theirs = {
        EmployeeFactory(org=org_b, first_name="CANARYB", psira_grade="A").pk
        for _ in range(b_guards)
    }
    # Org B's guards are even dedicated to a client... of org B; A's site needs nothing special.
    run = RosterRunFactory(org=org_a, start_date=MONDAY, end_date=MONDAY + dt.timedelta(days))
    with use_org(org_a):
        run_roster(run=run)
        rows = list(RosterAssignment.objects.filter(run=run))
    assert len(rows) == 2 * days
    used = {r.employee_id for r in rows if r.employee_id}
    assert used <= mine and not used & theirs
    assert all("CANARYB" not in r.open_reason for r in rows)
    if not mine:
        assert all(r.employee_id is None for r in rows)
    assert Shift.all_orgs.filter(org=org_a).count() == 2 * days
    assert post_a.site.org_id == org_a.pk


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_transactions_cannot_double_book_one_guard():
    """Two connections assign one guard to overlapping shifts at the same moment: the
    exclusion constraint makes the second wait for the first and then fail."""
    org = OrganizationFactory()
    site = SiteFactory(org=org)
    guard = EmployeeFactory(org=org)
    start = dt.datetime(2027, 3, 1, 4, tzinfo=UTC)
    first = ShiftFactory(org=org, site=site, start=start, end=start + dt.timedelta(hours=12))
    second = ShiftFactory(
        org=org,
        site=site,
        start=start + dt.timedelta(hours=6),
        end=start + dt.timedelta(hours=18),
    )
    first_holds = threading.Event()
    outcome: dict[str, tuple[str, float]] = {}

    def book(name: str, shift_id: int) -> None:
        try:
            with use_org(org), transaction.atomic():
                if name == "second":
                    first_holds.wait(10)
                Shift.objects.filter(pk=shift_id).update(employee=guard)
                if name == "first":
                    first_holds.set()
                    time.sleep(0.5)  # the second transaction is blocked on us meanwhile
            outcome[name] = ("committed", time.monotonic())
        except IntegrityError:
            outcome[name] = ("refused", time.monotonic())
        finally:
            connection.close()

    threads = [
        threading.Thread(target=book, args=("first", first.pk)),
        threading.Thread(target=book, args=("second", second.pk)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    close_old_connections()
    assert outcome["first"][0] == "committed" and outcome["second"][0] == "refused", outcome
    assert outcome["second"][1] >= outcome["first"][1] - 0.05  # it waited for the commit
    with use_org(org):
        assert Shift.objects.filter(employee=guard).count() == 1
