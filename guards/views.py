"""The guards' own pages: small, server-rendered, no JavaScript, for cheap phones.

Every page is `guard_required`: a guard of an organization linked to an active employee,
who is `request.employee`. Rows come through the scoped managers and are filtered by that
employee, so a guard sees their own shifts only — of other guards nothing at all.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db.models import DurationField, ExpressionWrapper, F, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from rostracore.dashboard import week_bounds
from rostracore.tenancy.access import guard_required
from scheduling.models import Shift

UPCOMING_SHIFTS = 50  # the next ones, within UPCOMING_DAYS: a page a phone loads quickly
UPCOMING_DAYS = 56
PAST_WEEKS = 4


def _hours(duration: dt.timedelta | None) -> float:
    return round((duration or dt.timedelta()).total_seconds() / 3600, 1)


@guard_required
def my_shifts(request: HttpRequest) -> HttpResponse:
    """Upcoming published shifts, this week's and the last four weeks' hours, and the
    calendar link. Three queries whatever the number of shifts (besides the session, user,
    organization and employee of every guard page)."""
    employee = request.employee
    now = timezone.now()
    monday, next_monday = week_bounds(now, zoneinfo.ZoneInfo(request.org.timezone))
    shifts = Shift.objects.filter(employee=employee)
    upcoming = list(
        shifts.filter(end__gt=now, start__lt=now + dt.timedelta(days=UPCOMING_DAYS))
        .select_related("site", "post")
        .order_by("start")[:UPCOMING_SHIFTS]
    )
    # Hours by the week a shift starts in (Monday to Monday, the organization's time), as
    # the dashboard counts shifts. Aware arithmetic on the zone's wall clock: each bound
    # stays a local midnight, across a daylight-saving change too.
    weeks = [
        (monday - dt.timedelta(weeks=n), next_monday - dt.timedelta(weeks=n))
        for n in range(PAST_WEEKS + 1)
    ]
    length = ExpressionWrapper(F("end") - F("start"), output_field=DurationField())
    totals = shifts.aggregate(
        **{
            f"week_{n}": Sum(length, filter=Q(start__gte=start, start__lt=end))
            for n, (start, end) in enumerate(weeks)
        }
    )
    past = [
        {"start": start, "end": end - dt.timedelta(days=1), "hours": _hours(totals[f"week_{n}"])}
        for n, (start, end) in enumerate(weeks)
        if n > 0
    ]
    feed = reverse("scheduling:guard_ical", kwargs={"token": employee.calendar_token})
    return render(
        request,
        "guards/my_shifts.html",
        {
            "employee": employee,
            "upcoming": upcoming,
            "this_week": {"start": monday, "hours": _hours(totals["week_0"])},
            "past_weeks": past,
            "past_total": round(sum(week["hours"] for week in past), 1),
            "calendar_url": request.build_absolute_uri(feed),
        },
    )
