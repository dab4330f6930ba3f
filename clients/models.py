from django.db import models

from rostracore.tenancy.models import TenantModel


class Client(TenantModel):
    """A customer of the security company: a municipality, a business, an estate."""

    client_name = models.CharField(max_length=200)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_phone = models.CharField(max_length=30, blank=True)
    contact_email = models.EmailField(blank=True)
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        db_table = "clients"
        ordering = ["client_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "client_name"],
                name="clients_client_name_per_org",
                violation_error_message="Your organization already has a client with this name.",
            ),
        ]

    def __str__(self) -> str:
        return self.client_name


class Grade(models.TextChoices):
    """PSIRA grades: A is the highest, E the entry grade. A site requires a minimum grade and
    a guard holds one (Employee.psira_grade); they live here, the lower of the two apps, so
    both use the one enum (employees imports clients, never the other way)."""

    A = "A", "Grade A"
    B = "B", "Grade B"
    C = "C", "Grade C"
    D = "D", "Grade D"
    E = "E", "Grade E"


class Site(TenantModel):
    """A place where guards stand: a client's premises."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(max_length=200)
    address = models.TextField(blank=True)
    # Site requirements; the roster optimizer (scheduling) treats them as hard rules.
    min_grade = models.CharField(
        "minimum PSIRA grade", max_length=1, choices=Grade, default=Grade.E
    )
    armed = models.BooleanField(
        default=False, help_text="Guards here carry a firearm: they need a valid competency."
    )
    induction_required = models.BooleanField(
        default=False, help_text="Only guards inducted at this site may work here."
    )

    class Meta(TenantModel.Meta):
        ordering = ["client__client_name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "client", "name"],
                name="clients_site_name_per_client",
                violation_error_message="This client already has a site with this name.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.client})"
