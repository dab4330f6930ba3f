"""Payroll pages: the pay periods, one period's hours per guard, closing it, its CSV, and
the pay schedule. Manager pages; every lookup goes through the scoped managers, so another
organization's closed period is a 404, the same as a date that starts no period."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from employees.forms import PageForm
from organizations.models import Organization
from payroll import services
from payroll.forms import BeforeForm, PayScheduleForm
from payroll.hours import PayCategory, minutes_to_hours
from payroll.models import PayLine, PayPeriod, PaySchedule
from payroll.periods import (
    PeriodContext,
    by_name,
    closed_guard_hours,
    guard_hours,
    guards_in_closed_period,
    guards_in_period,
    pay_schedule,
)
from rostracore.pagination import CappedPaginator
from rostracore.tenancy.access import manager_required
from rostracore.tenancy.context import use_org

PERIODS_SHOWN = 12
GUARDS_PER_PAGE = 50


@require_safe
@manager_required
def periods(request: HttpRequest) -> HttpResponse:
    """The pay periods up to today (or ?before=), newest first, closed or open."""
    schedule = pay_schedule()
    query = BeforeForm(request.GET)
    before = (query.cleaned_data.get("before") if query.is_valid() else None) or (
        timezone.localdate()
    )
    computed = schedule.periods_before(before, PERIODS_SHOWN)
    oldest, newest = computed[-1][0], computed[0][1]
    closed = {
        period.start_date: period
        for period in PayPeriod.objects.filter(start_date__lt=newest, end_date__gt=oldest)
    }
    rows = {start: (start, end, closed.get(start)) for start, end in computed}
    for start, period in closed.items():  # closed under an earlier schedule
        rows.setdefault(start, (start, period.end_date, period))
    return render(
        request,
        "payroll/periods.html",
        {
            "schedule": schedule,
            "rows": [
                (start, end - dt.timedelta(days=1), period)
                for start, end, period in sorted(rows.values(), reverse=True)
            ],
            "earlier": oldest - dt.timedelta(days=1),
        },
    )


def _period_or_404(schedule: PaySchedule, start: str) -> tuple[dt.date, dt.date, PayPeriod | None]:
    try:
        day = dt.date.fromisoformat(start)
    except ValueError:
        raise Http404("No such pay period.") from None
    closed = PayPeriod.objects.filter(start_date=day).first()
    if closed is not None:
        return day, closed.end_date, closed
    if not schedule.is_period_start(day):
        raise Http404("No such pay period.")
    return day, schedule.period_of(day)[1], None


@require_safe
@manager_required
def period(request: HttpRequest, start: str) -> HttpResponse:
    """One period's hours per guard, rostered against attended, by category (a page of
    guards at a time); a closed period shows its snapshot."""
    schedule = pay_schedule()
    start_date, end_date, closed = _period_or_404(schedule, start)
    ctx = PeriodContext.of(start_date, end_date, schedule=schedule)
    guards = guards_in_closed_period(closed) if closed else guards_in_period(ctx)
    paginator = CappedPaginator(by_name(guards), GUARDS_PER_PAGE)
    page = paginator.get_page(PageForm(request.GET).number())
    employees = list(page.object_list)
    hours = closed_guard_hours(closed, employees) if closed else guard_hours(ctx, employees)
    return render(
        request,
        "payroll/period.html",
        {
            "start": start_date,
            "last_day": end_date - dt.timedelta(days=1),
            "closed": closed,
            "in_progress": end_date > timezone.localdate(),
            "categories": list(PayCategory),
            "page": page,
            "rows": [
                (
                    item,
                    [
                        (category.label, minutes_to_hours(rostered), minutes_to_hours(attended))
                        for category, rostered, attended in item.rows()
                    ],
                )
                for item in hours
            ],
        },
    )


@require_POST
@manager_required
def close(request: HttpRequest, start: str) -> HttpResponse:
    schedule = pay_schedule()
    start_date, _, _ = _period_or_404(schedule, start)
    try:
        period = services.close_pay_period(user=request.user, start_date=start_date)
    except ValidationError as error:
        for message in error.message_dict.get("start_date", error.messages):
            messages.error(request, message)
    else:
        messages.success(
            request, f"{period} closed: {period.lines.count()} payroll lines are final."
        )
    return redirect("payroll:period", start=start_date.isoformat())


# A cell starting with one of these is a formula to spreadsheets (OWASP "CSV injection");
# the same rule as the roster export (scheduling.views._FORMULA_STARTS).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe_cell(value: object) -> str:
    text = str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


class _Line:
    def write(self, value: str) -> str:
        return value


CSV_HEADER = [
    "employee_number",
    "employee_name",
    "category_code",
    "category",
    "hours",
    "rostered_hours",
    "attended_hours",
    "period_start",
    "period_end",
]
EXPORT_CHUNK = 2000
_CATEGORY_ORDER = Case(
    *(When(category=c.value, then=Value(i)) for i, c in enumerate(PayCategory)),
    output_field=IntegerField(),
)


@require_safe
@manager_required
def export_csv(request: HttpRequest, start: str) -> HttpResponse:
    """A closed period's payroll: one row per guard and pay category (README, "Hours for
    payroll"), streamed from the snapshot. An open period has no CSV (404): its figures
    would still change."""
    try:
        day = dt.date.fromisoformat(start)
    except ValueError:
        raise Http404("No such pay period.") from None
    closed = PayPeriod.objects.filter(start_date=day).first()
    if closed is None:
        raise Http404("No closed pay period starts on this date.")
    lines = (
        PayLine.objects.filter(period=closed)
        .annotate(category_order=_CATEGORY_ORDER)
        .order_by("employee_name", "employee_id", "category_order")
        .values_list(
            "employee_number",
            "employee_name",
            "category",
            "rostered_minutes",
            "attended_minutes",
        )
    )
    response = StreamingHttpResponse(
        _csv_rows(lines, closed, request.org), content_type="text/csv; charset=utf-8"
    )
    name = f"payroll-{closed.start_date}-{closed.last_day}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _csv_rows(lines, closed: PayPeriod, org: Organization) -> Iterator[str]:
    """Runs while the response is sent: sets the organization again and reads in a
    transaction of its own (a server-side cursor), as the roster export does."""
    writer = csv.writer(_Line())
    yield writer.writerow(CSV_HEADER)
    by_attendance = closed.pay_source == PaySchedule.Source.ATTENDANCE
    first, last = closed.start_date.isoformat(), closed.last_day.isoformat()
    with use_org(org), transaction.atomic():
        chunk: list[str] = []
        for number, name, code, rostered, attended in lines.iterator(chunk_size=EXPORT_CHUNK):
            row = [
                number,
                name,
                code,
                PayCategory(code).label,
                minutes_to_hours(attended if by_attendance else rostered),
                minutes_to_hours(rostered),
                minutes_to_hours(attended),
                first,
                last,
            ]
            chunk.append(writer.writerow([_safe_cell(cell) for cell in row]))
            if len(chunk) == EXPORT_CHUNK:
                yield "".join(chunk)
                chunk = []
        if chunk:
            yield "".join(chunk)


@manager_required
def schedule_settings(request: HttpRequest) -> HttpResponse:
    """The pay schedule: frequency, first period, overtime week, holidays, sources."""
    schedule = pay_schedule()
    form = PayScheduleForm(request.POST or None, instance=schedule)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_pay_schedule(user=request.user, schedule=form.instance)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Pay schedule saved.")
            return redirect(reverse("payroll:periods"))
    return render(request, "payroll/settings.html", {"form": form})
