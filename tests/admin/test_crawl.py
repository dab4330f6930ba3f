"""Crawl every registered admin as org A's manager, aimed at org B's rows.

Org B's rows carry the canary "CANARYB" (names, company, users, a group). For every admin:
changelist (searched, filtered by B's foreign keys, as a raw-id/`_to_field` popup), add
(plain and popup), change, delete, history (and a user's password page) for B's id, and
autocomplete for every foreign key pointing at the model. No response may contain the
canary; B's id must get the same response as an id that does not exist; POSTs naming B's
rows must change nothing of B's.
"""

import re

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.forms.models import model_to_dict

from attendance.models import Attendance, AttendanceEvent
from billing.models import ChargeRate
from clients.models import Client, Site
from employees.models import Employee
from organizations.models import Organization, User
from payroll.models import PayLine, PayPeriod, PaySchedule
from rostracore.audit.models import AuditEvent
from rostracore.tenancy.admin import PlatformOnlyAdmin
from rostracore.tenancy.context import all_organizations
from scheduling.models import (
    Absence,
    GuardContract,
    LabourRules,
    Post,
    RosterAssignment,
    RosterRun,
    Shift,
    ShiftPattern,
    SiteInduction,
)
from tests.admin.conftest import CANARY

# A page flow runs like production: no outer transaction, each request in its own
# ATOMIC_REQUESTS transaction (the owner empties the tables afterwards).
pytestmark = pytest.mark.django_db(transaction=True)

MISSING_ID = 10**9
# Matches every canary string (icontains) without being one: pages echo the search term.
TERM = CANARY[1:]

# Model -> (org B's row, org A's row) for the admins that show organization data. Every other
# registered admin must be platform-only; it is crawled too (with its first row, if any). The
# meta-test fails when an admin is neither.
TARGETS = {
    Organization: lambda w: (w["bravo"]["org"], None),
    User: lambda w: (w["bravo"]["user"], w["alpha"]["user"]),
    Group: lambda w: (w["bravo"]["group"], None),
    Client: lambda w: (w["bravo"]["client"], w["alpha"]["client"]),
    Site: lambda w: (w["bravo"]["site"], w["alpha"]["site"]),
    Employee: lambda w: (w["bravo"]["dedicated"], w["alpha"]["dedicated"]),
    Shift: lambda w: (w["bravo"]["shift"], w["alpha"]["shift"]),
    # Scheduling (tests/admin/conftest.py `scheduling_world`). Shift patterns and draft
    # assignments are inlines of Post and RosterRun, crawled through those pages.
    Post: lambda w: (w["bravo"]["post"], w["alpha"]["post"]),
    LabourRules: lambda w: (w["bravo"]["rules"], w["alpha"]["rules"]),
    SiteInduction: lambda w: (w["bravo"]["induction"], w["alpha"]["induction"]),
    Absence: lambda w: (w["bravo"]["absence"], w["alpha"]["absence"]),
    GuardContract: lambda w: (w["bravo"]["contract"], w["alpha"]["contract"]),
    RosterRun: lambda w: (w["bravo"]["run"], w["alpha"]["run"]),
    # Attendance (read only): B's correction's reason carries the canary.
    Attendance: lambda w: (w["bravo"]["attendance"], w["alpha"]["attendance"]),
    AttendanceEvent: lambda w: (w["bravo"]["attendance_event"], w["alpha"]["attendance_event"]),
    # Billing: B's rate at B's canary client, site and post.
    ChargeRate: lambda w: (w["bravo"]["charge_rate"], w["alpha"]["charge_rate"]),
    # Payroll: B's closed period's line names B's canary guard.
    PaySchedule: lambda w: (w["bravo"]["pay_schedule"], w["alpha"]["pay_schedule"]),
    PayPeriod: lambda w: (w["bravo"]["pay_period"], w["alpha"]["pay_period"]),
    PayLine: lambda w: (w["bravo"]["pay_line"], w["alpha"]["pay_line"]),
    # The audit trail of B's rows repeats their canary names.
    AuditEvent: lambda w: (
        AuditEvent.all_orgs.filter(org=w["bravo"]["org"]).first(),
        AuditEvent.all_orgs.filter(org=w["alpha"]["org"]).first(),
    ),
    # django-axes' login logs name users of every organization: platform only.
    AccessAttempt: lambda w: (w["bravo"]["axes"][AccessAttempt], None),
    AccessLog: lambda w: (w["bravo"]["axes"][AccessLog], None),
    AccessFailureLog: lambda w: (w["bravo"]["axes"][AccessFailureLog], None),
}
REGISTERED = list(admin.site._registry)


@pytest.fixture
def world(world, scheduling_world):
    """The shared world plus scheduling rows and login records of org B's canary user."""
    who = {"username": f"{CANARY}@bravo.example", "ip_address": "10.0.0.2", "user_agent": CANARY}
    world["bravo"]["axes"] = {
        AccessAttempt: AccessAttempt.objects.create(**who, failures_since_start=1),
        AccessLog: AccessLog.objects.create(**who),
        AccessFailureLog: AccessFailureLog.objects.create(**who),
    }
    return world


def test_every_registered_admin_is_crawled():
    """An admin showing organization data needs a TARGETS entry (B's row to aim at);
    anything else must be platform-only (restrict_unscoped_admins)."""
    for model, model_admin in admin.site._registry.items():
        assert model in TARGETS or isinstance(model_admin, PlatformOnlyAdmin), model


def _base(model) -> str:
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/"


def _object_urls(model, pk) -> list[str]:
    base = f"{_base(model)}{pk}/"
    urls = [f"{base}change/", f"{base}delete/", f"{base}history/"]
    if model is User:
        urls.append(f"{base}password/")
    return urls


def _list_urls(model, world) -> list[str]:
    base = _base(model)
    urls = [
        base,
        f"{base}?q={TERM}",
        f"{base}?_popup=1&_to_field=id",
        f"{base}?_popup=1&_to_field=id&q={TERM}",
        f"{base}add/",
        f"{base}add/?_popup=1&_to_field=id",
    ]
    for field in model._meta.concrete_fields:
        if field.many_to_one and field.related_model in admin.site._registry:
            foreign = _row_of(field.related_model, world)
            urls.append(f"{base}?{field.name}__id__exact={foreign.pk}")
    return urls


def _row_of(model, world):
    with all_organizations():  # the test looks up org B's row; the requests run as A
        if model in TARGETS:
            return TARGETS[model](world)[0]
        # Another platform-only admin: any row it has, else an id that does not exist.
        return model._default_manager.order_by("pk").first() or model(pk=MISSING_ID - 1)


def _autocomplete_urls() -> list[str]:
    urls = []
    for source in admin.site._registry:
        for field in source._meta.concrete_fields:
            if field.many_to_one and field.related_model in admin.site._registry:
                query = (
                    f"app_label={source._meta.app_label}&model_name={source._meta.model_name}"
                    f"&field_name={field.name}"
                )
                urls += [f"/admin/autocomplete/?{query}", f"/admin/autocomplete/?{query}&term="]
                urls.append(f"/admin/autocomplete/?{query}&term={TERM}")
    return urls


def _text(response) -> str:
    return b"".join(
        [r.content for r in getattr(response, "redirect_chain_responses", [])] + [response.content]
    ).decode()


def _normalized(response, pk) -> tuple:
    # Per-response secrets: the CSRF token and the CSP nonce.
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    text = re.sub(r'nonce="[^"]+"', "", text)
    # The id where pages echo it: “12” in messages, /12/ in URLs, "12" or '12' in attributes.
    echoed = re.compile(rf"(?<=[“/\"'=]){pk}(?=[”/\"'&])")
    text = echoed.sub("<ID>", text)
    chain = [(echoed.sub("<ID>", url), status) for url, status in response.redirect_chain]
    return response.status_code, chain, text


def _snapshot_of_b(world) -> dict:
    org_b = world["bravo"]["org"]
    rows = {
        model._meta.label: sorted(
            (model_to_dict(row) for row in model.all_orgs.filter(org=org_b)),
            key=lambda row: row["id"],
        )
        for model in (
            Client,
            Site,
            Employee,
            Shift,
            Post,
            ShiftPattern,
            LabourRules,
            SiteInduction,
            Absence,
            GuardContract,
            RosterRun,
            RosterAssignment,
            Attendance,
            AttendanceEvent,
            ChargeRate,
            PaySchedule,
            PayPeriod,
            PayLine,
        )
    }
    rows["users"] = sorted(
        User.objects.filter(org=org_b).values("id", "username", "password", "is_active"),
        key=lambda row: row["id"],
    )
    rows["org"] = list(Organization.objects.filter(pk=org_b.pk).values())
    rows["groups"] = list(Group.objects.values("id", "name"))
    return rows


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_manager_sees_no_canary_on_any_admin_page(client_a, world, model):
    for url in _list_urls(model, world) + _object_urls(model, _row_of(model, world).pk):
        response = client_a.get(url, follow=True)
        assert response.status_code in (200, 403, 404), url
        assert CANARY not in response.content.decode(), url


def test_manager_sees_no_canary_in_any_autocomplete(client_a, world):
    urls = _autocomplete_urls()
    assert len(urls) >= 12  # Site.client, Employee.assigned_client, Shift.site/employee, ...
    for url in urls:
        response = client_a.get(url)
        assert response.status_code in (200, 403, 404), url
        assert CANARY not in response.content.decode(), url


def test_autocomplete_offers_own_rows(client_a, world):
    """The crawl above could pass on empty answers; this proves the same URLs show data."""
    response = client_a.get(
        "/admin/autocomplete/?app_label=employees&model_name=employee"
        "&field_name=assigned_client&term=Client"
    )
    assert [r["text"] for r in response.json()["results"]] == ["Alpha Client"]


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_foreign_id_gets_the_same_response_as_a_missing_id(client_a, world, model):
    foreign = _row_of(model, world).pk
    for foreign_url, missing_url in zip(
        _object_urls(model, foreign), _object_urls(model, MISSING_ID), strict=True
    ):
        seen_foreign = _normalized(client_a.get(foreign_url, follow=True), foreign)
        seen_missing = _normalized(client_a.get(missing_url, follow=True), MISSING_ID)
        assert seen_foreign == seen_missing, foreign_url


@pytest.mark.parametrize(
    "model",
    [
        User,
        Client,
        Site,
        Employee,
        Shift,
        Post,
        LabourRules,
        SiteInduction,
        Absence,
        GuardContract,
        RosterRun,
    ],
    ids=lambda m: m._meta.label,
)
def test_manager_opens_own_rows(client_a, world, model):
    """Control for the crawl: org A's own rows are shown (so a hidden B row means scoping)."""
    own = TARGETS[model](world)[1]
    for url in _object_urls(model, own.pk):
        # Managers deactivate colleagues rather than delete them: no delete_user permission.
        # Roster runs are view-only (made and published by the roster page).
        expected = 403 if model in (User, RosterRun) and url.endswith("/delete/") else 200
        assert client_a.get(url).status_code == expected, url
    assert str(own.pk) in client_a.get(_base(model)).content.decode()


def _post_data(model, world) -> dict:
    """A plausible full form for the model, renaming things to 'Hacked'."""
    a = world["alpha"]
    return {
        Client: {
            "client_name": "Hacked",
            "is_active": "on",
            "sites-TOTAL_FORMS": "0",
            "sites-INITIAL_FORMS": "0",
        },
        Site: {"client": a["client"].pk, "name": "Hacked"},
        Employee: {
            "first_name": "Hacked",
            "last_name": "Hacked",
            "employee_number": "H-1",
            "psira_grade": "C",
            "is_active": "on",
        },
        Shift: {
            "site": a["site"].pk,
            "start_0": "2030-01-01",
            "start_1": "08:00",
            "end_0": "2030-01-01",
            "end_1": "16:00",
            "required_grade": "E",
        },
        User: {
            "username": "hacked@example.com",
            "is_active": "on",
            "password1": "Hacked-pass-123",
            "password2": "Hacked-pass-123",
        },
        Post: {
            "site": a["site"].pk,
            "name": "Hacked",
            "required_grade": "E",
            "is_active": "on",
            "patterns-TOTAL_FORMS": "0",
            "patterns-INITIAL_FORMS": "0",
        },
        LabourRules: {
            "max_daily_hours": "1",
            "max_weekly_hours": "1",
            "max_weekly_overtime_hours": "0",
            "min_rest_hours": "1",
            "weekly_rest_hours": "1",
            "weight_open_shift": "1",
            "weight_off_client": "1",
            "weight_post_change": "1",
            "weight_fairness": "1",
            "weight_overtime": "1",
            "weight_preference": "1",
            "late_after_minutes": "1",
            "no_show_after_minutes": "1",
        },
        SiteInduction: {
            "employee": a["flex"].pk,
            "site": a["site"].pk,
            "completed_on": "2030-01-01",
        },
        Absence: {
            "employee": a["dedicated"].pk,
            "kind": "unavailable",
            "start_0": "2030-01-01",
            "start_1": "08:00",
            "end_0": "2030-01-02",
            "end_1": "08:00",
            "note": "Hacked",
        },
        GuardContract: {"employee": a["flex"].pk, "max_hours": "1"},
        PaySchedule: {
            "frequency": "weekly",
            "first_period_start": "2030-01-07",
            "week_starts_on": "1",
            "holiday_country": "ZA",
            "holiday_subdivision": "",
            "pay_source": "attendance",
            "billing_source": "attendance",
        },
        RosterRun: {"status": "published", "start_date": "2030-01-01", "end_date": "2030-02-01"},
        Organization: {"company_name": "Hacked", "slug": "hacked", "timezone": "UTC"},
        Group: {"name": "Hacked"},
    }.get(model, {})


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_posts_against_org_b_change_nothing(client_a, world, model):
    before = _snapshot_of_b(world)
    target = _row_of(model, world).pk
    base = _base(model)
    data = _post_data(model, world)
    posts = [
        (f"{base}{target}/change/", {**data, "_save": "Save"}),
        (f"{base}{target}/delete/", {"post": "yes"}),
        (base, {"action": "delete_selected", "index": "0", "_selected_action": [target]}),
        (base, {"action": "delete_selected", "post": "yes", "_selected_action": [target]}),
    ]
    if model is User:
        posts.append(
            (
                f"{base}{target}/password/",
                {"password1": "X-pass-987654", "password2": "X-pass-987654"},
            )
        )
    if model is Employee:
        b_client = world["bravo"]["client"].pk
        for action in ("assign_to_client", "move_to_flex_pool", "deactivate"):
            posts.append((base, {"action": action, "index": "0", "_selected_action": [target]}))
        posts.append(
            (
                base,
                {
                    "action": "assign_to_client",
                    "apply": "1",
                    "client": b_client,
                    "_selected_action": [target],
                },
            )
        )
    for url, payload in posts:
        response = client_a.post(url, payload, follow=True)
        assert response.status_code in (200, 403, 404), url
        assert CANARY not in response.content.decode(), url
    assert _snapshot_of_b(world) == before


def test_crafted_org_field_on_add_is_ignored(client_a, world, observer):
    org_a, org_b = world["alpha"]["org"], world["bravo"]["org"]
    response = client_a.post(
        "/admin/clients/client/add/",
        {
            "client_name": "Crafted",
            "org": org_b.pk,
            "is_active": "on",
            "sites-TOTAL_FORMS": "0",
            "sites-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    created = Client.all_orgs.get(client_name="Crafted")
    assert created.org_id == org_a.pk
