"""A guard's whole way in, at phone size (390×844) in real Chromium, with real email through
Django's backend and the real background worker: the manager invites, the guard sets a
password and sees their shifts, asks for leave that the manager approves, a roster run
leaves those days free, the guard picks up an open shift and takes a colleague's offered
shift. Screenshots: artifacts/screenshots/journey-*.png.
"""

import datetime as dt
import re
import zoneinfo

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from rostracore.tenancy.context import use_org
from scheduling.models import RosterAssignment, RosterRun, Shift
from tests.browser.conftest import SCREENSHOTS, start_worker
from tests.factories import (
    DEMO_PASSWORD,
    ClientFactory,
    EmployeeFactory,
    GuardUserFactory,
    PostFactory,
    ShiftFactory,
    ShiftPatternFactory,
    SiteFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
GINA_PASSWORD = "Gina-chooses-9-words"


def _work() -> None:
    start_worker("journey").join(120)


def _phone(browser: Browser) -> Page:
    return browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True).new_page()


def _log_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def _fits_the_phone(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.fixture
def company(org_a, org_b):
    tz = zoneinfo.ZoneInfo(org_a.timezone)
    today = timezone.now().astimezone(tz).date()
    monday = today + dt.timedelta(days=7 - today.weekday())

    def at(day: dt.date, hour: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour), tzinfo=tz)

    client = ClientFactory(org=org_a, client_name="City of Tshwane")
    site = SiteFactory(org=org_a, client=client, name="Civic Centre", address="1 Madiba St")
    post = PostFactory(org=org_a, site=site, name="Main gate")
    ShiftPatternFactory(org=org_a, post=post, name="Day")  # 06:00-18:00 every day
    gina = EmployeeFactory(
        org=org_a, first_name="Gina", last_name="Dube", email="gina@alpha.example"
    )
    otto_user = GuardUserFactory(
        org=org_a, username="otto@alpha.example", employee__first_name="Otto"
    )
    for first in ("Sipho", "Thandi", "Pieter", "Lerato"):
        EmployeeFactory(org=org_a, first_name=first, last_name="Guard")
    UserFactory(org=org_a, username="alice@alpha.example")
    EmployeeFactory(org=org_b, first_name="CANARYB", last_name="Guard")
    with use_org(org_a):
        otto = otto_user.employees.get()
    # Gina's published shift before the roster week, an open shift and Otto's offered shift
    # the week after it (the run covers its own week only).
    ShiftFactory(
        org=org_a,
        site=site,
        employee=gina,
        start=at(today + dt.timedelta(1), 18),
        end=at(today + dt.timedelta(1), 23),
    )
    later = monday + dt.timedelta(days=8)  # the Tuesday after the roster week
    open_shift = ShiftFactory(org=org_a, site=site, start=at(later, 6), end=at(later, 18))
    ottos = ShiftFactory(
        org=org_a,
        site=site,
        employee=otto,
        start=at(later + dt.timedelta(2), 6),
        end=at(later + dt.timedelta(2), 18),
    )
    return locals()


def test_a_guards_way_in_at_phone_size(live_server, browser: Browser, company):
    base = live_server.url
    gina, monday = company["gina"], company["monday"]

    # 1. The manager invites Gina; the worker sends the email.
    manager = _phone(browser)
    _log_in(manager, base, "alice@alpha.example", DEMO_PASSWORD)
    manager.goto(f"{base}/employees/{gina.pk}/")
    manager.get_by_role("button", name="Invite", exact=True).click()
    expect(manager.locator(".message")).to_contain_text("gina@alpha.example")
    _work()
    [invitation] = [m for m in mail.outbox if m.to == ["gina@alpha.example"]]
    link = re.search(r"https?://\S+/invite/\S+/", invitation.body)[0]

    # 2. Gina chooses a password, logs in and sees her shift.
    guard = _phone(browser)
    guard.goto(link)
    guard.get_by_label("New password", exact=True).fill(GINA_PASSWORD)
    guard.get_by_label("New password confirmation").fill(GINA_PASSWORD)
    guard.get_by_role("button", name="Save password").click()
    _log_in(guard, base, "gina@alpha.example", GINA_PASSWORD)
    expect(guard.get_by_role("heading", name="My shifts", level=1)).to_be_visible()
    expect(guard.locator("article.card").first).to_contain_text("Civic Centre")
    _fits_the_phone(guard)
    screenshot_of(guard, "journey-1-my-shifts")

    # 3. Gina asks for Wednesday and Thursday of the roster week off; the manager approves.
    wednesday = monday + dt.timedelta(2)
    guard.get_by_role("link", name="My leave").click()
    guard.get_by_label("First day").fill(wednesday.isoformat())
    guard.get_by_label("Last day").fill((wednesday + dt.timedelta(1)).isoformat())
    guard.get_by_label("Type").select_option("family")
    guard.get_by_role("button", name="Send the request").click()
    expect(guard.locator(".badge.pending")).to_have_count(1)
    screenshot_of(guard, "journey-2-leave")
    manager.goto(f"{base}/requests/")
    manager.get_by_role("button", name="Approve").click()
    expect(manager.locator(".message")).to_contain_text("Approved: Gina Dube")

    # 4. A one-week roster run leaves those days free for her.
    manager.goto(f"{base}/scheduling/")
    manager.get_by_label("First day (a Monday)").fill(monday.isoformat())
    manager.get_by_label("Weeks").fill("1")
    manager.get_by_label("Optimizer time limit (seconds)").fill("5")
    manager.get_by_role("button", name="Generate roster").click()
    _work()
    expect(manager.locator("#run-status")).to_have_text("Draft ready", timeout=60_000)
    manager.get_by_role("button", name="Publish this roster").click()
    expect(manager.locator(".message")).to_contain_text("Published")
    org = company["org_a"]
    with use_org(org):
        run = RosterRun.objects.get()
        ginas = RosterAssignment.objects.filter(run=run, employee=gina).select_related("shift")
        days = {timezone.localtime(a.shift.start).date() for a in ginas}
    assert run.hard_violations == 0
    assert not days & {wednesday, wednesday + dt.timedelta(1)}

    # 5. Gina picks up the open shift; the manager approves.
    guard.get_by_role("link", name="Back to my shifts").click()
    guard.get_by_role("link", name="Open shifts").click()
    guard.get_by_role("button", name="Ask for this shift").first.click()
    expect(guard.locator(".message")).to_contain_text("Asked")
    _fits_the_phone(guard)
    screenshot_of(guard, "journey-3-open-shifts")
    manager.goto(f"{base}/requests/")
    manager.get_by_role("button", name="Approve").click()
    expect(manager.locator(".message")).to_contain_text("Approved: open-shift pick-up")
    with use_org(org):
        assert Shift.objects.get(pk=company["open_shift"].pk).published_employee_id == gina.pk

    # 6. Otto offers his shift, Gina takes it, the manager approves.
    otto = _phone(browser)
    _log_in(otto, base, "otto@alpha.example", DEMO_PASSWORD)
    otto.goto(f"{base}/me/swaps/")
    offered_day = timezone.localtime(company["ottos"].start).strftime("%a %-d %b")
    otto.locator("article.card", has_text=offered_day).get_by_role("button", name="Offer").click()
    expect(otto.locator(".message")).to_contain_text("Offered")
    guard.goto(f"{base}/me/swaps/")
    guard.get_by_role("button", name="Take this shift").click()
    expect(guard.locator(".message")).to_contain_text("Taken")
    screenshot_of(guard, "journey-4-swaps")
    manager.goto(f"{base}/requests/")
    expect(manager.get_by_role("heading", name=re.compile("Swap: Otto"))).to_be_visible()
    manager.get_by_role("button", name="Approve").click()
    expect(manager.locator(".message")).to_contain_text("Approved: swap")
    _work()  # the decision emails
    with use_org(org):
        swapped = Shift.objects.get(pk=company["ottos"].pk)
    assert swapped.employee_id == swapped.published_employee_id == gina.pk
    guard.goto(f"{base}/me/")
    upcoming = guard.locator("article.card").all_inner_texts()
    assert sum("Civic Centre" in text for text in upcoming) >= 3
    _fits_the_phone(guard)
    screenshot_of(guard, "journey-5-my-shifts-after")
    subjects = [m.subject for m in mail.outbox]
    assert any("swap approved" in s for s in subjects)
    assert "CANARYB" not in guard.content() + manager.content()


def screenshot_of(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
