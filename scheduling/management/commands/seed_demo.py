"""Demo data for a first look: two guarding companies that must never see each other.

    manage.py seed_demo

Creates (once; rerunning changes nothing) two organizations, each with a manager login,
three clients with two sites each, dedicated and flex guards, and the coming week of day
and night shifts, some filled and some open. Also a platform-staff login. Prints the URL
and the logins. The demo password is for local demos only.
"""

import datetime as dt
import random
import zoneinfo

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from clients.models import Client, Site
from employees.models import Employee
from employees.seeding import create_guards
from organizations.models import Organization, User
from rostracore.tenancy.context import use_org
from scheduling.models import Shift

DEMO_PASSWORD = "rostracore-demo"
PLATFORM_USERNAME = "platform@rostracore.example"
DEMO_ORGS = [
    {
        "slug": "acme",
        "company_name": "Acme Protection Services",
        "clients": {
            "City of Tshwane": ["Civic Centre", "Church Square Depot"],
            "Menlyn Retail Park": ["North Entrance", "Loading Bay"],
            "Sandton Office Towers": ["Tower A Lobby", "Parking Basement"],
        },
    },
    {
        "slug": "bastion",
        "company_name": "Bastion Guarding",
        "clients": {
            "Stellenbosch Municipality": ["Town Hall", "Water Works"],
            "Waterfront Estates": ["Main Gate", "Marina Patrol"],
            "Cape Winelands Logistics": ["Warehouse 3", "Truck Yard"],
        },
    },
]
# (first hour, length in hours) of the two shifts every site needs each day.
SHIFT_TIMES = [(6, 12), (18, 12)]
MAX_SHIFTS_PER_GUARD_PER_WEEK = 4  # 48 ordinary hours
MIN_REST = dt.timedelta(hours=12)


class Command(BaseCommand):
    help = "Load two demo organizations with managers, clients, sites, guards and a week of shifts."

    def handle(self, *args, **options):
        rng = random.Random(2026)
        with transaction.atomic():
            created = [spec["slug"] for spec in DEMO_ORGS if self._seed_org(spec, rng)]
            self._platform_user()

        host = "http://127.0.0.1:8000"
        self.stdout.write(f"\nRostraCore is at {host}/  (admin: {host}/admin/)")
        for spec in DEMO_ORGS:
            self.stdout.write(
                f"  {spec['company_name']:<26} manager login: manager@{spec['slug']}.example"
                f"  password: {DEMO_PASSWORD}"
            )
        self.stdout.write(
            f"  {'Platform staff':<26} login: {PLATFORM_USERNAME}  password: {DEMO_PASSWORD}"
        )
        made = ", ".join(created) if created else "nothing new (demo data already there)"
        self.stdout.write(self.style.SUCCESS(f"Demo data: created {made}."))

    def _seed_org(self, spec: dict, rng: random.Random) -> bool:
        org, created = Organization.objects.get_or_create(
            slug=spec["slug"], defaults={"company_name": spec["company_name"]}
        )
        if not created:
            return False
        manager = User(
            username=f"manager@{spec['slug']}.example",
            email=f"manager@{spec['slug']}.example",
            first_name="Demo",
            last_name="Manager",
            org=org,
            role=User.Role.MANAGER,
            is_staff=True,
        )
        manager.set_password(DEMO_PASSWORD)
        manager.save()
        with use_org(org):
            clients = []
            for client_name, site_names in spec["clients"].items():
                client = Client.objects.create(
                    client_name=client_name, contact_name="Operations desk"
                )
                Site.objects.bulk_create(
                    Site(client=client, name=name, address=f"{name}, {client_name}")
                    for name in site_names
                )
                clients.append(client)
            for client, dedicated in zip(clients, (3, 3, 2), strict=True):
                create_guards(count=dedicated, assigned=dedicated, client=client, rng=rng)
            create_guards(count=6, assigned=0, client=None, rng=rng)
            self._week_of_shifts(org)
        return True

    def _week_of_shifts(self, org: Organization) -> None:
        tz = zoneinfo.ZoneInfo(org.timezone)
        today = timezone.now().astimezone(tz).date()
        sites = list(Site.objects.select_related("client"))
        guards = list(Employee.objects.order_by("id"))
        last_end: dict[int, dt.datetime] = {}
        worked: dict[int, int] = {}
        shifts = []
        for day in range(7):
            date = today + dt.timedelta(days=day)
            for hour, hours in SHIFT_TIMES:
                start = dt.datetime.combine(date, dt.time(hour), tzinfo=tz)
                end = start + dt.timedelta(hours=hours)
                for site in sites:
                    # Dedicated guards of the site's client first, then the flex pool.
                    candidates = sorted(
                        guards,
                        key=lambda g, site=site: (
                            g.assigned_client_id != site.client_id,
                            g.assigned_client_id is not None,
                            worked.get(g.pk, 0),
                        ),
                    )
                    guard = next(
                        (
                            g
                            for g in candidates
                            if worked.get(g.pk, 0) < MAX_SHIFTS_PER_GUARD_PER_WEEK
                            and last_end.get(g.pk, start - MIN_REST) + MIN_REST <= start
                        ),
                        None,
                    )
                    if guard is not None:
                        last_end[guard.pk] = end
                        worked[guard.pk] = worked.get(guard.pk, 0) + 1
                    shifts.append(Shift(site=site, start=start, end=end, employee=guard))
        Shift.objects.bulk_create(shifts)

    def _platform_user(self) -> None:
        if User.objects.filter(username=PLATFORM_USERNAME).exists():
            return
        User.objects.create_superuser(
            username=PLATFORM_USERNAME, email=PLATFORM_USERNAME, password=DEMO_PASSWORD
        )
