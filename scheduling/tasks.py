"""Background tasks (django.tasks, run by `manage.py db_worker`)."""

from django.tasks import task

from organizations.models import Organization
from rostracore.tenancy.context import use_org
from scheduling.models import RosterRun
from scheduling.services import run_roster


class RosterTaskFailed(RuntimeError):
    """A roster run failed. Says which run, nothing else: the task results table is shared
    by every organization (django_tasks_db has no notion of one), so it holds ids and counts,
    never a message that could name a guard, a site or a client. The run itself records the
    error, where only its organization reads it."""


@task
def generate_roster(*, org_id: int, run_id: int) -> dict:
    """Solve one roster run in the worker.

    The organization is an explicit argument and the work runs inside `use_org`, which
    restores the previous (empty) value when it ends, so a worker never carries one task's
    organization into the next. The run is looked up through the scoped manager: a run id of
    another organization is simply not found.
    """
    org = Organization.objects.get(pk=org_id)
    with use_org(org):
        run = RosterRun.objects.get(pk=run_id)
        try:
            run = run_roster(run=run)
        except Exception:
            # run_roster logged the error and stored it on the run.
            raise RosterTaskFailed(
                f"Roster run {run_id} failed; its page and the worker's log say why."
            ) from None
        return {"run": run.pk, "filled": run.filled_shifts, "open": run.open_shifts}
