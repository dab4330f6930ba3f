"""services.create_manager: the one way a manager is made (the user admin, the create_manager
command and seed_demo call it; tests/admin/test_user_add.py, test_create_manager.py and
tests/operations/test_seed_scale.py prove each of them does)."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict

from organizations.models import User
from organizations.services import ManagerExists, create_manager


def _as_stored(user: User) -> dict:
    user.refresh_from_db()
    return {**model_to_dict(user), "groups": sorted(g.pk for g in user.groups.all())}


def test_a_fresh_address_becomes_a_staff_manager_in_the_manager_group(org_a):
    user = create_manager(org=org_a, email=" Nomsa@Alpha.Example ", first_name="Nomsa")

    assert user == User.objects.get(username="Nomsa@alpha.example")
    assert (user.org, user.email, user.first_name, user.role) == (
        org_a,
        "Nomsa@alpha.example",
        "Nomsa",
        User.Role.MANAGER,
    )
    assert (user.is_staff, user.is_superuser, user.has_usable_password()) == (True, False, False)
    assert list(user.groups.values_list("name", flat=True)) == ["Manager"]
    assert user.has_perm("employees.change_employee")


def test_a_new_manager_gets_the_password_or_the_hash_given(org_a):
    by_password = create_manager(org=org_a, email="a@alpha.example", password="Long-pass-1")
    by_hash = create_manager(org=org_a, email="b@alpha.example", password_hash=by_password.password)

    assert by_password.check_password("Long-pass-1")
    assert by_hash.check_password("Long-pass-1")
    with pytest.raises(ValueError, match="not both"):
        create_manager(org=org_a, email="c@alpha.example", password="x", password_hash="y")


@pytest.mark.parametrize(
    ("whose", "reason"),
    [
        ("own colleague", r"^alice@alpha\.example already is a login of Alpha Guarding\.$"),
        (
            "other organization",
            r"^bob@bravo\.example already belongs to another organization \(Bravo Security\)\.$",
        ),
        (
            "platform staff",
            r"^staff@rostracore\.example is platform staff, not a manager of an organization\.$",
        ),
    ],
)
def test_an_address_with_a_login_anywhere_is_refused_and_left_alone(
    org_a, manager_a, manager_b, platform_user, whose, reason
):
    existing = {
        "own colleague": manager_a,
        "other organization": manager_b,
        "platform staff": platform_user,
    }[whose]
    before = _as_stored(existing)
    users = User.objects.count()

    with pytest.raises(ManagerExists, match=reason) as raised:
        create_manager(org=org_a, email=existing.username.upper(), last_name="Changed")

    assert raised.value.user == existing
    assert _as_stored(existing) == before
    assert User.objects.count() == users


def test_update_existing_makes_a_colleague_a_manager_again_and_keeps_the_password(org_a, manager_a):
    manager_a.set_password("Kept-pass-1")
    manager_a.is_staff = False
    manager_a.save()
    manager_a.groups.clear()

    user = create_manager(
        org=org_a,
        email=manager_a.username,
        last_name="Zulu",
        password="Ignored-pass-1",
        update_existing=True,
    )

    user.refresh_from_db()
    assert (user.pk, user.is_staff, user.role, user.last_name) == (
        manager_a.pk,
        True,
        User.Role.MANAGER,
        "Zulu",
    )
    assert user.first_name == manager_a.first_name  # a blank name leaves the old one
    assert user.check_password("Kept-pass-1")
    assert list(user.groups.values_list("name", flat=True)) == ["Manager"]


@pytest.mark.parametrize("whose", ["other organization", "platform staff"])
def test_update_existing_never_takes_another_organizations_user_or_platform_staff(
    org_a, manager_b, platform_user, whose
):
    existing = manager_b if whose == "other organization" else platform_user
    before = _as_stored(existing)
    with pytest.raises(ManagerExists):
        create_manager(org=org_a, email=existing.username, update_existing=True)
    assert _as_stored(existing) == before


def test_an_address_that_is_not_one_is_a_validation_error(org_a):
    with pytest.raises(ValidationError):
        create_manager(org=org_a, email="not-an-address")
    assert not User.objects.exists()


def test_without_the_manager_group_nothing_is_made(org_a):
    # Renamed, not deleted: only migrations may change which group holds which permission.
    Group.objects.filter(name="Manager").update(name="Not the manager group")
    with pytest.raises(Group.DoesNotExist):
        create_manager(org=org_a, email="nomsa@alpha.example")
    assert not User.objects.filter(username="nomsa@alpha.example").exists()
