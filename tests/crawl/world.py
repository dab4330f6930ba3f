"""The canary world for the URL crawl (tests/crawl) and the form fuzzing (tests/forms).

Two organizations with at least one row in every tenant table each. Every row of org B that
has a text field carries the canary "CANARYB" (names, addresses, notes, phases, reasons, the
company name, users, a group, admin log entries, login attempts, a queued task), so a page
shown to org A's manager must never contain it. `snapshot_of_b()` reads every tenant table's
B rows (plus B's users and organization row) through `Model.all_orgs`, to prove that nothing
org A's manager sent changed any of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.sql import Query
from django.test import Client as HttpClient
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from attendance.models import Attendance, AttendanceEvent
from billing.models import ChargeRate
from employees.models import Employee
from guards.models import ShiftRequest
from organizations.models import Organization, User
from payroll.models import PayLine, PayPeriod, PaySchedule
from rostracore.tenancy.context import all_organizations, use_org
from rostracore.tenancy.models import TenantModel
from scheduling.models import RosterAssignment, RosterRun, ShiftChange
from tests.conftest import owner_connection, truncate_as_owner
from tests.factories import (
    AbsenceFactory,
    ClientFactory,
    DayWishFactory,
    EmployeeFactory,
    GuardContractFactory,
    LabourRulesFactory,
    LeaveRequestFactory,
    OrganizationFactory,
    PostFactory,
    RosterRunFactory,
    ShiftFactory,
    ShiftPatternFactory,
    ShiftPreferencesFactory,
    SiteFactory,
    SiteInductionFactory,
    UnavailableDateFactory,
    UnavailableWindowFactory,
    UserFactory,
)

CANARY = "CANARYB"
# An id no row has: every table's sequence stays far below it in a test.
MISSING_ID = 10**9


def tenant_models() -> list[type[models.Model]]:
    """Every concrete tenant model, derived from the app registry (new ones join by
    themselves)."""
    return sorted(
        (m for m in apps.get_models() if issubclass(m, TenantModel) and not m._meta.proxy),
        key=lambda m: m._meta.label,
    )


@dataclass
class World:
    org_a: Organization
    org_b: Organization
    manager_a: User
    manager_b: User
    # Non-tenant rows, model -> (org B's or the canary's row, org A's row or None).
    others: dict[type[models.Model], tuple[Any, Any]] = field(default_factory=dict)
    # The guard persona (guards' logins): org A's dedicated guard, whose rows are A's first
    # of each guards' model (`a()`); org A's flex guard, the other guard whose rows guard A
    # must not reach; org B's dedicated guard.
    guard_a: User | None = None
    guard_a2: User | None = None
    guard_b: User | None = None

    def of_other_guard(self, model: type[models.Model]) -> Any:
        """Org A's other guard's (the flex guard's) row of a guards' model."""
        with all_organizations():
            employee = Employee.all_orgs.get(org=self.org_a, user=self.guard_a2)
            return model.all_orgs.filter(org=self.org_a, employee=employee).order_by("pk").first()

    def b(self, model: type[models.Model]) -> Any:
        """Org B's canary row of `model` (the first one, by id)."""
        if issubclass(model, TenantModel):
            with all_organizations():
                row = model.all_orgs.filter(org=self.org_b).order_by("pk").first()
        else:
            row = self.others.get(model, (None, None))[0]
        if row is None:
            raise LookupError(
                f"The crawl world has no org-B row of {model._meta.label}: add one in "
                "tests/crawl/conftest.py (`world` fixture, or `others` for a non-tenant model)."
            )
        return row

    def a(self, model: type[models.Model]) -> Any | None:
        """Org A's own row of `model`, or None (platform-only models)."""
        if issubclass(model, TenantModel):
            with all_organizations():
                return model.all_orgs.filter(org=self.org_a).order_by("pk").first()
        return self.others.get(model, (None, None))[1]


def _guard_login(org: Organization, username: str, tag: str) -> User:
    return UserFactory(
        org=org,
        username=username,
        first_name=tag,
        last_name=f"{tag}Guard",
        role=User.Role.GUARD,
        is_staff=False,
    )


def _availability(org: Organization, employee: Employee, tag: str, weekday: int) -> None:
    """A weekly window, a date and preferences of `employee` (the guards' models)."""
    UnavailableWindowFactory(org=org, employee=employee, weekday=weekday)
    UnavailableDateFactory(org=org, employee=employee, note=f"{tag} date off")
    ShiftPreferencesFactory(org=org, employee=employee)
    DayWishFactory(org=org, employee=employee)


def _populate(org: Organization, tag: str, manager: User) -> tuple[User, User]:
    """One of everything in `org`; every text field says `tag`. Returns the logins of its
    dedicated and its flex guard."""
    email = f"{tag.lower()}@{org.slug}.example"
    guard_login = _guard_login(org, f"{tag.lower()}-guard@{org.slug}.example", tag)
    flex_login = _guard_login(org, f"{tag.lower()}-flex@{org.slug}.example", tag)
    client = ClientFactory(
        org=org,
        client_name=f"{tag} Client",
        contact_name=f"{tag} Contact",
        contact_phone=f"{tag} 555",
        contact_email=email,
    )
    ClientFactory(org=org, client_name=f"{tag} Former Client", is_active=False)
    site = SiteFactory(org=org, client=client, name=f"{tag} Site", address=f"1 {tag} Road")
    dedicated = EmployeeFactory(
        org=org,
        first_name=f"{tag}Ded",
        last_name=f"{tag}Guard",
        employee_number=f"{tag}-1",
        phone=f"{tag} 082",
        email=email,
        assigned_client=client,
        user=guard_login,
    )
    flex = EmployeeFactory(
        org=org,
        first_name=f"{tag}Flex",
        last_name=f"{tag}Guard",
        employee_number=f"{tag}-2",
        email=email,
        user=flex_login,
    )
    post = PostFactory(org=org, site=site, name=f"{tag} Gate")
    pattern = ShiftPatternFactory(org=org, post=post, name=f"{tag} Day")
    LabourRulesFactory(org=org)
    SiteInductionFactory(org=org, employee=dedicated, site=site)
    GuardContractFactory(org=org, employee=dedicated, max_hours=160)
    AbsenceFactory(
        org=org,
        employee=flex,
        note=f"{tag} leave",
        start=timezone.now() + dt.timedelta(days=20),
        end=timezone.now() + dt.timedelta(days=22),
    )
    LeaveRequestFactory(org=org, employee=dedicated, note=f"{tag} leave request")
    _availability(org, dedicated, tag, weekday=1)
    # The flex guard's rows come second: `World.a()` is the dedicated guard's (guard A's).
    LeaveRequestFactory(
        org=org,
        employee=flex,
        note=f"{tag} flex leave request",
        start=timezone.localdate() + dt.timedelta(days=30),
        end=timezone.localdate() + dt.timedelta(days=31),
    )
    _availability(org, flex, tag, weekday=3)
    soon = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=2)
    assigned = ShiftFactory(org=org, site=site, employee=dedicated, start=soon)
    open_shift = ShiftFactory(
        org=org, site=site, post=post, pattern=pattern, start=soon + dt.timedelta(days=1)
    )
    run = RosterRunFactory(
        org=org,
        start_date=timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday()),
        end_date=timezone.localdate() + dt.timedelta(days=14),
        status=RosterRun.Status.DONE,
        phase=f"{tag} phase",
        message=f"{tag} message",
        created_by=manager,
        total_shifts=2,
        filled_shifts=1,
        open_shifts=1,
    )
    with use_org(org):
        # Billing: the client's rate and one narrowed to its site's post (no text of their
        # own: the client's and site's names on the invoice carry the canary).
        ChargeRate.objects.create(client=client, hourly_rate=Decimal("100.00"))
        ChargeRate.objects.create(client=client, site=site, post=post, hourly_rate=Decimal("120"))
        RosterAssignment.objects.create(
            run=run, shift=assigned, employee=flex, open_reason=f"{tag} kept"
        )
        RosterAssignment.objects.create(run=run, shift=open_shift, open_reason=f"{tag} reason")
        ShiftChange.objects.create(
            shift=assigned, employee=dedicated, published_at=timezone.now(), published_by=manager
        )
        ShiftRequest.objects.create(
            kind=ShiftRequest.Kind.SWAP,
            shift=assigned,
            employee=dedicated,
            taker=flex,
            status=ShiftRequest.Status.ACCEPTED,
            decline_reason=f"{tag} swap",
        )
        # A correction of the dedicated guard's attendance (the manager's record, with a
        # reason): the attendance models' rows.
        attendance = Attendance.objects.create(
            shift=assigned,
            employee=dedicated,
            clock_in_at=soon - dt.timedelta(minutes=30),
            clock_in_source=Attendance.Source.MANAGER,
        )
        AttendanceEvent.objects.create(
            attendance=attendance,
            shift=assigned,
            employee=dedicated,
            kind=AttendanceEvent.Kind.CORRECTION,
            source=AttendanceEvent.Source.MANAGER,
            at=timezone.now(),
            clock_in_at=attendance.clock_in_at,
            reason=f"{tag} correction",
            user=manager,
        )
        ShiftRequest.objects.create(
            kind=ShiftRequest.Kind.PICKUP,
            shift=open_shift,
            employee=flex,
            decline_reason=f"{tag} pick-up",
        )
        _payroll(org, tag, manager, dedicated)
    return guard_login, flex_login


# Org A pays monthly from the 1st; org B weekly from Wednesdays, so B's closed period starts
# on a date that starts none of A's (tests/crawl/registry.py, "payroll:period").
PAY_PERIODS = {
    "A": (dt.date(2029, 12, 1), dt.date(2030, 1, 1)),
    CANARY: (dt.date(2029, 12, 5), dt.date(2029, 12, 12)),
}


def _payroll(org: Organization, tag: str, manager: User, guard: Employee) -> None:
    """A pay schedule and a closed period with a line (the name snapshot carries the tag)."""
    start, end = PAY_PERIODS[CANARY if tag == CANARY else "A"]
    weekly = tag == CANARY
    PaySchedule.objects.create(
        frequency=PaySchedule.Frequency.WEEKLY if weekly else PaySchedule.Frequency.MONTHLY,
        first_period_start=start,
        week_starts_on=2 if weekly else 0,
    )
    period = PayPeriod.objects.create(
        start_date=start,
        end_date=end,
        pay_source=PaySchedule.Source.ROSTER,
        closed_at=timezone.now(),
        closed_by=manager,
    )
    PayLine.objects.create(
        period=period,
        employee=guard,
        employee_number=guard.employee_number,
        employee_name=f"{guard.first_name} {guard.last_name}",
        category="ORD",
        rostered_minutes=480,
        attended_minutes=470,
    )


class Layer:
    """Which isolation layer a crawl run proves. Each run holds the other layer off, so the
    one left must keep organization B out on its own (TENANCY.md 22)."""

    BOTH = "both layers"
    RLS_ONLY = "row-level security alone"  # the ORM's organization filter switched off
    ORM_ONLY = "ORM filter alone"  # row-level security switched off


@contextmanager
def orm_filter_off() -> Iterator[None]:
    """Switch the ORM's organization filter off in this test process only, by patching the
    tenancy core's query classes (never a setting production could have on). The scoped
    managers still need an organization; they just don't add it to the SQL."""
    from rostracore.tenancy import models as tenancy

    def unfiltered(self, using=None, connection=None, elide_empty=True):
        plain = self.clone()
        plain.__class__ = Query
        if isinstance(self, tenancy.TenantQuery):
            tenancy.require_org()
        return plain.get_compiler(using, connection, elide_empty)

    saved = (
        tenancy.TenantQuery.get_compiler,
        tenancy.TenantBaseQuery.get_compiler,
        tenancy.TenantQuerySet._scoped_for_write,
        tenancy.TenantBaseQuerySet._scoped,
    )
    tenancy.TenantQuery.get_compiler = unfiltered
    tenancy.TenantBaseQuery.get_compiler = unfiltered
    tenancy.TenantQuerySet._scoped_for_write = lambda self: self._chain()
    tenancy.TenantBaseQuerySet._scoped = lambda self: self
    try:
        yield
    finally:
        (
            tenancy.TenantQuery.get_compiler,
            tenancy.TenantBaseQuery.get_compiler,
            tenancy.TenantQuerySet._scoped_for_write,
            tenancy.TenantBaseQuerySet._scoped,
        ) = saved


def _rls_tables() -> list[str]:
    with owner_connection().cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relrowsecurity AND relkind = 'r' "
            "AND relnamespace = 'public'::regnamespace ORDER BY relname"
        )
        return [row[0] for row in cursor.fetchall()]


@contextmanager
def row_level_security_off() -> Iterator[None]:
    """Disable row-level security on every table that has it (as the owner, committed), and
    enable it again afterwards. The test database only."""
    tables = _rls_tables()
    assert tables, "no table has row-level security to switch off"
    with owner_connection().cursor() as cursor:
        for table in tables:
            cursor.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
            cursor.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
    try:
        yield
    finally:
        with owner_connection().cursor() as cursor:
            for table in tables:
                cursor.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
                cursor.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')


@contextmanager
def layer_alone(layer: str) -> Iterator[None]:
    if layer == Layer.RLS_ONLY:
        with orm_filter_off():
            yield
    elif layer == Layer.ORM_ONLY:
        with row_level_security_off():
            yield
    else:
        yield


class LiveWorld:
    """The world, committed to the database, as production holds its data: the tests of a
    module run against it with no outer transaction, and each request commits or rolls back
    on its own (ATOMIC_REQUESTS). Built once per module; rebuilt only after a test changed a
    row (org A's plausible POSTs may), so every test starts from the same world."""

    def __init__(self) -> None:
        self.world: World | None = None
        self.fingerprint: dict | None = None
        self.builds = 0

    def fresh(self) -> World:
        if self.world is None or self._fingerprint() != self.fingerprint:
            truncate_as_owner()
            self.world = build_world()
            self.fingerprint = self._fingerprint()
            self.builds += 1
        return self.world

    def _fingerprint(self) -> dict:
        return {"a": snapshot_of(self.world.org_a), "b": snapshot_of(self.world.org_b)}


@pytest.fixture(scope="module")
def _module_world(django_db_setup, django_db_blocker) -> Iterator[LiveWorld]:
    with django_db_blocker.unblock():
        live = LiveWorld()
        try:
            yield live
        finally:
            truncate_as_owner()


@pytest.fixture
def world(_module_world) -> World:
    """Org A's manager's requests run with no organization and no platform mode around them:
    the middleware sets the scope, as in production."""
    return _module_world.fresh()


def build_world() -> World:
    manager_group = Group.objects.get(name="Manager")
    org_a = OrganizationFactory(company_name="Alpha Guarding", slug="alpha")
    org_b = OrganizationFactory(company_name=f"{CANARY} Bravo", slug="bravo")
    manager_a = UserFactory(org=org_a, username="alice@alpha.example")
    manager_a.groups.add(manager_group)
    manager_b = UserFactory(
        org=org_b,
        username=f"{CANARY.lower()}-boss@bravo.example",
        first_name=CANARY,
        last_name=f"{CANARY}Manager",
    )
    manager_b.groups.add(manager_group)
    colleague_b = UserFactory(
        org=org_b, username=f"{CANARY.lower()}@bravo.example", first_name=CANARY
    )
    guard_a, guard_a2 = _populate(org_a, "Alpha", manager_a)
    guard_b, _ = _populate(org_b, CANARY, manager_b)

    with use_org(org_b):  # as org B's manager's admin would write it
        b_guard = Employee.objects.order_by("pk").first()
        log_entry = LogEntry.objects.create(
            user=manager_b,
            content_type=ContentType.objects.get_for_model(Employee),
            object_id=str(b_guard.pk),
            object_repr=f"{CANARY} guard",
            action_flag=CHANGE,
            change_message=f"{CANARY} changed",
        )
    group = Group.objects.create(name=f"{CANARY} group")
    access = {"user_agent": CANARY, "ip_address": "10.0.0.2", "username": colleague_b.username}
    attempt = AccessAttempt.objects.create(
        **access,
        http_accept=CANARY,
        path_info="/accounts/login/",
        get_data=CANARY,
        post_data=CANARY,
        failures_since_start=1,
    )
    access_log = AccessLog.objects.create(**access, http_accept=CANARY, path_info=CANARY)
    failure_log = AccessFailureLog.objects.create(**access, http_accept=CANARY, path_info=CANARY)
    task = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {"org_id": org_b.pk, "note": CANARY}},
        task_path="scheduling.tasks.generate_roster",
        backend_name="default",
        queue_name="default",
        run_after=timezone.now() + dt.timedelta(days=365),
        exception_class_path="",
        traceback=CANARY,
    )
    others = {
        Organization: (org_b, None),  # platform staff only: no own row to control with
        User: (colleague_b, manager_a),
        Group: (group, None),
        AccessAttempt: (attempt, None),
        AccessLog: (access_log, None),
        AccessFailureLog: (failure_log, None),
        DBTaskResult: (task, None),
        LogEntry: (log_entry, None),
    }
    return World(
        org_a=org_a,
        org_b=org_b,
        manager_a=manager_a,
        manager_b=manager_b,
        others=others,
        guard_a=guard_a,
        guard_a2=guard_a2,
        guard_b=guard_b,
    )


@pytest.fixture
def http_a(world) -> HttpClient:
    """A test client logged in as org A's manager (CSRF checks off, as Django's test Client
    does by default: the crawl tests scoping, not CSRF)."""
    http = HttpClient()
    http.force_login(world.manager_a)
    return http


@pytest.fixture
def http_guard(world) -> HttpClient:
    """A test client logged in as org A's dedicated guard (the guard persona)."""
    http = HttpClient()
    http.force_login(world.guard_a)
    return http


def _rows(queryset) -> list[dict]:
    return sorted(queryset.values(), key=lambda row: str(row["id"]))


def snapshot_of(org: Organization) -> dict[str, list[dict]]:
    """Every stored row of `org`: each tenant table (through `all_orgs`), its users and its
    organization row. Reads in platform mode, whatever the caller's scope."""
    with all_organizations():
        rows = {m._meta.label: _rows(m.all_orgs.filter(org=org)) for m in tenant_models()}
        rows["users"] = _rows(User.objects.filter(org=org))
        rows["organization"] = _rows(Organization.objects.filter(pk=org.pk))
    assert rows["organization"], f"{org} is not in the database: the snapshot would be empty"
    return rows


def snapshot_of_b(world: World) -> dict[str, list[dict]]:
    return snapshot_of(world.org_b)


def contains_canary(text: str) -> bool:
    return CANARY.lower() in text.lower()
