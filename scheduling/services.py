"""Scheduling writes: shifts from patterns, roster runs, publishing.

Every function works on the current organization (`require_org`): views get it from the
middleware, the `generate_roster` command and the background task wrap their work in
`use_org(org)`. The solver (`scheduling.solver`) never sees the ORM: `scheduling.adapter`
turns one organization's rows into its plain data.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from rostracore.tenancy.context import require_org, use_org
from scheduling.adapter import build_problem, organization_timezone
from scheduling.models import (
    MAX_SHIFTS_PER_RUN,
    MAX_WEEKS_PER_RUN,
    RosterAssignment,
    RosterRun,
    Shift,
    ShiftPattern,
)
from scheduling.solver import Progress, check, explain_open_shifts, solve

logger = logging.getLogger(__name__)


class PublishError(Exception):
    """The draft can no longer be published as it is (the roster changed meanwhile)."""


class RosterTooLarge(Exception):
    """The run would take on more than one run may (models.MAX_SHIFTS_PER_RUN)."""


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.ROSTER_WORKER_LEASE_SECONDS)


STALE_MESSAGE = (
    "The background worker stopped while generating this roster (it was stopped, ran out of "
    "memory or its machine restarted). Nothing was saved; start the roster again."
)


def fail_stale_runs() -> int:
    """Mark the current organization's running runs whose worker stopped renewing its lease
    as failed, so nothing stays "running" forever; returns how many. The pages call it
    before showing runs, and `start_run` before refusing a second active run."""
    cutoff = timezone.now() - _lease()
    stale = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    return RosterRun.objects.filter(stale, status=RosterRun.Status.RUNNING).update(
        status=RosterRun.Status.FAILED,
        phase="Failed",
        finished_at=timezone.now(),
        message=STALE_MESSAGE,
    )


ACTIVE_RUN_MESSAGE = (
    "A roster is already being generated for your organization; wait for it to finish, "
    "then start the next one."
)


@transaction.atomic
def start_run(
    *,
    start_date: dt.date,
    end_date: dt.date,
    time_limit: int,
    created_by=None,
    enqueue: bool = True,
) -> RosterRun:
    """Create a roster run of the current organization and, with `enqueue`, queue it for the
    background worker (the start page). `generate_roster` solves it in its own process.

    One active (queued or running) run per organization, also in the database: the worker
    serves the queue in order, so each organization's run gets its turn. Raises
    ValidationError with the reason.
    """
    from scheduling import tasks  # tasks imports this module

    if not start_date < end_date <= start_date + dt.timedelta(weeks=MAX_WEEKS_PER_RUN):
        raise ValidationError(
            f"A roster ends after it starts and covers at most {MAX_WEEKS_PER_RUN} weeks.",
            code="bad_range",
        )
    fail_stale_runs()
    if RosterRun.objects.filter(status__in=RosterRun.ACTIVE).exists():
        raise ValidationError(ACTIVE_RUN_MESSAGE, code="run_active")
    try:
        with transaction.atomic():
            run = RosterRun.objects.create(
                start_date=start_date,
                end_date=end_date,
                time_limit=time_limit,
                created_by=created_by,
                phase="Waiting for the background worker" if enqueue else "Starting",
            )
    except IntegrityError:  # another request started one meanwhile
        raise ValidationError(ACTIVE_RUN_MESSAGE, code="run_active") from None
    if enqueue:
        # The queue row commits with the run (same database, same transaction).
        tasks.generate_roster.enqueue(org_id=require_org().pk, run_id=run.pk)
    return run


class _Lease:
    """Renews a running run's lease (`heartbeat_at`) every third of the lease, from a thread
    of its own with its own database connection, while the solver holds this one."""

    def __init__(self, run: RosterRun) -> None:
        self.run_id, self.org = run.pk, require_org()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"lease-run-{run.pk}", daemon=True)

    def _beat(self) -> None:
        every = settings.ROSTER_WORKER_LEASE_SECONDS / 3
        try:
            with use_org(self.org):
                while not self.stop.wait(every):
                    RosterRun.objects.filter(
                        pk=self.run_id, status=RosterRun.Status.RUNNING
                    ).update(heartbeat_at=timezone.now())
        finally:
            connection.close()  # this thread's connection

    def __enter__(self) -> _Lease:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()


def generate_shifts(*, start_date: dt.date, end_date: dt.date) -> int:
    """Create the shifts of every active pattern for days in [start_date, end_date).

    Idempotent: a (pattern, local date, slot) that exists is skipped (a unique constraint
    backs it, so two concurrent runs cannot duplicate either). Times are the organization's
    local times; start and end are built separately from the local date and wall-clock time,
    so a night shift across a DST change lasts 11 or 13 real hours, as the guard works it.
    Returns the number of shifts created.
    """
    tz = organization_timezone()
    patterns = list(
        ShiftPattern.objects.filter(is_active=True, post__is_active=True).select_related(
            "post", "post__site"
        )
    )
    existing = set(
        Shift.objects.filter(
            pattern__in=patterns, local_date__gte=start_date, local_date__lt=end_date
        ).values_list("pattern_id", "local_date", "slot")
    )
    new: list[Shift] = []
    day = start_date
    while day < end_date:
        for pattern in patterns:
            if day.isoweekday() not in pattern.weekdays:
                continue
            end_day = day if pattern.end_time > pattern.start_time else day + dt.timedelta(1)
            start = dt.datetime.combine(day, pattern.start_time, tzinfo=tz).astimezone(dt.UTC)
            end = dt.datetime.combine(end_day, pattern.end_time, tzinfo=tz).astimezone(dt.UTC)
            site = pattern.post.site
            grade = min(pattern.post.required_grade, site.min_grade)  # "A" is the highest
            for slot in range(pattern.guards):
                if (pattern.pk, day, slot) in existing:
                    continue
                new.append(
                    Shift(
                        site=site,
                        post=pattern.post,
                        pattern=pattern,
                        local_date=day,
                        slot=slot,
                        start=start,
                        end=end,
                        required_grade=grade,
                    )
                )
        day += dt.timedelta(1)
    Shift.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    return len(new)


def run_roster(
    *, run: RosterRun, on_progress: Callable[[RosterRun], None] | None = None
) -> RosterRun:
    """Generate shifts, solve and store the draft of `run` (the background task calls this).

    Progress goes to the run's row as the solver reports it, each update committed on its
    own so the progress page sees it. The draft replaces any earlier draft of this run.
    """
    began = time.monotonic()
    if run.status == RosterRun.Status.PUBLISHED:
        raise PublishError("This roster is already published; start a new run instead.")
    now = timezone.now()
    RosterRun.objects.filter(pk=run.pk).update(
        status=RosterRun.Status.RUNNING,
        started_at=now,
        heartbeat_at=now,
        phase="Generating shifts",
    )
    try:
        with _Lease(run):
            return _solve_run(run, began, on_progress)
    except Exception as error:
        logger.exception("Roster run %s failed", run.pk)
        RosterRun.objects.filter(pk=run.pk).update(
            status=RosterRun.Status.FAILED,
            phase="Failed",
            finished_at=timezone.now(),
            message=str(error)[:2000],
        )
        raise


def _solve_run(run: RosterRun, began: float, on_progress) -> RosterRun:
    """run_roster's work, inside the run's time budget: generating the shifts and building
    the problem count against `run.time_limit` too; the solver gets what is left."""
    generate_shifts(start_date=run.start_date, end_date=run.end_date)
    problem = build_problem(start_date=run.start_date, end_date=run.end_date)
    in_range = sum(1 for s in problem.shifts if s.in_range)
    if in_range > MAX_SHIFTS_PER_RUN:
        raise RosterTooLarge(
            f"This roster has {in_range} shifts; one run takes at most "
            f"{MAX_SHIFTS_PER_RUN}. Roster fewer weeks at a time."
        )

    def progress(p: Progress) -> None:
        RosterRun.objects.filter(pk=run.pk).update(
            phase=p.phase,
            total_shifts=p.total,
            filled_shifts=p.filled,
            open_shifts=p.open,
            open_lower_bound=p.open_lower_bound or 0,
            elapsed_seconds=time.monotonic() - began,
        )
        if on_progress is not None:
            run.refresh_from_db()
            on_progress(run)

    remaining = max(1.0, run.time_limit - (time.monotonic() - began))
    solution = solve(problem, time_limit=remaining, progress=progress)
    roster = solution.roster
    reasons = explain_open_shifts(problem, roster)
    violations = check(problem, roster)
    stats = solution.stats
    with transaction.atomic():
        RosterAssignment.objects.filter(run=run).delete()
        RosterAssignment.objects.bulk_create(
            [
                RosterAssignment(
                    run=run,
                    shift_id=s.id,
                    employee_id=roster.get(s.id, s.fixed_guard),
                    is_fixed=s.fixed_guard is not None,
                    open_reason=reasons.get(s.id, ""),
                )
                for s in problem.shifts
                if s.in_range
            ],
            batch_size=1000,
        )
        RosterRun.objects.filter(pk=run.pk).update(
            status=RosterRun.Status.DONE,
            phase="Draft ready",
            finished_at=timezone.now(),
            total_shifts=stats.total_shifts,
            filled_shifts=stats.total_shifts - stats.final.open_shifts,
            open_shifts=stats.final.open_shifts,
            open_lower_bound=stats.open_lower_bound,
            objective=stats.objective,
            best_bound=stats.best_bound,
            soft_score=stats.final.soft,
            hard_violations=len(violations),
            elapsed_seconds=time.monotonic() - began,
            message=_summary(stats),
        )
    run.refresh_from_db()
    return run


def _summary(stats) -> str:
    text = f"Returned the {stats.used} roster; CP-SAT per week: {', '.join(stats.week_status)}."
    if stats.cpsat_objective is not None:
        text += (
            f" CP-SAT's own objective {stats.cpsat_objective:.1f}, bound "
            f"{stats.cpsat_bound:.1f} (each week given the weeks before it)."
        )
    return text


@transaction.atomic
def publish_run(*, run: RosterRun) -> int:
    """Copy a finished draft onto the shifts; returns how many shifts got a guard.

    Re-checks the whole range against the current database (another manager may have changed
    it since the draft was made) and relies on the exclusion constraint for the race that a
    check cannot see: a concurrent publish of an overlapping shift for the same guard.
    """
    run = RosterRun.objects.select_for_update().get(pk=run.pk)
    if run.status != RosterRun.Status.DONE:
        raise PublishError(f"Only a finished draft can be published; this one is {run.status}.")
    drafts = list(
        run.assignments.filter(employee__isnull=False, is_fixed=False).values_list(
            "shift_id", "employee_id"
        )
    )
    shifts = Shift.objects.select_for_update().in_bulk([shift_id for shift_id, _ in drafts])
    taken = [sid for sid, _ in drafts if sid in shifts and shifts[sid].employee_id is not None]
    if taken or len(shifts) != len(drafts):
        raise PublishError(
            f"{len(taken) or len(drafts) - len(shifts)} shifts changed since this draft was "
            "made; generate a new draft."
        )
    problem = build_problem(start_date=run.start_date, end_date=run.end_date)
    violations = check(problem, dict(drafts))
    if violations:
        raise PublishError(
            f"The draft breaks {len(violations)} rules against the current roster "
            f"(first: {violations[0].rule}, {violations[0].message}); generate a new draft."
        )
    for shift_id, employee_id in drafts:
        shifts[shift_id].employee_id = employee_id
    try:
        with transaction.atomic():
            Shift.objects.bulk_update(list(shifts.values()), ["employee"], batch_size=1000)
    except IntegrityError as error:
        raise PublishError(
            "A guard in this draft was given an overlapping shift meanwhile; generate a new draft."
        ) from error
    run.status = RosterRun.Status.PUBLISHED
    run.published_at = timezone.now()
    run.save(update_fields=["status", "published_at"])
    return len(drafts)
