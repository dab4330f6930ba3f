"""Hand edits (scheduling/candidates.py and the edit services in scheduling/services.py):
the candidate list is the checker's verdict, each action keeps the rules, the exclusion
constraint wins a race, publishing tells the guards, and nothing crosses organizations."""

import datetime as dt
import threading
import zoneinfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from rostracore.tenancy.context import use_org
from scheduling import candidates as candidates_module
from scheduling import services
from scheduling.adapter import build_problem
from scheduling.candidates import candidates, reasons_against
from scheduling.models import Shift, ShiftChange
from scheduling.solver import check
from tests.concurrency import at_once
from tests.factories import (
    AbsenceFactory,
    ClientFactory,
    EmployeeFactory,
    GuardUserFactory,
    ShiftFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db


def _saturday_week(org) -> tuple[dt.date, zoneinfo.ZoneInfo]:
    """The Monday of a week three weeks ahead, in the organization's time."""
    tz = zoneinfo.ZoneInfo(org.timezone)
    today = timezone.now().astimezone(tz).date()
    return today + dt.timedelta(days=21 - today.weekday()), tz


def _at(monday, tz, day: int, hour: int) -> dt.datetime:
    return dt.datetime.combine(monday + dt.timedelta(days=day), dt.time(hour), tzinfo=tz)


@pytest.fixture
def world(org_a):
    """Saturday's 06:00-18:00 grade C shift at a client's site, and a guard for each reason
    (and two free ones)."""
    monday, tz = _saturday_week(org_a)
    client = ClientFactory(org=org_a, client_name="Menlyn")
    site = SiteFactory(org=org_a, client=client, name="North Gate")
    other_site = SiteFactory(org=org_a, client=client, name="Loading Bay")
    saturday = 5
    shift = ShiftFactory(
        org=org_a,
        site=site,
        start=_at(monday, tz, saturday, 6),
        end=_at(monday, tz, saturday, 18),
        required_grade="C",
    )

    def guard(name, **kwargs):
        first, last = name.split()
        return EmployeeFactory(org=org_a, first_name=first, last_name=last, **kwargs)

    g = {
        "dedicated": guard("Dee Dedicated", psira_grade="B", assigned_client=client),
        "flex": guard("Flo Flex", psira_grade="C"),
        "low": guard("Lou Low", psira_grade="D"),
        "leave": guard("Lee Leave", psira_grade="C"),
        "busy": guard("Bo Busy", psira_grade="C"),
        "tired": guard("Ty Tired", psira_grade="C"),
        "hours": guard("Hal Hours", psira_grade="C"),
    }
    AbsenceFactory(
        org=org_a,
        employee=g["leave"],
        start=_at(monday, tz, saturday, 0),
        end=_at(monday, tz, saturday + 1, 0),
    )
    ShiftFactory(
        org=org_a,
        site=other_site,
        employee=g["busy"],
        start=_at(monday, tz, saturday, 10),
        end=_at(monday, tz, saturday, 14),
    )
    ShiftFactory(
        org=org_a,
        site=other_site,
        employee=g["tired"],
        start=_at(monday, tz, saturday - 1, 14),
        end=_at(monday, tz, saturday, 2),
    )
    for day in range(4):  # Monday to Thursday, 48 hours
        ShiftFactory(
            org=org_a,
            site=other_site,
            employee=g["hours"],
            start=_at(monday, tz, day, 6),
            end=_at(monday, tz, day, 18),
        )
    return {"shift": shift, "guards": g, "monday": monday, "tz": tz, "site": site}


def test_free_and_qualified_are_exactly_those_the_checker_accepts(world, org_a):
    shift = world["shift"]
    with use_org(org_a):
        found = candidates(shift)
        day = timezone.localtime(shift.start, world["tz"]).date()
        problem = build_problem(start_date=day, end_date=day + dt.timedelta(1))
        base = {s.id: s.fixed_guard for s in problem.shifts}
        assert check(problem, base) == []
        accepted = {g.id for g in problem.guards if not check(problem, {**base, shift.pk: g.id})}
    assert {c.employee.pk for c in found if c.fits} == accepted
    g = world["guards"]
    assert accepted == {g["dedicated"].pk, g["flex"].pk}
    # Best first: the client's dedicated guard, then the flex pool; then the others.
    assert [c.employee.pk for c in found[:2]] == [g["dedicated"].pk, g["flex"].pk]
    assert all(not c.fits for c in found[2:])


def test_each_guard_who_cannot_take_it_gets_the_checkers_reason(world, org_a):
    with use_org(org_a):
        reasons = {c.employee.pk: c.reasons for c in candidates(world["shift"])}
    g = world["guards"]
    assert reasons[g["low"].pk] == ("grade D, needs C",)
    assert reasons[g["leave"].pk] == ("on leave or unavailable",)
    assert reasons[g["busy"].pk][0].startswith("already works ")
    assert "Loading Bay" in reasons[g["busy"].pk][0]
    [rest] = reasons[g["tired"].pk]
    assert rest.startswith("rest: 4 h after ") and rest.endswith("(needs 12 h)")
    assert reasons[g["hours"].pk] == ("would work 60 h this week (max 58 h)",)


def test_an_inactive_guard_is_never_a_candidate(world, org_a):
    g = world["guards"]
    with use_org(org_a):
        g["flex"].is_active = False
        g["flex"].save(update_fields=["is_active"])
        assert g["flex"].pk not in {c.employee.pk for c in candidates(world["shift"])}
        assert reasons_against(world["shift"], g["flex"]) == ("is not an active guard",)


def test_assign_pins_the_guard_without_publishing(world, org_a, manager_a):
    shift, g = world["shift"], world["guards"]
    with use_org(org_a):
        services.assign_shift(shift=shift, employee=g["flex"], by=manager_a)
        shift.refresh_from_db()
    assert shift.employee_id == g["flex"].pk and shift.pinned
    assert shift.published_employee_id is None and shift.is_changed


def test_assign_refuses_with_the_reasons_and_changes_nothing(world, org_a, manager_a):
    shift, g = world["shift"], world["guards"]
    with use_org(org_a), pytest.raises(ValidationError) as refused:
        services.assign_shift(shift=shift, employee=g["tired"], by=manager_a)
    assert "Ty Tired cannot take this shift: rest: 4 h after" in refused.value.messages[0]
    with use_org(org_a):
        shift.refresh_from_db()
    assert shift.employee_id is None and not shift.pinned


def test_an_edit_made_meanwhile_is_not_overwritten(world, org_a, manager_a):
    shift, g = world["shift"], world["guards"]
    with use_org(org_a):
        services.assign_shift(shift=shift, employee=g["flex"], by=manager_a)
        with pytest.raises(ValidationError, match="changed this shift's guard meanwhile"):
            services.assign_shift(
                shift=shift, employee=g["dedicated"], by=manager_a, expected_employee_id=None
            )
        shift.refresh_from_db()
    assert shift.employee_id == g["flex"].pk


def test_unassign_opens_the_shift_and_keeps_the_published_guard_until_publishing(
    world, org_a, manager_a
):
    g = world["guards"]
    with use_org(org_a):
        shift = Shift.objects.get(employee=g["busy"])
        services.unassign_shift(shift=shift, by=manager_a, expected_employee_id=g["busy"].pk)
        shift.refresh_from_db()
        assert shift.employee_id is None and shift.published_employee_id == g["busy"].pk
        with pytest.raises(ValidationError, match="already open"):
            services.unassign_shift(shift=shift, by=manager_a)


def test_swap_exchanges_two_guards_when_both_may(world, org_a, manager_a):
    g, monday, tz = world["guards"], world["monday"], world["tz"]
    with use_org(org_a):
        mine = ShiftFactory(
            org=org_a,
            site=world["site"],
            employee=g["flex"],
            start=_at(monday, tz, 2, 6),
            end=_at(monday, tz, 2, 18),
        )
        theirs = ShiftFactory(
            org=org_a,
            site=world["site"],
            employee=g["dedicated"],
            start=_at(monday, tz, 3, 6),
            end=_at(monday, tz, 3, 18),
        )
        services.swap_shifts(first=mine, second=theirs, by=manager_a)
        mine.refresh_from_db()
        theirs.refresh_from_db()
    assert (mine.employee_id, theirs.employee_id) == (g["dedicated"].pk, g["flex"].pk)
    assert mine.pinned and theirs.pinned


def test_swap_refuses_when_one_guard_would_break_a_rule(world, org_a, manager_a):
    g, shift = world["guards"], world["shift"]
    with use_org(org_a):
        services.assign_shift(shift=shift, employee=g["flex"], by=manager_a)
        low_shift = ShiftFactory(
            org=org_a,
            site=world["site"],
            employee=g["low"],
            start=_at(world["monday"], world["tz"], 2, 6),
            end=_at(world["monday"], world["tz"], 2, 18),
        )
        with pytest.raises(ValidationError) as refused:
            services.swap_shifts(first=shift, second=low_shift, by=manager_a)
        shift.refresh_from_db()
        low_shift.refresh_from_db()
    assert refused.value.message_dict["other"] == [
        "Lou Low cannot take the other shift: grade D, needs C."
    ]
    assert (shift.employee_id, low_shift.employee_id) == (g["flex"].pk, g["low"].pk)


def test_pin_needs_a_guard_and_pinning_a_drafts_guard_assigns_it(world, org_a, manager_a):
    shift, g = world["shift"], world["guards"]
    with use_org(org_a):
        with pytest.raises(ValidationError, match="Only a shift with a guard"):
            services.set_pinned(shift=shift, pinned=True, by=manager_a)
        services.set_pinned(shift=shift, pinned=True, employee=g["dedicated"], by=manager_a)
        shift.refresh_from_db()
        assert shift.employee_id == g["dedicated"].pk and shift.pinned
        services.set_pinned(shift=shift, pinned=False, by=manager_a)
        shift.refresh_from_db()
    assert shift.employee_id == g["dedicated"].pk and not shift.pinned


def test_a_one_off_shift_is_open_or_checked_like_a_hand_pick(world, org_a, manager_a):
    g, monday, tz = world["guards"], world["monday"], world["tz"]
    start, end = _at(monday, tz, 6, 18), _at(monday, tz, 6, 23)
    with use_org(org_a):
        open_one = services.create_one_off_shift(
            site=world["site"], start=start, end=end, required_grade="C", by=manager_a
        )
        assert open_one.employee_id is None and open_one.pattern_id is None
        with pytest.raises(ValidationError) as refused:
            services.create_one_off_shift(
                site=world["site"],
                start=start,
                end=end,
                required_grade="C",
                employee=g["low"],
                by=manager_a,
            )
        assert "grade D, needs C" in refused.value.message_dict["employee"][0]
        with pytest.raises(ValidationError) as backwards:
            services.create_one_off_shift(
                site=world["site"], start=end, end=start, required_grade="C", by=manager_a
            )
        assert list(backwards.value.message_dict) == ["end"]
        assert Shift.objects.filter(start=start).count() == 1  # nothing half-written


def test_publishing_tells_the_guards_and_records_each_change(world, org_a, manager_a):
    shift, g = world["shift"], world["guards"]
    with use_org(org_a):
        busy_shift = Shift.objects.get(employee=g["busy"])
        services.unassign_shift(shift=busy_shift, by=manager_a)
        services.assign_shift(shift=shift, employee=g["flex"], by=manager_a)
        start = dt.datetime.combine(world["monday"], dt.time.min, tzinfo=world["tz"])
        end = start + dt.timedelta(days=7)
        assert services.changed_shifts(start=start, end=end).count() == 2
        assert services.publish_changes(start=start, end=end, by=manager_a) == 2
        assert services.changed_shifts(start=start, end=end).count() == 0
        assert services.publish_changes(start=start, end=end, by=manager_a) == 0
        changes = {
            (c.shift_id, c.previous_employee_id, c.employee_id) for c in ShiftChange.objects.all()
        }
        shift.refresh_from_db()
    assert changes == {(busy_shift.pk, g["busy"].pk, None), (shift.pk, None, g["flex"].pk)}
    assert shift.published_employee_id == g["flex"].pk and shift.published_at is not None


@pytest.mark.django_db(transaction=True)
def test_publishing_emails_each_affected_guard_their_own_changes(org_a, org_b, manager_a):
    gina = GuardUserFactory(org=org_a, username="gina@alpha.example", first_name="Gina")
    otto = GuardUserFactory(org=org_a, username="otto@alpha.example")
    GuardUserFactory(org=org_b, username="bea@bravo.example")
    with use_org(org_a):
        g, o = gina.employees.get(), otto.employees.get()
        site = SiteFactory(org=org_a, name="Civic Centre")
        monday, tz = _saturday_week(org_a)
        first = ShiftFactory(
            org=org_a, site=site, start=_at(monday, tz, 1, 6), end=_at(monday, tz, 1, 18)
        )
        second = ShiftFactory(
            org=org_a,
            site=site,
            employee=o,
            start=_at(monday, tz, 2, 6),
            end=_at(monday, tz, 2, 18),
        )
        services.assign_shift(shift=first, employee=g, by=manager_a)
        services.unassign_shift(shift=second, by=manager_a)
        start = dt.datetime.combine(monday, dt.time.min, tzinfo=tz)
        services.publish_changes(
            start=start, end=start + dt.timedelta(7), by=manager_a, base_url="https://x.example/"
        )
    tasks = [t["args_kwargs"]["kwargs"] for t in DBTaskResult.objects.values()]
    assert {t["user_id"] for t in tasks} == {gina.pk, otto.pk}
    assert all(set(t) == {"template", "user_id", "base_url", "object_id"} for t in tasks)
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    by_to = {m.to[0]: m for m in mail.outbox}
    assert set(by_to) == {"gina@alpha.example", "otto@alpha.example"}
    assert "- New: Tue" in by_to["gina@alpha.example"].body
    assert "06:00–18:00 at Civic Centre" in by_to["gina@alpha.example"].body
    assert "Removed" not in by_to["gina@alpha.example"].body
    assert "- Removed: Wed" in by_to["otto@alpha.example"].body
    assert "https://x.example/me/" in by_to["otto@alpha.example"].body


@pytest.mark.django_db(transaction=True)
def test_two_managers_giving_one_guard_overlapping_shifts_at_once_one_wins(
    org_a, monkeypatch, observer
):
    """Both checks pass before either saves (the barrier): the exclusion constraint decides,
    and the loser gets a message, not a 500."""
    guard = EmployeeFactory(org=org_a)
    monday, tz = _saturday_week(org_a)
    one = ShiftFactory(org=org_a, start=_at(monday, tz, 1, 6), end=_at(monday, tz, 1, 18))
    two = ShiftFactory(org=org_a, start=_at(monday, tz, 1, 8), end=_at(monday, tz, 1, 20))
    real = candidates_module.reasons_against
    waiting = threading.local()

    def checked_then_wait(shift, employee, **kwargs):
        found = real(shift, employee, **kwargs)
        waiting.barrier.wait()
        return found

    monkeypatch.setattr(candidates_module, "reasons_against", checked_then_wait)

    def assign(shift):
        def call(barrier):
            waiting.barrier = barrier
            with use_org(org_a):
                return services.assign_shift(shift=shift, employee=guard)

        return call

    results = at_once(assign(one), assign(two), hand_barrier=True)
    errors = [r for r in results if isinstance(r, ValidationError)]
    # The constraint's refusal or, when both writes wait on each other, PostgreSQL's deadlock
    # detection: the loser gets the same message either way, never a 500.
    assert len(errors) == 1 and errors[0].messages == [services.DOUBLE_BOOKED], results
    assert Shift.all_orgs.filter(employee=guard).count() == 1


def test_nothing_reaches_another_organization(two_orgs, org_a, org_b, manager_a):
    b_guard = EmployeeFactory(org=org_b, psira_grade="A")
    b_shift = ShiftFactory(org=org_b)
    a_shift = ShiftFactory(org=org_a)
    with use_org(org_a):
        assert b_guard.pk not in {c.employee.pk for c in candidates(a_shift)}
        with pytest.raises(ValidationError, match="no longer exists"):
            services.unassign_shift(shift=b_shift, by=manager_a)
        with pytest.raises(ValidationError):
            services.assign_shift(shift=a_shift, employee=b_guard, by=manager_a)
        far = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        assert services.publish_changes(start=far, end=far + dt.timedelta(days=20000)) == 0
    with use_org(org_b):
        b_shift.refresh_from_db()
        a_shift_seen = Shift.objects.filter(pk=a_shift.pk).exists()
    assert b_shift.employee_id is None and not a_shift_seen


def test_a_sick_call_records_the_guard_unavailable_so_they_are_not_offered_again(
    world, org_a, manager_a
):
    from scheduling.models import Absence

    g = world["guards"]
    with use_org(org_a):
        shift = Shift.objects.get(employee=g["busy"])
        services.unassign_shift(shift=shift, by=manager_a, sick=True)
        absence = Absence.objects.get(employee=g["busy"])
        shift.refresh_from_db()
        reasons = {c.employee.pk: c.reasons for c in candidates(shift)}
    assert (absence.start, absence.end) == (shift.start, shift.end)
    assert reasons[g["busy"].pk] == ("on leave or unavailable",)
