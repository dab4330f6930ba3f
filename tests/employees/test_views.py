"""Employee pages for managers, always with two organizations (A is logged in, B is the
other tenant whose rows carry the canary "CANARYB")."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from employees.models import Employee
from rostracore.tenancy.context import use_org
from scheduling.models import Shift
from tests.factories import ClientFactory, EmployeeFactory, ShiftFactory

# A page flow runs like production: no outer transaction, each request in its own
# ATOMIC_REQUESTS transaction (the owner empties the tables afterwards).
pytestmark = pytest.mark.django_db(transaction=True)

CANARY = "CANARYB"


@pytest.fixture
def client_a(client, manager_a):
    client.force_login(manager_a)
    return client


@pytest.fixture
def b_guard(two_orgs):
    return two_orgs["bravo"]["dedicated"]


@pytest.fixture
def a_guard(two_orgs):
    return two_orgs["alpha"]["dedicated"]


def _snapshot(employee: Employee) -> dict:
    """Every stored column of the row, read past the tenant scope."""
    return Employee.all_orgs.filter(pk=employee.pk).values().get()


def _missing_pk() -> int:
    return (Employee.all_orgs.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


def _names(response) -> list[str]:
    """Guards' names as shown in the list's table (links to detail pages)."""
    return re.findall(r'<a href="/employees/\d+/">([^<]+)</a>', response.content.decode())


# --- Anonymous users and platform staff -------------------------------------------------

PAGES = [
    ("dashboard", {}),
    ("employees:list", {}),
    ("employees:create", {}),
    ("employees:detail", {"pk": 1}),
    ("employees:edit", {"pk": 1}),
]
ACTIONS = [
    ("employees:assign", {"pk": 1}),
    ("employees:deactivate", {"pk": 1}),
    ("employees:reactivate", {"pk": 1}),
]


@pytest.mark.parametrize(("name", "kwargs"), PAGES + ACTIONS)
def test_anonymous_user_is_sent_to_login(client, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    method = client.post if (name, kwargs) in ACTIONS else client.get
    response = method(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
def test_platform_staff_get_a_pick_an_organization_page_not_a_500(
    client, platform_user, two_orgs, name, kwargs
):
    client.force_login(platform_user)
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 403
    assert b"These pages are for an organization" in response.content
    assert CANARY.encode() not in response.content


# --- Ownership: another organization's guard is a 404, identical to a missing one ------


@pytest.mark.parametrize("name", ["employees:detail", "employees:edit"])
def test_manager_cannot_open_other_orgs_employee(client_a, b_guard, name):
    other = client_a.get(reverse(name, kwargs={"pk": b_guard.pk}))
    missing = client_a.get(reverse(name, kwargs={"pk": _missing_pk()}))
    assert other.status_code == missing.status_code == 404
    assert other.content == missing.content
    assert CANARY.encode() not in other.content


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("employees:assign", {"client": ""}),
        ("employees:deactivate", {}),
        ("employees:reactivate", {}),
        (
            "employees:edit",
            {
                "first_name": "Hijacked",
                "last_name": "Guard",
                "employee_number": "X-1",
                "psira_grade": "A",
            },
        ),
    ],
)
def test_manager_cannot_change_other_orgs_employee(client_a, b_guard, name, data, observer):
    before = _snapshot(b_guard)
    other = client_a.post(reverse(name, kwargs={"pk": b_guard.pk}), data)
    missing = client_a.post(reverse(name, kwargs={"pk": _missing_pk()}), data)
    assert other.status_code == missing.status_code == 404
    assert other.content == missing.content
    assert _snapshot(b_guard) == before


def test_assigning_to_other_orgs_client_is_refused(client_a, two_orgs, a_guard, observer):
    before = _snapshot(a_guard)
    response = client_a.post(
        reverse("employees:assign", kwargs={"pk": a_guard.pk}),
        {"client": two_orgs["bravo"]["client"].pk},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.context["assign_form"].errors["client"][0]
    assert _snapshot(a_guard) == before
    assert CANARY.encode() not in response.content


def test_create_ignores_a_posted_organization_and_refuses_other_orgs_client(
    client_a, two_orgs, org_a, org_b, observer
):
    data = {
        "first_name": "Sipho",
        "last_name": "Ndlovu",
        "employee_number": "A-900",
        "psira_grade": "C",
        "org": org_b.pk,
        "assigned_client": two_orgs["bravo"]["client"].pk,
    }
    response = client_a.post(reverse("employees:create"), data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.context["form"].errors["assigned_client"][0]
    assert not Employee.all_orgs.filter(employee_number="A-900").exists()

    del data["assigned_client"]
    response = client_a.post(reverse("employees:create"), data)
    created = Employee.all_orgs.get(employee_number="A-900")
    assert response.status_code == 302
    assert response["Location"] == f"/employees/{created.pk}/"
    assert created.org_id == org_a.pk


def test_list_and_search_never_show_other_orgs_guards(client_a, two_orgs):
    everyone = client_a.get(reverse("employees:list"), {"status": "all"})
    assert sorted(_names(everyone)) == ["AlphaGuard, AlphaDed", "AlphaGuard, AlphaFlex"]
    assert CANARY.encode() not in everyone.content

    search = client_a.get(reverse("employees:list"), {"q": CANARY})
    assert search.context["page"].paginator.count == 0
    assert CANARY.encode() not in search.content.replace(b'value="CANARYB"', b"")

    number = client_a.get(
        reverse("employees:list"), {"q": two_orgs["bravo"]["flex"].employee_number}
    )
    assert number.context["page"].paginator.count == 0


def test_list_client_filter_with_other_orgs_client_is_rejected(client_a, two_orgs):
    response = client_a.get(reverse("employees:list"), {"client": two_orgs["bravo"]["client"].pk})
    assert response.status_code == 200
    assert "Select a valid choice" in response.context["form"].errors["client"][0]
    assert CANARY.encode() not in response.content
    # The filter option list offers only A's clients.
    assert [label for _, label in response.context["form"].fields["client"].choices] == [
        "All clients",
        "Flex pool (no client)",
        "Alpha Client",
    ]


# --- List: search, filters, sorting, paging, count --------------------------------------


@pytest.fixture
def roster(org_a, org_b):
    """A's guards for list tests, plus a look-alike guard in B."""
    north = ClientFactory(org=org_a, client_name="North Mall")
    south = ClientFactory(org=org_a, client_name="South Estate")
    make = EmployeeFactory
    guards = {
        "thandi": make(
            org=org_a,
            first_name="Thandi",
            last_name="Mokoena",
            employee_number="N-001",
            psira_number="1234567",
            psira_grade="B",
            assigned_client=north,
        ),
        "pieter": make(
            org=org_a,
            first_name="Pieter",
            last_name="Botha",
            employee_number="S-002",
            psira_number="7654321",
            psira_grade="C",
            assigned_client=south,
        ),
        "lerato": make(
            org=org_a,
            first_name="Lerato",
            last_name="Dlamini",
            employee_number="F-003",
            psira_number="5550001",
            psira_grade="E",
        ),
        "retired": make(
            org=org_a,
            first_name="Old",
            last_name="Timer",
            employee_number="X-004",
            psira_grade="A",
            is_active=False,
        ),
    }
    make(org=org_b, first_name="Thandi", last_name="CANARYB", employee_number="N-001")
    return {"north": north, "south": south, **guards}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["Botha, Pieter", "Dlamini, Lerato", "Mokoena, Thandi"]),
        ({"q": "thandi"}, ["Mokoena, Thandi"]),
        ({"q": "Thandi Mokoena"}, ["Mokoena, Thandi"]),
        ({"q": "s-002"}, ["Botha, Pieter"]),
        ({"q": "5550001"}, ["Dlamini, Lerato"]),
        ({"client": "flex"}, ["Dlamini, Lerato"]),
        ({"grade": "B"}, ["Mokoena, Thandi"]),
        ({"status": "inactive"}, ["Timer, Old"]),
        ({"status": "all", "grade": "A"}, ["Timer, Old"]),
        ({"sort": "-name"}, ["Mokoena, Thandi", "Dlamini, Lerato", "Botha, Pieter"]),
        ({"sort": "number"}, ["Dlamini, Lerato", "Mokoena, Thandi", "Botha, Pieter"]),
        ({"sort": "grade"}, ["Mokoena, Thandi", "Botha, Pieter", "Dlamini, Lerato"]),
        # Flex-pool guards (no client) sort last.
        ({"sort": "client"}, ["Mokoena, Thandi", "Botha, Pieter", "Dlamini, Lerato"]),
    ],
)
def test_list_search_filters_and_sorting(client_a, roster, params, expected):
    response = client_a.get(reverse("employees:list"), params)
    assert response.status_code == 200
    assert _names(response) == expected
    assert response.context["page"].paginator.count == len(expected)
    assert CANARY.encode() not in response.content


def test_list_client_filter(client_a, roster):
    response = client_a.get(reverse("employees:list"), {"client": roster["north"].pk})
    assert _names(response) == ["Mokoena, Thandi"]


def test_list_shows_result_count(client_a, roster):
    response = client_a.get(reverse("employees:list"), {"client": "flex"})
    assert re.search(r'id="result-count"[^>]*>\s*1 guard matches', response.content.decode())


def test_list_bad_filters_show_field_errors_not_500(client_a, roster):
    response = client_a.get(
        reverse("employees:list"), {"grade": "Z", "sort": "salary", "page": "many"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"grade", "sort"}
    # Invalid filters are ignored; the page still lists the active guards.
    assert len(_names(response)) == 3


@pytest.fixture
def many_guards(org_a):
    """120 flex guards named Guard000..Guard119 plus 5 dedicated ones in org A."""
    client = ClientFactory(org=org_a, client_name="Big Client")
    with use_org(org_a):
        Employee.objects.bulk_create(
            [
                Employee(
                    first_name=f"Guard{n:03d}",
                    last_name="Pager",
                    employee_number=f"P-{n:04d}",
                )
                for n in range(120)
            ]
            + [
                Employee(
                    first_name=f"Dedicated{n}",
                    last_name="Pager",
                    employee_number=f"D-{n:04d}",
                    assigned_client=client,
                )
                for n in range(5)
            ]
        )
    return client


def test_list_paginates_50_a_page_and_filters_survive_paging(client_a, many_guards):
    first = client_a.get(reverse("employees:list"), {"q": "pager", "client": "flex"})
    assert first.context["page"].paginator.count == 120
    assert len(first.context["page"].object_list) == 50
    html = first.content.decode()
    assert "120 guards match, showing 1\u201350" in html
    next_link = re.search(r'<a href="([^"]+)" rel="next">', html).group(1).replace("&amp;", "&")
    assert "q=pager" in next_link
    assert "client=flex" in next_link
    assert "page=2" in next_link

    last = client_a.get(reverse("employees:list") + next_link.replace("page=2", "page=3"))
    names = _names(last)
    assert len(names) == 20
    assert all(name.startswith("Pager, Guard") for name in names)
    assert last.context["form"].cleaned_data["client"] == "flex"


def test_sort_links_keep_filters_and_reset_the_page(client_a, many_guards):
    response = client_a.get(reverse("employees:list"), {"q": "pager", "page": "2"})
    html = response.content.decode().replace("&amp;", "&")
    assert '<a href="?q=pager&sort=number">' in html
    assert '<a href="?q=pager&sort=-name">' in html


# --- Query counts are pinned and independent of the number of guards --------------------

# session + user + the user's organization (middleware), then the page's own queries.
LIST_QUERIES = 6  # + filter choices (clients) + paginator count + one page with clients joined
DASHBOARD_QUERIES = 5  # + the week's coverage counts + the row counts (org_counts)
# Transaction control around the request (the tenancy core may wrap each request in a
# transaction to set the organization for row-level security) is not a data query.
_CONTROL = re.compile(r"^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK|BEGIN|COMMIT)\b", re.I)


def _data_queries(client, url, params=None) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries if not _CONTROL.match(q["sql"])]


def _bulk_guards(org, clients, n):
    with use_org(org):
        Employee.objects.bulk_create(
            [
                Employee(
                    first_name=f"Bulk{i}",
                    last_name="Guard",
                    employee_number=f"B-{i:05d}",
                    assigned_client=clients[i % len(clients)] if i % 3 else None,
                )
                for i in range(n)
            ]
        )


@pytest.mark.parametrize("n", [10, 1000])
def test_list_query_count_does_not_grow_with_guards(client_a, org_a, two_orgs, n):
    clients = [ClientFactory(org=org_a) for _ in range(3)]
    _bulk_guards(org_a, clients, n)
    queries = _data_queries(client_a, reverse("employees:list"), {"status": "all"})
    assert len(queries) == LIST_QUERIES, "\n".join(queries)
    queries = _data_queries(
        client_a, reverse("employees:list"), {"q": "bulk", "client": "flex", "page": "2"}
    )
    assert len(queries) == LIST_QUERIES, "\n".join(queries)


@pytest.mark.parametrize("n", [10, 1000])
def test_dashboard_query_count_does_not_grow_with_guards(client_a, org_a, two_orgs, n):
    clients = [ClientFactory(org=org_a) for _ in range(3)]
    _bulk_guards(org_a, clients, n)
    site = two_orgs["alpha"]["site"]
    start = timezone.now() + dt.timedelta(hours=1)
    for i in range(5):
        ShiftFactory(org=org_a, site=site, start=start + dt.timedelta(days=i))
    queries = _data_queries(client_a, reverse("dashboard"))
    assert len(queries) == DASHBOARD_QUERIES, "\n".join(queries)


# --- Detail -------------------------------------------------------------------------------


def test_detail_shows_profile_client_and_upcoming_shifts(client_a, two_orgs, a_guard, org_a):
    site = two_orgs["alpha"]["site"]
    soon = timezone.now() + dt.timedelta(days=2)
    ShiftFactory(org=org_a, site=site, employee=a_guard, start=soon)
    ShiftFactory(org=org_a, site=site, employee=a_guard, start=soon - dt.timedelta(days=9))
    response = client_a.get(a_guard.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert a_guard.full_name in html
    assert a_guard.employee_number in html
    assert "Alpha Client" in html
    assert [shift.start for shift in response.context["upcoming"]] == [soon]
    assert "Alpha Site" in html


def test_detail_of_flex_guard_says_flex_pool(client_a, two_orgs):
    response = client_a.get(two_orgs["alpha"]["flex"].get_absolute_url())
    assert "Flex pool — available for any client" in response.content.decode()
    assert CANARY.encode() not in response.content


# --- Create and edit ---------------------------------------------------------------------


def test_create_guard(client_a, two_orgs, org_a, observer):
    data = {
        "first_name": "Ayanda",
        "last_name": "Zulu",
        "employee_number": " A-77  B ",
        "psira_number": "1234 5678",
        "psira_grade": "D",
        "assigned_client": two_orgs["alpha"]["client"].pk,
        "phone": "+27 82 555 0100",
        "email": "ayanda@example.com",
        "hire_date": "2024-03-01",
    }
    response = client_a.post(reverse("employees:create"), data, follow=True)
    with use_org(org_a):
        guard = Employee.objects.get(last_name="Zulu")
    assert response.redirect_chain == [(guard.get_absolute_url(), 302)]
    assert guard.employee_number == "A-77 B"
    assert guard.psira_number == "12345678"
    assert guard.assigned_client == two_orgs["alpha"]["client"]
    assert guard.hire_date == dt.date(2024, 3, 1)
    assert "Ayanda Zulu was added." in response.content.decode()


def test_create_with_bad_input_shows_field_errors_and_keeps_values(client_a, two_orgs, org_a):
    taken = two_orgs["alpha"]["flex"].employee_number
    data = {
        "first_name": "Keep Me",
        "last_name": "",
        "employee_number": taken,
        "psira_number": "12ab",
        "psira_grade": "Q",
        "email": "not-an-email",
        "hire_date": "31/31/2024",
    }
    before = Employee.all_orgs.count()
    response = client_a.post(reverse("employees:create"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {
        "last_name",
        "employee_number",
        "psira_number",
        "psira_grade",
        "email",
        "hire_date",
    }
    assert "already has this employee number" in errors["employee_number"][0]
    assert "7 or 8 digits" in errors["psira_number"][0]
    html = response.content.decode()
    assert 'value="Keep Me"' in html
    assert 'value="not-an-email"' in html
    assert 'aria-invalid="true"' in html
    assert Employee.all_orgs.count() == before


def test_employee_number_may_repeat_across_organizations(client_a, b_guard, org_a):
    data = {
        "first_name": "Same",
        "last_name": "Number",
        "employee_number": b_guard.employee_number,
        "psira_grade": "E",
    }
    response = client_a.post(reverse("employees:create"), data)
    assert response.status_code == 302
    with use_org(org_a):
        assert Employee.objects.filter(employee_number=b_guard.employee_number).count() == 1


def test_edit_guard_and_bad_edit_changes_nothing(client_a, a_guard, observer):
    url = reverse("employees:edit", kwargs={"pk": a_guard.pk})
    form = client_a.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data["phone"] = "+27 11 000 0000"
    response = client_a.post(url, data)
    assert response.status_code == 302
    assert _snapshot(a_guard)["phone"] == "+27 11 000 0000"

    before = _snapshot(a_guard)
    data.update(first_name="Changed", psira_number="1")
    response = client_a.post(url, data)
    assert response.status_code == 200
    assert "psira_number" in response.context["form"].errors
    assert _snapshot(a_guard) == before


# --- Assign, flex pool, deactivate -------------------------------------------------------


def test_assign_to_client_and_move_to_flex_pool(client_a, two_orgs, org_a, observer):
    guard = two_orgs["alpha"]["flex"]
    client = two_orgs["alpha"]["client"]
    url = reverse("employees:assign", kwargs={"pk": guard.pk})
    response = client_a.post(url, {"client": client.pk}, follow=True)
    assert response.redirect_chain == [(guard.get_absolute_url(), 302)]
    assert _snapshot(guard)["assigned_client_id"] == client.pk
    assert "is now assigned to Alpha Client" in response.content.decode()

    response = client_a.post(url, {"client": ""}, follow=True)
    assert _snapshot(guard)["assigned_client_id"] is None
    assert "moved to the flex pool" in response.content.decode()


def test_assign_needs_post(client_a, a_guard):
    response = client_a.get(reverse("employees:assign", kwargs={"pk": a_guard.pk}))
    assert response.status_code == 405


def test_assign_to_inactive_client_is_refused(client_a, org_a, a_guard, observer):
    closed = ClientFactory(org=org_a, client_name="Closed Client", is_active=False)
    before = _snapshot(a_guard)
    response = client_a.post(
        reverse("employees:assign", kwargs={"pk": a_guard.pk}), {"client": closed.pk}
    )
    assert response.status_code == 200
    assert response.context["assign_form"].errors["client"]
    assert _snapshot(a_guard) == before


def test_deactivate_opens_upcoming_shifts_and_reactivate(
    client_a, two_orgs, a_guard, org_a, observer
):
    site = two_orgs["alpha"]["site"]
    now = timezone.now()
    future = ShiftFactory(org=org_a, site=site, employee=a_guard, start=now + dt.timedelta(days=1))
    past = ShiftFactory(org=org_a, site=site, employee=a_guard, start=now - dt.timedelta(days=3))
    b_shift = ShiftFactory(
        org=two_orgs["bravo"]["org"],
        site=two_orgs["bravo"]["site"],
        employee=two_orgs["bravo"]["dedicated"],
        start=now + dt.timedelta(days=1),
    )

    response = client_a.post(
        reverse("employees:deactivate", kwargs={"pk": a_guard.pk}), follow=True
    )
    assert _snapshot(a_guard)["is_active"] is False
    assert "1 upcoming shift(s) are now open" in response.content.decode()
    shifts = dict(Shift.all_orgs.values_list("pk", "employee_id"))
    assert shifts[future.pk] is None
    assert shifts[past.pk] == a_guard.pk
    assert shifts[b_shift.pk] == two_orgs["bravo"]["dedicated"].pk

    client_a.post(reverse("employees:reactivate", kwargs={"pk": a_guard.pk}))
    assert _snapshot(a_guard)["is_active"] is True


# --- Login and logout ---------------------------------------------------------------------


def test_login_then_logout(client, manager_a):
    page = client.get(reverse("login"))
    assert b'<label for="id_username">' in page.content
    response = client.post(
        reverse("login"), {"username": manager_a.username, "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    dashboard = client.get(reverse("dashboard"))
    assert b"Alpha Guarding" in dashboard.content

    response = client.post(reverse("logout"))
    assert response["Location"] == reverse("login")
    assert client.get(reverse("dashboard")).status_code == 302


def test_login_with_wrong_password_shows_an_error(client, manager_a):
    response = client.post(reverse("login"), {"username": manager_a.username, "password": "x"})
    assert response.status_code == 200
    assert b"Please enter a correct" in response.content
    assert f'value="{manager_a.username}"'.encode() in response.content


def test_client_choices_on_forms_are_only_own_clients(client_a, two_orgs, org_a):
    ClientFactory(org=org_a, client_name="Inactive Alpha", is_active=False)
    response = client_a.get(reverse("employees:create"))
    html = response.content.decode()
    options = re.search(r'<select name="assigned_client".*?</select>', html, re.S).group(0)
    assert re.findall(r"<option[^>]*>([^<]*)</option>", options) == [
        "Flex pool — available for any client",
        "Alpha Client",
    ]
    with use_org(org_a):
        assert Client.objects.count() == 2


def test_pages_work_without_javascript(client_a, a_guard):
    """Server-rendered: no page ships a script; every action is a plain form."""
    for url in (
        reverse("dashboard"),
        reverse("employees:list"),
        reverse("employees:create"),
        a_guard.get_absolute_url(),
        reverse("employees:edit", kwargs={"pk": a_guard.pk}),
    ):
        response = client_a.get(url)
        assert response.status_code == 200, url
        assert b"<script" not in response.content, url


def test_posts_without_csrf_token_are_refused(manager_a, a_guard, observer):
    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(manager_a)
    before = _snapshot(a_guard)
    response = browser.post(
        reverse("employees:deactivate", kwargs={"pk": a_guard.pk}), {}, follow=False
    )
    assert response.status_code == 403
    assert _snapshot(a_guard) == before
    detail = browser.get(a_guard.get_absolute_url()).content.decode()
    # Log out, assign, move to flex pool, deactivate, invite, new calendar link: every POST
    # form carries the token.
    assert detail.count('name="csrfmiddlewaretoken"') == 6
