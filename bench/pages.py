"""Benchmark: queries per page and p50/p95 latency of the manager pages and the admin.

    .venv/bin/python bench/pages.py                  # data in /tmp/rostracore-bench
    ROSTRACORE_PGDATA=/some/folder .venv/bin/python bench/pages.py --requests 50

Uses its own embedded PostgreSQL folder (ROSTRACORE_PGDATA, default /tmp/rostracore-bench;
or DATABASE_URL), migrates it and seeds what is missing, once (later runs reuse it):

- `seed_demo --orgs 100 --guards 1000 --weeks 4`: 100 organizations x 1,000 guards, 560,000
  shifts (about 70 s);
- `seed_demo --prefix bench-small --orgs 1 --guards 10`: an organization with 10 guards;
- `seed_demo --prefix bench-huge --orgs 1 --guards 100000 --weeks 1`: one with 100,000.

Then, for one user at a time (a manager of each of those sizes, and platform staff), it
requests each page through Django's test client in this process — the full middleware,
tenancy and database stack, no network — `--requests` times after two warm-up requests
(fewer, at least 3, for a page that would take more than 20 s; the "timed" column says how
many), and prints queries per page (every SQL statement on the database connections,
counted with CaptureQueriesContext, including the per-transaction organization setting) and
the p50/p95 of the wall time per request. A statement slower than 10 s is cancelled
(statement_timeout), so a page that slow shows status 500 instead of hanging the run. The
last lines compare the list pages' query counts at 10 and at 100,000 employees: N+1
queries would make them differ.
"""

from __future__ import annotations

import argparse
import io
import logging
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.environment import rerun_prefix, setup

setup()

from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.db.backends.signals import connection_created  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from operations.management.commands.seed_demo import PLATFORM_USERNAME  # noqa: E402
from organizations.models import Organization, User  # noqa: E402
from organizations.services import create_manager  # noqa: E402
from rostracore.tenancy.db import operations_alias  # noqa: E402

RERUN = ".venv/bin/python bench/pages.py"
ALIAS = operations_alias()  # reads as the owner role when settings define it
DATASETS = [
    # (slug that proves it is there, seed_demo options)
    ("scale-100", {"orgs": 100, "guards": 1000, "weeks": 4}),
    ("bench-small-001", {"prefix": "bench-small", "orgs": 1, "guards": 10, "weeks": 4}),
    ("bench-huge-001", {"prefix": "bench-huge", "orgs": 1, "guards": 100_000, "weeks": 1}),
]
MANAGERS = [
    ("manager, 10 guards", "manager@bench-small-001.example"),
    ("manager, 1,000 guards", "manager@scale-001.example"),
    ("manager, 100,000 guards", "manager@bench-huge-001.example"),
]
MANAGER_PAGES = [
    ("dashboard", "/"),
    ("employee list", "/employees/"),
    ("employee list, page 2", "/employees/?page=2"),
    ("employee list, search", "/employees/?q=E-0000"),  # E-00001..E-00009 in every org
    ("admin employees", "/admin/employees/employee/"),
    ("admin shifts", "/admin/scheduling/shift/"),
    ("admin sites", "/admin/clients/site/"),
]
PLATFORM_PAGES = [
    ("admin employees", "/admin/employees/employee/"),
    ("admin shifts", "/admin/scheduling/shift/"),
    ("admin organizations", "/admin/organizations/organization/"),
    ("admin users", "/admin/organizations/user/"),
]
PAGE_BUDGET_SECONDS = 20
STATEMENT_TIMEOUT = "10s"  # per SQL statement of a page request; a slower page gets a 500
LIST_PAGES = ["employee list", "employee list, page 2", "employee list, search", "admin employees"]


def _bound_statements(sender, connection, **kwargs) -> None:
    """Bound every statement of the pages under test (this process's own connections)."""
    if connection.alias == "default":
        with connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = '{STATEMENT_TIMEOUT}'")


def ensure_data() -> None:
    out = io.StringIO()
    call_command("migrate", verbosity=0, stdout=out)
    for slug, options in DATASETS:
        if Organization.objects.using(ALIAS).filter(slug=slug).exists():
            continue
        print(f"seeding: seed_demo {_flags(options)} ...", flush=True)
        call_command("seed_demo", stdout=out, **options)
        print("  " + out.getvalue().strip().splitlines()[-2], flush=True)


def _flags(options: dict) -> str:
    return " ".join(f"--{key} {value}" for key, value in options.items())


def measure(client: Client, url: str, requests: int) -> tuple[int, int, int, float, float]:
    """(status, queries, timed requests, p50 ms, p95 ms) of `url` for the logged-in client."""
    for _ in range(2):
        client.get(url)
    with (
        CaptureQueriesContext(connections["default"]) as default,
        CaptureQueriesContext(connections[ALIAS]) as owner,
    ):
        response = client.get(url)
    queries = len(default.captured_queries)
    if ALIAS != "default":
        queries += len(owner.captured_queries)
    times: list[float] = []
    budget = time.perf_counter() + PAGE_BUDGET_SECONDS
    # `requests` timed requests, or fewer (at least 3) when a slow page would exceed the
    # time budget: the run stays bounded and the row says how many were timed.
    while len(times) < requests and (len(times) < 3 or time.perf_counter() < budget):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return response.status_code, queries, len(times), statistics.median(times), p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    args = parser.parse_args()
    rerun = RERUN + ("" if args.requests == 30 else f" --requests {args.requests}")
    ensure_data()

    logging.getLogger("django.request").setLevel(logging.ERROR)  # no 4xx warnings
    logging.getLogger("axes").setLevel(logging.WARNING)  # no line per login
    users = [
        (label, User.objects.using(ALIAS).select_related("org").get(username=username))
        for label, username in MANAGERS
    ]
    for _, user in users:
        # Data seeded before managers joined the group: made a manager again, in place.
        create_manager(org=user.org, email=user.username, update_existing=True, using=ALIAS)
    connections["default"].close()
    connection_created.connect(_bound_statements)
    users.append(("platform staff", User.objects.using(ALIAS).get(username=PLATFORM_USERNAME)))
    from employees.models import Employee

    total_employees = Employee.all_orgs.using(ALIAS).count()
    print(
        f"\ndatabase: {Organization.objects.using(ALIAS).count()} organizations, "
        f"{total_employees:,} employees; {args.requests} timed requests per page, one user\n"
    )
    header = (
        f"{'user':<24} {'page':<22} {'status':>6} {'queries':>7} {'timed':>5} "
        f"{'p50 ms':>8} {'p95 ms':>8}"
    )
    print(header)
    print("-" * len(header))
    results: dict[tuple[str, str], int] = {}
    for label, user in users:
        client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
        client.force_login(user)
        pages = PLATFORM_PAGES if user.is_superuser else MANAGER_PAGES
        for page, url in pages:
            status, queries, timed, p50, p95 = measure(client, url, args.requests)
            results[(label, page)] = queries
            print(
                f"{label:<24} {page:<22} {status:>6} {queries:>7} {timed:>5} "
                f"{p50:>8.1f} {p95:>8.1f}",
                flush=True,
            )
    print()
    small, huge = MANAGERS[0][0], MANAGERS[2][0]
    for page in LIST_PAGES:
        a, b = results[(small, page)], results[(huge, page)]
        verdict = "same" if a == b else "DIFFERENT"
        print(f"{page:<24} queries at 10 guards: {a:>3}   at 100,000 guards: {b:>3}   {verdict}")
    print(f"\nrerun: {rerun_prefix()}{rerun}")


if __name__ == "__main__":
    main()
