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
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.utils import timezone
from psycopg.errors import DeadlockDetected

from employees.models import Employee
from rostracore.tenancy.context import require_org, use_org
from scheduling.adapter import build_problem, organization_timezone
from scheduling.models import (
    CHANGED,
    MAX_SHIFTS_PER_RUN,
    MAX_WEEKS_PER_RUN,
    Absence,
    GuardContract,
    RosterAssignment,
    RosterRun,
    Shift,
    ShiftChange,
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
            **draft_goals(run),
        )
    run.refresh_from_db()
    return run


def draft_goals(run: RosterRun) -> dict[str, int | float | None]:
    """The soft goals of `run`'s stored draft, as RosterRun's fields (two queries).

    Dedicated guards: how many of the filled shifts are theirs and how many of those are at
    their own client's sites. Fairness: how many guards the draft rosters, their average
    hours and how far the farthest is from it. The worker stores them with the draft, so
    the run page reads them instead of summing every assignment on each view.
    """
    filled = run.assignments.filter(employee__isnull=False)
    dedicated = filled.filter(employee__assigned_client__isnull=False).aggregate(
        all=Count("pk"),
        own=Count("pk", filter=Q(shift__site__client=F("employee__assigned_client"))),
    )
    length = ExpressionWrapper(F("shift__end") - F("shift__start"), output_field=DurationField())
    hours = [
        total.total_seconds() / 3600
        for total in filled.values("employee")
        .annotate(total=Sum(length))
        .order_by()
        .values_list("total", flat=True)
    ]
    average = sum(hours) / len(hours) if hours else None
    return {
        "dedicated_shifts": dedicated["all"],
        "own_client_shifts": dedicated["own"],
        "rostered_guards": len(hours),
        "average_hours": average,
        "hours_spread": max(abs(h - average) for h in hours) if hours else None,
    }


def _summary(stats) -> str:
    text = f"Returned the {stats.used} roster; CP-SAT per week: {', '.join(stats.week_status)}."
    if stats.cpsat_objective is not None:
        text += (
            f" CP-SAT's own objective {stats.cpsat_objective:.1f}, bound "
            f"{stats.cpsat_bound:.1f} (each week given the weeks before it)."
        )
    return text


@transaction.atomic
def publish_run(*, run: RosterRun, by=None, base_url: str = "") -> int:
    """Copy a finished draft onto the shifts and publish the range (the draft and every hand
    edit in it: the guards are told); returns how many shifts got a guard from the draft.

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
    # A draft's guard a manager pinned meanwhile is no change; any other guard is.
    taken = [
        sid
        for sid, guard in drafts
        if sid in shifts and shifts[sid].employee_id not in (None, guard)
    ]
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
    tz = organization_timezone()
    publish_changes(
        start=dt.datetime.combine(run.start_date, dt.time.min, tzinfo=tz),
        end=dt.datetime.combine(run.end_date, dt.time.min, tzinfo=tz),
        by=by,
        base_url=base_url,
    )
    run.status = RosterRun.Status.PUBLISHED
    run.published_at = timezone.now()
    run.save(update_fields=["status", "published_at"])
    return len(drafts)


# --- Hand edits on the board (scheduling/board.py) and their publishing. ---
#
# A hand edit changes the working roster (`Shift.employee`) and pins the shift; guards keep
# seeing the published roster (`Shift.published_employee`) until the manager publishes the
# changes. Pick-ups and swaps the manager approves (guards app) publish at once. The rules
# are the checker's (scheduling.candidates); the exclusion constraint is the last word on
# double booking, for the race no check can see.

DOUBLE_BOOKED = "This guard was given an overlapping shift meanwhile; look again."


def _locked_shifts(*shifts: Shift) -> list[Shift]:
    """`shifts` again, locked (in id order, so two edits never wait on each other)."""
    found = Shift.objects.select_for_update().in_bulk([s.pk for s in shifts])
    missing = [s for s in shifts if s.pk not in found]
    if missing:
        raise ValidationError("This shift no longer exists.", code="gone")
    return [found[s.pk] for s in shifts]


def _check_unchanged(shift: Shift, expected_employee_id: object) -> None:
    if expected_employee_id is not _ANY and shift.employee_id != expected_employee_id:
        raise ValidationError(
            "Someone changed this shift's guard meanwhile; look at it again.", code="stale"
        )


_ANY = object()  # no expectation about the shift's current guard


def _save_guards(shifts: list[Shift], fields: list[str]) -> None:
    """Save the shifts' guards; the exclusion constraint refuses a double booking. Two
    bookings of one guard at the same moment can also meet as a deadlock (each waits on the
    other's uncommitted row): PostgreSQL aborts one, which is the same answer."""
    try:
        with transaction.atomic():
            for shift in shifts:
                shift.save(update_fields=fields)
    except IntegrityError as error:
        raise ValidationError(DOUBLE_BOOKED, code="double_booked") from error
    except OperationalError as error:
        if not isinstance(error.__cause__, DeadlockDetected):
            raise
        raise ValidationError(DOUBLE_BOOKED, code="double_booked") from error


@transaction.atomic
def assign_shift(
    *,
    shift: Shift,
    employee,
    by=None,
    expected_employee_id=_ANY,
    publish: bool = False,
    notify: bool = True,
    base_url: str = "",
) -> Shift:
    """Put `employee` on `shift` (replacing its guard, if any) and pin it. Refused with the
    checker's reasons when the guard may not take it; with `publish`, the guards are told
    at once (an approved pick-up)."""
    from scheduling.candidates import reasons_against

    (shift,) = _locked_shifts(shift)
    _check_unchanged(shift, expected_employee_id)
    if shift.employee_id == employee.pk:
        raise ValidationError(f"{employee.full_name} already works this shift.", code="same")
    reasons = reasons_against(shift, employee)
    if reasons:
        raise ValidationError(
            {"employee": [f"{employee.full_name} cannot take this shift: {'; '.join(reasons)}."]}
        )
    shift.employee, shift.pinned = employee, True
    _save_guards([shift], ["employee", "pinned"])
    if publish:
        publish_shifts([shift], by=by, base_url=base_url, notify=notify)
    return shift


@transaction.atomic
def unassign_shift(
    *, shift: Shift, by=None, expected_employee_id=_ANY, sick: bool = False
) -> Shift:
    """Take the guard off `shift`: it is open, for a hand pick or "fill the rest". With
    `sick` (a sick call), the guard is also recorded unavailable for the shift's hours, so
    neither the candidate list nor the optimizer offers them again."""
    (shift,) = _locked_shifts(shift)
    _check_unchanged(shift, expected_employee_id)
    if shift.employee_id is None:
        raise ValidationError("This shift is already open.", code="open")
    if sick:
        Absence.objects.create(
            employee_id=shift.employee_id,
            kind=Absence.Kind.UNAVAILABLE,
            start=shift.start,
            end=shift.end,
            note="Off sick (taken off a shift on the board)",
        )
    shift.employee, shift.pinned = None, False
    shift.save(update_fields=["employee", "pinned"])
    return shift


@transaction.atomic
def swap_shifts(*, first: Shift, second: Shift, by=None, publish: bool = False) -> None:
    """Exchange the guards of two shifts, each checked as if they had left their own."""
    from scheduling.candidates import reasons_against

    if first.pk == second.pk:
        raise ValidationError({"other": ["Choose another shift to swap with."]})
    locked = dict(
        zip(
            sorted([first.pk, second.pk]),
            _locked_shifts(*sorted([first, second], key=lambda s: s.pk)),
            strict=True,
        )
    )
    first, second = locked[first.pk], locked[second.pk]
    if first.employee_id is None or second.employee_id is None:
        raise ValidationError({"other": ["Both shifts need a guard to swap."]})
    if first.employee_id == second.employee_id:
        raise ValidationError({"other": ["Both shifts have the same guard."]})
    a, b = first.employee, second.employee
    errors = []
    for guard, shift, leaving in ((a, second, first), (b, first, second)):
        reasons = reasons_against(shift, guard, leaving=frozenset({leaving.pk}))
        if reasons:
            errors.append(f"{guard.full_name} cannot take the other shift: {'; '.join(reasons)}.")
    if errors:
        raise ValidationError({"other": errors})
    # Through open first: the constraint is checked per statement, and the two may overlap.
    first.employee = None
    _save_guards([first], ["employee"])
    second.employee, first.employee = a, b
    first.pinned = second.pinned = True
    _save_guards([second, first], ["employee", "pinned"])
    if publish:
        publish_shifts([first, second], by=by)


@transaction.atomic
def set_pinned(*, shift: Shift, pinned: bool, employee=None, by=None) -> Shift:
    """Pin a shift's guard so that every later run keeps it. `employee`: pin a draft's
    guard (the latest run's suggestion) into the working roster, checked like a hand pick."""
    if employee is not None and employee.pk != shift.employee_id:
        return assign_shift(shift=shift, employee=employee, by=by, expected_employee_id=None)
    (shift,) = _locked_shifts(shift)
    if pinned and shift.employee_id is None:
        raise ValidationError("Only a shift with a guard can be pinned.", code="open")
    shift.pinned = pinned
    shift.save(update_fields=["pinned"])
    return shift


@transaction.atomic
def create_one_off_shift(
    *, site, start: dt.datetime, end: dt.datetime, required_grade: str, employee=None, by=None
) -> Shift:
    """A shift outside every pattern (event cover), open or with a guard checked as a hand
    pick. Not published until the manager publishes the week's changes."""
    if end <= start:
        raise ValidationError({"end": ["A shift must end after it starts."]})
    if end - start > dt.timedelta(hours=24):
        raise ValidationError({"end": ["A shift lasts at most 24 hours."]})
    grade = min(required_grade, site.min_grade)  # "A" is the highest
    shift = Shift.objects.create(site=site, start=start, end=end, required_grade=grade)
    if employee is not None:
        try:
            with transaction.atomic():
                assign_shift(shift=shift, employee=employee, by=by)
        except ValidationError as error:
            raise ValidationError({"employee": error.messages}) from None
        shift.refresh_from_db()
    return shift


def changed_shifts(*, start: dt.datetime, end: dt.datetime):
    """The shifts starting in [start, end) whose working guard is not the published one."""
    # CHANGED is the condition of the partial index scheduling_shift_changed.
    return Shift.objects.filter(CHANGED, start__gte=start, start__lt=end)


def publish_shifts(shifts, *, by=None, base_url: str = "", notify: bool = True) -> int:
    """Tell the guards: each shift's working guard becomes its published guard, one
    ShiftChange per shift that changed, and an email per guard affected (from the worker).
    Returns the number of changes."""
    from organizations.tasks import send_email  # organizations sits below scheduling

    now = timezone.now()
    changed = [s for s in shifts if s.employee_id != s.published_employee_id]
    changes = [
        ShiftChange(
            shift=s,
            previous_employee_id=s.published_employee_id,
            employee_id=s.employee_id,
            published_at=now,
            published_by=by if getattr(by, "pk", None) else None,
        )
        for s in changed
    ]
    for s in changed:
        s.published_employee_id, s.published_at = s.employee_id, now
    Shift.objects.bulk_update(changed, ["published_employee", "published_at"], batch_size=1000)
    ShiftChange.objects.bulk_create(changes, batch_size=1000)
    guards = {c.employee_id for c in changes} | {c.previous_employee_id for c in changes}
    users = Employee.objects.filter(pk__in=guards - {None}, user__isnull=False).values_list(
        "user_id", flat=True
    )
    if changes and notify:
        first = min(c.pk for c in changes)
        for user_id in users:  # the queue rows commit with the changes (same database)
            send_email.enqueue(
                template="roster_changes", user_id=user_id, base_url=base_url, object_id=first
            )
    return len(changes)


@transaction.atomic
def publish_changes(*, start: dt.datetime, end: dt.datetime, by=None, base_url: str = "") -> int:
    """Publish every hand edit of the shifts starting in [start, end) (the board's week)."""
    shifts = list(changed_shifts(start=start, end=end).select_for_update())
    return publish_shifts(shifts, by=by, base_url=base_url)


@transaction.atomic
def save_contract(*, contract: GuardContract) -> GuardContract | None:
    """Save a guard's contract terms (the guard's contract page and the admin). A contract
    with every term blank is deleted instead: the organization's rules apply again, and an
    empty row would not make the optimizer plan the period as one model anyway. The model's
    checks (minimum at most maximum, one per guard) are run first, so a bad value is a
    message at its field, never an IntegrityError."""
    contract.full_clean()
    if contract.is_empty:
        if contract.pk is not None:
            contract.delete()
        return None
    contract.save()
    return contract
