"""Open-shift pick-ups and swaps (guards.models.ShiftRequest): the checker's rules when a
guard asks or takes and again at approval, automatic approval, the inbox, the emails, the
race the exclusion constraint decides, and nothing across guards or organizations."""

import datetime as dt
import zoneinfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from guards import services
from guards.models import ShiftRequest
from rostracore.tenancy.context import use_org
from scheduling.models import Shift
from tests.concurrency import at_once
from tests.factories import GuardUserFactory, ShiftFactory, SiteFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _at(org, days: int, hour: int) -> dt.datetime:
    tz = zoneinfo.ZoneInfo(org.timezone)
    day = timezone.now().astimezone(tz).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=tz)


def _guard(org, name, **kwargs):
    user = GuardUserFactory(
        org=org,
        username=f"{name.lower()}@{org.slug}.example",
        first_name=name,
        employee__first_name=name,
        **kwargs,
    )
    with use_org(org):
        return user, user.employees.get()


@pytest.fixture
def world(org_a):
    site = SiteFactory(org=org_a, name="Civic Centre")
    gina_user, gina = _guard(org_a, "Gina")
    otto_user, otto = _guard(org_a, "Otto")
    low_user, low = _guard(org_a, "Lou", employee__psira_grade="E")
    open_shift = ShiftFactory(
        org=org_a, site=site, start=_at(org_a, 3, 6), end=_at(org_a, 3, 18), required_grade="C"
    )
    ottos = ShiftFactory(
        org=org_a,
        site=site,
        employee=otto,
        start=_at(org_a, 4, 6),
        end=_at(org_a, 4, 18),
        required_grade="C",
    )
    return locals()


def _codes(error):
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


def test_a_pickup_is_asked_then_approved_and_published(org_a, manager_a, world):
    with use_org(org_a):
        asked = services.request_pickup(employee=world["gina"], shift=world["open_shift"])
        assert asked.status == ShiftRequest.Status.PENDING
        with pytest.raises(ValidationError) as twice:
            services.request_pickup(employee=world["gina"], shift=world["open_shift"])
        assert _codes(twice.value) == {"shift": ["duplicate"]}
        approved = services.approve_shift_request(request=asked, by=manager_a)
        shift = Shift.objects.get(pk=world["open_shift"].pk)
    assert approved.status == ShiftRequest.Status.APPROVED and approved.decided_by == manager_a
    assert shift.employee_id == shift.published_employee_id == world["gina"].pk


def test_a_guard_who_breaks_a_rule_cannot_ask(org_a, world):
    with use_org(org_a), pytest.raises(ValidationError) as refused:
        services.request_pickup(employee=world["low"], shift=world["open_shift"])
    assert _codes(refused.value) == {"shift": ["rules"]}
    assert "grade E, needs C" in refused.value.messages[0]


def test_the_rules_are_checked_again_at_approval(org_a, manager_a, world):
    """Gina asks, then is given an overlapping shift by hand: approval is refused."""
    from scheduling import services as scheduling

    with use_org(org_a):
        asked = services.request_pickup(employee=world["gina"], shift=world["open_shift"])
        clash = ShiftFactory(
            org=org_a, site=world["site"], start=_at(org_a, 3, 10), end=_at(org_a, 3, 14)
        )
        scheduling.assign_shift(shift=clash, employee=world["gina"], by=manager_a)
        with pytest.raises(ValidationError, match=r"Cannot approve now: .*already works"):
            services.approve_shift_request(request=asked, by=manager_a)
        asked.refresh_from_db()
    assert asked.status == ShiftRequest.Status.PENDING


def test_automatic_approval_when_every_rule_passes(org_a, world):
    org_a.auto_approve_pickups = True
    org_a.save(update_fields=["auto_approve_pickups"])
    with use_org(org_a):
        made = services.request_pickup(employee=world["gina"], shift=world["open_shift"])
        shift = Shift.objects.get(pk=world["open_shift"].pk)
    assert made.status == ShiftRequest.Status.APPROVED and made.decided_by is None
    assert shift.published_employee_id == world["gina"].pk


def test_approving_one_pickup_declines_the_others_for_that_shift(org_a, manager_a, world):
    _, flo = _guard(org_a, "Flo")
    with use_org(org_a):
        first = services.request_pickup(employee=world["gina"], shift=world["open_shift"])
        second = services.request_pickup(employee=flo, shift=world["open_shift"])
        services.approve_shift_request(request=second, by=manager_a)
        first.refresh_from_db()
    assert first.status == ShiftRequest.Status.DECLINED
    assert first.decline_reason == "Another guard was given this shift."


def test_a_swap_is_offered_taken_and_approved(org_a, manager_a, world):
    with use_org(org_a):
        offer = services.offer_swap(employee=world["otto"], shift=world["ottos"])
        with pytest.raises(ValidationError) as own:
            services.take_swap(request=offer, taker=world["otto"])
        assert _codes(own.value) == {"taker": ["own"]}
        with pytest.raises(ValidationError) as low:
            services.take_swap(request=offer, taker=world["low"])
        assert _codes(low.value) == {"taker": ["rules"]}
        taken = services.take_swap(request=offer, taker=world["gina"])
        assert taken.status == ShiftRequest.Status.ACCEPTED
        services.approve_shift_request(request=taken, by=manager_a, base_url="https://x/")
        shift = Shift.objects.get(pk=world["ottos"].pk)
    assert shift.employee_id == shift.published_employee_id == world["gina"].pk
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    by_to = {m.to[0]: m for m in mail.outbox}
    assert set(by_to) == {"otto@alpha.example", "gina@alpha.example"}
    assert "The shift is yours" in by_to["gina@alpha.example"].body
    assert "no longer yours: Gina" in by_to["otto@alpha.example"].body


def test_only_a_guards_own_published_shift_can_be_offered(org_a, world):
    with use_org(org_a), pytest.raises(ValidationError) as refused:
        services.offer_swap(employee=world["gina"], shift=world["ottos"])
    assert _codes(refused.value) == {"shift": ["not_yours"]}


def test_two_managers_approving_two_pickups_of_one_shift_give_it_once(
    org_a, manager_a, world, observer
):
    _, flo = _guard(org_a, "Flo")
    with use_org(org_a):
        one = services.request_pickup(employee=world["gina"], shift=world["open_shift"])
        two = services.request_pickup(employee=flo, shift=world["open_shift"])

    def approve(request):
        with use_org(org_a):
            return services.approve_shift_request(request=request, by=manager_a)

    results = at_once(lambda: approve(one), lambda: approve(two))
    assert sorted(type(r).__name__ for r in results) == ["AlreadyDecided", "ShiftRequest"]
    shift = Shift.all_orgs.get(pk=world["open_shift"].pk)
    assert shift.employee_id in {world["gina"].pk, flo.pk}


# --- pages -------------------------------------------------------------------------------


def test_open_shifts_page_lists_what_the_guard_may_take_and_asks(client, org_a, world):
    client.force_login(world["gina_user"])
    page = client.get(reverse("guards:open_shifts")).content.decode()
    assert "Civic Centre" in page and "Ask for this shift" in page
    response = client.post(reverse("guards:pickup", args=[world["open_shift"].pk]), follow=True)
    assert "Asked: your manager decides" in response.content.decode()
    client.force_login(world["low_user"])
    assert "Ask for this shift" not in client.get(reverse("guards:open_shifts")).content.decode()


def test_the_inbox_lists_pickups_and_swaps_with_leave_oldest_first(client, org_a, manager_a, world):
    from tests.factories import LeaveRequestFactory

    with use_org(org_a):
        services.request_pickup(employee=world["gina"], shift=world["open_shift"])
        offer = services.offer_swap(employee=world["otto"], shift=world["ottos"])
        services.take_swap(request=offer, taker=world["gina"])
    LeaveRequestFactory(org=org_a, employee=world["otto"])
    client.force_login(manager_a)
    page = client.get(reverse("guards:requests")).content.decode()
    assert "3 pending requests" in page
    assert page.index("Open-shift pick-up") < page.index("Swap:") < page.index("Leave:")
    with use_org(org_a):
        swap = ShiftRequest.objects.get(kind="swap")
    response = client.post(reverse("guards:shift_approve", args=[swap.pk]), follow=True)
    assert "Approved: swap of" in response.content.decode()


def test_two_guards_and_two_organizations_see_only_their_own(
    client, org_a, org_b, manager_a, world
):
    b_user, b_guard = _guard(org_b, "Bea")
    b_shift = ShiftFactory(org=org_b, start=_at(org_b, 3, 6), end=_at(org_b, 3, 18))
    with use_org(org_a):
        gina_asks = services.request_pickup(employee=world["gina"], shift=world["open_shift"])
        offer = services.offer_swap(employee=world["otto"], shift=world["ottos"])
    # Another guard of the same organization cannot withdraw Gina's request.
    client.force_login(world["otto_user"])
    assert (
        client.post(reverse("guards:shift_request_cancel", args=[gina_asks.pk])).status_code == 404
    )
    assert "Civic Centre" in client.get(reverse("guards:open_shifts")).content.decode()
    # Org B's guard: none of org A's shifts, offers or requests.
    client.force_login(b_user)
    assert "Civic Centre" not in client.get(reverse("guards:open_shifts")).content.decode()
    assert "Civic Centre" not in client.get(reverse("guards:swaps")).content.decode()
    for url in (
        reverse("guards:pickup", args=[world["open_shift"].pk]),
        reverse("guards:swap_take", args=[offer.pk]),
        reverse("guards:shift_request_cancel", args=[gina_asks.pk]),
        reverse("guards:swap_offer", args=[world["ottos"].pk]),
    ):
        assert client.post(url).status_code == 404, url
    # Org A's manager cannot decide for org B, nor see its requests.
    with use_org(org_b):
        b_asks = services.request_pickup(employee=b_guard, shift=b_shift)
    client.force_login(manager_a)
    assert client.post(reverse("guards:shift_approve", args=[b_asks.pk])).status_code == 404
    assert "Bea" not in client.get(reverse("guards:requests")).content.decode()
    with use_org(org_b):
        assert ShiftRequest.objects.get(pk=b_asks.pk).status == ShiftRequest.Status.PENDING
