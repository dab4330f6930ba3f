"""Meta-tests: the crawl covers every URL pattern, fills every parameter, and its world
really has org B's canary rows in every tenant table."""

from django.db import models
from django.urls import resolve

from tests.crawl.registry import all_patterns, entries
from tests.crawl.world import CANARY, tenant_models

# Tenant tables whose B rows are written by the database, not by the world fixture: the
# audit trail and the counts the triggers keep (org_counts).
WRITTEN_BY_THE_DATABASE = {"audit.AuditEvent", "tallies.OrgCount"}
# Text fields that hold codes a validator checks (a pay schedule's ISO country and
# subdivision, against the holidays library): no canary fits, and the same code in both
# organizations tells nothing.
CODES_ONLY = {"payroll.PaySchedule"}


def test_every_url_pattern_is_crawled():
    known = entries()
    uncovered = [f"{p.key} (route {p.route!r})" for p in all_patterns() if p.key not in known]
    assert not uncovered, (
        "URL patterns the crawl does not cover; add an entry per pattern to PAGES in "
        "tests/crawl/registry.py saying how to fill its parameters with org B's rows:\n"
        + "\n".join(uncovered)
    )


def test_the_registry_names_no_pattern_that_is_gone():
    keys = {p.key for p in all_patterns()}
    assert sorted(set(entries()) - keys) == []


def test_the_pattern_walk_sees_pages_admin_and_included_apps():
    keys = {p.key for p in all_patterns()}
    assert {"dashboard", "login", "logout", "employees:detail", "admin:index"} <= keys
    assert {"admin:app_list", "admin:view_on_site", "admin:employees_employee_change"} <= keys


def test_every_entry_fills_every_parameter_and_resolves_to_its_pattern(world):
    known = entries()
    for pattern in all_patterns():
        targets = known[pattern.key](world)
        assert targets, pattern.key
        for target in targets:
            for kwargs in (target.foreign, target.missing, target.own):
                if kwargs is None:
                    continue
                assert set(pattern.kwargs) <= set(kwargs), (pattern.key, kwargs)
                url = pattern.url(kwargs)
                assert resolve(url).route == pattern.route, (pattern.key, url)


def test_world_has_org_b_rows_in_every_tenant_table(world, observer):
    for model in tenant_models():
        assert model.all_orgs.filter(org=world.org_b).exists(), model._meta.label
        assert model.all_orgs.filter(org=world.org_a).exists(), model._meta.label


def _free_text(field) -> bool:
    return isinstance(field, (models.CharField, models.TextField)) and not field.choices


def test_every_org_b_row_with_free_text_carries_the_canary(world, observer):
    for model in tenant_models():
        if model._meta.label in WRITTEN_BY_THE_DATABASE | CODES_ONLY:
            continue
        text_fields = [f.attname for f in model._meta.concrete_fields if _free_text(f)]
        if not text_fields:
            continue
        for row in model.all_orgs.filter(org=world.org_b).values(*text_fields, "pk"):
            values = " ".join(str(row[name]) for name in text_fields)
            assert CANARY in values, (model._meta.label, row)


def test_each_layer_switch_really_switches_its_layer_off(world):
    """The crawl's single-layer runs prove something only if the other layer is off."""
    from django.db import connection

    from employees.models import Employee
    from rostracore.tenancy.context import use_org
    from tests.crawl.world import orm_filter_off, row_level_security_off

    def seen(queryset_sql: str) -> set[int]:
        with connection.cursor() as cursor:
            cursor.execute(queryset_sql)
            return {row[0] for row in cursor.fetchall()}

    both = {world.org_a.pk, world.org_b.pk}
    with use_org(world.org_a):
        assert {e.org_id for e in Employee.objects.all()} == {world.org_a.pk}
        with orm_filter_off():
            assert "WHERE" not in str(Employee.objects.all().query)
            assert {e.org_id for e in Employee.objects.all()} == {world.org_a.pk}  # RLS
        with row_level_security_off():
            assert seen("SELECT org_id FROM employees") == both
            assert {e.org_id for e in Employee.objects.all()} == {world.org_a.pk}  # ORM
        assert seen("SELECT org_id FROM employees") == {world.org_a.pk}
