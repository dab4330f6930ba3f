"""Benchmark: queries per page and p50/p95 latency of the manager pages and the admin.

    .venv/bin/python bench/pages.py                  # data in /tmp/rostracore-bench
    ROSTRACORE_PGDATA=/some/folder .venv/bin/python bench/pages.py --requests 50
    .venv/bin/python bench/pages.py --only "100,000 guards|platform" --gunicorn
    .venv/bin/python bench/pages.py --million        # adds a 1,120,000-shift organization

Uses its own embedded PostgreSQL folder (ROSTRACORE_PGDATA, default /tmp/rostracore-bench;
or DATABASE_URL), migrates it and seeds what is missing, once (later runs reuse it):

- `seed_demo --orgs 100 --guards 1000 --weeks 4`: 100 organizations x 1,000 guards, 560,000
  shifts (about 70 s);
- `seed_demo --prefix bench-small --orgs 1 --guards 10`: an organization with 10 guards;
- `seed_demo --prefix bench-huge --orgs 1 --guards 100000 --weeks 1`: one with 100,000;
- with `--million`, `seed_demo --prefix bench-mega --orgs 1 --guards 100000 --weeks 1`, then
  that week copied into the 7 weeks after it by one set-based statement as the owner
  (`INSERT ... SELECT ... FROM scheduling_shift, generate_series(1, 7)`, `extend_weeks`):
  one organization with 100,000 guards and 1,120,000 shifts (about 2 minutes, instead of
  building 1,120,000 rows in Python).

Each manager's organization also gets (once) what the newer pages show: a guard login (for
the guard's own page, /me/), leave requests (one pending per 200 guards, at least 5, and
four times as many decided), and a finished roster run of this week whose draft has an
assignment for every shift of the week (the run page, the board's draft view, the draft
CSV).

Then, for one user at a time (a manager of each of those sizes, and platform staff), it
requests each page through Django's test client in this process — the full middleware,
tenancy and database stack, no network — `--requests` times after two warm-up requests
(fewer, at least 3, for a page that would take more than 20 s; the "timed" column says how
many), and prints queries per page (every SQL statement on the database connections,
counted with CaptureQueriesContext, including the per-transaction organization setting) and
the p50/p95 of the wall time per request. Requests run as the runtime role
(`rostracore_app`: not superuser, not BYPASSRLS, not owner), so row-level security is on
(the run checks it and says so). With `--gunicorn` the same pages are then requested over
loopback from `gunicorn --workers 3` (one client, the same session), as p50/p95 too. A
statement slower than 10 s is cancelled (statement_timeout), so a page that slow shows
status 500 instead of hanging the run. The last lines compare the list pages' query counts
at 10 and at 100,000 employees: N+1 queries would make them differ.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import logging
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.environment import rerun_prefix, setup

setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.db.backends.signals import connection_created  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from operations.management.commands.seed_demo import PLATFORM_USERNAME  # noqa: E402
from organizations.models import Organization, User  # noqa: E402
from organizations.services import create_manager  # noqa: E402
from rostracore.tenancy.context import use_org  # noqa: E402
from rostracore.tenancy.db import operations_alias  # noqa: E402

RERUN = ".venv/bin/python bench/pages.py"
ROOT = Path(__file__).resolve().parent.parent
ALIAS = operations_alias()  # reads as the owner role when settings define it
DATASETS = [
    # (slug that proves it is there, seed_demo options)
    ("scale-100", {"orgs": 100, "guards": 1000, "weeks": 4}),
    ("bench-small-001", {"prefix": "bench-small", "orgs": 1, "guards": 10, "weeks": 4}),
    ("bench-huge-001", {"prefix": "bench-huge", "orgs": 1, "guards": 100_000, "weeks": 1}),
]
MILLION = ("bench-mega-001", {"prefix": "bench-mega", "orgs": 1, "guards": 100_000, "weeks": 1})
MILLION_WEEKS = 8  # the seeded week, copied 7 times by one INSERT ... SELECT: 1,120,000 shifts
MANAGERS = [
    ("manager, 10 guards", "manager@bench-small-001.example"),
    ("manager, 1,000 guards", "manager@scale-001.example"),
    ("manager, 100,000 guards", "manager@bench-huge-001.example"),
]
MILLION_MANAGER = ("manager, 1.12M shifts", "manager@bench-mega-001.example")
# (page, URL): {client}, {site}, {employee}, {run}, {year}, {month} are the organization's
# own (a client and a site with guards and shifts, a guard with shifts, the bench run).
MANAGER_PAGES = [
    ("dashboard", "/"),
    ("admin index dashboard", "/admin/"),
    ("employee list", "/employees/"),
    ("employee list, page 2", "/employees/?page=2"),
    ("employee list, last page", "/employees/?page=last"),
    ("employee list, search", "/employees/?q=E-0000"),  # E-00001..E-00009 in every org
    ("employee search q=mar", "/employees/?q=mar"),
    ("employee search q=dlamini", "/employees/?q=dlamini"),
    ("flex pool filter", "/employees/?client=flex"),
    ("client filter", "/employees/?client={client}"),
    ("sort by name, Z to A", "/employees/?sort=-name"),
    ("sort by number", "/employees/?sort=number"),
    ("employee detail", "/employees/{employee}/"),
    ("rosters page", "/scheduling/"),
    ("board", "/scheduling/board/"),
    ("board, draft", "/scheduling/board/?roster=draft"),
    ("board, open only", "/scheduling/board/?open_only=on"),
    ("site week", "/scheduling/sites/{site}/week/"),
    ("guard week", "/scheduling/guards/{employee}/week/"),
    ("run page", "/scheduling/runs/{run}/"),
    ("requests inbox", "/requests/"),
    ("admin employees", "/admin/employees/employee/"),
    ("admin employee search", "/admin/employees/employee/?q=mar"),
    ("admin employees, flex", "/admin/employees/employee/?assignment=flex"),
    ("admin employees, hired", "/admin/employees/employee/?hire_date__year={year}"),
    ("admin shifts", "/admin/scheduling/shift/"),
    ("admin shifts, month", "/admin/scheduling/shift/?start__year={year}&start__month={month}"),
    ("admin shifts, open", "/admin/scheduling/shift/?coverage=open"),
    ("admin shifts, site", "/admin/scheduling/shift/?site__id__exact={site}"),
    ("admin sites", "/admin/clients/site/"),
]
GUARD_PAGES = [("guard: my shifts", "/me/")]
PLATFORM_PAGES = [
    ("admin index dashboard", "/admin/"),
    ("admin employees", "/admin/employees/employee/"),
    ("admin employee search", "/admin/employees/employee/?q=mar"),
    ("admin shifts", "/admin/scheduling/shift/"),
    ("admin shifts, month", "/admin/scheduling/shift/?start__year={year}&start__month={month}"),
    ("admin shifts, open", "/admin/scheduling/shift/?coverage=open"),
    ("admin organizations", "/admin/organizations/organization/"),
    ("admin users", "/admin/organizations/user/"),
]
PAGE_BUDGET_SECONDS = 20
STATEMENT_TIMEOUT = "10s"  # per SQL statement of a page request; a slower page gets a 500
LIST_PAGES = ["employee list", "employee list, page 2", "employee list, search", "admin employees"]
GUNICORN_HOST, GUNICORN_PORT = "127.0.0.1", 8766


def _bound_statements(sender, connection, **kwargs) -> None:
    """Bound every statement of the pages under test (this process's own connections)."""
    if connection.alias == "default":
        with connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = '{STATEMENT_TIMEOUT}'")


def ensure_data(datasets: list) -> None:
    out = io.StringIO()
    call_command("migrate", verbosity=0, stdout=out)
    for slug, options in datasets:
        if Organization.objects.using(ALIAS).filter(slug=slug).exists():
            continue
        print(f"seeding: seed_demo {_flags(options)} ...", flush=True)
        call_command("seed_demo", stdout=out, **options)
        print("  " + out.getvalue().strip().splitlines()[-2], flush=True)


def extend_weeks(slug: str, weeks: int) -> int:
    """Copy the organization's seeded first week of shifts into the `weeks - 1` weeks after
    it, in one INSERT ... SELECT as the owner (the triggers count them per statement; the
    exclusion constraint still checks every guard's copy). Returns the shifts added; none
    when the organization already has them."""
    from scheduling.models import Shift

    org = Organization.objects.using(ALIAS).get(slug=slug)
    with use_org(org):
        if Shift.objects.using(ALIAS).count() > 140_000:
            return 0
    columns = [f.column for f in Shift._meta.concrete_fields if f.column != "id"]
    moved = {
        "start": "start + k * interval '7 days'",
        "end": "\"end\" + k * interval '7 days'",
        "local_date": "local_date + 7 * k",
    }
    select = ", ".join(moved.get(column, f'"{column}"') for column in columns)
    names = ", ".join(f'"{column}"' for column in columns)
    print(f"seeding: {slug}'s week copied into {weeks - 1} more (INSERT ... SELECT) ...")
    started = time.perf_counter()
    with use_org(org), connections[ALIAS].cursor() as cursor:
        cursor.execute(
            f"INSERT INTO scheduling_shift ({names}) "
            f"SELECT {select} FROM scheduling_shift, generate_series(1, %s) AS k "
            "WHERE org_id = %s",
            [weeks - 1, org.pk],
        )
        added = cursor.rowcount
        cursor.execute("ANALYZE scheduling_shift")
    print(f"  {added:,} shifts in {time.perf_counter() - started:.0f} s", flush=True)
    return added


def _flags(options: dict) -> str:
    return " ".join(f"--{key} {value}" for key, value in options.items())


def ensure_extras(org: Organization) -> dict[str, object]:
    """What the newer pages show, added once to `org` as the owner (raw SQL: fast at 100,000
    guards): a guard login, leave requests and a finished run of this week with a full
    draft. Returns the URL placeholders of the organization."""
    from employees.models import Employee
    from guards.models import LeaveRequest
    from scheduling.models import RosterRun, Shift
    from scheduling.services import draft_goals

    guard_login = f"guard@{org.slug}.bench"
    with use_org(org):
        guard = Employee.objects.using(ALIAS).filter(shifts__isnull=False).order_by("id").first()
        if not User.objects.using(ALIAS).filter(username=guard_login).exists():
            user = User(username=guard_login, email=guard_login, org=org, role=User.Role.GUARD)
            user.set_unusable_password()
            user.save(using=ALIAS)
            Employee.objects.using(ALIAS).filter(pk=guard.pk).update(user=user)
        guards = Employee.objects.using(ALIAS).count()
        if not LeaveRequest.objects.using(ALIAS).exists():
            pending = max(5, guards // 200)
            ids = list(
                Employee.objects.using(ALIAS)
                .order_by("id")
                .values_list("id", flat=True)[: pending * 5]
            )
            today = timezone.localdate()
            statuses = [LeaveRequest.Status.PENDING] + [LeaveRequest.Status.DECLINED] * 4
            LeaveRequest.objects.using(ALIAS).bulk_create(
                [
                    LeaveRequest(
                        org=org,
                        employee_id=pk,
                        start=today + dt.timedelta(days=10 + n % 30),
                        end=today + dt.timedelta(days=12 + n % 30),
                        status=statuses[n % 5],
                        created_at=timezone.now() - dt.timedelta(minutes=n),
                    )
                    for n, pk in enumerate(ids)
                ],
                batch_size=5000,
            )
        run = RosterRun.objects.using(ALIAS).filter(phase="bench").first()
        if run is None:
            first = Shift.objects.using(ALIAS).order_by("start").first()
            start = timezone.localtime(first.start).date()
            start -= dt.timedelta(days=start.weekday())
            run = RosterRun.objects.using(ALIAS).create(
                org=org,
                start_date=start,
                end_date=start + dt.timedelta(weeks=1),
                status=RosterRun.Status.DONE,
                phase="bench",
                finished_at=timezone.now(),
            )
            with connections[ALIAS].cursor() as cursor:
                cursor.execute(
                    "INSERT INTO scheduling_rosterassignment "
                    "(org_id, run_id, shift_id, employee_id, is_fixed, open_reason) "
                    "SELECT org_id, %s, id, employee_id, false, "
                    "CASE WHEN employee_id IS NULL THEN 'No guard free' ELSE '' END "
                    "FROM scheduling_shift WHERE org_id = %s AND start >= %s AND start < %s",
                    [run.pk, org.pk, run.start_date, run.end_date],
                )
                total = cursor.rowcount
            filled = Shift.objects.using(ALIAS).filter(
                start__date__gte=run.start_date,
                start__date__lt=run.end_date,
                employee__isnull=False,
            )
            RosterRun.objects.using(ALIAS).filter(pk=run.pk).update(
                total_shifts=total,
                filled_shifts=filled.count(),
                open_shifts=total,
                # what the worker stores with a draft (the run page shows it)
                **draft_goals(RosterRun.objects.using(ALIAS).get(pk=run.pk)),
            )
        shift = (
            Shift.objects.using(ALIAS)
            .filter(employee=guard)
            .select_related("site")
            .order_by("start")
            .first()
        )
        local = timezone.localtime(shift.start)
        hired = Employee.objects.using(ALIAS).filter(pk=guard.pk).values("hire_date").get()
        with connections[ALIAS].cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh statistics for the new rows
    return {
        "client": shift.site.client_id,
        "site": shift.site_id,
        "employee": guard.pk,
        "run": run.pk,
        "year": (hired["hire_date"] or local.date()).year,
        "month": local.month,
        "guard_login": guard_login,
    }


def _check_runtime_role() -> str:
    """The role the pages' connection uses, refusing one that would bypass row-level
    security (a benchmark as the owner or a superuser measures another plan)."""
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
        role, superuser, bypass = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relname = 'employees' "
            "AND relrowsecurity AND relforcerowsecurity"
        )
        (rls,) = cursor.fetchone()
    if superuser or bypass or not rls:
        sys.exit(f"The pages run as {role}, which bypasses row-level security: not measured.")
    return role


def _percentiles(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95


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
    p50, p95 = _percentiles(times)
    return response.status_code, queries, len(times), p50, p95


def measure_http(cookie: str, url: str, requests: int) -> tuple[int, int, float, float]:
    """(status, timed requests, p50 ms, p95 ms) of `url` from gunicorn over loopback."""
    full = f"http://{GUNICORN_HOST}:{GUNICORN_PORT}{url}"

    def get() -> int:
        request = urllib.request.Request(full, headers={"Cookie": cookie})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    for _ in range(2):
        get()
    times: list[float] = []
    status = 0
    budget = time.perf_counter() + PAGE_BUDGET_SECONDS
    while len(times) < requests and (len(times) < 3 or time.perf_counter() < budget):
        started = time.perf_counter()
        status = get()
        times.append((time.perf_counter() - started) * 1000)
    p50, p95 = _percentiles(times)
    return status, len(times), p50, p95


def _start_gunicorn() -> subprocess.Popen:
    with socket.socket() as probe:
        if probe.connect_ex((GUNICORN_HOST, GUNICORN_PORT)) == 0:
            sys.exit(f"Something already listens on {GUNICORN_HOST}:{GUNICORN_PORT}.")
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "rostracore.wsgi",
            "--bind",
            f"{GUNICORN_HOST}:{GUNICORN_PORT}",
            "--workers",
            "3",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("gunicorn exited before it served a page.")
        try:
            url = f"http://{GUNICORN_HOST}:{GUNICORN_PORT}/accounts/login/"
            with urllib.request.urlopen(url, timeout=5):
                return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    sys.exit("gunicorn did not answer within 60 s.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument(
        "--only", default="", help="only users whose label contains this (a|b: either)"
    )
    parser.add_argument(
        "--pages", default="", help="only pages whose name contains this (a|b: either)"
    )
    parser.add_argument(
        "--gunicorn", action="store_true", help="also time the pages through gunicorn -w 3"
    )
    parser.add_argument(
        "--million", action="store_true", help="add an organization of 1,120,000 shifts"
    )
    args = parser.parse_args()
    rerun = RERUN + "".join(
        f" {flag}"
        for flag, on in (
            (f"--requests {args.requests}", args.requests != 30),
            (f'--only "{args.only}"', args.only),
            (f'--pages "{args.pages}"', args.pages),
            ("--gunicorn", args.gunicorn),
            ("--million", args.million),
        )
        if on
    )
    ensure_data(DATASETS + ([MILLION] if args.million else []))
    if args.million:
        extend_weeks(MILLION[0], MILLION_WEEKS)
    managers = MANAGERS + ([MILLION_MANAGER] if args.million else [])

    logging.getLogger("django.request").setLevel(logging.ERROR)  # no 4xx warnings
    logging.getLogger("axes").setLevel(logging.WARNING)  # no line per login
    users = []
    for label, username in managers:
        user = User.objects.using(ALIAS).select_related("org").get(username=username)
        # Data seeded before managers joined the group: made a manager again, in place.
        create_manager(org=user.org, email=user.username, update_existing=True, using=ALIAS)
        places = ensure_extras(user.org)
        users.append((label, user, MANAGER_PAGES, places))
        guard = User.objects.using(ALIAS).get(username=places["guard_login"])
        users.append((label.replace("manager", "guard"), guard, GUARD_PAGES, places))
    connections["default"].close()
    connection_created.connect(_bound_statements)
    platform = User.objects.using(ALIAS).get(username=PLATFORM_USERNAME)
    users.append(("platform staff", platform, PLATFORM_PAGES, users[-1][3]))
    users = [u for u in users if any(part in u[0] for part in args.only.split("|"))]
    role = _check_runtime_role()
    from employees.models import Employee
    from scheduling.models import Shift

    print(
        f"\ndatabase: {Organization.objects.using(ALIAS).count()} organizations, "
        f"{Employee.all_orgs.using(ALIAS).count():,} employees, "
        f"{Shift.all_orgs.using(ALIAS).count():,} shifts; pages as role {role} (row-level "
        f"security on); {args.requests} timed requests per page, one user\n"
    )
    header = (
        f"{'user':<24} {'page':<26} {'status':>6} {'queries':>7} {'timed':>5} "
        f"{'p50 ms':>8} {'p95 ms':>8}"
    )
    print(header)
    print("-" * len(header))
    results: dict[tuple[str, str], int] = {}
    plan: list[tuple[str, Client, str, str]] = []
    for label, user, pages, places in users:
        client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
        client.force_login(user)
        for page, url in pages:
            if not any(part in page for part in args.pages.split("|")):
                continue
            url = url.format(**places)
            plan.append((label, client, page, url))
            status, queries, timed, p50, p95 = measure(client, url, args.requests)
            results[(label, page)] = queries
            print(
                f"{label:<24} {page:<26} {status:>6} {queries:>7} {timed:>5} "
                f"{p50:>8.1f} {p95:>8.1f}",
                flush=True,
            )
    print()
    small, huge = MANAGERS[0][0], MANAGERS[2][0]
    for page in LIST_PAGES:
        a, b = results.get((small, page)), results.get((huge, page))
        if a is None or b is None:
            continue
        verdict = "same" if a == b else "DIFFERENT"
        print(f"{page:<24} queries at 10 guards: {a:>3}   at 100,000 guards: {b:>3}   {verdict}")
    if args.gunicorn:
        run_gunicorn(plan, args.requests)
    print(f"\nrerun: {rerun_prefix()}{rerun}")


def run_gunicorn(plan: list[tuple[str, Client, str, str]], requests: int) -> None:
    """The same pages from `gunicorn --workers 3` on loopback, with each user's session."""
    connections.close_all()
    server = _start_gunicorn()
    try:
        print(f"\ngunicorn --workers 3 on {GUNICORN_HOST}:{GUNICORN_PORT}, one client\n")
        header = f"{'user':<24} {'page':<26} {'status':>6} {'timed':>5} {'p50 ms':>8} {'p95 ms':>8}"
        print(header)
        print("-" * len(header))
        for label, client, page, url in plan:
            name = settings.SESSION_COOKIE_NAME
            cookie = f"{name}={client.cookies[name].value}"
            status, timed, p50, p95 = measure_http(cookie, url, requests)
            print(
                f"{label:<24} {page:<26} {status:>6} {timed:>5} {p50:>8.1f} {p95:>8.1f}",
                flush=True,
            )
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
