"""The roster board: one week of the whole organization, sites and their posts by day.

Each cell links to its shift page (scheduling/shifts.py: candidates and hand edits); the
head counts the week's changes since publishing, with "publish changes" and "fill the
rest". The number of queries does not grow with the sites or shifts shown (a page of
sites, then that page's shifts with their guards and draft assignments in one query each:
tests/scheduling/test_board.py pins it), and the work is bounded by the page size
(SITES_PER_PAGE), so a company with thousands of sites gets pages, not one huge table:

- the sites are not counted: a page reads one site more than it shows to know whether
  there is a next page (`_sites_page`);
- the page's sites come from the first clients by name that have a site with shifts this
  week (read in the order of `clients_client_name_per_org`, one EXISTS probe of
  `scheduling_shift_site_start` each), so page n probes about n x SITES_PER_PAGE
  clients and their sites, never every site of the organization (at 10,000 sites: 75 ms
  -> 1 ms for the page's query, tests/performance/test_plans.py);
- the changes since publishing are counted up to CHANGES_CAP, from the partial index of
  changed shifts (`scheduling_shift_changed`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from clients.models import Client, Site
from employees.forms import PageForm
from employees.models import Employee
from rostracore.tenancy.access import manager_required
from scheduling.forms import BoardQueryForm, in_window, neighbour_weeks
from scheduling.models import LabourRules, RosterAssignment, RosterRun, Shift
from scheduling.services import changed_shifts

SITES_PER_PAGE = 25
MAX_PAGE = 400  # 10,000 sites: a deeper page number opens the last page this allows
CHANGES_CAP = 1_000  # "more than 1,000 changes since publishing"
# Runs whose assignments are a roster to look at: a failed run's are not.
_FINISHED = (RosterRun.Status.DONE, RosterRun.Status.PUBLISHED)


@dataclass
class _Cell:
    shift: Shift
    guard: Employee | None
    draft: bool  # the draft's guard differs from the working roster's
    changed: bool = False  # the working roster's guard is not yet published
    attendance: str = ""  # "late 12 min" or "no-show" (_attendance_flag)
    attendance_class: str = ""  # the flag's CSS class: "late" or "no-show"


@dataclass
class _SitesPage:
    """One page of the board's sites, found without counting them all."""

    object_list: list[Site]
    number: int
    has_next: bool

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def start_index(self) -> int:
        return (self.number - 1) * SITES_PER_PAGE + 1

    def end_index(self) -> int:
        return self.start_index() + len(self.object_list) - 1

    @property
    def last_known(self) -> bool:
        """The last page: the number of pages (and sites) is known."""
        return not self.has_next


@dataclass
class _Row:
    label: str
    days: list[tuple[str, list[SafeString]]]  # (the day as "Mon 07 Dec", its cells' HTML)


@dataclass
class _SiteRows:
    site: Site
    rows: list[_Row] = field(default_factory=list)


def _monday(query: BoardQueryForm) -> dt.date:
    day = query.value("week")
    if day is None or not in_window(day):
        day = timezone.localdate()
    return day - dt.timedelta(days=day.weekday())


def _draft_run(week: dt.date) -> RosterRun | None:
    """The latest finished run that covers part of the week."""
    return (
        RosterRun.objects.filter(
            status__in=_FINISHED, start_date__lt=week + dt.timedelta(7), end_date__gt=week
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def _week_shifts(
    query: BoardQueryForm, start: dt.datetime, end: dt.datetime, run: RosterRun | None
) -> QuerySet[Shift]:
    """The week's shifts that pass the filters (the draft's open ones with "open only")."""
    shifts = Shift.objects.filter(start__gte=start, start__lt=end)
    if client := query.value("client"):
        shifts = shifts.filter(site__client_id=client)
    if site := query.value("site"):
        shifts = shifts.filter(site_id=site)
    if query.value("open_only"):
        if run is None:
            shifts = shifts.filter(employee__isnull=True)
        else:
            drafted = RosterAssignment.objects.filter(run=run, shift=OuterRef("pk"))
            shifts = shifts.filter(
                Exists(drafted.filter(employee__isnull=True))
                | (Q(employee__isnull=True) & ~Exists(drafted))
            )
    return shifts


def _attendance_flag(shift: Shift, now: dt.datetime, late: int, no_show: int) -> tuple[str, str]:
    """The board's attendance flag of a published shift that has started, from its clock-in
    (annotated from the reverse relation `attendance`; this app never imports attendance):
    "late N min" for a clock-in more than `late` minutes after the start, or none yet
    that long after it; "no-show" without a clock-in `no_show` minutes after the start."""
    if shift.published_employee_id is None or shift.start > now:
        return "", ""
    clock_in = shift.clock_in_at
    if clock_in is None:
        minutes = int((now - shift.start).total_seconds() // 60)
        if minutes >= no_show:
            return "no-show", "no-show"
        if minutes >= late:
            return f"late {minutes} min", "late"
        return "", ""
    minutes = int((clock_in - shift.start).total_seconds() // 60)
    if minutes >= late and clock_in > shift.start:
        return f"late {minutes} min", "late"
    return "", ""


def _sites_page(shifts: QuerySet[Shift], number: int) -> _SitesPage:
    """Page `number` of the sites with shifts in `shifts`, by client name, site name, id.

    The sites of page n are among the first n x SITES_PER_PAGE + 1 clients (by name) that
    have such a site, since each of them has at least one: a subquery reads those clients
    in index order and the page's sites are sorted from their sites only. One site more
    than the page says whether there is a next page. Past the last page (a stale link):
    the first.
    """
    number = max(1, min(number, MAX_PAGE))
    has_shifts = Exists(shifts.filter(site=OuterRef("pk")))
    while True:
        offset = (number - 1) * SITES_PER_PAGE
        clients = (
            Client.objects.filter(Exists(Site.objects.filter(has_shifts, client=OuterRef("pk"))))
            .order_by("client_name", "pk")
            .values("pk")[: offset + SITES_PER_PAGE + 1]
        )
        sites = list(
            Site.objects.filter(has_shifts, client__in=Subquery(clients))
            .select_related("client")
            .order_by("client__client_name", "name", "pk")[offset : offset + SITES_PER_PAGE + 1]
        )
        if sites or number == 1:
            break
        number = 1
    return _SitesPage(sites[:SITES_PER_PAGE], number, len(sites) > SITES_PER_PAGE)


# The columns a cell shows (_Cell, _cell_html, _attendance_flag, Shift.is_changed): a
# page's ~250 shifts, their guards and draft assignments were a thousand full model
# instances, most of the draft board's time (bench/pages.py).
_CELL_FIELDS = ("site", "start", "end", "slot", "pinned", "post", "employee", "published_employee")
_GUARD_FIELDS = ("first_name", "last_name")

# One reverse() for every cell of the page: the shift page's URL with its pk as a field
# (reverse() per cell was 40 % of building the cells).
_SHIFT_URL_PK = 2_147_483_647


def _shift_url_pattern() -> str:
    return reverse("scheduling:shift", args=[_SHIFT_URL_PK]).replace(str(_SHIFT_URL_PK), "{pk}")


def _cell_html(cell: _Cell, start: dt.datetime, end: dt.datetime, url: str) -> SafeString:
    """One shift of the board as its list item; `url` is `_shift_url_pattern()`. Built here
    rather than in the template: 25 sites' cells were most of the page's time as template
    tags (a url tag, two time filters and a dozen lookups each). Every value from the
    database is escaped."""
    guard, shift = cell.guard, cell.shift
    classes = "shift" + (" open" if guard is None else " draft" if cell.draft else "")
    classes += " changed" if cell.changed else ""
    if guard is None:
        who = '<strong class="tag">Open</strong> no guard'
    else:
        who = escape(guard.full_name) + (' <span class="tag">draft</span>' if cell.draft else "")
    if shift.pinned:
        who += ' <span class="tag">pinned</span>'
    if cell.changed:
        who += ' <span class="tag">changed</span>'
    if cell.attendance:
        who += (
            f' <strong class="tag {escape(cell.attendance_class)}">'
            f"{escape(cell.attendance)}</strong>"
        )
    # Built from escaped values and fixed markup only.
    return mark_safe(
        f'<li class="{classes}"><a href="{url.format(pk=shift.pk)}"><span class="time">'
        f"{start:%H:%M}–{end:%H:%M}</span> {who}</a></li>"
    )


def _rows(site: Site, cells: list[_Cell], days: list[dt.date], tz, url: str) -> _SiteRows:
    """One row per post of the site (shifts without a post last), one column per day;
    `url` is `_shift_url_pattern()`."""
    by_post: dict[tuple, dict[dt.date, list[SafeString]]] = defaultdict(lambda: defaultdict(list))
    for cell in cells:
        post = cell.shift.post
        key = (0, post.name, post.pk) if post else (1, "Other shifts", 0)
        start = timezone.localtime(cell.shift.start, tz)
        html = _cell_html(cell, start, timezone.localtime(cell.shift.end, tz), url)
        by_post[key][start.date()].append(html)
    labels = [(day, f"{day:%a %d %b}") for day in days]
    return _SiteRows(
        site,
        [
            _Row(label, [(text, by_day.get(day, [])) for day, text in labels])
            for (_, label, _), by_day in sorted(by_post.items())
        ],
    )


@manager_required
def board(request: HttpRequest) -> HttpResponse:
    query = BoardQueryForm(request.GET)
    week = _monday(query)
    draft = query.value("roster") == BoardQueryForm.DRAFT
    run = _draft_run(week) if draft else None
    tz = timezone.get_current_timezone()
    days = [week + dt.timedelta(days=i) for i in range(7)]
    start = dt.datetime.combine(week, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(week + dt.timedelta(7), dt.time.min, tzinfo=tz)
    shifts = _week_shifts(query, start, end, run)

    number = PageForm(request.GET).number()
    page = _sites_page(shifts, number if isinstance(number, int) else MAX_PAGE)
    shown = {site.pk: site for site in page.object_list}
    # The clock-in of each shift (one attendance row per shift at most) as a column of the
    # same query, through the reverse relation: the query count stays pinned.
    on_page = (
        shifts.filter(site_id__in=list(shown))
        .select_related("post", "employee")
        .only(*_CELL_FIELDS, *(f"employee__{name}" for name in _GUARD_FIELDS), "post__name")
        .annotate(clock_in_at=F("attendance__clock_in_at"))
    )
    rules = LabourRules.objects.values("late_after_minutes", "no_show_after_minutes").first()
    late, no_show = (
        (rules["late_after_minutes"], rules["no_show_after_minutes"])
        if rules
        else (
            LabourRules._meta.get_field("late_after_minutes").default,
            LabourRules._meta.get_field("no_show_after_minutes").default,
        )
    )
    now = timezone.now()
    if run is not None:
        on_page = on_page.prefetch_related(
            Prefetch(
                "draft_assignments",
                queryset=RosterAssignment.objects.filter(run=run)
                .select_related("employee")
                .only("shift", "employee", *(f"employee__{name}" for name in _GUARD_FIELDS)),
                to_attr="drafted",
            )
        )
    cells: dict[int, list[_Cell]] = defaultdict(list)
    for shift in on_page.order_by("start", "slot", "pk"):
        guard, drafted = shift.employee, False
        if run is not None and shift.drafted:
            assignment = shift.drafted[0]
            guard, drafted = assignment.employee, assignment.employee_id != shift.employee_id
        flag, css = _attendance_flag(shift, now, late, no_show)
        cells[shift.site_id].append(_Cell(shift, guard, drafted, shift.is_changed, flag, css))
    url = _shift_url_pattern()
    table = [_rows(site, cells[pk], days, tz, url) for pk, site in shown.items()]

    previous, following = neighbour_weeks(week)
    changes = changed_shifts(start=start, end=end).order_by()[: CHANGES_CAP + 1].count()
    return render(
        request,
        "scheduling/board.html",
        {
            "form": query,
            "week": week,
            "days": days,
            "table": table,
            "page": page,
            "draft": draft,
            "run": run,
            "previous": previous,
            "next": following,
            "changes": min(changes, CHANGES_CAP),
            "changes_capped": changes > CHANGES_CAP,
        },
    )
