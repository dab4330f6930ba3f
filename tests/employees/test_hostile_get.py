"""The employee list's query string with hostile values: each bad value falls back to its
default (the first page, all clients, active guards, by name), never a 500 (issue 11)."""

import pytest
from django.urls import reverse

from employees.models import Employee
from rostracore.tenancy.context import use_org
from tests.factories import ClientFactory

# A page flow runs like production: no outer transaction, each request in its own
# ATOMIC_REQUESTS transaction (the owner empties the tables afterwards).
pytestmark = pytest.mark.django_db(transaction=True)

NUL = "\x00"


@pytest.fixture
def client_a(client, manager_a):
    client.force_login(manager_a)
    return client


@pytest.fixture
def three_pages(org_a, two_orgs):
    """120 flex guards of org A (50 a page: three pages), besides two_orgs' two."""
    with use_org(org_a):
        Employee.objects.bulk_create(
            Employee(first_name=f"Guard{n:03d}", last_name="Pager", employee_number=f"P-{n:04d}")
            for n in range(120)
        )


@pytest.mark.parametrize(
    "page",
    [
        *["²", "٣", "³", "-1", "0", "1.5", "1e3", "0x2", f"2{NUL}", " ", "x" * 5000],
        # Past the bound (2**63 - 1) a number is no page either.
        *["99999999999999999999", "9" * 5000],
    ],
)
def test_a_page_that_is_not_a_page_number_is_the_first_page(client_a, three_pages, page):
    response = client_a.get(reverse("employees:list"), {"page": page})
    assert response.status_code == 200
    assert response.context["page"].number == 1
    assert response.context["form"].errors == {}  # the filters are not to blame


@pytest.mark.parametrize("page", [str(2**63 - 1), "4"])
def test_a_page_past_the_last_is_the_last_page(client_a, three_pages, page):
    response = client_a.get(reverse("employees:list"), {"page": page})
    assert response.status_code == 200
    assert response.context["page"].number == 3


def test_a_page_in_ascii_digits_is_that_page(client_a, three_pages):
    response = client_a.get(reverse("employees:list"), {"page": "002"})
    assert response.context["page"].number == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("client", "²"),
        ("client", "٣"),
        ("client", "99999999999999999999"),
        ("client", "-1"),
        ("client", f"flex{NUL}"),
        ("status", "²"),
        ("status", NUL),
        ("sort", "-²"),
        ("sort", "--name"),
        ("grade", "Ａ"),  # fullwidth A
        ("q", f"Thandi{NUL}"),
        ("q", "x" * 101),
    ],
)
def test_a_hostile_filter_is_a_field_error_and_the_default_list(client_a, two_orgs, field, value):
    response = client_a.get(reverse("employees:list"), {field: value})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    # Org A's two active guards, by name: the defaults.
    assert response.context["page"].paginator.count == 2


def test_a_client_id_in_other_digits_does_not_name_the_client(client_a, org_a, two_orgs):
    """Python's int() reads "٣" as 3: the filter must not pick client 3 for it."""
    client = ClientFactory(org=org_a, client_name="Digits")
    arabic = "".join("٠١٢٣٤٥٦٧٨٩"[int(d)] for d in str(client.pk))
    response = client_a.get(reverse("employees:list"), {"client": arabic})
    assert "client" in response.context["form"].errors


def test_repeated_parameters_use_the_last_value_and_never_fail(client_a, three_pages):
    response = client_a.get(
        reverse("employees:list"), {"page": ["²", "2"], "sort": ["x", "-name"], "q": ["", NUL]}
    )
    assert response.status_code == 200
    assert response.context["page"].number == 2
    assert set(response.context["form"].errors) == {"q"}
