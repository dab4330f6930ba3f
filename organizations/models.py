import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

DEFAULT_TIMEZONE = "Africa/Johannesburg"


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "%(value)s is not a known timezone (e.g. Africa/Johannesburg).",
            code="invalid_timezone",
            params={"value": value},
        )


class Organization(models.Model):
    """A security company: the tenant. Everything a manager sees belongs to one."""

    company_name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    timezone = models.CharField(
        max_length=64, default=DEFAULT_TIMEZONE, validators=[validate_timezone]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    auto_approve_pickups = models.BooleanField(
        "approve open-shift pick-ups automatically",
        default=False,
        help_text="A guard's request for an open shift is approved at once when every rule "
        "passes (grade, firearm, induction, rest, hours); otherwise it waits in the inbox.",
    )

    class Meta:
        db_table = "organizations"
        ordering = ["company_name"]

    def __str__(self) -> str:
        return self.company_name


class User(AbstractUser):
    """A person who logs in: a manager or a guard of one organization, or platform staff.

    Only platform staff (superusers) have no organization; the database refuses any other
    user without one, so "no organization" can never silently mean "all organizations".
    A guard's user is linked to their Employee (`Employee.user`, same organization by a
    composite foreign key) and made by `employees.services.invite_guard`.
    """

    class Role(models.TextChoices):
        MANAGER = "manager", "Manager"
        GUARD = "guard", "Guard"

    org = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="users",
        verbose_name="organization",
    )
    role = models.CharField(max_length=20, choices=Role, default=Role.MANAGER)
    # When the latest invitation was sent. Part of the invitation token's hash
    # (organizations.tokens), so inviting again makes every earlier link invalid.
    invited_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            # The target of the composite foreign key employees(org_id, user_id): a guard's
            # login belongs to the guard's own organization (employees 0013).
            models.UniqueConstraint(fields=["org", "id"], name="organizations_user_org_id_id_key"),
            models.CheckConstraint(
                condition=Q(org__isnull=False) | Q(is_superuser=True),
                name="organizations_user_org_unless_superuser",
                violation_error_message="Every user except platform staff needs an organization.",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username
