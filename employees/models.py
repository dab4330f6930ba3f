import secrets

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.validators import RegexValidator
from django.db import connection, models
from django.db.models.expressions import RawSQL
from django.db.models.functions import Upper
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


class SearchText(models.Func):
    """The searched columns joined by spaces: `first_name || ' ' || last_name || ...`.

    A search term has no whitespace (the employee list splits on it), so `UPPER(<this>) LIKE
    UPPER('%term%')` matches exactly the rows that `icontains` on any one of the columns
    would, and one trigram index serves every term (employees 0014: `UPPER(<this>)
    gin_trgm_ops`, searched through the view employees_search: `search_matches`). Every column
    is NOT NULL, so no COALESCE is needed and the expression stays IMMUTABLE (indexable)."""

    template = "(%(expressions)s)"
    arg_joiner = " || ' ' || "
    output_field = models.TextField()


# Who relies on them: the employee list's search (employees.views._filtered) and the admin's
# (employees.admin.EmployeeAdmin.get_search_results), each with its own trigram index.
LIST_SEARCH_FIELDS = ("first_name", "last_name", "employee_number", "psira_number")
ADMIN_SEARCH_FIELDS = (*LIST_SEARCH_FIELDS, "email", "phone")


def _trigram_index(fields: tuple[str, ...], name: str) -> GinIndex:
    return GinIndex(OpClass(Upper(SearchText(*fields)), name="gin_trgm_ops"), name=name)


def search_matches(terms: list[str], *, admin: bool = False) -> RawSQL:
    """A condition for `Employee` querysets: the guard's searched columns (the list's, or
    with `admin` the admin's) contain every term, case-insensitively.

    The ids come from the view `employees_search` (employees 0014), which is restricted to
    the current organization like the RLS policy and in which the trigram index can be used
    (under RLS itself `LIKE` may not use an index: it is not LEAKPROOF). `= ANY(ARRAY(...))`
    asks it once, first, and fetches the matches by primary key: as `IN (...)`, misled by
    LIKE's row estimate, the planner walked all 100,000 guards of the organization instead
    (a hash join or one probe per guard; bench/pages.py, tests/performance)."""
    column = "admin_text" if admin else "list_text"
    conditions = " AND ".join([f"{column} LIKE UPPER(%s)"] * len(terms))
    patterns = [f"%{connection.ops.prep_for_like_query(term)}%" for term in terms]
    return RawSQL(
        f'"employees"."id" = ANY(ARRAY(SELECT id FROM employees_search WHERE {conditions}))',
        patterns,
        output_field=models.BooleanField(),
    )


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
            # The dashboard's counts of active and dedicated guards read this narrow index only
            # (employees 0014). (The list of active guards by name takes employees_org_name_idx:
            # nearly every guard is active.)
            models.Index(
                fields=["org", "is_active", "assigned_client", "id"],
                name="employees_org_active_client",
            ),
            # The client and flex-pool filters (assigned_client_id = x / IS NULL) by name.
            models.Index(
                fields=["org", "assigned_client", "last_name", "first_name", "id"],
                name="employees_org_client_name_idx",
            ),
            # The admin's date hierarchy on hire dates (first and last date, then one ordered
            # probe per year or month: tenancy_admin.bounded_date_hierarchy), unfiltered, with the
            # flex-pool or a client filter, and platform staff's (every organization).
            models.Index(fields=["org", "hire_date"], name="employees_org_hired_idx"),
            models.Index(fields=["hire_date"], name="employees_hired_idx"),  # platform staff
            models.Index(
                fields=["org", "assigned_client", "hire_date"],
                name="employees_org_client_hired_idx",
            ),
            # Platform staff's admin changelist (every organization, by name).
            models.Index(fields=["last_name", "first_name", "id"], name="employees_name_idx"),
            _trigram_index(LIST_SEARCH_FIELDS, "employees_search_trgm"),
            _trigram_index(ADMIN_SEARCH_FIELDS, "employees_admin_search_trgm"),
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
