"""Turns one organization's rows into a `solver.Problem`.

The only module that knows both the ORM and the solver: `scheduling.solver` works on plain
data and never imports Django, the models never import the solver. `scheduling.services`
builds a problem here before solving (`run_roster`) and before publishing (`publish_run`).
Times become whole minutes since the Unix epoch; days and weeks are local dates in the
organization's timezone.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.apps import apps

from employees.models import Employee
from rostracore.tenancy.context import require_org
from scheduling.models import Absence, GuardContract, LabourRules, Shift, SiteInduction
from scheduling.solver import HOUR, Guard, Problem, Rules, Week
from scheduling.solver import Shift as ShiftData
from scheduling.solver.problem import Contract, Request

# Assigned shifts this far outside the range are loaded as fixed context: every labour rule
# looks at most one week around a shift.
CONTEXT = dt.timedelta(days=8)


def organization_timezone() -> ZoneInfo:
    """The current organization's timezone, in which shifts are planned and days counted."""
    return ZoneInfo(require_org("Scheduling").timezone)


def _local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=tz)


def _minutes(moment: dt.datetime) -> int:
    return int(moment.timestamp()) // 60


def shift_kind(local_start: dt.datetime) -> str:
    """ "night" for a shift starting at 18:00 or later or before 06:00, else "day": the kinds
    the night and succession rules of `LabourRules` name."""
    return "night" if local_start.hour >= 18 or local_start.hour < 6 else "day"


def labour_rules() -> LabourRules:
    """The organization's labour rules; the defaults (unsaved) when it has none yet."""
    return LabourRules.objects.first() or LabourRules(org=require_org("Labour rules"))


def _preference_requests(
    start_date: dt.date, end_date: dt.date, active: set[int], weight: int
) -> list[Request]:
    """The guards' soft preferences as weighted wishes for each day of the range: "day
    shifts" is a wish to have the night shift off, "night shifts" the day shift, "weekends
    off" Saturdays and Sundays off (guards.ShiftPreferences; the model is named, not
    imported: the guards app sits above this one)."""
    if weight <= 0:
        return []
    preferences = apps.get_model("guards", "ShiftPreferences").objects.filter(
        employee_id__in=active
    )
    requests: list[Request] = []
    days = [start_date + dt.timedelta(days=n) for n in range((end_date - start_date).days)]
    for row in preferences.values("employee_id", "time_of_day", "weekends_off"):
        unwanted = {"days": "night", "nights": "day"}.get(row["time_of_day"])
        for day in days:
            if row["weekends_off"] and day.isoweekday() >= 6:
                requests.append(Request(row["employee_id"], day.toordinal(), None, False, weight))
            elif unwanted:
                requests.append(
                    Request(row["employee_id"], day.toordinal(), unwanted, False, weight)
                )
    return requests


def _contracts() -> dict[int, Contract]:
    """Each guard's contract terms (GuardContract) as the solver's Contract; a contract with
    no term set is left out, so it does not make the optimizer plan the whole period."""
    contracts: dict[int, Contract] = {}
    for row in GuardContract.objects.all():
        if row.is_empty:
            continue
        per_kind = (("night", row.max_night_shifts), ("day", row.max_day_shifts))
        contracts[row.employee_id] = Contract(
            min_minutes=None if row.min_hours is None else row.min_hours * HOUR,
            max_minutes=None if row.max_hours is None else row.max_hours * HOUR,
            max_shifts=tuple((kind, most) for kind, most in per_kind if most is not None),
            max_consecutive_days=row.max_consecutive_days,
            max_weekends=row.max_weekends,
        )
    return contracts


def _open_weight(row: Shift) -> int | None:
    """A slot the post can run without (ShiftPattern.min_guards, "can run on") costs its
    pattern's price of running short instead of the open-shift weight; None: the default."""
    pattern = row.pattern
    if pattern is None or pattern.min_guards is None or row.slot < pattern.min_guards:
        return None
    return pattern.weight_under_cover


# A wish that "matters a lot" (guards.DayWish.strong) weighs this many times a plain one.
STRONG_WISH = 3
REQUESTED_KIND = {"off": None, "work": None, "day": "day", "night": "night"}


def _wish_requests(
    start_date: dt.date, end_date: dt.date, active: set[int], weight: int
) -> list[Request]:
    """The guards' wishes for single dates in the range (guards.DayWish, named, not
    imported) as the solver's weighted requests: a day off, or to work a shift (of a kind)."""
    if weight <= 0:
        return []
    wishes = apps.get_model("guards", "DayWish").objects.filter(
        employee_id__in=active, day__gte=start_date, day__lt=end_date
    )
    return [
        Request(
            employee_id,
            day.toordinal(),
            REQUESTED_KIND[wish],
            wish != "off",
            weight * (STRONG_WISH if strong else 1),
        )
        for employee_id, day, wish, strong in wishes.values_list(
            "employee_id", "day", "wish", "strong"
        )
    ]


def _unavailability(
    first: dt.date, last: dt.date, tz: ZoneInfo
) -> dict[int, list[tuple[int, int, str]]]:
    """Each guard's weekly windows and single dates when they cannot work, from `first` to
    `last`, as (start, end, words) in minutes: hard rules, like an absence.

    The guards' models are named, not imported (guards sits above scheduling). A window is
    expanded on the organization's wall clock (guards.models.UnavailableWindow.occurrences),
    so "Tuesdays from 18:00" stays 18:00 local across a daylight-saving change; the day
    before `first` is included for a window running past midnight into it."""
    windows = apps.get_model("guards", "UnavailableWindow").objects.all()
    dates = apps.get_model("guards", "UnavailableDate").objects.filter(
        day__gte=first, day__lte=last
    )
    found: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for window in windows:
        for start, end in window.occurrences(first - dt.timedelta(days=1), last, tz):
            found[window.employee_id].append((_minutes(start), _minutes(end), window.label))
    for marked in dates:
        start, end = marked.interval(tz)
        found[marked.employee_id].append((_minutes(start), _minutes(end), marked.label))
    return found


def build_problem(*, start_date: dt.date, end_date: dt.date) -> Problem:
    """The current organization's rostering problem for [start_date, end_date).

    Only its active guards are candidates. Assigned shifts (published or pinned) are fixed;
    assigned shifts within a week outside the range come along as fixed context. Absences
    and the guards' unavailability (weekly windows, single dates) are hard rules.
    """
    tz = organization_timezone()
    rules_row = labour_rules()
    rules = Rules(
        max_daily_minutes=rules_row.max_daily_hours * HOUR,
        max_weekly_minutes=rules_row.max_weekly_hours * HOUR,
        max_weekly_overtime_minutes=rules_row.max_weekly_overtime_hours * HOUR,
        min_rest_minutes=rules_row.min_rest_hours * HOUR,
        weekly_rest_minutes=rules_row.weekly_rest_hours * HOUR,
        weight_open_shift=rules_row.weight_open_shift,
        weight_off_client=rules_row.weight_off_client,
        weight_post_change=rules_row.weight_post_change,
        weight_fairness=rules_row.weight_fairness,
        weight_overtime=rules_row.weight_overtime,
        max_consecutive_days=rules_row.max_consecutive_days,
        max_consecutive_nights=rules_row.max_consecutive_nights,
        min_consecutive_days=rules_row.min_consecutive_days,
        min_consecutive_days_off=rules_row.min_consecutive_days_off,
        max_weekends=rules_row.max_weekends,
        forbidden_successions=(
            frozenset({("night", "day")}) if rules_row.no_day_after_night else frozenset()
        ),
    )
    start = _local_midnight(start_date, tz)
    end = _local_midnight(end_date, tz)

    inducted: dict[int, set[int]] = defaultdict(set)
    for employee_id, site_id in SiteInduction.objects.filter(completed_on__lt=end_date).values_list(
        "employee_id", "site_id"
    ):
        inducted[employee_id].add(site_id)
    absences: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for employee_id, absence_start, absence_end in Absence.objects.filter(
        start__lt=end + CONTEXT, end__gt=start - CONTEXT
    ).values_list("employee_id", "start", "end"):
        absences[employee_id].append((_minutes(absence_start), _minutes(absence_end)))
    unavailable = _unavailability(start_date - CONTEXT, end_date + CONTEXT, tz)
    contracts = _contracts()
    guards = [
        Guard(
            id=e.pk,
            grade=e.psira_grade,
            client=e.assigned_client_id,
            registration_expires=(
                e.psira_registration_expires.toordinal() if e.psira_registration_expires else None
            ),
            firearm_expires=(
                e.firearm_competency_expires.toordinal() if e.firearm_competency_expires else None
            ),
            inducted_sites=frozenset(inducted[e.pk]),
            absences=tuple(sorted(absences[e.pk] + [span[:2] for span in unavailable[e.pk]])),
            name=e.full_name,
            unavailable=tuple(sorted(unavailable[e.pk])),
            contract=contracts.get(e.pk),
        )
        for e in Employee.objects.filter(is_active=True)
    ]
    active = {g.id for g in guards}

    in_range = Shift.objects.filter(start__gte=start, start__lt=end)
    context = Shift.objects.filter(
        employee_id__in=active, start__gte=start - CONTEXT, start__lt=end + CONTEXT
    ).exclude(start__gte=start, start__lt=end)
    shifts: list[ShiftData] = []
    weeks: dict[int, Week] = {}
    site_names: dict[int, str] = {}
    for row, is_in_range in [
        *((s, True) for s in in_range.select_related("site", "pattern")),
        *((s, False) for s in context.select_related("site", "pattern")),
    ]:
        if row.employee_id is not None and row.employee_id not in active:
            continue  # an inactive guard's published shift: kept, not ours to judge
        local_start = row.start.astimezone(tz)
        local_end = row.end.astimezone(tz)
        day = local_start.date()
        monday = day - dt.timedelta(days=day.weekday())
        if is_in_range and monday.toordinal() not in weeks:
            weeks[monday.toordinal()] = Week(
                key=monday.toordinal(),
                start=_minutes(_local_midnight(monday, tz)),
                end=_minutes(_local_midnight(monday + dt.timedelta(7), tz)),
            )
        site_names[row.site_id] = row.site.name
        shifts.append(
            ShiftData(
                id=row.pk,
                site=row.site_id,
                client=row.site.client_id,
                start=_minutes(row.start),
                end=_minutes(row.end),
                day=day.toordinal(),
                end_day=(local_end - dt.timedelta(minutes=1)).date().toordinal(),
                week=monday.toordinal(),
                grade=min(row.required_grade, row.site.min_grade),
                armed=row.site.armed,
                induction=row.site.induction_required,
                post=row.post_id,
                fixed_guard=row.employee_id,
                in_range=is_in_range,
                label=f"{local_start:%a %d %b %H:%M}-{local_end:%H:%M} at {row.site.name}",
                kind=shift_kind(local_start),
                open_weight=_open_weight(row),
            )
        )
    return Problem(
        guards=guards,
        shifts=shifts,
        weeks=weeks,
        rules=rules,
        site_names=site_names,
        horizon=(start_date.toordinal(), (end_date - dt.timedelta(days=1)).toordinal()),
        requests=[
            *_preference_requests(start_date, end_date, active, rules_row.weight_preference),
            *_wish_requests(start_date, end_date, active, rules_row.weight_preference),
        ],
    )
