import os

import pytest

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
