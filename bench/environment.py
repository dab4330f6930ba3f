"""What the benchmarks share: development settings for a benchmark run, and the environment
a rerun needs. Each script puts this folder's parent on sys.path, then calls `setup()`.

BENCH_PGDATA is the embedded PostgreSQL folder the page and load benchmarks keep their
100,000-guard data in, so a rerun does not seed it again.
"""

from __future__ import annotations

import os

BENCH_PGDATA = "/tmp/rostracore-bench"


def configure(pgdata: str = BENCH_PGDATA, environ: dict | None = None) -> dict:
    """Development settings (DEBUG on, on loopback) with `pgdata` as the data folder, unless
    DATABASE_URL points elsewhere. Sets them in `environ` (default: this process's)."""
    environ = os.environ if environ is None else environ
    environ.setdefault("DJANGO_SETTINGS_MODULE", "rostracore.settings")
    environ.setdefault("DJANGO_DEBUG", "true")  # throwaway or bench data, never production's
    if not environ.get("DATABASE_URL"):
        environ.setdefault("ROSTRACORE_PGDATA", pgdata)
    return environ


def setup(pgdata: str = BENCH_PGDATA) -> None:
    configure(pgdata)
    import django

    django.setup()


def rerun_prefix() -> str:
    """The environment a rerun needs, when it differs from the default."""
    folder = os.environ.get("ROSTRACORE_PGDATA")
    if folder and folder != BENCH_PGDATA and not os.environ.get("DATABASE_URL"):
        return f"ROSTRACORE_PGDATA={folder} "
    return ""
