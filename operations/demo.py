"""The two demo companies `manage.py seed_demo` makes, and the month that makes their first
roster worth looking at.

Each company has three clients; every site has posts and shift patterns: 24/7 day and night
posts (06:00-18:00, 18:00-06:00), weekday posts (reception, Mon-Fri 07:00-17:00), posts that
need a higher PSIRA grade, one armed site (a cash-in-transit or cargo escort, Mon-Fri
07:00-15:00: firearm competency and grade C) and one site that needs an induction. Guards are
dedicated to each client, plus a flex pool.

Dates are days after the Monday of the first roster (`first_monday`, next Monday when the demo
is seeded), so the demo tells the same story whenever it is made. The month is built so that
the optimizer fills all but a few shifts and those few are provably unfillable (the solver's
flow bound finds them), each for a reason a manager recognises:
- of the three guards who may work the armed site, one's firearm competency lapses, and
  the other two are on approved leave on the same two days: nobody may work it then;
- one of the four guards inducted at the induction site is on leave for a whole week: three
  guards at four 12-hour shifts each cover 12 of its 14 shifts.
A PSIRA registration expires during the month too, and a leave request waits in the inbox.

tests/operations/test_seed_demo.py checks the shape and that a 4-week roster from
`first_monday` leaves exactly the proven minimum open.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction

from clients.models import Client, Site
from employees.models import Employee
from guards.services import approve_leave, request_leave
from operations.seeding import create_guards
from organizations.models import Organization, User
from scheduling.models import Post, RosterRun, ShiftPattern, SiteInduction
from scheduling.services import generate_shifts, publish_run, run_roster, start_run

ALL_WEEK = (1, 2, 3, 4, 5, 6, 7)
WEEKDAYS = (1, 2, 3, 4, 5)
# Days of validity for a licence that does not lapse during the demo.
VALID = 400
# The seed rosters the current week itself (so My shifts, the week grids and the board show
# something); the optimizer gets this many seconds per organization, so `make run` stays
# quick (2 x 4 s of the seed's 10 s or so).
SEED_TIME_LIMIT = 4


@dataclass(frozen=True)
class DemoPattern:
    name: str
    start: int  # hour of day, the organization's time
    end: int  # at or before `start`: the next day
    weekdays: tuple[int, ...] = ALL_WEEK
    guards: int = 1


DAY = DemoPattern("Day", 6, 18)
NIGHT = DemoPattern("Night", 18, 6)
DAY_AND_NIGHT = (DAY, NIGHT)
OFFICE_HOURS = DemoPattern("Office hours", 7, 17, WEEKDAYS)
ESCORT = DemoPattern("Collections", 7, 15, WEEKDAYS)


@dataclass(frozen=True)
class DemoPost:
    name: str
    patterns: tuple[DemoPattern, ...]
    grade: str = "E"


@dataclass(frozen=True)
class DemoSite:
    name: str
    posts: tuple[DemoPost, ...]
    armed: bool = False
    induction: bool = False
    min_grade: str = "E"


@dataclass(frozen=True)
class DemoGuard:
    grade: str
    firearm: int | None = None  # days of competency after first_monday; None: none
    registration: int | None = None  # days of PSIRA registration; None: a year or more
    inducted: bool = False  # at the organization's induction site
    leave: tuple[int, int] | None = None  # approved leave, first and last day
    requested: tuple[int, int] | None = None  # a leave request still waiting in the inbox


@dataclass(frozen=True)
class DemoClient:
    name: str
    sites: tuple[DemoSite, ...]
    guards: tuple[DemoGuard, ...]  # dedicated to this client


@dataclass(frozen=True)
class DemoCompany:
    slug: str
    company_name: str
    clients: tuple[DemoClient, ...]
    flex: tuple[DemoGuard, ...] = ()


def _plain(grades: str) -> tuple[DemoGuard, ...]:
    return tuple(DemoGuard(grade) for grade in grades)


DEMO_COMPANIES = (
    DemoCompany(
        slug="acme",
        company_name="Acme Protection Services",
        clients=(
            DemoClient(
                "City of Tshwane",
                sites=(
                    DemoSite(
                        "Civic Centre",
                        posts=(
                            DemoPost("Main entrance", DAY_AND_NIGHT),
                            DemoPost("Reception", (OFFICE_HOURS,), grade="C"),
                        ),
                    ),
                    DemoSite(
                        "Church Square Depot",
                        posts=(DemoPost("Depot gate", DAY_AND_NIGHT),),
                        induction=True,
                    ),
                ),
                guards=(
                    *_plain("DE"),  # the guard logins, guard1@ and guard2@acme.example
                    DemoGuard("C", inducted=True),
                    DemoGuard("D", inducted=True),
                    DemoGuard("E", inducted=True),
                    DemoGuard("E", inducted=True, leave=(21, 27)),  # all of the fourth week
                    *_plain("CE"),
                ),
            ),
            DemoClient(
                "Menlyn Retail Park",
                sites=(
                    DemoSite(
                        "North Entrance",
                        posts=(DemoPost("Entrance", (DemoPattern("Day", 6, 18, guards=2), NIGHT)),),
                    ),
                    DemoSite("Loading Bay", posts=(DemoPost("Loading bay", DAY_AND_NIGHT, "D"),)),
                    DemoSite(
                        "Cash Centre",
                        posts=(DemoPost("Cash-in-transit escort", (ESCORT,)),),
                        armed=True,
                        min_grade="C",
                    ),
                ),
                guards=(
                    # The three who may work the Cash Centre: after the first one's competency
                    # lapses (it is valid through Friday of week 2), the other two are both
                    # on leave on Thursday and Friday of week 3.
                    DemoGuard("C", firearm=11),
                    DemoGuard("C", firearm=VALID, leave=(16, 18)),
                    DemoGuard("B", firearm=VALID, leave=(17, 18)),
                    DemoGuard("D", firearm=VALID),  # competent, but below the grade C needed
                    *_plain("CDDEEE"),
                ),
            ),
            DemoClient(
                "Sandton Office Towers",
                sites=(
                    DemoSite(
                        "Tower A Lobby",
                        posts=(
                            DemoPost("Lobby", DAY_AND_NIGHT),
                            DemoPost("Reception", (OFFICE_HOURS,), grade="C"),
                            DemoPost("Control room", DAY_AND_NIGHT, grade="B"),
                        ),
                    ),
                    DemoSite(
                        "Parking Basement", posts=(DemoPost("Basement patrol", DAY_AND_NIGHT),)
                    ),
                ),
                guards=_plain("ABBBCCDDEEEE"),
            ),
        ),
        flex=(
            *_plain("BCCDD"),
            DemoGuard("E", registration=18),  # PSIRA registration lapses in week 3
            DemoGuard("E", requested=(9, 10)),
            DemoGuard("E"),
        ),
    ),
    DemoCompany(
        slug="bastion",
        company_name="Bastion Guarding",
        clients=(
            DemoClient(
                "Stellenbosch Municipality",
                sites=(
                    DemoSite(
                        "Town Hall",
                        posts=(
                            DemoPost("Main entrance", DAY_AND_NIGHT),
                            DemoPost("Reception", (OFFICE_HOURS,), grade="C"),
                        ),
                    ),
                    DemoSite(
                        "Water Works",
                        posts=(DemoPost("Plant gate", DAY_AND_NIGHT),),
                        induction=True,
                    ),
                ),
                guards=(
                    *_plain("DE"),  # guard1@ and guard2@bastion.example
                    DemoGuard("C", inducted=True),
                    DemoGuard("D", inducted=True, leave=(14, 20)),  # all of the third week
                    DemoGuard("E", inducted=True),
                    DemoGuard("E", inducted=True),
                    *_plain("CE"),
                ),
            ),
            DemoClient(
                "Waterfront Estates",
                sites=(
                    DemoSite(
                        "Main Gate",
                        posts=(DemoPost("Gate", (DemoPattern("Day", 6, 18, guards=2), NIGHT)),),
                    ),
                    DemoSite(
                        "Marina Patrol",
                        posts=(
                            DemoPost("Foot patrol", (DemoPattern("Night", 18, 6, guards=2),), "D"),
                        ),
                    ),
                ),
                guards=_plain("BCCDDDEEEE"),
            ),
            DemoClient(
                "Cape Winelands Logistics",
                sites=(
                    DemoSite(
                        "Warehouse 3",
                        posts=(
                            DemoPost("Warehouse", DAY_AND_NIGHT, grade="D"),
                            DemoPost("Control room", DAY_AND_NIGHT, grade="B"),
                        ),
                    ),
                    DemoSite(
                        "Truck Yard",
                        posts=(DemoPost("Cargo escort", (ESCORT,)),),
                        armed=True,
                        min_grade="C",
                    ),
                ),
                guards=(
                    # The Truck Yard's three: valid through Friday of week 1; then the other
                    # two both on leave on Wednesday and Thursday of week 2.
                    DemoGuard("C", firearm=4),
                    DemoGuard("C", firearm=VALID, leave=(8, 10)),
                    DemoGuard("B", firearm=VALID, leave=(9, 10)),
                    DemoGuard("D", firearm=VALID),
                    *_plain("ABCDDEEE"),
                ),
            ),
        ),
        flex=(
            *_plain("BCCDD"),
            DemoGuard("E", registration=12),
            DemoGuard("E", requested=(16, 17)),
            DemoGuard("E"),
        ),
    ),
)


def next_monday(today: dt.date) -> dt.date:
    """The first roster's Monday, as `generate_roster` and the Rosters page default it."""
    return today + dt.timedelta(days=7 - today.weekday())


@dataclass
class Seeded:
    """What `seed_company` made, for seed_demo's summary."""

    sites: int = 0
    posts: int = 0
    patterns: int = 0
    guards: int = 0
    week_shifts: int = 0
    week_filled: int = 0


@transaction.atomic
def seed_company(
    *,
    spec: DemoCompany,
    org: Organization,
    manager: User,
    first_monday: dt.date,
    rng: random.Random,
    time_limit: int = SEED_TIME_LIMIT,
) -> Seeded:
    """Build `spec` in `org` (the current organization, `use_org`): clients, sites, posts,
    patterns, guards with their qualifications, inductions and leave; then roster and
    publish the week before `first_monday` through the scheduling services."""
    seeded = Seeded()
    induction_site = None
    clients = []
    for client_spec in spec.clients:
        client = Client.objects.create(client_name=client_spec.name, contact_name="Operations desk")
        clients.append(client)
        for site_spec in client_spec.sites:
            site = Site.objects.create(
                client=client,
                name=site_spec.name,
                address=f"{site_spec.name}, {client_spec.name}",
                min_grade=site_spec.min_grade,
                armed=site_spec.armed,
                induction_required=site_spec.induction,
            )
            seeded.sites += 1
            if site_spec.induction:
                induction_site = site
            for post_spec in site_spec.posts:
                post = Post.objects.create(
                    site=site, name=post_spec.name, required_grade=post_spec.grade
                )
                ShiftPattern.objects.bulk_create(
                    ShiftPattern(
                        post=post,
                        name=pattern.name,
                        start_time=dt.time(pattern.start),
                        end_time=dt.time(pattern.end),
                        weekdays=list(pattern.weekdays),
                        guards=pattern.guards,
                    )
                    for pattern in post_spec.patterns
                )
                seeded.posts += 1
                seeded.patterns += len(post_spec.patterns)
    # Guards in the order of the spec (the first two get the guard logins): each client's
    # dedicated guards, then the flex pool.
    for client, client_spec in zip(clients, spec.clients, strict=True):
        count = len(client_spec.guards)
        made = create_guards(count=count, assigned=count, client=client, rng=rng)
        _qualify(made, client_spec.guards, first_monday, induction_site, manager, rng)
        seeded.guards += count
    made = create_guards(count=len(spec.flex), assigned=0, client=None, rng=rng)
    _qualify(made, spec.flex, first_monday, induction_site, manager, rng)
    seeded.guards += len(made)

    # This week, from the patterns, rostered and published through the services (as a
    # manager would from the Rosters page), so the demo opens on a published week.
    week = first_monday - dt.timedelta(weeks=1)
    seeded.week_shifts = generate_shifts(start_date=week, end_date=first_monday)
    run = start_run(
        start_date=week,
        end_date=first_monday,
        time_limit=time_limit,
        created_by=manager,
        enqueue=False,
    )
    run = run_roster(run=run)
    if run.status != RosterRun.Status.DONE:
        raise RuntimeError(f"The demo week's roster did not finish: {run.message}")
    seeded.week_filled = publish_run(run=run)
    return seeded


def _qualify(
    guards: list[Employee],
    specs: tuple[DemoGuard, ...],
    first_monday: dt.date,
    induction_site: Site | None,
    manager: User,
    rng: random.Random,
) -> None:
    """Give the guards `create_guards` made their spec's grade, licences, induction and leave."""
    for guard, spec in zip(guards, specs, strict=True):
        registration = spec.registration
        if registration is None:
            registration = rng.randrange(365, 1095)
        guard.psira_grade = spec.grade
        guard.psira_registration_expires = first_monday + dt.timedelta(days=registration)
        guard.firearm_competency_expires = (
            None if spec.firearm is None else first_monday + dt.timedelta(days=spec.firearm)
        )
    Employee.objects.bulk_update(
        guards, ["psira_grade", "psira_registration_expires", "firearm_competency_expires"]
    )
    if induction_site is not None:
        SiteInduction.objects.bulk_create(
            SiteInduction(
                employee=guard,
                site=induction_site,
                completed_on=first_monday - dt.timedelta(days=rng.randrange(30, 400)),
            )
            for guard, spec in zip(guards, specs, strict=True)
            if spec.inducted
        )
    for guard, spec in zip(guards, specs, strict=True):
        for days, approve in ((spec.leave, True), (spec.requested, False)):
            if days is None:
                continue
            request = request_leave(
                employee=guard,
                start=first_monday + dt.timedelta(days=days[0]),
                end=first_monday + dt.timedelta(days=days[1]),
                kind="annual",
                note="Family visit" if approve else "Brother's wedding",
            )
            if approve:
                approve_leave(request=request, by=manager)
