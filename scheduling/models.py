from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import F, Q

from employees.models import Employee
from rostracore.tenancy.models import TenantModel


class TsTzRange(models.Func):
    function = "TSTZRANGE"
    output_field = models.DateTimeField()


class Shift(TenantModel):
    """A stretch of time a guard (or an open slot) covers at a site."""

    site = models.ForeignKey("clients.Site", on_delete=models.CASCADE, related_name="shifts")
    start = models.DateTimeField()
    end = models.DateTimeField()
    employee = models.ForeignKey(
        "employees.Employee",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="shifts",
        help_text="Leave empty for an open shift.",
    )
    required_grade = models.CharField(
        "minimum PSIRA grade",
        max_length=1,
        choices=Employee.Grade,
        default=Employee.Grade.E,
    )

    class Meta:
        ordering = ["start", "site_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")),
                name="scheduling_shift_end_after_start",
                violation_error_message="A shift must end after it starts.",
            ),
            # The database itself refuses to double-book a guard, so two managers assigning
            # at the same moment cannot both succeed. Needs btree_gist (migration 0001).
            ExclusionConstraint(
                name="scheduling_shift_no_overlap_per_guard",
                expressions=[
                    ("employee", RangeOperators.EQUAL),
                    (TsTzRange("start", "end"), RangeOperators.OVERLAPS),
                ],
                condition=Q(employee__isnull=False),
                violation_error_message="This guard already has a shift at that time.",
            ),
        ]
        indexes = [
            # The dashboard's "shifts this week" and week grids filter on org and start.
            models.Index(fields=["org", "start"], name="scheduling_shift_org_start_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.site.name} {self.start:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.employee_id is None
