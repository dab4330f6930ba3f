import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from attendance.models import Attendance, AttendanceEvent
from billing.models import ChargeRate
from organizations.models import Organization
from payroll.models import PayLine, PayPeriod, PaySchedule
from rostracore.tenancy.context import use_org
from scheduling.models import RosterAssignment, RosterRun
from tests.factories import (
    AbsenceFactory,
    GuardContractFactory,
    LabourRulesFactory,
    PostFactory,
    RosterRunFactory,
    ShiftFactory,
    ShiftPatternFactory,
    SiteInductionFactory,
    UserFactory,
)

CANARY = "CANARYB"


@pytest.fixture
def manager_group(db):
    """The group created by organizations/migrations/0002_manager_group.py."""
    return Group.objects.get(name="Manager")


@pytest.fixture
def client_a(client, manager_a, manager_group):
    """A test client logged in as org A's manager (a member of the Manager group)."""
    manager_a.groups.add(manager_group)
    client.force_login(manager_a)
    return client


@pytest.fixture
def platform_client(client, platform_user):
    client.force_login(platform_user)
    return client


@pytest.fixture
def world(two_orgs, manager_a, manager_b, manager_group):
    """two_orgs plus shifts, users and a group; everything of org B carries the canary."""
    org_b = two_orgs["bravo"]["org"]
    Organization.objects.filter(pk=org_b.pk).update(company_name=f"{CANARY} Bravo")
    org_b.refresh_from_db()
    manager_b.first_name = CANARY
    manager_b.last_name = f"{CANARY}Manager"
    manager_b.save()
    canary_colleague = UserFactory(
        org=org_b, username=f"{CANARY.lower()}@bravo.example", first_name=CANARY
    )
    soon = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=2)
    for slug in ("alpha", "bravo"):
        data = two_orgs[slug]
        data["shift"] = ShiftFactory(
            org=data["org"], site=data["site"], employee=data["dedicated"], start=soon
        )
        data["open_shift"] = ShiftFactory(
            org=data["org"], site=data["site"], start=soon + dt.timedelta(days=1)
        )
    two_orgs["alpha"]["user"] = manager_a
    two_orgs["bravo"]["user"] = canary_colleague
    two_orgs["bravo"]["group"] = Group.objects.create(name=f"{CANARY} group")
    return two_orgs


@pytest.fixture
def scheduling_world(two_orgs, manager_a, manager_b):
    """Adds to two_orgs (the dict `world` returns) one of each scheduling row per
    organization: a post with a pattern, labour rules, an induction, an absence, and a
    roster run with an open draft assignment. Org B's text fields carry the canary."""
    for slug, tag, manager in (("alpha", "Alpha", manager_a), ("bravo", CANARY, manager_b)):
        data = two_orgs[slug]
        org = data["org"]
        data["post"] = PostFactory(org=org, site=data["site"], name=f"{tag} Gate")
        data["pattern"] = ShiftPatternFactory(org=org, post=data["post"], name=f"{tag} Day")
        data["rules"] = LabourRulesFactory(org=org)
        data["induction"] = SiteInductionFactory(
            org=org, employee=data["dedicated"], site=data["site"]
        )
        data["absence"] = AbsenceFactory(org=org, employee=data["flex"], note=f"{tag} leave")
        data["contract"] = GuardContractFactory(org=org, employee=data["dedicated"], max_hours=99)
        data["run"] = RosterRunFactory(
            org=org,
            status=RosterRun.Status.DONE,
            phase=f"{tag} phase",
            message=f"{tag} message",
            created_by=manager,
            total_shifts=1,
            open_shifts=1,
            objective=1000.0,
            best_bound=900.0,
        )
        # Next year: outside the dashboard's week counts.
        shift = ShiftFactory(
            org=org,
            site=data["site"],
            post=data["post"],
            pattern=data["pattern"],
            start=timezone.now().replace(minute=0, second=0, microsecond=0)
            + dt.timedelta(days=400),
        )
        with use_org(org):
            data["assignment"] = RosterAssignment.objects.create(
                run=data["run"], shift=shift, open_reason=f"{tag} reason"
            )
            # A manager's correction of the dedicated guard's attendance (read-only admins).
            worked = ShiftFactory(
                org=org,
                site=data["site"],
                employee=data["dedicated"],
                start=timezone.now().replace(minute=0, second=0, microsecond=0)
                + dt.timedelta(days=401),
            )
            data["attendance"] = Attendance.objects.create(
                shift=worked,
                employee=data["dedicated"],
                clock_in_at=worked.start,
                clock_in_source=Attendance.Source.MANAGER,
            )
            data["attendance_event"] = AttendanceEvent.objects.create(
                attendance=data["attendance"],
                shift=worked,
                employee=data["dedicated"],
                kind=AttendanceEvent.Kind.CORRECTION,
                source=AttendanceEvent.Source.MANAGER,
                at=timezone.now(),
                reason=f"{tag} correction",
                user=manager,
            )
            # A charge rate narrowed to the post (its changelist shows the client's, site's
            # and post's names, which carry the canary).
            data["charge_rate"] = ChargeRate.objects.create(
                client=data["client"],
                site=data["site"],
                post=data["post"],
                hourly_rate=Decimal("120.00"),
            )
            # Payroll: the pay schedule (editable), a closed period and its line (read only);
            # the line's name snapshot carries the canary.
            data["pay_schedule"] = PaySchedule.objects.create(
                first_period_start=dt.date(2029, 12, 1)
            )
            data["pay_period"] = PayPeriod.objects.create(
                start_date=dt.date(2029, 12, 1),
                end_date=dt.date(2030, 1, 1),
                pay_source=PaySchedule.Source.ROSTER,
                closed_at=timezone.now(),
                closed_by=manager,
            )
            data["pay_line"] = PayLine.objects.create(
                period=data["pay_period"],
                employee=data["dedicated"],
                employee_number=data["dedicated"].employee_number,
                employee_name=f"{tag} Paid Guard",
                category="ORD",
                rostered_minutes=480,
                attended_minutes=470,
            )
    return two_orgs
