"""Create (or complete) a manager of one organization in one step.

    manage.py create_manager --org alpha --email thandi@alpha.example

Idempotent: run it again and the same user is left a staff member of the Manager group;
an existing password is never changed. A new user gets `--password`, or a generated one
that is printed once. The manager is made by `organizations.services.create_manager`, as in
the user admin and seed_demo.
"""

import secrets

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from organizations import services
from organizations.models import Organization, User


class Command(BaseCommand):
    help = "Create a manager (staff user in the Manager group) for an organization."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="The organization's slug.")
        parser.add_argument("--email", required=True, help="The manager's email (username).")
        parser.add_argument("--first-name", default="", help="Optional first name.")
        parser.add_argument("--last-name", default="", help="Optional last name.")
        parser.add_argument(
            "--password", default=None, help="Password for a new user (default: generated)."
        )

    @transaction.atomic
    def handle(
        self, *args, org: str, email: str, first_name: str, last_name: str, password, **options
    ):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            known = ", ".join(Organization.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(f"No organization with slug {org!r} (known: {known}).")
        email = email.strip()
        # Only a new user gets a password, so one is generated (and printed) only for it.
        existed = User.objects.filter(username__iexact=email).exists()
        generated = None
        if password is None and not existed:
            password = generated = secrets.token_urlsafe(12)
        try:
            user = services.create_manager(
                org=organization,
                email=email,
                first_name=first_name,
                last_name=last_name,
                password=password,
                update_existing=True,
            )
        except ValidationError as error:
            raise CommandError(f"{email!r} is not a valid email address.") from error
        except Group.DoesNotExist as error:
            raise CommandError(
                f"The {services.MANAGER_GROUP!r} group is missing: run `manage.py migrate`."
            ) from error
        except services.ManagerExists as error:
            raise CommandError(error.reason) from error

        verb = "Updated" if existed else "Created"
        summary = f"{verb} manager {user.username} for {organization.company_name} ({org})"
        if generated:
            summary += f"; password: {generated}"
        self.stdout.write(summary + ".")
