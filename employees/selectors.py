"""Read-only queries for dashboards, shared by the admin index and the manager pages."""

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from clients.models import Client, Site
from employees.models import Employee
from organizations.models import Organization


@dataclass(frozen=True)
class OrgCounts:
    """Counts of active guards and clients, and all sites, of one organization."""

    employees: int
    dedicated: int
    flex: int
    clients: int
    sites: int


def org_counts() -> OrgCounts:
    """The current organization's counts (scoped managers; fails closed without one)."""
    guards = Employee.objects.filter(is_active=True).aggregate(
        total=Count("id"), dedicated=Count("id", filter=Q(assigned_client__isnull=False))
    )
    return OrgCounts(
        employees=guards["total"],
        dedicated=guards["dedicated"],
        flex=guards["total"] - guards["dedicated"],
        clients=Client.objects.filter(is_active=True).count(),
        sites=Site.objects.count(),
    )


def count_per_org(queryset: QuerySet) -> Coalesce:
    """A subquery counting `queryset`'s rows of the outer Organization row (0 when none).

    For annotating `Organization` querysets: one query for every organization's counts.
    """
    counted = (
        queryset.filter(org=OuterRef("pk"))
        .order_by()
        .values("org")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def annotate_counts(orgs: QuerySet[Organization]) -> QuerySet[Organization]:
    """`orgs` with the OrgCounts numbers as annotations; read them with `counts_of()`."""
    # Platform-wide by design: all_orgs, with each subquery tied to its organization row.
    active = Employee.all_orgs.filter(is_active=True)
    return orgs.annotate(
        n_employees=count_per_org(active),
        n_dedicated=count_per_org(active.filter(assigned_client__isnull=False)),
        n_clients=count_per_org(Client.all_orgs.filter(is_active=True)),
        n_sites=count_per_org(Site.all_orgs.all()),
    )


def counts_of(org: Organization) -> OrgCounts:
    """The OrgCounts of an organization loaded through `annotate_counts()`."""
    return OrgCounts(
        employees=org.n_employees,
        dedicated=org.n_dedicated,
        flex=org.n_employees - org.n_dedicated,
        clients=org.n_clients,
        sites=org.n_sites,
    )


def counts_per_org() -> list[tuple[Organization, OrgCounts]]:
    """Every organization with its counts, in one query: for platform staff only."""
    orgs = annotate_counts(Organization.objects.all()).order_by("company_name")
    return [(org, counts_of(org)) for org in orgs]
