"""`{% bounded_date_hierarchy cl %}`: the admin's date hierarchy, bounded by what it shows.

Django's `{% date_hierarchy %}` lists the years, months or days that have rows with
`SELECT DISTINCT date_trunc(...)` over every row of the changelist: 560,000 shifts read on
each page view (bench/pages.py). This one takes the first and last date (two index probes,
as Django does, read once for Django's tag and the probes both), then asks for the first
date of every candidate year, month or day between them, all in one query: at most 31
index probes, whatever the number of rows. Used by templates/admin/tenancy/change_list.html
(TenantModelAdmin.change_list_template).
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.contrib.admin.templatetags.admin_list import date_hierarchy
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.db import connections, models
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
        self._bounds: dict[str, dict] = {}

    def __getattr__(self, name):
        return getattr(self._queryset, name)

    def _first_and_last(self, field_name: str) -> dict:
        """Min and max of `field_name`, read once: Django's tag asks for them, then `dates()`."""
        if field_name not in self._bounds:
            self._bounds[field_name] = self._queryset.order_by().aggregate(
                first=models.Min(field_name), last=models.Max(field_name)
            )
        return self._bounds[field_name]

    def aggregate(self, *args, **kwargs):
        first, last = kwargs.get("first"), kwargs.get("last")
        if (
            not args
            and kwargs.keys() == {"first", "last"}
            and isinstance(first, models.Min)
            and isinstance(last, models.Max)
            and first.source_expressions == last.source_expressions
            and isinstance(first.source_expressions[0], models.F)
        ):
            return dict(self._first_and_last(first.source_expressions[0].name))
        return self._queryset.aggregate(*args, **kwargs)

    def dates(self, field_name: str, kind: str) -> list[dt.date]:
        return self._probe(field_name, kind, aware=False)

    def datetimes(self, field_name: str, kind: str) -> list[dt.datetime]:
        return self._probe(field_name, kind, aware=True)

    def _probe(self, field_name: str, kind: str, *, aware: bool) -> list:
        rows = self._queryset.order_by()
        bounds = self._first_and_last(field_name)
        if bounds["first"] is None:
            return []
        first, last = bounds["first"], bounds["last"]
        tz = timezone.get_current_timezone()
        if aware:
            first, last = timezone.localtime(first, tz).date(), timezone.localtime(last, tz).date()

        def bound(day: dt.date):
            return dt.datetime.combine(day, dt.time.min, tzinfo=tz) if aware else day

        periods = _periods(first, last, kind)
        # Each probe is the first date at or after the period's start, by the field's index
        # (ORDER BY ... LIMIT 1): the period has rows when that date is before its end. Not
        # EXISTS (a row between start and end): for a period that holds many rows the
        # planner may scan the table for the first match, assuming the rows are spread
        # evenly, which they are not (one organization's rows among the others':
        # tests/performance/test_plans.py). Nor both bounds with ORDER BY: the planner then
        # sorts every row of the period. All in one statement, `SELECT (probe 1), (probe
        # 2), ...`, with no table to read a carrier row from (the first row of the table
        # may lie behind every other organization's); each probe is compiled by its
        # queryset's own compiler, so the tenant scoping applies as to any query (and
        # row-level security under it).
        sqls, params = [], []
        for start, _ in periods:
            probe = rows.filter(**{f"{field_name}__gte": bound(start)}).order_by(field_name)
            sql, probe_params = (
                probe.values_list(field_name)[:1].query.get_compiler(using=probe.db).as_sql()
            )
            sqls.append(f"({sql})")
            params.extend(probe_params)
        with connections[rows.db].cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(sqls)}", params)
            found = cursor.fetchone()
        return [
            bound(start)
            for (start, end), value in zip(periods, found, strict=True)
            if value is not None and value < bound(end)
        ]


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
