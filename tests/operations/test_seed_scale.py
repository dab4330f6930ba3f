"""seed_demo: the two-organization demo keeps its logins (test_seed_demo.py checks the rest);
--orgs builds data at scale.

The scale path writes with COPY through the operations connection, bypassing the ORM's
per-write organization checks, so these tests check isolation in the database itself: every
reference from a row points at a row of the same organization.
"""

import io
import re

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connections, transaction

from clients.models import Client
from employees.models import Employee
from organizations.models import Organization, User
from rostracore.tenancy.context import all_organizations, use_org
from rostracore.tenancy.db import operations_alias
from scheduling.models import Shift

# "__all__": the scale path writes through the owner alias when settings have one.
pytestmark = [
    pytest.mark.django_db(transaction=True, databases="__all__"),
    # The demo rosters its current week: bounded by work (tests/operations/conftest.py).
    pytest.mark.usefixtures("seed_solver_bounded_by_work"),
]
# The checks read (and one test tampers) as the owner role, which row-level security does
# not bind: they must see every organization's rows.
OWNER = operations_alias()

CROSS_ORG_REFERENCES = {
    "guard -> assigned client": """
        SELECT count(*) FROM employees e JOIN clients c ON c.id = e.assigned_client_id
        WHERE c.org_id <> e.org_id""",
    "site -> client": """
        SELECT count(*) FROM clients_site s JOIN clients c ON c.id = s.client_id
        WHERE c.org_id <> s.org_id""",
    "shift -> site": """
        SELECT count(*) FROM scheduling_shift sh JOIN clients_site s ON s.id = sh.site_id
        WHERE s.org_id <> sh.org_id""",
    "shift -> guard": """
        SELECT count(*) FROM scheduling_shift sh JOIN employees e ON e.id = sh.employee_id
        WHERE e.org_id <> sh.org_id""",
    "manager -> organization": """
        SELECT count(*) FROM organizations_user u LEFT JOIN organizations o ON o.id = u.org_id
        WHERE u.is_superuser = false AND o.id IS NULL""",
}


@pytest.fixture(autouse=True)
def manager_group():
    """Migration 0002 makes the group; a transactional test's flush has removed it since."""
    return Group.objects.get_or_create(name="Manager")[0]


@pytest.fixture(autouse=True)
def development(settings):
    """seed_demo makes logins with the published demo password, so it runs only in
    development; Django runs every test with DEBUG off, whatever DJANGO_DEBUG says."""
    settings.DEBUG = True


def _cross_org_references() -> dict[str, int]:
    with connections[OWNER].cursor() as cursor:
        found = {}
        for name, query in CROSS_ORG_REFERENCES.items():
            cursor.execute(query)
            found[name] = cursor.fetchone()[0]
        return found


def _seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def test_scale_path_builds_what_it_says_and_keeps_every_reference_in_its_organization():
    out = _seed(orgs=3, guards=20, weeks=1)

    orgs = list(Organization.objects.filter(slug__startswith="scale-").order_by("slug"))
    assert [org.slug for org in orgs] == ["scale-001", "scale-002", "scale-003"]
    # 20 guards: 1 client (one per 50 guards, at least one) with 5 sites; 5 teams of 4
    # guards staff 5 sites, a day and a night shift every day for a week.
    assert "created 3 organizations, 3 clients, 15 sites, 60 guards, 210 shifts (1 weeks)" in out
    assert re.search(r"in \d+\.\d s \(2 workers\)", out)  # how long it took
    for org in orgs:
        manager = User.objects.get(org=org, username=f"manager@{org.slug}.example")
        assert manager.check_password("rostracore-demo")
        assert list(manager.groups.values_list("name", flat=True)) == ["Manager"]
        with use_org(org):
            assert Employee.objects.count() == 20
            assert Client.objects.count() == 1
            assert Shift.objects.count() == 70
            # Some shifts are left open: those where (site + day + post) is a multiple of 10.
            assert Shift.objects.filter(employee__isnull=True).count() == sum(
                (site + day + post) % 10 == 0
                for site in range(5)
                for day in range(7)
                for post in range(2)
            )
            # Dedicated guards exist, and each of them is dedicated to this org's client.
            assert Employee.objects.filter(assigned_client__isnull=False).count() >= 16
            assert set(
                Employee.objects.exclude(assigned_client=None).values_list(
                    "assigned_client__org", flat=True
                )
            ) == {org.pk}
    assert _cross_org_references() == dict.fromkeys(CROSS_ORG_REFERENCES, 0)


def test_the_database_refuses_a_cross_organization_reference_and_the_check_sees_one():
    _seed(orgs=2, guards=8, weeks=1)
    first, second = Organization.objects.filter(slug__startswith="scale-").order_by("slug")
    # Point one of the first organization's shifts at the second one's guard, behind
    # tenancy's back, exactly the kind of row a buggy bulk loader would write.
    tamper = (
        "UPDATE scheduling_shift SET employee_id = ("
        "  SELECT min(id) FROM employees WHERE org_id = %s) "
        "WHERE id = (SELECT min(id) FROM scheduling_shift WHERE org_id = %s "
        "            AND employee_id IS NOT NULL)"
    )
    # The composite foreign key (org_id, employee_id) -> employees (org_id, id) refuses it.
    with (
        pytest.raises(IntegrityError, match="same_org_fk"),
        transaction.atomic(using=OWNER),
        connections[OWNER].cursor() as cursor,
    ):
        cursor.execute(tamper, [second.pk, first.pk])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # Without that key (dropped in a transaction that is rolled back), the check itself
    # must catch the row: it is not a check that cannot fail.
    with transaction.atomic(using=OWNER), connections[OWNER].cursor() as cursor:
        cursor.execute(
            "ALTER TABLE scheduling_shift "
            "DROP CONSTRAINT IF EXISTS scheduling_shift_employee_id_same_org_fk"
        )
        cursor.execute(tamper, [second.pk, first.pk])
        assert _cross_org_references()["shift -> guard"] == 1
        transaction.set_rollback(True, using=OWNER)
    assert _cross_org_references() == dict.fromkeys(CROSS_ORG_REFERENCES, 0)


def test_scale_path_is_idempotent():
    _seed(orgs=2, guards=8, weeks=1)
    out = _seed(orgs=3, guards=8, weeks=1)
    assert "created 1 organizations" in out
    assert "2 organizations already existed and were left alone" in out
    assert Organization.objects.filter(slug__startswith="scale-").count() == 3
    with all_organizations():
        assert Employee.all_orgs.count() == 24


def test_no_arguments_still_make_exactly_the_two_demo_organizations():
    out = _seed()
    assert sorted(Organization.objects.values_list("slug", flat=True)) == ["acme", "bastion"]
    assert "manager@acme.example" in out
    assert "manager@bastion.example" in out
    assert "Demo data: created acme, bastion in " in out
    for slug in ("acme", "bastion"):
        manager = User.objects.get(username=f"manager@{slug}.example", org__slug=slug)
        assert list(manager.groups.values_list("name", flat=True)) == ["Manager"]
    assert _cross_org_references() == dict.fromkeys(CROSS_ORG_REFERENCES, 0)
    assert "nothing new" in _seed()


def test_each_demo_organization_gets_two_guard_logins_linked_to_its_own_guards():
    out = _seed()
    for slug in ("acme", "bastion"):
        for n in (1, 2):
            login = f"guard{n}@{slug}.example"
            assert login in out
            user = User.objects.get(username=login, org__slug=slug, role="guard")
            assert user.check_password("rostracore-demo") and not user.is_staff
            with use_org(user.org):
                assert user.employees.get().email == login


def test_both_paths_make_their_managers_through_the_service(create_manager_calls):
    _seed()
    _seed(orgs=1, guards=4, weeks=0)

    made = [(c["org"].slug, c["email"], c.get("using", "default")) for c in create_manager_calls]
    assert made == [
        ("acme", "manager@acme.example", "default"),
        ("bastion", "manager@bastion.example", "default"),
        ("scale-001", "manager@scale-001.example", OWNER),
    ]
    # One hash of the demo password for every login of a run (hashing is slow on purpose).
    assert "password_hash" in create_manager_calls[0]
    assert "password_hash" in create_manager_calls[2]  # hashed once for every scale manager


@pytest.mark.parametrize(
    "options", [{"orgs": 0}, {"orgs": 2, "guards": 0}, {"orgs": 2, "weeks": -1}]
)
def test_bad_sizes_fail_clearly_and_write_nothing(options):
    with pytest.raises(CommandError, match="at least"):
        _seed(**options)
    assert not Organization.objects.exists()


def test_a_prefix_makes_another_set_beside_the_first():
    _seed(orgs=1, guards=4, weeks=1)
    _seed(orgs=1, guards=12, weeks=1, prefix="bench-small")
    assert sorted(Organization.objects.values_list("slug", flat=True)) == [
        "bench-small-001",
        "scale-001",
    ]
    with use_org(Organization.objects.get(slug="bench-small-001")):
        assert Employee.objects.count() == 12
    with pytest.raises(CommandError, match="--prefix"):
        _seed(orgs=1, prefix="Not A Slug")


@pytest.mark.parametrize("options", [{}, {"orgs": 1, "guards": 4, "weeks": 0}])
def test_refuses_to_make_demo_logins_unless_debug_is_on(settings, options):
    settings.DEBUG = False
    with pytest.raises(CommandError, match=r"published demo password.*DJANGO_DEBUG=true"):
        _seed(**options)
    assert not Organization.objects.exists()
    assert not User.objects.exists()
