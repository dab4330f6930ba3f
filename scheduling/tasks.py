"""Background tasks (django.tasks, run by `manage.py db_worker`)."""

from django.tasks import task

from organizations.models import Organization
from rostracore.tenancy.context import use_org
from scheduling.models import RosterRun
from scheduling.services import run_roster


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
        run = run_roster(run=RosterRun.objects.get(pk=run_id))
        return {"run": run.pk, "filled": run.filled_shifts, "open": run.open_shifts}
