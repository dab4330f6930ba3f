"""Charge rates: the database's rules, the one service, the rates pages and the admin, each
with two organizations."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from billing.models import ChargeRate
from billing.services import delete_charge_rate, save_charge_rate
from rostracore.tenancy.context import CrossOrganizationError, all_organizations, use_org
from tests.billing.conftest import rate
from tests.factories import ClientFactory, PostFactory, SiteFactory

pytestmark = pytest.mark.django_db


def _immediately(statement):
    """Run `statement` with the deferred keys checked at once (they fire at commit)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        statement()


@pytest.fixture
def world(two_orgs):
    a, b = two_orgs["alpha"], two_orgs["bravo"]
    a["post"] = PostFactory(org=a["org"], site=a["site"], name="Alpha Gate")
    b["post"] = PostFactory(org=b["org"], site=b["site"], name="CANARYB Gate")
    a["rate"] = rate(a["org"], a["client"], "100.00")
    b["rate"] = rate(b["org"], b["client"], "999.00")
    return a, b


def test_the_database_refuses_a_second_rate_for_the_same_client_site_and_post(world):
    a, _ = world
    with use_org(a["org"]), pytest.raises(IntegrityError, match="billing_chargerate_once"):
        # The client's own rate again: both empty site and post count as the same value.
        _immediately(
            lambda: ChargeRate(org=a["org"], client=a["client"], hourly_rate=1).save_base(raw=True)
        )


@pytest.mark.parametrize(
    ("field", "value", "constraint"),
    [
        ("hourly_rate", "0.00", "billing_chargerate_rate_positive"),
        ("sunday_multiplier", "0.99", "billing_chargerate_sunday_at_least_1"),
        ("public_holiday_multiplier", "0.50", "billing_chargerate_holiday_at_least_1"),
    ],
)
def test_the_database_refuses_bad_money(world, field, value, constraint):
    a, _ = world
    with use_org(a["org"]), pytest.raises(IntegrityError, match=constraint):
        _immediately(
            lambda: ChargeRate.objects.filter(pk=a["rate"].pk).update(**{field: Decimal(value)})
        )


def test_the_database_refuses_a_site_of_another_client_and_a_post_of_another_site(world):
    a, _ = world
    other_client = ClientFactory(org=a["org"])
    other_site = SiteFactory(org=a["org"], client=other_client)
    with use_org(a["org"]):
        with pytest.raises(IntegrityError, match="billing_chargerate_site_of_client_fk"):
            _immediately(
                lambda: ChargeRate.objects.create(
                    client=a["client"], site=other_site, hourly_rate=1
                )
            )
        with pytest.raises(IntegrityError, match="billing_chargerate_post_of_site_fk"):
            _immediately(
                lambda: ChargeRate.objects.create(
                    client=other_client, site=other_site, post=a["post"], hourly_rate=1
                )
            )
        with pytest.raises(IntegrityError, match="billing_chargerate_post_needs_site"):
            _immediately(
                lambda: ChargeRate.objects.create(client=a["client"], post=a["post"], hourly_rate=1)
            )


def test_the_service_says_what_is_wrong_at_the_field(world):
    a, _ = world
    other_site = SiteFactory(org=a["org"])
    with use_org(a["org"]):
        cases = [
            (dict(site=other_site), "site", "This site is not the client's."),
            (dict(post=a["post"]), "site", "Choose the post's site too."),
            (dict(site=a["site"], hourly_rate=Decimal("-1")), "hourly_rate", "more than zero"),
            (
                dict(site=a["site"], sunday_multiplier=Decimal("0.5")),
                "sunday_multiplier",
                "at least 1",
            ),
            ({}, "post", "already has a rate"),  # the client's own rate exists
        ]
        for fields, field, message in cases:
            candidate = ChargeRate(client=a["client"], hourly_rate=Decimal("50.00"))
            for name, value in fields.items():
                setattr(candidate, name, value)
            with pytest.raises(ValidationError) as error:
                save_charge_rate(rate=candidate)
            assert field in error.value.message_dict, fields
            assert message in " ".join(error.value.message_dict[field])
        assert ChargeRate.objects.count() == 1
        saved = save_charge_rate(
            rate=ChargeRate(client=a["client"], site=a["site"], post=a["post"], hourly_rate=80)
        )
        assert saved.pk and ChargeRate.objects.count() == 2


def test_the_service_refuses_another_organizations_client_or_rate(world):
    a, b = world
    with use_org(a["org"]):
        with pytest.raises((CrossOrganizationError, ValidationError)):
            save_charge_rate(rate=ChargeRate(client=b["client"], hourly_rate=Decimal("1.00")))
        with pytest.raises((CrossOrganizationError, ChargeRate.DoesNotExist)):
            delete_charge_rate(rate=b["rate"])
    with all_organizations():
        assert ChargeRate.all_orgs.filter(pk=b["rate"].pk).exists()


@pytest.mark.django_db(transaction=True)
def test_manager_lists_adds_edits_and_deletes_own_rates_only(client, manager_a, world):
    a, b = world
    client.force_login(manager_a)
    listing = client.get(reverse("billing:rates"))
    assert listing.status_code == 200
    assert b"Alpha Client" in listing.content and b"CANARYB" not in listing.content

    form = client.get(reverse("billing:rate_new"))
    assert b"CANARYB" not in form.content  # no choice of B's clients, sites or posts
    added = client.post(
        reverse("billing:rate_new"),
        {
            "client": a["client"].pk,
            "site": a["site"].pk,
            "post": a["post"].pk,
            "hourly_rate": "130.00",
            "sunday_multiplier": "1.50",
            "public_holiday_multiplier": "2.00",
        },
    )
    assert added.status_code == 302
    with use_org(a["org"]):
        new = ChargeRate.objects.get(post=a["post"])
    assert new.hourly_rate == Decimal("130.00")

    edited = client.post(
        reverse("billing:rate_edit", kwargs={"pk": new.pk}),
        {
            "client": a["client"].pk,
            "site": a["site"].pk,
            "post": "",
            "hourly_rate": "0",
            "sunday_multiplier": "1.50",
            "public_holiday_multiplier": "2.00",
        },
    )
    assert edited.status_code == 200  # the form again, with the message at the field
    assert b"The hourly rate must be more than zero." in edited.content

    # B's client in A's form is not a choice; B's rate is a 404 like a missing one.
    foreign = client.post(
        reverse("billing:rate_new"),
        {
            "client": b["client"].pk,
            "hourly_rate": "1.00",
            "sunday_multiplier": "1",
            "public_holiday_multiplier": "1",
        },
    )
    assert b"Select a valid choice" in foreign.content
    for pk in (b["rate"].pk, 10**9):
        assert client.get(reverse("billing:rate_edit", kwargs={"pk": pk})).status_code == 404
        assert client.post(reverse("billing:rate_delete", kwargs={"pk": pk})).status_code == 404

    deleted = client.post(reverse("billing:rate_delete", kwargs={"pk": new.pk}))
    assert deleted.status_code == 302
    with all_organizations():
        assert not ChargeRate.all_orgs.filter(pk=new.pk).exists()
        assert ChargeRate.all_orgs.filter(pk=b["rate"].pk).exists()


def test_rates_page_queries_are_bounded(client, manager_a, world, django_assert_max_num_queries):
    a, _ = world
    for _ in range(10):
        site = SiteFactory(org=a["org"], client=a["client"])
        rate(a["org"], a["client"], "90.00", site=site)
    client.force_login(manager_a)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("billing:rates"))
    assert response.content.count(b"90.00") == 10


def test_admin_changes_rates_through_the_service_and_sees_own_only(
    client, manager_a, world, monkeypatch
):
    a, b = world
    calls = []
    import billing.services

    real = billing.services.save_charge_rate
    monkeypatch.setattr(
        billing.services, "save_charge_rate", lambda **kw: calls.append(kw) or real(**kw)
    )
    manager_a.groups.add(Group.objects.get(name="Manager"))
    client.force_login(manager_a)
    changelist = client.get(reverse("admin:billing_chargerate_changelist"))
    assert changelist.status_code == 200 and b"999.00" not in changelist.content
    url = reverse("admin:billing_chargerate_change", args=[b["rate"].pk])
    assert client.get(url).status_code in (302, 404)
    response = client.post(
        reverse("admin:billing_chargerate_change", args=[a["rate"].pk]),
        {
            "client": a["client"].pk,
            "site": "",
            "post": "",
            "hourly_rate": "110.00",
            "sunday_multiplier": "1.50",
            "public_holiday_multiplier": "2.00",
            "_save": "Save",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert calls and calls[0]["rate"].hourly_rate == Decimal("110.00")
    with use_org(a["org"]):
        assert ChargeRate.objects.get(pk=a["rate"].pk).hourly_rate == Decimal("110.00")
