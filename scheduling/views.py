"""Scheduling pages: start a roster, follow its progress, publish it, week grids, exports.

Every lookup goes through the scoped managers, so another organization's run, site or guard
is a 404, the same as a missing one. The iCal feed is the one page without a login (calendar
apps cannot log in): its signed token names the organization and the guard.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clients.models import Site
from employees.models import Employee
from employees.views import manager_required
from organizations.models import Organization
from rostracore.tenancy.context import use_org
from scheduling import tasks
from scheduling.forms import StartRosterForm
from scheduling.models import RosterAssignment, RosterRun, Shift
from scheduling.services import PublishError, publish_run

ICAL_SALT = "scheduling.ical-feed"


@manager_required
def home(request: HttpRequest) -> HttpResponse:
    """Roster runs, and the form that starts a new one in the background worker."""
    today = timezone.localdate()
    next_monday = today + dt.timedelta(days=7 - today.weekday())
    form = StartRosterForm(request.POST or None, initial={"start_date": next_monday})
    if request.method == "POST" and form.is_valid():
        start = form.cleaned_data["start_date"]
        run = RosterRun.objects.create(
            start_date=start,
            end_date=start + dt.timedelta(weeks=form.cleaned_data["weeks"]),
            time_limit=form.cleaned_data["time_limit"],
            created_by=request.user,
            phase="Waiting for the background worker",
        )
        # The queue row commits with the run (same database, same request transaction).
        tasks.generate_roster.enqueue(org_id=request.org.pk, run_id=run.pk)
        return redirect(run)
    runs = RosterRun.objects.select_related("created_by")[:20]
    sites = Site.objects.select_related("client")
    return render(request, "scheduling/home.html", {"form": form, "runs": runs, "sites": sites})


@manager_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress page; refreshes itself until the run is finished."""
    run = get_object_or_404(RosterRun, pk=pk)
    open_rows = []
    sites = []
    if run.is_finished:
        open_rows = list(
            run.assignments.filter(employee__isnull=True)
            .select_related("shift__site")
            .order_by("shift__start")[:200]
        )
        sites = Site.objects.filter(shifts__draft_assignments__run=run).distinct()
    percent = round(100 * run.filled_shifts / run.total_shifts) if run.total_shifts else 0
    return render(
        request,
        "scheduling/run.html",
        {
            "run": run,
            "percent": percent,
            "open_rows": open_rows,
            "sites": sites,
            "open_gap": run.open_shifts - run.open_lower_bound,
        },
    )


@manager_required
@require_POST
def run_publish(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(RosterRun, pk=pk)
    try:
        count = publish_run(run=run)
    except PublishError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Published: {count} shifts now have their guard.")
    return redirect(run)


@dataclass
class _Entry:
    shift: Shift
    guard: Employee | None
    draft: bool
    reason: str = ""


def _week_start(request: HttpRequest, default: dt.date) -> dt.date:
    try:
        day = dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = default
    return day - dt.timedelta(days=day.weekday())


def _entries(shifts, run: RosterRun | None) -> list[_Entry]:
    """Shifts with their published guard, or with the draft's guard when `run` is given."""
    shifts = list(shifts)
    if run is None:
        return [_Entry(s, s.employee, False) for s in shifts]
    drafts = {
        a.shift_id: a
        for a in RosterAssignment.objects.filter(run=run, shift__in=shifts).select_related(
            "employee"
        )
    }
    entries = []
    for s in shifts:
        draft = drafts.get(s.pk)
        if draft is None:
            entries.append(_Entry(s, s.employee, False))
        else:
            entries.append(_Entry(s, draft.employee, not draft.is_fixed, draft.open_reason))
    return entries


def _grid(request, *, title, subject, shifts_query, row_of, week, run):
    """A week grid: one row per `row_of(shift)` label, one column per day."""
    tz = timezone.get_current_timezone()
    days = [week + dt.timedelta(days=i) for i in range(7)]
    start = dt.datetime.combine(week, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(week + dt.timedelta(7), dt.time.min, tzinfo=tz)
    shifts = shifts_query.filter(start__gte=start, start__lt=end).select_related(
        "site", "post", "employee"
    )
    rows: dict[str, dict[dt.date, list[_Entry]]] = defaultdict(lambda: defaultdict(list))
    for entry in _entries(shifts.order_by("start", "slot"), run):
        local_day = timezone.localtime(entry.shift.start, tz).date()
        rows[row_of(entry.shift)][local_day].append(entry)
    table = [(label, [cells.get(day, []) for day in days]) for label, cells in sorted(rows.items())]
    query = f"&run={run.pk}" if run else ""
    return render(
        request,
        "scheduling/week.html",
        {
            "title": title,
            "subject": subject,
            "days": days,
            "table": table,
            "run": run,
            "previous": f"?week={week - dt.timedelta(7)}{query}",
            "next": f"?week={week + dt.timedelta(7)}{query}",
        },
    )


def _run_from(request: HttpRequest) -> RosterRun | None:
    run_id = request.GET.get("run")
    if not run_id:
        return None
    if not run_id.isdigit():
        raise Http404("No such roster run.")
    return get_object_or_404(RosterRun, pk=int(run_id))


@manager_required
def site_week(request: HttpRequest, pk: int) -> HttpResponse:
    site = get_object_or_404(Site.objects.select_related("client"), pk=pk)
    run = _run_from(request)
    week = _week_start(request, run.start_date if run else timezone.localdate())
    return _grid(
        request,
        title=f"{site.name} · week of {week:%d %b %Y}",
        subject=f"{site.client} · posts by day",
        shifts_query=Shift.objects.filter(site=site),
        row_of=lambda s: s.post.name if s.post else "Other shifts",
        week=week,
        run=run,
    )


@manager_required
def guard_week(request: HttpRequest, pk: int) -> HttpResponse:
    guard = get_object_or_404(Employee, pk=pk)
    run = _run_from(request)
    week = _week_start(request, run.start_date if run else timezone.localdate())
    if run is None:
        shifts = Shift.objects.filter(employee=guard)
    else:
        shifts = Shift.objects.filter(draft_assignments__run=run, draft_assignments__employee=guard)
    feed = request.build_absolute_uri(
        reverse("scheduling:guard_ical", kwargs={"token": guard_feed_token(guard)})
    )
    response = _grid(
        request,
        title=f"{guard.full_name} · week of {week:%d %b %Y}",
        subject=f"Calendar feed: {feed}",
        shifts_query=shifts,
        row_of=lambda s: guard.full_name,
        week=week,
        run=run,
    )
    return response


@manager_required
def export_csv(request: HttpRequest) -> HttpResponse:
    """The roster as CSV: a run's draft (?run=) or the published shifts of ?start..?end."""
    run = _run_from(request)
    if run is not None:
        start, end = run.start_date, run.end_date
    else:
        try:
            start = dt.date.fromisoformat(request.GET.get("start", ""))
            end = dt.date.fromisoformat(request.GET.get("end", ""))
        except ValueError:
            start = timezone.localdate()
            end = start + dt.timedelta(weeks=4)
    tz = timezone.get_current_timezone()
    shifts = Shift.objects.filter(
        start__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        start__lt=dt.datetime.combine(end, dt.time.min, tzinfo=tz),
    ).select_related("site__client", "post", "employee")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"roster-{start}-{end}{'-draft' if run else ''}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "date",
            "start",
            "end",
            "client",
            "site",
            "post",
            "guard",
            "employee number",
            "status",
            "reason open",
        ]
    )
    for entry in _entries(shifts.order_by("start", "site_id", "slot"), run):
        s = entry.shift
        local_start, local_end = timezone.localtime(s.start, tz), timezone.localtime(s.end, tz)
        status = "open" if entry.guard is None else ("draft" if entry.draft else "published")
        writer.writerow(
            [
                f"{local_start:%Y-%m-%d}",
                f"{local_start:%H:%M}",
                f"{local_end:%H:%M}",
                s.site.client.client_name,
                s.site.name,
                s.post.name if s.post else "",
                entry.guard.full_name if entry.guard else "",
                entry.guard.employee_number if entry.guard else "",
                status,
                entry.reason,
            ]
        )
    return response


def guard_feed_token(guard: Employee) -> str:
    """A signed, organization-bound token for a guard's calendar feed."""
    return signing.dumps({"o": guard.org_id, "e": guard.pk}, salt=ICAL_SALT, compress=True)


def _ical_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", " ")


def guard_ical(request: HttpRequest, token: str) -> HttpResponse:
    """A guard's published shifts, 30 days back to 90 ahead, as an iCalendar feed."""
    try:
        data = signing.loads(token, salt=ICAL_SALT)
        org = Organization.objects.get(pk=data["o"])
    except (signing.BadSignature, Organization.DoesNotExist, KeyError, TypeError):
        raise Http404("No such calendar.") from None
    with use_org(org):
        guard = get_object_or_404(Employee, pk=data["e"])
        now = timezone.now()
        shifts = (
            Shift.objects.filter(
                employee=guard,
                start__gte=now - dt.timedelta(days=30),
                start__lt=now + dt.timedelta(days=90),
            )
            .select_related("site", "post")
            .order_by("start")
        )
        stamp = f"{now:%Y%m%dT%H%M%SZ}"
        lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//RostraCore//Roster//EN",
            f"X-WR-CALNAME:{_ical_text(guard.full_name)} shifts",
        ]
        for s in shifts:
            summary = f"{s.site.name}" + (f" · {s.post.name}" if s.post else "")
            lines += [
                "BEGIN:VEVENT",
                f"UID:shift-{s.pk}@rostracore",
                f"DTSTAMP:{stamp}",
                f"DTSTART:{s.start.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}",
                f"DTEND:{s.end.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}",
                f"SUMMARY:{_ical_text(summary)}",
                f"LOCATION:{_ical_text(s.site.address or s.site.name)}",
                "END:VEVENT",
            ]
        lines.append("END:VCALENDAR")
    return HttpResponse("\r\n".join(lines) + "\r\n", content_type="text/calendar; charset=utf-8")
