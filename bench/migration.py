"""Benchmark: the employees org_id migration on 1,000,000 legacy rows, and its locks.

    .venv/bin/python bench/migration.py                 # 1,000,000 rows, throwaway server
    .venv/bin/python bench/migration.py --rows 100000   # smaller, quicker

Builds the legacy `employees` table (employees 0001, before organizations) in a fresh
throwaway embedded PostgreSQL (or the server and database named by DATABASE_URL — use an
empty scratch database), fills it with `--rows` guards by one INSERT ... SELECT from
generate_series, VACUUM ANALYZEs it, creates one organization, then applies every
migration up to the latest of every app — `manage.py migrate`'s plan, through Django's
MigrationExecutor: employees 0002 .. 0007 are the multi-tenancy story, later ones what the
app has added since (e.g. rostracore.tenancy 0001: row-level security, the (org_id, id) key
and composite foreign keys on `employees` and the other tenant tables).

It prints, per migration, the wall time and the longest time any statement held an ACCESS
EXCLUSIVE lock on `employees`, and the totals.

How the lock hold is measured (for real, from the server's own lock table):

- A sampler thread, on its own connection, runs one prepared statement in a tight loop:
  `pg_locks` joined to `pg_stat_activity` for granted `AccessExclusiveLock`s on the
  `employees` relation, with the server's `clock_timestamp()`. Each poll takes ~0.2-1 ms;
  the printed resolution line gives the median and the longest gap between polls.
- A hold is one (pid, transaction start) seen holding the lock in consecutive polls. Its
  **upper bound** is (server time of the first poll that no longer sees it) minus (the later
  of: the holder's `xact_start`, the server time of the poll before it was first seen):
  the lock cannot have been taken before either, nor released after the poll that misses
  it. That upper bound is what the table reports. A hold that no poll saw was shorter than
  the longest gap between polls (also printed).
- Locks last until the end of the transaction, so in an atomic migration the hold includes
  everything after the locking statement until COMMIT (including Django recording the
  migration); the bound covers that too.
- A reader thread meanwhile reads one random employee by primary key every ~5 ms, as the
  application would, and the table shows the slowest read: what a user would have waited.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.environment import setup

setup(pgdata="throwaway")

from django.db import connections  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402

from operations.backups import target_for  # noqa: E402
from rostracore.tenancy.db import operations_alias  # noqa: E402

RERUN = ".venv/bin/python bench/migration.py"
BASELINE = [
    ("employees", "0001_initial"),
    ("organizations", "0001_initial"),
    ("clients", "0001_initial"),
]
POLL_SQL = """
    SELECT t.now, h.pid, h.xact_start, h.query FROM (SELECT clock_timestamp() AS now) t
    LEFT JOIN (
        SELECT l.pid, a.xact_start, left(regexp_replace(a.query, '\\s+', ' ', 'g'), 70) AS query
        FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'relation' AND l.relation = %s::oid
          AND l.mode = 'AccessExclusiveLock' AND l.granted
    ) h ON true
"""
LEGACY_INSERT = """
    INSERT INTO employees (first_name, last_name, employee_number, psira_number, psira_grade,
                           phone, email, is_active, hire_date)
    SELECT 'First' || i, 'Last' || (i %% 97), 'L-' || lpad(i::text, 7, '0'),
           (1000000 + i)::text, substr('ABCDE', i %% 5 + 1, 1), '+27 82 ' || lpad(i::text, 7, '0'),
           'guard' || i || '@legacy.example', i %% 11 <> 0,
           CASE WHEN i %% 7 = 0 THEN NULL ELSE date '2010-01-01' + (i %% 5000) END
    FROM generate_series(1, %s) AS i
"""


@dataclass
class Hold:
    pid: int
    xact_start: object
    first_seen: object
    last_seen: object
    before_first: object  # server time of the poll before it was first seen
    first_seen_mono: float
    gone: object = None
    queries: list[str] = field(default_factory=list)

    @property
    def upper_ms(self) -> float:
        start = max(self.xact_start, self.before_first) if self.before_first else self.xact_start
        return (self.gone - start).total_seconds() * 1000

    @property
    def lower_ms(self) -> float:
        return (self.last_seen - self.first_seen).total_seconds() * 1000


class Sampler(threading.Thread):
    def __init__(self, target, relation_oid: int):
        super().__init__(daemon=True)
        self.target, self.oid = target, relation_oid
        self.stop = threading.Event()
        self.holds: list[Hold] = []
        self.poll_times: list = []

    def run(self) -> None:
        open_holds: dict[tuple, Hold] = {}
        previous = None
        with self.target.connect(autocommit=True) as conn, conn.cursor() as cursor:
            while not self.stop.is_set():
                rows = cursor.execute(POLL_SQL, [self.oid], prepare=True).fetchall()
                now = rows[0][0]
                self.poll_times.append(now)
                seen = set()
                for _, pid, xact_start, query in rows:
                    if pid is None:
                        continue
                    key = (pid, xact_start)
                    seen.add(key)
                    hold = open_holds.get(key)
                    if hold is None:
                        hold = open_holds[key] = Hold(
                            pid, xact_start, now, now, previous, time.monotonic()
                        )
                    hold.last_seen = now
                    if query not in hold.queries:
                        hold.queries.append(query)
                for key in list(open_holds):
                    if key not in seen:
                        hold = open_holds.pop(key)
                        hold.gone = now
                        self.holds.append(hold)
                previous = now
        for hold in open_holds.values():  # still held at the end: bound by the last poll
            hold.gone = previous
            self.holds.append(hold)

    def gaps_ms(self) -> list[float]:
        times = self.poll_times
        return [(b - a).total_seconds() * 1000 for a, b in itertools.pairwise(times)]


class Reader(threading.Thread):
    """Reads one random employee by primary key every ~5 ms, like application traffic."""

    def __init__(self, target, rows: int):
        super().__init__(daemon=True)
        self.target, self.rows = target, rows
        self.stop = threading.Event()
        self.latencies: list[float] = []

    def run(self) -> None:
        rng = random.Random(1)
        with self.target.connect(autocommit=True) as conn:
            while not self.stop.is_set():
                started = time.perf_counter()
                conn.execute(
                    "SELECT first_name FROM employees WHERE id = %s", [rng.randint(1, self.rows)]
                ).fetchone()
                self.latencies.append((time.perf_counter() - started) * 1000)
                time.sleep(0.005)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="legacy employees")
    args = parser.parse_args()
    rerun = RERUN + ("" if args.rows == 1_000_000 else f" --rows {args.rows}")

    alias = operations_alias()
    connection = connections[alias]
    executor = MigrationExecutor(connection)
    if executor.loader.applied_migrations:
        sys.exit("The database already has migrations applied; point the bench at an empty one.")
    executor.migrate(BASELINE)
    target = target_for(alias)

    started = time.perf_counter()
    with target.connect(autocommit=True) as conn:
        conn.execute(
            "INSERT INTO organizations (company_name, slug, timezone, created_at) "
            "VALUES ('Legacy Guarding', 'legacy', 'Africa/Johannesburg', now())"
        )
        conn.execute(LEGACY_INSERT, [args.rows])
        conn.execute("VACUUM ANALYZE employees")
        (oid,) = conn.execute("SELECT 'employees'::regclass::oid").fetchone()
        (size,) = conn.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('employees'))"
        ).fetchone()
    print(
        f"Legacy table: {args.rows:,} employees ({size}) in {time.perf_counter() - started:.1f} s"
    )

    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    plan = executor.migration_plan(leaves)
    spans: list[tuple[str, float, float]] = []

    def progress(action, migration=None, fake=False):
        if action == "apply_start":
            spans.append((f"{migration.app_label} {migration.name}", time.monotonic(), 0.0))
        elif action == "apply_success":
            name, began, _ = spans[-1]
            spans[-1] = (name, began, time.monotonic())

    executor.progress_callback = progress
    sampler, reader = Sampler(target, oid), Reader(target, args.rows)
    sampler.start()
    reader.start()
    time.sleep(0.2)
    began = time.perf_counter()
    executor.migrate(leaves, plan=plan)
    total = time.perf_counter() - began
    time.sleep(0.2)
    sampler.stop.set()
    reader.stop.set()
    sampler.join()
    reader.join()

    with target.connect() as conn:
        org_rows = conn.execute("SELECT count(*) FROM employees WHERE org_id IS NOT NULL")
        (backfilled,) = org_rows.fetchone()

    def holds_in(index: int) -> list[Hold]:
        """Holds first seen while migration `index` ran (until the next one started)."""
        began_at = spans[index][1]
        until = spans[index + 1][1] if index + 1 < len(spans) else float("inf")
        return [h for h in sampler.holds if began_at <= h.first_seen_mono < until]

    print()
    print(f"{'migration':<48} {'time (s)':>9} {'ACCESS EXCLUSIVE (ms)':>22}  longest holder")
    quiet, quiet_seconds = 0, 0.0
    for index, (name, began_at, ended_at) in enumerate(spans):
        holds = holds_in(index)
        longest = max(holds, key=lambda h: h.upper_ms, default=None)
        if not holds and not name.startswith("employees ") and ended_at - began_at < 1:
            quiet, quiet_seconds = quiet + 1, quiet_seconds + ended_at - began_at
            continue  # other apps' migrations that never locked employees: summed below
        held = f"{longest.upper_ms:.1f} ({len(holds)} holds)" if longest else "none seen"
        what = longest.queries[0] if longest else ""
        print(f"{name:<48} {ended_at - began_at:>9.2f} {held:>22}  {what}")
    print(f"{f'{quiet} other migrations (no lock on employees)':<48} {quiet_seconds:>9.2f}")
    longest = max(sampler.holds, key=lambda h: h.upper_ms, default=None)
    gaps = sampler.gaps_ms()
    reads = sorted(reader.latencies)
    print(
        f"{'total':<48} {total:>9.2f} "
        f"{(f'{longest.upper_ms:.1f}' if longest else 'none'):>22}  "
        f"(longest hold, upper bound; lower bound {longest.lower_ms if longest else 0:.1f} ms)"
    )
    print()
    print(f"rows backfilled:           {backfilled:,} of {args.rows:,}")
    print(
        f"sampler resolution:        {len(gaps) + 1:,} polls, gap median "
        f"{statistics.median(gaps):.2f} ms, max {max(gaps):.2f} ms "
        "(an unseen hold was shorter than the max gap)"
    )
    print(
        f"concurrent reads by pk:    {len(reads):,}, p50 {reads[len(reads) // 2]:.2f} ms, "
        f"p99 {reads[int(len(reads) * 0.99)]:.2f} ms, max {reads[-1]:.2f} ms"
    )
    verdict = "PASS" if longest is None or longest.upper_ms < 1000 else "FAIL"
    print(f"target longest ACCESS EXCLUSIVE hold < 1000 ms: {verdict}")
    print(f"\nrerun: {rerun}")


if __name__ == "__main__":
    main()
