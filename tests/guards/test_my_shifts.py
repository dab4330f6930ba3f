"""My shifts (/me/): a guard's own upcoming shifts and hours, nothing of anyone else's."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from rostracore.tenancy.context import use_org
from tests.factories import (
    EmployeeFactory,
    GuardUserFactory,
    PostFactory,
    ShiftFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db
MY_SHIFTS = reverse("guards:my_shifts")


def _employee(user):
    with use_org(user.org):
        return user.employees.get()


@pytest.fixture
def guard_a(org_a):
    return GuardUserFactory(org=org_a, username="gina@alpha.example", employee__first_name="Gina")


def _at(days: int, hour: int = 8) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def test_guard_sees_their_upcoming_shifts_with_site_address_and_post(client, guard_a, org_a):
    site = SiteFactory(org=org_a, name="Menlyn Gate", address="1 Atterbury Rd, Pretoria")
    post = PostFactory(org=org_a, site=site, name="Main gate")
    ShiftFactory(org=org_a, site=site, post=post, employee=_employee(guard_a))
    client.force_login(guard_a)
    response = client.get(MY_SHIFTS)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Menlyn Gate" in body and "1 Atterbury Rd, Pretoria" in body and "Main gate" in body
    assert "/scheduling/calendar/" in body and _employee(guard_a).calendar_token in body


def test_times_are_in_the_organizations_timezone(client, guard_a, org_a):
    start = _at(2, hour=4)  # 04:00 UTC is 06:00 in Johannesburg
    ShiftFactory(
        org=org_a, employee=_employee(guard_a), start=start, end=start + dt.timedelta(hours=12)
    )
    client.force_login(guard_a)
    body = client.get(MY_SHIFTS).content.decode()
    assert "06:00–18:00" in body


def test_hours_this_week_and_the_last_four_weeks(client, guard_a, org_a):
    employee = _employee(guard_a)
    now = timezone.now()
    ShiftFactory(
        org=org_a,
        employee=employee,
        start=now - dt.timedelta(days=14),
        end=now - dt.timedelta(days=14) + dt.timedelta(hours=12),
    )
    ShiftFactory(
        org=org_a,
        employee=employee,
        start=now - dt.timedelta(days=21),
        end=now - dt.timedelta(days=21) + dt.timedelta(hours=10),
    )
    ShiftFactory(
        org=org_a,
        employee=employee,
        start=now - dt.timedelta(days=60),
        end=now - dt.timedelta(days=60) + dt.timedelta(hours=8),
    )
    client.force_login(guard_a)
    response = client.get(MY_SHIFTS)
    assert response.context["past_total"] == 22.0
    assert sorted(w["hours"] for w in response.context["past_weeks"]) == [0.0, 0.0, 10.0, 12.0]


def test_guard_never_sees_another_guards_shifts_or_details(client, guard_a, org_a):
    other = EmployeeFactory(
        org=org_a,
        first_name="Otto",
        phone="+27 82 999 1111",
        email="otto@alpha.example",
        psira_number="7654321",
    )
    other_user = GuardUserFactory(org=org_a, username="olga@alpha.example")
    site = SiteFactory(org=org_a, name="Otto's Site", address="99 Secret St")
    ShiftFactory(
        org=org_a, site=site, employee=other, start=_at(1), end=_at(1) + dt.timedelta(hours=11)
    )
    ShiftFactory(
        org=org_a,
        site=site,
        employee=_employee(other_user),
        start=_at(3),
        end=_at(3) + dt.timedelta(hours=11),
    )
    client.force_login(guard_a)
    response = client.get(MY_SHIFTS)
    body = response.content.decode()
    for secret in (
        "Otto",
        "99 Secret St",
        "+27 82 999 1111",
        "otto@alpha.example",
        "7654321",
        "olga@alpha.example",
    ):
        assert secret not in body
    assert response.context["upcoming"] == [] and response.context["this_week"]["hours"] == 0


def test_org_a_guard_never_sees_org_b_shifts(client, guard_a, two_orgs):
    b = two_orgs["bravo"]
    ShiftFactory(org=b["org"], site=b["site"], employee=b["dedicated"])
    guard_b = GuardUserFactory(
        org=b["org"], username="bea@bravo.example", employee__first_name="CANARYB"
    )
    ShiftFactory(org=b["org"], site=b["site"], employee=_employee(guard_b))
    client.force_login(guard_a)
    response = client.get(MY_SHIFTS)
    assert response.status_code == 200
    assert "CANARYB" not in response.content.decode()
    assert response.context["upcoming"] == []


@pytest.mark.parametrize("shifts", [5, 500])
def test_query_count_is_constant_in_the_number_of_shifts(
    client, guard_a, org_a, shifts, django_assert_max_num_queries
):
    employee = _employee(guard_a)
    site = SiteFactory(org=org_a)
    base = timezone.now() - dt.timedelta(days=30)
    from scheduling.models import Shift

    with use_org(org_a):
        Shift.objects.bulk_create(
            Shift(
                site=site,
                employee=employee,
                start=base + dt.timedelta(hours=13 * n),
                end=base + dt.timedelta(hours=13 * n + 12),
            )
            for n in range(shifts)
        )
    client.force_login(guard_a)
    with django_assert_max_num_queries(9):
        response = client.get(MY_SHIFTS)
    assert response.status_code == 200
    assert len(response.content) < 60_000


@pytest.mark.parametrize("url", ["/", "/employees/", "/scheduling/", "/admin/"])
def test_a_guard_gets_no_manager_page_nor_the_admin(client, guard_a, two_orgs, url):
    client.force_login(guard_a)
    response = client.get(url)
    if url == "/admin/":
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
        assert client.get(response["Location"]).status_code == 200  # the login form, no admin
    else:
        assert response.status_code == 403
    a = two_orgs["alpha"]
    assert client.get(reverse("employees:detail", args=[a["dedicated"].pk])).status_code == 403


def test_a_guard_cannot_log_in_to_the_admin(client, guard_a):
    from tests.factories import DEMO_PASSWORD

    response = client.post(
        reverse("admin:login"), {"username": guard_a.username, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 200  # the form again, with an error
    assert client.get(reverse("admin:index")).status_code == 302


def test_a_manager_or_an_unlinked_guard_gets_403_on_my_shifts(client, manager_a, org_a):
    client.force_login(manager_a)
    assert client.get(MY_SHIFTS).status_code == 403
    unlinked = GuardUserFactory(org=org_a, username="nolink@alpha.example", employee=None)
    client.force_login(unlinked)
    assert client.get(MY_SHIFTS).status_code == 403


def test_a_deactivated_guard_gets_403(client, guard_a):
    employee = _employee(guard_a)
    with use_org(guard_a.org):
        employee.is_active = False
        employee.save(update_fields=["is_active"])
    client.force_login(guard_a)
    assert client.get(MY_SHIFTS).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(MY_SHIFTS)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_after_login_a_guard_lands_on_my_shifts_and_a_manager_on_the_dashboard(
    client, guard_a, manager_a
):
    from tests.factories import DEMO_PASSWORD

    response = client.post(
        reverse("login"), {"username": guard_a.username, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == MY_SHIFTS
    client.logout()
    response = client.post(
        reverse("login"), {"username": manager_a.username, "password": DEMO_PASSWORD}
    )
    assert response["Location"] == reverse("dashboard")


def test_published_changes_are_marked_until_the_guard_says_seen(client, org_a, manager_a):
    """Two guards: Gina is put on a shift and Otto taken off one; each sees their own
    change only, and "Seen" clears the marks."""
    from scheduling import services

    gina_user = GuardUserFactory(org=org_a, username="gina@alpha.example")
    otto_user = GuardUserFactory(org=org_a, username="otto@alpha.example")
    gina, otto = _employee(gina_user), _employee(otto_user)
    site = SiteFactory(org=org_a, name="Civic Centre")
    taken = ShiftFactory(org=org_a, site=site, start=_at(3), end=_at(3, 20))
    lost = ShiftFactory(org=org_a, site=site, employee=otto, start=_at(4), end=_at(4, 20))
    with use_org(org_a):
        services.assign_shift(shift=taken, employee=gina, by=manager_a)
        services.unassign_shift(shift=lost, by=manager_a)
        services.publish_shifts(
            [type(taken).objects.get(pk=taken.pk), type(lost).objects.get(pk=lost.pk)], by=manager_a
        )

    client.force_login(gina_user)
    body = client.get(MY_SHIFTS).content.decode()
    changes = body.split('id="changes"')[1].split("</section>")[0]
    assert "New:" in changes and "Removed:" not in changes and "Civic Centre" in changes
    assert '<span class="tag">new</span>' in body
    assert client.post(reverse("guards:acknowledge")).status_code == 302
    body = client.get(MY_SHIFTS).content.decode()
    assert 'id="changes"' not in body and '<span class="tag">new</span>' not in body

    client.force_login(otto_user)
    changes = client.get(MY_SHIFTS).content.decode().split('id="changes"')[1]
    assert "Removed:" in changes.split("</section>")[0]
    assert "New:" not in changes.split("</section>")[0]


def test_a_guard_does_not_see_an_unpublished_hand_edit(client, guard_a, org_a, manager_a):
    from scheduling import services

    shift = ShiftFactory(org=org_a, site=SiteFactory(org=org_a, name="Quiet Gate"))
    with use_org(org_a):
        services.assign_shift(shift=shift, employee=_employee(guard_a), by=manager_a)
    client.force_login(guard_a)
    assert "Quiet Gate" not in client.get(MY_SHIFTS).content.decode()
