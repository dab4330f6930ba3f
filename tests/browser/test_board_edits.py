"""Rostering as a manager does it, in real Chromium on the demo company: generate the demo's
4-week roster and publish it, open the board, take a guard off a shift (a sick call), put
the top candidate on it, pin another shift, "fill the rest", and publish the change.
Screenshots at desktop and phone width: artifacts/screenshots/board-*.png.
"""

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from organizations.models import Organization
from rostracore.tenancy.context import use_org
from scheduling.models import RosterAssignment, RosterRun, Shift
from tests.browser.conftest import SCREENSHOTS, start_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _work() -> None:
    start_worker("board").join(300)


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _manager(browser: Browser, base: str, viewport: dict) -> Page:
    from operations.management.commands.seed_demo import DEMO_PASSWORD

    page = browser.new_context(viewport=viewport).new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("manager@acme.example")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return page


def test_the_board_from_sick_call_to_published_change(live_server, browser: Browser, settings):
    settings.DEBUG = True  # seed_demo runs in development only
    call_command("seed_demo", verbosity=0)
    settings.DEBUG = False
    acme = Organization.objects.get(slug="acme")
    base = live_server.url
    page = _manager(browser, base, DESKTOP)
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())

    # 1. The demo's 4-week roster from next Monday, generated and published.
    page.goto(f"{base}/scheduling/")
    page.get_by_label("First day (a Monday)").fill(monday.isoformat())
    page.get_by_label("Weeks").fill("4")
    page.get_by_label("Optimizer time limit (seconds)").fill("20")
    page.get_by_role("button", name="Generate roster").click()
    _work()
    expect(page.locator("#run-status")).to_have_text("Draft ready", timeout=120_000)
    page.get_by_role("button", name="Publish this roster").click()
    expect(page.locator(".message")).to_contain_text("Published")

    # 2. The board for that week.
    page.goto(f"{base}/scheduling/board/?week={monday.isoformat()}")
    expect(page.locator("#change-count")).to_contain_text("No changes since publishing")
    _shot(page, "board-desktop")

    # 3. A sick call: the guard of a filled shift that someone else could cover comes off it.
    links = page.locator("li.shift:not(.open) a").evaluate_all("els => els.map(e => e.href)")
    for link in links[:40]:
        page.goto(link)
        if page.locator("#free li").count():
            break
    else:
        pytest.fail("No filled shift of the week has a free and qualified guard to cover it.")
    sick = page.locator("#shift-guard strong").inner_text()
    page.get_by_role("button", name=re.compile("is off sick$")).click()
    expect(page.locator(".message")).to_contain_text("recorded off sick")
    shift_url = page.url

    # 4. The top candidate takes it.
    top = page.locator("#free li").first
    expect(top).to_be_visible()
    chosen = top.locator(".who").inner_text()
    assert chosen != sick
    _shot(page, "board-shift-candidates")
    top.get_by_role("button", name="Assign").click()
    expect(page.locator(".message")).to_contain_text(f"{chosen} is on this shift")
    expect(page.locator("#shift-change")).to_contain_text(f"the guards were told {sick}")

    # 5. Another shift pinned, from the board.
    page.goto(f"{base}/scheduling/board/?week={monday.isoformat()}")
    page.locator("li.shift:not(.open):not(.changed) a").nth(3).click()
    pinned_url = page.url
    page.get_by_role("button", name="Pin", exact=True).click()
    expect(page.locator(".message")).to_contain_text("Pinned")

    # 6. Fill the rest: a run over the week that keeps the hand-made and pinned shifts.
    page.goto(f"{base}/scheduling/board/?week={monday.isoformat()}")
    expect(page.locator("#change-count")).to_contain_text("1 change since publishing")
    page.get_by_role("button", name="Fill the rest").click()
    _work()
    expect(page.locator("#run-status")).to_have_text("Draft ready", timeout=120_000)
    edited = int(shift_url.rstrip("/").split("/")[-1])
    pinned = int(pinned_url.rstrip("/").split("/")[-1])
    with use_org(acme):
        run = RosterRun.objects.order_by("-pk").first()
        kept = RosterAssignment.objects.filter(run=run, shift_id__in=[edited, pinned])
        assert {a.shift_id for a in kept if a.is_fixed} == {edited, pinned}
        assert Shift.objects.get(pk=edited).employee.full_name == chosen
    assert run.hard_violations == 0

    # 7. Publish the change: the count goes.
    page.goto(f"{base}/scheduling/board/?week={monday.isoformat()}")
    page.get_by_role("button", name="Publish 1 change").click()
    expect(page.locator(".message")).to_contain_text("Published 1 change")
    expect(page.locator("#change-count")).to_contain_text("No changes since publishing")
    with use_org(acme):
        shift = Shift.objects.get(pk=edited)
        assert shift.published_employee_id == shift.employee_id
    assert "Bastion" not in page.content()

    phone = _manager(browser, base, PHONE)
    phone.goto(f"{base}/scheduling/board/?week={monday.isoformat()}")
    expect(phone.locator("#change-count")).to_be_visible()
    _shot(phone, "board-phone")
    phone.goto(shift_url)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(phone, "board-shift-phone")
