"""Leave request services (guards/services.py): each rule, decisions checked again at that
moment, the Absence the roster engine reads, the decision email, and races."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from employees.models import Employee
from guards import services
from guards.models import LeaveRequest
from rostracore.tenancy.context import CrossOrganizationError, NoOrganizationError, use_org
from scheduling.adapter import build_problem
from scheduling.models import Absence
from tests.concurrency import at_once
from tests.factories import GuardUserFactory, LeaveRequestFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _guard(org, **kwargs):
    user = GuardUserFactory(org=org, **kwargs)
    with use_org(org):
        return user, user.employees.get()


def _ask(employee, start_in=7, days=3, **kwargs):
    start = TODAY() + dt.timedelta(days=start_in)
    with use_org(employee.org):
        return services.request_leave(
            employee=employee,
            start=start,
            end=start + dt.timedelta(days=days - 1),
            kind=kwargs.pop("kind", LeaveRequest.Kind.ANNUAL),
            **kwargs,
        )


def _codes(error: ValidationError) -> dict:
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


# --- asking ------------------------------------------------------------------------------


def test_request_leave_makes_a_pending_request(org_a, observer):
    _, employee = _guard(org_a)
    request = _ask(employee, note="  Family wedding ")
    row = LeaveRequest.all_orgs.get(pk=request.pk)
    assert row.status == LeaveRequest.Status.PENDING and row.org_id == org_a.pk
    assert row.employee_id == employee.pk and row.note == "Family wedding" and row.days == 3


def test_a_start_in_the_past_is_refused_on_the_field(org_a):
    _, employee = _guard(org_a)
    with pytest.raises(ValidationError) as caught:
        _ask(employee, start_in=-1)
    assert _codes(caught.value) == {"start": ["past"]}


def test_an_end_before_the_start_is_refused_on_the_field(org_a):
    _, employee = _guard(org_a)
    with pytest.raises(ValidationError) as caught, use_org(org_a):
        services.request_leave(
            employee=employee,
            start=TODAY() + dt.timedelta(days=5),
            end=TODAY() + dt.timedelta(days=4),
            kind="annual",
        )
    assert _codes(caught.value) == {"end": ["order"]}


def test_an_unknown_kind_is_refused(org_a):
    _, employee = _guard(org_a)
    with pytest.raises(ValidationError) as caught:
        _ask(employee, kind="holiday")
    assert _codes(caught.value) == {"kind": ["kind"]}


@pytest.mark.parametrize("status", ["pending", "approved"])
def test_overlapping_open_leave_of_the_same_guard_is_refused(org_a, status):
    _, employee = _guard(org_a)
    first = _ask(employee, start_in=10, days=3)
    with use_org(org_a):
        LeaveRequest.objects.filter(pk=first.pk).update(status=status)
    with pytest.raises(ValidationError) as caught:
        _ask(employee, start_in=12, days=5)
    assert _codes(caught.value) == {"start": ["overlap"]}
    _ask(employee, start_in=13, days=2)  # the day after: fine


def test_cancelled_or_declined_leave_and_other_guards_do_not_overlap(org_a):
    _, employee = _guard(org_a)
    _, other = _guard(org_a)
    first = _ask(employee, start_in=10)
    with use_org(org_a):
        services.cancel_leave(request=first)
    _ask(employee, start_in=10)
    _ask(other, start_in=10)


def test_the_database_refuses_an_end_before_the_start(org_a):
    from django.db import IntegrityError, transaction

    _, employee = _guard(org_a)
    with pytest.raises(IntegrityError), transaction.atomic(), use_org(org_a):
        LeaveRequest.objects.bulk_create(
            [LeaveRequest(employee=employee, start=TODAY(), end=TODAY() - dt.timedelta(days=1))]
        )


def test_every_service_fails_closed_without_an_organization(org_a, manager_a):
    _, employee = _guard(org_a)
    request = _ask(employee)
    start = TODAY() + dt.timedelta(days=30)
    with pytest.raises(NoOrganizationError):
        services.request_leave(employee=employee, start=start, end=start, kind="annual")
    with pytest.raises(NoOrganizationError):
        services.cancel_leave(request=request)
    with pytest.raises(NoOrganizationError):
        services.approve_leave(request=request, by=manager_a)
    with pytest.raises(NoOrganizationError):
        services.decline_leave(request=request, by=manager_a)


# --- deciding ----------------------------------------------------------------------------


def test_approval_makes_one_absence_from_local_midnight_to_the_midnight_after(
    org_a, manager_a, observer
):
    _, employee = _guard(org_a)
    request = _ask(employee, start_in=7, days=3)
    with use_org(org_a):
        services.approve_leave(request=request, by=manager_a)
    row = LeaveRequest.all_orgs.get(pk=request.pk)
    assert row.status == "approved" and row.decided_by_id == manager_a.pk and row.decided_at
    [absence] = Absence.all_orgs.filter(employee=employee)
    assert row.absence_id == absence.pk and absence.kind == Absence.Kind.LEAVE
    local = absence.start.astimezone(ZoneInfo(org_a.timezone))
    assert (local.date(), local.time()) == (request.start, dt.time(0))
    assert absence.end - absence.start == dt.timedelta(days=3)


def test_an_approved_leave_makes_the_guard_unavailable_to_the_roster_engine(org_a, manager_a):
    _, employee = _guard(org_a)
    request = _ask(employee, start_in=7, days=3)
    monday = request.start - dt.timedelta(days=request.start.weekday())
    window = {"start_date": monday, "end_date": monday + dt.timedelta(days=14)}
    with use_org(org_a):
        before = {g.id: g for g in build_problem(**window).guards}[employee.pk]
        services.approve_leave(request=request, by=manager_a)
        guard = {g.id: g for g in build_problem(**window).guards}[employee.pk]
    assert before.absences == ()
    [(start, end)] = guard.absences
    assert end - start == 3 * 24 * 60  # three whole days, in minutes


def test_a_decided_request_cannot_be_decided_or_cancelled_again(org_a, manager_a, observer):
    _, employee = _guard(org_a)
    request = _ask(employee)
    with use_org(org_a):
        services.decline_leave(request=request, by=manager_a, reason="Short-staffed")
        for decide in (
            lambda: services.approve_leave(request=request, by=manager_a),
            lambda: services.decline_leave(request=request, by=manager_a),
            lambda: services.cancel_leave(request=request),
        ):
            with pytest.raises(services.AlreadyDecided) as caught:
                decide()
            assert "already decided" in caught.value.messages[0]
    row = LeaveRequest.all_orgs.get(pk=request.pk)
    assert row.status == "declined" and row.decline_reason == "Short-staffed"
    assert not Absence.all_orgs.exists()


def test_approval_is_refused_when_the_guard_was_deactivated_meanwhile(org_a, manager_a):
    _, employee = _guard(org_a)
    request = _ask(employee)
    with use_org(org_a):
        employee.is_active = False
        employee.save(update_fields=["is_active"])
        with pytest.raises(ValidationError) as caught:
            services.approve_leave(request=request, by=manager_a)
        assert caught.value.code == "inactive_guard"
        assert LeaveRequest.objects.get(pk=request.pk).status == "pending"
        assert not Absence.objects.exists()


def test_org_a_cannot_decide_or_cancel_org_b_requests(org_a, org_b, manager_a, observer):
    _, b_employee = _guard(org_b)
    b_request = _ask(b_employee, note="CANARYB")
    with use_org(org_a):
        for decide in (
            lambda: services.approve_leave(request=b_request, by=manager_a),
            lambda: services.decline_leave(request=b_request, by=manager_a),
            lambda: services.cancel_leave(request=b_request),
        ):
            with pytest.raises(LeaveRequest.DoesNotExist):
                decide()
    with use_org(org_b), pytest.raises(CrossOrganizationError):
        services.approve_leave(request=b_request, by=manager_a)  # A's manager in B's scope
    with use_org(org_a), pytest.raises(Employee.DoesNotExist):  # B's guard in A's scope
        services.request_leave(employee=b_employee, start=TODAY(), end=TODAY(), kind="annual")
    assert LeaveRequest.all_orgs.get(pk=b_request.pk).status == "pending"
    assert LeaveRequest.all_orgs.count() == 1 and not Absence.all_orgs.exists()


# --- the decision email, through the worker --------------------------------------------


def _work():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_the_decision_email_goes_through_the_worker_to_the_guard_only(org_a, org_b, manager_a):
    user, employee = _guard(org_a, username="gina@alpha.example", first_name="Gina")
    _, other = _guard(org_a, username="otto@alpha.example")
    GuardUserFactory(org=org_b, username="bea@bravo.example")
    request = _ask(employee, note="Wedding")
    _ask(other, note="Otto's secret")
    with use_org(org_a):
        services.approve_leave(request=request, by=manager_a, base_url="https://app.example/")
    assert mail.outbox == []
    [task] = DBTaskResult.objects.values()
    assert task["args_kwargs"]["kwargs"] == {
        "template": "leave_decision",
        "user_id": user.pk,
        "base_url": "https://app.example/",
        "object_id": request.pk,
    }
    assert "Wedding" not in str(task) and "gina" not in str(task)
    _work()
    [message] = mail.outbox
    assert message.to == ["gina@alpha.example"]
    assert "approved" in message.subject and "Annual leave".lower() in message.body
    assert "https://app.example/me/leave/" in message.body
    assert "Otto" not in message.body and "CANARYB" not in message.body


@pytest.mark.django_db(transaction=True)
def test_a_decision_email_about_another_guards_or_orgs_request_is_not_sent(org_a, org_b):
    from organizations.tasks import send_email

    user, _ = _guard(org_a)
    _, other = _guard(org_a)
    _, b_employee = _guard(org_b)
    others = [_ask(other), _ask(b_employee)]
    for request in others:
        send_email.enqueue(
            template="leave_decision", user_id=user.pk, base_url="", object_id=request.pk
        )
    _work()
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_a_declined_request_emails_the_reason(org_a, manager_a):
    _, employee = _guard(org_a, username="gina@alpha.example")
    request = _ask(employee)
    with use_org(org_a):
        services.decline_leave(request=request, by=manager_a, reason="Month-end audit")
    _work()
    [message] = mail.outbox
    assert "declined" in message.subject and "Month-end audit" in message.body


# --- races -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_approvals_make_one_absence(org_a, manager_a, observer):
    _, employee = _guard(org_a)
    request = _ask(employee)
    manager_2 = type(manager_a).objects.get(pk=manager_a.pk)

    def approve(by):
        with use_org(org_a):
            return services.approve_leave(request=request, by=by)

    results = at_once(lambda: approve(manager_a), lambda: approve(manager_2))
    assert sorted(type(r).__name__ for r in results) == ["AlreadyDecided", "LeaveRequest"]
    assert Absence.all_orgs.filter(employee=employee).count() == 1
    assert DBTaskResult.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_approval_and_cancellation_at_once_end_in_one_decision(org_a, manager_a, observer):
    _, employee = _guard(org_a)
    request = _ask(employee)

    def run(service, **kwargs):
        with use_org(org_a):
            return service(request=request, **kwargs)

    results = at_once(
        lambda: run(services.approve_leave, by=manager_a), lambda: run(services.cancel_leave)
    )
    assert sum(isinstance(r, services.AlreadyDecided) for r in results) == 1
    status = LeaveRequest.all_orgs.get(pk=request.pk).status
    assert Absence.all_orgs.count() == (1 if status == "approved" else 0)


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_requests_at_once_leave_one(org_a, observer):
    _, employee = _guard(org_a)
    results = at_once(lambda: _ask(employee, start_in=5), lambda: _ask(employee, start_in=6))
    assert sum(isinstance(r, ValidationError) for r in results) == 1
    assert LeaveRequest.all_orgs.count() == 1


def test_factory_makes_a_pending_request_of_the_org(org_a, observer):
    request = LeaveRequestFactory(org=org_a)
    assert LeaveRequest.all_orgs.get(pk=request.pk).employee.org_id == org_a.pk
