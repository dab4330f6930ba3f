"""Create realistic guards for one organization.

manage.py seed_employees                      # 5 guards, 3 for the first client
manage.py seed_employees --org acme --count 20 --assigned 8 --client "City of Tshwane"
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from clients.models import Client
from operations.seeding import create_guards
from organizations.models import Organization
from rostracore.dashboard import counts_per_org, org_counts
from rostracore.tenancy.context import all_organizations, use_org


class Command(BaseCommand):
    help = "Create realistic guards for an organization, some dedicated to a client, the rest flex."

    def add_arguments(self, parser):
        parser.add_argument(
            "--org", help="Organization slug or id (needed when more than one organization exists)."
        )
        parser.add_argument("--count", type=int, default=5, help="Guards to create (default 5).")
        parser.add_argument(
            "--assigned",
            type=int,
            default=3,
            help="How many of them to dedicate to the client (default 3); the rest are flex.",
        )
        parser.add_argument(
            "--client",
            help="Client id or name (default: the organization's first client by name).",
        )

    def handle(self, *args, org=None, count, assigned, client=None, **options):
        if count < 0:
            raise CommandError(f"--count must be 0 or more, not {count}.")
        if assigned < 0:
            raise CommandError(f"--assigned must be 0 or more, not {assigned}.")
        if assigned > count:
            raise CommandError(f"--assigned ({assigned}) cannot be more than --count ({count}).")
        organization = self._organization(org)
        with use_org(organization), transaction.atomic():
            target = self._client(organization, client)
            if target is None:
                assigned = 0
            guards = create_guards(count=count, assigned=assigned, client=target)
            totals = org_counts()

        if target is None and count:
            self.stdout.write(
                f"{organization} has no clients yet, so every new guard is in the flex pool."
            )
        for guard in guards:
            self.stdout.write(
                f"  {guard.employee_number}  {guard.full_name:<28} grade {guard.psira_grade}  "
                f"org: {organization}  client: {guard.assigned_client or 'Any client'}"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {len(guards)} guards for {organization} "
                f"({sum(not g.is_flex for g in guards)} dedicated, "
                f"{sum(g.is_flex for g in guards)} flex). "
                f"{organization} now has {totals.employees} active guards: "
                f"{totals.dedicated} dedicated, {totals.flex} flex."
            )
        )
        self.stdout.write("Active guards per organization:")
        with all_organizations():  # an operator's command: totals of every organization
            totals_per_org = counts_per_org()
        for org, counts in totals_per_org:
            self.stdout.write(
                f"  {org.company_name:<30} {counts.employees:>5} guards  "
                f"{counts.dedicated:>5} dedicated  {counts.flex:>5} flex"
            )

    def _organization(self, value: str | None) -> Organization:
        if value is None:
            orgs = list(Organization.objects.order_by("id")[:2])
            if not orgs:
                raise CommandError("No organization exists yet. Create one in the admin first.")
            if len(orgs) > 1:
                raise CommandError(
                    "More than one organization exists: say which with --org <slug or id>."
                )
            return orgs[0]
        lookup = {"pk": int(value)} if value.isdigit() else {"slug": value}
        try:
            return Organization.objects.get(**lookup)
        except Organization.DoesNotExist:
            raise CommandError(f"No organization with slug or id {value!r}.") from None

    def _client(self, organization: Organization, value: str | None) -> Client | None:
        # Scoped manager: another organization's client is "not found", like a missing one.
        clients = Client.objects.order_by("client_name", "id")
        if value is None:
            return clients.first()
        found = clients.filter(pk=int(value)).first() if value.isdigit() else None
        found = found or clients.filter(client_name__iexact=value).first()
        if found is None:
            raise CommandError(f"{organization} has no client with id or name {value!r}.")
        return found
