"""Benchmark: a month of invoices for the 1,000-guard scale organization.

    .venv/bin/python bench/billing.py                 # data in /tmp/rostracore-bench-billing
    ROSTRACORE_PGDATA=/some/folder .venv/bin/python bench/billing.py --repeat 5

Uses its own embedded PostgreSQL folder (ROSTRACORE_PGDATA, default
/tmp/rostracore-bench-billing; or DATABASE_URL), migrates it and seeds, once, what is
missing: `seed_demo --orgs 1 --guards 1000 --weeks 5` (scale-001: 1,000 guards, 20 clients
with 5 sites each, five weeks of day and night shifts from today), then publishes the
seeded roster (the scale seed leaves `published_employee` empty) and gives every client a
rate, and the first site of each a rate of its own.

Then, as the runtime role (row-level security on) inside the organization, for the month
that holds the seeded shifts: `billing.invoices.invoice_for` for every client (`--repeat`
times; the best and the median of the totals), with its queries per invoice; and the
invoice page (`/billing/invoices/<client>/<month>/`) of every client through Django's test
client (p50 and p95 per page, queries per page). Prints the figures and the rerun command.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.environment import setup

PGDATA = "/tmp/rostracore-bench-billing"
setup(PGDATA)

from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client as HttpClient  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from billing.invoices import invoice_for  # noqa: E402
from billing.models import ChargeRate  # noqa: E402
from clients.models import Client  # noqa: E402
from organizations.models import Organization, User  # noqa: E402
from rostracore.tenancy.context import use_org  # noqa: E402
from rostracore.tenancy.db import operations_alias  # noqa: E402
from scheduling.models import Shift  # noqa: E402

RERUN = ".venv/bin/python bench/billing.py"
SLUG, MANAGER = "scale-001", "manager@scale-001.example"
ALIAS = operations_alias()  # the owner role: seeding and publishing


def ensure_data() -> Organization:
    call_command("migrate", verbosity=0)
    if not Organization.objects.using(ALIAS).filter(slug=SLUG).exists():
        print("seeding scale-001 (1,000 guards, 5 weeks) ...", flush=True)
        call_command("seed_demo", orgs=1, guards=1000, weeks=5, verbosity=0)
    org = Organization.objects.get(slug=SLUG)
    with connections[ALIAS].cursor() as cursor:
        cursor.execute(
            "UPDATE scheduling_shift SET published_employee_id = employee_id, "
            "published_at = now() WHERE org_id = %s AND employee_id IS NOT NULL "
            "AND published_employee_id IS NULL",
            [org.pk],
        )
    with use_org(org):
        if not ChargeRate.objects.exists():
            for client in Client.objects.prefetch_related("sites"):
                ChargeRate.objects.create(client=client, hourly_rate=Decimal("95.50"))
                site = min(client.sites.all(), key=lambda s: s.pk, default=None)
                if site is not None:
                    ChargeRate.objects.create(
                        client=client,
                        site=site,
                        hourly_rate=Decimal("120.00"),
                        public_holiday_multiplier=Decimal("2.50"),
                    )
    return org


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("axes").setLevel(logging.WARNING)
    org = ensure_data()
    with use_org(org), timezone.override(org.timezone):
        first = Shift.objects.order_by("start").values_list("start", flat=True).first()
        month = timezone.localtime(first).date().replace(day=1)
        clients = list(Client.objects.select_related("org").order_by("client_name"))
        tz = timezone.get_current_timezone()
        following = (month + dt.timedelta(days=32)).replace(day=1)
        shifts = Shift.objects.filter(
            published_employee__isnull=False,
            start__gte=dt.datetime.combine(month, dt.time.min, tzinfo=tz),
            start__lt=dt.datetime.combine(following, dt.time.min, tzinfo=tz),
        ).count()
        totals, queries = [], 0
        for _ in range(args.repeat):
            started = time.perf_counter()
            with CaptureQueriesContext(connections["default"]) as captured:
                invoices = [invoice_for(client=c, month=month) for c in clients]
            totals.append(time.perf_counter() - started)
            queries = len(captured) / len(clients)
    hours = sum(i.minutes for i in invoices) / 60
    amount = sum(i.total for i in invoices)

    user = User.objects.using(ALIAS).get(username=MANAGER)
    http = HttpClient(HTTP_HOST="127.0.0.1")
    http.force_login(user)
    page_times, page_queries = [], []
    for client in clients:
        url = reverse(
            "billing:invoice", kwargs={"pk": client.pk, "year": month.year, "month": month.month}
        )
        http.get(url)  # warm
        with CaptureQueriesContext(connections["default"]) as captured:
            started = time.perf_counter()
            response = http.get(url)
            page_times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
        page_queries.append(len(captured))

    print(f"\norganization {SLUG}: {len(clients)} clients, month {month:%Y-%m}:")
    print(f"  {shifts:,} published shifts start in the month; {hours:,.0f} billable hours;")
    print(f"  invoiced total (incl. VAT) {invoices[0].currency} {amount:,.2f}")
    print(f"{'what':<44} {'best s':>8} {'median s':>9} {'queries':>8}")
    print(
        f"{'invoice_for, every client (a month of invoices)':<44} {min(totals):>8.3f} "
        f"{statistics.median(totals):>9.3f} {queries * len(clients):>8.0f}"
    )
    print(
        f"{'  per invoice':<44} {min(totals) / len(clients):>8.4f} "
        f"{statistics.median(totals) / len(clients):>9.4f} {queries:>8.0f}"
    )
    print(
        f"{'invoice page, per client (p50 / p95)':<44} {_percentile(page_times, 0.5):>8.3f} "
        f"{_percentile(page_times, 0.95):>9.3f} {max(page_queries):>8}"
    )
    prefix = ""
    if os.environ.get("ROSTRACORE_PGDATA") not in (None, PGDATA):
        prefix = f"ROSTRACORE_PGDATA={os.environ['ROSTRACORE_PGDATA']} "
    repeat = "" if args.repeat == 3 else f" --repeat {args.repeat}"
    print(f"\nrerun: {prefix}{RERUN}{repeat}")


if __name__ == "__main__":
    main()
