"""A guard's wishes for single dates (guards.DayWish, /me/availability/): added and removed
on the phone, refused at the field when they make no sense, each guard's and each
organization's their own, and read by the roster engine as weighted requests."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from guards.models import DayWish
from rostracore.tenancy.context import all_organizations, use_org
from scheduling.adapter import STRONG_WISH, build_problem
from scheduling.solver.problem import Request
from tests.factories import (
    DayWishFactory,
    GuardUserFactory,
    LabourRulesFactory,
    UnavailableDateFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = reverse("guards:availability")
ADD = reverse("guards:wish_add")


def _employee(user):
    with use_org(user.org):
        return user.employees.get()


def _page(client) -> str:
    return client.get(PAGE).content.decode()


def _today(org) -> dt.date:
    return timezone.localdate(timezone=ZoneInfo(org.timezone))


@pytest.fixture
def gina(org_a):
    return GuardUserFactory(org=org_a, username="gina@alpha.example", employee__first_name="Gina")


@pytest.fixture
def otto(org_a):
    return GuardUserFactory(org=org_a, username="otto@alpha.example", employee__first_name="Otto")


def _wishes(user) -> list[tuple]:
    with use_org(user.org):
        return list(
            DayWish.objects.filter(employee__user=user).values_list("day", "wish", "strong")
        )


def test_a_guard_adds_a_wish_sees_it_and_removes_it(client, gina, org_a):
    day = _today(org_a) + dt.timedelta(days=10)
    client.force_login(gina)
    response = client.post(ADD, {"day": day.isoformat(), "wish": "night", "strong": "on"})
    assert response.status_code == 302
    assert _wishes(gina) == [(day, "night", True)]
    page = client.get(PAGE).content.decode()
    assert f"A night shift on {day:%a %-d %b %Y} (matters a lot)" in page

    with use_org(org_a):
        wished = DayWish.objects.get()
    response = client.post(reverse("guards:wish_remove", args=[wished.pk]), follow=True)
    assert f"Removed: a night shift on {day:%a %-d %b %Y}" in response.content.decode()
    assert _wishes(gina) == []


@pytest.mark.parametrize(
    ("days_ahead", "wish", "message"),
    [
        (-1, "off", "The date cannot be in the past."),
        (400, "off", "(a year from today)"),
        (5, "holiday", "Select a valid choice."),
        (7, "off", "You already have a wish for this date."),
        (14, "work", "You marked this date as unavailable; remove that first."),
    ],
)
def test_a_wish_that_makes_no_sense_is_refused_at_its_field(
    client, gina, org_a, days_ahead, wish, message
):
    today = _today(org_a)
    DayWishFactory(org=org_a, employee=_employee(gina), day=today + dt.timedelta(days=7))
    UnavailableDateFactory(org=org_a, employee=_employee(gina), day=today + dt.timedelta(days=14))
    before = _wishes(gina)
    client.force_login(gina)
    day = today + dt.timedelta(days=days_ahead)
    response = client.post(ADD, {"day": day.isoformat(), "wish": wish})
    assert response.status_code == 400
    form = response.context["wish_form"]
    assert message in str(form.errors), form.errors
    assert _wishes(gina) == before


def test_a_guard_sees_and_removes_only_their_own_wishes(client, gina, otto, org_a):
    theirs = DayWishFactory(org=org_a, employee=_employee(otto), wish="work")
    client.force_login(gina)
    assert f"To work (any shift) on {theirs.day:%a %-d %b %Y}" not in _page(client)
    assert "No wishes." in _page(client)
    assert client.post(reverse("guards:wish_remove", args=[theirs.pk])).status_code == 404
    assert _wishes(otto) == [(theirs.day, "work", False)]


def test_another_organizations_wish_is_a_404_and_not_on_the_page(client, gina, org_b):
    foreign = DayWishFactory(org=org_b, wish="day")
    client.force_login(gina)
    assert f"A day shift on {foreign.day:%a %-d %b %Y}" not in _page(client)
    assert "No wishes." in _page(client)
    assert client.post(reverse("guards:wish_remove", args=[foreign.pk])).status_code == 404
    with all_organizations():
        assert DayWish.all_orgs.filter(pk=foreign.pk).exists()


def test_the_roster_engine_weighs_each_organizations_wishes(gina, org_a, org_b):
    LabourRulesFactory(org=org_a, weight_preference=4)
    monday = _today(org_a) + dt.timedelta(days=14 - _today(org_a).weekday())
    employee = _employee(gina)
    plain = DayWishFactory(org=org_a, employee=employee, day=monday, wish="off")
    strong = DayWishFactory(
        org=org_a, employee=employee, day=monday + dt.timedelta(1), wish="night", strong=True
    )
    DayWishFactory(org=org_a, employee=employee, day=monday + dt.timedelta(8), wish="work")
    DayWishFactory(org=org_b, day=monday, wish="work")  # org B's guard: not in A's problem
    with use_org(org_a):
        problem = build_problem(start_date=monday, end_date=monday + dt.timedelta(7))
    assert problem.requests == [
        Request(employee.pk, plain.day.toordinal(), None, False, 4),
        Request(employee.pk, strong.day.toordinal(), "night", True, 4 * STRONG_WISH),
    ]
