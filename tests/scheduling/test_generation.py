"""Shift generation from posts and patterns: idempotent, DST-safe, scoped to one organization."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from rostracore.tenancy.context import use_org
from scheduling.models import Shift
from scheduling.services import generate_shifts
from tests.factories import PostFactory, ShiftPatternFactory, SiteFactory

MONDAY = dt.date(2027, 3, 1)


def _day_and_night(org, **post_kwargs):
    post = PostFactory(org=org, **post_kwargs)
    ShiftPatternFactory(org=org, post=post, name="Day", start_time=dt.time(6), end_time=dt.time(18))
    ShiftPatternFactory(
        org=org, post=post, name="Night", start_time=dt.time(18), end_time=dt.time(6)
    )
    return post


def test_24_7_post_makes_two_twelve_hour_shifts_a_day_and_reruns_create_nothing(org_a):
    _day_and_night(org_a)
    with use_org(org_a):
        created = generate_shifts(start_date=MONDAY, end_date=MONDAY + dt.timedelta(7))
        again = generate_shifts(start_date=MONDAY, end_date=MONDAY + dt.timedelta(7))
        shifts = list(Shift.objects.order_by("start"))
    assert (created, again) == (14, 0)
    assert len(shifts) == 14
    assert {s.end - s.start for s in shifts} == {dt.timedelta(hours=12)}
    # Johannesburg is UTC+2: the Monday day shift starts 04:00 UTC.
    assert shifts[0].start == dt.datetime(2027, 3, 1, 4, tzinfo=dt.UTC)
    assert shifts[1].end == dt.datetime(2027, 3, 2, 4, tzinfo=dt.UTC)


def test_overlapping_ranges_only_add_the_missing_days(org_a):
    _day_and_night(org_a)
    with use_org(org_a):
        generate_shifts(start_date=MONDAY, end_date=MONDAY + dt.timedelta(3))
        added = generate_shifts(start_date=MONDAY, end_date=MONDAY + dt.timedelta(5))
        assert Shift.objects.count() == 10
    assert added == 4


def test_weekday_post_with_two_guards_skips_weekends_and_numbers_slots(org_a):
    post = PostFactory(org=org_a)
    ShiftPatternFactory(
        org=org_a,
        post=post,
        start_time=dt.time(7),
        end_time=dt.time(17),
        weekdays=[1, 2, 3, 4, 5],
        guards=2,
    )
    with use_org(org_a):
        generate_shifts(start_date=MONDAY, end_date=MONDAY + dt.timedelta(7))
        rows = list(Shift.objects.values_list("local_date", "slot"))
    assert len(rows) == 10
    assert {day.isoweekday() for day, _ in rows} == {1, 2, 3, 4, 5}
    assert sorted({slot for _, slot in rows}) == [0, 1]


def test_night_shifts_across_dst_changes_last_the_real_hours(db, org_a):
    org_a.timezone = "Europe/London"
    org_a.save()
    post = PostFactory(org=org_a)
    ShiftPatternFactory(
        org=org_a, post=post, name="Night", start_time=dt.time(18), end_time=dt.time(6)
    )
    spring, autumn = dt.date(2027, 3, 27), dt.date(2027, 10, 30)  # nights the clocks change
    with use_org(org_a):
        generate_shifts(start_date=spring, end_date=spring + dt.timedelta(2))
        generate_shifts(start_date=autumn, end_date=autumn + dt.timedelta(2))
        assert generate_shifts(start_date=spring, end_date=spring + dt.timedelta(2)) == 0
        lengths = {s.local_date: s.end - s.start for s in Shift.objects.all()}
    assert lengths[spring] == dt.timedelta(hours=11)
    assert lengths[spring + dt.timedelta(1)] == dt.timedelta(hours=12)
    assert lengths[autumn] == dt.timedelta(hours=13)
    assert lengths[autumn + dt.timedelta(1)] == dt.timedelta(hours=12)


def test_shift_takes_the_stricter_of_post_and_site_grade(org_a):
    site = SiteFactory(org=org_a, min_grade="B")
    _day_and_night(org_a, site=site, required_grade="C")
    strict_post = PostFactory(org=org_a, site=site, required_grade="A")
    ShiftPatternFactory(org=org_a, post=strict_post)
    with use_org(org_a):
        generate_shifts(start_date=MONDAY, end_date=MONDAY + dt.timedelta(1))
        grades = {s.post_id: s.required_grade for s in Shift.objects.all()}
    assert grades[strict_post.pk] == "A"
    assert set(grades.values()) == {"A", "B"}


def test_generation_only_uses_the_current_organizations_patterns(org_a, org_b, observer):
    _day_and_night(org_a)
    _day_and_night(org_b)
    with use_org(org_a):
        generate_shifts(start_date=MONDAY, end_date=MONDAY + dt.timedelta(7))
    assert Shift.all_orgs.filter(org=org_a).count() == 14
    assert Shift.all_orgs.filter(org=org_b).count() == 0


def test_database_refuses_a_second_shift_for_one_pattern_slot_and_day(org_a):
    post = _day_and_night(org_a)
    with use_org(org_a):
        pattern = post.patterns.first()
        generate_shifts(start_date=MONDAY, end_date=MONDAY + dt.timedelta(1))
        existing = Shift.objects.get(pattern=pattern)
        with pytest.raises(IntegrityError), transaction.atomic():
            Shift.objects.create(
                site=existing.site,
                post=post,
                pattern=pattern,
                local_date=existing.local_date,
                slot=existing.slot,
                start=existing.start,
                end=existing.end,
            )
