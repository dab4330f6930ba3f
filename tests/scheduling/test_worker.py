"""The background worker is fair and bounded, and a run whose worker died never stays
"running": one active run per organization, caps on what a run takes on, the time budget
covering shift generation, and a lease that a killed `db_worker` stops renewing."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connections, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from rostracore.tenancy.context import all_organizations, use_org
from rostracore.tenancy.db import OWNER_ALIAS
from scheduling import services
from scheduling.models import MAX_GUARDS_PER_SLOT, RosterRun, ShiftPattern
from tests.factories import (
    EmployeeFactory,
    OrganizationFactory,
    PostFactory,
    RosterRunFactory,
    ShiftPatternFactory,
    SiteFactory,
)

# Rosters solved through the app are bounded by work, not seconds
# (tests/scheduling/conftest.py).
pytestmark = pytest.mark.usefixtures("solver_bounded_by_work")

ROOT = Path(__file__).resolve().parents[2]
MONDAY = dt.date(2027, 3, 1)


def _start(org, **kwargs):
    with use_org(org):
        return services.start_run(
            start_date=MONDAY,
            end_date=MONDAY + dt.timedelta(weeks=kwargs.pop("weeks", 1)),
            time_limit=kwargs.pop("time_limit", 5),
            **kwargs,
        )


def _work(org, guards=2, posts=1):
    site = SiteFactory(org=org)
    for n in range(posts):
        post = PostFactory(org=org, site=site, name=f"Gate {n}")
        ShiftPatternFactory(org=org, post=post, name="Day")
        ShiftPatternFactory(
            org=org, post=post, name="Night", start_time=dt.time(18), end_time=dt.time(6)
        )
    for _ in range(guards):
        EmployeeFactory(org=org)


# --- one active run per organization -------------------------------------------------------


@pytest.mark.django_db
def test_a_second_active_run_is_refused_with_a_clear_message(org_a, org_b):
    _start(org_a)
    with pytest.raises(ValidationError, match="already being generated"):
        _start(org_a)
    _start(org_b)  # another organization is not held up
    with all_organizations():
        assert RosterRun.all_orgs.filter(org=org_a).count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_second_active_run(org_a):
    RosterRunFactory(org=org_a, status=RosterRun.Status.RUNNING)
    with pytest.raises(IntegrityError, match="one_active_run_per_org"), transaction.atomic():
        RosterRunFactory(org=org_a, status=RosterRun.Status.QUEUED)
    RosterRunFactory(org=org_a, status=RosterRun.Status.DONE)  # finished runs don't count


@pytest.mark.django_db
def test_the_start_page_says_a_run_is_already_active(client, manager_a, org_a):
    _start(org_a)
    client.force_login(manager_a)
    response = client.post(
        reverse("scheduling:home"), {"start_date": "2027-03-01", "weeks": 1, "time_limit": 5}
    )
    assert response.status_code == 200
    assert "already being generated" in response.content.decode()
    with all_organizations():
        assert RosterRun.all_orgs.filter(org=org_a).count() == 1


@pytest.mark.django_db(transaction=True)  # the worker commits and closes connections
def test_the_worker_serves_organizations_in_turn():
    """Organization A queues first and would like three runs; B and C one each. The queue
    holds one run per organization, so B and C are served before A's second run."""
    orgs = [OrganizationFactory(slug=slug) for slug in ("alpha", "bravo", "charlie")]
    for org in orgs:
        _work(org)
    for org in orgs:
        _start(org)
    with pytest.raises(ValidationError):
        _start(orgs[0])  # A's second run waits for its first
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    _start(orgs[0])  # now A may start its next one
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    with all_organizations():
        order = [r.org.slug for r in RosterRun.all_orgs.order_by("finished_at")]
        assert set(RosterRun.all_orgs.values_list("status", flat=True)) == {"done"}
    assert order == ["alpha", "bravo", "charlie", "alpha"]
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 4


# --- caps ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_guards_per_slot_are_capped_in_the_form_and_the_database(org_a):
    post = PostFactory(org=org_a)
    pattern = ShiftPatternFactory.build(org=org_a, post=post, guards=MAX_GUARDS_PER_SLOT + 1)
    with use_org(org_a):
        with pytest.raises(ValidationError) as error:
            pattern.full_clean()
        assert "guards" in error.value.message_dict
        with pytest.raises(IntegrityError, match="at_most_guards"), transaction.atomic():
            pattern.save()
        assert not ShiftPattern.objects.exists()


@pytest.mark.django_db
def test_weeks_per_run_are_capped(org_a):
    with pytest.raises(ValidationError, match="at most 8 weeks"):
        _start(org_a, weeks=9)
    with (
        use_org(org_a),
        pytest.raises(IntegrityError, match="at_most_weeks"),
        transaction.atomic(),
    ):
        RosterRun.objects.create(start_date=MONDAY, end_date=MONDAY + dt.timedelta(weeks=9))


@pytest.mark.django_db
def test_a_run_over_the_shift_cap_fails_with_a_clear_message(org_a, monkeypatch):
    _work(org_a)
    monkeypatch.setattr(services, "MAX_SHIFTS_PER_RUN", 5)
    run = _start(org_a, enqueue=False)
    with use_org(org_a):
        with pytest.raises(services.RosterTooLarge):
            services.run_roster(run=run)
        run.refresh_from_db()
    assert run.status == RosterRun.Status.FAILED
    assert run.message == (
        "This roster has 14 shifts; one run takes at most 5. Roster fewer weeks at a time."
    )


@pytest.mark.django_db
def test_generating_shifts_counts_against_the_time_budget(org_a, monkeypatch):
    _work(org_a)
    given = {}
    real_generate, real_solve = services.generate_shifts, services.solve

    def slow_generate(**kwargs):
        time.sleep(2)
        return real_generate(**kwargs)

    def recording_solve(problem, *, time_limit, progress):
        given["time_limit"] = time_limit
        return real_solve(problem, time_limit=time_limit, progress=progress)

    monkeypatch.setattr(services, "generate_shifts", slow_generate)
    monkeypatch.setattr(services, "solve", recording_solve)
    run = _start(org_a, enqueue=False, time_limit=10)
    with use_org(org_a):
        services.run_roster(run=run)
    assert given["time_limit"] <= 8.0


# --- a worker that died --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_running_run_whose_lease_expired_is_marked_failed(org_a, org_b):
    old = timezone.now() - dt.timedelta(minutes=5)
    stale = RosterRunFactory(
        org=org_a, status=RosterRun.Status.RUNNING, started_at=old, heartbeat_at=old
    )
    other = RosterRunFactory(
        org=org_b, status=RosterRun.Status.RUNNING, started_at=old, heartbeat_at=old
    )
    with use_org(org_a):
        assert services.fail_stale_runs() == 1
        stale.refresh_from_db()
    assert stale.status == RosterRun.Status.FAILED
    assert "background worker stopped" in stale.message
    with use_org(org_b):
        other.refresh_from_db()
        assert other.status == RosterRun.Status.RUNNING  # only the current organization's
        fresh = RosterRunFactory(org=org_a, status=RosterRun.Status.DONE)
    with use_org(org_a):
        assert services.fail_stale_runs() == 0
        assert fresh.status == RosterRun.Status.DONE


def _database_url(alias: str) -> str:
    params = connections[alias].settings_dict
    host = connections[alias].get_connection_params().get("host") or params["HOST"]
    return f"postgres://{params['USER']}@/{params['NAME']}?host={quote(str(host))}"


LEASE = 3  # seconds, for this test only


@pytest.mark.django_db(transaction=True, databases=["default", OWNER_ALIAS])
@override_settings(ROSTER_WORKER_LEASE_SECONDS=LEASE)
def test_a_killed_db_worker_is_detected_and_the_manager_can_start_again(
    client, manager_a, org_a, capsys
):
    """A real `manage.py db_worker` process is killed (SIGKILL, like the OOM killer) while it
    solves; the progress page marks the run failed once the lease runs out."""
    _work(org_a, guards=12, posts=4)
    run = _start(org_a, weeks=4, time_limit=120)
    env = {
        **os.environ,
        "DATABASE_URL": _database_url("default"),
        "DATABASE_OWNER_URL": _database_url(OWNER_ALIAS),
        "ROSTER_WORKER_LEASE_SECONDS": str(LEASE),
    }
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with use_org(org_a):
                run.refresh_from_db()
            if run.status == RosterRun.Status.RUNNING and run.phase not in ("Generating shifts",):
                break
            assert worker.poll() is None, worker.stderr.read()[-3000:]
            time.sleep(0.1)
        before = (run.status, run.phase)
        assert run.status == RosterRun.Status.RUNNING, before
        time.sleep(LEASE / 3 + 0.5)  # at least one renewal of the lease
        with use_org(org_a):
            run.refresh_from_db()
        assert run.heartbeat_at > run.started_at
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    killed = time.monotonic()

    client.force_login(manager_a)
    while True:
        page = client.get(run.get_absolute_url())
        with use_org(org_a):
            run.refresh_from_db()
        if run.status != RosterRun.Status.RUNNING:
            break
        assert time.monotonic() - killed < 4 * LEASE, "the dead worker's run stayed running"
        time.sleep(0.2)
    detected = time.monotonic() - killed
    assert run.status == RosterRun.Status.FAILED
    assert "background worker stopped" in page.content.decode()
    assert detected <= LEASE + 1.5
    with capsys.disabled():
        print(
            f"\nkilled worker: run {before[0]} ({before[1]}) before the kill, "
            f"{run.status} {detected:.1f} s after it (lease {LEASE} s)"
        )
    # Nothing stays blocked: the manager starts again.
    assert _start(org_a).status == RosterRun.Status.QUEUED


@pytest.mark.django_db
def test_the_start_form_states_the_caps(client, manager_a):
    client.force_login(manager_a)
    page = client.get(reverse("scheduling:home")).content.decode()
    assert "1 to 8 weeks, at most 20,000 shifts" in page
    assert "One roster is generated at a time per organization." in page
