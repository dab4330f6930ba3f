"""Shared factory-boy factories.

Tenant factories save inside `use_org(org)`, exactly like application code must; pass
`org=` to choose the organization (a new one is made otherwise). Related tenant rows default
to the same organization.
"""

import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from clients.models import Client, Site
from employees.models import Employee
from organizations.models import Organization, User
from rostracore.tenancy.context import use_org
from scheduling.models import Shift

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
    psira_grade = Employee.Grade.C
    phone = factory.Faker("numerify", text="+27 8# ### ####")
    email = factory.Faker("email")
    hire_date = factory.Faker("date_between", start_date="-5y", end_date="today")


class ShiftFactory(TenantFactory):
    class Meta:
        model = Shift

    site = factory.SubFactory(SiteFactory, org=factory.SelfAttribute("..org"))
    start = factory.LazyFunction(
        lambda: (timezone.now() + dt.timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    )
    end = factory.LazyAttribute(lambda shift: shift.start + dt.timedelta(hours=12))
