from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from rostracore.tenancy.models import TenantModel


class LeaveRequest(TenantModel):
    """A guard's request for leave on whole days, `start` to `end` inclusive (local dates of
    the organization). A manager approves or declines it in the requests inbox
    (guards.views.requests_inbox); approving makes the Absence the roster engine reads
    (scheduling.adapter.build_problem). Every change goes through guards/services.py."""

    class Kind(models.TextChoices):
        ANNUAL = "annual", "Annual leave"
        SICK = "sick", "Sick leave"
        FAMILY = "family", "Family responsibility leave"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        CANCELLED = "cancelled", "Cancelled"

    employee = models.ForeignKey(
        "employees.Employee", on_delete=models.CASCADE, related_name="leave_requests"
    )
    start = models.DateField("first day")
    end = models.DateField("last day")
    kind = models.CharField("type", max_length=20, choices=Kind, default=Kind.ANNUAL)
    note = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=20, choices=Status, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The Absence an approval made (null until then, and if a manager deletes it later).
    absence = models.ForeignKey(
        "scheduling.Absence",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta(TenantModel.Meta):
        ordering = ["-start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=F("start")),
                name="guards_leaverequest_end_not_before_start",
                violation_error_message="The last day cannot be before the first day.",
            ),
        ]
        indexes = [
            # The requests inbox lists an organization's pending requests, oldest first.
            models.Index(fields=["org", "status", "created_at"], name="guards_leave_inbox"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.employee} {self.get_kind_display()} {self.start:%Y-%m-%d}–{self.end:%Y-%m-%d}"
        )

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1
