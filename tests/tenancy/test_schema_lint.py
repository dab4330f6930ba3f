"""The database enforces tenancy on every tenant table, derived from the models.

Fails when a new tenant model misses row-level security, its (org_id, id) key, a composite
foreign key, or has a unique constraint without org_id — or when the suite's runtime role
could bypass row-level security.
"""

import pytest
from django.apps import apps
from django.db import connection

from rostracore.tenancy.models import TenantModel
from rostracore.tenancy.operations import tenant_foreign_keys

pytestmark = pytest.mark.django_db

TENANT_MODELS = [m for m in apps.get_models() if issubclass(m, TenantModel)]


def _fetch(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _columns(table, attnums):
    names = dict(
        _fetch(
            "SELECT attnum, attname FROM pg_attribute WHERE attrelid = %s::regclass",
            [table],
        )
    )
    return [names[n] for n in attnums]


def test_tenant_models_are_found():
    assert {m._meta.db_table for m in TENANT_MODELS} >= {
        "clients",
        "clients_site",
        "employees",
        "scheduling_shift",
    }


@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m._meta.label)
def test_row_level_security_is_enabled_forced_and_keyed_on_org(model):
    table = model._meta.db_table
    [(enabled, forced)] = _fetch(
        "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = %s::regclass",
        [table],
    )
    assert enabled and forced, f"{table}: RLS enabled={enabled} forced={forced}"
    policies = _fetch(
        "SELECT policyname, cmd, qual, with_check FROM pg_policies WHERE tablename = %s",
        [table],
    )
    by_command = {cmd: (qual, with_check) for _name, cmd, qual, with_check in policies}
    # One policy per command: a FOR ALL policy's read clause would let DELETE through.
    assert sorted(by_command) == ["DELETE", "INSERT", "SELECT", "UPDATE"], policies
    for cmd, (qual, with_check) in by_command.items():
        for clause in filter(None, (qual, with_check)):
            assert "rostracore.org_id" in clause and "org_id =" in clause, (cmd, clause)
            assert "SELECT" not in clause.upper()  # no subqueries: distributable by org_id
            # Only reads may use platform mode.
            assert ("all_orgs" in clause) == (cmd == "SELECT"), (cmd, clause)
    assert by_command["INSERT"][1] and by_command["UPDATE"][1], "writes need WITH CHECK"


@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m._meta.label)
def test_unique_org_id_id_key_and_composite_foreign_keys(model):
    table = model._meta.db_table
    uniques = [
        _columns(table, key)
        for (key,) in _fetch(
            "SELECT conkey FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'u'",
            [table],
        )
    ]
    assert ["org_id", "id"] in uniques, f"{table} lacks UNIQUE (org_id, id)"
    foreign = {
        (tuple(_columns(table, conkey)), target, tuple(_columns(target, confkey)))
        for conkey, target, confkey in _fetch(
            "SELECT conkey, confrelid::regclass::text, confkey FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [table],
        )
    }
    for field in tenant_foreign_keys(model):
        target = field.related_model._meta.db_table
        expected = (("org_id", field.column), target, ("org_id", "id"))
        assert expected in foreign, f"{table}.{field.column} has no composite FK to {target}"


@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m._meta.label)
def test_every_unique_index_includes_org_id(model):
    table = model._meta.db_table
    for name, is_primary, keys in _fetch(
        "SELECT c.relname, i.indisprimary, i.indkey::int[] FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = %s::regclass AND i.indisunique",
        [table],
    ):
        if is_primary:
            continue
        assert "org_id" in _columns(table, keys), f"{table}: unique index {name} lacks org_id"


def test_the_suite_runs_as_a_role_that_cannot_bypass_row_level_security():
    [(user, superuser, bypass)] = _fetch(
        "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
    )
    assert not superuser and not bypass, user
    owned = _fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner = %s",
        [user],
    )
    assert owned == []
