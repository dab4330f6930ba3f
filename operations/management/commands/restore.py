"""Restore a `backup` file, in one transaction, then prove it complete.

    manage.py restore backups/rostracore-20260101-120000.dump            # into an empty database
    manage.py restore FILE --clean                # replace everything in the database
    manage.py restore FILE --dbname rostracore_copy --create     # into a new database

Refuses a database that already has tables unless --clean. With --clean the `public` schema
is dropped and rebuilt from the dump in the same transaction as the restore, so a failure
leaves the database as it was. Afterwards every table's row count and digest is compared
with the manifest written by `backup`; any difference is an error.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from operations import backups


class Command(BaseCommand):
    help = "Restore a backup file into an empty database (or --clean to replace one)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="A dump written by `manage.py backup`.")
        backups.add_database_argument(parser)
        parser.add_argument(
            "--dbname", help="Restore into this database on the same server instead."
        )
        parser.add_argument(
            "--create", action="store_true", help="Create the --dbname database first."
        )
        parser.add_argument(
            "--clean",
            action="store_true",
            help="Drop everything in the target's public schema first (same transaction).",
        )
        parser.add_argument(
            "--no-owner",
            action="store_true",
            help="Don't restore ownership and grants (restoring under other role names).",
        )

    def handle(self, *args, file, database, dbname, create, clean, no_owner, **options):
        dump = Path(file).resolve()
        try:
            target = backups.target_for(database)
            if dbname:
                target = target.with_dbname(dbname)
            if create:
                if backups.database_exists(target):
                    raise CommandError(f"{target} already exists; leave out --create.")
                backups.create_database(target)
            started = time.perf_counter()
            backups.restore(dump, target, clean=clean, no_owner=no_owner)
            seconds = time.perf_counter() - started
            expected = backups.read_manifest(dump)
            restored = backups.figures_of(target)
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        tables = sum(1 for f in restored.values() if f["kind"] == "table")
        self.stdout.write(f"Restored {dump.name} into {target} in {seconds:.1f} s.")
        if expected is None:
            self.stdout.write(f"No manifest next to {dump.name}: {tables} tables not verified.")
            return
        bad = [row for row in backups.compare(expected, restored) if row[3] != "ok"]
        if bad:
            details = "; ".join(f"{label}: {verdict}" for label, _, _, verdict in bad)
            raise CommandError(f"The restored database differs from the backup: {details}")
        self.stdout.write(
            self.style.SUCCESS(f"Verified: {tables} tables match the backup's counts and digests.")
        )
