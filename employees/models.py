from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse

from rostracore.tenancy.models import TenantModel

psira_number_validator = RegexValidator(
    r"^\d{7,8}$",
    "A PSIRA registration number is 7 or 8 digits.",
    code="invalid_psira_number",
)


class Employee(TenantModel):
    """A security guard of one organization.

    `assigned_client` is the guard's primary client: NULL means the flex pool (available for
    any client). A dedicated guard works mostly at that client's sites but may still cover
    other clients' shifts. Deleting the client moves its guards back to the flex pool.
    """

    class Grade(models.TextChoices):
        # PSIRA grades: A is the highest, E the entry grade.
        A = "A", "Grade A"
        B = "B", "Grade B"
        C = "C", "Grade C"
        D = "D", "Grade D"
        E = "E", "Grade E"

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
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_flex(self) -> bool:
        return self.assigned_client_id is None
