"""services.add_manager: what a manager's "add user" does (tests/admin/test_user_add.py
checks the admin gives one answer either way)."""

import pytest
from django.contrib.auth.models import Group
from django.forms.models import model_to_dict

from organizations.models import User
from organizations.services import add_manager


def _as_stored(user: User) -> dict:
    user.refresh_from_db()
    return {**model_to_dict(user), "groups": sorted(g.pk for g in user.groups.all())}


def test_a_fresh_address_becomes_a_staff_manager_in_the_manager_group(org_a):
    user = add_manager(org=org_a, email=" Nomsa@Alpha.Example ", first_name="Nomsa")

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


@pytest.mark.parametrize("whose", ["own colleague", "other organization", "platform staff"])
def test_an_address_with_a_login_anywhere_is_left_alone(org_a, manager_a, manager_b, whose):
    existing = {
        "own colleague": manager_a,
        "other organization": manager_b,
        "platform staff": User.objects.create_superuser("staff@rostracore.example"),
    }[whose]
    before = _as_stored(existing)
    users = User.objects.count()

    assert add_manager(org=org_a, email=existing.username.upper(), last_name="Changed") is None

    assert _as_stored(existing) == before
    assert User.objects.count() == users


def test_without_the_manager_group_nothing_is_made(org_a):
    # Renamed, not deleted: only migrations may change which group holds which permission.
    Group.objects.filter(name="Manager").update(name="Not the manager group")
    with pytest.raises(Group.DoesNotExist):
        add_manager(org=org_a, email="nomsa@alpha.example")
    assert not User.objects.filter(username="nomsa@alpha.example").exists()
