"""The admin site: RostraCore's header and the organization dashboard on the index page.

It lives at the top of the house (it counts shifts, and only code at or above `scheduling`
may import Shift). `rostracore.apps.AdminConfig` makes it the default `admin.site`, so every
app registers its admin with the usual `@admin.register`.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.contrib import admin
from django.db.models import Count, DateTimeField, Func, OuterRef, Q
from django.http import HttpRequest
from django.utils import timezone

from employees.selectors import (
    OrgCounts,
    annotate_counts,
    count_per_org,
    counts_of,
    org_counts,
)
from organizations.models import Organization
from rostracore.tenancy.admin import is_platform
from rostracore.tenancy.context import require_org
from scheduling.models import Shift


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


class RostraCoreAdminSite(admin.AdminSite):
    site_header = "RostraCore"
    site_title = "RostraCore admin"
    index_title = "Dashboard"
    index_template = "admin/rostracore_index.html"

    def each_context(self, request: HttpRequest) -> dict:
        context = super().each_context(request)
        org = getattr(request, "org", None)
        if org is not None:
            context["site_header"] = f"RostraCore · {org.company_name}"
        elif is_platform(request):
            context["site_header"] = "RostraCore · platform"
        return context

    def index(self, request: HttpRequest, extra_context: dict | None = None):
        context: dict = {}
        if getattr(request, "org", None) is not None:
            context["dashboard"] = Dashboard(
                org=request.org, counts=org_counts(), shifts=shift_counts()
            )
        elif is_platform(request):
            context["dashboards"] = dashboards_per_org()
        return super().index(request, {**context, **(extra_context or {})})
