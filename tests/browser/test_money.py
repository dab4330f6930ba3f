"""Issue 17 in real Chromium: from a published shift to money.

1. A guard, on a phone (390×844), clocks in 12 minutes after their published shift started
   (the shift is made to start 12 minutes before now) and clocks out.
2. The manager sees the late flag on the board ("late 12 min").
3. The manager closes the pay period on the payroll pages, downloads the payroll CSV and
   checks its rows, then opens the client's invoice and checks its figures.

The hand-computed figures. The shift is 8 hours (rostered), and the organization's
timezone is chosen so that it is between 08:00 and 09:00 local time now (a fixed-offset
zone, Etc/GMT-N, no daylight saving), so the shift lies within one local day, ends before
18:00 and has no night minutes, whatever time the suite runs:
- payroll (monthly periods and pay hours from the published roster, the defaults): one
  row, 8 h = 480 rostered minutes = 8.00 hours in one exclusive category (ordinary on a
  weekday; Sunday or public holiday on such a day, which the test names from the local
  date), attended 0.00 (or 0.02 when the clock-out fell in the next minute);
- invoice (bill hours from the published roster, the default): the client's rate 150.00/h
  with both multipliers 1.00, so whatever the day, 8 h x 150.00 = 1200.00; VAT 15 % =
  180.00; total 1380.00.
The attended time (12 minutes late, out a moment later) is not what either counts here.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zoneinfo
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from attendance.models import Attendance
from billing.models import ChargeRate
from payroll.hours import holiday_dates
from rostracore.tenancy.context import use_org
from tests.browser.conftest import SCREENSHOTS
from tests.factories import (
    DEMO_PASSWORD,
    ClientFactory,
    EmployeeFactory,
    GuardUserFactory,
    ShiftFactory,
    SiteFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LATE = dt.timedelta(minutes=12)
SHIFT = dt.timedelta(hours=8)


def _screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"money-{name}.png"), full_page=True)


def _log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _category(day: dt.date) -> tuple[str, str]:
    """The payroll category of a day's hours (below the overtime threshold)."""
    if day in holiday_dates(country="ZA", subdivision=None, years=[day.year]):
        return "PH", "Public holiday"
    if day.weekday() == 6:
        return "SUN", "Sunday"
    return "ORD", "Ordinary"


def _whole_minutes(moment: dt.datetime) -> dt.datetime:
    return moment.replace(second=0, microsecond=0)


def _morning_zone(now: dt.datetime) -> str:
    """A fixed-offset zone in which `now` is between 08:00 and 09:00 (Etc/GMT-N is UTC+N)."""
    offset = (8 - now.astimezone(dt.UTC).hour + 12) % 24 - 12  # -12 .. +11
    return "Etc/UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"


@pytest.fixture
def company(org_a, org_b):
    now = timezone.now()
    org_a.timezone = _morning_zone(now)
    org_a.save()
    tz = zoneinfo.ZoneInfo(org_a.timezone)
    client = ClientFactory(org=org_a, client_name="City of Tshwane")
    site = SiteFactory(org=org_a, client=client, name="Civic Centre")
    with use_org(org_a):
        ChargeRate.objects.create(
            client=client,
            hourly_rate=Decimal("150.00"),
            sunday_multiplier=Decimal("1.00"),
            public_holiday_multiplier=Decimal("1.00"),
        )
    guard_user = GuardUserFactory(
        org=org_a,
        username="gina@alpha.example",
        employee__first_name="Gina",
        employee__last_name="Dube",
        employee__employee_number="E-00017",
    )
    with use_org(org_a):
        gina = guard_user.employees.get()
    start = now.replace(second=0, microsecond=0) - LATE
    shift = ShiftFactory(org=org_a, site=site, employee=gina, start=start, end=start + SHIFT)
    UserFactory(org=org_a, username="alice@alpha.example")
    # Org B's guard and client, which org A's pages must never show.
    bravo = ClientFactory(org=org_b, client_name="CANARYB Client")
    EmployeeFactory(org=org_b, first_name="CANARYB", last_name="Guard")
    return {"org": org_a, "tz": tz, "client": client, "shift": shift, "gina": gina, "bravo": bravo}


def test_from_a_late_clock_in_to_the_payroll_csv_and_the_invoice(
    live_server, browser: Browser, company
):
    base = live_server.url
    shift, tz = company["shift"], company["tz"]
    today = timezone.localtime(shift.start, tz).date()

    # 1. Gina clocks in on her phone, 12 minutes after her shift started, and out again.
    guard = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True).new_page()
    _log_in(guard, base, "gina@alpha.example")
    expect(guard.get_by_role("heading", name="My shifts", level=1)).to_be_visible()
    guard.get_by_role("button", name="Clock in").click()
    expect(guard.locator(".message")).to_contain_text("Clocked in at")
    _screenshot(guard, "1-clocked-in")
    guard.get_by_role("button", name="Clock out").click()
    expect(guard.locator(".message")).to_contain_text("Clocked out at")
    assert guard.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # 2. The manager sees the late flag on the board.
    manager = browser.new_context(accept_downloads=True).new_page()
    _log_in(manager, base, "alice@alpha.example")
    manager.goto(f"{base}/scheduling/board/")
    expect(manager.get_by_text("late 12 min")).to_be_visible()
    _screenshot(manager, "2-board")

    # 3a. The manager closes the pay period (monthly by default: this local month), downloads
    # its payroll CSV and checks it.
    with use_org(company["org"]):
        attendance = Attendance.objects.get(shift=shift)
    manager.goto(f"{base}/payroll/")
    first = today.replace(day=1)
    manager.get_by_role("link", name=re.compile(f"^{first:%a %d %b %Y} ")).click()
    manager.get_by_role("button", name="Close this period").click()
    expect(manager.locator(".message")).to_contain_text("payroll lines are final")
    with manager.expect_download() as download:
        manager.get_by_role("link", name="Payroll CSV").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))
    # By hand: 480 rostered minutes = 8.00 h, all in today's kind of day; attended is the
    # clock-in to clock-out, each taken to its whole minute (0 or 1 minute: 0.00 or 0.02 h).
    code, label = _category(today)
    attended = (
        _whole_minutes(attendance.clock_out_at) - _whole_minutes(attendance.clock_in_at)
    ) // dt.timedelta(minutes=1)
    assert attended in (0, 1)
    last_day = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    assert rows == [
        [
            "employee_number",
            "employee_name",
            "category_code",
            "category",
            "hours",
            "rostered_hours",
            "attended_hours",
            "period_start",
            "period_end",
        ],
        [
            "E-00017",
            "Gina Dube",
            code,
            label,
            "8.00",
            "8.00",
            f"{Decimal(attended) / 60:.2f}",
            first.isoformat(),
            last_day.isoformat(),
        ],
    ]
    _screenshot(manager, "3-payroll")

    # 3b. The client's invoice: 8 h x 150.00 = 1200.00, VAT 180.00, total 1380.00.
    month = first
    manager.goto(f"{base}/billing/?month={month:%Y-%m}")
    manager.get_by_role("row", name=re.compile("City of Tshwane")).get_by_role("link").click()
    expect(manager.get_by_role("heading", name=f"Invoice · {month:%B %Y}")).to_be_visible()
    site = manager.locator("section", has=manager.get_by_role("heading", name="Civic Centre"))
    expect(site.locator("tbody tr")).to_have_count(1)
    cells = site.locator("tbody tr td").all_inner_texts()
    assert cells[1:] == ["8.00", "150.00", "1.00", "1200.00"]
    expect(manager.locator("#subtotal")).to_have_text("ZAR 1200.00")
    expect(manager.locator("#vat")).to_have_text("ZAR 180.00")
    expect(manager.locator("#total")).to_have_text("ZAR 1380.00")
    parties = manager.locator(".invoice .parties p")
    expect(parties.nth(0)).to_contain_text("Alpha Guarding")  # from
    expect(parties.nth(1)).to_contain_text("City of Tshwane")  # to
    _screenshot(manager, "3-invoice")
    assert "CANARYB" not in guard.content() + manager.content()
