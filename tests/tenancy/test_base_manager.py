"""Django's internal manager (`_base_manager`) is scoped too (TENANCY.md 21).

`save()`'s UPDATE, `refresh_from_db()`, forward foreign keys and deletion cascades use it.
On the main of 2026-12-01 it was a plain manager: each statement below went out with no
organization filter, and only row-level security stood between org A and org B's row. The
tests read the SQL the ORM sent, so they prove the ORM layer on its own.
"""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from employees.models import Employee
from rostracore.tenancy.context import all_organizations, use_org
from rostracore.tenancy.models import TenantBaseManager
from scheduling.models import Shift
from tests.crawl.world import tenant_models

pytestmark = pytest.mark.django_db


def _statements(queries, verb: str) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(verb)]


@pytest.mark.parametrize("model", tenant_models(), ids=lambda m: m._meta.label)
def test_every_tenant_models_base_manager_is_scoped(model):
    assert isinstance(model._base_manager, TenantBaseManager)


def test_save_of_a_forged_instance_never_updates_another_orgs_row(two_orgs, observer):
    a, b = two_orgs["alpha"], two_orgs["bravo"]
    victim = b["flex"]
    forged = Employee(
        pk=victim.pk, org=a["org"], first_name="Forged", last_name="X", employee_number="F-1"
    )
    with (
        use_org(a["org"]),
        CaptureQueriesContext(connection) as queries,
        pytest.raises(IntegrityError),
        transaction.atomic(),
    ):
        forged.save()
    [update] = _statements(queries, "UPDATE")
    assert f'"employees"."org_id" = {a["org"].pk}' in update
    assert Employee.all_orgs.get(pk=victim.pk).first_name == victim.first_name


def test_refresh_from_db_and_foreign_keys_stay_in_the_organization(two_orgs):
    a, b = two_orgs["alpha"], two_orgs["bravo"]
    with use_org(a["org"]), CaptureQueriesContext(connection) as queries:
        ghost = Employee(pk=b["flex"].pk, org=a["org"])
        with pytest.raises(Employee.DoesNotExist):
            ghost.refresh_from_db()
        guard = Employee.objects.get(pk=a["dedicated"].pk)
        assert guard.assigned_client == a["client"]  # forward FK through the base manager
    for sql in _statements(queries, "SELECT"):
        assert f'org_id" = {a["org"].pk}' in sql, sql


def test_a_cascade_deletes_only_the_organizations_rows(two_orgs, observer):
    from tests.factories import ShiftFactory

    a, b = two_orgs["alpha"], two_orgs["bravo"]
    ShiftFactory(org=b["org"], site=b["site"])
    ShiftFactory(org=a["org"], site=a["site"])
    with use_org(a["org"]), CaptureQueriesContext(connection) as queries:
        a["site"].delete()
    # The collector finds the related rows through the base manager, then deletes by id.
    collected = [sql for sql in _statements(queries, "SELECT") if "scheduling_shift" in sql]
    assert collected
    for sql in collected:
        assert f'org_id" = {a["org"].pk}' in sql, sql
    assert Shift.all_orgs.filter(org=b["org"]).count() == 1
    assert not Shift.all_orgs.filter(org=a["org"]).exists()


def test_platform_staff_read_through_the_base_manager(two_orgs):
    """Without an organization the base manager is plain (Django calls it where no tenant
    code can set one); row-level security bounds what it reads."""
    b = two_orgs["bravo"]
    with all_organizations():
        ghost = Employee(pk=b["flex"].pk, org=b["org"])
        ghost.refresh_from_db()
        assert ghost.first_name == b["flex"].first_name
