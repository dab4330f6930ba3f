"""Benchmark: a month of payroll hours for a 1,000-guard organization.

    .venv/bin/python bench/payroll.py                 # data in /tmp/rostracore-bench-pay
    ROSTRACORE_PGDATA=/some/folder .venv/bin/python bench/payroll.py --repeat 5

Uses its own embedded PostgreSQL folder (ROSTRACORE_PGDATA, default
/tmp/rostracore-bench-pay; or DATABASE_URL), migrates it and seeds, once (later runs reuse
it): `seed_demo --prefix bench-pay --orgs 1 --guards 1000 --weeks 5` (the scale
organization's shape: 250 staffed sites, day and night shifts from today, every tenth open;
about a minute), then publishes its roster (published_employee = employee) and gives every
published shift that has started an attendance row (clock-in 0 to 14 minutes late, clock-out
on time), as the owner role (the seed's COPY connection).

Then, as the runtime role (row-level security on), it times `payroll.periods.compute_month`
(every guard's rostered and attended hours of the current calendar month, split by
category: the entry point billing times its invoices beside) `--repeat` times, and closing
the month (`payroll.services.close_pay_period`, the snapshot of every guard's lines) once
inside a transaction it rolls back, so reruns time the same thing. Prints guards, shifts,
minutes per category, seconds, queries, and the rerun command.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.environment import configure, rerun_prefix

PGDATA = "/tmp/rostracore-bench-pay"
configure(PGDATA)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connections, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from organizations.models import Organization, User  # noqa: E402
from payroll.hours import EXCLUSIVE_CATEGORIES, PayCategory, minutes_to_hours  # noqa: E402
from payroll.models import PaySchedule  # noqa: E402
from payroll.periods import compute_month  # noqa: E402
from payroll.services import close_pay_period  # noqa: E402
from rostracore.tenancy.context import use_org  # noqa: E402
from rostracore.tenancy.db import operations_alias  # noqa: E402

RERUN = ".venv/bin/python bench/payroll.py"
SLUG = "bench-pay-001"
ALIAS = operations_alias()


class _Rollback(Exception):
    pass


def _seed() -> Organization:
    call_command("migrate", verbosity=0)
    org = Organization.objects.using(ALIAS).filter(slug=SLUG).first()
    started = time.perf_counter()
    if org is None:
        call_command("seed_demo", prefix="bench-pay", orgs=1, guards=1000, weeks=5, jobs=1)
        org = Organization.objects.using(ALIAS).get(slug=SLUG)
    with connections[ALIAS].cursor() as cursor, transaction.atomic(using=ALIAS):
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM attendance_attendance WHERE org_id = %s)", [org.pk]
        )
        if not cursor.fetchone()[0]:
            cursor.execute(
                "UPDATE scheduling_shift SET published_employee_id = employee_id, "
                "published_at = now() WHERE org_id = %s AND employee_id IS NOT NULL",
                [org.pk],
            )
            # Attendance of every published shift that has started: 0-14 minutes late.
            cursor.execute(
                """
                INSERT INTO attendance_attendance (
                    org_id, shift_id, employee_id, clock_in_at, clock_in_source, clock_out_at,
                    clock_out_source, updated_at
                )
                SELECT org_id, id, published_employee_id,
                       start + (id %% 15) * interval '1 minute', 'phone',
                       "end", 'phone', now()
                FROM scheduling_shift
                WHERE org_id = %s AND published_employee_id IS NOT NULL AND start < now()
                """,
                [org.pk],
            )
            print(f"seeded {SLUG} in {time.perf_counter() - started:.1f} s")
    return org


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("axes").setLevel(logging.WARNING)
    org = Organization.objects.get(pk=_seed().pk)  # the runtime role's connection
    with use_org(org):
        month = timezone.localdate().replace(day=1)
        if not PaySchedule.objects.exists():
            PaySchedule.objects.create(first_period_start=month)
        manager = User.objects.filter(org=org, role=User.Role.MANAGER).first()
    timings, queries = [], 0
    for _ in range(args.repeat):
        with CaptureQueriesContext(connections["default"]) as captured:
            started = time.perf_counter()
            hours = compute_month(org, month)
            timings.append(time.perf_counter() - started)
        queries = len(captured)
    rostered, attended = Counter(), Counter()
    for item in hours:
        rostered.update(item.rostered)
        attended.update(item.attended)
    worked = sum(rostered[c] for c in EXCLUSIVE_CATEGORIES)
    print(f"organization {SLUG}: {len(hours)} guards with hours in {month:%B %Y}")
    print(f"{'category':<16} {'rostered h':>12} {'attended h':>12}")
    for category in PayCategory:
        print(
            f"{category.label:<16} {minutes_to_hours(rostered[category]):>12} "
            f"{minutes_to_hours(attended[category]):>12}"
        )
    print(f"{'worked (excl.)':<16} {minutes_to_hours(worked):>12}")
    print(
        f"compute_month: median {statistics.median(timings):.2f} s, best {min(timings):.2f} s "
        f"of {len(timings)}; {queries} queries"
    )
    with use_org(org):
        started = time.perf_counter()
        try:
            with transaction.atomic():
                period = close_pay_period(user=manager, start_date=month)
                lines = period.lines.count()
                raise _Rollback
        except _Rollback:
            pass
        print(f"close_pay_period: {time.perf_counter() - started:.2f} s, {lines} lines "
              "(rolled back)")  # fmt: skip
    print(f"rerun: {rerun_prefix()}{RERUN} --repeat {args.repeat}")


if __name__ == "__main__":
    main()
