"""Back up the whole database into a timestamped pg_dump file (custom format).

    manage.py backup                       # backups/rostracore-20260101-120000.dump
    manage.py backup --output-dir /srv/backups --database owner

Writes `<file>.manifest.json` next to the dump (row counts and digests of every table, taken
in the dump's own snapshot) so `restore` and `verify_backup` can prove a restore complete.
Both files are created with mode 0600 (owner only: they hold every organization's rows and
password hashes) and an existing file is never overwritten (operations/backups.py).
"""

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from operations import backups


class Command(BaseCommand):
    help = "Back up the database with pg_dump (custom format) into a timestamped file."

    def add_arguments(self, parser):
        backups.add_database_argument(parser)
        parser.add_argument(
            "--output-dir",
            default=str(Path(settings.BASE_DIR) / "backups"),
            help="Folder for the dump (default: backups/ in the checkout; git-ignored).",
        )
        parser.add_argument("--file", help="Exact path of the dump instead of a timestamped name.")

    def handle(self, *args, database, output_dir, file, **options):
        try:
            target = backups.target_for(database)
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            path = Path(file) if file else Path(output_dir) / f"{target.dbname}-{stamp}.dump"
            if path.exists():
                raise CommandError(f"{path} already exists; choose another --file.")
            started = time.perf_counter()
            figures = backups.backup(target, path.resolve())
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        tables = [f for f in figures.values() if f["kind"] == "table"]
        rows = sum(f["rows"] for f in tables)
        self.stdout.write(
            f"Backed up {target}: {len(tables)} tables, {rows} rows, "
            f"{path.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s."
        )
        self.stdout.write(f"Manifest: {backups.manifest_path(path.resolve())}")
        self.stdout.write(self.style.SUCCESS(str(path.resolve())))
