"""Demo data for a first look: two guarding companies that must never see each other.

    manage.py seed_demo
    manage.py seed_demo --orgs 100 --guards 1000 --weeks 4     # data at scale

Without options: creates (once; rerunning changes nothing) the two guarding companies of
`operations/demo.py`, each with a manager login and two guard logins, three clients, sites
with posts and shift patterns (24/7, weekday, armed, induction), dedicated and flex guards
with their grades, licences, inductions and leave; then rosters and publishes the current
week through the scheduling services (SEED_TIME_LIMIT seconds of optimizer per company).
Also a platform-staff login. Prints the URL (PORT from the environment, as `make run` passes
it), the logins and the command that generates the first 4-week roster. The demo password is
for local demos only: every login this command makes has it (the platform-staff login sees
every organization), so it refuses to run unless DEBUG is on (DJANGO_DEBUG=true, as `make run`
sets), and writes nothing.

With --orgs: that many organizations `scale-001`, `scale-002`, ... (existing ones are left
as they are, so a rerun adds only what is missing), each with a manager
`manager@scale-001.example`, `--guards` guards, one client per 50 guards with 5 sites each,
and `--weeks` weeks of day and night shifts at every staffed site (two teams of two guards
per site; every tenth shift open; published, as a real roster is). COPY, one transaction per
organization inside
`use_org(org)` on the operations connection (`operations_alias()`, the owner role when
defined: PostgreSQL refuses COPY FROM on tables under row-level security); every org_id comes
from `use_org` and every reference from rows made in that same transaction
(tests/operations/test_seed_scale.py checks it in SQL); `--jobs` organizations are seeded
side by side (threads, one connection each). Every manager, in both modes, is made by
`organizations.services.create_manager`. The benchmarks in bench/ use this data. Prints what
it made and how long it took.
"""

import datetime as dt
import os
import random
import re
import threading
import time
import zoneinfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connections, transaction
from django.utils import timezone

from clients.models import Client, Site
from employees.models import Employee, new_calendar_secret
from operations.demo import DEMO_COMPANIES, SEED_TIME_LIMIT, DemoCompany, next_monday, seed_company
from operations.seeding import FIRST_NAMES, GRADE_WEIGHTS, LAST_NAMES
from organizations import services
from organizations.models import Organization, User
from rostracore.tenancy.context import require_org, use_org
from rostracore.tenancy.db import operations_alias
from scheduling.models import Shift

DEMO_PASSWORD = "rostracore-demo"
PLATFORM_USERNAME = "platform@rostracore.example"
# Guards of each demo organization with a login of their own (guard1@acme.example, ...).
GUARD_LOGINS = 2


# The scale path (--orgs).
# (first hour, length in hours) of the two shifts every staffed site needs each day.
SHIFT_TIMES = [(6, 12), (18, 12)]
SCALE_PREFIX = "scale"
GUARDS_PER_CLIENT = 50
SITES_PER_CLIENT = 5
# Each site has a day and a night post; each post is worked by a team of two guards on
# alternate days (12-hour shifts, 36 hours' rest between them), so no guard is ever
# double-booked. Shifts where (site + day + post) % 10 == 0 stay open for the roster to fill.
OPEN_EVERY = 10
ORG_NAMES = ["Ubuntu", "Sentinel", "Impala", "Shield", "Baobab", "Protea", "Aegis", "Kudu"]
ORG_KINDS = ["Guarding", "Security Services", "Protection", "Patrols"]


class Command(BaseCommand):
    help = (
        "Load two demo guarding companies (managers, clients, sites with posts and shift "
        "patterns, guards, leave, a published week), or with --orgs, many large ones fast."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--orgs",
            type=int,
            help="Build data at scale: this many organizations (scale-001, ...) instead of "
            "the two-organization demo.",
        )
        parser.add_argument(
            "--guards", type=int, default=1000, help="Guards per organization (default 1000)."
        )
        parser.add_argument(
            "--weeks", type=int, default=4, help="Weeks of shifts from today (default 4)."
        )
        parser.add_argument(
            "--prefix",
            default=SCALE_PREFIX,
            help="Slug prefix of the organizations made with --orgs (default 'scale': "
            "scale-001, ...). Another prefix makes another set, e.g. of another size.",
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=2,
            help="Organizations seeded side by side, one database connection each (default 2).",
        )

    def handle(
        self, *args, orgs=None, guards=1000, weeks=4, prefix=SCALE_PREFIX, jobs=2, **options
    ):
        if not settings.DEBUG:
            raise CommandError(
                f"seed_demo makes logins with the published demo password ({DEMO_PASSWORD}), "
                "a platform-staff login among them, so it runs only in development: set "
                "DJANGO_DEBUG=true."
            )
        if orgs is not None:
            if orgs < 1 or guards < 1 or weeks < 0:
                raise CommandError("--orgs and --guards must be at least 1, --weeks at least 0.")
            if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", prefix) or len(prefix) > 50:
                raise CommandError("--prefix must be lower-case letters, digits and dashes.")
            if jobs < 1:
                raise CommandError("--jobs must be at least 1.")
            self._seed_scale(orgs=orgs, guards=guards, weeks=weeks, prefix=prefix, jobs=jobs)
            return
        started = time.perf_counter()
        first_monday = next_monday(timezone.localdate())
        rng = random.Random(2026)
        # One PBKDF2 hash for every demo login: hashing is deliberately slow (0.3 s or more
        # each), and every login has the same published password anyway.
        password_hash = make_password(DEMO_PASSWORD)
        with transaction.atomic():
            created = [
                spec.slug
                for spec in DEMO_COMPANIES
                if self._seed_org(
                    spec, first_monday=first_monday, password_hash=password_hash, rng=rng
                )
            ]
            self._platform_user(password_hash)

        host = f"http://127.0.0.1:{os.environ.get('PORT') or '8000'}"
        self.stdout.write(f"\nRostraCore is at {host}/  (admin: {host}/admin/)")
        for spec in DEMO_COMPANIES:
            self.stdout.write(
                f"  {spec.company_name:<26} manager login: manager@{spec.slug}.example"
                f"  password: {DEMO_PASSWORD}"
            )
            guards = ", ".join(f"guard{n}@{spec.slug}.example" for n in range(1, GUARD_LOGINS + 1))
            self.stdout.write(f"  {'':<26} guard logins: {guards}  password: {DEMO_PASSWORD}")
        self.stdout.write(
            f"  {'Platform staff':<26} login: {PLATFORM_USERNAME}  password: {DEMO_PASSWORD}"
        )
        end = first_monday + dt.timedelta(weeks=4)
        self.stdout.write(
            f"\nThis week is rostered and published. Generate the first 4-week roster, from "
            f"next Monday {first_monday:%a %d %b} to {end - dt.timedelta(days=1):%a %d %b %Y}:\n"
            f"  DJANGO_DEBUG=true .venv/bin/python manage.py generate_roster --org acme "
            f"--start {first_monday} --end {end}\n"
            "or open Rosters > Generate roster (as manager@acme.example; the background "
            "worker `make run` starts solves it)."
        )
        made = ", ".join(created) if created else "nothing new (demo data already there)"
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: created {made} in {time.perf_counter() - started:.1f} s."
            )
        )

    def _seed_org(
        self, spec: DemoCompany, *, first_monday: dt.date, password_hash: str, rng: random.Random
    ) -> bool:
        org, created = Organization.objects.get_or_create(
            slug=spec.slug, defaults={"company_name": spec.company_name}
        )
        if not created:
            return False
        manager = services.create_manager(
            org=org,
            email=f"manager@{spec.slug}.example",
            first_name="Demo",
            last_name="Manager",
            password_hash=password_hash,
        )
        with use_org(org):
            made = seed_company(
                spec=spec, org=org, manager=manager, first_monday=first_monday, rng=rng
            )
            self._guard_logins(org, spec.slug, password_hash)
        self.stdout.write(
            f"  {spec.slug}: {len(spec.clients)} clients, {made.sites} sites, {made.posts} "
            f"posts, {made.patterns} shift patterns, {made.guards} guards; this week "
            f"{made.week_filled} of {made.week_shifts} shifts rostered and published "
            f"({SEED_TIME_LIMIT} s optimizer limit)."
        )
        return True

    def _guard_logins(self, org: Organization, slug: str, password_hash: str) -> None:
        """The first GUARD_LOGINS guards get a login guard<n>@<slug>.example with the demo
        password, as employees.services.invite_guard would make it (without the email)."""
        for n, guard in enumerate(Employee.objects.order_by("id")[:GUARD_LOGINS], start=1):
            address = f"guard{n}@{slug}.example"
            user = User(
                username=address,
                email=address,
                first_name=guard.first_name,
                last_name=guard.last_name,
                org=org,
                role=User.Role.GUARD,
                password=password_hash,
            )
            user.save()
            guard.email, guard.user = address, user
            guard.save(update_fields=["email", "user"])

    def _platform_user(self, password_hash: str) -> None:
        """The platform-staff login, with the demo password's hash (made once per command)."""
        if User.objects.filter(username=PLATFORM_USERNAME).exists():
            return
        user = User.objects.create_superuser(
            username=PLATFORM_USERNAME, email=PLATFORM_USERNAME, password=None
        )
        user.password = password_hash
        user.save(update_fields=["password"])

    # --- data at scale -----------------------------------------------------------------

    def _seed_scale(self, *, orgs: int, guards: int, weeks: int, prefix: str, jobs: int) -> None:
        started = time.perf_counter()
        # The operations role: COPY FROM is refused on tables under row-level security, so
        # bulk loading goes through the role that owns the tables (the owner alias when
        # settings define it). Every row still gets its organization from `use_org()`, and
        # every reference points at rows made in the same organization's transaction.
        alias = operations_alias()
        # One PBKDF2 hash for every manager: hashing is deliberately slow (~0.3 s each).
        password = User(username="template")
        password.set_password(DEMO_PASSWORD)
        slugs = [f"{prefix}-{i:03d}" for i in range(1, orgs + 1)]
        existing = set(
            Organization.objects.using(alias).filter(slug__in=slugs).values_list("slug", flat=True)
        )
        todo = [(i, slug) for i, slug in enumerate(slugs, start=1) if slug not in existing]
        totals = {"organizations": 0, "clients": 0, "sites": 0, "guards": 0, "shifts": 0}
        lock = threading.Lock()

        def seed_one(item: tuple[int, str]) -> None:
            i, slug = item
            # Its own random stream per organization: the data does not depend on which
            # worker thread made it, or in which order.
            made = self._seed_scale_one(
                alias, i, slug, password.password, guards, weeks, random.Random(slug)
            )
            with lock:
                totals["organizations"] += 1
                for key, value in made.items():
                    totals[key] += value
                done = totals["organizations"]
                if done % 10 == 0 or done == len(todo):
                    self.stdout.write(
                        f"  {done}/{len(todo)} organizations, {time.perf_counter() - started:.1f} s"
                    )

        def worker(items: list[tuple[int, str]]) -> None:
            try:
                for item in items:
                    seed_one(item)
            finally:
                connections.close_all()  # this thread's connections

        # Organizations are independent, so `jobs` threads (each with its own database
        # connection and its own use_org context) seed them side by side.
        threads = [
            threading.Thread(target=worker, args=(todo[n::jobs],), name=f"seed-{n}")
            for n in range(jobs)
        ]
        errors: list[BaseException] = []
        for thread in threads:
            thread.run = _capturing(thread.run, errors)
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        with connections[alias].cursor() as cursor:
            # Fresh statistics, so the first page views plan like a settled database.
            for model in (Organization, User, Client, Site, Employee, Shift):
                cursor.execute(f'ANALYZE "{model._meta.db_table}"')
        self._platform_user(password.password)
        seconds = time.perf_counter() - started
        skipped = (
            f"; {len(existing)} organizations already existed and were left alone"
            if existing
            else ""
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Scale data: created {totals['organizations']} organizations, "
                f"{totals['clients']} clients, {totals['sites']} sites, {totals['guards']} "
                f"guards, {totals['shifts']} shifts ({weeks} weeks) in {seconds:.1f} s "
                f"({jobs} workers){skipped}."
            )
        )
        self.stdout.write(
            f"  Logins: manager@{slugs[0]}.example .. manager@{slugs[-1]}.example, "
            f"{PLATFORM_USERNAME}; password {DEMO_PASSWORD}"
        )

    def _seed_scale_one(
        self,
        alias: str,
        i: int,
        slug: str,
        password_hash: str,
        guards: int,
        weeks: int,
        rng: random.Random,
    ) -> dict[str, int]:
        """One organization, its manager and all its rows, in one transaction."""
        with transaction.atomic(using=alias):
            org = Organization.objects.db_manager(alias).create(
                slug=slug,
                company_name=f"{ORG_NAMES[i % len(ORG_NAMES)]} "
                f"{ORG_KINDS[i % len(ORG_KINDS)]} {i:03d}",
            )
            services.create_manager(
                org=org,
                email=f"manager@{slug}.example",
                first_name="Scale",
                last_name="Manager",
                password_hash=password_hash,
                using=alias,
            )
            with use_org(org), connections[alias].cursor() as cursor:
                return self._seed_scale_org(cursor, org, guards=guards, weeks=weeks, rng=rng)

    def _seed_scale_org(
        self, cursor, org: Organization, *, guards: int, weeks: int, rng: random.Random
    ) -> dict[str, int]:
        client_count = max(1, guards // GUARDS_PER_CLIENT)
        client_ids = _copy_rows(
            cursor,
            Client,
            [
                {"client_name": f"Client {c:03d} of {org.slug}", "contact_name": "Operations desk"}
                for c in range(1, client_count + 1)
            ],
        )
        site_rows = [
            {"client_id": client_id, "name": f"Site {s}", "address": f"{s} Main Road"}
            for client_id in client_ids
            for s in range(1, SITES_PER_CLIENT + 1)
        ]
        site_ids = _copy_rows(cursor, Site, site_rows)
        # Teams: two guards per post (day and night) of as many sites as the guards allow,
        # dedicated to the site's client; the other guards are flex or dedicated at random.
        staffed = site_ids[: guards // 4]
        team_clients = [site_rows[s]["client_id"] for s in range(len(staffed)) for _ in range(4)]
        today = timezone.localdate()
        grades, weights = list(GRADE_WEIGHTS), list(GRADE_WEIGHTS.values())
        employee_rows = []
        for n in range(guards):
            if n < len(team_clients):
                client_id = team_clients[n]
            else:
                client_id = rng.choice(client_ids) if rng.random() < 0.3 else None
            number = f"E-{n + 1:05d}"
            employee_rows.append(
                {
                    "first_name": rng.choice(FIRST_NAMES),
                    "last_name": rng.choice(LAST_NAMES),
                    "employee_number": number,
                    "psira_number": str(rng.randrange(1_000_000, 99_999_999)),
                    "psira_grade": rng.choices(grades, weights)[0],
                    "phone": f"+27 8{rng.randrange(10)} {rng.randrange(100, 999)} "
                    f"{rng.randrange(1000, 9999)}",
                    "email": f"{number.lower()}@{org.slug}.example",
                    "hire_date": today - dt.timedelta(days=rng.randrange(30, 3650)),
                    "assigned_client_id": client_id,
                    # Each guard's own (a model default would be copied to every row).
                    "calendar_secret": new_calendar_secret(),
                }
            )
        employee_ids = _copy_rows(cursor, Employee, employee_rows)

        tz = zoneinfo.ZoneInfo(org.timezone)
        first_day = timezone.now().astimezone(tz).date()
        shift_rows = []
        published_at = timezone.now()  # the roster is published, as a real one would be
        for s, site_id in enumerate(staffed):
            team = employee_ids[4 * s : 4 * s + 4]
            for day in range(7 * weeks):
                date = first_day + dt.timedelta(days=day)
                for post, (hour, hours) in enumerate(SHIFT_TIMES):
                    start = dt.datetime.combine(date, dt.time(hour), tzinfo=tz)
                    guard = team[2 * post + day % 2]
                    if (s + day + post) % OPEN_EVERY == 0:
                        guard = None
                    shift_rows.append(
                        {
                            "site_id": site_id,
                            "start": start,
                            "end": start + dt.timedelta(hours=hours),
                            "employee_id": guard,
                            "published_employee_id": guard,
                            "published_at": published_at,
                        }
                    )
        _copy_rows(cursor, Shift, shift_rows)
        return {
            "clients": len(client_ids),
            "sites": len(site_ids),
            "guards": len(employee_ids),
            "shifts": len(shift_rows),
        }


def _capturing(run, errors: list[BaseException]):
    """Wrap a thread's run() so that its exception reaches the main thread."""

    def wrapped() -> None:
        try:
            run()
        except BaseException as error:
            errors.append(error)

    return wrapped


def _copy_rows(cursor, model, rows: list[dict]) -> list[int]:
    """COPY `rows` (attname -> value) into `model`'s table in the current organization.

    Columns a row leaves out get the model field's default (so fields added later need no
    change here); ids are taken from the table's sequence first, so they are known without
    reading the rows back. Returns the ids, in the order of `rows`.
    """
    org = require_org(f"Seeding {model._meta.label}")
    if not rows:
        return []
    fields = [f for f in model._meta.concrete_fields if f.attname != "id"]
    template = model()
    defaults = {f.attname: getattr(template, f.attname) for f in fields}
    now = timezone.now()
    for field in fields:
        if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
            defaults[field.attname] = now
    defaults["org_id"] = org.pk
    table = model._meta.db_table
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [table, len(rows)],
    )
    ids = [row[0] for row in cursor.fetchall()]
    attnames = [f.attname for f in fields]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    with cursor.copy(f'COPY "{table}" (id, {columns}) FROM STDIN') as copy:
        for pk, row in zip(ids, rows, strict=True):
            values = defaults | row
            copy.write_row([pk, *(values[name] for name in attnames)])
    return ids
