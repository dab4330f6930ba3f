"""The dashboard: one set of selectors for the manager dashboard (rostracore/views.py) and
the admin index (rostracore/admin_site.py), and the coverage chart's geometry.

Every count comes from the counts the database keeps (rostracore/tallies: org_counts,
maintained by triggers on guards, clients, sites and shifts), so a dashboard reads a few
rows whatever the organization's size (tests/test_org_counts.py proves them equal to
COUNT(*)). Every selector works on the current organization through the scoped managers
(fails closed without one), except the `…_per_org` ones, which read every organization in
one query for platform staff.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.db.models import (
    DateField,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from organizations.models import Organization
from rostracore.tallies.models import OrgCount
from rostracore.tenancy.context import require_org

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
    """The current organization's counts (scoped; fails closed without one), read from the
    counts the database keeps (rostracore/tallies): a few rows, whatever the size."""
    totals = OrgCount.objects.totals(*_ORG_KINDS)
    return OrgCounts(
        employees=totals["employees"],
        dedicated=totals["employees"] - totals["flex"],
        flex=totals["flex"],
        clients=totals["clients"],
        sites=totals["sites"],
    )


# The counts of rostracore/tallies behind OrgCounts (clients 0005, employees 0016).
_ORG_KINDS = ("employees", "flex", "clients", "sites")


def _tally_per_org(kind: str, day_from=None, day_to=None) -> Coalesce:
    """A subquery summing the outer Organization row's count `kind` (of [day_from, day_to)
    when given, else the count without a day)."""
    rows = OrgCount.all_orgs.filter(org=OuterRef("pk"), kind=kind)
    if day_from is None:
        rows = rows.filter(day__isnull=True)
    else:
        rows = rows.filter(day__gte=day_from, day__lt=day_to)
    summed = rows.order_by().values("org").annotate(total=Sum("n")).values("total")
    return Coalesce(Subquery(summed, output_field=IntegerField()), 0)


def annotate_counts(orgs: QuerySet[Organization]) -> QuerySet[Organization]:
    """`orgs` with the OrgCounts numbers as annotations; read them with `counts_of()`."""
    # Platform-wide by design: all_orgs, with each subquery tied to its organization row.
    return orgs.annotate(
        n_employees=_tally_per_org("employees"),
        n_flex=_tally_per_org("flex"),
        n_clients=_tally_per_org("clients"),
        n_sites=_tally_per_org("sites"),
    )


def counts_of(org: Organization) -> OrgCounts:
    """The OrgCounts of an organization loaded through `annotate_counts()`."""
    return OrgCounts(
        employees=org.n_employees,
        dedicated=org.n_employees - org.n_flex,
        flex=org.n_flex,
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

    A shift counts on the day it starts in the organization's timezone (the one the
    middleware activates), as the database counts them per day (scheduling 0014): the
    query reads at most 2 x SHARDS rows a day, whatever the number of shifts. Scoped to the
    current organization by the tenant manager; fails closed without one.
    """
    counted = OrgCount.objects.per_day(
        _SHIFT_KINDS, start_date, start_date + dt.timedelta(days=days)
    )
    coverage = []
    for offset in range(days):
        day = start_date + dt.timedelta(days=offset)
        total, filled = (counted.get((kind, day), 0) for kind in _SHIFT_KINDS)
        coverage.append(DayCoverage(day=day, filled=filled, open=total - filled))
    return coverage


_SHIFT_KINDS = ("shifts", "shifts_filled")  # per local day (scheduling 0014)


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
    """The current organization's shifts this week (scoped; fails closed without one),
    from the per-day counts the database keeps."""
    org = require_org("The shift counts")
    start, _end = week_bounds(timezone.now(), zoneinfo.ZoneInfo(org.timezone))
    week = coverage_by_day(start.date(), days=7)
    return ShiftCounts(
        this_week=sum(day.total for day in week), open_this_week=sum(day.open for day in week)
    )


class _WeekStart(Func):
    """This week's Monday (+ `weeks`) in the organization's own timezone, as a date: the
    same days as `week_bounds()`, computed per row in SQL."""

    output_field = DateField()
    template = (
        "((date_trunc('week', now() AT TIME ZONE %(expressions)s) + interval '%(weeks)s week')"
        ")::date"
    )

    def __init__(self, tz_column: str, weeks: int):
        super().__init__(OuterRef(tz_column), weeks=int(weeks))


def dashboards_per_org() -> list[Dashboard]:
    """Every organization's dashboard numbers in one query: for platform staff only."""
    # Platform-wide by design: the counts' all_orgs, each subquery tied to its organization.
    monday, next_monday = _WeekStart("timezone", 0), _WeekStart("timezone", 1)
    orgs = annotate_counts(Organization.objects.all()).annotate(
        n_shifts_week=_tally_per_org("shifts", monday, next_monday),
        n_filled_week=_tally_per_org("shifts_filled", monday, next_monday),
    )
    return [
        Dashboard(
            org=org,
            counts=counts_of(org),
            shifts=ShiftCounts(
                this_week=org.n_shifts_week,
                open_this_week=org.n_shifts_week - org.n_filled_week,
            ),
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
