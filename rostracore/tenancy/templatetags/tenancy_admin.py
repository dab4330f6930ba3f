"""`{% bounded_date_hierarchy cl %}`: the admin's date hierarchy, bounded by what it shows.

Django's `{% date_hierarchy %}` lists the years, months or days that have rows with
`SELECT DISTINCT date_trunc(...)` over every row of the changelist: 560,000 shifts read on
each page view (bench/pages.py). This one takes the first and last date (two index probes,
as Django does), then asks one `EXISTS` per candidate year, month or day between them, all
in one query: at most 31 index probes, whatever the number of rows. Used by
templates/admin/tenancy/change_list.html (TenantModelAdmin.change_list_template).
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.contrib.admin.templatetags.admin_list import date_hierarchy
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.db import models
from django.db.models import Exists
from django.utils import timezone

register = template.Library()


def _periods(first: dt.date, last: dt.date, kind: str) -> list[tuple[dt.date, dt.date]]:
    """[start, end) of every year, month or day from `first` to `last` (inclusive)."""
    periods = []
    if kind == "year":
        for year in range(first.year, last.year + 1):
            periods.append((dt.date(year, 1, 1), dt.date(year + 1, 1, 1)))
    elif kind == "month":
        year, month = first.year, first.month
        while (year, month) <= (last.year, last.month):
            following = (year + month // 12, month % 12 + 1)
            periods.append((dt.date(year, month, 1), dt.date(*following, 1)))
            year, month = following
    else:
        day = first
        while day <= last:
            periods.append((day, day + dt.timedelta(days=1)))
            day += dt.timedelta(days=1)
    return periods


class _BoundedDates:
    """The changelist's queryset, whose `dates()` / `datetimes()` probe each period."""

    def __init__(self, queryset) -> None:
        self._queryset = queryset

    def __getattr__(self, name):
        return getattr(self._queryset, name)

    def dates(self, field_name: str, kind: str) -> list[dt.date]:
        return self._probe(field_name, kind, aware=False)

    def datetimes(self, field_name: str, kind: str) -> list[dt.datetime]:
        return self._probe(field_name, kind, aware=True)

    def _probe(self, field_name: str, kind: str, *, aware: bool) -> list:
        rows = self._queryset.order_by()
        bounds = rows.aggregate(first=models.Min(field_name), last=models.Max(field_name))
        if bounds["first"] is None:
            return []
        first, last = bounds["first"], bounds["last"]
        tz = timezone.get_current_timezone()
        if aware:
            first, last = timezone.localtime(first, tz).date(), timezone.localtime(last, tz).date()

        def bound(day: dt.date):
            return dt.datetime.combine(day, dt.time.min, tzinfo=tz) if aware else day

        periods = _periods(first, last, kind)
        probes = {
            f"p{n}": Exists(
                rows.filter(**{f"{field_name}__gte": bound(start), f"{field_name}__lt": bound(end)})
            )
            for n, (start, end) in enumerate(periods)
        }
        found = next(iter(rows.annotate(**probes).values(*probes)[:1]), {})
        return [bound(start) for n, (start, _) in enumerate(periods) if found.get(f"p{n}")]


class _BoundedChangeList:
    def __init__(self, cl) -> None:
        self._cl = cl
        self.queryset = _BoundedDates(cl.queryset)

    def __getattr__(self, name):
        return getattr(self._cl, name)


def bounded_date_hierarchy(cl):
    return date_hierarchy(_BoundedChangeList(cl))


@register.tag(name="bounded_date_hierarchy")
def bounded_date_hierarchy_tag(parser, token):
    return InclusionAdminNode(
        "date_hierarchy",
        parser,
        token,
        func=bounded_date_hierarchy,
        template_name="date_hierarchy.html",
        takes_context=False,
    )
