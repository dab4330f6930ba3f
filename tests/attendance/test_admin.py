"""The attendance admins: read only, and a manager sees only their organization's rows."""

import pytest
from django.contrib.auth.models import Group

from attendance.models import Attendance, AttendanceEvent
from rostracore.tenancy.context import use_org
from tests.attendance.conftest import employee_of, published_shift

pytestmark = pytest.mark.django_db(transaction=True)


def _row(org, manager, guard, reason):
    employee = employee_of(guard)
    shift = published_shift(org, employee)
    with use_org(org):
        attendance = Attendance.objects.create(
            shift=shift, employee=employee, clock_in_at=shift.start, clock_in_source="manager"
        )
        event = AttendanceEvent.objects.create(
            attendance=attendance,
            shift=shift,
            employee=employee,
            kind="correction",
            source="manager",
            at=shift.start,
            reason=reason,
            user=manager,
        )
    return attendance, event


@pytest.fixture
def client(client, manager_a):
    """Org A's manager, in the Manager group the migrations made (attendance 0002 gives it
    the view permissions)."""
    manager_a.groups.add(Group.objects.get(name="Manager"))
    return client


@pytest.fixture
def rows(org_a, org_b, manager_a, manager_b, guard_a, guard_b):
    return {
        "a": _row(org_a, manager_a, guard_a, "Alpha reason"),
        "b": _row(org_b, manager_b, guard_b, "CANARYB reason"),
    }


@pytest.mark.parametrize("model", ["attendance", "attendanceevent"])
def test_manager_reads_own_rows_only_and_cannot_write(client, manager_a, rows, model, observer):
    client.force_login(manager_a)
    index = {"attendance": 0, "attendanceevent": 1}[model]
    own, other = rows["a"][index], rows["b"][index]
    listing = client.get(f"/admin/attendance/{model}/")
    assert listing.status_code == 200
    assert [row.pk for row in listing.context["cl"].result_list] == [own.pk]
    assert "CANARYB" not in listing.content.decode()
    page = client.get(f"/admin/attendance/{model}/{own.pk}/change/")
    assert page.status_code == 200 and page.context["has_change_permission"] is False
    assert client.get(f"/admin/attendance/{model}/{other.pk}/change/", follow=True).status_code in (
        200,
        404,
    )
    assert (
        "CANARYB"
        not in client.get(
            f"/admin/attendance/{model}/{other.pk}/change/", follow=True
        ).content.decode()
    )
    assert client.get(f"/admin/attendance/{model}/add/").status_code == 403
    assert (
        client.post(f"/admin/attendance/{model}/{own.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert Attendance.all_orgs.count() == 2 and AttendanceEvent.all_orgs.count() == 2


def test_the_attendance_list_links_to_the_correction_page(client, manager_a, rows):
    client.force_login(manager_a)
    body = client.get("/admin/attendance/attendance/").content.decode()
    assert f"/attendance/shifts/{rows['a'][0].shift_id}/" in body
