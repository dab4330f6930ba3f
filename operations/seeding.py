"""Realistic guards for demos and new installations (used by seed_employees and seed_demo)."""

import datetime as dt
import random
import re

from django.db import transaction
from django.utils import timezone

from clients.models import Client
from employees.models import Employee
from rostracore.tenancy.context import require_org

FIRST_NAMES = [
    "Thabo",
    "Sipho",
    "Lerato",
    "Nomvula",
    "Pieter",
    "Johan",
    "Ayanda",
    "Zanele",
    "Bongani",
    "Kagiso",
    "Naledi",
    "Mpho",
    "Tshepo",
    "Lindiwe",
    "Themba",
    "Anele",
    "Riaan",
    "Fatima",
    "Ashwin",
    "Refilwe",
    "Sibusiso",
    "Precious",
    "Mandla",
    "Karabo",
    "Busisiwe",
    "Willem",
]
LAST_NAMES = [
    "Nkosi",
    "Dlamini",
    "Mokoena",
    "Naidoo",
    "van der Merwe",
    "Botha",
    "Khumalo",
    "Mthembu",
    "Mahlangu",
    "Ndlovu",
    "Pillay",
    "Sithole",
    "Molefe",
    "Pretorius",
    "Zulu",
    "Mabaso",
    "Adams",
    "Petersen",
    "Radebe",
    "Maseko",
    "Coetzee",
    "Shabalala",
    "Nel",
    "Moloi",
]
# Most guards hold the entry grades; few hold A or B.
GRADE_WEIGHTS = {"A": 2, "B": 6, "C": 30, "D": 22, "E": 40}
NUMBER_PATTERN = re.compile(r"^E-(\d+)$")


def next_employee_numbers(count: int) -> list[str]:
    """The next `count` free numbers of the form E-00042 in the current organization."""
    taken = Employee.objects.filter(employee_number__regex=NUMBER_PATTERN.pattern)
    highest = max(
        (
            int(NUMBER_PATTERN.match(n).group(1))
            for n in taken.values_list("employee_number", flat=True)
        ),
        default=0,
    )
    return [f"E-{highest + i:05d}" for i in range(1, count + 1)]


def create_guards(
    *, count: int, assigned: int, client: Client | None, rng: random.Random | None = None
) -> list[Employee]:
    """Create `count` guards in the current organization; the first `assigned` are dedicated
    to `client`, the rest are in the flex pool."""
    require_org("Creating guards")
    if assigned and client is None:
        raise ValueError("Dedicated guards need a client.")
    rng = rng or random.Random()
    today = timezone.localdate()
    guards = []
    for i, number in enumerate(next_employee_numbers(count)):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        guards.append(
            Employee(
                first_name=first,
                last_name=last,
                employee_number=number,
                psira_number=str(rng.randrange(1_000_000, 99_999_999)),
                psira_grade=rng.choices(list(GRADE_WEIGHTS), weights=GRADE_WEIGHTS.values())[0],
                phone=f"+27 8{rng.randrange(10)} {rng.randrange(100, 999)} "
                f"{rng.randrange(1000, 9999)}",
                email=f"{first}.{last}.{number}".lower().replace(" ", "") + "@guards.example",
                hire_date=today - dt.timedelta(days=rng.randrange(30, 3650)),
                assigned_client=client if i < assigned else None,
            )
        )
    with transaction.atomic():
        return Employee.objects.bulk_create(guards)
