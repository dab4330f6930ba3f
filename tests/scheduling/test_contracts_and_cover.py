"""Guards' contracts (scheduling.GuardContract) and priced cover on shift patterns, as
managers set them: the contract page and the admin, each organization its own; what reaches
the solver (`build_problem`); and a contract the shift page names as the reason a guard
cannot take a shift. The solver's and the checker's side of each rule is in
test_period_rules.py (plain data)."""

import datetime as dt
import zoneinfo

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from rostracore.tenancy.context import all_organizations, use_org
from scheduling.adapter import build_problem
from scheduling.candidates import reasons_against
from scheduling.models import GuardContract
from scheduling.solver import HOUR
from tests.factories import (
    EmployeeFactory,
    GuardContractFactory,
    ShiftFactory,
    ShiftPatternFactory,
    SiteFactory,
)


def _monday(org) -> dt.date:
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(org.timezone)).date()
    return today + dt.timedelta(days=14 - today.weekday())


def _at(org, day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=zoneinfo.ZoneInfo(org.timezone))


def _problem(org, monday):
    with use_org(org):
        return build_problem(start_date=monday, end_date=monday + dt.timedelta(14))


@pytest.mark.django_db
def test_each_guard_rosters_under_their_own_contract(org_a, org_b):
    monday = _monday(org_a)
    part_timer = EmployeeFactory(org=org_a)
    days_only = EmployeeFactory(org=org_a)
    plain = EmployeeFactory(org=org_a)
    GuardContractFactory(org=org_a, employee=part_timer, min_hours=24, max_hours=60)
    GuardContractFactory(
        org=org_a, employee=days_only, max_night_shifts=0, max_consecutive_days=4, max_weekends=1
    )
    GuardContractFactory(org=org_b, max_hours=10)  # org B's guard: not in A's problem
    ShiftFactory(org=org_a, start=_at(org_a, monday, 6))

    problem = _problem(org_a, monday)
    contracts = {g.id: g.contract for g in problem.guards}
    assert set(contracts) == {part_timer.pk, days_only.pk, plain.pk}
    assert (contracts[part_timer.pk].min_minutes, contracts[part_timer.pk].max_minutes) == (
        24 * HOUR,
        60 * HOUR,
    )
    assert contracts[days_only.pk].max_shifts == (("night", 0),)
    assert contracts[days_only.pk].max_consecutive_days == 4
    assert contracts[days_only.pk].max_weekends == 1
    assert contracts[plain.pk] is None
    assert problem.spans_period  # a contract holds over the whole period


@pytest.mark.django_db
def test_a_post_that_can_run_short_prices_only_its_spare_slots(org_a):
    monday = _monday(org_a)
    pattern = ShiftPatternFactory(org=org_a, guards=3, min_guards=2, weight_under_cover=40)
    strict = ShiftPatternFactory(org=org_a, guards=2)
    slots = [
        ShiftFactory(
            org=org_a,
            site=p.post.site,
            post=p.post,
            pattern=p,
            slot=slot,
            local_date=monday,
            start=_at(org_a, monday, 6),
        )
        for p, count in ((pattern, 3), (strict, 2))
        for slot in range(count)
    ]
    weights = {s.id: s.open_weight for s in _problem(org_a, monday).shifts}
    assert [weights[s.pk] for s in slots] == [None, None, 40, None, None]


@pytest.mark.django_db
def test_the_shift_page_names_the_contract_that_rules_a_guard_out(org_a):
    monday = _monday(org_a)
    site = SiteFactory(org=org_a)
    guard = EmployeeFactory(org=org_a, psira_grade="A")
    GuardContractFactory(org=org_a, employee=guard, max_night_shifts=0)
    night = ShiftFactory(
        org=org_a,
        site=site,
        start=_at(org_a, monday, 18),
        end=_at(org_a, monday + dt.timedelta(1), 6),
    )
    day = ShiftFactory(org=org_a, site=site, start=_at(org_a, monday, 6))
    with use_org(org_a):
        assert "does not work night shifts" in reasons_against(night, guard)
        assert reasons_against(day, guard) == ()


# --- the contract page and the admin ----------------------------------------------------------

page_flow = pytest.mark.django_db(transaction=True)


@page_flow
def test_a_manager_sets_and_clears_a_guards_contract(client, manager_a, org_a):
    guard = EmployeeFactory(org=org_a, first_name="Gina", last_name="Part")
    url = reverse("scheduling:guard_contract", args=[guard.pk])
    client.force_login(manager_a)
    assert client.get(guard.get_absolute_url()).content.decode().count(url) == 1
    response = client.post(url, {"min_hours": "40", "max_hours": "80", "max_night_shifts": "0"})
    assert response.status_code == 302
    with use_org(org_a):
        terms = GuardContract.objects.values_list(
            "employee", "min_hours", "max_hours", "max_night_shifts", "max_day_shifts"
        ).get()
    assert terms == (guard.pk, 40, 80, 0, None)

    response = client.post(url, {}, follow=True)  # every term cleared: the org's rules apply
    assert [str(m) for m in response.context["messages"]] == [
        "Gina Part's contract was saved.",
        "Gina Part works under the organization's rules.",
    ]
    with use_org(org_a):
        assert not GuardContract.objects.exists()


@page_flow
def test_minimum_above_maximum_is_a_message_and_nothing_is_saved(client, manager_a, org_a):
    guard = EmployeeFactory(org=org_a)
    client.force_login(manager_a)
    response = client.post(
        reverse("scheduling:guard_contract", args=[guard.pk]),
        {"min_hours": "90", "max_hours": "40", "max_weekends": "-1"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "The minimum hours cannot be above the maximum." in form.non_field_errors()
    assert "max_weekends" in form.errors
    with use_org(org_a):
        assert not GuardContract.objects.exists()


@page_flow
def test_another_organizations_guard_has_no_contract_page(client, manager_a, org_b):
    foreign = EmployeeFactory(org=org_b)
    GuardContractFactory(org=org_b, employee=foreign, max_hours=50)
    client.force_login(manager_a)
    url = reverse("scheduling:guard_contract", args=[foreign.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"max_hours": "1"}).status_code == 404
    with all_organizations():
        assert GuardContract.all_orgs.values_list("max_hours", flat=True).get() == 50


@page_flow
def test_the_admin_lists_and_saves_only_its_own_contracts(client, manager_a, org_a, org_b):
    own = GuardContractFactory(
        org=org_a, employee=EmployeeFactory(org=org_a, last_name="Alphaguard"), max_hours=70
    )
    GuardContractFactory(
        org=org_b, employee=EmployeeFactory(org=org_b, last_name="Bravoguard"), max_hours=50
    )
    manager_a.groups.add(Group.objects.get(name="Manager"))  # as a manager's login is made
    client.force_login(manager_a)
    page = client.get("/admin/scheduling/guardcontract/").content.decode()
    assert "Alphaguard" in page and "Bravoguard" not in page

    newcomer = EmployeeFactory(org=org_a)
    add = "/admin/scheduling/guardcontract/add/"
    response = client.post(add, {"employee": newcomer.pk})
    assert "Set at least one term" in response.content.decode()
    response = client.post(add, {"employee": newcomer.pk, "max_day_shifts": "0"})
    assert response.status_code == 302
    with use_org(org_a):
        assert set(GuardContract.objects.values_list("employee", "max_day_shifts")) == {
            (own.employee_id, None),
            (newcomer.pk, 0),
        }
