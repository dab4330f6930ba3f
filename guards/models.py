from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

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


# --- Availability: when a guard cannot work, and what they would rather work -----------------


def _midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=tz)


class UnavailableWindow(TenantModel):
    """A weekly window when the guard cannot work: every `weekday` from `start` to `end`
    (the organization's local time). An `end` at or before `start` runs past midnight into
    the next day, so "Tuesdays from 18:00" is Tuesday 18:00 to 00:00 and 22:00 to 06:00 ends
    on Wednesday morning; 00:00 to 00:00 is the whole day. The roster engine treats every
    occurrence as a hard rule (scheduling.adapter.build_problem, through `occurrences`)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    employee = models.ForeignKey(
        "employees.Employee", on_delete=models.CASCADE, related_name="unavailable_windows"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday)
    start = models.TimeField("from")
    end = models.TimeField("to")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantModel.Meta):
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6),
                name="guards_unavailablewindow_weekday_valid",
                violation_error_message="Choose a day of the week.",
            ),
            # From a time to the same time would be ambiguous (nothing, or a day); only the
            # whole day, 00:00 to 00:00, may do it.
            models.CheckConstraint(
                condition=~Q(start=F("end")) | Q(start=dt.time.min),
                name="guards_unavailablewindow_not_empty",
                violation_error_message="From and to are the same time.",
            ),
            models.UniqueConstraint(
                fields=["org", "employee", "weekday", "start", "end"],
                name="guards_unavailablewindow_once",
                violation_error_message="You already have this window.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee}: {self.label}"

    @property
    def overnight(self) -> bool:
        return self.end <= self.start and self.end != dt.time.min

    @property
    def label(self) -> str:
        """In a guard's words: "Tuesdays from 18:00", "Tuesdays 22:00–06:00 (next day)"."""
        day = f"{self.Weekday(self.weekday).label}s"
        start, end = f"{self.start:%H:%M}", f"{self.end:%H:%M}"
        if self.start == dt.time.min and self.end == dt.time.min:
            return f"{day}, all day"
        if self.end == dt.time.min:
            return f"{day} from {start}"
        if self.start == dt.time.min:
            return f"{day} until {end}"
        return f"{day} {start}–{end}" + (" (next day)" if self.overnight else "")

    @property
    def week_minutes(self) -> tuple[int, int]:
        """[start, end) in minutes from Monday 00:00 of a plain 7-day week; the end may pass
        the week's end (a Sunday night window), for the overlap check in guards.services."""
        start = self.weekday * 1440 + self.start.hour * 60 + self.start.minute
        length = (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)
        if length <= 0:
            length += 1440
        return start, start + length

    def occurrences(
        self, first: dt.date, last: dt.date, tz: ZoneInfo
    ) -> list[tuple[dt.datetime, dt.datetime]]:
        """Every occurrence starting on a local date from `first` to `last` (inclusive), as
        aware [start, end) datetimes on `tz`'s wall clock: a DST change moves the UTC instant,
        never the local time. A start in the spring-forward gap reads as the time just after
        it; an occurrence the change leaves empty is skipped."""
        ahead = (self.weekday - first.weekday()) % 7
        day, found = first + dt.timedelta(days=ahead), []
        while day <= last:
            start = dt.datetime.combine(day, self.start, tzinfo=tz)
            end_day = day if self.end > self.start else day + dt.timedelta(days=1)
            end = dt.datetime.combine(end_day, self.end, tzinfo=tz)
            if end.timestamp() > start.timestamp():
                found.append((start, end))
            day += dt.timedelta(days=7)
        return found


class UnavailableDate(TenantModel):
    """A single date the guard cannot work, the whole day (local midnight to midnight): a
    hard rule for the roster engine (scheduling.adapter.build_problem)."""

    employee = models.ForeignKey(
        "employees.Employee", on_delete=models.CASCADE, related_name="unavailable_dates"
    )
    day = models.DateField("date")
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantModel.Meta):
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "employee", "day"],
                name="guards_unavailabledate_once",
                violation_error_message="You already marked this date.",
            ),
        ]
        indexes = [
            # build_problem reads the dates in a roster's range.
            models.Index(fields=["org", "day"], name="guards_unavailable_day"),
        ]

    def __str__(self) -> str:
        return f"{self.employee}: {self.label}"

    @property
    def label(self) -> str:
        return f"{self.day:%a %-d %b %Y}"

    def interval(self, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
        return _midnight(self.day, tz), _midnight(self.day + dt.timedelta(days=1), tz)


class DayWish(TenantModel):
    """A guard's wish for one date: a day off, or to work (any shift, a day shift or a night
    shift). A soft goal for the roster engine, weighed like the standing preferences
    (`LabourRules.weight_preference` per wish, three times that for one that matters a lot;
    scheduling.adapter.build_problem makes it the solver's `Request`)."""

    class Wish(models.TextChoices):
        OFF = "off", "A day off"
        WORK = "work", "To work (any shift)"
        DAY = "day", "A day shift"
        NIGHT = "night", "A night shift"

    employee = models.ForeignKey(
        "employees.Employee", on_delete=models.CASCADE, related_name="day_wishes"
    )
    day = models.DateField("date")
    wish = models.CharField("I would like", max_length=10, choices=Wish)
    strong = models.BooleanField("It matters a lot", default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantModel.Meta):
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "employee", "day"],
                name="guards_daywish_once_per_day",
                violation_error_message="You already have a wish for this date.",
            ),
            models.CheckConstraint(
                condition=Q(wish__in=["off", "work", "day", "night"]),
                name="guards_daywish_wish_valid",
                violation_error_message="Choose a day off, to work, a day or a night shift.",
            ),
        ]
        indexes = [
            # build_problem reads the wishes in a roster's range.
            models.Index(fields=["org", "day"], name="guards_daywish_day"),
        ]

    def __str__(self) -> str:
        return f"{self.employee}: {self.label}"

    @property
    def label(self) -> str:
        strength = " (matters a lot)" if self.strong else ""
        return f"{self.get_wish_display().lower()} on {self.day:%a %-d %b %Y}{strength}"


class ShiftPreferences(TenantModel):
    """A guard's soft wishes, one row per guard: days or nights, and weekends off. Stored
    and shown (the guard's availability page, the manager's employee page); the roster
    engine does not weigh them yet."""

    class TimeOfDay(models.TextChoices):
        ANY = "", "No preference"
        DAYS = "days", "Day shifts"
        NIGHTS = "nights", "Night shifts"

    employee = models.ForeignKey(
        "employees.Employee", on_delete=models.CASCADE, related_name="shift_preferences"
    )
    time_of_day = models.CharField(
        "I prefer", max_length=10, choices=TimeOfDay, default=TimeOfDay.ANY, blank=True
    )
    weekends_off = models.BooleanField("I prefer weekends off", default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantModel.Meta):
        verbose_name_plural = "shift preferences"
        constraints = [
            models.UniqueConstraint(
                fields=["org", "employee"],
                name="guards_shiftpreferences_one_per_guard",
                violation_error_message="This guard already has preferences.",
            ),
            models.CheckConstraint(
                condition=Q(time_of_day__in=["", "days", "nights"]),
                name="guards_shiftpreferences_time_of_day_valid",
                violation_error_message="Choose days, nights or no preference.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee}: {self.summary}"

    @property
    def summary(self) -> str:
        parts = [f"prefers {self.get_time_of_day_display().lower()}"] if self.time_of_day else []
        if self.weekends_off:
            parts.append("prefers weekends off")
        return ", ".join(parts) or "no preferences"
