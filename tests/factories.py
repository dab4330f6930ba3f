"""Shared factory-boy factories.

Tenant factories save inside `use_org(org)`, exactly like application code must; pass
`org=` to choose the organization (a new one is made otherwise). Related tenant rows default
to the same organization.
"""

import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from clients.models import Client, Grade, Site
from employees.models import Employee
from guards.models import (
    DayWish,
    LeaveRequest,
    ShiftPreferences,
    UnavailableDate,
    UnavailableWindow,
)
from organizations.models import Organization, User
from payroll.models import PaySchedule
from rostracore.tenancy.context import use_org
from scheduling.models import (
    Absence,
    GuardContract,
    LabourRules,
    Post,
    RosterRun,
    Shift,
    ShiftPattern,
    SiteInduction,
)

DEMO_PASSWORD = "correct-horse-battery"


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    company_name = factory.Sequence(lambda n: f"Guarding Company {n}")
    slug = factory.Sequence(lambda n: f"company-{n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"manager{n}@example.com")
    email = factory.SelfAttribute("username")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    org = factory.SubFactory(OrganizationFactory)
    role = User.Role.MANAGER
    is_staff = True
    password = factory.django.Password(DEMO_PASSWORD)


class PlatformUserFactory(UserFactory):
    org = None
    is_superuser = True


class TenantFactory(DjangoModelFactory):
    class Meta:
        abstract = True

    org = factory.SubFactory(OrganizationFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with use_org(kwargs["org"]):
            return super()._create(model_class, *args, **kwargs)


class ClientFactory(TenantFactory):
    class Meta:
        model = Client

    client_name = factory.Sequence(lambda n: f"Client {n}")
    contact_name = factory.Faker("name")
    contact_email = factory.Faker("company_email")


class SiteFactory(TenantFactory):
    class Meta:
        model = Site

    client = factory.SubFactory(ClientFactory, org=factory.SelfAttribute("..org"))
    name = factory.Sequence(lambda n: f"Site {n}")
    address = factory.Faker("address")


class EmployeeFactory(TenantFactory):
    class Meta:
        model = Employee

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    employee_number = factory.Sequence(lambda n: f"E-{n:05d}")
    psira_number = factory.Sequence(lambda n: f"{2_000_000 + n}")
    psira_grade = Grade.C
    phone = factory.Faker("numerify", text="+27 8# ### ####")
    email = factory.Faker("email")
    hire_date = factory.Faker("date_between", start_date="-5y", end_date="today")


class GuardUserFactory(UserFactory):
    """A guard's login, linked to a new guard (Employee) of the same organization:
    `user.employees.get()` inside `use_org(user.org)`; `employee__first_name=...` etc."""

    username = factory.Sequence(lambda n: f"guard{n}@example.com")
    role = User.Role.GUARD
    is_staff = False
    employee = factory.RelatedFactory(
        EmployeeFactory,
        factory_related_name="user",
        org=factory.SelfAttribute("..org"),
        email=factory.SelfAttribute("..username"),
    )


class ShiftFactory(TenantFactory):
    class Meta:
        model = Shift

    site = factory.SubFactory(SiteFactory, org=factory.SelfAttribute("..org"))
    start = factory.LazyFunction(
        lambda: (timezone.now() + dt.timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    )
    end = factory.LazyAttribute(lambda shift: shift.start + dt.timedelta(hours=12))
    employee = None
    # A guard given here is the published one too (what the guard was told), as a published
    # roster leaves it; pass published_employee=None for an unpublished hand edit.
    published_employee = factory.LazyAttribute(lambda shift: shift.employee)


# --- Scheduling (posts, patterns, qualifications, labour rules, roster runs) ---


class PostFactory(TenantFactory):
    class Meta:
        model = Post

    site = factory.SubFactory(SiteFactory, org=factory.SelfAttribute("..org"))
    name = factory.Sequence(lambda n: f"Post {n}")


class GuardContractFactory(TenantFactory):
    class Meta:
        model = GuardContract

    employee = factory.SubFactory(EmployeeFactory, org=factory.SelfAttribute("..org"))


class ShiftPatternFactory(TenantFactory):
    """A day shift 06:00-18:00 every day, one guard."""

    class Meta:
        model = ShiftPattern

    post = factory.SubFactory(PostFactory, org=factory.SelfAttribute("..org"))
    name = factory.Sequence(lambda n: f"Pattern {n}")
    start_time = dt.time(6)
    end_time = dt.time(18)
    weekdays = factory.LazyFunction(lambda: [1, 2, 3, 4, 5, 6, 7])
    guards = 1


class LabourRulesFactory(TenantFactory):
    class Meta:
        model = LabourRules


class SiteInductionFactory(TenantFactory):
    class Meta:
        model = SiteInduction

    employee = factory.SubFactory(EmployeeFactory, org=factory.SelfAttribute("..org"))
    site = factory.SubFactory(SiteFactory, org=factory.SelfAttribute("..org"))
    completed_on = dt.date(2026, 1, 5)


class AbsenceFactory(TenantFactory):
    class Meta:
        model = Absence

    employee = factory.SubFactory(EmployeeFactory, org=factory.SelfAttribute("..org"))
    start = factory.LazyFunction(lambda: timezone.now().replace(minute=0, second=0, microsecond=0))
    end = factory.LazyAttribute(lambda absence: absence.start + dt.timedelta(days=3))


class LeaveRequestFactory(TenantFactory):
    """A pending request for three days from next week (`employee=` a guard of `org`)."""

    class Meta:
        model = LeaveRequest

    employee = factory.SubFactory(EmployeeFactory, org=factory.SelfAttribute("..org"))
    start = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=7))
    end = factory.LazyAttribute(lambda leave: leave.start + dt.timedelta(days=2))
    kind = LeaveRequest.Kind.ANNUAL


class UnavailableWindowFactory(TenantFactory):
    """Tuesdays from 18:00 (`employee=` a guard of `org`)."""

    class Meta:
        model = UnavailableWindow

    employee = factory.SubFactory(EmployeeFactory, org=factory.SelfAttribute("..org"))
    weekday = UnavailableWindow.Weekday.TUESDAY
    start = dt.time(18)
    end = dt.time(0)


class UnavailableDateFactory(TenantFactory):
    """A date two weeks ahead (`employee=` a guard of `org`)."""

    class Meta:
        model = UnavailableDate

    employee = factory.SubFactory(EmployeeFactory, org=factory.SelfAttribute("..org"))
    day = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=14))


class DayWishFactory(TenantFactory):
    """A wish for a day off three weeks ahead (`employee=` a guard of `org`)."""

    class Meta:
        model = DayWish

    employee = factory.SubFactory(EmployeeFactory, org=factory.SelfAttribute("..org"))
    day = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=21))
    wish = DayWish.Wish.OFF


class ShiftPreferencesFactory(TenantFactory):
    class Meta:
        model = ShiftPreferences

    employee = factory.SubFactory(EmployeeFactory, org=factory.SelfAttribute("..org"))
    time_of_day = ShiftPreferences.TimeOfDay.DAYS
    weekends_off = True


class RosterRunFactory(TenantFactory):
    class Meta:
        model = RosterRun

    start_date = dt.date(2027, 3, 1)
    end_date = dt.date(2027, 3, 8)
    time_limit = 5


# --- Payroll ---


class PayScheduleFactory(TenantFactory):
    """Monthly periods from the 1st, South African holidays, paid from the roster."""

    class Meta:
        model = PaySchedule

    frequency = PaySchedule.Frequency.MONTHLY
    first_period_start = dt.date(2026, 1, 1)
