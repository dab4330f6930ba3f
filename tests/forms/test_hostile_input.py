"""Hypothesis-generated hostile input for every form a manager or a guard can submit.

The manager pages' EmployeeForm (create, edit) and AssignForm, the admin add and change
forms of Employee, Client (with its sites inline), Site, Shift and User, the admin "Assign to
client…" action, and scheduling's StartRosterForm, as org A's manager; the guards' leave,
weekly window, date and preferences forms as org A's guard. Each is posted logged in (the
middleware sets the organization) with overlong strings, NUL, RTL and other
unicode, huge and negative numbers, malformed dates and times, end before start, org B's
ids, missing ids, wrong types, missing fields and duplicates of per-organization unique
values. For every example: no exception and no 5xx; a rejected submission (anything but a
redirect) changes no row of any tenant table of either organization; an accepted one (a
redirect) changes no row of org B. The world is committed and each example is a real
request in its own ATOMIC_REQUESTS transaction, as in production: what an accepted example
writes stays for the next one, so each example compares with a snapshot taken just before
it. An explicit valid example per form proves the accepted path is exercised too.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from clients.models import Client, Site
from employees.models import Employee
from organizations.models import User
from rostracore.tenancy.context import all_organizations
from scheduling.models import Shift
from tests.crawl.world import CANARY, MISSING_ID, World, snapshot_of
from tests.tallies import tally

EXAMPLES = 15
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no .hypothesis/ folder in the shared working tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


class _Outcomes:
    """Accepted and rejected examples per form, for the terminal summary."""

    def __getitem__(self, name: str) -> Counter:
        return tally(f"form fuzzing, {name}")


# Outcomes per form, for the terminal summary (tests/tallies.py).
OUTCOMES = _Outcomes()

NUL = "\x00"
_UNICODE = st.characters(exclude_categories=("Cs",))  # lone surrogates cannot be sent at all
JUNK_TEXT = st.one_of(
    st.text(_UNICODE, max_size=30),
    st.text(_UNICODE, min_size=201, max_size=400),  # longer than any column
    st.sampled_from(
        [
            "",
            "   ",
            NUL,
            f"a{NUL}b",
            "\u202egpj.exe",  # right-to-left override
            "\u200f\u202bשלום עולם",
            "'; DROP TABLE clients; --",
            "<script>alert(1)</script>",
            "%00",
            "😀" * 60,
            "x" * 5000,
            CANARY,
        ]
    ),
)
JUNK_NUMBER = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(
        ["1e309", "NaN", "inf", "-0", "0x10", "1.5", "٣", "2147483648", "9223372036854775808", ""]
    ),
)
JUNK_DATE = st.one_of(
    st.dates().map(str),
    st.sampled_from(
        ["2024-02-30", "0000-00-00", "0001-01-01", "9999-12-31", "31/12/2024", "2024-13-01", "x"]
    ),
)
JUNK_TIME = st.one_of(
    st.times().map(lambda t: t.isoformat()),
    st.sampled_from(["24:00", "23:59:60", "-1:00", "8pm", "99:99", "", "08:00", "18:00"]),
)
WRONG_TYPES = st.lists(st.sampled_from(["1", "x", NUL, ""]), min_size=2, max_size=3)


def anything(*plausible, junk=JUNK_TEXT):
    """A plausible value, a hostile one, or several values for one field."""
    options = [junk, WRONG_TYPES]
    if plausible:
        options.insert(0, st.sampled_from(plausible))
    return st.one_of(*options)


def ids(world: World, model) -> st.SearchStrategy:
    """Ids a crafted form could carry: A's, B's, missing, junk."""
    a_row = world.a(model)
    return anything(
        a_row.pk,
        world.b(model).pk,
        MISSING_ID,
        -1,
        0,
        2**63,
        "abc",
        "",
        f"1{NUL}",
        junk=JUNK_NUMBER,
    )


def form(**fields: st.SearchStrategy) -> st.SearchStrategy:
    """A POST body where every field may also be missing."""
    return st.fixed_dictionaries({}, optional=fields)


def fuzz(http, world: World, name: str, url: str, data: st.SearchStrategy, valid: dict) -> None:
    """Post `EXAMPLES` generated bodies (and `valid`) to `url`; check each."""
    b_before = snapshot_of(world.org_b)

    @SETTINGS
    @given(body=data)
    @example(body=valid)
    def submit(body):
        before = {"a": snapshot_of(world.org_a), "b": b_before}
        response = http.post(url, body)  # the test client re-raises a view's exception
        after = {"a": snapshot_of(world.org_a), "b": snapshot_of(world.org_b)}
        assert response.status_code < 500, (response.status_code, body)
        assert after["b"] == before["b"], ("org B's rows changed", body)
        if response.status_code == 302:
            OUTCOMES[name]["accepted"] += 1
        else:
            OUTCOMES[name]["rejected"] += 1
            changed = [t for t, rows in after["a"].items() if rows != before["a"][t]]
            assert not changed, (f"rejected ({response.status_code}) yet wrote {changed}", body)

    submit()
    assert OUTCOMES[name]["accepted"] >= 1, f"{name}: not even the valid example was accepted"
    assert OUTCOMES[name]["rejected"] >= 1, f"{name}: no hostile example was rejected"


# --- the manager pages ---------------------------------------------------------------------


def _employee_fields(world: World) -> dict:
    return {
        "first_name": anything("Thandi"),
        "last_name": anything("Dlamini"),
        # Per-organization unique: A's own number is a duplicate; B's is not (must not leak).
        "employee_number": anything("E-777", "Alpha-1", f"{CANARY}-1", " E 7 "),
        "psira_number": anything("1234567", "1234 5678", "12-345-678", "123", junk=JUNK_NUMBER),
        "psira_grade": anything("A", "E", "Z", "a"),
        "assigned_client": ids(world, Client),
        "phone": anything("+27 82 000 0000"),
        "email": anything("t@example.com", "not-an-email", "a@b"),
        "hire_date": anything("2024-01-01", junk=JUNK_DATE),
    }


def _valid_employee(world: World) -> dict:
    return {
        "first_name": "Thandi",
        "last_name": "Dlamini",
        "employee_number": "E-777",
        "psira_grade": "C",
        "assigned_client": world.a(Client).pk,
        "hire_date": "2024-01-01",
    }


def test_employee_create_page_survives_hostile_input(world, http_a):
    data = form(**_employee_fields(world))
    fuzz(http_a, world, "employees:create", "/employees/new/", data, _valid_employee(world))


def test_employee_edit_page_survives_hostile_input(world, http_a):
    url = f"/employees/{world.a(Employee).pk}/edit/"
    data = form(**_employee_fields(world))
    fuzz(http_a, world, "employees:edit", url, data, _valid_employee(world))


def test_employee_assign_form_survives_hostile_input(world, http_a):
    url = f"/employees/{world.a(Employee).pk}/assign/"
    with all_organizations():
        inactive = Client.all_orgs.filter(org=world.org_a, is_active=False).get().pk
    data = form(client=st.one_of(ids(world, Client), st.just(inactive)))
    fuzz(http_a, world, "employees:assign", url, data, {"client": world.a(Client).pk})


def test_start_roster_form_survives_hostile_input(world, http_a):
    data = form(
        start_date=anything("2027-03-01", "2027-03-02", junk=JUNK_DATE),
        weeks=anything("1", "8", "9", "0", junk=JUNK_NUMBER),
        time_limit=anything("5", "300", "4", "301", junk=JUNK_NUMBER),
    )
    valid = {"start_date": "2027-03-01", "weeks": "1", "time_limit": "5"}
    fuzz(http_a, world, "scheduling:home", "/scheduling/", data, valid)


# --- the guards' pages (as org A's guard) ----------------------------------------------------


def _soon(days: int) -> str:
    from django.utils import timezone

    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def test_leave_form_survives_hostile_input(world, http_guard):
    data = form(
        start=anything(_soon(40), _soon(-1), _soon(400), "9999-12-31", junk=JUNK_DATE),
        end=anything(_soon(41), _soon(39), _soon(4000), junk=JUNK_DATE),  # before start
        kind=anything("annual", "sick", "family", "holiday"),
        note=anything("Wedding", "<script>alert(1)</script>"),
    )
    valid = {"start": _soon(40), "end": _soon(41), "kind": "annual", "note": "<b>Wedding</b>"}
    fuzz(http_guard, world, "guards:leave", "/me/leave/", data, valid)


def test_weekly_window_form_survives_hostile_input(world, http_guard):
    data = form(
        weekday=anything("0", "6", "7", "-1", junk=JUNK_NUMBER),
        start=anything("18:00", "22:00", "00:00", junk=JUNK_TIME),
        end=anything("00:00", "06:00", "18:00", junk=JUNK_TIME),
    )
    valid = {"weekday": "5", "start": "22:00", "end": "06:00"}
    fuzz(http_guard, world, "guards:window_add", "/me/availability/windows/", data, valid)


def test_unavailable_date_form_survives_hostile_input(world, http_guard):
    data = form(
        day=anything(_soon(50), _soon(-3), _soon(367), "9999-12-31", junk=JUNK_DATE),
        note=anything("Clinic", "<script>alert(1)</script>"),
    )
    valid = {"day": _soon(50), "note": "<i>Clinic</i>"}
    fuzz(http_guard, world, "guards:date_add", "/me/availability/dates/", data, valid)


def test_preferences_form_survives_hostile_input(world, http_guard):
    data = form(
        time_of_day=anything("", "days", "nights", "evenings"),
        weekends_off=anything("on", "", "off", "true"),
    )
    valid = {"time_of_day": "nights", "weekends_off": "on"}
    fuzz(http_guard, world, "guards:preferences", "/me/availability/preferences/", data, valid)


# --- the admin -----------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["add", "change"])
def test_admin_employee_form_survives_hostile_input(world, http_a, action):
    url = _admin_url(Employee, world, action)
    fields = _employee_fields(world)
    fields["is_active"] = anything("on", "off", "")
    valid = {**_valid_employee(world), "is_active": "on", "_save": "Save"}
    fuzz(http_a, world, f"admin employee {action}", url, form(**fields), valid)


@pytest.mark.parametrize("action", ["add", "change"])
def test_admin_client_form_survives_hostile_input(world, http_a, action):
    url = _admin_url(Client, world, action)
    own_site = world.a(Site)
    data = form(
        client_name=anything("Acme Mall", "Alpha Client", f"{CANARY} Client"),
        contact_name=anything("Sipho"),
        contact_phone=anything("+27 11 000 0000"),
        contact_email=anything("ops@acme.example", "nope"),
        is_active=anything("on", ""),
        **{
            "sites-TOTAL_FORMS": anything("0", "1", "2", "1000000", "-1", junk=JUNK_NUMBER),
            "sites-INITIAL_FORMS": anything("0", "1", junk=JUNK_NUMBER),
            "sites-MAX_NUM_FORMS": anything("1000", junk=JUNK_NUMBER),
            "sites-0-id": ids(world, Site),
            "sites-0-name": anything("Gate 1", own_site.name),
            "sites-0-address": anything("1 Main Road"),
            "sites-1-name": anything("Gate 2", own_site.name),
        },
    )
    valid = {
        "client_name": "Acme Mall",
        "is_active": "on",
        "sites-TOTAL_FORMS": "1",
        "sites-INITIAL_FORMS": "0",
        "sites-0-name": "Gate 1",
        "_save": "Save",
    }
    if action == "change":
        valid["client_name"] = world.a(Client).client_name
    fuzz(http_a, world, f"admin client {action}", url, data, valid)


@pytest.mark.parametrize("action", ["add", "change"])
def test_admin_site_form_survives_hostile_input(world, http_a, action):
    url = _admin_url(Site, world, action)
    data = form(
        client=ids(world, Client),
        name=anything("North Gate", world.a(Site).name),  # duplicate per client
        address=anything("2 Side Road"),
        min_grade=anything("A", "E", "F"),
        armed=anything("on", ""),
        induction_required=anything("on", ""),
    )
    valid = {"client": world.a(Client).pk, "name": "North Gate", "min_grade": "E", "_save": "Save"}
    fuzz(http_a, world, f"admin site {action}", url, data, valid)


@pytest.mark.parametrize("action", ["add", "change"])
def test_admin_shift_form_survives_hostile_input(world, http_a, action):
    url = _admin_url(Shift, world, action)
    with all_organizations():
        busy = Shift.all_orgs.filter(org=world.org_a, employee__isnull=False).first()
    busy_day = f"{busy.start:%Y-%m-%d}"
    data = form(
        site=ids(world, Site),
        # A's guard overlapping their shift: the exclusion constraint.
        employee=ids(world, Employee),
        start_0=anything("2030-01-01", busy_day, junk=JUNK_DATE),
        start_1=anything("08:00", "00:00", junk=JUNK_TIME),
        end_0=anything("2030-01-01", "2029-12-31", busy_day, junk=JUNK_DATE),  # before start
        end_1=anything("16:00", "07:00", "23:59", junk=JUNK_TIME),
        required_grade=anything("E", "A", "Q"),
    )
    valid = {
        "site": world.a(Site).pk,
        "start_0": "2030-01-01",
        "start_1": "08:00",
        "end_0": "2030-01-01",
        "end_1": "16:00",
        "required_grade": "E",
        "_save": "Save",
    }
    fuzz(http_a, world, f"admin shift {action}", url, data, valid)


def test_admin_user_add_form_survives_hostile_input(world, http_a):
    # A manager adds by email (organizations/admin.py, ManagerAddForm); B's login is
    # "accepted" like any other address and must change nothing of B.
    data = form(
        email=anything(
            "new@alpha.example", world.manager_a.username, world.b(User).username, "bad"
        ),
        first_name=anything("Nomsa"),
        last_name=anything("Khumalo"),
        username=anything("new@alpha.example", world.b(User).username),
        usable_password=anything("true", "false"),
        password1=anything("Long-enough-pass-1", "short"),
    )
    valid = {"email": "new@alpha.example", "first_name": "Nomsa", "_save": "Save"}
    fuzz(http_a, world, "admin user add", "/admin/organizations/user/add/", data, valid)


def test_admin_assign_to_client_action_survives_hostile_input(world, http_a):
    a_guard, b_guard = world.a(Employee).pk, world.b(Employee).pk
    data = form(
        action=anything("assign_to_client", "delete_selected", "no_such_action"),
        apply=anything("1"),
        client=ids(world, Client),
        index=anything("0", "-1", junk=JUNK_NUMBER),
        select_across=anything("0", "1"),
        _selected_action=st.one_of(
            ids(world, Employee),
            st.lists(st.sampled_from([a_guard, b_guard, MISSING_ID, "x"]), max_size=3),
        ),
    )
    valid = {
        "action": "assign_to_client",
        "apply": "1",
        "client": world.a(Client).pk,
        "index": "0",
        "_selected_action": [a_guard],
    }
    fuzz(http_a, world, "admin assign action", "/admin/employees/employee/", data, valid)


def _admin_url(model, world: World, action: str) -> str:
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    return f"{base}add/" if action == "add" else f"{base}{world.a(model).pk}/change/"


# Regression: Django's autocomplete widget looked a re-displayed non-integer value up as an id
# (a 500); fixed in rostracore/tenancy/admin.py.
@pytest.mark.parametrize(
    "model, field",
    [(Employee, "assigned_client"), (Site, "client"), (Shift, "site")],
)
@pytest.mark.parametrize("value", ["abc", "1.5"])
def test_admin_autocomplete_field_with_a_non_integer_id_is_a_form_error(
    world, http_a, model, field, value
):
    url = _admin_url(model, world, "add")
    response = http_a.post(url, {field: value, "_save": "Save"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
