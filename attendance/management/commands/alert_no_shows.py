"""Email managers about no-shows: run every few minutes (cron or a systemd timer, beside
`manage.py db_worker`, which sends the emails)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from attendance.services import mark_no_shows
from organizations.models import Organization
from rostracore.tenancy.context import use_org


class Command(BaseCommand):
    help = (
        "Queue an email to the managers about each published shift nobody clocked in on "
        "(the labour rules' no-show minutes after its start); each no-show once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            default="",
            help="The site's address for the email's link to the board, e.g. https://rostra.example",
        )
        parser.add_argument("--org", help="One organization's slug (default: every one).")

    def handle(self, *args, base_url: str, org: str | None, **options) -> None:
        if base_url and not base_url.startswith(("https://", "http://")):
            raise CommandError("--base-url must start with https:// or http://.")
        organizations = Organization.objects.order_by("pk")
        if org:
            organizations = organizations.filter(slug=org)
            if not organizations.exists():
                raise CommandError(f"No organization with the slug {org!r}.")
        alerted = orgs = 0
        for organization in organizations.iterator():
            # One transaction per organization (mark_no_shows), each in its own scope.
            with use_org(organization):
                count = mark_no_shows(base_url=base_url)
            alerted += count
            orgs += bool(count)
        self.stdout.write(f"{alerted} no-show(s) alerted in {orgs} organization(s).")
