"""Create (or complete) a manager of one organization in one step.

    manage.py create_manager --org alpha --email thandi@alpha.example

Idempotent: run it again and the same user is left a staff member of the Manager group;
an existing password is never changed. A new user gets `--password`, or a generated one
that is printed once.
"""

import secrets

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from organizations.admin import MANAGER_GROUP
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
        email = User.objects.normalize_email(email.strip())
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"{email!r} is not a valid email address.") from error
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            known = ", ".join(Organization.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(f"No organization with slug {org!r} (known: {known}).")
        group = Group.objects.filter(name=MANAGER_GROUP).first()
        if group is None:
            raise CommandError(f"The {MANAGER_GROUP!r} group is missing: run `manage.py migrate`.")

        user = User.objects.filter(username__iexact=email).first()
        generated = None
        if user is None:
            user = User(username=email, email=email, org=organization)
            if password is None:
                password = generated = secrets.token_urlsafe(12)
            user.set_password(password)
            verb = "Created"
        elif user.is_superuser:
            raise CommandError(f"{email} is platform staff, not a manager of an organization.")
        elif user.org_id != organization.pk:
            raise CommandError(f"{email} already belongs to another organization ({user.org}).")
        else:
            verb = "Updated"
        user.first_name = first_name or user.first_name
        user.last_name = last_name or user.last_name
        user.role = User.Role.MANAGER
        user.is_staff = True
        user.save()
        user.groups.add(group)

        summary = f"{verb} manager {email} for {organization.company_name} ({organization.slug})"
        if generated:
            summary += f"; password: {generated}"
        self.stdout.write(summary + ".")
