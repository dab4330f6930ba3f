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


def _count_of(queryset: QuerySet) -> Subquery:
    counted = (
        queryset.filter(org=OuterRef("pk"))
        .order_by()
        .values("org")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def counts_per_org() -> list[tuple[Organization, OrgCounts]]:
    """Every organization with its counts, in one query: for platform staff only."""
    # Platform-wide by design: all_orgs, with each subquery tied to its organization row.
    active = Employee.all_orgs.filter(is_active=True)
    orgs = Organization.objects.annotate(
        n_employees=_count_of(active),
        n_dedicated=_count_of(active.filter(assigned_client__isnull=False)),
        n_clients=_count_of(Client.all_orgs.filter(is_active=True)),
        n_sites=_count_of(Site.all_orgs.all()),
    ).order_by("company_name")
    return [
        (
            org,
            OrgCounts(
                employees=org.n_employees,
                dedicated=org.n_dedicated,
                flex=org.n_employees - org.n_dedicated,
                clients=org.n_clients,
                sites=org.n_sites,
            ),
        )
        for org in orgs
    ]
