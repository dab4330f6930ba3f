"""What a client owes for a month: plain functions, no page, no write.

`price_month` is the calculation alone (plain data in, plain data out; the hand-computed
tests in tests/billing/test_invoices.py pin its figures). `invoice_for` reads what it needs
for one client and month in a fixed number of queries, whatever the number of shifts
(the client's sites, its rates, the organization's pay settings, the billable intervals),
and hands them to `price_month`.

- Billable time is the published roster (shifts with a published guard at the client's
  sites) or, per the organization's pay settings (`payroll`, "billing source"), the
  attended intervals (attendance clock-in to clock-out).
- The month runs from local midnight of its first day to local midnight of the next
  month's first day in the organization's timezone; a shift across the month's end is cut
  there, and its part in the next month is billed in that month.
- Each minute is ordinary, Sunday or public holiday (`payroll.hours.day_kind_minutes`: cut
  at local midnights, a public holiday on a Sunday is a public holiday), with the holiday
  calendar of the organization's country (`payroll.hours.holiday_dates`).
- The rate of a shift is the most specific of the client's rates: its post's, else its
  site's, else the client's. Time without any rate is listed, unpriced, so the invoice says
  so rather than dropping it.
- amount = hours × hourly rate × multiplier (1 for ordinary time), in Decimal, rounded half
  up to cents per line (one line per site, rate and kind of day); the site's amount and the
  subtotal are sums of lines; VAT (settings.BILLING_VAT_RATE, 15 %) is the subtotal's,
  rounded half up to cents once; total = subtotal + VAT.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

from attendance.models import Attendance
from billing.models import ChargeRate
from clients.models import Client
from payroll.hours import DayKind, day_kind_minutes, holiday_dates
from payroll.models import PaySchedule
from payroll.periods import pay_schedule
from scheduling.models import Shift

CENT = Decimal("0.01")
ROSTER, ATTENDANCE = PaySchedule.Source.ROSTER, PaySchedule.Source.ATTENDANCE
KIND_ORDER = (DayKind.ORDINARY, DayKind.SUNDAY, DayKind.PUBLIC_HOLIDAY)
KIND_LABELS = {
    DayKind.ORDINARY: "Ordinary",
    DayKind.SUNDAY: "Sunday",
    DayKind.PUBLIC_HOLIDAY: "Public holiday",
}


@dataclass(frozen=True)
class Rate:
    """A charge rate as plain data."""

    hourly: Decimal
    sunday: Decimal
    public_holiday: Decimal

    def multiplier(self, kind: DayKind) -> Decimal:
        if kind == DayKind.SUNDAY:
            return self.sunday
        if kind == DayKind.PUBLIC_HOLIDAY:
            return self.public_holiday
        return Decimal("1.00")


# Rates of one client, keyed by (site id, post id): (None, None) is the client's own rate,
# (site, None) a site's, (site, post) a post's.
RateKey = tuple[int | None, int | None]


@dataclass(frozen=True)
class Worked:
    """One billable interval: a published shift, or its attended time."""

    site_id: int
    post_id: int | None
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class Line:
    site_id: int
    kind: DayKind
    minutes: int
    rate: Rate | None  # None: no rate applies (the amount is 0 and the page says so)

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.minutes) / 60).quantize(CENT, ROUND_HALF_UP)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def multiplier(self) -> Decimal | None:
        return None if self.rate is None else self.rate.multiplier(self.kind)

    @property
    def amount(self) -> Decimal:
        if self.rate is None:
            return Decimal("0.00")
        exact = Decimal(self.minutes) * self.rate.hourly * self.multiplier / 60
        return exact.quantize(CENT, ROUND_HALF_UP)


@dataclass
class SiteBill:
    site_id: int
    name: str
    lines: list[Line] = field(default_factory=list)

    @property
    def minutes(self) -> int:
        return sum(line.minutes for line in self.lines)

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.minutes) / 60).quantize(CENT, ROUND_HALF_UP)

    @property
    def amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))


@dataclass
class Invoice:
    client: Client | None
    month: dt.date  # its first day
    currency: str
    vat_rate: Decimal
    source: str  # "roster" or "attendance"
    sites: list[SiteBill]

    @property
    def subtotal(self) -> Decimal:
        return sum((site.amount for site in self.sites), Decimal("0.00"))

    @property
    def vat(self) -> Decimal:
        return (self.subtotal * self.vat_rate).quantize(CENT, ROUND_HALF_UP)

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.vat

    @property
    def unpriced_minutes(self) -> int:
        return sum(line.minutes for s in self.sites for line in s.lines if line.rate is None)

    @property
    def minutes(self) -> int:
        return sum(site.minutes for site in self.sites)


def month_bounds(month: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """Local midnight of the month's first day and of the next month's first day."""
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return (
        dt.datetime.combine(first, dt.time.min, tzinfo=tz),
        dt.datetime.combine(following, dt.time.min, tzinfo=tz),
    )


def rate_for(rates: Mapping[RateKey, Rate], site_id: int, post_id: int | None) -> Rate | None:
    """The most specific rate: the post's, else the site's, else the client's."""
    if post_id is not None and (rate := rates.get((site_id, post_id))) is not None:
        return rate
    return rates.get((site_id, None)) or rates.get((None, None))


def price_month(
    *,
    worked: Iterable[Worked],
    rates: Mapping[RateKey, Rate],
    site_names: Mapping[int, str],
    month: dt.date,
    tz: ZoneInfo,
    holidays: Mapping[dt.date, str],
) -> list[SiteBill]:
    """The month's lines per site (sites by name, lines by rate then kind of day)."""
    start, end = month_bounds(month, tz)
    minutes: dict[tuple[int, Rate | None, DayKind], int] = defaultdict(int)
    for item in worked:
        begin, finish = max(item.start, start), min(item.end, end)
        if finish <= begin:
            continue
        rate = rate_for(rates, item.site_id, item.post_id)
        for kind, count in day_kind_minutes(begin, finish, tz=tz, holidays=holidays).items():
            if count:
                minutes[item.site_id, rate, DayKind(kind)] += count
    bills: dict[int, SiteBill] = {}
    for (site_id, rate, kind), count in minutes.items():
        bill = bills.setdefault(site_id, SiteBill(site_id, site_names.get(site_id, "")))
        bill.lines.append(Line(site_id, kind, count, rate))
    for bill in bills.values():
        bill.lines.sort(
            key=lambda line: (
                line.rate is None,
                -(line.rate.hourly if line.rate else 0),
                KIND_ORDER.index(line.kind),
            )
        )
    return sorted(bills.values(), key=lambda bill: (bill.name, bill.site_id))


def _rates(client: Client) -> dict[RateKey, Rate]:
    return {
        (site_id, post_id): Rate(hourly, sunday, holiday)
        for site_id, post_id, hourly, sunday, holiday in ChargeRate.objects.filter(
            client=client
        ).values_list(
            "site_id", "post_id", "hourly_rate", "sunday_multiplier", "public_holiday_multiplier"
        )
    }


def _billing_settings() -> tuple[str, str, str | None]:
    """(billing source, holiday country, subdivision) from the current organization's pay
    schedule (its defaults, the roster and South Africa, when it has none yet): one query."""
    schedule = pay_schedule()
    return schedule.billing_source, schedule.holiday_country, schedule.holiday_subdivision or None


def _worked(client: Client, start: dt.datetime, end: dt.datetime, source: str) -> list[Worked]:
    """The billable intervals that overlap [start, end): one query."""
    if source == ATTENDANCE:
        rows = Attendance.objects.filter(
            shift__site__client=client,
            clock_in_at__isnull=False,
            clock_out_at__isnull=False,
            clock_in_at__lt=end,
            clock_out_at__gt=start,
        ).values_list("shift__site_id", "shift__post_id", "clock_in_at", "clock_out_at")
        return [Worked(*row) for row in rows]
    rows = Shift.objects.filter(
        site__client=client,
        published_employee__isnull=False,
        start__lt=end,
        end__gt=start,
    ).values_list("site_id", "post_id", "start", "end")
    return [Worked(*row) for row in rows]


def invoice_for(*, client: Client, month: dt.date) -> Invoice:
    """The invoice of `client` (a row of the current organization) for `month`."""
    org = client.org
    tz = ZoneInfo(org.timezone)
    source, country, subdivision = _billing_settings()
    start, end = month_bounds(month, tz)
    site_names = dict(client.sites.values_list("pk", "name"))
    holidays = holiday_dates(country=country, subdivision=subdivision, years=[month.year])
    sites = price_month(
        worked=_worked(client, start, end, source),
        rates=_rates(client),
        site_names=site_names,
        month=month,
        tz=tz,
        holidays=holidays,
    )
    return Invoice(
        client=client,
        month=month.replace(day=1),
        currency=settings.BILLING_CURRENCY,
        vat_rate=settings.BILLING_VAT_RATE,
        source=source,
        sites=sites,
    )
