"""Attendance: when a guard actually worked a published shift.

`Attendance` is one row per shift worked (clock-in and clock-out, each with its source and
where the guard's phone said it was). Payroll and billing read the attended interval from it
(`clock_in_at`, `clock_out_at`); the board reads it through the reverse relation
`Shift.attendance` (scheduling.board), so scheduling never imports this app.
`AttendanceEvent` is the append-only log of every clock-in, clock-out and manager correction.
Every write goes through attendance/services.py; both tables are on the audit trail.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from rostracore.tenancy.models import TenantModel


class Source(models.TextChoices):
    PHONE = "phone", "Guard's phone"
    MANAGER = "manager", "Manager"


def _location_complete(prefix: str) -> Q:
    """Latitude and longitude come together, within range; accuracy only with them."""
    lat, lon, acc = f"{prefix}latitude", f"{prefix}longitude", f"{prefix}accuracy"
    missing = Q(**{f"{lat}__isnull": True, f"{lon}__isnull": True, f"{acc}__isnull": True})
    # isnull=False spelt out: a comparison with NULL passes a CHECK.
    present = Q(
        **{
            f"{lat}__isnull": False,
            f"{lon}__isnull": False,
            f"{lat}__gte": -90,
            f"{lat}__lte": 90,
            f"{lon}__gte": -180,
            f"{lon}__lte": 180,
        }
    ) & (Q(**{f"{acc}__isnull": True}) | Q(**{f"{acc}__gte": 0}))
    return missing | present


class Attendance(TenantModel):
    """The attended interval of one shift. `employee` is who worked it (the shift's published
    guard when they clocked in; a manager may record another guard who stood in)."""

    Source = Source

    shift = models.ForeignKey(
        "scheduling.Shift", on_delete=models.CASCADE, related_name="attendance"
    )
    employee = models.ForeignKey(
        "employees.Employee", on_delete=models.CASCADE, related_name="attendance"
    )
    clock_in_at = models.DateTimeField("clocked in", null=True, blank=True)
    clock_in_source = models.CharField(max_length=10, choices=Source, blank=True)
    clock_in_latitude = models.FloatField(null=True, blank=True)
    clock_in_longitude = models.FloatField(null=True, blank=True)
    clock_in_accuracy = models.FloatField("clock-in accuracy (metres)", null=True, blank=True)
    clock_out_at = models.DateTimeField("clocked out", null=True, blank=True)
    clock_out_source = models.CharField(max_length=10, choices=Source, blank=True)
    clock_out_latitude = models.FloatField(null=True, blank=True)
    clock_out_longitude = models.FloatField(null=True, blank=True)
    clock_out_accuracy = models.FloatField("clock-out accuracy (metres)", null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    # When the managers were emailed that nobody clocked in (attendance.services.mark_no_shows,
    # run by `manage.py alert_no_shows`): each no-show is emailed once.
    no_show_alerted_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta(TenantModel.Meta):
        verbose_name_plural = "attendance"
        ordering = ["-clock_in_at", "-pk"]
        constraints = [
            # Two taps on "Clock in" make one row (attendance.services.clock_in locks the
            # shift; this is the database's word on it).
            models.UniqueConstraint(
                fields=["org", "shift"],
                name="attendance_attendance_one_per_shift",
                violation_error_message="This shift already has its attendance.",
            ),
            models.CheckConstraint(
                condition=Q(clock_out_at__isnull=True)
                | Q(clock_in_at__isnull=False, clock_out_at__gt=F("clock_in_at")),
                name="attendance_attendance_out_after_in",
                violation_error_message="Clocking out must come after clocking in.",
            ),
            models.CheckConstraint(
                condition=(Q(clock_in_at__isnull=True) & Q(clock_in_source=""))
                | (Q(clock_in_at__isnull=False) & Q(clock_in_source__in=["phone", "manager"])),
                name="attendance_attendance_in_source",
            ),
            models.CheckConstraint(
                condition=(Q(clock_out_at__isnull=True) & Q(clock_out_source=""))
                | (Q(clock_out_at__isnull=False) & Q(clock_out_source__in=["phone", "manager"])),
                name="attendance_attendance_out_source",
            ),
            models.CheckConstraint(
                condition=_location_complete("clock_in_"),
                name="attendance_attendance_in_location_valid",
            ),
            models.CheckConstraint(
                condition=_location_complete("clock_out_"),
                name="attendance_attendance_out_location_valid",
            ),
        ]
        indexes = [
            # Payroll and billing read a period's attendance by clock-in time.
            models.Index(fields=["org", "clock_in_at"], name="attendance_clock_in"),
            models.Index(fields=["org", "employee", "clock_in_at"], name="attendance_guard"),
        ]

    def __str__(self) -> str:
        return f"{self.employee} at {self.shift}"

    @classmethod
    def notice_subject(cls, *, user, object_id: int | None) -> Attendance | None:
        """The no-show an alert email is about (organizations.tasks, "no_show"): for a manager
        of its organization (the scoped manager finds no other's), while still no clock-in."""
        if user.role != "manager":  # organizations.User.Role.MANAGER (a string: no import)
            return None
        return (
            cls.objects.select_related("shift__site__client", "employee")
            .filter(pk=object_id, clock_in_at__isnull=True, no_show_alerted_at__isnull=False)
            .first()
        )

    @property
    def is_open(self) -> bool:
        return self.clock_in_at is not None and self.clock_out_at is None

    @property
    def worked_minutes(self) -> int | None:
        if self.clock_in_at is None or self.clock_out_at is None:
            return None
        return int((self.clock_out_at - self.clock_in_at).total_seconds() // 60)


class AttendanceEvent(TenantModel):
    """One clock-in, clock-out or manager correction, as it happened (append-only: the
    services only insert, the admin only reads)."""

    Source = Source

    class Kind(models.TextChoices):
        CLOCK_IN = "clock_in", "Clock in"
        CLOCK_OUT = "clock_out", "Clock out"
        CORRECTION = "correction", "Recorded by a manager"

    attendance = models.ForeignKey(Attendance, on_delete=models.CASCADE, related_name="events")
    shift = models.ForeignKey(
        "scheduling.Shift", on_delete=models.CASCADE, related_name="attendance_events"
    )
    employee = models.ForeignKey(
        "employees.Employee", on_delete=models.CASCADE, related_name="attendance_events"
    )
    kind = models.CharField(max_length=20, choices=Kind)
    source = models.CharField(max_length=10, choices=Source)
    # When it happened (the clock-in or clock-out time; for a correction, when it was made).
    at = models.DateTimeField()
    recorded_at = models.DateTimeField(default=timezone.now)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    accuracy = models.FloatField("accuracy (metres)", null=True, blank=True)
    # A correction's times as the manager set them, and why.
    clock_in_at = models.DateTimeField(null=True, blank=True)
    clock_out_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta(TenantModel.Meta):
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["clock_in", "clock_out", "correction"]),
                name="attendance_event_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(source__in=["phone", "manager"]),
                name="attendance_event_source_valid",
            ),
            # A correction always says why.
            models.CheckConstraint(
                condition=~Q(kind="correction") | ~Q(reason=""),
                name="attendance_event_correction_has_reason",
                violation_error_message="Say why you record or correct the attendance.",
            ),
            models.CheckConstraint(
                condition=_location_complete(""),
                name="attendance_event_location_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["org", "shift", "recorded_at"], name="attendance_event_shift"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.employee} {self.at:%Y-%m-%d %H:%M}"

    @property
    def has_location(self) -> bool:
        return self.latitude is not None
