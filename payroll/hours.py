"""Hours for payroll: plain, typed functions with no database access.

Billing (`billing`) and the payroll pages both call these, so they take plain values —
datetimes, dates, a `ZoneInfo`, a holiday mapping — and return minutes as ints.

Time is measured as real elapsed time (UTC instants), never as wall-clock differences, so a
shift across a daylight-saving change counts the hours actually worked. The calendar (which
day a minute falls on, whether it is night) is the organization's local calendar in `tz`.
Times are taken to the whole minute first (seconds dropped), so every figure is whole minutes
and the exclusive categories always add up to the minutes worked.

Payroll categories of one guard's worked minutes in a pay period (`split_pay_period`):

* Exclusive — every worked minute is exactly one of ORDINARY, OVERTIME, SUNDAY,
  PUBLIC_HOLIDAY, chosen by precedence PUBLIC_HOLIDAY > SUNDAY > OVERTIME > ORDINARY:
  a minute on a public holiday (incl. an observed day, e.g. Monday 17 December 2029 after
  Sunday 16 December) is PUBLIC_HOLIDAY, even on a Sunday or beyond the overtime threshold;
  else a minute on a Sunday is SUNDAY; else a minute beyond an overtime threshold is
  OVERTIME; else ORDINARY. (BCEA ss 10, 16, 18: Sunday and public-holiday work already pay
  at their own higher rate, so they are not paid as overtime as well.)
* Overtime thresholds: every worked minute — Sunday and public-holiday minutes included —
  counts towards them, in time order. A minute is beyond the threshold when the guard has
  already worked `weekly_ordinary_minutes` in that week (weeks start at local midnight on
  `week_start`, Monday unless the pay schedule says otherwise; minutes worked earlier in a
  week that began before the period count, so a week split by a period boundary is judged
  whole), or, when a daily threshold is set, `daily_ordinary_minutes` in that day's shifts
  (a shift belongs to the local date on which it starts, so a night shift is one day).
* NIGHT is an allowance that overlaps: a worked minute whose local wall time is from
  `night_start` up to `night_end` (wrapping midnight when night_end <= night_start; the
  BCEA s 17 night is 18:00-06:00) is NIGHT as well as its exclusive category.
* LEAVE is paid time not worked, outside the exclusive categories and the thresholds: for
  each local day of the period that a paid leave interval touches, except Sundays and
  public holidays (BCEA s 20: a public holiday in leave is not a leave day), the leave's
  minutes on that day up to `leave_day_minutes`.

Overlapping worked intervals are merged first, so no minute is paid twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

import holidays as holidays_package

UTC = dt.UTC
Interval = tuple[dt.datetime, dt.datetime]


class DayKind(StrEnum):
    """What kind of local day a minute falls on (billing multiplies by it)."""

    ORDINARY = "ordinary"
    SUNDAY = "sunday"
    PUBLIC_HOLIDAY = "public_holiday"


class PayCategory(StrEnum):
    """A payroll category; the value is the code in the payroll CSV."""

    ORDINARY = "ORD"
    OVERTIME = "OT"
    SUNDAY = "SUN"
    PUBLIC_HOLIDAY = "PH"
    NIGHT = "NIGHT"
    LEAVE = "LEAVE"

    @property
    def label(self) -> str:
        return _CATEGORY_LABELS[self]

    @property
    def is_exclusive(self) -> bool:
        """Exclusive categories partition the worked minutes; the others are on top."""
        return self in EXCLUSIVE_CATEGORIES


_CATEGORY_LABELS = {
    PayCategory.ORDINARY: "Ordinary",
    PayCategory.OVERTIME: "Overtime",
    PayCategory.SUNDAY: "Sunday",
    PayCategory.PUBLIC_HOLIDAY: "Public holiday",
    PayCategory.NIGHT: "Night allowance",
    PayCategory.LEAVE: "Paid leave",
}
EXCLUSIVE_CATEGORIES = (
    PayCategory.ORDINARY,
    PayCategory.OVERTIME,
    PayCategory.SUNDAY,
    PayCategory.PUBLIC_HOLIDAY,
)


@dataclasses.dataclass(frozen=True)
class PayRules:
    """The thresholds of the split, in minutes (from `scheduling.LabourRules`)."""

    weekly_ordinary_minutes: int = 48 * 60
    daily_ordinary_minutes: int | None = None
    night_start: dt.time = dt.time(18, 0)
    night_end: dt.time = dt.time(6, 0)
    leave_day_minutes: int = 8 * 60
    week_start: int = 0  # date.weekday(): 0 is Monday

    @classmethod
    def from_labour_rules(cls, rules: object, *, week_start: int = 0) -> PayRules:
        """Read the thresholds off a `scheduling.LabourRules` (or anything with its fields)."""
        daily = getattr(rules, "daily_ordinary_hours", None)
        return cls(
            weekly_ordinary_minutes=rules.max_weekly_hours * 60,
            daily_ordinary_minutes=None if daily is None else daily * 60,
            night_start=rules.night_start,
            night_end=rules.night_end,
            leave_day_minutes=rules.leave_day_hours * 60,
            week_start=week_start,
        )


def holiday_dates(
    *, country: str, subdivision: str | None, years: Iterable[int]
) -> dict[dt.date, str]:
    """Public holidays (observed days included) of a country's calendar, by date.

    Raises NotImplementedError (from `holidays`) for an unknown country or subdivision;
    `payroll.models.validate_holiday_calendar` turns that into a field message.
    """
    calendar = holidays_package.country_holidays(
        country, subdiv=subdivision or None, years=sorted(set(years)), observed=True
    )
    return dict(calendar.items())


def minutes_to_hours(minutes: int) -> Decimal:
    """Minutes as decimal hours with two places (the payroll CSV and the pages)."""
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"))


def _floor_minute(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError("Payroll times must be aware datetimes.")
    return value.astimezone(UTC).replace(second=0, microsecond=0)


def _local_instant(day: dt.date, time: dt.time, tz: ZoneInfo) -> dt.datetime:
    """The UTC instant of a local wall time (the first one when ambiguous)."""
    return dt.datetime.combine(day, time, tzinfo=tz).astimezone(UTC)


def _minutes(start: dt.datetime, end: dt.datetime) -> int:
    return int((end - start).total_seconds()) // 60


def _segments(
    start: dt.datetime, end: dt.datetime, tz: ZoneInfo, times: Iterable[dt.time]
) -> list[Interval]:
    """[start, end) cut at every local midnight and at the given local times of day (UTC)."""
    first = start.astimezone(tz).date() - dt.timedelta(days=1)
    last = end.astimezone(tz).date() + dt.timedelta(days=1)
    cuts = {start, end}
    wall_times = {dt.time(0, 0), *times}
    day = first
    while day <= last:
        for time in wall_times:
            instant = _local_instant(day, time, tz)
            if start < instant < end:
                cuts.add(instant)
        day += dt.timedelta(days=1)
    ordered = sorted(cuts)
    return list(itertools.pairwise(ordered))


def _day_kind(day: dt.date, holidays: Mapping[dt.date, str]) -> DayKind:
    if day in holidays:
        return DayKind.PUBLIC_HOLIDAY
    if day.isoweekday() == 7:
        return DayKind.SUNDAY
    return DayKind.ORDINARY


def day_kind_minutes(
    start: dt.datetime, end: dt.datetime, *, tz: ZoneInfo, holidays: Mapping[dt.date, str]
) -> dict[DayKind, int]:
    """Elapsed minutes of [start, end) on ordinary days, Sundays and public holidays.

    The interval is cut at local midnights in `tz`; a public holiday on a Sunday counts as
    PUBLIC_HOLIDAY. Every kind is in the result (0 when none). An end at or before the start
    gives all zeros.
    """
    result = dict.fromkeys(DayKind, 0)
    start, end = _floor_minute(start), _floor_minute(end)
    if end <= start:
        return result
    for seg_start, seg_end in _segments(start, end, tz, ()):
        kind = _day_kind(seg_start.astimezone(tz).date(), holidays)
        result[kind] += _minutes(seg_start, seg_end)
    return result


def _merged(intervals: Iterable[Interval]) -> list[Interval]:
    ordered = sorted(
        (s, e) for s, e in ((_floor_minute(s), _floor_minute(e)) for s, e in intervals) if e > s
    )
    merged: list[list[dt.datetime]] = []
    for start, end in ordered:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _is_night(local: dt.time, rules: PayRules) -> bool:
    if rules.night_start == rules.night_end:
        return False
    if rules.night_start < rules.night_end:
        return rules.night_start <= local < rules.night_end
    return local >= rules.night_start or local < rules.night_end


def week_start_date(day: dt.date, week_start: int) -> dt.date:
    """The first local date of the overtime week that `day` is in."""
    return day - dt.timedelta(days=(day.weekday() - week_start) % 7)


def split_pay_period(
    worked: Iterable[Interval],
    *,
    period_start: dt.date,
    period_end: dt.date,
    tz: ZoneInfo,
    holidays: Mapping[dt.date, str],
    rules: PayRules,
    leave: Iterable[Interval] = (),
) -> dict[PayCategory, int]:
    """Minutes of one guard's pay period [period_start, period_end) (local dates) by category.

    `worked` may (and, for a correct overtime figure, should) include the intervals since
    the start of the week the period starts in: see `worked_range`. Minutes outside the period
    count towards that week's threshold but are not in the result. See the module docstring
    for the categories.
    """
    result = dict.fromkeys(PayCategory, 0)
    week_minutes: dict[dt.date, int] = defaultdict(int)
    day_minutes: dict[dt.date, int] = defaultdict(int)
    night_times = (rules.night_start, rules.night_end)
    for start, end in _merged(worked):
        shift_day = start.astimezone(tz).date()
        for seg_start, seg_end in _segments(start, end, tz, night_times):
            local = seg_start.astimezone(tz)
            day = local.date()
            minutes = _minutes(seg_start, seg_end)
            week = week_start_date(day, rules.week_start)
            room = rules.weekly_ordinary_minutes - week_minutes[week]
            if rules.daily_ordinary_minutes is not None:
                room = min(room, rules.daily_ordinary_minutes - day_minutes[shift_day])
            ordinary = max(0, min(minutes, room))
            week_minutes[week] += minutes
            day_minutes[shift_day] += minutes
            if not period_start <= day < period_end:
                continue
            kind = _day_kind(day, holidays)
            if kind is DayKind.PUBLIC_HOLIDAY:
                result[PayCategory.PUBLIC_HOLIDAY] += minutes
            elif kind is DayKind.SUNDAY:
                result[PayCategory.SUNDAY] += minutes
            else:
                result[PayCategory.ORDINARY] += ordinary
                result[PayCategory.OVERTIME] += minutes - ordinary
            if _is_night(local.time(), rules):
                result[PayCategory.NIGHT] += minutes
    result[PayCategory.LEAVE] = leave_minutes(
        leave,
        period_start=period_start,
        period_end=period_end,
        tz=tz,
        holidays=holidays,
        rules=rules,
    )
    return result


def leave_minutes(
    leave: Iterable[Interval],
    *,
    period_start: dt.date,
    period_end: dt.date,
    tz: ZoneInfo,
    holidays: Mapping[dt.date, str],
    rules: PayRules,
) -> int:
    """Paid leave minutes in the period: per local day, not Sunday or public holiday,
    the leave's minutes that day up to `rules.leave_day_minutes`."""
    per_day: dict[dt.date, int] = defaultdict(int)
    for start, end in _merged(leave):
        for seg_start, seg_end in _segments(start, end, tz, ()):
            day = seg_start.astimezone(tz).date()
            if period_start <= day < period_end and _day_kind(day, holidays) is DayKind.ORDINARY:
                per_day[day] += _minutes(seg_start, seg_end)
    return sum(min(minutes, rules.leave_day_minutes) for minutes in per_day.values())


def worked_range(
    *, period_start: dt.date, period_end: dt.date, tz: ZoneInfo, week_start: int
) -> Interval:
    """The UTC instants whose worked intervals `split_pay_period` needs: from the start of
    the week the period starts in up to the end of the period."""
    first = week_start_date(period_start, week_start)
    return _local_instant(first, dt.time(0), tz), _local_instant(period_end, dt.time(0), tz)


def period_bounds(period_start: dt.date, period_end: dt.date, tz: ZoneInfo) -> Interval:
    """A period of local dates [start, end) as UTC instants (local midnights)."""
    return _local_instant(period_start, dt.time(0), tz), _local_instant(period_end, dt.time(0), tz)
