"""The guard's leave page (/me/leave/) and the managers' requests inbox (/requests/): two
organizations (B's rows carry "CANARYB") and two guards, always."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from guards.models import LeaveRequest
from rostracore.tenancy.context import use_org
from scheduling.models import Absence
from tests.factories import GuardUserFactory, LeaveRequestFactory, UserFactory

# A page flow runs like production: no outer transaction, each request in its own
# ATOMIC_REQUESTS transaction (the owner empties the tables afterwards).
pytestmark = pytest.mark.django_db(transaction=True)

LEAVE = reverse("guards:leave")
INBOX = reverse("guards:requests")
CANARY = "CANARYB"


def _employee(user):
    with use_org(user.org):
        return user.employees.get()


@pytest.fixture
def guard_a(org_a):
    return GuardUserFactory(org=org_a, username="gina@alpha.example", employee__first_name="Gina")


@pytest.fixture
def guard_a2(org_a):
    return GuardUserFactory(org=org_a, username="otto@alpha.example", employee__first_name="Otto")


@pytest.fixture
def guard_b(org_b):
    return GuardUserFactory(org=org_b, username="bea@bravo.example", employee__first_name=CANARY)


def _leave(user, **kwargs):
    return LeaveRequestFactory(org=user.org, employee=_employee(user), **kwargs)


def _status(request) -> str:
    return LeaveRequest.all_orgs.filter(pk=request.pk).values_list("status", flat=True).get()


# --- the guard's page ------------------------------------------------------------------


def test_guard_asks_for_leave_and_sees_it_pending(client, guard_a, observer):
    client.force_login(guard_a)
    start = timezone.localdate() + dt.timedelta(days=10)
    response = client.post(
        LEAVE,
        {"start": start, "end": start + dt.timedelta(days=1), "kind": "sick", "note": "Flu"},
    )
    assert response.status_code == 302 and response["Location"] == LEAVE
    [row] = LeaveRequest.all_orgs.all()
    assert (row.employee_id, row.kind, row.status) == (_employee(guard_a).pk, "sick", "pending")
    body = client.get(LEAVE).content.decode()
    assert "Sick leave" in body and "Pending" in body and "Cancel this request" in body


def test_my_shifts_links_to_my_leave(client, guard_a):
    client.force_login(guard_a)
    assert LEAVE in client.get(reverse("guards:my_shifts")).content.decode()


def test_the_form_shows_the_services_refusal_on_the_field(client, guard_a, observer):
    client.force_login(guard_a)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = client.post(LEAVE, {"start": yesterday, "end": yesterday, "kind": "annual"})
    assert response.status_code == 400
    assert response.context["form"].errors == {"start": ["The first day cannot be in the past."]}
    assert not LeaveRequest.all_orgs.exists()


def test_guard_cancels_their_pending_request(client, guard_a, observer):
    request = _leave(guard_a)
    client.force_login(guard_a)
    response = client.post(reverse("guards:leave_cancel", args=[request.pk]), follow=True)
    assert "cancelled" in response.content.decode() and _status(request) == "cancelled"
    assert client.get(reverse("guards:leave_cancel", args=[request.pk])).status_code == 405


def test_guard_never_sees_nor_cancels_another_guards_request(client, guard_a, guard_a2, observer):
    theirs = _leave(guard_a2, note="Otto's private note")
    client.force_login(guard_a)
    body = client.get(LEAVE).content.decode()
    assert "Otto" not in body and "private note" not in body
    response = client.post(reverse("guards:leave_cancel", args=[theirs.pk]))
    assert response.status_code == 404 and _status(theirs) == "pending"


def test_org_a_guard_never_sees_nor_cancels_org_b_requests(client, guard_a, guard_b, observer):
    theirs = _leave(guard_b, note=CANARY)
    client.force_login(guard_a)
    assert CANARY not in client.get(LEAVE).content.decode()
    missing = reverse("guards:leave_cancel", args=[10**9])
    foreign = client.post(reverse("guards:leave_cancel", args=[theirs.pk]))
    assert foreign.status_code == client.post(missing).status_code == 404
    assert foreign.content == client.post(missing).content
    assert _status(theirs) == "pending"


def test_managers_get_403_on_the_guards_leave_page_and_guards_on_the_inbox(
    client, guard_a, manager_a, observer
):
    request = _leave(guard_a)
    client.force_login(manager_a)
    assert client.get(LEAVE).status_code == 403
    client.force_login(guard_a)
    assert client.get(INBOX).status_code == 403
    assert client.post(reverse("guards:leave_approve", args=[request.pk])).status_code == 403
    assert _status(request) == "pending"


# --- the managers' inbox -----------------------------------------------------------------


def test_inbox_lists_pending_requests_oldest_first(client, manager_a, guard_a, guard_a2):
    now = timezone.now()
    newer = _leave(guard_a, created_at=now - dt.timedelta(hours=1))
    older = _leave(guard_a2, created_at=now - dt.timedelta(days=2))
    _leave(guard_a, status="approved", start=timezone.localdate() + dt.timedelta(days=30))
    client.force_login(manager_a)
    response = client.get(INBOX)
    assert [r.pk for _, r in response.context["items"]] == [older.pk, newer.pk]
    body = response.content.decode()
    assert "Gina" in body and "Otto" in body and 'href="/requests/"' in body


def test_manager_approves_and_a_second_approval_is_told_it_was_decided(
    client, manager_a, guard_a, observer
):
    request = _leave(guard_a)
    client.force_login(manager_a)
    url = reverse("guards:leave_approve", args=[request.pk])
    response = client.post(url, follow=True)
    assert "Approved: Gina" in response.content.decode() and _status(request) == "approved"
    response = client.post(url, follow=True)
    assert "This request was already decided" in response.content.decode()
    assert Absence.all_orgs.count() == 1


def test_manager_declines_with_a_reason(client, manager_a, guard_a, observer):
    request = _leave(guard_a)
    client.force_login(manager_a)
    client.post(reverse("guards:leave_decline", args=[request.pk]), {"reason": "Audit week"})
    row = LeaveRequest.all_orgs.get(pk=request.pk)
    assert (row.status, row.decline_reason, row.decided_by_id) == (
        "declined",
        "Audit week",
        manager_a.pk,
    )
    client.force_login(guard_a)
    assert "Audit week" in client.get(LEAVE).content.decode()


def test_decisions_are_post_only(client, manager_a, guard_a, observer):
    request = _leave(guard_a)
    client.force_login(manager_a)
    for name in ("guards:leave_approve", "guards:leave_decline"):
        assert client.get(reverse(name, args=[request.pk])).status_code == 405
    assert _status(request) == "pending"


def test_org_a_manager_cannot_see_or_decide_org_b_requests(client, manager_a, guard_b, observer):
    theirs = _leave(guard_b, note=CANARY)
    before = LeaveRequest.all_orgs.filter(pk=theirs.pk).values().get()
    client.force_login(manager_a)
    assert CANARY not in client.get(INBOX).content.decode()
    for name in ("guards:leave_approve", "guards:leave_decline"):
        foreign = client.post(reverse(name, args=[theirs.pk]), {"reason": "x"})
        missing = client.post(reverse(name, args=[10**9]), {"reason": "x"})
        assert foreign.status_code == missing.status_code == 404
    assert LeaveRequest.all_orgs.filter(pk=theirs.pk).values().get() == before
    assert not Absence.all_orgs.exists()


def test_csrf_is_required_for_decisions(manager_a, guard_a, observer):
    from django.test import Client as HttpClient

    request = _leave(guard_a)
    strict = HttpClient(enforce_csrf_checks=True)
    strict.force_login(manager_a)
    assert strict.post(reverse("guards:leave_approve", args=[request.pk])).status_code == 403
    assert _status(request) == "pending"


@pytest.mark.parametrize("requests", [5, 50])
def test_inbox_query_count_is_constant(
    client, org_a, manager_a, requests, django_assert_max_num_queries
):
    guards = [GuardUserFactory(org=org_a) for _ in range(5)]
    with use_org(org_a):
        employees = [g.employees.get() for g in guards]
        start = timezone.localdate() + dt.timedelta(days=7)
        LeaveRequest.objects.bulk_create(
            LeaveRequest(
                employee=employees[n % 5],
                start=start + dt.timedelta(days=3 * n),
                end=start + dt.timedelta(days=3 * n + 1),
            )
            for n in range(requests)
        )
    client.force_login(manager_a)
    # Session, user, organization, the count, the page of (kind, id) and each kind's rows.
    with django_assert_max_num_queries(8):
        response = client.get(INBOX)
    assert len(response.context["page"].object_list) == requests


def test_inbox_is_paginated_at_50(client, org_a, manager_a):
    user = GuardUserFactory(org=org_a)
    with use_org(org_a):
        employee = user.employees.get()
        start = timezone.localdate() + dt.timedelta(days=7)
        LeaveRequest.objects.bulk_create(
            LeaveRequest(
                employee=employee,
                start=start + dt.timedelta(days=n),
                end=start + dt.timedelta(days=n),
            )
            for n in range(51)
        )
    client.force_login(manager_a)
    assert len(client.get(INBOX).context["page"].object_list) == 50
    assert len(client.get(INBOX + "?page=2").context["page"].object_list) == 1


def test_another_manager_of_the_same_org_sees_the_inbox(client, org_a, guard_a):
    _leave(guard_a)
    client.force_login(UserFactory(org=org_a))
    assert len(client.get(INBOX).context["page"].object_list) == 1
