"""seed_demo without options: two guarding companies that look like real ones.

Every site has posts and shift patterns, one site is armed and one needs an induction, guards
have grades, licences and leave, and the current week is rostered and published through the
services. The first four weeks from next Monday fill all but a few shifts, and those few are
exactly the proven minimum, each with its reason (operations/demo.py tells the story).
"""

import datetime as dt
import io

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db.models import F, ForeignKey
from django.utils import timezone

from clients.models import Site
from employees.models import Employee
from guards.models import LeaveRequest
from operations.demo import DEMO_COMPANIES, next_monday
from organizations.models import Organization
from rostracore.tenancy.context import all_organizations, use_org
from scheduling.models import (
    Absence,
    Post,
    RosterAssignment,
    RosterRun,
    Shift,
    ShiftPattern,
    SiteInduction,
)
from scheduling.services import run_roster, start_run

# Every roster solved here is bounded by work: the seed's own week lightly
# (tests/operations/conftest.py), the four weeks like every run of tests/scheduling.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seed_solver_bounded_by_work")]


@pytest.fixture(autouse=True)
def development(settings):
    """seed_demo runs only in development; Django runs every test with DEBUG off."""
    settings.DEBUG = True
    Group.objects.get_or_create(name="Manager")


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _first_monday() -> dt.date:
    return next_monday(timezone.localdate())


def _tenant_models():
    return [model for model in apps.get_models() if hasattr(model, "all_orgs")]


def test_every_site_has_posts_and_patterns_and_the_month_has_its_story():
    _seed()
    monday = _first_monday()
    month = (monday, monday + dt.timedelta(days=27))
    for slug in ("acme", "bastion"):
        with use_org(Organization.objects.get(slug=slug)):
            sites = list(Site.objects.all())
            assert len(sites) >= 6
            for site in sites:
                posts = list(Post.objects.filter(site=site, is_active=True))
                assert posts, f"{site} has no post"
                for post in posts:
                    assert ShiftPattern.objects.filter(post=post, is_active=True).exists(), post
            patterns = ShiftPattern.objects.all()
            # 24/7 day and night posts, and weekday-only posts.
            every_day = patterns.filter(weekdays=[1, 2, 3, 4, 5, 6, 7])
            assert every_day.filter(start_time=dt.time(6), end_time=dt.time(18)).exists()
            assert every_day.filter(start_time=dt.time(18), end_time=dt.time(6)).exists()
            assert patterns.filter(weekdays=[1, 2, 3, 4, 5]).exists()
            # Some posts need a higher grade than the entry grade E.
            assert Post.objects.filter(required_grade__in=["A", "B", "C"]).exists()
            # One armed site, with a post, and guards with a firearm competency for it.
            armed = Site.objects.get(armed=True)
            assert armed.posts.exists() and armed.min_grade == "C"
            assert (
                Employee.objects.filter(
                    firearm_competency_expires__gte=monday, psira_grade__lte="C"
                ).count()
                >= 2
            )
            # One site needing an induction, a few guards inducted there.
            inducted = Site.objects.get(induction_required=True)
            assert 3 <= SiteInduction.objects.filter(site=inducted).count() <= 6
            # Dedicated guards for every client, a flex pool, grades spread.
            guards = Employee.objects.all()
            assert guards.count() >= 30
            assert guards.filter(assigned_client=None).count() >= 5
            assert set(guards.values_list("psira_grade", flat=True)) == set("ABCDE")
            for site in sites:
                assert guards.filter(assigned_client=site.client_id).exists()
            # A licence lapses during the month: a firearm competency and a PSIRA registration.
            assert guards.filter(firearm_competency_expires__range=month).exists()
            assert guards.filter(psira_registration_expires__range=month).exists()
            # Leave: approved requests (through guards.services: each made its Absence) within
            # the month, and one still waiting in the managers' inbox.
            approved = LeaveRequest.objects.filter(status=LeaveRequest.Status.APPROVED)
            assert approved.count() >= 3
            assert all(month[0] <= r.start <= r.end <= month[1] for r in approved)
            assert Absence.objects.count() == approved.exclude(absence=None).count()
            assert LeaveRequest.objects.filter(status=LeaveRequest.Status.PENDING).count() == 1
            # This week: shifts from the patterns, rostered and published by one run.
            week = monday - dt.timedelta(weeks=1)
            run = RosterRun.objects.get()
            assert (run.start_date, run.end_date, run.status) == (week, monday, "published")
            shifts = Shift.objects.all()
            assert shifts.count() == run.total_shifts > 80
            assert not shifts.filter(pattern=None).exists()
            assert shifts.filter(local_date__lt=week).count() == 0
            assert shifts.filter(employee__isnull=False).count() == run.filled_shifts > 80


def test_the_first_four_weeks_fill_all_but_the_proven_minimum_and_each_open_shift_says_why(
    request,
):
    _seed()
    request.getfixturevalue("solver_bounded_by_work")  # from here on, as tests/scheduling
    monday = _first_monday()
    acme = Organization.objects.get(slug="acme")
    spec = next(spec for spec in DEMO_COMPANIES if spec.slug == "acme")
    per_week = sum(
        len(pattern.weekdays) * pattern.guards
        for client in spec.clients
        for site in client.sites
        for post in site.posts
        for pattern in post.patterns
    )
    with use_org(acme):
        run = start_run(
            start_date=monday,
            end_date=monday + dt.timedelta(weeks=4),
            time_limit=30,
            enqueue=False,
        )
        run = run_roster(run=run)
        open_rows = list(
            RosterAssignment.objects.filter(run=run, employee=None).select_related("shift__site")
        )
        generated = Shift.objects.filter(local_date__gte=monday).count()
    assert run.status == RosterRun.Status.DONE and run.hard_violations == 0
    # Hundreds of shifts, every one from a pattern.
    assert run.total_shifts == generated == 4 * per_week
    assert run.total_shifts >= 400
    # All but a few filled; the few are exactly the proven minimum (the flow bound).
    assert run.open_lower_bound == 4
    assert run.open_shifts == run.open_lower_bound == len(open_rows)
    assert run.filled_shifts == run.total_shifts - 4
    # Two at the Cash Centre: the only other armed guards are both on leave those days
    # (Thursday and Friday of week 3), and the third's competency has lapsed.
    armed = sorted((r for r in open_rows if r.shift.site.armed), key=lambda r: r.shift.start)
    assert [r.shift.local_date for r in armed] == [monday + dt.timedelta(days=d) for d in (17, 18)]
    for row in armed:
        assert row.open_reason.startswith(
            "No guard with grade C or higher and a valid firearm competency is available"
        )
        assert "2 leave or unavailability" in row.open_reason
    # Two at the depot in week 4, while one of its four inducted guards is on leave: three
    # guards at four 12-hour shifts a week cover 12 of its 14 shifts.
    depot = [r for r in open_rows if r.shift.site.induction_required]
    assert len(depot) == 2
    for row in depot:
        assert monday + dt.timedelta(weeks=3) <= row.shift.local_date < run.end_date
        assert "the induction for Church Square Depot" in row.open_reason
        assert "without breaking a rule" in row.open_reason


def test_each_organizations_rows_reference_only_its_own_rows(observer):
    _seed()
    checked = []
    for model in _tenant_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, ForeignKey) or field.name == "org":
                continue
            if not any(f.name == "org" for f in field.related_model._meta.concrete_fields):
                continue
            rows = model.all_orgs.filter(**{f"{field.name}__isnull": False})
            if not rows.exists():
                continue
            checked.append(f"{model._meta.label}.{field.name}")
            crossing = rows.exclude(**{f"{field.name}__org": F("org")})
            assert not crossing.exists(), f"{model._meta.label}.{field.name} crosses organizations"
            # Both companies have such rows: the check is not vacuous for either.
            assert set(rows.values_list("org__slug", flat=True)) == {"acme", "bastion"}
    # Sites, posts, patterns, guards, inductions, leave, shifts and the week's roster at least.
    for relation in (
        "clients.Site.client",
        "scheduling.Post.site",
        "scheduling.ShiftPattern.post",
        "employees.Employee.assigned_client",
        "scheduling.SiteInduction.site",
        "scheduling.Absence.employee",
        "guards.LeaveRequest.employee",
        "scheduling.Shift.pattern",
        "scheduling.Shift.employee",
        "scheduling.RosterAssignment.shift",
    ):
        assert relation in checked


def test_a_second_seed_creates_nothing_and_the_output_says_how_to_roster(monkeypatch):
    monkeypatch.setenv("PORT", "8123")
    first = _seed()
    with all_organizations():
        counts = {model._meta.label: model.all_orgs.count() for model in _tenant_models()}
    second = _seed()
    with all_organizations():
        again = {model._meta.label: model.all_orgs.count() for model in _tenant_models()}
    assert again == counts
    assert counts["scheduling.Shift"] > 0 and counts["scheduling.ShiftPattern"] > 0
    assert "Demo data: created acme, bastion" in first
    assert "nothing new (demo data already there)" in second

    monday = _first_monday()
    assert "RostraCore is at http://127.0.0.1:8123/" in first
    assert (
        "manage.py generate_roster --org acme "
        f"--start {monday} --end {monday + dt.timedelta(weeks=4)}"
    ) in first
    assert "or open Rosters > Generate roster" in first
    assert "rostered and published" in first
