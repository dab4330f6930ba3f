"""A guard's pages on a phone (390×844) in real Chromium: log in, My shifts, ask for leave
and add an availability window through the forms. Nothing is wider than the phone.

Saves artifacts/screenshots/guards-*.png (git-ignored).
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from guards.models import LeaveRequest, UnavailableWindow
from rostracore.tenancy.context import use_org
from tests.factories import DEMO_PASSWORD, GuardUserFactory, PostFactory, ShiftFactory, SiteFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def guard(org_a):
    user = GuardUserFactory(
        org=org_a,
        username="thandi@alpha.example",
        first_name="Thandi",
        employee__first_name="Thandi",
        employee__last_name="Mokoena",
    )
    site = SiteFactory(org=org_a, name="Menlyn Maine", address="200 Amarand Ave, Pretoria")
    post = PostFactory(org=org_a, site=site, name="Main gate")
    with use_org(org_a):
        employee = user.employees.get()
    start = dt.datetime.now(dt.UTC).replace(hour=4, minute=0, second=0, microsecond=0)
    for day in (1, 2, 4, 5):
        ShiftFactory(
            org=org_a,
            site=site,
            post=post,
            employee=employee,
            start=start + dt.timedelta(days=day),
            end=start + dt.timedelta(days=day, hours=12),
        )
    return user


def _fits(page: Page, name: str) -> None:
    """No sideways scrolling of the whole page on the phone."""
    # The elements that stick out, to name the culprit when it fails.
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .map(e => [e, Math.round(e.getBoundingClientRect().right)])
            .filter(([e, right]) => right > innerWidth)
            .map(([e, right]) => `${e.tagName}.${e.className} ${right}`)"""
    )
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (name, width, wide[:8])


def test_a_guard_on_a_phone_sees_shifts_asks_for_leave_and_adds_a_window(
    live_server, page: Page, screenshot, guard, observer
):
    base = live_server.url
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(guard.username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # My shifts: the guard lands here.
    expect(page).to_have_url(re.compile(r"/me/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My shifts")
    upcoming = page.get_by_role("region", name="Coming up").locator("article")
    expect(upcoming).to_have_count(4)
    expect(upcoming.first).to_contain_text("Menlyn Maine · Main gate")
    expect(upcoming.first).to_contain_text("06:00–18:00")
    _fits(page, "my shifts")
    screenshot("guards-my-shifts")

    # Leave: ask for two days.
    page.get_by_role("link", name="My leave", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My leave")
    first = timezone.localdate() + dt.timedelta(days=14)
    page.get_by_label("First day").fill(first.isoformat())
    page.get_by_label("Last day").fill((first + dt.timedelta(days=1)).isoformat())
    page.get_by_label("Type").select_option("family")
    page.get_by_label("Note for your manager").fill("My daughter's operation")
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_text("Your leave request was sent to your manager.")).to_be_visible()
    request = page.get_by_role("region", name="My requests").locator("article").first
    expect(request).to_contain_text("Family responsibility leave · 2 days · Pending")
    _fits(page, "leave")
    screenshot("guards-leave")

    # Availability: Tuesdays from 18:00.
    page.get_by_role("link", name="Availability").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My availability")
    page.get_by_label("Day", exact=True).select_option(label="Tuesday")
    page.get_by_label("From", exact=True).fill("18:00")
    page.get_by_label("To", exact=True).fill("00:00")
    page.get_by_role("button", name="Add the window").click()
    expect(page.get_by_text("Added: not available Tuesdays from 18:00.")).to_be_visible()
    windows = page.get_by_role("region", name="Every week I cannot work")
    expect(windows).to_contain_text("Tuesdays from 18:00")
    expect(windows.get_by_role("button", name="Remove Tuesdays from 18:00")).to_be_visible()
    _fits(page, "availability")
    screenshot("guards-availability")

    # A refused window stays on the page with its message on the field.
    page.get_by_label("Day", exact=True).select_option(label="Tuesday")
    page.get_by_label("From", exact=True).fill("20:00")
    page.get_by_label("To", exact=True).fill("22:00")
    page.get_by_role("button", name="Add the window").click()
    expect(page.get_by_text("This overlaps your window Tuesdays from 18:00.")).to_be_visible()
    _fits(page, "availability with an error")
    screenshot("guards-availability-error")

    with use_org(guard.org):
        employee = guard.employees.get()
    assert LeaveRequest.all_orgs.filter(employee=employee, kind="family").count() == 1
    assert UnavailableWindow.all_orgs.filter(employee=employee, weekday=1).count() == 1
