import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from employees.models import Employee
from rostracore.tenancy.context import no_org
from tests.factories import ClientFactory, EmployeeFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def _seed(*args):
    """Run the command as an operator would: no organization, not in platform mode."""
    out = StringIO()
    with no_org():
        call_command("seed_employees", *args, stdout=out)
    return out.getvalue()


def test_defaults_create_five_guards_three_dedicated_two_flex(org_a, observer):
    client = ClientFactory(org=org_a, client_name="City of Tshwane")
    ClientFactory(org=org_a, client_name="Zebra Mall")  # not first by name

    output = _seed()

    guards = Employee.all_orgs.filter(org=org_a)
    assert guards.count() == 5
    assert guards.filter(assigned_client=client).count() == 3
    assert guards.filter(assigned_client__isnull=True).count() == 2
    assert output.count("client: City of Tshwane") == 3
    assert output.count("client: Any client") == 2
    assert output.count("org: Alpha Guarding") == 5
    assert "Created 5 guards for Alpha Guarding (3 dedicated, 2 flex)" in output
    assert "Alpha Guarding now has 5 active guards: 3 dedicated, 2 flex." in output


def test_guards_go_to_the_named_org_and_client_only(two_orgs, observer):
    a, b = two_orgs["alpha"], two_orgs["bravo"]
    b_before = set(Employee.all_orgs.filter(org=b["org"]).values_list("pk", "assigned_client"))

    _seed("--org", "alpha", "--count", "4", "--assigned", "1", "--client", a["client"].client_name)

    assert Employee.all_orgs.filter(org=a["org"]).count() == 2 + 4
    assert Employee.all_orgs.filter(assigned_client=a["client"]).count() == 1 + 1
    after = set(Employee.all_orgs.filter(org=b["org"]).values_list("pk", "assigned_client"))
    assert after == b_before


def test_client_by_id(two_orgs, observer):
    a = two_orgs["alpha"]
    _seed(
        "--org",
        str(a["org"].pk),
        "--count",
        "2",
        "--assigned",
        "2",
        "--client",
        str(a["client"].pk),
    )
    assert Employee.all_orgs.filter(org=a["org"], assigned_client=a["client"]).count() == 3


def test_without_clients_everyone_is_flex_and_output_says_so(org_a, observer):
    output = _seed("--count", "3")

    assert Employee.all_orgs.filter(org=org_a, assigned_client__isnull=True).count() == 3
    assert "has no clients yet, so every new guard is in the flex pool" in output


def test_rerunning_never_duplicates_employee_numbers(org_a, observer):
    EmployeeFactory(org=org_a, employee_number="E-00007")
    _seed("--count", "5", "--assigned", "0")
    _seed("--count", "5", "--assigned", "0")

    numbers = list(Employee.all_orgs.filter(org=org_a).values_list("employee_number", flat=True))
    assert len(numbers) == 11 and len(set(numbers)) == 11
    assert {"E-00008", "E-00017"} <= set(numbers)


def test_prints_totals_for_every_organization(two_orgs):
    output = _seed("--org", "bravo", "--count", "1", "--assigned", "0")
    assert re.search(r"Alpha Guarding\s+2 guards\s+1 dedicated\s+1 flex", output)
    assert re.search(r"Bravo Security\s+3 guards\s+1 dedicated\s+2 flex", output)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--org", "nope"], "No organization with slug or id 'nope'."),
        (["--org", "999999"], "No organization with slug or id '999999'."),
        (["--org", "alpha", "--client", "Nobody Inc"], "has no client with id or name"),
        (["--org", "alpha", "--client", "CANARYB Client"], "has no client with id or name"),
        (["--org", "alpha", "--count", "-1"], "--count must be 0 or more"),
        (["--org", "alpha", "--assigned", "-2"], "--assigned must be 0 or more"),
        (["--org", "alpha", "--count", "2", "--assigned", "3"], "cannot be more than --count"),
        ([], "More than one organization exists"),
    ],
    ids=[
        "unknown-org-slug",
        "unknown-org-id",
        "unknown-client",
        "client-of-another-org",
        "negative-count",
        "negative-assigned",
        "assigned-over-count",
        "ambiguous-org",
    ],
)
def test_bad_arguments_fail_clearly_and_write_nothing(two_orgs, args, message):
    before = Employee.all_orgs.count()
    with pytest.raises(CommandError, match=re.escape(message)):
        _seed(*args)
    assert Employee.all_orgs.count() == before


def test_other_orgs_client_by_id_is_not_found(two_orgs):
    b_client = two_orgs["bravo"]["client"]
    with pytest.raises(CommandError, match="has no client"):
        _seed("--org", "alpha", "--client", str(b_client.pk))
    assert not Employee.all_orgs.filter(
        org=two_orgs["alpha"]["org"], assigned_client=b_client
    ).exists()


def test_no_organization_at_all(db):
    with pytest.raises(CommandError, match="No organization exists yet"):
        _seed()
    OrganizationFactory()  # and with one, no --org is needed
    assert "Created 5 guards" in _seed("--assigned", "0")
