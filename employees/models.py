import secrets

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse

from clients.models import Grade
from rostracore.tenancy.models import TenantModel

psira_number_validator = RegexValidator(
    r"^\d{7,8}$",
    "A PSIRA registration number is 7 or 8 digits.",
    code="invalid_psira_number",
)


def new_calendar_secret() -> str:
    """A fresh secret for a guard's calendar feed link: 32 random bytes, URL-safe base64
    without padding (43 characters of A-Z a-z 0-9 - _)."""
    return secrets.token_urlsafe(32)


class DatabaseCalendarSecret(models.Func):
    """The database's own fresh secret, shaped like `new_calendar_secret()`: 32 bytes from
    two random UUIDs (`gen_random_uuid()` draws from PostgreSQL's strong random source; no
    extension needed), URL-safe base64 without padding. Used for rows inserted outside the
    ORM: the previous release, which knows no secret, keeps adding guards while a deploy
    migrates (employees 0011), and raw SQL in operations and tests."""

    template = (
        "rtrim(translate(encode(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()), "
        "'base64'), '+/', '-_'), '=')"
    )
    arity = 0
    output_field = models.CharField()


class Employee(TenantModel):
    """A security guard of one organization.

    `assigned_client` is the guard's primary client: NULL means the flex pool (available for
    any client). A dedicated guard works mostly at that client's sites but may still cover
    other clients' shifts. Deleting the client moves its guards back to the flex pool.
    """

    assigned_client = models.ForeignKey(
        "clients.Client",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dedicated_employees",
        help_text="Leave empty for the flex pool: available for any client.",
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    employee_number = models.CharField(max_length=20)
    psira_number = models.CharField(
        "PSIRA registration number",
        max_length=8,
        blank=True,
        validators=[psira_number_validator],
    )
    psira_grade = models.CharField("PSIRA grade", max_length=1, choices=Grade, default=Grade.E)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    is_active = models.BooleanField("active", default=True)
    hire_date = models.DateField(null=True, blank=True)
    # Qualification dates checked by the roster optimizer (scheduling) on each shift's date.
    psira_registration_expires = models.DateField(
        "PSIRA registration expires", null=True, blank=True, help_text="Empty: not recorded."
    )
    firearm_competency_expires = models.DateField(
        "firearm competency expires",
        null=True,
        blank=True,
        help_text="Empty: no firearm competency (cannot work armed sites).",
    )
    # The credential of the guard's calendar feed (scheduling.views.guard_ical), which
    # calendar apps fetch without logging in. Replaced by services.rotate_calendar_secret
    # ("New calendar link") and on deactivation, so an old link stops working.
    calendar_secret = models.CharField(
        max_length=43,
        default=new_calendar_secret,
        db_default=DatabaseCalendarSecret(),
        editable=False,
    )
    # When the guard last acknowledged the roster changes published to them (My shifts marks
    # the ones since; guards.services.acknowledge_changes).
    roster_seen_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The guard's own login (role "guard"), made by services.invite_guard. At most one
    # guard per user (employees_user_per_org; a OneToOneField would be a uniqueness rule
    # without the organization, tenancy.E002), and of the same organization: the only
    # database key is the composite (org_id, user_id) -> organizations_user (org_id, id)
    # of migration 0013, which refuses another organization's user; its index is the
    # unique constraint's.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="employees",
        db_constraint=False,
        db_index=False,
    )

    class Meta(TenantModel.Meta):
        db_table = "employees"
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "employee_number"],
                name="employees_number_per_org",
                violation_error_message=(
                    "Another guard in your organization already has this employee number."
                ),
            ),
            # Who relies on it: guard_ical looks a feed up by (organization, secret).
            models.UniqueConstraint(
                fields=["org", "calendar_secret"], name="employees_calendar_secret_per_org"
            ),
            # Who relies on it: guard_required finds a guard's employee by their user.
            models.UniqueConstraint(fields=["org", "user"], name="employees_user_per_org"),
        ]
        indexes = [
            # Who relies on it: the employee list's default ordering within an organization.
            models.Index(fields=["org", "last_name", "first_name"], name="employees_org_name_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.employee_number})"

    def get_absolute_url(self) -> str:
        return reverse("employees:detail", kwargs={"pk": self.pk})

    @property
    def calendar_token(self) -> str:
        """The last part of the calendar feed's URL: "<organization id>-<secret>"."""
        return f"{self.org_id}-{self.calendar_secret}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_flex(self) -> bool:
        return self.assigned_client_id is None
