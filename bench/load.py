"""Benchmark: 50 managers at once against the pages, with locust, on loopback only.

    .venv/bin/python bench/load.py                         # 50 users, 60 s, 100 orgs
    .venv/bin/python bench/load.py --huge                  # all in the 100,000-guard org
    .venv/bin/python bench/load.py --users 5 --seconds 20  # smaller
    .venv/bin/python bench/load.py --huge --login          # log in through the form first

Uses the bench data folder (ROSTRACORE_PGDATA, default /tmp/rostracore-bench — the one
bench/pages.py fills; `seed_demo --orgs 100 --guards 1000 --weeks 4` is run first and adds
only what is missing), starts gunicorn (`--workers 3`, DEBUG on, as for a local demo) on
127.0.0.1:8765 and, in this process, a locust run: every simulated user is the manager of
a random one of the 100 organizations (with `--huge`: of the 100,000-guard organization
bench/pages.py seeded), with a session made beforehand (Django's test client's
`force_login`, as bench/pages.py; with `--login`, each user logs in through the login form
first instead: 1.5 M PBKDF2 iterations, about a second of CPU a login, which on 2 cores
is most of a 60 s run), then, with 0.5-2 s pauses, opens the
dashboard, the employee list (first page, a later page, the last page, a search), an
employee's detail page, the Rosters page, the board, the requests inbox and the admin's
employee and shift changelists. Bounded in time
(`--seconds`) and in count (`--max-requests`: the run stops at whichever comes first).
Prints requests, failures, median and p95 per page and in total; stops gunicorn.

Nothing listens beyond loopback: the server binds 127.0.0.1 only and locust targets it.
"""

from __future__ import annotations

# isort: off
# locust patches the standard library for gevent at import; it must come before the rest.
from locust import HttpUser, between, events, task

# isort: on

import argparse
import os
import random
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import gevent
from locust.env import Environment

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.environment import configure, rerun_prefix  # noqa: E402

PYTHON = str(Path(sys.executable))
HOST, PORT = "127.0.0.1", 8765
RERUN = ".venv/bin/python bench/load.py"
PASSWORD = "rostracore-demo"
ORGS = 100
HUGE = {"on": False}  # --huge: every user is the 100,000-guard organization's manager
SESSION_COOKIE = "sessionid"
SESSIONS: dict[str, list[str]] = {}  # slug -> session keys of its manager (not --login)
ORG_SLUGS: list[str] = []  # one a user, in the order users start
# Run in a subprocess (this one is patched for gevent): a logged-in session per user, as
# Django's test client makes them (bench/pages.py does the same).
_MAKE_SESSIONS = """
import sys
from django.test import Client
from organizations.models import User
for slug in sys.argv[1:]:
    user = User.objects.get(username=f"manager@{slug}.example")
    client = Client()
    client.force_login(user)
    print(slug, client.cookies["sessionid"].value)
"""
_EMPLOYEE_LINK = re.compile(r'href="/employees/(\d+)/"')


class Manager(HttpUser):
    wait_time = between(0.5, 2)

    def on_start(self) -> None:
        slug = "bench-huge-001" if HUGE["on"] else f"scale-{random.randint(1, ORGS):03d}"
        if SESSIONS:
            slug = ORG_SLUGS.pop()  # a session made beforehand: the run measures pages, not PBKDF2
            self.client.cookies.set(SESSION_COOKIE, SESSIONS[slug].pop(), domain=HOST)
            self.employee_ids = []
            return
        page = self.client.get("/accounts/login/", name="login form")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        response = self.client.post(
            "/accounts/login/",
            data={
                "username": f"manager@{slug}.example",
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            headers={"Referer": f"http://{HOST}:{PORT}/accounts/login/"},
            name="login",
        )
        if "/accounts/login/" in response.url:
            response.failure("login failed")
        self.employee_ids: list[str] = []

    @task(3)
    def dashboard(self) -> None:
        self.client.get("/", name="dashboard")

    @task(4)
    def employee_list(self) -> None:
        response = self.client.get("/employees/", name="employee list")
        self.employee_ids = _EMPLOYEE_LINK.findall(response.text) or self.employee_ids

    @task(2)
    def employee_list_later_page(self) -> None:
        self.client.get(f"/employees/?page={random.randint(2, 20)}", name="employee list, page n")

    @task(2)
    def employee_search(self) -> None:
        self.client.get(f"/employees/?q=E-00{random.randint(10, 99)}", name="employee search")

    @task(3)
    def employee_detail(self) -> None:
        if self.employee_ids:
            pk = random.choice(self.employee_ids)
            self.client.get(f"/employees/{pk}/", name="employee detail")

    @task(1)
    def employee_list_last_page(self) -> None:
        self.client.get("/employees/?page=last", name="employee list, last page")

    @task(1)
    def rosters(self) -> None:
        self.client.get("/scheduling/", name="rosters page")

    @task(2)
    def board(self) -> None:
        self.client.get("/scheduling/board/", name="board")

    @task(1)
    def requests_inbox(self) -> None:
        self.client.get("/requests/", name="requests inbox")

    @task(1)
    def admin_employees(self) -> None:
        self.client.get("/admin/employees/employee/", name="admin employees")

    @task(1)
    def admin_shifts(self) -> None:
        self.client.get("/admin/scheduling/shift/", name="admin shifts")


def _manage(*args: str, env: dict) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def _port_free() -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((HOST, PORT)) != 0


def _wait_until_up(server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("gunicorn exited before it served a page.")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{PORT}/accounts/login/", timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"gunicorn did not answer on {HOST}:{PORT} within {timeout:.0f} s.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--max-requests", type=int, default=50_000)
    parser.add_argument("--huge", action="store_true", help="the 100,000-guard organization")
    parser.add_argument(
        "--login",
        action="store_true",
        help="log every user in through the login form (PBKDF2: about a second of CPU each)",
    )
    args = parser.parse_args()
    HUGE["on"] = args.huge
    rerun = RERUN + (" --huge" if args.huge else "") + (" --login" if args.login else "")
    if (args.users, args.seconds, args.max_requests) != (50, 60, 50_000):
        rerun += (
            f" --users {args.users} --seconds {args.seconds} --max-requests {args.max_requests}"
        )

    env = configure(environ=dict(os.environ))  # a local demo server; seed_demo needs DEBUG
    env["PYTHONUNBUFFERED"] = "1"
    print("preparing data (migrate; seed_demo adds only what is missing) ...", flush=True)
    _manage("migrate", "-v0", env=env)
    _manage("seed_demo", "--orgs", str(ORGS), "--guards", "1000", "--weeks", "4", env=env)

    if not args.login:
        slugs = ["bench-huge-001"] * args.users if args.huge else []
        if not args.huge:
            slugs = [f"scale-{random.randint(1, ORGS):03d}" for _ in range(args.users)]
        made = subprocess.run(
            [PYTHON, "-c", "import django; django.setup()\n" + _MAKE_SESSIONS, *slugs],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        for line in made.stdout.split("\n"):
            if line.strip():
                slug, key = line.split()
                SESSIONS.setdefault(slug, []).append(key)
        # Each user takes one of these; the users' own random org must be one made here.
        ORG_SLUGS[:] = [slug for slug, keys in SESSIONS.items() for _ in keys]

    if not _port_free():
        sys.exit(f"Something already listens on {HOST}:{PORT}; stop it first.")
    server = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "rostracore.wsgi",
            "--bind",
            f"{HOST}:{PORT}",
            "--workers",
            "3",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        _wait_until_up(server)
        stats = run_locust(args.users, args.seconds, args.max_requests)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    report(stats, args)
    print(f"\nrerun: {rerun_prefix()}{rerun}")


def run_locust(users: int, seconds: int, max_requests: int):
    environment = Environment(user_classes=[Manager], host=f"http://{HOST}:{PORT}", events=events)
    runner = environment.create_local_runner()

    @environment.events.request.add_listener
    def _stop_at_count(**kwargs) -> None:
        if environment.stats.total.num_requests >= max_requests and runner.state != "stopping":
            runner.quit()

    print(f"locust: {users} users for {seconds} s against http://{HOST}:{PORT} ...", flush=True)
    started = time.monotonic()
    runner.start(users, spawn_rate=users)  # all users at once; each logs in first
    gevent.spawn_later(seconds, runner.quit)
    runner.greenlet.join()
    environment.stats.elapsed = time.monotonic() - started
    return environment.stats


def report(stats, args) -> None:
    print(
        f"\n{args.users} users, {stats.elapsed:.0f} s (bounded at {args.seconds} s or "
        f"{args.max_requests:,} requests), loopback, gunicorn --workers 3\n"
    )
    header = (
        f"{'page':<24} {'requests':>9} {'failures':>9} {'median ms':>10} {'p95 ms':>8} {'req/s':>7}"
    )
    print(header)
    print("-" * len(header))
    entries = sorted(stats.entries.values(), key=lambda e: -e.num_requests)
    for entry in [*entries, stats.total]:
        name = "total" if entry is stats.total else entry.name
        print(
            f"{name:<24} {entry.num_requests:>9} {entry.num_failures:>9} "
            f"{entry.median_response_time or 0:>10.0f} "
            f"{entry.get_response_time_percentile(0.95) or 0:>8.0f} "
            f"{entry.num_requests / max(stats.elapsed, 1):>7.1f}"
        )
    for error in stats.errors.values():
        print(f"failure: {error.method} {error.name}: {error.error} x{error.occurrences}")


if __name__ == "__main__":
    main()
