"""No-show alerts: `manage.py alert_no_shows` marks each no-show once and queues an email per
manager (ids only); the worker (`manage.py db_worker`, as in production) sends it. Org A's
managers never hear of org B's guards."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django_tasks_db.models import DBTaskResult

from attendance import services
from attendance.models import Attendance
from rostracore.tenancy.context import NoOrganizationError, use_org
from tests.attendance.conftest import employee_of, now_minute, published_shift
from tests.factories import EmployeeFactory, LabourRulesFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _work() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def _alert(**options) -> str:
    from io import StringIO

    out = StringIO()
    call_command("alert_no_shows", stdout=out, **options)
    return out.getvalue().strip()


def test_a_no_show_emails_the_managers_once_through_the_worker(org_a, manager_a, guard_a, guard_a2):
    colleague = UserFactory(org=org_a, username="carol@alpha.example")
    UserFactory(org=org_a, username="gone@alpha.example", is_active=False)
    site = SiteFactory(org=org_a, name="Menlyn Gate")
    gone = published_shift(
        org_a, employee_of(guard_a), start=now_minute() - dt.timedelta(minutes=31), site=site
    )
    came = published_shift(
        org_a, employee_of(guard_a2), start=now_minute() - dt.timedelta(minutes=40), site=site
    )
    not_yet = published_shift(
        org_a,
        EmployeeFactory(org=org_a),
        start=now_minute() - dt.timedelta(minutes=10),
        hours=1,
        site=SiteFactory(org=org_a),
    )
    with use_org(org_a):
        services.clock_in(employee=employee_of(guard_a2), shift=came, at=came.start)
    assert _alert(base_url="https://app.example") == "1 no-show(s) alerted in 1 organization(s)."
    assert mail.outbox == []
    tasks = list(DBTaskResult.objects.values_list("args_kwargs", flat=True))
    with use_org(org_a):
        marker = Attendance.objects.get(shift=gone)
    assert marker.clock_in_at is None and marker.no_show_alerted_at is not None
    assert sorted(t["kwargs"]["user_id"] for t in tasks) == sorted([manager_a.pk, colleague.pk])
    assert all(
        t["kwargs"] == {**t["kwargs"], "template": "no_show", "object_id": marker.pk} for t in tasks
    )
    assert "Menlyn" not in str(tasks) and "alpha.example" not in str(tasks)  # ids only
    _work()
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@alpha.example", "carol@alpha.example"]
    message = mail.outbox[0]
    assert message.subject.startswith("No-show: Gina") and "Menlyn Gate" in message.subject
    assert (
        "has not clocked in" in message.body
        and "https://app.example/scheduling/board/" in message.body
    )
    # Once: a second run (a cron every few minutes) queues nothing more.
    assert _alert() == "0 no-show(s) alerted in 0 organization(s)."
    _work()
    assert len(mail.outbox) == 2
    assert not_yet.pk not in {a.shift_id for a in Attendance.all_orgs.all()}


def test_a_guard_who_clocks_in_before_the_worker_runs_is_not_reported(org_a, manager_a, guard_a):
    gina = employee_of(guard_a)
    shift = published_shift(org_a, gina, start=now_minute() - dt.timedelta(minutes=35))
    _alert()
    with use_org(org_a):
        services.clock_in(employee=gina, shift=shift)  # late, but here
    _work()
    assert mail.outbox == []
    assert DBTaskResult.objects.count() == 1  # queued, then found nothing to send


def test_org_as_manager_never_gets_org_bs_no_show(
    org_a, org_b, manager_a, manager_b, guard_a, guard_b
):
    LabourRulesFactory(org=org_a, late_after_minutes=5, no_show_after_minutes=60)
    published_shift(org_a, employee_of(guard_a), start=now_minute() - dt.timedelta(minutes=45))
    beas = published_shift(
        org_b,
        employee_of(guard_b),
        start=now_minute() - dt.timedelta(minutes=45),
        site=SiteFactory(org=org_b, name="CANARYB Site"),
    )
    assert _alert() == "1 no-show(s) alerted in 1 organization(s)."  # A's 60 minutes: not yet
    with use_org(org_b):
        b_marker = Attendance.objects.get(shift=beas)
    # A task naming A's manager and B's row (a forged or mixed-up id) sends nothing.
    from organizations.tasks import send_email

    send_email.enqueue(template="no_show", user_id=manager_a.pk, base_url="", object_id=b_marker.pk)
    _work()
    assert [m.to for m in mail.outbox] == [["bob@bravo.example"]]
    assert "CANARYB Site" in mail.outbox[0].subject


def test_a_guard_never_gets_the_managers_alert(org_a, guard_a, guard_a2):
    shift = published_shift(
        org_a, employee_of(guard_a), start=now_minute() - dt.timedelta(minutes=45)
    )
    _alert()
    with use_org(org_a):
        marker = Attendance.objects.get(shift=shift)
    from organizations.tasks import send_email

    send_email.enqueue(template="no_show", user_id=guard_a2.pk, base_url="", object_id=marker.pk)
    _work()
    assert mail.outbox == []


def test_the_service_needs_an_organization_and_the_command_checks_its_arguments(org_a):
    with pytest.raises(NoOrganizationError):
        services.mark_no_shows()
    with pytest.raises(CommandError, match="No organization with the slug"):
        _alert(org="nope")
    with pytest.raises(CommandError, match="must start with https://"):
        _alert(base_url="app.example")
    assert _alert(org="alpha") == "0 no-show(s) alerted in 0 organization(s)."
