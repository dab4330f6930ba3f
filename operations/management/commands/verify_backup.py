"""Prove a backup restores completely, without touching the live database.

    manage.py verify_backup backups/rostracore-20260101-120000.dump
    manage.py verify_backup FILE --against-live     # compare with the live database instead

Restores the file into a scratch database on the same server, compares every table's row
count and content digest (and every sequence) with the manifest `backup` wrote — or with
the live database — prints the comparison, and drops the scratch database. Any difference
is an error (exit status 1).
"""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from operations import backups


class Command(BaseCommand):
    help = "Restore a backup into a scratch database and compare counts and digests."

    def add_arguments(self, parser):
        parser.add_argument("file", help="A dump written by `manage.py backup`.")
        backups.add_database_argument(parser)
        parser.add_argument(
            "--against-live",
            action="store_true",
            help="Compare with the live database, not the manifest (right after a backup).",
        )
        parser.add_argument(
            "--keep", action="store_true", help="Keep the scratch database for inspection."
        )

    def handle(self, *args, file, database, against_live, keep, **options):
        dump = Path(file).resolve()
        try:
            live = backups.target_for(database)
            expected = backups.figures_of(live) if against_live else backups.read_manifest(dump)
            if expected is None:
                raise CommandError(
                    f"{dump.name} has no manifest ({backups.MANIFEST_SUFFIX}); "
                    "pass --against-live to compare with the live database."
                )
            scratch = live.with_dbname(f"{live.dbname[:40]}_verify_{os.getpid()}")
            backups.drop_database(scratch)
            backups.create_database(scratch)
            try:
                backups.restore(dump, scratch)
                restored = backups.figures_of(scratch)
            finally:
                if not keep:
                    backups.drop_database(scratch)
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        rows = backups.compare(expected, restored)
        width = max(len(row[0]) for row in rows)
        against = "live database" if against_live else "manifest"
        self.stdout.write(f"{'relation':<{width}}  {against:<28}  {'restored copy':<28}  verdict")
        for label, want, got, verdict in rows:
            self.stdout.write(f"{label:<{width}}  {want:<28}  {got:<28}  {verdict}")
        tables = sum(1 for f in restored.values() if f["kind"] == "table")
        if keep:
            self.stdout.write(f"Kept the restored copy: {scratch}.")
        bad = [row for row in rows if row[3] != "ok"]
        if bad:
            raise CommandError(f"{len(bad)} of {len(rows)} relations differ from the {against}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Verified {dump.name}: {tables} tables and {len(rows) - tables} sequences "
                f"identical to the {against}."
            )
        )
