"""The dashboard: one set of selectors for the manager dashboard (rostracore/views.py) and
the admin index (rostracore/admin_site.py), and the coverage chart's geometry.

It lives on the top floor because it counts guards, clients, sites and shifts: only code at
or above `scheduling` may import Shift. Every selector works on the current organization
through the scoped managers (fails closed without one), except the `…_per_org` ones, which
read every organization in one query for platform staff.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.db.models import (
    Count,
    DateTimeField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from clients.models import Client, Site
from employees.models import Employee
from organizations.models import Organization
from rostracore.tenancy.context import require_org
from scheduling.models import Shift

# --- guards, clients and sites -------------------------------------------------------------


@dataclass(frozen=True)
class OrgCounts:
    """Counts of active guards and clients, and all sites, of one organization."""

    employees: int
    dedicated: int
    flex: int
    clients: int
    sites: int


def org_counts() -> OrgCounts:
    """The current organization's counts (scoped managers; fails closed without one)."""
    guards = Employee.objects.filter(is_active=True).aggregate(
        total=Count("id"), dedicated=Count("id", filter=Q(assigned_client__isnull=False))
    )
    return OrgCounts(
        employees=guards["total"],
        dedicated=guards["dedicated"],
        flex=guards["total"] - guards["dedicated"],
        clients=Client.objects.filter(is_active=True).count(),
        sites=Site.objects.count(),
    )


def count_per_org(queryset: QuerySet) -> Coalesce:
    """A subquery counting `queryset`'s rows of the outer Organization row (0 when none).

    For annotating `Organization` querysets: one query for every organization's counts.
    """
    counted = (
        queryset.filter(org=OuterRef("pk"))
        .order_by()
        .values("org")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def annotate_counts(orgs: QuerySet[Organization]) -> QuerySet[Organization]:
    """`orgs` with the OrgCounts numbers as annotations; read them with `counts_of()`."""
    # Platform-wide by design: all_orgs, with each subquery tied to its organization row.
    active = Employee.all_orgs.filter(is_active=True)
    return orgs.annotate(
        n_employees=count_per_org(active),
        n_dedicated=count_per_org(active.filter(assigned_client__isnull=False)),
        n_clients=count_per_org(Client.all_orgs.filter(is_active=True)),
        n_sites=count_per_org(Site.all_orgs.all()),
    )


def counts_of(org: Organization) -> OrgCounts:
    """The OrgCounts of an organization loaded through `annotate_counts()`."""
    return OrgCounts(
        employees=org.n_employees,
        dedicated=org.n_dedicated,
        flex=org.n_employees - org.n_dedicated,
        clients=org.n_clients,
        sites=org.n_sites,
    )


def counts_per_org() -> list[tuple[Organization, OrgCounts]]:
    """Every organization with its counts, in one query: for platform staff only."""
    orgs = annotate_counts(Organization.objects.all()).order_by("company_name")
    return [(org, counts_of(org)) for org in orgs]


# --- shifts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayCoverage:
    """Shifts starting on one local day: those with a guard and those still open."""

    day: dt.date
    filled: int
    open: int

    @property
    def total(self) -> int:
        return self.filled + self.open


def coverage_by_day(start_date: dt.date, days: int = 7) -> list[DayCoverage]:
    """Filled and open shifts per day for `days` days from `start_date`, in one query.

    A shift counts on the day it starts, in the current timezone (the middleware activates the
    organization's). Days without shifts are included with zeros. Scoped to the current
    organization by the tenant manager; fails closed without one.
    """
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(start_date, dt.time.min), tz)
    end = timezone.make_aware(
        dt.datetime.combine(start_date + dt.timedelta(days=days), dt.time.min), tz
    )
    rows = (
        Shift.objects.filter(start__gte=start, start__lt=end)
        .annotate(day=TruncDate("start", tzinfo=tz))
        .order_by()
        .values("day")
        .annotate(total=Count("id"), filled=Count("id", filter=Q(employee__isnull=False)))
    )
    by_day = {row["day"]: row for row in rows}
    coverage = []
    for offset in range(days):
        day = start_date + dt.timedelta(days=offset)
        row = by_day.get(day, {"total": 0, "filled": 0})
        filled = row["filled"]
        coverage.append(DayCoverage(day=day, filled=filled, open=row["total"] - filled))
    return coverage


@dataclass(frozen=True)
class ShiftCounts:
    """Shifts starting this week (Monday 00:00 to Monday 00:00, organization's time)."""

    this_week: int
    open_this_week: int


@dataclass(frozen=True)
class Dashboard:
    org: Organization
    counts: OrgCounts
    shifts: ShiftCounts


def week_bounds(now: dt.datetime, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """This week's Monday 00:00 and next Monday 00:00 in `tz`, as aware datetimes."""
    monday = timezone.localtime(now, tz).date()
    monday -= dt.timedelta(days=monday.weekday())
    start = dt.datetime.combine(monday, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(monday + dt.timedelta(days=7), dt.time.min, tzinfo=tz)
    return start, end


def shift_counts() -> ShiftCounts:
    """The current organization's shifts this week (scoped; fails closed without one)."""
    org = require_org("The shift counts")
    start, end = week_bounds(timezone.now(), zoneinfo.ZoneInfo(org.timezone))
    shifts = Shift.objects.filter(start__gte=start, start__lt=end).aggregate(
        total=Count("id"), open=Count("id", filter=Q(employee__isnull=True))
    )
    return ShiftCounts(this_week=shifts["total"], open_this_week=shifts["open"])


class _WeekBoundary(Func):
    """Monday 00:00 of this week (+ `weeks`) in the organization's own timezone, as a
    timestamptz: the same window as `week_bounds()`, computed per row in SQL."""

    output_field = DateTimeField()
    template = (
        "((date_trunc('week', now() AT TIME ZONE %(expressions)s) + interval '%(weeks)s week')"
        " AT TIME ZONE %(expressions)s)"
    )

    def __init__(self, tz_column: str, weeks: int):
        super().__init__(OuterRef(tz_column), weeks=int(weeks))


def dashboards_per_org() -> list[Dashboard]:
    """Every organization's dashboard numbers in one query: for platform staff only."""
    # Platform-wide by design: all_orgs, each subquery tied to its organization row.
    week = Shift.all_orgs.filter(
        start__gte=_WeekBoundary("timezone", 0), start__lt=_WeekBoundary("timezone", 1)
    )
    orgs = annotate_counts(Organization.objects.all()).annotate(
        n_shifts_week=count_per_org(week),
        n_open_week=count_per_org(week.filter(employee__isnull=True)),
    )
    return [
        Dashboard(
            org=org,
            counts=counts_of(org),
            shifts=ShiftCounts(this_week=org.n_shifts_week, open_this_week=org.n_open_week),
        )
        for org in orgs.order_by("company_name")
    ]


# --- the coverage chart ----------------------------------------------------------------------

# SVG geometry of the coverage chart, in viewBox units.
_CHART_WIDTH = 420
_CHART_TOP = 24
_CHART_BOTTOM = 176
_BAR_WIDTH = 36
CHART = {"width": _CHART_WIDTH, "baseline": _CHART_BOTTOM, "bar_width": _BAR_WIDTH}


@dataclass(frozen=True)
class _Bar:
    day: DayCoverage
    x: float
    label_x: float
    filled_y: float
    filled_height: float
    open_y: float
    open_height: float
    value_y: float


def coverage_bars(coverage: list[DayCoverage]) -> list[_Bar]:
    """Stacked bars (filled at the bottom, open on top), scaled to the busiest day."""
    busiest = max((day.total for day in coverage), default=0) or 1
    slot = _CHART_WIDTH / max(len(coverage), 1)
    scale = (_CHART_BOTTOM - _CHART_TOP) / busiest
    bars = []
    for index, day in enumerate(coverage):
        filled_height = day.filled * scale
        open_height = day.open * scale
        filled_y = _CHART_BOTTOM - filled_height
        bars.append(
            _Bar(
                day=day,
                x=index * slot + (slot - _BAR_WIDTH) / 2,
                label_x=index * slot + slot / 2,
                filled_y=filled_y,
                filled_height=filled_height,
                open_y=filled_y - open_height,
                open_height=open_height,
                value_y=filled_y - open_height - 6,
            )
        )
    return bars
