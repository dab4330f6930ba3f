"""Scheduling pages: start in the background worker, progress, publish, grids, exports."""

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from rostracore.tenancy.context import all_organizations, use_org
from scheduling.models import RosterAssignment, RosterRun, Shift
from scheduling.services import run_roster
from scheduling.views import guard_feed_token
from tests.factories import (
    EmployeeFactory,
    PostFactory,
    RosterRunFactory,
    ShiftFactory,
    ShiftPatternFactory,
)

# Rosters solved through the app are bounded by work, not seconds
# (tests/scheduling/conftest.py).
# A page flow runs like production: no outer transaction, each request in its own
# ATOMIC_REQUESTS transaction (the owner empties the tables afterwards).
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("solver_bounded_by_work"),
]

MONDAY = dt.date(2027, 3, 1)


def _work(org, site, guards=2):
    post = PostFactory(org=org, site=site, name="Main gate")
    ShiftPatternFactory(org=org, post=post, name="Day")
    ShiftPatternFactory(
        org=org, post=post, name="Night", start_time=dt.time(18), end_time=dt.time(6)
    )
    return [EmployeeFactory(org=org, assigned_client=site.client) for _ in range(guards)]


def _drain_queue():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def _solved_run(org, start=MONDAY, days=7):
    run = RosterRunFactory(org=org, start_date=start, end_date=start + dt.timedelta(days))
    with use_org(org):
        return run_roster(run=run)


@pytest.mark.django_db(transaction=True)  # the worker commits and closes connections
def test_manager_starts_a_roster_that_the_background_worker_generates(client, manager_a, two_orgs):
    a, b = two_orgs["alpha"], two_orgs["bravo"]
    _work(a["org"], a["site"])
    _work(b["org"], b["site"])
    client.force_login(manager_a)
    response = client.post(
        reverse("scheduling:home"),
        {"start_date": "2027-03-01", "weeks": 1, "time_limit": 5},
    )
    with all_organizations():
        run = RosterRun.all_orgs.get()
    assert response.status_code == 302 and response.url == run.get_absolute_url()
    waiting = client.get(run.get_absolute_url())
    assert b'http-equiv="refresh"' in waiting.content
    assert b"Waiting for the background worker" in waiting.content

    # A task for org B's run goes through the same worker right after: each task runs in
    # its own organization, never the previous task's.
    other = RosterRunFactory(org=b["org"], start_date=MONDAY, end_date=MONDAY + dt.timedelta(7))
    from scheduling.tasks import generate_roster

    generate_roster.enqueue(org_id=b["org"].pk, run_id=other.pk)
    _drain_queue()

    with all_organizations():
        run.refresh_from_db()
        other.refresh_from_db()
        assert run.status == other.status == RosterRun.Status.DONE
        for r, org in ((run, a["org"]), (other, b["org"])):
            employees = RosterAssignment.all_orgs.filter(run=r, employee__isnull=False).values_list(
                "employee__org_id", flat=True
            )
            assert set(employees) == {org.pk}
    done = client.get(run.get_absolute_url())
    assert b'http-equiv="refresh"' not in done.content
    assert b"Publish this roster" in done.content
    assert b"Open shifts and why" in done.content
    assert b"CANARYB" not in done.content


def test_task_refuses_another_organizations_run(two_orgs, observer):
    from scheduling.tasks import generate_roster

    a, b = two_orgs["alpha"], two_orgs["bravo"]
    run_b = RosterRunFactory(org=b["org"])
    with pytest.raises(RosterRun.DoesNotExist):
        generate_roster.call(org_id=a["org"].pk, run_id=run_b.pk)
    run_b.refresh_from_db()
    assert run_b.status == RosterRun.Status.QUEUED


def test_start_form_wants_a_monday(client, manager_a):
    client.force_login(manager_a)
    response = client.post(
        reverse("scheduling:home"), {"start_date": "2027-03-02", "weeks": 1, "time_limit": 5}
    )
    assert response.status_code == 200
    assert b"Rosters start on a Monday" in response.content
    assert not RosterRun.all_orgs.exists()


def test_publish_from_the_page_fills_the_site_week_grid(
    client, manager_a, two_orgs, django_assert_max_num_queries
):
    a = two_orgs["alpha"]
    guards = _work(a["org"], a["site"], guards=4)
    run = _solved_run(a["org"])
    client.force_login(manager_a)
    url = reverse("scheduling:site_week", args=[a["site"].pk])
    draft = client.get(url, {"week": "2027-03-03", "run": run.pk})
    assert draft.status_code == 200
    assert b"Main gate" in draft.content and b'class="shift draft"' in draft.content
    response = client.post(reverse("scheduling:publish", args=[run.pk]), follow=True)
    assert b"Published: 14 shifts" in response.content
    with django_assert_max_num_queries(12):
        grid = client.get(url, {"week": "2027-03-01"})
    text = grid.content.decode()
    assert text.count('<li class="shift">') == 14
    assert any(g.full_name in text for g in guards)
    guard_grid = client.get(
        reverse("scheduling:guard_week", args=[guards[0].pk]), {"week": "2027-03-01"}
    )
    assert guard_grid.status_code == 200 and b"calendar/" in guard_grid.content


def test_csv_export_lists_every_shift_with_guard_or_reason(client, manager_a, two_orgs):
    a = two_orgs["alpha"]
    _work(a["org"], a["site"], guards=1)
    run = _solved_run(a["org"])
    client.force_login(manager_a)
    response = client.get(reverse("scheduling:export_csv"), {"run": run.pk})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 14
    # Three guards (two from two_orgs), four 12 h shifts each at most.
    assert sum(1 for r in rows if r["status"] == "draft") == 12
    open_rows = [r for r in rows if r["status"] == "open"]
    assert len(open_rows) == 2 and all(r["reason open"].startswith("No guard") for r in open_rows)
    assert {r["site"] for r in rows} == {"Alpha Site"}


def test_ical_feed_lists_a_guards_published_shifts_and_refuses_a_forged_token(client, two_orgs):
    a = two_orgs["alpha"]
    guard = a["dedicated"]
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=2)
    ShiftFactory(org=a["org"], site=a["site"], employee=guard, start=start)
    ShiftFactory(org=a["org"], site=a["site"], start=start + dt.timedelta(days=1))  # open
    token = guard_feed_token(guard)
    response = client.get(reverse("scheduling:guard_ical", args=[token]))
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/calendar")
    assert body.startswith("BEGIN:VCALENDAR") and body.count("BEGIN:VEVENT") == 1
    assert f"DTSTART:{start:%Y%m%dT%H%M%SZ}" in body and "Alpha Site" in body
    forged = client.get(reverse("scheduling:guard_ical", args=[token[:-2] + "xx"]))
    assert forged.status_code == 404


@pytest.mark.parametrize("name", ["run", "publish", "site_week", "guard_week", "export_csv"])
def test_manager_cannot_open_other_orgs_roster_pages(client, manager_b, two_orgs, name, observer):
    a = two_orgs["alpha"]
    run = RosterRunFactory(org=a["org"])
    args, query = {
        "run": ([run.pk], {}),
        "publish": ([run.pk], {}),
        "site_week": ([a["site"].pk], {}),
        "guard_week": ([a["dedicated"].pk], {}),
        "export_csv": ([], {"run": run.pk}),
    }[name]
    client.force_login(manager_b)
    url = reverse(f"scheduling:{name}", args=args)
    response = client.post(url) if name == "publish" else client.get(url, query)
    assert response.status_code == 404
    run.refresh_from_db()
    assert run.status == RosterRun.Status.QUEUED
    assert not Shift.all_orgs.filter(employee__isnull=False).exists()


def test_platform_staff_get_the_pick_an_organization_page_not_a_500(client, platform_user):
    client.force_login(platform_user)
    for name in ("scheduling:home", "scheduling:export_csv"):
        response = client.get(reverse(name))
        assert response.status_code == 403, name
