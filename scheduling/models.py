from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from clients.models import Grade
from rostracore.tenancy.models import TenantModel

# What one roster run may take on, so that no organization's run can hold the shared
# background worker for long (the start form and the pattern form state them).
MAX_WEEKS_PER_RUN = 8
MAX_SHIFTS_PER_RUN = 20_000
MAX_GUARDS_PER_SLOT = 20
# A shift whose working guard is not the published one (the board's "changes since
# publishing", scheduling.services.changed_shifts); the partial index
# scheduling_shift_changed has exactly this condition, so the count can use it.
CHANGED = ~Q(employee=F("published_employee")) & ~Q(
    employee__isnull=True, published_employee__isnull=True
)


class TsTzRange(models.Func):
    function = "TSTZRANGE"
    output_field = models.DateTimeField()


def list_all_weekdays() -> list[int]:
    return [1, 2, 3, 4, 5, 6, 7]


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
        choices=Grade,
        default=Grade.E,
    )
    # Set on shifts generated from a pattern (scheduling.services.generate_shifts); manual
    # shifts leave them empty. (pattern, local_date, slot) makes generation idempotent.
    post = models.ForeignKey(
        "scheduling.Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="shifts"
    )
    pattern = models.ForeignKey(
        "scheduling.ShiftPattern",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="shifts",
    )
    local_date = models.DateField(null=True, blank=True, help_text="Start date, local time.")
    slot = models.PositiveSmallIntegerField(default=0)
    # `employee` is the working roster: what the optimizer keeps and managers edit on the
    # board. `published_employee` is what the guard was told (My shifts, the calendar feed);
    # they differ between a hand edit and its publishing ("3 changes since publishing").
    published_employee = models.ForeignKey(
        "employees.Employee",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="published_shifts",
        editable=False,
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Kept by "fill the rest" and every later run: set by hand edits and the pin action.
    pinned = models.BooleanField(
        default=False, help_text="The optimizer keeps this shift's guard as it is."
    )

    class Meta(TenantModel.Meta):
        ordering = ["start", "site_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "pattern", "local_date", "slot"],
                condition=Q(pattern__isnull=False),
                name="scheduling_shift_once_per_pattern_slot",
            ),
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
            # The dashboard's "shifts this week" (and open ones: employee_id is included, so
            # the counts read the index only), week grids, the board and the admin changelist
            # (ordered by start, id) filter on org and start: scheduling 0009.
            models.Index(
                fields=["org", "start", "id"],
                include=["employee"],
                name="scheduling_shift_org_start_id",
            ),
            # The board's sites with shifts this week: one probe per site (scheduling 0013).
            models.Index(fields=["org", "site", "start"], name="scheduling_shift_site_start"),
            # The board's capped count of changes since publishing: only changed shifts.
            models.Index(
                fields=["org", "start"],
                name="scheduling_shift_changed",
                condition=CHANGED,
            ),
            # The admin's "open" filter (and its capped count): open shifts by start, of the
            # organization and of every organization (platform staff): scheduling 0015.
            models.Index(
                fields=["org", "start", "id"],
                name="scheduling_shift_open",
                condition=Q(employee__isnull=True),
            ),
            models.Index(
                fields=["start", "id"],
                name="scheduling_shift_open_all",
                condition=Q(employee__isnull=True),
            ),
            # Platform staff's admin changelist: every organization's shifts by start.
            models.Index(fields=["start", "id"], name="scheduling_shift_start_idx"),
            # A guard's own published shifts (My shifts, the calendar feed).
            models.Index(
                fields=["org", "published_employee", "start"],
                name="scheduling_shift_published",
                condition=Q(published_employee__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site.name} {self.start:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("scheduling:shift", kwargs={"pk": self.pk})

    @property
    def is_changed(self) -> bool:
        """The working roster's guard is not the one the guards were told."""
        return self.employee_id != self.published_employee_id


class LabourRules(TenantModel):
    """One organization's labour limits and roster goals; every limit is a setting.

    Defaults follow the private security sectoral determination and the BCEA. Bargaining
    councils agree different numbers, so nothing here is hard-coded in the optimizer: it reads
    these values through `scheduling.adapter.build_problem`.
    """

    max_daily_hours = models.PositiveSmallIntegerField(default=12)
    max_weekly_hours = models.PositiveSmallIntegerField("ordinary hours a week", default=48)
    max_weekly_overtime_hours = models.PositiveSmallIntegerField(
        "overtime hours a week", default=10, help_text="Hours allowed on top of ordinary hours."
    )
    min_rest_hours = models.PositiveSmallIntegerField("rest between shifts (hours)", default=12)
    weekly_rest_hours = models.PositiveSmallIntegerField(
        "consecutive weekly rest (hours)", default=36
    )
    # Soft goals: penalty points. An open shift must outweigh everything else combined.
    weight_open_shift = models.PositiveIntegerField(default=1000)
    weight_off_client = models.PositiveIntegerField(
        default=20, help_text="Per shift a dedicated guard works at another client's site."
    )
    weight_post_change = models.PositiveIntegerField(
        default=3, help_text="Per extra guard on one post (keep the same guard on a post)."
    )
    weight_fairness = models.PositiveIntegerField(
        default=1, help_text="Per hour the busiest guard works above the average."
    )
    weight_overtime = models.PositiveIntegerField(default=5, help_text="Per overtime hour.")
    weight_preference = models.PositiveIntegerField(
        default=2,
        help_text="Per shift against a guard's preference (day or night shifts, weekends off); "
        "0 ignores the preferences.",
    )
    # Rules over the whole roster period (blank: not applied). Setting any of them makes the
    # optimizer plan the period as one model (`scheduling.solver.search.solve_period`).
    max_consecutive_days = models.PositiveSmallIntegerField(
        "max consecutive working days", null=True, blank=True
    )
    max_consecutive_nights = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="A night shift starts at 18:00 or later, or before 06:00.",
    )
    min_consecutive_days = models.PositiveSmallIntegerField(
        "min consecutive working days",
        null=True,
        blank=True,
        help_text="Stretches touching the roster's first or last day are exempt.",
    )
    min_consecutive_days_off = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="2: days off come in pairs."
    )
    max_weekends = models.PositiveSmallIntegerField(
        "max weekends per roster",
        null=True,
        blank=True,
        help_text="A weekend counts as worked when its Saturday or Sunday is.",
    )
    no_day_after_night = models.BooleanField("no day shift straight after a night", default=False)
    # Payroll (payroll.hours.PayRules): weekly overtime starts after `max_weekly_hours`;
    # these add a daily threshold, the night allowance's hours and a paid leave day.
    daily_ordinary_hours = models.PositiveSmallIntegerField(
        "ordinary hours a day (payroll)",
        null=True,
        blank=True,
        validators=[MaxValueValidator(24)],
        help_text="Hours of one day's shifts beyond this are overtime. Blank: weekly only.",
    )
    night_start = models.TimeField(
        "night allowance from", default=dt.time(18, 0), help_text="BCEA night work: 18:00."
    )
    night_end = models.TimeField(
        "night allowance until", default=dt.time(6, 0), help_text="BCEA night work: 06:00."
    )
    leave_day_hours = models.PositiveSmallIntegerField(
        "paid hours of a leave day",
        default=8,
        validators=[MaxValueValidator(24)],
        help_text="48 ordinary hours over six days.",
    )
    # Attendance flags on the board (scheduling.board reads them; attendance.tasks emails).
    late_after_minutes = models.PositiveSmallIntegerField(
        "late after (minutes)",
        default=5,
        help_text="A guard who has not clocked in this many minutes after the start is late.",
    )
    no_show_after_minutes = models.PositiveSmallIntegerField(
        "no-show after (minutes)",
        default=30,
        help_text="No clock-in this many minutes after the start is a no-show; the manager "
        "is emailed.",
    )

    class Meta(TenantModel.Meta):
        verbose_name = "labour rules"
        verbose_name_plural = "labour rules"
        constraints = [
            models.UniqueConstraint(
                fields=["org"],
                name="scheduling_labourrules_one_per_org",
                violation_error_message=(
                    "This organization already has its labour rules: edit them instead."
                ),
            ),
            models.CheckConstraint(
                condition=Q(daily_ordinary_hours__isnull=True)
                | Q(daily_ordinary_hours__gte=1, daily_ordinary_hours__lte=24),
                name="scheduling_labourrules_daily_ordinary_valid",
                violation_error_message="Ordinary hours a day must be 1 to 24, or blank.",
            ),
            models.CheckConstraint(
                condition=Q(leave_day_hours__gte=1, leave_day_hours__lte=24),
                name="scheduling_labourrules_leave_day_valid",
                violation_error_message="A leave day must be 1 to 24 hours.",
            ),
            models.CheckConstraint(
                condition=~Q(night_start=F("night_end")),
                name="scheduling_labourrules_night_not_empty",
                violation_error_message="The night allowance must start and end at different times",
            ),
            models.CheckConstraint(
                condition=Q(no_show_after_minutes__gte=F("late_after_minutes")),
                name="scheduling_labourrules_no_show_after_late",
                violation_error_message="A no-show comes at or after being late.",
            ),
        ]

    def __str__(self) -> str:
        return f"Labour rules of {self.org}"

    def clean(self) -> None:
        super().clean()
        if (
            self.late_after_minutes is not None
            and self.no_show_after_minutes is not None
            and self.no_show_after_minutes < self.late_after_minutes
        ):
            raise ValidationError(
                {"no_show_after_minutes": "A no-show comes at or after being late."}
            )


class SiteInduction(TenantModel):
    """A guard has been inducted at a site (needed where `Site.induction_required`)."""

    employee = models.ForeignKey(
        "employees.Employee", on_delete=models.CASCADE, related_name="site_inductions"
    )
    site = models.ForeignKey("clients.Site", on_delete=models.CASCADE, related_name="inductions")
    completed_on = models.DateField()

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["org", "employee", "site"], name="scheduling_induction_once_per_site"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee} inducted at {self.site.name}"


class GuardContract(TenantModel):
    """One guard's contract terms for rostering: the hours a roster period must give them
    (full-time and part-time guards) and the shifts of a kind they work at most. Blank:
    the organization's labour rules apply. Any term makes the optimizer plan the period as
    one model, so it holds over the whole period (`scheduling.solver.Problem.spans_period`);
    the checker names a breach ("contract hours", "would exceed their contract's night
    shifts")."""

    employee = models.ForeignKey(
        "employees.Employee", on_delete=models.CASCADE, related_name="contracts"
    )
    min_hours = models.PositiveSmallIntegerField(
        "min hours per roster period",
        null=True,
        blank=True,
        help_text="A part-time guard's guaranteed hours: a hard rule, so a run that cannot "
        "give them says so.",
    )
    max_hours = models.PositiveSmallIntegerField(
        "max hours per roster period", null=True, blank=True
    )
    max_night_shifts = models.PositiveSmallIntegerField(
        "max night shifts per roster period",
        null=True,
        blank=True,
        help_text="0: no night shifts. A night shift starts at 18:00 or later, or before 06:00.",
    )
    max_day_shifts = models.PositiveSmallIntegerField(
        "max day shifts per roster period", null=True, blank=True, help_text="0: nights only."
    )
    max_consecutive_days = models.PositiveSmallIntegerField(
        "max consecutive working days",
        null=True,
        blank=True,
        help_text="Replaces the organization's rule for this guard.",
    )
    max_weekends = models.PositiveSmallIntegerField(
        "max weekends per roster period",
        null=True,
        blank=True,
        help_text="Replaces the organization's rule for this guard.",
    )

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["org", "employee"],
                name="scheduling_guardcontract_one_per_guard",
                violation_error_message="This guard already has a contract: edit it instead.",
            ),
            models.CheckConstraint(
                condition=Q(min_hours__isnull=True)
                | Q(max_hours__isnull=True)
                | Q(min_hours__lte=F("max_hours")),
                name="scheduling_guardcontract_min_at_most_max",
                violation_error_message="The minimum hours cannot be above the maximum.",
            ),
            models.CheckConstraint(
                condition=Q(max_consecutive_days__isnull=True) | Q(max_consecutive_days__gte=1),
                name="scheduling_guardcontract_consecutive_days_positive",
                violation_error_message="Allow at least one consecutive working day.",
            ),
        ]

    def __str__(self) -> str:
        return f"Contract of {self.employee}"

    @property
    def is_empty(self) -> bool:
        return all(getattr(self, name) is None for name in CONTRACT_TERMS)


# The terms of a GuardContract, in the order its forms show them.
CONTRACT_TERMS = (
    "min_hours",
    "max_hours",
    "max_night_shifts",
    "max_day_shifts",
    "max_consecutive_days",
    "max_weekends",
)


class Absence(TenantModel):
    """Time a guard cannot work: leave, or unavailability they told the manager about."""

    class Kind(models.TextChoices):
        LEAVE = "leave", "Leave"
        UNAVAILABLE = "unavailable", "Unavailable"

    employee = models.ForeignKey(
        "employees.Employee", on_delete=models.CASCADE, related_name="absences"
    )
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.LEAVE)
    start = models.DateTimeField()
    end = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")),
                name="scheduling_absence_end_after_start",
                violation_error_message="An absence must end after it starts.",
            ),
        ]
        indexes = [
            # build_problem loads the absences overlapping a roster range.
            models.Index(fields=["org", "start"], name="scheduling_absence_org_start"),
        ]

    def __str__(self) -> str:
        return f"{self.employee} {self.get_kind_display()} from {self.start:%Y-%m-%d}"


class Post(TenantModel):
    """A position to be manned at a site, e.g. "Main gate"."""

    site = models.ForeignKey("clients.Site", on_delete=models.CASCADE, related_name="posts")
    name = models.CharField(max_length=100)
    required_grade = models.CharField(
        "minimum PSIRA grade", max_length=1, choices=Grade, default=Grade.E
    )
    is_active = models.BooleanField("active", default=True)

    class Meta(TenantModel.Meta):
        ordering = ["site_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "site", "name"],
                name="scheduling_post_name_per_site",
                violation_error_message="This site already has a post with this name.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site.name} · {self.name}"


class ShiftPattern(TenantModel):
    """A recurring shift on a post: times of day (organization timezone) and weekdays.

    An end time at or before the start time ends the next day (18:00-06:00 is a night shift).
    `guards` shifts are made per day, one per slot.
    """

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="patterns")
    name = models.CharField(max_length=50)
    start_time = models.TimeField()
    end_time = models.TimeField()
    # ISO weekdays, 1 = Monday .. 7 = Sunday.
    weekdays = ArrayField(models.PositiveSmallIntegerField(), default=list_all_weekdays)
    guards = models.PositiveSmallIntegerField(
        "guards per shift",
        default=1,
        validators=[MaxValueValidator(MAX_GUARDS_PER_SLOT)],
        help_text=f"At most {MAX_GUARDS_PER_SLOT}: one shift is made per guard and day.",
    )
    # Priced cover: a post that needs `guards` but can run on `min_guards`. The slots from
    # `min_guards` up may stay open at `weight_under_cover` points each instead of the
    # organization's open-shift weight, so the optimizer trades them for other goals.
    min_guards = models.PositiveSmallIntegerField(
        "can run on",
        null=True,
        blank=True,
        help_text="Guards the post can run on at a price; blank: every slot must be filled.",
    )
    weight_under_cover = models.PositiveIntegerField(
        "price of running short",
        default=100,
        help_text="Points per slot left open between 'can run on' and 'guards per shift'.",
    )
    is_active = models.BooleanField("active", default=True)

    class Meta(TenantModel.Meta):
        ordering = ["post_id", "start_time"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "post", "name"],
                name="scheduling_pattern_name_per_post",
                violation_error_message="This post already has a pattern with this name.",
            ),
            models.CheckConstraint(
                condition=Q(guards__gte=1), name="scheduling_pattern_at_least_one_guard"
            ),
            models.CheckConstraint(
                condition=Q(guards__lte=MAX_GUARDS_PER_SLOT),
                name="scheduling_pattern_at_most_guards",
                violation_error_message=f"At most {MAX_GUARDS_PER_SLOT} guards per shift.",
            ),
            models.CheckConstraint(
                condition=Q(weekdays__contained_by=[1, 2, 3, 4, 5, 6, 7]),
                name="scheduling_pattern_iso_weekdays",
            ),
            models.CheckConstraint(
                condition=Q(min_guards__isnull=True) | Q(min_guards__lt=F("guards")),
                name="scheduling_pattern_min_guards_below_guards",
                violation_error_message="'Can run on' must be fewer than the guards per shift.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.post} {self.name} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class RosterRun(TenantModel):
    """One generation of a draft roster for a date range, and its progress.

    The background task (scheduling.tasks) updates the progress fields; the progress page
    polls them. Publishing copies the draft assignments onto `Shift.employee`.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Draft ready"
        FAILED = "failed", "Failed"
        PUBLISHED = "published", "Published"

    start_date = models.DateField()
    end_date = models.DateField(help_text="Exclusive: the first day not rostered.")
    time_limit = models.PositiveIntegerField("time limit (seconds)", default=30)
    status = models.CharField(max_length=20, choices=Status, default=Status.QUEUED)
    phase = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    total_shifts = models.PositiveIntegerField(default=0)
    filled_shifts = models.PositiveIntegerField(default=0)
    open_shifts = models.PositiveIntegerField(default=0)
    open_lower_bound = models.PositiveIntegerField(default=0)
    objective = models.FloatField(null=True, blank=True)
    best_bound = models.FloatField(null=True, blank=True)
    soft_score = models.FloatField(null=True, blank=True)
    hard_violations = models.PositiveIntegerField(default=0)
    elapsed_seconds = models.FloatField(default=0)
    message = models.TextField(blank=True)
    # The draft's soft goals, summed once by the worker when the draft is stored (the run
    # page shows them; summing 140,000 assignments on every view took 0.7 s):
    # shifts of guards dedicated to a client, those at that client's own sites, and the
    # spread of the rostered guards' hours around their average.
    dedicated_shifts = models.PositiveIntegerField(default=0)
    own_client_shifts = models.PositiveIntegerField(default=0)
    rostered_guards = models.PositiveIntegerField(default=0)
    average_hours = models.FloatField(null=True, blank=True)
    hours_spread = models.FloatField(
        null=True, blank=True, help_text="Hours of the guard farthest from the average."
    )
    # The worker's lease on a running run: renewed every few seconds while it works.
    # A running run whose heartbeat is older than the lease lost its worker (killed, out of
    # memory, machine restarted): scheduling.services.fail_stale_runs marks it failed.
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    class Meta(TenantModel.Meta):
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(own_client_shifts__lte=F("dedicated_shifts")),
                name="scheduling_rosterrun_own_client_within_dedicated",
            ),
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")),
                name="scheduling_rosterrun_end_after_start",
                violation_error_message="The roster must end after it starts.",
            ),
            # On what the worker takes on: runs finished before the cap keep their range.
            models.CheckConstraint(
                condition=~Q(status__in=["queued", "running"])
                | Q(end_date__lte=F("start_date") + dt.timedelta(weeks=MAX_WEEKS_PER_RUN)),
                name="scheduling_rosterrun_at_most_weeks",
                violation_error_message=f"A roster covers at most {MAX_WEEKS_PER_RUN} weeks.",
            ),
            # One run per organization in the queue or the worker at a time: the worker
            # serves the queue in order, so every organization's run gets its turn and no
            # tenant can fill the queue ahead of the others.
            models.UniqueConstraint(
                fields=["org"],
                condition=Q(status__in=["queued", "running"]),
                name="scheduling_one_active_run_per_org",
                violation_error_message=(
                    "A roster is already being generated for your organization; "
                    "wait for it to finish, then start the next one."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"Roster {self.start_date}-{self.end_date} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("scheduling:run", kwargs={"pk": self.pk})

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED, self.Status.PUBLISHED}

    @property
    def last_day(self) -> dt.date:
        """The last day rostered (`end_date` is exclusive): what every page shows."""
        return self.end_date - dt.timedelta(days=1)

    @property
    def open_gap(self) -> int:
        """Open shifts above the proven minimum (0: no roster could leave fewer open)."""
        return self.open_shifts - self.open_lower_bound

    @property
    def gap(self) -> float | None:
        """Relative gap between the objective and the best bound (0 = proven optimal)."""
        if self.objective is None or self.best_bound is None:
            return None
        return abs(self.objective - self.best_bound) / max(1.0, abs(self.objective))


class RosterAssignment(TenantModel):
    """A draft decision of a run for one shift: a guard, or open with a reason."""

    run = models.ForeignKey(RosterRun, on_delete=models.CASCADE, related_name="assignments")
    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="draft_assignments")
    employee = models.ForeignKey(
        "employees.Employee",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="draft_assignments",
    )
    # Published or pinned before the run: kept as it was.
    is_fixed = models.BooleanField(default=False)
    open_reason = models.TextField(blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["shift__start", "shift_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "run", "shift"], name="scheduling_assignment_once_per_run"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shift}: {self.employee or 'open'}"


class ShiftChange(TenantModel):
    """A published change of a shift's guard: what publishing told the guards. Made by
    `scheduling.services.publish_changes` and `publish_run` (and pick-ups and swaps, which
    publish at once); a guard's My shifts marks the ones since they last looked, and the
    guards affected are emailed."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="changes")
    previous_employee = models.ForeignKey(
        "employees.Employee",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    employee = models.ForeignKey(
        "employees.Employee",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta(TenantModel.Meta):
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(previous_employee__isnull=False) | Q(employee__isnull=False))
                & ~Q(previous_employee=F("employee")),
                name="scheduling_shiftchange_changes_something",
            ),
        ]
        indexes = [
            models.Index(
                fields=["org", "employee", "published_at"], name="scheduling_change_to_guard"
            ),
            models.Index(
                fields=["org", "previous_employee", "published_at"],
                name="scheduling_change_from_guard",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shift}: {self.previous_employee or 'open'} → {self.employee or 'open'}"

    @classmethod
    def notice_subject(cls, *, user, object_id: int | None) -> list[ShiftChange]:
        """The changes of one publishing (the one of change `object_id`) that concern `user`'s
        guard: the roster-changes email lists them (organizations.tasks)."""
        published = cls.objects.filter(pk=object_id).values("published_at")
        mine = Q(employee__user_id=user.pk) | Q(previous_employee__user_id=user.pk)
        return list(
            cls.objects.filter(mine, published_at=models.Subquery(published[:1]))
            .select_related("shift__site", "employee", "previous_employee")
            .order_by("shift__start", "pk")
        )
