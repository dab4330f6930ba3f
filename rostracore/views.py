"""The manager dashboard.

It lives at the top of the house, not in employees/, because it shows shift coverage and only
code at or above `scheduling` may import Shift (imports flow tenancy ← organizations ← clients
← employees ← scheduling).
"""

import datetime as dt
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from employees.selectors import org_counts
from employees.views import manager_required
from scheduling.selectors import DayCoverage, coverage_by_day

# SVG geometry of the coverage chart, in viewBox units.
_CHART_WIDTH = 420
_CHART_TOP = 24
_CHART_BOTTOM = 176
_BAR_WIDTH = 36


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


def _coverage_bars(coverage: list[DayCoverage]) -> list[_Bar]:
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


@manager_required
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    coverage = coverage_by_day(today, days=7)
    return render(
        request,
        "dashboard.html",
        {
            "counts": org_counts(),
            "coverage": coverage,
            "bars": _coverage_bars(coverage),
            "week_end": today + dt.timedelta(days=6),
            "open_total": sum(day.open for day in coverage),
            "chart": {"width": _CHART_WIDTH, "baseline": _CHART_BOTTOM, "bar_width": _BAR_WIDTH},
        },
    )
