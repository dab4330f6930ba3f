"""attendance.services: clocking in and out of one's own published shift, a manager's
record or correction with a reason (on the audit trail), the database's own rules, races."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from attendance import services
from attendance.models import Attendance, AttendanceEvent
from attendance.services import Location
from rostracore.audit.models import AuditEvent
from rostracore.tenancy.context import NoOrganizationError, use_org
from scheduling.models import Shift
from tests.attendance.conftest import employee_of, now_minute, published_shift
from tests.concurrency import at_once
from tests.factories import ShiftFactory

pytestmark = pytest.mark.django_db

HERE = Location(-26.1076, 28.0567, 12.0)


def test_clock_in_and_out_store_time_source_and_location(org_a, guard_a):
    gina = employee_of(guard_a)
    shift = published_shift(org_a, gina)
    start = shift.start
    with use_org(org_a):
        services.clock_in(
            employee=gina, shift=shift, at=start + dt.timedelta(minutes=2), location=HERE
        )
        attendance = services.clock_out(
            employee=gina, shift=shift, at=start + dt.timedelta(hours=8)
        )
        attendance.refresh_from_db()
        events = list(
            AttendanceEvent.objects.order_by("pk").values("kind", "source", "at", "latitude")
        )
    assert attendance.clock_in_at == start + dt.timedelta(minutes=2)
    assert attendance.clock_in_source == "phone"
    assert (attendance.clock_in_latitude, attendance.clock_in_longitude) == (-26.1076, 28.0567)
    assert attendance.clock_in_accuracy == 12.0
    assert attendance.clock_out_latitude is None  # clocked out without a location
    assert attendance.worked_minutes == 478
    assert events == [
        {
            "kind": "clock_in",
            "source": "phone",
            "at": start + dt.timedelta(minutes=2),
            "latitude": -26.1076,
        },
        {
            "kind": "clock_out",
            "source": "phone",
            "at": start + dt.timedelta(hours=8),
            "latitude": None,
        },
    ]


def test_clock_in_window_is_an_hour_before_the_start_to_the_end(org_a, guard_a):
    gina = employee_of(guard_a)
    shift = published_shift(org_a, gina)
    with use_org(org_a):
        with pytest.raises(ValidationError, match="Too early: you can clock in from"):
            services.clock_in(employee=gina, shift=shift, at=shift.start - dt.timedelta(minutes=61))
        with pytest.raises(ValidationError, match="This shift has ended"):
            services.clock_in(employee=gina, shift=shift, at=shift.end)
        services.clock_in(employee=gina, shift=shift, at=shift.start - dt.timedelta(minutes=60))
        assert Attendance.objects.count() == 1


def test_no_second_clock_in_and_no_clock_out_before_clocking_in(org_a, guard_a):
    gina = employee_of(guard_a)
    shift = published_shift(org_a, gina)
    with use_org(org_a):
        with pytest.raises(ValidationError, match="Clock in first"):
            services.clock_out(employee=gina, shift=shift, at=shift.start)
        services.clock_in(employee=gina, shift=shift, at=shift.start)
        with pytest.raises(ValidationError, match="You already clocked in at"):
            services.clock_in(employee=gina, shift=shift, at=shift.start + dt.timedelta(minutes=1))
        with pytest.raises(ValidationError, match="must come after clocking in"):
            services.clock_out(employee=gina, shift=shift, at=shift.start)
        services.clock_out(employee=gina, shift=shift, at=shift.start + dt.timedelta(hours=1))
        with pytest.raises(ValidationError, match="You already clocked out at"):
            services.clock_out(employee=gina, shift=shift, at=shift.start + dt.timedelta(hours=2))
        with pytest.raises(ValidationError, match="too long ago"):
            later = published_shift(org_a, gina, start=shift.end + dt.timedelta(hours=1))
            services.clock_in(employee=gina, shift=later, at=later.start)
            services.clock_out(employee=gina, shift=later, at=later.end + dt.timedelta(hours=7))
        assert AttendanceEvent.objects.count() == 3


def test_a_guard_clocks_in_only_on_their_own_published_shift(org_a, guard_a, guard_a2):
    gina, otto = employee_of(guard_a), employee_of(guard_a2)
    ottos = published_shift(org_a, otto)
    # Assigned to Gina on the board but not yet published: still Otto's.
    with use_org(org_a):
        Shift.objects.filter(pk=ottos.pk).update(employee=gina)
        with pytest.raises(ValidationError, match="not one of your published shifts"):
            services.clock_in(employee=gina, shift=ottos, at=ottos.start)
        services.clock_in(employee=otto, shift=ottos, at=ottos.start)
        with pytest.raises(ValidationError, match="not one of your published shifts"):
            services.clock_out(employee=gina, shift=ottos, at=ottos.end)
        assert Attendance.objects.get().employee == otto


def test_another_organizations_shift_is_not_found(org_a, org_b, guard_a, guard_b):
    gina, bea = employee_of(guard_a), employee_of(guard_b)
    beas = published_shift(org_b, bea)
    with use_org(org_a), pytest.raises(Shift.DoesNotExist):
        services.clock_in(employee=gina, shift=beas, at=beas.start)
    with use_org(org_a), pytest.raises(Shift.DoesNotExist):
        services.clock_in(employee=bea, shift=beas, at=beas.start)  # B's guard in A's scope
    with pytest.raises(NoOrganizationError):
        services.clock_in(employee=bea, shift=beas, at=beas.start)
    assert not Attendance.all_orgs.exists()


def test_a_bad_location_is_refused_at_the_field():
    with pytest.raises(ValidationError) as refused:
        Location(91, 0)
    assert refused.value.message_dict == {"location": ["This location is not on Earth."]}
    with pytest.raises(ValidationError):
        Location(0, 0, -1)


# --- the manager's record or correction -----------------------------------------------------


def test_manager_records_with_a_reason_and_it_is_on_the_audit_trail(
    org_a, manager_a, guard_a, observer
):
    gina = employee_of(guard_a)
    shift = published_shift(org_a, gina)
    with use_org(org_a):
        services.clock_in(
            employee=gina, shift=shift, at=shift.start + dt.timedelta(minutes=3), location=HERE
        )
        attendance = services.record_attendance(
            user=manager_a,
            shift=shift,
            clock_in_at=shift.start,
            clock_out_at=shift.end,
            reason="Phone flat; the site log says 06:00",
        )
        attendance.refresh_from_db()
        correction = AttendanceEvent.objects.get(kind="correction")
    assert (attendance.clock_in_at, attendance.clock_out_at) == (shift.start, shift.end)
    assert (attendance.clock_in_source, attendance.clock_out_source) == ("manager", "manager")
    assert attendance.clock_in_latitude is None  # the phone's location was for another time
    assert correction.user == manager_a and correction.source == "manager"
    assert correction.reason == "Phone flat; the site log says 06:00"
    assert (correction.clock_in_at, correction.clock_out_at) == (shift.start, shift.end)
    trail = AuditEvent.all_orgs.filter(org=org_a, table_name__startswith="attendance_")
    changed = trail.get(table_name="attendance_attendance", action="update")
    assert set(changed.changes) >= {"clock_in_at", "clock_out_at", "clock_in_source"}
    logged = trail.get(table_name="attendance_attendanceevent", row_id=correction.pk)
    assert logged.changes["reason"] == "Phone flat; the site log says 06:00"
    assert logged.changes["user_id"] == manager_a.pk


def test_a_record_needs_a_reason_and_sane_times(org_a, manager_a, guard_a):
    gina = employee_of(guard_a)
    shift = published_shift(org_a, gina)
    with use_org(org_a):
        with pytest.raises(ValidationError) as refused:
            services.record_attendance(
                user=manager_a,
                shift=shift,
                clock_in_at=shift.start,
                clock_out_at=shift.start,
                reason=" ",
            )
        assert refused.value.message_dict == {
            "reason": ["Say why you record or correct the attendance."],
            "clock_out_at": ["Clocking out must come after clocking in."],
        }
        with pytest.raises(ValidationError) as refused:
            services.record_attendance(
                user=manager_a,
                shift=shift,
                clock_in_at=shift.start - dt.timedelta(days=3),
                clock_out_at=None,
                reason="typo",
            )
        assert list(refused.value.message_dict) == ["clock_in_at"]
        open_shift = ShiftFactory(org=org_a, start=shift.start, end=shift.end)
        with pytest.raises(ValidationError, match="Nobody was published"):
            services.record_attendance(
                user=manager_a,
                shift=open_shift,
                clock_in_at=shift.start,
                clock_out_at=None,
                reason="x",
            )
        assert not Attendance.objects.exists() and not AttendanceEvent.objects.exists()


def test_a_manager_cannot_record_another_organizations_shift(org_a, org_b, manager_a, guard_b):
    beas = published_shift(org_b, employee_of(guard_b))
    with use_org(org_a), pytest.raises(Shift.DoesNotExist):
        services.record_attendance(
            user=manager_a, shift=beas, clock_in_at=beas.start, clock_out_at=None, reason="x"
        )
    assert not Attendance.all_orgs.exists()


# --- the database's own rules ---------------------------------------------------------------


def test_the_database_refuses_a_second_row_a_backwards_interval_and_a_silent_correction(
    org_a, guard_a
):
    gina = employee_of(guard_a)
    shift = published_shift(org_a, gina)
    with use_org(org_a):
        row = Attendance.objects.create(
            shift=shift, employee=gina, clock_in_at=shift.start, clock_in_source="phone"
        )
        for bad in (
            lambda: Attendance.objects.create(shift=shift, employee=gina),
            lambda: Attendance.objects.filter(pk=row.pk).update(
                clock_out_at=shift.start - dt.timedelta(minutes=1), clock_out_source="phone"
            ),
            lambda: Attendance.objects.filter(pk=row.pk).update(clock_in_at=None),
            lambda: Attendance.objects.filter(pk=row.pk).update(clock_in_latitude=10.0),
            lambda: AttendanceEvent.objects.create(
                attendance=row,
                shift=shift,
                employee=gina,
                kind="correction",
                source="manager",
                at=shift.start,
                reason="",
            ),
        ):
            with pytest.raises(IntegrityError), transaction.atomic():
                bad()


def test_the_database_refuses_an_attendance_row_pointing_at_another_organizations_shift(
    org_a, org_b, guard_a, guard_b
):
    gina = employee_of(guard_a)
    beas = published_shift(org_b, employee_of(guard_b))
    with use_org(org_a):
        row = Attendance.objects.create(shift=published_shift(org_a, gina), employee=gina)
    # Past the ORM's checks, straight to the database: the composite key (org_id, shift_id).
    with (
        use_org(org_a),
        pytest.raises(IntegrityError),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE attendance_attendance SET shift_id = %s WHERE id = %s", [beas.pk, row.pk]
        )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


# --- races ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_taps_at_once_make_one_clock_in(org_a, guard_a, observer):
    gina = employee_of(guard_a)
    shift = published_shift(org_a, gina, start=now_minute() - dt.timedelta(minutes=5))

    def tap():
        with use_org(org_a):
            return services.clock_in(employee=gina, shift=shift)

    results = at_once(tap, tap)
    assert sorted(type(r).__name__ for r in results) == ["Attendance", "ValidationError"]
    assert Attendance.all_orgs.count() == 1
    assert AttendanceEvent.all_orgs.filter(kind="clock_in").count() == 1
