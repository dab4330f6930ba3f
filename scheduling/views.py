"""Scheduling pages: start a roster, follow its progress, publish it, week grids, exports.

Every lookup goes through the scoped managers, so another organization's run, site or guard
is a 404, the same as a missing one. The iCal feed is the one page without a login (calendar
apps cannot log in): its link names the organization and carries the guard's random secret,
which the manager can replace and deactivation replaces.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import icalendar
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    Exists,
    OuterRef,
)
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from clients.models import Client, Site
from employees.forms import PageForm
from employees.models import Employee
from organizations.models import Organization
from rostracore.pagination import CappedPaginator
from rostracore.tenancy.access import manager_required
from rostracore.tenancy.context import use_org
from scheduling.forms import (
    ExportQueryForm,
    GuardContractForm,
    StartRosterForm,
    WeekQueryForm,
    in_window,
    neighbour_weeks,
)
from scheduling.models import GuardContract, RosterAssignment, RosterRun, Shift
from scheduling.services import (
    PublishError,
    fail_stale_runs,
    publish_run,
    save_contract,
    start_run,
)

# The last part of a feed's URL, Employee.calendar_token: "<organization id>-<secret>".
# ASCII only ([0-9] is not \d, which matches every script's digits), no leading zero or sign:
# one spelling per calendar.
ICAL_TOKEN = re.compile(r"([1-9][0-9]{0,17})-([A-Za-z0-9_-]{43})")
ICAL_DAYS_BACK, ICAL_DAYS_AHEAD = 30, 90
CLIENTS_PER_PAGE = 20  # the Rosters page: clients with their sites
OPEN_ROWS = 200  # the run page: its first open shifts, by start
RUN_SITES = 50  # the run page: week grid links (the board shows them all, by page)
# Calendar apps poll; five minutes in their cache, never in a shared one (the URL is a secret).
ICAL_CACHE_CONTROL = "private, max-age=300"


@manager_required
def home(request: HttpRequest) -> HttpResponse:
    """Roster runs, and the form that starts a new one in the background worker."""
    today = timezone.localdate()
    next_monday = today + dt.timedelta(days=7 - today.weekday())
    form = StartRosterForm(request.POST or None, initial={"start_date": next_monday})
    if request.method == "POST" and form.is_valid():
        start = form.cleaned_data["start_date"]
        try:
            run = start_run(
                start_date=start,
                end_date=start + dt.timedelta(weeks=form.cleaned_data["weeks"]),
                time_limit=form.cleaned_data["time_limit"],
                created_by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(run)
    fail_stale_runs()
    runs = RosterRun.objects.select_related("created_by")[:20]
    # A page of clients (by name: the index of clients_client_name_per_org) with their
    # sites, not every site: 10,000 sites made this page read and render them all.
    clients = Client.objects.filter(Exists(Site.objects.filter(client=OuterRef("pk"))))
    page = CappedPaginator(clients.order_by("client_name", "pk"), CLIENTS_PER_PAGE).get_page(
        PageForm(request.GET).number()
    )
    sites = defaultdict(list)
    for site in Site.objects.filter(client__in=[c.pk for c in page.object_list]).order_by(
        "client_id", "name"
    ):
        sites[site.client_id].append(site)
    by_client = [(client, sites[client.pk]) for client in page.object_list]
    return render(
        request,
        "scheduling/home.html",
        {"form": form, "runs": runs, "by_client": by_client, "page": page},
    )


def _soft_goals(run: RosterRun) -> list[str]:
    """The draft's soft goals in a manager's words, from the figures the worker stored with
    it (scheduling.services.draft_goals)."""
    goals = []
    if run.dedicated_shifts:
        share = round(100 * run.own_client_shifts / run.dedicated_shifts)
        goals.append(f"Dedicated guards on their own client's sites: {share}% of their shifts.")
    if run.rostered_guards > 1 and run.average_hours is not None:
        goals.append(
            f"Fairness: {run.rostered_guards} guards' hours spread within "
            f"±{run.hours_spread:.0f} h of the average ({run.average_hours:.0f} h)."
        )
    return goals


@manager_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress page; refreshes itself until the run is finished (or its worker is
    found dead: `fail_stale_runs`)."""
    fail_stale_runs()
    run = get_object_or_404(RosterRun, pk=pk)
    open_rows = []
    sites = []
    if run.is_finished:
        open_rows = list(
            run.assignments.filter(employee__isnull=True)
            .select_related("shift__site")
            .order_by("shift__start", "shift_id")[:OPEN_ROWS]
        )
        # The first RUN_SITES sites of the run in the order of their index (client, name),
        # each found by an EXISTS probe: not a DISTINCT over every assignment of the run.
        drafted = RosterAssignment.objects.filter(run=run, shift__site=OuterRef("pk"))
        sites = list(
            Site.objects.filter(Exists(drafted)).order_by("client_id", "name")[: RUN_SITES + 1]
        )
    percent = round(100 * run.filled_shifts / run.total_shifts) if run.total_shifts else 0
    return render(
        request,
        "scheduling/run.html",
        {
            "run": run,
            "soft_goals": _soft_goals(run) if run.is_finished else [],
            "percent": percent,
            "gap_percent": None if run.gap is None else 100 * run.gap,
            "open_rows": open_rows,
            "sites": sites[:RUN_SITES],
            "more_sites": len(sites) > RUN_SITES,
        },
    )


@manager_required
@require_POST
def run_publish(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(RosterRun, pk=pk)
    try:
        count = publish_run(run=run, by=request.user, base_url=request.build_absolute_uri("/"))
    except PublishError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Published: {count} shifts now have their guard.")
    return redirect(run)


# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets
# (OWASP "CSV injection"): a guard named =HYPERLINK(...) would run in the manager's
# spreadsheet. Tab and carriage return count too, as spreadsheets skip them before a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe_cell(value: object) -> str:
    """`value` as a CSV cell a spreadsheet shows as text: a leading ' when it could be read
    as a formula (spreadsheets hide the quote)."""
    text = str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


class _SafeWriter:
    """csv.writer that passes every cell through `_safe_cell`, so no column can forget."""

    def __init__(self, stream) -> None:
        self._writer = csv.writer(stream)

    def writerow(self, row: list):
        return self._writer.writerow([_safe_cell(cell) for cell in row])


@dataclass
class _Entry:
    shift: Shift
    guard: Employee | None
    draft: bool
    reason: str = ""


def _week_start(query: WeekQueryForm, run: RosterRun | None) -> dt.date:
    """The Monday of ?week=, else of the run's first day, else of today. A run stored
    before dates were bounded may start anywhere: outside the window it is today's week."""
    day = query.cleaned_data.get("week") or (run.start_date if run else None)
    if day is None or not in_window(day):
        day = timezone.localdate()
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
    previous, following = neighbour_weeks(week)
    return render(
        request,
        "scheduling/week.html",
        {
            "title": title,
            "subject": subject,
            "days": days,
            "table": table,
            "run": run,
            "previous": f"?week={previous}{query}" if previous else None,
            "next": f"?week={following}{query}" if following else None,
        },
    )


def _bad_run(query: WeekQueryForm | ExportQueryForm) -> HttpResponse | None:
    """A 400 when ?run= is no id (a missing or another organization's run is a 404, below);
    None when the query can be used."""
    if not query.is_valid() and "run" in query.errors:
        return HttpResponseBadRequest(
            f"The run in this link is not a roster run number: {query.errors['run'][0]}",
            content_type="text/plain; charset=utf-8",
        )
    return None


def _run_from(query: WeekQueryForm | ExportQueryForm) -> RosterRun | None:
    run_id = query.cleaned_data.get("run")
    return None if run_id is None else get_object_or_404(RosterRun, pk=run_id)


@manager_required
def site_week(request: HttpRequest, pk: int) -> HttpResponse:
    site = get_object_or_404(Site.objects.select_related("client"), pk=pk)
    query = WeekQueryForm(request.GET)
    if (bad := _bad_run(query)) is not None:
        return bad
    run = _run_from(query)
    week = _week_start(query, run)
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
    query = WeekQueryForm(request.GET)
    if (bad := _bad_run(query)) is not None:
        return bad
    run = _run_from(query)
    week = _week_start(query, run)
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
def guard_contract(request: HttpRequest, pk: int) -> HttpResponse:
    """A guard's contract terms: hours per roster period, shifts of a kind, their own
    consecutive-days and weekends limits (scheduling.GuardContract)."""
    guard = get_object_or_404(Employee, pk=pk)
    contract = GuardContract.objects.filter(employee=guard).first() or GuardContract(employee=guard)
    # Not `request.POST or None`: clearing every term posts an empty form, still a save.
    data = request.POST if request.method == "POST" else None
    form = GuardContractForm(data, instance=contract)
    if request.method == "POST" and form.is_valid():
        if save_contract(contract=form.save(commit=False)) is None:
            messages.success(request, f"{guard.full_name} works under the organization's rules.")
        else:
            messages.success(request, f"{guard.full_name}'s contract was saved.")
        return redirect(guard)
    return render(request, "scheduling/contract.html", {"form": form, "guard": guard})


@manager_required
def export_csv(request: HttpRequest) -> HttpResponse:
    """The roster as CSV: a run's draft (?run=) or the published shifts of ?start..?end.

    Streamed: the rows are read through a server-side cursor EXPORT_CHUNK at a time and
    written as they come, so four weeks of 100,000 guards never sit in memory at once
    (bench/export.py measures it; tests/scheduling/test_export_memory.py pins it)."""
    query = ExportQueryForm(request.GET)
    if (bad := _bad_run(query)) is not None:
        return bad
    run = _run_from(query)
    if run is not None:
        start, end = run.start_date, run.end_date
    else:
        start, end = query.cleaned_data.get("start"), query.cleaned_data.get("end")
        if start is None or end is None:  # missing, unreadable, out of the window, reversed
            start = timezone.localdate()
            end = start + dt.timedelta(weeks=4)
    tz = timezone.get_current_timezone()
    shifts = Shift.objects.filter(
        start__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        start__lt=dt.datetime.combine(end, dt.time.min, tzinfo=tz),
    ).order_by("start", "site_id", "slot", "pk")
    rows = _csv_rows(shifts.values_list(*_EXPORT_COLUMNS), run, tz, request.org)
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    name = f"roster-{start}-{end}{'-draft' if run else ''}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


EXPORT_CHUNK = 2000  # rows per fetch of the export's server-side cursor (and draft lookup)
_CSV_HEADER = [
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


class _Line:
    """A file-like object whose write() returns the line: csv.writer then hands it back."""

    def write(self, value: str) -> str:
        return value


# Tuples, not model instances: four instances a row made the export CPU-bound.
_EXPORT_COLUMNS = (
    "pk",
    "start",
    "end",
    "site__client__client_name",
    "site__name",
    "post__name",
    "employee__first_name",
    "employee__last_name",
    "employee__employee_number",
)


def _csv_rows(shifts, run: RosterRun | None, tz, org: Organization) -> Iterator[str]:
    """The CSV's lines. Runs after the view has returned, while the response is sent: so it
    sets the organization (and its timezone) again and reads in a transaction of its own —
    a server-side cursor outside one would be declared WITH HOLD (docs/scaling.md)."""
    writer = _SafeWriter(_Line())
    yield writer.writerow(_CSV_HEADER)
    with use_org(org), timezone.override(tz), transaction.atomic():
        batch: list[tuple] = []
        for row in shifts.iterator(chunk_size=EXPORT_CHUNK):
            batch.append(row)
            if len(batch) == EXPORT_CHUNK:
                yield "".join(_csv_lines(writer, batch, run, tz))
                batch = []
        if batch:
            yield "".join(_csv_lines(writer, batch, run, tz))


def _csv_lines(writer: _SafeWriter, rows: list[tuple], run: RosterRun | None, tz):
    """One line per shift: its published guard, or with `run` the draft's (one query for
    the batch's draft assignments)."""
    drafts = {}
    if run is not None:
        drafts = {
            shift_id: rest
            for shift_id, *rest in RosterAssignment.objects.filter(
                run=run, shift_id__in=[row[0] for row in rows]
            ).values_list(
                "shift_id",
                "employee__first_name",
                "employee__last_name",
                "employee__employee_number",
                "is_fixed",
                "open_reason",
            )
        }
    for pk, start, end, client, site, post, first, last, number in rows:
        draft, reason = False, ""
        if (drafted := drafts.get(pk)) is not None:
            first, last, number, fixed, reason = drafted
            draft = not fixed
        local_start, local_end = timezone.localtime(start, tz), timezone.localtime(end, tz)
        guard = number is not None
        status = "open" if not guard else ("draft" if draft else "published")
        yield writer.writerow(
            [
                f"{local_start:%Y-%m-%d}",
                f"{local_start:%H:%M}",
                f"{local_end:%H:%M}",
                client,
                site,
                post or "",
                f"{first} {last}" if guard else "",
                number if guard else "",
                status,
                reason,
            ]
        )


def guard_feed_token(guard: Employee) -> str:
    """The token in a guard's calendar feed URL (`scheduling:guard_ical`)."""
    return guard.calendar_token


def _ical_calendar(
    guard: Employee, shifts: Iterable[Shift], now: dt.datetime
) -> icalendar.Calendar:
    """RFC 5545 by the library: CRLF line ends, lines folded at 75 octets, text escaped."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//RostraCore//Roster//EN")
    calendar.add("version", "2.0")
    calendar.calendar_name = f"{guard.full_name} shifts"  # NAME and X-WR-CALNAME
    for s in shifts:
        calendar.add_component(
            icalendar.Event.new(
                uid=f"shift-{s.pk}@rostracore",
                stamp=now,
                start=s.start.astimezone(dt.UTC),
                end=s.end.astimezone(dt.UTC),
                summary=s.site.name + (f" · {s.post.name}" if s.post else ""),
                location=s.site.address or s.site.name,
            )
        )
    return calendar


@require_safe
def guard_ical(request: HttpRequest, token: str) -> HttpResponse:
    """A guard's published shifts, 30 days back to 90 ahead, as an iCalendar feed.

    A malformed token, an unknown organization, a secret no active guard of that
    organization holds (rotated, another organization's, deactivated): the same 404.
    """
    match = ICAL_TOKEN.fullmatch(token)
    org = Organization.objects.filter(pk=int(match[1])).first() if match else None
    if org is None:
        raise Http404("No such calendar.")
    with use_org(org):
        guard = Employee.objects.filter(calendar_secret=match[2], is_active=True).first()
        if guard is None:
            raise Http404("No such calendar.")
        now = timezone.now()
        shifts = (
            Shift.objects.filter(
                published_employee=guard,
                start__gte=now - dt.timedelta(days=ICAL_DAYS_BACK),
                start__lt=now + dt.timedelta(days=ICAL_DAYS_AHEAD),
            )
            .select_related("site", "post")
            .order_by("start")
        )
        body = _ical_calendar(guard, shifts, now).to_ical()
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = ICAL_CACHE_CONTROL
    response["Content-Disposition"] = 'inline; filename="shifts.ics"'
    return response
