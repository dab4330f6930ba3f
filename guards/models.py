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

    @classmethod
    def notice_subject(cls, *, user, object_id: int | None) -> LeaveRequest | None:
        """The request a decision email is about, if it is `user`'s own (organizations.tasks)."""
        return (
            cls.objects.select_related("employee")
            .filter(pk=object_id, employee__user_id=user.pk)
            .first()
        )

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


class ShiftRequest(TenantModel):
    """A guard's request about a published shift, decided by a manager in the requests
    inbox: a pick-up (a guard asks for an open shift) or a swap (a guard offers one of their
    shifts, a colleague takes it, the manager approves). The rules are checked when asked,
    when taken and again at approval (scheduling.candidates, through
    scheduling.services.assign_shift); every change goes through guards/services.py."""

    class Kind(models.TextChoices):
        PICKUP = "pickup", "Open-shift pick-up"
        SWAP = "swap", "Swap"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"  # a pick-up for the manager; a swap offered
        ACCEPTED = "accepted", "Taken, waiting for approval"  # a swap a colleague took
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        CANCELLED = "cancelled", "Cancelled"

    OPEN = (Status.PENDING, Status.ACCEPTED)

    kind = models.CharField(max_length=10, choices=Kind)
    shift = models.ForeignKey(
        "scheduling.Shift", on_delete=models.CASCADE, related_name="guard_requests"
    )
    # Who asks for the open shift, or who offers their shift.
    employee = models.ForeignKey(
        "employees.Employee", on_delete=models.CASCADE, related_name="shift_requests"
    )
    # The colleague who takes an offered shift.
    taker = models.ForeignKey(
        "employees.Employee",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="taken_swaps",
    )
    status = models.CharField(max_length=20, choices=Status, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    taken_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=500, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["created_at", "pk"]
        constraints = [
            # One open request per guard and shift (asking twice is one request).
            models.UniqueConstraint(
                fields=["org", "employee", "shift"],
                condition=Q(status__in=["pending", "accepted"]),
                name="guards_shiftrequest_one_open_per_guard",
            ),
            # One open offer per shift.
            models.UniqueConstraint(
                fields=["org", "shift"],
                condition=Q(kind="swap", status__in=["pending", "accepted"]),
                name="guards_shiftrequest_one_open_offer",
            ),
            # A swap has a taker once taken, and nobody takes their own shift; a pick-up
            # never has one.
            models.CheckConstraint(
                condition=(
                    Q(kind="pickup", taker__isnull=True)
                    | Q(kind="swap", status="pending", taker__isnull=True)
                    | Q(kind="swap", status="cancelled")
                    | Q(kind="swap", status="declined")
                    | (Q(kind="swap", taker__isnull=False) & ~Q(taker=F("employee")))
                ),
                name="guards_shiftrequest_taker_fits_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["org", "status", "created_at"], name="guards_shiftreq_inbox"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.employee} {self.shift}"

    @property
    def guard_on_approval(self):
        """Who works the shift once approved."""
        return self.employee if self.kind == self.Kind.PICKUP else self.taker

    @classmethod
    def notice_subject(cls, *, user, object_id: int | None) -> ShiftRequest | None:
        """The request a decision email is about, if `user`'s guard asked, offered or took
        it (organizations.tasks)."""
        return (
            cls.objects.select_related("employee", "taker", "shift__site")
            .filter(Q(employee__user_id=user.pk) | Q(taker__user_id=user.pk), pk=object_id)
            .first()
        )
