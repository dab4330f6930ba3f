"""A manager generates a roster in real Chromium: the background worker solves it while the
progress page refreshes, then the site week grid shows the draft and the published roster.

Saves screenshots of the progress page and the site week grid (artifacts/screenshots/).
"""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from employees.models import Employee
from rostracore.tenancy.context import all_organizations
from scheduling.models import RosterRun
from tests.browser.conftest import start_worker
from tests.factories import (
    DEMO_PASSWORD,
    ClientFactory,
    EmployeeFactory,
    PostFactory,
    ShiftPatternFactory,
    SiteFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAMES = [
    ("Thabo", "Mokoena"), ("Pieter", "Botha"), ("Lerato", "Dlamini"), ("Sizwe", "Nkosi"),
    ("Anele", "Mthembu"), ("Johan", "van Wyk"), ("Zanele", "Ngcobo"), ("Kagiso", "Molefe"),
    ("Naledi", "Mahlangu"), ("Bongani", "Zulu"),
]  # fmt: skip


@pytest.fixture
def mall(org_a, org_b):
    """Org A: a mall with a 24/7 main gate (two guards at night), an armed grade-A cash office
    on weekdays, and ten guards, two of them armed grade B. Org B has a canary guard."""
    client = ClientFactory(org=org_a, client_name="Eastgate Mall")
    gate_site = SiteFactory(org=org_a, client=client, name="Eastgate Main Gate")
    cash_site = SiteFactory(org=org_a, client=client, name="Eastgate Cash Office", armed=True)
    gate = PostFactory(org=org_a, site=gate_site, name="Main gate")
    ShiftPatternFactory(org=org_a, post=gate, name="Day")
    ShiftPatternFactory(
        org=org_a, post=gate, name="Night", start_time=dt.time(18), end_time=dt.time(6), guards=2
    )
    # Grade A and armed: nobody qualifies, so these five shifts stay open with a reason.
    cash = PostFactory(org=org_a, site=cash_site, name="Cash escort", required_grade="A")
    ShiftPatternFactory(
        org=org_a,
        post=cash,
        name="Office hours",
        start_time=dt.time(7),
        end_time=dt.time(17),
        weekdays=[1, 2, 3, 4, 5],
    )
    for i, (first, last) in enumerate(NAMES):
        EmployeeFactory(
            org=org_a,
            first_name=first,
            last_name=last,
            psira_grade="B" if i < 2 else "D",
            firearm_competency_expires=dt.date(2028, 1, 1) if i < 2 else None,
            assigned_client=client if i % 3 else None,
        )
    EmployeeFactory(org=org_b, first_name="CANARYB", last_name="Guard")
    UserFactory(org=org_a, username="alice@alpha.example")
    return {"gate_site": gate_site}


def _login(page: Page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("alice@alpha.example")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_manager_generates_and_publishes_a_roster(live_server, page: Page, screenshot, mall):
    base = live_server.url
    _login(page, base)
    page.goto(f"{base}/scheduling/")
    page.get_by_label("First day (a Monday)").fill("2027-03-01")
    page.get_by_label("Weeks").fill("1")
    page.get_by_label("Optimizer time limit (seconds)").fill("5")
    page.get_by_role("button", name="Generate roster").click()

    expect(page.locator("#run-status")).to_have_text("Queued")
    expect(page.locator("#run-phase")).to_have_text("Waiting for the background worker")
    screenshot("scheduling-progress-queued")

    worker = start_worker("browser-test")
    # The page refreshes itself every two seconds until the worker is done.
    expect(page.locator("#run-status")).to_have_text("Draft ready", timeout=60_000)
    worker.join(30)
    with all_organizations():
        run = RosterRun.all_orgs.get()
    assert run.hard_violations == 0 and run.total_shifts == 26
    assert run.open_shifts == run.open_lower_bound == 5  # the cash office: proven unfillable
    expect(page.locator("#filled")).to_have_text(str(run.filled_shifts))
    expect(page.get_by_role("heading", name="Open shifts and why")).to_be_visible()
    expect(page.locator(".open-list li")).to_have_count(5)
    expect(page.locator(".open-list li").first).to_contain_text(
        "No guard with grade A and a valid firearm competency is available for Mon 01 Mar"
    )
    assert "CANARYB" not in page.content()
    screenshot("scheduling-progress-done")

    page.get_by_role("link", name="Eastgate Main Gate").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Eastgate Main Gate")
    expect(page.locator("li.shift.draft")).to_have_count(21)  # 7 days + 7 nights x 2 guards
    screenshot("scheduling-site-week-draft")

    page.go_back()
    page.get_by_role("button", name="Publish this roster").click()
    expect(page.locator(".message")).to_contain_text("Published")
    page.goto(f"{base}/scheduling/sites/{mall['gate_site'].pk}/week/?week=2027-03-01")
    expect(page.locator("li.shift:not(.draft):not(.open)")).to_have_count(21)
    with all_organizations():
        names = {e.full_name for e in Employee.all_orgs.filter(org=mall["gate_site"].org)}
    shown = page.locator("li.shift").all_inner_texts()
    assert all(any(name in text for name in names) for text in shown)
    screenshot("scheduling-site-week")
