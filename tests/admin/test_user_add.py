"""A manager adds a colleague by email, and learns nothing about logins outside their
organization: usernames are unique across the platform, so "that username already exists"
would tell org A's manager that an address is a user of org B or platform staff."""

import pytest
from django.forms.models import model_to_dict

from organizations.models import User

# A page flow runs like production: no outer transaction, each request in its own
# ATOMIC_REQUESTS transaction (the owner empties the tables afterwards).
pytestmark = pytest.mark.django_db(transaction=True)

ADD_URL = "/admin/organizations/user/add/"


def _add(client, email: str):
    # The fields of both designs: today's username form accepts this body for a fresh
    # address too, so the comparison below is between two accepted-looking submissions.
    response = client.post(
        ADD_URL,
        {
            "username": email,
            "email": email,
            "first_name": "New",
            "last_name": "Colleague",
            "usable_password": "false",
            "_save": "Save",
        },
    )
    location = response.get("Location")
    # What the manager is told: the messages on the page the answer leads to (reading them
    # there also clears them for the next add). The address itself is in the message; the
    # rest must be the same for every address.
    page = client.get(location) if location else response
    messages = [str(m).replace(email, "<email>") for m in page.context["messages"]]
    return response.status_code, location, messages


def _as_stored(user: User) -> dict:
    user.refresh_from_db()
    return {**model_to_dict(user), "groups": sorted(g.pk for g in user.groups.all())}


def test_adding_a_foreign_or_platform_login_looks_exactly_like_adding_a_new_one(
    client_a, manager_b, platform_user
):
    before = {user.pk: _as_stored(user) for user in (manager_b, platform_user)}

    foreign = _add(client_a, manager_b.username)
    platform = _add(client_a, platform_user.username)
    fresh = _add(client_a, "new.colleague@alpha.example")

    assert foreign == platform == fresh
    status, location, messages = fresh
    assert status == 302
    assert location == "/admin/organizations/user/"
    assert len(messages) == 1
    # Nothing of B's user or of platform staff changed.
    assert {user.pk: _as_stored(user) for user in (manager_b, platform_user)} == before
    assert not User.objects.filter(username__iexact=manager_b.username, org__slug="alpha").exists()


def test_a_fresh_address_becomes_a_manager_of_the_managers_organization(client_a, org_a):
    _add(client_a, "Thandi@Alpha.Example")

    user = User.objects.get(username="Thandi@alpha.example")
    assert (user.org, user.email, user.is_staff, user.is_superuser, user.role) == (
        org_a,
        "Thandi@alpha.example",
        True,
        False,
        User.Role.MANAGER,
    )
    assert list(user.groups.values_list("name", flat=True)) == ["Manager"]
    assert (user.first_name, user.last_name) == ("New", "Colleague")
    assert not user.has_usable_password()  # set from the user's page, as the message says


def test_an_address_that_differs_only_in_case_is_not_a_second_login(client_a, manager_b):
    before = _as_stored(manager_b)
    assert _add(client_a, manager_b.username.upper())[0] == 302
    assert User.objects.filter(username__iexact=manager_b.username).count() == 1
    assert _as_stored(manager_b) == before


def test_a_managers_add_goes_through_the_service_whatever_the_address(
    client_a, org_a, manager_b, create_manager_calls
):
    _add(client_a, "new.colleague@alpha.example")
    _add(client_a, manager_b.username)  # refused by the service (ManagerExists), said alike

    assert [(c["org"], c["email"], c["first_name"]) for c in create_manager_calls] == [
        (org_a, "new.colleague@alpha.example", "New"),
        (org_a, manager_b.username, "New"),
    ]
    assert not create_manager_calls[0].get("update_existing")  # an existing login is left alone


def test_platform_staffs_add_goes_through_the_service(platform_client, org_a, create_manager_calls):
    platform_client.post(
        ADD_URL,
        {
            "username": "made.by.staff@alpha.example",
            "usable_password": "true",
            "password1": "Long-enough-pass-1",
            "password2": "Long-enough-pass-1",
            "org": org_a.pk,
            "role": "manager",
            "_save": "Save",
        },
    )

    [call] = create_manager_calls
    assert (call["org"], call["email"]) == (org_a, "made.by.staff@alpha.example")
    assert User.objects.get(username="made.by.staff@alpha.example").check_password(
        "Long-enough-pass-1"
    )


def test_platform_staff_add_a_manager_whose_login_is_an_email_address(platform_client, org_a):
    response = platform_client.post(
        ADD_URL,
        {
            "username": "not-an-address",
            "usable_password": "false",
            "org": org_a.pk,
            "_save": "Save",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["username"] == ["Enter a valid email address."]
    assert not User.objects.filter(username="not-an-address").exists()


@pytest.mark.parametrize("email", ["", "not-an-address"])
def test_a_missing_or_malformed_address_is_a_form_error(client_a, email):
    users = User.objects.count()
    status, _location, _messages = _add(client_a, email)
    assert status == 200
    assert User.objects.count() == users


def test_the_add_form_asks_only_for_the_address_and_names(client_a):
    response = client_a.get(ADD_URL)
    assert response.status_code == 200
    fields = list(response.context["adminform"].form.fields)
    assert fields == ["email", "first_name", "last_name"]


def test_platform_staff_still_add_users_with_a_username_and_organization(platform_client, org_a):
    response = platform_client.post(
        ADD_URL,
        {
            "username": "made.by.staff@alpha.example",
            "usable_password": "false",
            "org": org_a.pk,
            "role": "manager",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="made.by.staff@alpha.example")
    assert (user.org, user.is_staff) == (org_a, True)
    assert list(user.groups.values_list("name", flat=True)) == ["Manager"]
