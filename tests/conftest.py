import os

import pytest
from django.db import connections

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

# Tests never touch development data: without DATABASE_URL each test process starts its own
# embedded PostgreSQL in a temporary folder (read when the first connection opens).
os.environ.setdefault("ROSTRACORE_PGDATA", "throwaway")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Browser tests run last. Playwright's sync API keeps an event loop running in the main
    thread until the session ends, and asgiref's async_to_sync (the async and ASGI tests)
    refuses to run in a thread with a running loop. Runs after pytest-django's own ordering;
    the sort is stable, so everything else keeps its order."""
    items.sort(key=lambda item: "tests/browser/" in item.nodeid)


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker, request):
    """Create the test database as the owner role; run every test as the runtime role.

    Django would create it through "default", but the runtime role may not create
    databases or tables (and must not own them, or row-level security would not bind it).
    So the owner creates and migrates it, then "default" points at the same database.
    TRUNCATE is granted to the runtime role in the test database only, for the flush that
    ends each transactional test.
    """
    from django.test.utils import setup_databases, teardown_databases

    verbosity = request.config.option.verbose
    with django_db_blocker.unblock():
        config = setup_databases(
            verbosity=verbosity, interactive=False, aliases={OWNER_ALIAS}, serialized_aliases=set()
        )
        connections["default"].creation.set_as_test_mirror(connections[OWNER_ALIAS].settings_dict)
        runtime = connections["default"].settings_dict["USER"]
        if runtime != connections[OWNER_ALIAS].settings_dict["USER"]:
            with connections[OWNER_ALIAS].cursor() as cursor:
                cursor.execute(f'GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO "{runtime}"')
                cursor.execute(
                    "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
                    f'GRANT TRUNCATE ON TABLES TO "{runtime}"'
                )
    yield
    with django_db_blocker.unblock():
        for connection in connections.all():
            connection.close()
        teardown_databases(config, verbosity=verbosity)


@pytest.fixture(autouse=True)
def _platform_observer():
    """Test bodies observe the database like platform staff: `Model.all_orgs` assertions see
    every organization. Code under test still runs in its own scope: `use_org()` and the
    middleware switch platform mode off, and the row-level-security tests leave it."""
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
