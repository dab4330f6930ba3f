"""Backups restore completely: back up, change data, restore into a fresh database, verify.

Runs against the test process's own PostgreSQL (embedded, or DATABASE_URL's server); the
restores go into scratch databases created on that same server and dropped afterwards.
"""

import json
import os
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from clients.models import Client
from employees.models import Employee
from operations import backups
from organizations.models import Organization
from rostracore.tenancy.context import use_org
from rostracore.tenancy.db import operations_alias
from tests.factories import EmployeeFactory, OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def live():
    """The operations role's view of the test database ("owner" when settings have it)."""
    return backups.target_for(operations_alias())


@pytest.fixture
def scratch(live):
    """A database name on the same server; dropped after the test whether or not it exists."""
    target = live.with_dbname(f"ops_scratch_{uuid.uuid4().hex[:10]}")
    yield target
    backups.drop_database(target)


@pytest.fixture
def dump(two_orgs, tmp_path, live):
    path = tmp_path / "before.dump"
    call_command("backup", file=str(path), stdout=_Sink())
    return path


class _Sink:
    def __init__(self):
        self.text = ""

    def write(self, text, *args, **kwargs):
        self.text += text

    def flush(self):
        pass


def _change_data(two_orgs):
    alpha = two_orgs["alpha"]
    with use_org(alpha["org"]):
        Employee.objects.filter(pk=alpha["flex"].pk).delete()
        Client.objects.filter(pk=alpha["client"].pk).update(client_name="Renamed after backup")
        EmployeeFactory(org=alpha["org"], first_name="Hired", last_name="AfterBackup")
    OrganizationFactory(company_name="Founded after backup", slug="late")


def test_backup_change_restore_verify_gives_identical_tables(two_orgs, dump, live, scratch):
    at_backup = backups.read_manifest(dump)
    assert at_backup == backups.figures_of(live)  # the manifest describes the live data

    _change_data(two_orgs)
    changed = backups.figures_of(live)
    for table in ("organizations", "employees", "clients"):
        assert changed[table] != at_backup[table], table

    out = _Sink()
    call_command("restore", str(dump), dbname=scratch.dbname, create=True, stdout=out)
    restored = backups.figures_of(scratch)

    rows = backups.compare(at_backup, restored)
    compared = [label for label, *_ in rows if at_backup[label]["kind"] == "table"]
    assert len(compared) > 0
    assert {"organizations", "employees", "clients", "clients_site", "scheduling_shift"} <= set(
        compared
    )
    assert [row for row in rows if row[3] != "ok"] == []
    assert restored["employees"]["rows"] == 4  # two per organization, as backed up
    assert "Verified: " in out.text
    # The restored copy is the backup, not today's data.
    assert restored["employees"] != changed["employees"]
    with backups.Target.connect(scratch) as conn:
        names = {name for (name,) in conn.execute("SELECT company_name FROM organizations")}
    assert names == {"Alpha Guarding", "Bravo Security"}


def test_verify_backup_passes_then_catches_a_tampered_manifest(dump):
    out = _Sink()
    call_command("verify_backup", str(dump), stdout=out)
    assert "identical to the manifest" in out.text
    assert "employees" in out.text

    manifest = backups.manifest_path(dump)
    data = json.loads(manifest.read_text())
    data["figures"]["employees"]["digest"] = "0" * 32
    manifest.write_text(json.dumps(data))
    out = _Sink()
    with pytest.raises(CommandError, match=r"1 of .* relations differ from the manifest"):
        call_command("verify_backup", str(dump), stdout=out)
    assert "DIFFERENT" in out.text


def test_verify_against_live_catches_a_change_since_the_backup(two_orgs, dump):
    call_command("verify_backup", str(dump), against_live=True, stdout=_Sink())
    _change_data(two_orgs)
    with pytest.raises(CommandError, match="relations differ from the live database"):
        call_command("verify_backup", str(dump), against_live=True, stdout=_Sink())


def test_restore_refuses_a_database_that_has_tables(dump, live):
    before = backups.figures_of(live)
    with pytest.raises(CommandError, match=r"is not empty.*--clean"):
        call_command("restore", str(dump), stdout=_Sink())
    assert backups.figures_of(live) == before


def test_restore_clean_replaces_everything_including_tables_added_later(dump, scratch):
    call_command("restore", str(dump), dbname=scratch.dbname, create=True, stdout=_Sink())
    with backups.Target.connect(scratch, autocommit=True) as conn:
        conn.execute("CREATE TABLE added_by_a_later_release (x int)")
        conn.execute("DELETE FROM employees")
    assert backups.figures_of(scratch) != backups.read_manifest(dump)

    call_command("restore", str(dump), dbname=scratch.dbname, clean=True, stdout=_Sink())

    assert backups.figures_of(scratch) == backups.read_manifest(dump)


def test_a_failed_restore_changes_nothing(dump, scratch, tmp_path):
    call_command("restore", str(dump), dbname=scratch.dbname, create=True, stdout=_Sink())
    before = backups.figures_of(scratch)
    broken = tmp_path / "broken.dump"
    broken.write_bytes(dump.read_bytes()[: len(dump.read_bytes()) // 2])

    with pytest.raises(CommandError):
        call_command("restore", str(broken), dbname=scratch.dbname, clean=True, stdout=_Sink())

    assert backups.figures_of(scratch) == before


def test_backup_prints_a_timestamped_path_in_the_output_folder(two_orgs, tmp_path):
    out = _Sink()
    call_command("backup", output_dir=str(tmp_path), stdout=out)
    (made,) = tmp_path.glob("*.dump")
    assert made.name.startswith(f"{connection.settings_dict['NAME']}-")
    assert str(made) in out.text
    assert backups.manifest_path(made).exists()
    assert Organization.objects.count() == 2


def test_the_dump_and_its_manifest_are_readable_by_their_owner_only(two_orgs, tmp_path):
    """They hold every organization's rows and every password hash. 0600 from the moment
    they exist, whatever the umask (0 here: without care, files would be world-writable)."""
    previous = os.umask(0)
    try:
        call_command("backup", output_dir=str(tmp_path / "new-folder"), stdout=_Sink())
    finally:
        os.umask(previous)
    (made,) = (tmp_path / "new-folder").glob("*.dump")
    assert made.stat().st_mode & 0o777 == 0o600
    assert backups.manifest_path(made).stat().st_mode & 0o777 == 0o600
    assert made.parent.stat().st_mode & 0o777 == 0o700  # the folder the command made


def test_backup_refuses_to_overwrite_a_file(two_orgs, tmp_path):
    path = tmp_path / "taken.dump"
    path.write_text("someone else's")
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", file=str(path), stdout=_Sink())
    assert path.read_text() == "someone else's"


def test_client_tools_are_new_enough_for_the_server(live):
    major = backups.server_major(live)
    for tool in ("pg_dump", "pg_restore", "psql"):
        path = backups.pg_tool(tool, major)
        assert tool in path
    with pytest.raises(backups.BackupError, match="No pg_dump of PostgreSQL 99"):
        backups.pg_tool("pg_dump", 99)
