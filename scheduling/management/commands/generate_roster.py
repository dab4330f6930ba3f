"""Generate a draft roster for one organization and date range, showing progress."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from organizations.models import Organization
from rostracore.tenancy.context import use_org
from scheduling.models import RosterRun
from scheduling.services import publish_run, run_roster, start_run

BAR = 30


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date like 2027-03-01.") from None


class Command(BaseCommand):
    help = (
        "Generate shifts from the organization's patterns and a draft roster for a date range "
        "(greedy, then the CP-SAT optimizer), with a progress bar and a summary."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--org", required=True, help="Organization slug.")
        parser.add_argument("--start", type=_date, help="First day (default: next Monday).")
        parser.add_argument("--end", type=_date, help="Day after the last (default: +4 weeks).")
        parser.add_argument("--time-limit", type=int, default=30, help="Seconds (default 30).")
        parser.add_argument(
            "--publish", action="store_true", help="Publish the draft when it is done."
        )

    def handle(self, *args, **options) -> None:
        try:
            org = Organization.objects.get(slug=options["org"])
        except Organization.DoesNotExist:
            raise CommandError(f"No organization with slug {options['org']!r}.") from None
        today = timezone.localdate()
        start = options["start"] or today + dt.timedelta(days=7 - today.weekday())
        end = options["end"] or start + dt.timedelta(weeks=4)
        if end <= start:
            raise CommandError("--end must be after --start.")
        if options["time_limit"] < 1:
            raise CommandError("--time-limit must be at least 1 second.")
        # No surrounding transaction: the run's progress row is committed as it changes, so the
        # progress page shows this run too; the draft itself is written in one transaction.
        with use_org(org):
            try:
                run = start_run(
                    start_date=start, end_date=end, time_limit=options["time_limit"], enqueue=False
                )
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
            run = run_roster(run=run, on_progress=self._progress)
            self.stdout.write("")
            published = publish_run(run=run) if options["publish"] else None
        gap = "" if run.gap is None else f", objective gap {run.gap:.1%}"
        proven = " (proven minimum)" if run.open_gap == 0 else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"{org.slug}: roster {start}..{end}: {run.filled_shifts} of {run.total_shifts} "
                f"shifts filled, {run.open_shifts} open{proven}, lower bound "
                f"{run.open_lower_bound}{gap}, {run.hard_violations} hard violations, "
                f"{run.elapsed_seconds:.1f} s; "
                + (f"published {published} assignments." if published is not None else "draft ")
                + ("" if published is not None else f"run {run.pk} (not published).")
            )
        )

    def _progress(self, run: RosterRun) -> None:
        total = max(1, run.total_shifts)
        done = round(BAR * run.filled_shifts / total)
        self.stdout.write(
            f"\r[{'#' * done}{'-' * (BAR - done)}] filled {run.filled_shifts}/{run.total_shifts}"
            f"  open {run.open_shifts}  gap {run.open_gap}"
            f"  {run.elapsed_seconds:5.1f} s  {run.phase:<28}",
            ending="",
        )
        self.stdout.flush()
