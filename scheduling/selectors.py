"""Read-only shift queries for the manager dashboard (rostracore/views.py).

They live here, not in employees/selectors.py, because imports flow one way and only
scheduling (or code above it) may import Shift.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from scheduling.models import Shift


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
