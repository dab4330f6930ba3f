"""With no current organization, every way to read or write a tenant model raises."""

import pytest
from asgiref.sync import async_to_sync
from django.db.models import Count

from clients.models import Client
from employees.models import Employee
from rostracore.tenancy.context import NoOrganizationError, use_org

SYNC_PATHS = {
    "iterate": lambda m: list(m.objects.all()),
    "filter_iterate": lambda m: list(m.objects.filter(is_active=True)),
    "get": lambda m: m.objects.get(pk=1),
    "first": lambda m: m.objects.first(),
    "last": lambda m: m.objects.last(),
    "count": lambda m: m.objects.count(),
    "exists": lambda m: m.objects.exists(),
    "aggregate": lambda m: m.objects.aggregate(n=Count("id")),
    "values": lambda m: list(m.objects.values("id")),
    "values_list": lambda m: list(m.objects.values_list("id", flat=True)),
    "in_bulk": lambda m: m.objects.in_bulk([1, 2]),
    "update": lambda m: m.objects.update(is_active=False),
    "sliced_update": lambda m: m.objects.filter(pk__in=m.objects.values("pk")[:1]).update(
        is_active=False
    ),
    "delete": lambda m: m.objects.all().delete(),
    "values_delete": lambda m: m.objects.filter(pk__in=m.objects.values("pk")).delete(),
    "create": lambda m: m.objects.create(**_fields(m)),
    "get_or_create": lambda m: m.objects.get_or_create(**_fields(m)),
    "update_or_create": lambda m: m.objects.update_or_create(**_fields(m)),
    "bulk_create": lambda m: m.objects.bulk_create([m(**_fields(m))]),
    "bulk_update": lambda m: m.objects.bulk_update([m(pk=1, **_fields(m))], ["is_active"]),
    "iterator": lambda m: list(m.objects.iterator()),
    "explain": lambda m: m.objects.explain(),
    "len": lambda m: len(m.objects.all()),
    "bool": lambda m: bool(m.objects.all()),
    "slice": lambda m: list(m.objects.all()[:5]),
    "union": lambda m: list(m.objects.filter(pk=1).union(m.objects.filter(pk=2))),
    "dates": lambda m: list(m.objects.dates("created_at" if m is Client else "hire_date", "day")),
    "contains": lambda m: m.objects.contains(m(pk=1)),
    "save": lambda m: m(**_fields(m)).save(),
}

ASYNC_PATHS = {
    "aget": lambda m: m.objects.aget(pk=1),
    "afirst": lambda m: m.objects.afirst(),
    "alast": lambda m: m.objects.alast(),
    "acount": lambda m: m.objects.acount(),
    "aexists": lambda m: m.objects.aexists(),
    "aaggregate": lambda m: m.objects.aaggregate(n=Count("id")),
    "ain_bulk": lambda m: m.objects.ain_bulk([1]),
    "aupdate": lambda m: m.objects.aupdate(is_active=False),
    "adelete": lambda m: m.objects.all().adelete(),
    "acreate": lambda m: m.objects.acreate(**_fields(m)),
    "aget_or_create": lambda m: m.objects.aget_or_create(**_fields(m)),
    "aupdate_or_create": lambda m: m.objects.aupdate_or_create(**_fields(m)),
    "abulk_create": lambda m: m.objects.abulk_create([m(**_fields(m))]),
    "abulk_update": lambda m: m.objects.abulk_update([m(pk=1, **_fields(m))], ["is_active"]),
    "aexplain": lambda m: m.objects.aexplain(),
    "acontains": lambda m: m.objects.acontains(m(pk=1)),
    "aiterator": lambda m: _drain(m.objects.aiterator()),
    "async_for": lambda m: _drain(m.objects.all()),
    "asave": lambda m: m(**_fields(m)).asave(),
}


def _fields(model):
    if model is Employee:
        return {"first_name": "No", "last_name": "Org", "employee_number": "X-1"}
    return {"client_name": "No org client"}


async def _run(path, model):
    return await path(model)


async def _drain(aiterable):
    return [item async for item in aiterable]


def test_every_sync_and_async_path_is_listed():
    # The list above is the contract; this keeps it from silently shrinking.
    assert len(SYNC_PATHS) >= 28 and len(ASYNC_PATHS) >= 19


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Employee, Client], ids=["employee", "client"])
@pytest.mark.parametrize("path", SYNC_PATHS.values(), ids=SYNC_PATHS.keys())
def test_sync_path_without_organization_raises(path, model, two_orgs):
    with pytest.raises(NoOrganizationError):
        path(model)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("model", [Employee, Client], ids=["employee", "client"])
@pytest.mark.parametrize("path", ASYNC_PATHS.values(), ids=ASYNC_PATHS.keys())
def test_async_path_without_organization_raises(path, model, two_orgs):
    with pytest.raises(NoOrganizationError):
        async_to_sync(_run)(path, model)


@pytest.mark.django_db
def test_queryset_built_in_scope_fails_closed_after_scope_ends(two_orgs):
    with use_org(two_orgs["alpha"]["org"]):
        queryset = Employee.objects.filter(is_active=True)
    with pytest.raises(NoOrganizationError):
        list(queryset)


@pytest.mark.django_db
def test_no_organization_writes_nothing(two_orgs):
    before = Employee.all_orgs.count()
    for name in ("create", "bulk_create", "update", "delete"):
        with pytest.raises(NoOrganizationError):
            SYNC_PATHS[name](Employee)
    assert Employee.all_orgs.count() == before
    assert not Employee.all_orgs.filter(is_active=False).exists()


def test_use_org_refuses_none():
    with pytest.raises(ValueError, match="saved Organization"), use_org(None):
        pass
