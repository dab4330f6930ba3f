"""In org A's scope every read and write path sees or changes only org A's rows, and writes
that would put or point a row into org B are refused."""

import pytest
from asgiref.sync import async_to_sync
from django.db.models import Count
from django.utils import timezone

from clients.models import Client, Site
from employees.models import Employee
from rostracore.tenancy.context import CrossOrganizationError, use_org
from tests.factories import ShiftFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def a(two_orgs):
    return two_orgs["alpha"]


@pytest.fixture
def b(two_orgs):
    return two_orgs["bravo"]


def _org_ids(rows):
    return {row.org_id for row in rows}


def test_reads_see_only_the_current_org(a, b):
    b_pk = b["dedicated"].pk
    with use_org(a["org"]):
        assert _org_ids(Employee.objects.all()) == {a["org"].pk}
        assert Employee.objects.count() == 2
        assert not Employee.objects.filter(pk=b_pk).exists()
        with pytest.raises(Employee.DoesNotExist):
            Employee.objects.get(pk=b_pk)
        assert Employee.objects.in_bulk([b_pk, a["flex"].pk]).keys() == {a["flex"].pk}
        assert Employee.objects.aggregate(n=Count("id")) == {"n": 2}
        assert set(Employee.objects.values_list("org_id", flat=True)) == {a["org"].pk}
        assert {row["org_id"] for row in Employee.objects.values("org_id")} == {a["org"].pk}
        assert _org_ids(Employee.objects.iterator()) == {a["org"].pk}
        assert Employee.objects.order_by("pk").first().org_id == a["org"].pk
        assert _org_ids(Employee.objects.all()[:10]) == {a["org"].pk}
        union = Employee.objects.filter(pk=b_pk).union(Employee.objects.filter(pk=a["flex"].pk))
        assert [e.pk for e in union] == [a["flex"].pk]
        assert "org_id" in Employee.objects.explain()
        # Subqueries and related managers are scoped too.
        assert not Employee.objects.filter(assigned_client__in=Client.all_orgs.all()).filter(
            org_id=b["org"].pk
        )
        assert list(b["client"].dedicated_employees.all()) == []
        assert list(Client.objects.filter(pk__in=Client.objects.values("pk"))) == [a["client"]]


def test_async_reads_see_only_the_current_org(a, b):
    async def read():
        with use_org(a["org"]):
            rows = [e async for e in Employee.objects.all()]
            streamed = [e async for e in Employee.objects.aiterator()]
            return (
                rows,
                streamed,
                await Employee.objects.acount(),
                await Employee.objects.filter(pk=b["flex"].pk).aexists(),
            )

    rows, streamed, count, b_exists = async_to_sync(read)()
    assert _org_ids(rows) == _org_ids(streamed) == {a["org"].pk}
    assert count == 2 and b_exists is False


def test_queryset_built_in_one_scope_runs_in_the_scope_that_evaluates_it(a, b):
    # A class-level or import-time queryset must not keep the filter of when it was built.
    with use_org(a["org"]):
        clients = Client.objects.all()
        assert list(clients) == [a["client"]]
    with use_org(b["org"]):
        assert list(clients.all()) == [b["client"]]


def test_update_and_delete_touch_only_the_current_org(a, b, observer):
    with use_org(a["org"]):
        assert Employee.objects.update(is_active=False) == 2
        assert Employee.objects.filter(pk=b["flex"].pk).update(phone="x") == 0
        deleted, _ = Employee.objects.filter(pk__in=[a["flex"].pk, b["flex"].pk]).delete()
        assert deleted == 1
    assert Employee.all_orgs.filter(org=b["org"], is_active=True).count() == 2
    assert Employee.all_orgs.filter(pk=b["flex"].pk).exists()


def test_fast_delete_is_scoped(a, b, observer):
    # Site has no cascades from Shift here, so Django may take the fast-delete path.
    with use_org(a["org"]):
        Site.objects.all().delete()
    assert not Site.all_orgs.filter(org=a["org"]).exists()
    assert Site.all_orgs.filter(org=b["org"]).count() == 1


def test_create_fills_the_current_org(a):
    with use_org(a["org"]):
        guard = Employee.objects.create(first_name="N", last_name="Ew", employee_number="N-1")
        [bulk] = Employee.objects.bulk_create(
            [Employee(first_name="B", last_name="Ulk", employee_number="N-2")]
        )
        got, created = Employee.objects.get_or_create(
            employee_number="N-3", defaults={"first_name": "G", "last_name": "Oc"}
        )
    assert created
    assert {guard.org_id, bulk.org_id, got.org_id} == {a["org"].pk}


@pytest.mark.parametrize(
    "write",
    [
        lambda b: Employee.objects.create(
            org=b["org"], first_name="X", last_name="Y", employee_number="X-1"
        ),
        lambda b: Employee.objects.bulk_create(
            [Employee(org=b["org"], first_name="X", last_name="Y", employee_number="X-1")]
        ),
        lambda b: Employee.objects.update(org=b["org"]),
        lambda b: Employee.objects.update(org_id=b["org"].pk),
        lambda b: b["flex"].save(),
        lambda b: b["flex"].delete(),
        lambda b: Employee.objects.bulk_update([b["flex"]], ["phone"]),
    ],
    ids=["create", "bulk_create", "update-org", "update-org_id", "save", "delete", "bulk_update"],
)
def test_writes_of_another_orgs_rows_are_refused(a, b, write):
    snapshot = list(Employee.all_orgs.order_by("pk").values())
    with use_org(a["org"]), pytest.raises(CrossOrganizationError):
        write(b)
    assert list(Employee.all_orgs.order_by("pk").values()) == snapshot


@pytest.mark.parametrize(
    "write",
    [
        lambda a, b: Employee.objects.create(
            first_name="X", last_name="Y", employee_number="X-1", assigned_client=b["client"]
        ),
        lambda a, b: Employee.objects.create(
            first_name="X", last_name="Y", employee_number="X-1", assigned_client_id=b["client"].pk
        ),
        lambda a, b: Employee.objects.bulk_create(
            [
                Employee(
                    first_name="X",
                    last_name="Y",
                    employee_number="X-1",
                    assigned_client=b["client"],
                )
            ]
        ),
        lambda a, b: Employee.objects.update(assigned_client=b["client"]),
        lambda a, b: Employee.objects.update(assigned_client_id=b["client"].pk),
        lambda a, b: Employee.objects.bulk_update(
            [_with(a["flex"], assigned_client_id=b["client"].pk)], ["assigned_client"]
        ),
        lambda a, b: _with(a["flex"], assigned_client_id=b["client"].pk).save(),
        lambda a, b: Site.objects.create(client=b["client"], name="Sneaky"),
    ],
    ids=[
        "create-object",
        "create-id",
        "bulk_create",
        "update-object",
        "update-id",
        "bulk_update",
        "save",
        "site-create",
    ],
)
def test_foreign_keys_to_another_orgs_rows_are_refused(a, b, write):
    employees = list(Employee.all_orgs.order_by("pk").values())
    sites = Site.all_orgs.count()
    with use_org(a["org"]), pytest.raises(CrossOrganizationError, match="same organization"):
        write(a, b)
    assert list(Employee.all_orgs.order_by("pk").values()) == employees
    assert Site.all_orgs.count() == sites


def test_a_row_cannot_be_moved_to_another_org(a, b, observer):
    guard = Employee.all_orgs.get(pk=a["flex"].pk)
    guard.org = b["org"]
    for org in (a["org"], b["org"]):
        with use_org(org), pytest.raises(CrossOrganizationError):
            guard.save()
    assert Employee.all_orgs.get(pk=guard.pk).org_id == a["org"].pk


def test_raw_sql_on_the_scoped_manager_is_refused(a):
    with use_org(a["org"]), pytest.raises(TypeError, match="bypasses organization scoping"):
        Employee.objects.raw("SELECT * FROM employees")


def _with(obj, **changes):
    for name, value in changes.items():
        setattr(obj, name, value)
    return obj


def test_exclude_across_a_reverse_relation_is_scoped_and_valid_sql(a, b):
    """`exclude()` over a multi-valued relation compiles into a subquery whose first join
    Django trims away; on the main of 2026-12-02 the scoping put the trimmed table back as a
    second FROM item (`FROM "employees" "U0" "scheduling_shift" "U1"`: a syntax error). The
    subquery's own table (scheduling_shift) is filtered instead."""
    soon = timezone.now() + timezone.timedelta(days=1)
    ShiftFactory(org=a["org"], site=a["site"], employee=a["dedicated"], start=soon)
    ShiftFactory(org=b["org"], site=b["site"], employee=b["flex"], start=soon)
    with use_org(a["org"]):
        idle = Employee.objects.exclude(shifts__start__gte=timezone.now())
        assert list(idle) == [a["flex"]]
