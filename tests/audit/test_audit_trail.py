"""The audit trail records who changed guards, clients, sites and shifts, and when —
whatever path the change took — and each organization sees only its own."""

import pytest
from django.contrib.auth.models import Group
from django.db import ProgrammingError, connection, transaction
from django.urls import reverse

from clients.models import Client, Site
from employees.models import Employee
from rostracore.audit.models import AuditEvent
from rostracore.tenancy.context import use_org
from scheduling.models import Shift

pytestmark = pytest.mark.django_db


def _events(table, row_id):
    return list(AuditEvent.all_orgs.filter(table_name=table, row_id=row_id).order_by("id"))


def test_a_managers_edit_in_the_pages_is_recorded_with_who_and_what(
    two_orgs, manager_a, client, observer
):
    guard = two_orgs["alpha"]["flex"]
    client.force_login(manager_a)

    response = client.post(reverse("employees:deactivate", args=[guard.pk]), follow=True)

    assert response.status_code == 200
    [*_, event] = _events("employees", guard.pk)
    assert event.action == AuditEvent.Action.UPDATE
    assert event.actor_id == manager_a.pk
    assert event.org_id == guard.org_id
    assert event.changes["is_active"] == [True, False]
    assert event.changed_at is not None


def test_create_queryset_update_and_delete_are_recorded_without_an_actor(two_orgs, observer):
    org = two_orgs["alpha"]["org"]
    with use_org(org):
        client = Client.objects.create(client_name="Audited Client")
        site = Site.objects.create(client=client, name="Gate")
        Client.objects.filter(pk=client.pk).update(contact_name="Desk")
        Site.objects.filter(pk=site.pk).delete()

    created, changed = _events("clients", client.pk)
    assert (created.action, changed.action) == ("insert", "update")
    assert created.changes["client_name"] == "Audited Client"
    assert changed.changes == {"contact_name": ["", "Desk"]}
    assert {created.actor_id, changed.actor_id} == {None}
    inserted, deleted = _events("clients_site", site.pk)
    assert inserted.action == "insert"
    assert deleted.action == "delete" and deleted.changes["name"] == "Gate"


def test_shift_changes_and_raw_sql_are_recorded(two_orgs, observer):
    a = two_orgs["alpha"]
    with use_org(a["org"]):
        shift = Shift.objects.create(
            site=a["site"],
            start="2030-01-01T06:00Z",
            end="2030-01-01T18:00Z",
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE scheduling_shift SET employee_id = %s WHERE id = %s",
                [a["flex"].pk, shift.pk],
            )
    assert [e.action for e in _events("scheduling_shift", shift.pk)] == ["insert", "update"]
    assert _events("scheduling_shift", shift.pk)[-1].changes == {
        "employee_id": [None, a["flex"].pk]
    }


def test_an_update_that_changes_nothing_records_nothing(two_orgs):
    guard = two_orgs["alpha"]["flex"]
    before = len(_events("employees", guard.pk))
    with use_org(guard.org):
        Employee.objects.filter(pk=guard.pk).update(first_name=guard.first_name)
    assert len(_events("employees", guard.pk)) == before


def test_the_runtime_role_cannot_rewrite_history(two_orgs):
    org = two_orgs["alpha"]["org"]
    with use_org(org):
        assert AuditEvent.objects.exists()
        for sql in (
            "UPDATE audit_events SET actor_id = NULL",
            "DELETE FROM audit_events",
            "INSERT INTO audit_events (org_id, table_name, row_id, action, changed_at, changes)"
            f" VALUES ({org.pk}, 'employees', 1, 'delete', now(), '{{}}')",
        ):
            with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
                connection.cursor().execute(sql)


def test_each_org_sees_only_its_own_trail(two_orgs):
    a, b = two_orgs["alpha"]["org"], two_orgs["bravo"]["org"]
    with use_org(a):
        assert set(AuditEvent.objects.values_list("org_id", flat=True)) == {a.pk}
        assert AuditEvent.objects.filter(org_id=b.pk).count() == 0
    with use_org(a), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_events WHERE org_id = %s", [b.pk])
        assert cursor.fetchone() == (0,)


def test_managers_read_their_trail_in_the_admin_and_never_another_orgs(
    two_orgs, manager_a, client, observer
):
    manager_a.groups.add(Group.objects.get(name="Manager"))
    client.force_login(manager_a)

    response = client.get(reverse("admin:audit_auditevent_changelist"))

    assert response.status_code == 200
    assert b"CANARYB" not in response.content
    a_event = AuditEvent.all_orgs.filter(org=two_orgs["alpha"]["org"]).first()
    b_event = AuditEvent.all_orgs.filter(org=two_orgs["bravo"]["org"]).first()
    page = client.get(reverse("admin:audit_auditevent_change", args=[a_event.pk]))
    assert page.status_code == 200
    assert (
        f"#{a_event.row_id}".encode() in page.content
        or str(a_event.row_id).encode() in page.content
    )
    foreign = client.get(reverse("admin:audit_auditevent_change", args=[b_event.pk]))
    missing = client.get(reverse("admin:audit_auditevent_change", args=[10**9]))
    assert foreign.status_code == missing.status_code
    assert b"CANARYB" not in foreign.content
    assert (
        client.post(
            reverse("admin:audit_auditevent_delete", args=[a_event.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert AuditEvent.all_orgs.filter(pk=a_event.pk).exists()


# Written in bulk by the solver and rebuilt on every run; publishing changes the (audited)
# shifts. And the trail itself.
NOT_AUDITED = {"scheduling.RosterAssignment", "audit.AuditEvent", "tallies.OrgCount"}


def test_every_tenant_table_and_the_users_table_are_on_the_trail():
    """On the main of 2026-12-01 only guards, clients, sites and shifts were audited."""
    from organizations.models import User
    from tests.crawl.world import tenant_models

    tables = [m._meta.db_table for m in tenant_models() if m._meta.label not in NOT_AUDITED]
    tables.append(User._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = 'audit_row_change'"
        )
        audited = {row[0] for row in cursor.fetchall()}
    assert set(tables) - audited == set()


def test_scheduling_rows_are_recorded(two_orgs, observer):
    from tests.factories import AbsenceFactory, PostFactory, RosterRunFactory

    a = two_orgs["alpha"]
    post = PostFactory(org=a["org"], site=a["site"], name="Gate")
    absence = AbsenceFactory(org=a["org"], employee=a["flex"], note="Leave")
    run = RosterRunFactory(org=a["org"])
    with use_org(a["org"]):
        from scheduling.models import RosterRun

        RosterRun.objects.filter(pk=run.pk).update(phase="Solving week 1", filled_shifts=3)
        RosterRun.objects.filter(pk=run.pk).update(status=RosterRun.Status.DONE)
    assert [e.action for e in _events("scheduling_post", post.pk)] == ["insert"]
    assert [e.action for e in _events("scheduling_absence", absence.pk)] == ["insert"]
    # Progress is not history; the status change is.
    created, finished = _events("scheduling_rosterrun", run.pk)
    assert created.action == "insert"
    assert finished.changes["status"] == ["queued", "done"]


def test_user_role_activity_and_password_changes_are_recorded_without_the_hash(manager_a, observer):
    from organizations.models import User

    user = User.objects.get(pk=manager_a.pk)
    user.is_active = False
    user.save()
    user.set_password("another-long-passphrase")
    user.save()
    user.last_login = user.date_joined
    user.save()  # a login: not history
    created, deactivated, new_password = _events("organizations_user", user.pk)
    assert created.action == "insert" and "password" not in created.changes
    assert created.changes["role"] == "manager"
    assert deactivated.changes == {"is_active": [True, False]}
    assert new_password.changes == {"password": "changed"}
    assert user.password not in str([created.changes, deactivated.changes, new_password.changes])
    assert created.org_id == manager_a.org_id


def test_platform_staff_changes_are_on_no_organizations_trail(platform_user, observer):
    platform_user.first_name = "Staff"
    platform_user.save()
    assert _events("organizations_user", platform_user.pk) == []


def test_a_calendar_secret_change_is_recorded_without_the_secret(two_orgs, observer):
    from employees import services

    guard = two_orgs["alpha"]["flex"]
    with use_org(two_orgs["alpha"]["org"]):
        services.rotate_calendar_secret(employee=guard)
        guard.refresh_from_db()
    [*_, event] = _events("employees", guard.pk)
    assert event.changes == {"calendar_secret": "changed"}
    [created] = _events("employees", guard.pk)[:1]
    assert "calendar_secret" not in created.changes
    assert guard.calendar_secret not in str([e.changes for e in _events("employees", guard.pk)])
