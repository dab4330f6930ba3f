import os

import pytest
from django.db import connections
from django.test import TransactionTestCase

from rostracore.tenancy.context import all_organizations
from rostracore.tenancy.db import OWNER_ALIAS
from tests.factories import (
    ClientFactory,
    EmployeeFactory,
    OrganizationFactory,
    PlatformUserFactory,
    SiteFactory,
    UserFactory,
)
from tests.tallies import TALLIES, lines, merge

# Tests never touch development data: without DATABASE_URL each test process starts its own
# embedded PostgreSQL in a temporary folder (read when the first connection opens).
os.environ.setdefault("ROSTRACORE_PGDATA", "throwaway")


# What the suite changes from production, and why (nothing else differs):
# - DJANGO_DEBUG=true (pyproject.toml, [tool.pytest_env]: pytest-django reads the settings
#   before this file runs): the development SECRET_KEY, no HTTPS redirect. Django still runs
#   each test with settings.DEBUG off.
# - a fast password hasher: PBKDF2's 1.5M iterations cost 0.55 s per user, and the suite makes
#   hundreds. tests/security/test_deploy_settings.py proves production hashes with PBKDF2.
# - DJANGO_DEBUG=true (pyproject.toml, pytest-env): development settings, as `make run`.
# - Modules that solve rosters through the app ask for `solver_bounded_by_work`
#   (tests/scheduling/conftest.py): one CP-SAT worker and a deterministic limit instead of
#   wall-clock seconds, so a busy machine gets the same roster.
TEST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_configure(config):
    from django.conf import settings

    settings.PASSWORD_HASHERS = TEST_PASSWORD_HASHERS


def pytest_sessionfinish(session):
    """An xdist worker hands its figures (tests/tallies.py) to the controller."""
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["tallies"] = {k: dict(v) for k, v in TALLIES.items()}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    merge(getattr(node, "workeroutput", {}).get("tallies", {}))


def pytest_terminal_summary(terminalreporter):
    for line in lines():
        terminalreporter.write_line(line)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Browser tests run last. Playwright's sync API keeps an event loop running in the main
    thread until the session ends, and asgiref's async_to_sync (the async and ASGI tests)
    refuses to run in a thread with a running loop. Runs after pytest-django's own ordering;
    the sort is stable, so everything else keeps its order."""
    items.sort(key=lambda item: "tests/browser/" in item.nodeid)


# What migrations put in the database and no test may wipe: the schema's history, content
# types, permissions and the groups data migrations made (the Manager group).
_SCHEMA_TABLES = (
    "django_migrations",
    "django_content_type",
    "auth_permission",
    "auth_group",
    "auth_group_permissions",
)


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker, request):
    """Create the test database as the owner role; run every test as the runtime role.

    Django would create it through "default", but the runtime role may not create
    databases or tables (and must not own them, or row-level security would not bind it).
    So the owner creates and migrates it, then "default" points at the same database with
    exactly the privileges production gives the runtime role (no TRUNCATE: transactional
    tests are cleaned up by the owner, see `_truncate_as_owner`).
    """
    from django.test.utils import setup_databases, teardown_databases

    verbosity = request.config.option.verbose
    with django_db_blocker.unblock():
        config = setup_databases(
            verbosity=verbosity, interactive=False, aliases={OWNER_ALIAS}, serialized_aliases=set()
        )
        connections["default"].creation.set_as_test_mirror(connections[OWNER_ALIAS].settings_dict)
        with connections[OWNER_ALIAS].cursor() as cursor:
            cursor.execute("SELECT array_agg(id) FROM auth_group")
            _kept_groups[:] = cursor.fetchone()[0] or []
        TransactionTestCase._fixture_teardown = lambda self: truncate_as_owner()
    yield
    with django_db_blocker.unblock():
        for connection in connections.all():
            connection.close()
        if _owner_connection is not None:
            _owner_connection.close()
        teardown_databases(config, verbosity=verbosity)


_owner_connection = None


def owner_connection():
    """A psycopg connection (autocommit) as the owner role, outside Django's connection
    handling: for the harness's own setup and cleanup, which no test's `databases` lists."""
    global _owner_connection
    import psycopg

    if _owner_connection is None or _owner_connection.closed:
        params = connections[OWNER_ALIAS].get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        _owner_connection = psycopg.connect(**params, autocommit=True)
    return _owner_connection


_kept_groups: list[int] = []


def truncate_as_owner() -> None:
    """Empty every data table, as the owner, in one TRUNCATE; keep what migrations made.

    Replaces `TransactionTestCase._fixture_teardown` (Django's `flush` through the runtime
    role), and ends each live world (tests/crawl/world.py). No later test finds the Manager
    group or the permissions gone, and the runtime role never needs TRUNCATE. Sequences go
    on counting, so ids are never reused."""
    with owner_connection().cursor() as cursor:
        cursor.execute(
            "SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables "
            "WHERE schemaname = 'public' AND NOT tablename = ANY(%s)",
            [list(_SCHEMA_TABLES)],
        )
        tables = cursor.fetchone()[0]
        cursor.execute(f"TRUNCATE {tables} CASCADE")
        cursor.execute(
            "DELETE FROM auth_group_permissions WHERE NOT group_id = ANY(%s)", [_kept_groups]
        )
        cursor.execute("DELETE FROM auth_group WHERE NOT id = ANY(%s)", [_kept_groups])


@pytest.fixture
def observer():
    """Platform mode for a test body that inspects every organization's rows through
    `Model.all_orgs` (reads only: row-level security lets platform mode write nothing).
    Ask for it by name. Code under test runs in the scope it sets up itself: requests get
    theirs from the middleware, services and tasks from `use_org()`."""
    with all_organizations():
        yield


@pytest.fixture
def org_a(db):
    return OrganizationFactory(company_name="Alpha Guarding", slug="alpha")


@pytest.fixture
def org_b(db):
    return OrganizationFactory(company_name="Bravo Security", slug="bravo")


@pytest.fixture
def manager_a(org_a):
    return UserFactory(org=org_a, username="alice@alpha.example")


@pytest.fixture
def manager_b(org_b):
    return UserFactory(org=org_b, username="bob@bravo.example")


@pytest.fixture
def platform_user(db):
    return PlatformUserFactory(username="staff@rostracore.example")


@pytest.fixture
def two_orgs(org_a, org_b):
    """Each organization with a client, a site, a dedicated and a flex guard.

    Org B's rows carry the canary string "CANARYB" so a test can assert it never appears
    in anything org A is shown.
    """
    data = {}
    for org, tag in ((org_a, "Alpha"), (org_b, "CANARYB")):
        client = ClientFactory(org=org, client_name=f"{tag} Client")
        site = SiteFactory(org=org, client=client, name=f"{tag} Site")
        dedicated = EmployeeFactory(
            org=org, first_name=f"{tag}Ded", last_name=f"{tag}Guard", assigned_client=client
        )
        flex = EmployeeFactory(org=org, first_name=f"{tag}Flex", last_name=f"{tag}Guard")
        data[org.slug] = {
            "org": org,
            "client": client,
            "site": site,
            "dedicated": dedicated,
            "flex": flex,
        }
    return data


@pytest.fixture
def create_manager_calls(monkeypatch):
    """The keyword arguments of every `organizations.services.create_manager` call during
    the test (the real service still runs): proves a surface makes its managers through the
    one service (the user admin, the create_manager command, seed_demo)."""
    from organizations import services

    calls: list[dict] = []
    real = services.create_manager

    def recording(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(services, "create_manager", recording)
    return calls
