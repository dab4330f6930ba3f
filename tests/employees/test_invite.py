"""Inviting a guard: the service, the button on the guard's page, the email through the
worker, the one-time link (re-inviting and using it end it) and two organizations."""

import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from employees import services
from employees.models import Employee
from organizations.models import User
from rostracore.tenancy.context import use_org
from tests.factories import DEMO_PASSWORD, EmployeeFactory, UserFactory

BASE = "http://testserver/"
NEW_PASSWORD = "Gate-keeper-2027"


def _work() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def _invite(employee: Employee, **kwargs) -> User:
    with use_org(employee.org):
        return services.invite_guard(employee=employee, base_url=BASE, **kwargs)


def _link(message) -> str:
    return re.search(r"http://testserver(/accounts/invite/\S+/)", message.body)[1]


@pytest.mark.django_db
def test_invite_makes_a_guard_login_of_the_same_organization(org_a):
    guard = EmployeeFactory(org=org_a, first_name="Thandi", email="Thandi@Example.com ")
    user = _invite(guard)
    assert (user.username, user.email, user.role, user.org_id) == (
        "Thandi@example.com",
        "Thandi@example.com",
        "guard",
        org_a.pk,
    )
    assert not user.is_staff and not user.is_superuser and not user.has_usable_password()
    assert user.first_name == "Thandi" and user.invited_at is not None
    with use_org(org_a):
        assert Employee.objects.get(pk=guard.pk).user_id == user.pk


@pytest.mark.django_db
def test_invite_needs_the_guards_email(org_a):
    guard = EmployeeFactory(org=org_a, email="")
    with pytest.raises(ValidationError) as error:
        _invite(guard)
    assert "email" in error.value.message_dict
    assert not User.objects.filter(role="guard").exists()


@pytest.mark.django_db
def test_an_address_that_is_another_login_changes_nothing(org_a, org_b, manager_b):
    guard = EmployeeFactory(org=org_a, email=manager_b.username)
    with pytest.raises(services.GuardLoginExists):
        _invite(guard)
    manager_b.refresh_from_db()
    assert manager_b.org_id == org_b.pk and manager_b.role == "manager"
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db
def test_reinviting_reuses_the_user(org_a):
    guard = EmployeeFactory(org=org_a, email="g@example.com")
    first = _invite(guard)
    again = _invite(guard, email="new@example.com")
    assert again.pk == first.pk and again.username == "new@example.com"
    assert User.objects.filter(role="guard").count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_guard_linked_to_another_organizations_user(org_a, manager_b):
    guard = EmployeeFactory(org=org_a)
    with use_org(org_a), pytest.raises(IntegrityError, match="same_org"), transaction.atomic():
        Employee.objects.filter(pk=guard.pk).update(user_id=manager_b.pk)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.django_db
def test_the_database_refuses_one_user_for_two_guards(org_a):
    user = UserFactory(org=org_a, role="guard", is_staff=False)
    first, second = EmployeeFactory(org=org_a), EmployeeFactory(org=org_a)
    with use_org(org_a):
        Employee.objects.filter(pk=first.pk).update(user=user)
        with pytest.raises(IntegrityError, match="employees_user_per_org"), transaction.atomic():
            Employee.objects.filter(pk=second.pk).update(user=user)


# --- the page ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_manager_invites_from_the_guards_page(client, manager_a, org_a):
    guard = EmployeeFactory(org=org_a, email="sipho@example.com")
    client.force_login(manager_a)
    assert "Invite" in client.get(guard.get_absolute_url()).content.decode()
    response = client.post(reverse("employees:invite", args=[guard.pk]), follow=True)
    assert "An invitation to choose a password is on its way to sipho@example.com" in (
        response.content.decode()
    )
    assert User.objects.get(username="sipho@example.com").role == "guard"


@pytest.mark.django_db
def test_a_taken_address_gets_the_same_answer_as_a_sent_invitation(
    client, manager_a, org_a, manager_b
):
    taken = EmployeeFactory(org=org_a, email=manager_b.username)
    free = EmployeeFactory(org=org_a, email="free@example.com")
    client.force_login(manager_a)
    answers = []
    for guard in (taken, free):
        response = client.post(reverse("employees:invite", args=[guard.pk]), follow=True)
        [message] = [str(m) for m in response.context["messages"]]
        answers.append(message.replace(guard.email, "<address>"))
    assert answers[0] == answers[1]
    assert "bravo" not in answers[0].lower() and str(manager_b.org) not in answers[0]


@pytest.mark.django_db
def test_a_guard_without_email_gets_the_message_at_the_email(client, manager_a, org_a):
    guard = EmployeeFactory(org=org_a, email="")
    client.force_login(manager_a)
    response = client.post(reverse("employees:invite", args=[guard.pk]))
    assert response.status_code == 200
    assert "Add the guard&#x27;s email address first" in response.content.decode()


@pytest.mark.django_db
def test_manager_cannot_invite_another_organizations_guard(client, manager_a, two_orgs):
    b_guard = two_orgs["bravo"]["flex"]
    client.force_login(manager_a)
    assert client.post(reverse("employees:invite", args=[b_guard.pk])).status_code == 404
    assert client.post(reverse("employees:invite", args=[10**9])).status_code == 404
    assert not User.objects.filter(role="guard").exists()
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db
def test_invite_is_post_only(client, manager_a, org_a):
    guard = EmployeeFactory(org=org_a, email="x@example.com")
    client.force_login(manager_a)
    assert client.get(reverse("employees:invite", args=[guard.pk])).status_code == 405


# --- the email and the link, through the worker --------------------------------------------


@pytest.mark.django_db(transaction=True)  # the worker runs and commits on its own
def test_the_invitation_email_goes_through_the_worker_with_ids_only(org_a):
    guard = EmployeeFactory(org=org_a, first_name="Lindiwe", last_name="Dube", email="l@x.example")
    user = _invite(guard)
    assert mail.outbox == []  # nothing sent inside the request
    [task] = DBTaskResult.objects.values()
    stored = str(task)
    for personal in ("l@x.example", "Lindiwe", "Dube", "invite/"):
        assert personal not in stored
    assert task["args_kwargs"]["kwargs"] == {
        "template": "invitation",
        "user_id": user.pk,
        "base_url": BASE,
    }
    _work()
    [message] = mail.outbox
    assert message.to == ["l@x.example"]
    assert org_a.company_name in message.subject and "Lindiwe" in message.body
    assert "invite/" not in str(DBTaskResult.objects.values().get())


@pytest.mark.django_db(transaction=True)
def test_the_link_sets_a_password_once_and_reinviting_ends_the_old_link(client, org_a):
    guard = EmployeeFactory(org=org_a, email="g@x.example")
    _invite(guard)
    _work()
    old = _link(mail.outbox[-1])
    _invite(guard)
    _work()
    new = _link(mail.outbox[-1])
    assert old != new
    response = client.get(old)
    assert (
        response.status_code == 404 and "This link is no longer valid" in response.content.decode()
    )
    assert client.get(new).status_code == 200
    response = client.post(new, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 200 and "Your password is saved" in response.content.decode()
    assert "no longer valid" in client.get(new).content.decode()  # used: gone
    # The guard logs in and lands on their shifts.
    response = client.post(reverse("login"), {"username": "g@x.example", "password": NEW_PASSWORD})
    assert response["Location"] == reverse("guards:my_shifts")


@pytest.mark.django_db
def test_a_mangled_link_and_a_password_reset_token_are_refused(client, org_a):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = _invite(EmployeeFactory(org=org_a, email="m@x.example"))
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    reset = default_token_generator.make_token(user)
    for url in (
        reverse("accept_invitation", args=[uid, reset]),
        reverse("accept_invitation", args=["!!", "x-y"]),
        reverse("accept_invitation", args=[urlsafe_base64_encode(b"999999999"), reset]),
    ):
        response = client.get(url)
        assert response.status_code == 404 and "no longer valid" in response.content.decode()


@pytest.mark.django_db
def test_an_invited_guards_page_says_so(client, manager_a, org_a):
    guard = EmployeeFactory(org=org_a, email="p@x.example")
    _invite(guard)
    client.force_login(manager_a)
    body = client.get(guard.get_absolute_url()).content.decode()
    assert "Login: p@x.example" in body and "Invite again" in body
    assert DEMO_PASSWORD not in body
