"""Benchmark: peak memory and time of the roster CSV export at 100,000 guards.

    .venv/bin/python bench/export.py                  # data in /tmp/rostracore-bench
    ROSTRACORE_PGDATA=/some/folder .venv/bin/python bench/export.py --weeks 4

Uses the data bench/pages.py seeded (run it first): the manager of the 100,000-guard
organization (and of the 1,120,000-shift one, when `bench/pages.py --million` added it)
downloads `/scheduling/export.csv` for `--weeks` weeks from the first shift, through
Django's test client in this process, as the runtime role (row-level security on). The
response streams (scheduling.views.export_csv): the body is read chunk by chunk and
counted, never kept, as a browser saving the file would; first for one week, then for
`--weeks`: streamed, the peak must not grow with the rows. Prints rows, megabytes, seconds,
the peak of Python's traced allocations during the request (tracemalloc) and the growth of
the process's peak resident memory (ru_maxrss), beside what the rows would take if they sat
in memory at once (the size of the CSV itself, a lower bound).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.environment import rerun_prefix, setup

setup()

from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from organizations.models import User  # noqa: E402
from rostracore.tenancy.context import use_org  # noqa: E402
from rostracore.tenancy.db import operations_alias  # noqa: E402
from scheduling.models import Shift  # noqa: E402

RERUN = ".venv/bin/python bench/export.py"
ALIAS = operations_alias()
MANAGERS = ["manager@bench-huge-001.example", "manager@bench-mega-001.example"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=4)
    args = parser.parse_args()
    logging.getLogger("axes").setLevel(logging.WARNING)
    print(
        f"{'manager':<34} {'weeks':>5} {'rows':>9} {'MB':>7} {'s':>6} {'traced peak MB':>15} "
        f"{'RSS +MB':>8}"
    )
    for username, weeks in [(u, w) for u in MANAGERS for w in (1, args.weeks)]:
        user = User.objects.using(ALIAS).select_related("org").filter(username=username).first()
        if user is None:
            continue
        with use_org(user.org):
            first = Shift.objects.using(ALIAS).order_by("start").values_list("start", flat=True)
            start = timezone.localtime(first.first(), timezone.get_current_timezone()).date()
        end = start + dt.timedelta(weeks=weeks)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        url = f"/scheduling/export.csv?start={start}&end={end}"
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        tracemalloc.start()
        started = time.perf_counter()
        response = client.get(url)
        size = lines = 0
        for chunk in response.streaming_content:
            size += len(chunk)
            lines += chunk.count(b"\n")
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
        print(
            f"{username:<34} {weeks:>5} {lines - 1:>9,} {size / 2**20:>7.1f} {seconds:>6.1f} "
            f"{peak / 2**20:>15.1f} {rss_growth:>8.1f}",
            flush=True,
        )
    weeks = "" if args.weeks == 4 else f" --weeks {args.weeks}"
    print(f"\nrerun: {rerun_prefix()}{RERUN}{weeks}")


if __name__ == "__main__":
    main()
