from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from organizations.models import User


def _run(*args: str) -> str:
    out = StringIO()
    call_command("create_manager", *args, stdout=out)
    return out.getvalue()


def test_creates_a_staff_manager_in_the_manager_group(org_a):
    out = _run("--org", "alpha", "--email", "Thandi@Alpha.Example", "--password", "s3cret-Pass!")
    user = User.objects.get(username="Thandi@alpha.example")
    assert out == "Created manager Thandi@alpha.example for Alpha Guarding (alpha).\n"
    assert (user.org, user.is_staff, user.is_superuser, user.role) == (
        org_a,
        True,
        False,
        User.Role.MANAGER,
    )
    assert list(user.groups.values_list("name", flat=True)) == ["Manager"]
    assert user.check_password("s3cret-Pass!")
    assert user.has_perm("employees.change_employee")
    assert not user.has_perm("organizations.change_organization")


def test_the_command_makes_its_manager_through_the_service(org_a, create_manager_calls):
    _run("--org", "alpha", "--email", "thandi@alpha.example", "--first-name", "Thandi")
    _run("--org", "alpha", "--email", "thandi@alpha.example", "--password", "Not-used-1")

    asked = [
        (c["org"], c["email"], c["first_name"], c["update_existing"]) for c in create_manager_calls
    ]
    assert asked == [
        (org_a, "thandi@alpha.example", "Thandi", True),
        (org_a, "thandi@alpha.example", "", True),
    ]
    assert not User.objects.get().check_password("Not-used-1")  # a rerun keeps the password


def test_generated_password_is_printed_once_and_works(org_a):
    out = _run("--org", "alpha", "--email", "sipho@alpha.example")
    password = out.strip().rstrip(".").rsplit("password: ", 1)[1]
    assert User.objects.get(username="sipho@alpha.example").check_password(password)


def test_rerun_is_idempotent_and_keeps_the_password(org_a):
    _run("--org", "alpha", "--email", "thandi@alpha.example", "--password", "first-Pass-1")
    user = User.objects.get()
    user.is_staff = False
    user.save()
    user.groups.clear()
    out = _run("--org", "alpha", "--email", "thandi@alpha.example", "--last-name", "Zulu")
    assert out == "Updated manager thandi@alpha.example for Alpha Guarding (alpha).\n"
    user.refresh_from_db()
    assert User.objects.count() == 1
    assert (user.is_staff, user.last_name) == (True, "Zulu")
    assert user.check_password("first-Pass-1")
    assert user.groups.filter(name="Manager").exists()


def test_managers_of_two_orgs(org_a, org_b):
    _run("--org", "alpha", "--email", "a@alpha.example")
    _run("--org", "bravo", "--email", "b@bravo.example")
    assert dict(User.objects.values_list("username", "org__slug")) == {
        "a@alpha.example": "alpha",
        "b@bravo.example": "bravo",
    }


def test_refuses_an_email_of_another_org(org_a, org_b):
    _run("--org", "alpha", "--email", "thandi@alpha.example")
    with pytest.raises(CommandError, match="already belongs to another organization"):
        _run("--org", "bravo", "--email", "thandi@alpha.example")
    assert User.objects.get().org == org_a


def test_refuses_platform_staff(org_a, platform_user):
    with pytest.raises(CommandError, match="is platform staff"):
        _run("--org", "alpha", "--email", platform_user.username)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--org", "nope", "--email", "x@example.com"],
            r"No organization with slug 'nope' \(known: alpha\)",
        ),
        (["--org", "alpha", "--email", "not-an-email"], "is not a valid email address"),
    ],
)
def test_bad_input_is_a_clear_command_error(org_a, args, message):
    with pytest.raises(CommandError, match=message):
        _run(*args)
    assert not User.objects.exists()


def test_missing_group_is_a_clear_command_error(org_a):
    # Renamed, not deleted: only migrations may change which group holds which permission.
    Group.objects.filter(name="Manager").update(name="Not the manager group")
    with pytest.raises(CommandError, match="group is missing"):
        _run("--org", "alpha", "--email", "x@alpha.example")


def test_migration_made_the_manager_group(db):
    """0002 grants the daily work; later migrations may add (the audit trail's view does),
    but never organizations, groups, permissions or deleting users."""
    codenames = set(
        Group.objects.get(name="Manager").permissions.values_list("codename", flat=True)
    )
    assert codenames >= {
        *(
            f"{action}_{model}"
            for action in ("view", "add", "change", "delete")
            for model in ("client", "site", "employee", "shift")
        ),
        "view_user",
        "add_user",
        "change_user",
    }
    forbidden = {"delete_user", "add_organization", "change_organization", "change_group"}
    assert not codenames & forbidden
    assert not any(c.endswith("_permission") for c in codenames)
