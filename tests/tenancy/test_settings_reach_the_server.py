"""The per-transaction settings reach PostgreSQL whatever kind of cursor runs the query.

Regression tests for TENANCY.md items 18 and 19. Each runs with real transactions
(`transaction=True`) on the runtime role and no surrounding platform mode, as a request,
a command or the worker does. On the main of 2026-12-01 the `.iterator()` tests failed: the
settings went through the named (server-side) cursor, became `DECLARE … FOR SELECT
set_config(…)`, and never ran.
"""

import pytest
from django.db import connection, transaction

from clients.models import Client
from employees.models import Employee
from rostracore.tenancy.context import all_organizations, use_org

pytestmark = pytest.mark.django_db(transaction=True)


def _setting(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(current_setting('rostracore.{name}', true), '')")
        return cursor.fetchone()[0]


def test_iterator_as_first_query_of_a_transaction_applies_the_organization(two_orgs):
    a = two_orgs["alpha"]["org"]
    with use_org(a), transaction.atomic():
        guards = list(Employee.objects.iterator())
        assert _setting("org_id") == str(a.pk)
        assert _setting("all_orgs") == ""
    assert {g.org_id for g in guards} == {a.pk}
    assert len(guards) == 2


def test_iterator_in_autocommit_mode_returns_the_organizations_rows(two_orgs):
    """Commands and the worker run in autocommit mode."""
    a = two_orgs["alpha"]["org"]
    assert connection.get_autocommit()
    with use_org(a):
        assert sorted(c.pk for c in Client.objects.iterator()) == [two_orgs["alpha"]["client"].pk]
        assert len(list(Employee.objects.iterator(chunk_size=1))) == 2


def test_platform_mode_does_not_stick_after_switching_to_an_organization(two_orgs):
    a = two_orgs["alpha"]["org"]
    with transaction.atomic():
        with all_organizations():
            assert Client.all_orgs.count() == 2
        with use_org(a):
            # The first query after the switch is a server-side cursor.
            list(Client.objects.iterator())
            assert _setting("all_orgs") == ""
            assert {c.org_id for c in Client.all_orgs.all()} == {a.pk}


def test_a_model_choice_field_lists_the_organizations_rows(two_orgs):
    """ModelChoiceField iterates with .iterator(): the empty "Client" dropdown of the add-guard
    page."""
    from employees.forms import EmployeeForm

    a = two_orgs["alpha"]
    with use_org(a["org"]), transaction.atomic():
        form = EmployeeForm()
        choices = [str(label) for _, label in form.fields["assigned_client"].choices]
    assert str(a["client"]) in choices
    assert not any("CANARYB" in label for label in choices)


@pytest.mark.urls("tests.tenancy.urls")
def test_inside_one_request_the_database_has_the_requests_organization(client, two_orgs, manager_a):
    """A real request: ATOMIC_REQUESTS opens the transaction, the middleware sets the scope,
    and the request's first tenant query is an `.iterator()`."""
    client.force_login(manager_a)
    seen = client.get("/settings-after-iterator/").json()
    assert seen == {
        "org_id": str(two_orgs["alpha"]["org"].pk),
        "all_orgs": "",
        "clients": ["Alpha Client"],
        "atomic": True,
    }


def test_an_error_inside_an_organizations_block_rolls_back_cleanly(two_orgs):
    """The savepoint's ROLLBACK TO runs after use_org() ended: the wrapper must not send the
    (changed) settings into the aborted transaction first. Found on 2026-12-01 with the
    one-active-run constraint: "current transaction is aborted" instead of the
    IntegrityError."""
    from django.db import IntegrityError

    a = two_orgs["alpha"]
    with transaction.atomic():
        with pytest.raises(IntegrityError), transaction.atomic(), use_org(a["org"]):
            Client.objects.create(client_name=a["client"].client_name)  # a duplicate
        with use_org(a["org"]):
            assert Client.objects.count() == 1
            assert _setting("org_id") == str(a["org"].pk)
