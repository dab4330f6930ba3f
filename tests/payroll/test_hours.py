"""The hour split, pinned by hand: every expected figure is worked out in the comment above it.

No database: `payroll.hours` is plain functions over datetimes.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from payroll.hours import (
    DayKind,
    PayCategory,
    PayRules,
    day_kind_minutes,
    holiday_dates,
    minutes_to_hours,
    split_pay_period,
    worked_range,
)

JHB = ZoneInfo("Africa/Johannesburg")  # UTC+2 all year
LONDON = ZoneInfo("Europe/London")
ZA_2029 = holiday_dates(country="ZA", subdivision=None, years=[2029])
GB_2027 = holiday_dates(country="GB", subdivision="ENG", years=[2027])
RULES = PayRules()  # 48 h ordinary a week, no daily threshold, night 18:00-06:00, leave 8 h
ORD, OT, SUN, PH, NIGHT, LEAVE = (
    PayCategory.ORDINARY,
    PayCategory.OVERTIME,
    PayCategory.SUNDAY,
    PayCategory.PUBLIC_HOLIDAY,
    PayCategory.NIGHT,
    PayCategory.LEAVE,
)


def at(tz, y, m, d, hh=0, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=tz)


def split(worked, start, end, *, tz=JHB, holidays=ZA_2029, rules=RULES, leave=()):
    result = split_pay_period(
        worked,
        period_start=start,
        period_end=end,
        tz=tz,
        holidays=holidays,
        rules=rules,
        leave=leave,
    )
    # The exclusive categories always add up to the minutes worked in the period.
    return {k: v for k, v in result.items() if v}


DEC_2029 = (dt.date(2029, 12, 1), dt.date(2030, 1, 1))


def test_za_2029_calendar_has_the_observed_monday_after_16_december():
    assert ZA_2029[dt.date(2029, 12, 16)] == "Day of Reconciliation"
    assert ZA_2029[dt.date(2029, 12, 17)] == "Day of Reconciliation (observed)"
    assert dt.date(2029, 12, 18) not in ZA_2029


def test_day_kinds_of_sunday_16_and_observed_monday_17_december_2029():
    # Sat 15 Dec 22:00 -> Mon 17 Dec 08:00, Johannesburg: Sat 22:00-24:00 = 120 ordinary;
    # Sun 16 (a public holiday on a Sunday: public holiday) 24 h = 1440; Mon 17 (observed
    # holiday) 00:00-08:00 = 480; 1440 + 480 = 1920 public holiday; no Sunday minutes.
    minutes = day_kind_minutes(
        at(JHB, 2029, 12, 15, 22), at(JHB, 2029, 12, 17, 8), tz=JHB, holidays=ZA_2029
    )
    assert minutes == {DayKind.ORDINARY: 120, DayKind.SUNDAY: 0, DayKind.PUBLIC_HOLIDAY: 1920}


def test_split_of_16_and_17_december_2029_against_a_plain_sunday():
    worked = [
        # Sun 16 Dec 08:00-20:00 = 720 PH (not Sunday); night 18:00-20:00 = 120.
        (at(JHB, 2029, 12, 16, 8), at(JHB, 2029, 12, 16, 20)),
        # Mon 17 Dec (observed) 08:00-16:00 = 480 PH.
        (at(JHB, 2029, 12, 17, 8), at(JHB, 2029, 12, 17, 16)),
        # Sun 23 Dec 08:00-16:00, a plain Sunday = 480 SUN.
        (at(JHB, 2029, 12, 23, 8), at(JHB, 2029, 12, 23, 16)),
        # Thu 20 Dec 08:00-16:00 = 480 ordinary.
        (at(JHB, 2029, 12, 20, 8), at(JHB, 2029, 12, 20, 16)),
    ]
    # PH 720 + 480 = 1200; SUN 480; ORD 480; NIGHT 120.
    assert split(worked, *DEC_2029) == {PH: 1200, SUN: 480, ORD: 480, NIGHT: 120}


def test_night_shift_across_midnight_into_christmas_day():
    # Mon 24 Dec 2029 18:00 -> Tue 25 Dec (Christmas Day) 06:00: 24 Dec 18:00-24:00 = 360
    # ordinary; 25 Dec 00:00-06:00 = 360 public holiday; all 12 h in the 18:00-06:00 night.
    worked = [(at(JHB, 2029, 12, 24, 18), at(JHB, 2029, 12, 25, 6))]
    assert split(worked, *DEC_2029) == {ORD: 360, PH: 360, NIGHT: 720}
    # A 20:00-04:00 night: 24 Dec 20:00-24:00 = 240 + 25 Dec 00:00-04:00 = 240 = 480.
    late_night = PayRules(night_start=dt.time(20), night_end=dt.time(4))
    assert split(worked, *DEC_2029, rules=late_night) == {ORD: 360, PH: 360, NIGHT: 480}


def test_shift_across_the_autumn_dst_change_in_london_is_ten_hours():
    # Sat 30 Oct 2027 22:00 BST (21:00 UTC) -> Sun 31 Oct 07:00 GMT (07:00 UTC): the wall span
    # is 9 h, but clocks went back 02:00 BST -> 01:00 GMT, so 10 h elapsed = 600 minutes.
    # Sat 22:00-24:00 = 120 ordinary; Sun 00:00 BST (23:00 UTC) -> 07:00 UTC = 480 Sunday.
    # Night 18:00-06:00: Sat 120 + Sun 00:00 BST (23:00 UTC) -> 06:00 GMT (06:00 UTC) = 420;
    # 540 in all.
    worked = [(at(LONDON, 2027, 10, 30, 22), at(LONDON, 2027, 10, 31, 7))]
    period = (dt.date(2027, 10, 1), dt.date(2027, 11, 1))
    assert split(worked, *period, tz=LONDON, holidays=GB_2027) == {ORD: 120, SUN: 480, NIGHT: 540}
    assert day_kind_minutes(*worked[0], tz=LONDON, holidays=GB_2027) == {
        DayKind.ORDINARY: 120,
        DayKind.SUNDAY: 480,
        DayKind.PUBLIC_HOLIDAY: 0,
    }


def test_shift_across_the_spring_dst_change_in_london_is_eight_hours():
    # Sat 27 Mar 2027 22:00 GMT (22:00 UTC) -> Sun 28 Mar 07:00 BST (06:00 UTC): 9 h wall
    # span, 8 h elapsed (01:00 GMT -> 02:00 BST). Sat 120 ordinary; Sun 00:00-06:00 UTC = 360
    # Sunday. Night: Sat 120 + Sun 00:00 GMT -> 06:00 BST (05:00 UTC) = 300; 420 in all.
    worked = [(at(LONDON, 2027, 3, 27, 22), at(LONDON, 2027, 3, 28, 7))]
    period = (dt.date(2027, 3, 1), dt.date(2027, 4, 1))
    assert split(worked, *period, tz=LONDON, holidays=GB_2027) == {ORD: 120, SUN: 360, NIGHT: 420}


def test_overtime_threshold_crossed_mid_shift():
    # Week of Mon 3 Dec 2029. Mon-Thu 08:00-19:00 = 4 x 660 = 2640 ordinary. Fri 08:00-19:00:
    # 2880 - 2640 = 240 more ordinary (to 12:00), then 12:00-19:00 = 420 overtime. Sat
    # 08:00-12:00 = 240 overtime. Sun 9 Dec 08:00-10:00 beyond the threshold stays Sunday: 120.
    # Night 18:00-19:00 on five days = 300. ORD 2880, OT 660, SUN 120.
    worked = [(at(JHB, 2029, 12, d, 8), at(JHB, 2029, 12, d, 19)) for d in range(3, 8)]
    worked += [(at(JHB, 2029, 12, 8, 8), at(JHB, 2029, 12, 8, 12))]
    worked += [(at(JHB, 2029, 12, 9, 8), at(JHB, 2029, 12, 9, 10))]
    week = (dt.date(2029, 12, 3), dt.date(2029, 12, 10))
    assert split(worked, *week) == {ORD: 2880, OT: 660, SUN: 120, NIGHT: 300}


def test_week_begun_before_the_period_counts_towards_its_overtime():
    # December 2029 starts on a Saturday, in the week of Mon 26 Nov. Mon 26-Thu 29 Nov 12 h a
    # day = 2880 (outside the period, not paid here) fill the 48 h; Sat 1 Dec 08:00-12:00 is
    # 240 overtime. Mon 3 Dec starts a new week: 08:00-12:00 = 240 ordinary.
    worked = [(at(JHB, 2029, 11, d, 6), at(JHB, 2029, 11, d, 18)) for d in range(26, 30)]
    worked += [(at(JHB, 2029, 12, 1, 8), at(JHB, 2029, 12, 1, 12))]
    worked += [(at(JHB, 2029, 12, 3, 8), at(JHB, 2029, 12, 3, 12))]
    assert split(worked, *DEC_2029) == {OT: 240, ORD: 240}
    start, _ = worked_range(period_start=DEC_2029[0], period_end=DEC_2029[1], tz=JHB, week_start=0)
    assert start == at(JHB, 2029, 11, 26)


def test_daily_threshold_counts_a_night_shift_on_the_day_it_starts():
    # Daily 9 h: Mon 3 Dec 18:00 -> Tue 06:00 is one 12 h shift of Monday: 540 ordinary
    # (to 03:00), 180 overtime (03:00-06:00). Tue 08:00-12:00 is Tuesday's: 240 ordinary.
    rules = PayRules(daily_ordinary_minutes=540)
    worked = [
        (at(JHB, 2029, 12, 3, 18), at(JHB, 2029, 12, 4, 6)),
        (at(JHB, 2029, 12, 4, 8), at(JHB, 2029, 12, 4, 12)),
    ]
    assert split(worked, *DEC_2029, rules=rules) == {ORD: 780, OT: 180, NIGHT: 720}


def test_guard_on_leave_for_part_of_the_period():
    # Fortnight Mon 10 - Sun 23 Dec 2029. Worked Mon 10 and Tue 11 08:00-16:00 = 960 ordinary.
    # Leave Fri 14 Dec 20:00 -> Tue 18 Dec 00:00: Fri 20:00-24:00 = 240 (under the 480 day);
    # Sat 15 a full day, capped at 480; Sun 16 (Sunday and holiday) 0; Mon 17 (observed
    # holiday) 0. Leave = 240 + 480 = 720. Leave does not count towards overtime.
    worked = [(at(JHB, 2029, 12, d, 8), at(JHB, 2029, 12, d, 16)) for d in (10, 11)]
    leave = [(at(JHB, 2029, 12, 14, 20), at(JHB, 2029, 12, 18))]
    fortnight = (dt.date(2029, 12, 10), dt.date(2029, 12, 24))
    assert split(worked, *fortnight, leave=leave) == {ORD: 960, LEAVE: 720}
    # A leave week Wed 5 -> Mon 10 Dec: Wed, Thu, Fri, Sat 4 x 480 = 1920; Sunday 9 not a leave day.
    week_leave = [(at(JHB, 2029, 12, 5), at(JHB, 2029, 12, 10))]
    assert split([], *DEC_2029, leave=week_leave) == {LEAVE: 1920}


def test_overlapping_intervals_and_seconds_are_not_paid_twice():
    # 08:00:59-12:00 and 11:00-13:00:30 merge into 08:00-13:00 (seconds dropped) = 300.
    worked = [
        (at(JHB, 2029, 12, 4, 8).replace(second=59), at(JHB, 2029, 12, 4, 12)),
        (at(JHB, 2029, 12, 4, 11), at(JHB, 2029, 12, 4, 13).replace(second=30)),
    ]
    assert split(worked, *DEC_2029) == {ORD: 300}


def test_minutes_outside_the_period_are_not_paid():
    # 30 Nov 20:00 -> 1 Dec 04:00: only 1 Dec 00:00-04:00 = 240 (Saturday, ordinary; night).
    worked = [(at(JHB, 2029, 11, 30, 20), at(JHB, 2029, 12, 1, 4))]
    assert split(worked, *DEC_2029) == {ORD: 240, NIGHT: 240}


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        naive = at(None, 2029, 12, 1, 8)
        day_kind_minutes(naive, naive + dt.timedelta(hours=1), tz=JHB, holidays={})


def test_hours_have_two_decimal_places():
    # 500 / 60 = 8.333... -> 8.33; 45 / 60 = 0.75.
    assert minutes_to_hours(500) == Decimal("8.33")
    assert minutes_to_hours(45) == Decimal("0.75")
    assert str(minutes_to_hours(0)) == "0.00"
