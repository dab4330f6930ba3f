"""Screenshots of the manager's admin in headless Chromium: the employee list, an employee's
page and the dashboard (artifacts/screenshots/admin-*.png, git-ignored)."""

import datetime as dt
from importlib import import_module

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from tests.factories import (
    DEMO_PASSWORD,
    ClientFactory,
    EmployeeFactory,
    OrganizationFactory,
    ShiftFactory,
    SiteFactory,
    UserFactory,
)

# serialized_rollback: the Manager group (a data migration) survives the flushes of
# transactional tests.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _manager_group() -> Group:
    """The Manager group of the data migrations. Browser tests run last, after transactional
    tests whose flush emptied every table, so rebuild it from the migration's own list."""
    group, created = Group.objects.get_or_create(name="Manager")
    if created:
        granted = import_module("organizations.migrations.0002_manager_group").PERMISSIONS
        for app_label, models in granted.items():
            for model, actions in models.items():
                group.permissions.add(
                    *Permission.objects.filter(
                        content_type__app_label=app_label,
                        codename__in=[f"{action}_{model}" for action in actions.split()],
                    )
                )
    return group


def _company():
    org = OrganizationFactory(company_name="Alpha Guarding", slug="alpha")
    other = OrganizationFactory(company_name="CANARYB Bravo", slug="bravo")
    EmployeeFactory(org=other, first_name="CANARYB", last_name="Hidden")
    manager = UserFactory(org=org, username="thandi@alpha.example", first_name="Thandi")
    manager.groups.add(_manager_group())
    clients = [
        ClientFactory(org=org, client_name=name)
        for name in ("City of Tshwane", "Menlyn Maine Estate", "Sasol Secunda")
    ]
    sites = [
        SiteFactory(org=org, client=client, name=f"{client.client_name.split()[0]} Main Gate")
        for client in clients
    ]
    people = [
        ("Sipho", "Dlamini"),
        ("Lerato", "Mokoena"),
        ("Johan", "van Wyk"),
        ("Ayanda", "Nkosi"),
        ("Pieter", "Botha"),
        ("Nomsa", "Khumalo"),
        ("Thabo", "Molefe"),
        ("Zanele", "Mthembu"),
    ]
    guards = [
        EmployeeFactory(
            org=org,
            first_name=first,
            last_name=last,
            employee_number=f"AG-{100 + i}",
            psira_grade="ABCDE"[i % 5],
            assigned_client=clients[i % 3] if i % 4 else None,
        )
        for i, (first, last) in enumerate(people)
    ]
    start = timezone.now().replace(hour=6, minute=0, second=0, microsecond=0)
    for day in range(1, 4):
        ShiftFactory(
            org=org,
            site=sites[1],
            employee=guards[1],
            start=start + dt.timedelta(days=day),
            end=start + dt.timedelta(days=day, hours=12),
        )
        ShiftFactory(org=org, site=sites[0], start=start + dt.timedelta(days=day, hours=12))
    return manager, guards[1]


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def test_admin_screenshots(live_server, page, screenshot):
    manager, guard = _company()
    page.set_viewport_size({"width": 1280, "height": 800})
    _log_in(page, live_server, manager.username)

    assert page.locator("#count-employees").inner_text() == "8"
    assert page.locator("#count-flex").inner_text() == "2"
    assert screenshot("admin-dashboard").stat().st_size > 0
    seen = [page.content()]

    page.goto(f"{live_server.url}/admin/employees/employee/")
    assert page.locator("#result_list tbody tr").count() == 8
    assert page.get_by_text("Flex pool").count() >= 2
    assert screenshot("admin-employee-list").stat().st_size > 0
    seen.append(page.content())

    page.goto(f"{live_server.url}/admin/employees/employee/{guard.pk}/change/")
    assert page.locator(".rc-shifts tbody tr").count() == 3
    assert screenshot("admin-employee-change").stat().st_size > 0
    seen.append(page.content())

    for html in seen:
        assert "CANARYB" not in html
        assert "column-org" not in html and "field-org" not in html
