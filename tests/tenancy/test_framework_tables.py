"""Django's and the task queue's own tables: nothing of one organization reaches another.

Real transactions, the runtime role, no surrounding platform mode.
"""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import ProgrammingError, connection, transaction
from django_tasks_db.models import DBTaskResult

from employees.models import Employee
from rostracore.tenancy.context import all_organizations, no_org, use_org
from rostracore.tenancy.db import SCHEMA_TABLES
from tests.factories import RosterRunFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _log(user, employee) -> LogEntry:
    return LogEntry.objects.create(
        user=user,
        content_type=ContentType.objects.get_for_model(Employee),
        object_id=str(employee.pk),
        object_repr=f"{employee}",
        action_flag=CHANGE,
        change_message="changed",
    )


def test_admin_log_entries_belong_to_the_writers_organization(two_orgs, manager_a, manager_b):
    """On the main of 2026-12-01 django_admin_log had no organization and no row-level
    security: org A's scope read org B's object names and change messages."""
    a, b = two_orgs["alpha"], two_orgs["bravo"]
    with use_org(a["org"]):
        own = _log(manager_a, a["flex"])
    with use_org(b["org"]):
        foreign = _log(manager_b, b["flex"])
    with use_org(a["org"]):
        assert list(LogEntry.objects.values_list("pk", flat=True)) == [own.pk]
        # Neither changed nor deleted from org A's scope.
        assert LogEntry.objects.filter(pk=foreign.pk).update(change_message="x") == 0
        assert LogEntry.objects.filter(pk=foreign.pk).delete()[0] == 0
    with no_org():
        assert not LogEntry.objects.exists()
    with all_organizations():
        assert set(LogEntry.objects.values_list("pk", flat=True)) == {own.pk, foreign.pk}
        assert LogEntry.objects.get(pk=foreign.pk).change_message == "changed"


def test_an_admin_log_entry_cannot_be_written_into_another_organization(two_orgs, manager_a):
    b = two_orgs["bravo"]
    with (
        use_org(two_orgs["alpha"]["org"]),
        connection.cursor() as cursor,
        pytest.raises(ProgrammingError, match="row-level security"),
        transaction.atomic(),
    ):
        cursor.execute(
            "INSERT INTO django_admin_log (action_time, user_id, object_repr, action_flag, "
            "change_message, org_id) VALUES (now(), %s, 'x', 2, '', %s)",
            [manager_a.pk, b["org"].pk],
        )


@pytest.mark.parametrize("table", SCHEMA_TABLES)
def test_the_runtime_role_only_reads_schema_tables(table):
    """On the main of 2026-12-01 the runtime role could write these: one SQL bug could give
    the Manager group every permission."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT has_table_privilege(%s, 'SELECT'), has_table_privilege(%s, 'INSERT'), "
            "has_table_privilege(%s, 'UPDATE'), has_table_privilege(%s, 'DELETE'), "
            "has_table_privilege(%s, 'TRUNCATE')",
            [table] * 5,
        )
        assert cursor.fetchone() == (True, False, False, False, False)
        with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
            cursor.execute(f"DELETE FROM {table}")


def test_a_failed_roster_task_stores_no_tenant_data(two_orgs, monkeypatch):
    """The task results table is shared by every organization: a failure stores the run's id,
    not the error (which may name a guard); the run keeps the error for its organization."""
    from django.core.management import call_command

    from scheduling import tasks
    from scheduling.models import RosterRun

    a = two_orgs["alpha"]
    run = RosterRunFactory(org=a["org"])

    def fail(*, run):
        with transaction.atomic():
            RosterRun.objects.filter(pk=run.pk).update(
                status=RosterRun.Status.FAILED, message="CANARYA guard Thandi has no PSIRA"
            )
        raise ValueError("CANARYA guard Thandi has no PSIRA")

    monkeypatch.setattr(tasks, "run_roster", fail)
    tasks.generate_roster.enqueue(org_id=a["org"].pk, run_id=run.pk)
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    [result] = DBTaskResult.objects.values("status", "traceback", "exception_class_path")
    assert result["status"] == "FAILED"
    assert result["exception_class_path"] == "scheduling.tasks.RosterTaskFailed"
    assert f"Roster run {run.pk} failed" in result["traceback"]
    assert "CANARYA" not in str(DBTaskResult.objects.values().get())
    with use_org(a["org"]):
        assert "CANARYA" in RosterRun.objects.get(pk=run.pk).message
