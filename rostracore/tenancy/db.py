"""The database half of tenancy: every transaction knows the current organization.

Row-level security policies (see `operations.py`) compare each tenant row's `org_id` with
the setting `rostracore.org_id`, and allow platform reads when `rostracore.all_orgs` is on.
This module sets both (and the acting user, for the audit trail) from the ContextVars, per
transaction, on the connection that runs the query:

- through a plain cursor of its own, never the cursor that runs the query: for a named
  (server-side) cursor — `QuerySet.iterator()`, every `ModelChoiceField` — psycopg would
  send `DECLARE … FOR SELECT set_config(…)`, which declares a cursor and runs nothing.
  A value is recorded as applied only after the server executed it;

- with `set_config(..., true)` (transaction-local), never a session-level SET, so nothing
  survives into the next request on a pooled connection (PgBouncer transaction pooling
  included);
- inside a transaction block: before its first statement, and again whenever the wanted
  values change (a `use_org()` inside an atomic block) or a ROLLBACK TO SAVEPOINT may have
  undone them;
- in autocommit mode: the statement runs in a short transaction of its own together with
  the settings — unless no organization and no platform mode is wanted, which is what an
  unset variable already means (and what RLS treats as "no rows").

Only the runtime connection (alias "default") is wrapped: the owner alias runs migrations
and operations with BYPASSRLS.
"""

from __future__ import annotations

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from psycopg.pq import TransactionStatus

from rostracore.tenancy.context import current_actor_id, current_org, in_all_orgs_mode

OWNER_ALIAS = "owner"
ORG_SETTING = "rostracore.org_id"
ALL_ORGS_SETTING = "rostracore.all_orgs"
USER_SETTING = "rostracore.user_id"  # read by the audit trail's triggers (rostracore/audit)
_NOTHING = ("", "", "")
_SET_SQL = (
    f"SELECT set_config('{ORG_SETTING}', %s, true), "
    f"set_config('{ALL_ORGS_SETTING}', %s, true), "
    f"set_config('{USER_SETTING}', %s, true)"
)


def operations_alias() -> str:
    """The alias operations work through: the owner role when settings define it (it owns
    the tables, so pg_dump sees every row and COPY FROM is allowed), else "default" (one
    role for everything). Used by backups and seed_demo (operations/) and the benchmarks."""
    return OWNER_ALIAS if OWNER_ALIAS in settings.DATABASES else DEFAULT_DB_ALIAS


def _wanted() -> tuple[str, str, str]:
    org = current_org()
    actor = current_actor_id()
    return (
        str(org.pk) if org is not None else "",
        "on" if in_all_orgs_mode() else "",
        str(actor) if actor is not None else "",
    )


def _apply(raw_connection, wanted: tuple[str, str, str]) -> None:
    """Run the settings on a plain (client-side, unnamed) cursor of the raw connection."""
    with raw_connection.cursor() as cursor:
        cursor.execute(_SET_SQL, wanted)


def set_org_per_transaction(execute, sql, params, many, context):
    """An execute wrapper (Django's `connection.execute_wrappers`)."""
    connection = context["connection"]
    raw_connection = connection.connection
    wanted = _wanted()
    if connection.get_autocommit():
        if wanted == _NOTHING:
            return execute(sql, params, many, context)
        # A server-side cursor in autocommit mode is declared WITH HOLD: its rows are
        # materialised when this short transaction commits, with the settings in force.
        with raw_connection.transaction():
            _apply(raw_connection, wanted)
            return execute(sql, params, many, context)

    status = raw_connection.info.transaction_status
    if status == TransactionStatus.IDLE:
        connection.rostracore_applied = _NOTHING  # a new transaction starts with nothing set
    rollback = isinstance(sql, str) and sql.lstrip().upper().startswith("ROLLBACK")
    # After an error only a rollback can run (an aborted transaction ignores everything
    # else, the settings included); the rollback itself needs no settings.
    if (
        not rollback
        and status != TransactionStatus.INERROR
        and getattr(connection, "rostracore_applied", None) != wanted
    ):
        connection.rostracore_applied = None  # unknown until the server has run them
        _apply(raw_connection, wanted)
        connection.rostracore_applied = wanted
    result = execute(sql, params, many, context)
    if rollback:
        connection.rostracore_applied = None  # the settings may have been rolled back too
    return result


def install_wrapper(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: wrap the runtime connection, once per wrapper object."""
    if connection.alias != DEFAULT_DB_ALIAS:
        return
    connection.rostracore_applied = None
    if set_org_per_transaction not in connection.execute_wrappers:
        connection.execute_wrappers.append(set_org_per_transaction)


# Tables only migrations write: the schema's history, content types, permissions and which
# group holds which permission. The runtime role reads them; a bug in a request can't grant
# the Manager group every permission or rewrite the migration history.
SCHEMA_TABLES = (
    "django_migrations",
    "django_content_type",
    "auth_permission",
    "auth_group_permissions",
)


def grant_runtime_role(using: str = OWNER_ALIAS, **kwargs) -> None:
    """`post_migrate` receiver: let the runtime role read every table the owner made, and
    write those it serves requests with (not SCHEMA_TABLES), now and in the future — and
    nothing more (no DDL, no TRUNCATE, no ownership)."""
    from django.db import connections

    if using != OWNER_ALIAS or OWNER_ALIAS not in settings.DATABASES:
        return
    runtime_user = settings.DATABASES[DEFAULT_DB_ALIAS].get("USER")
    owner = connections[OWNER_ALIAS]
    if not runtime_user or runtime_user == owner.settings_dict.get("USER"):
        return  # one role for everything: nothing to grant
    quoted = owner.ops.quote_name(runtime_user)
    with owner.cursor() as cursor:
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {quoted}")
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}"
        )
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
        cursor.execute(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {quoted}"
        )
        cursor.execute(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
            f"GRANT USAGE, SELECT ON SEQUENCES TO {quoted}"
        )
        cursor.execute(
            "SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables "
            "WHERE schemaname = 'public' AND tablename = ANY(%s)",
            [list(SCHEMA_TABLES)],
        )
        tables = cursor.fetchone()[0]
        if tables:
            cursor.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {tables} FROM {quoted}")
        # Views are read-only for the runtime role. A view runs as its owner, and a simple
        # one is updatable: a write through it would not be bound by row-level security.
        # (employees_search, employees 0014, is such a view: it filters by the organization
        # itself so that its trigram index stays usable; see that migration.)
        cursor.execute(
            "SELECT string_agg(quote_ident(viewname), ', ') FROM pg_views "
            "WHERE schemaname = 'public'"
        )
        views = cursor.fetchone()[0]
        if views:
            cursor.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {views} FROM {quoted}")
