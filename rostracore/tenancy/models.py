"""TenantModel and its fail-closed manager.

Scoping is applied when SQL is compiled, not when a queryset is built. Every read and write
path of a queryset — iteration, get, count, exists, aggregate, values, in_bulk, iterator,
aiterator, explain, update, delete, unions, subqueries and every async variant — ends in
`Query.get_compiler()`; `TenantQuery.get_compiler()` adds `org_id = <current organization>`
there, or raises NoOrganizationError when none is set. So:

- a queryset built at import time (a form's ModelChoiceField, a class attribute) is filtered
  by the organization of the request that runs it, never by whatever was set at import;
- a queryset built in org A's scope and run in org B's scope sees only B's rows;
- no organization means no query, on every path.

`update()`, `delete()` and fast deletes turn the query into an UpdateQuery or DeleteQuery
(losing the subclass), so those add the filter before Django converts the query.

Writes check the organization too: `save()` fills `org` from the context and refuses another
organization's row or a foreign key to another organization's row; `bulk_create`,
`bulk_update` and `update` do the same for what they write.

`Model.all_orgs` is the one escape hatch (a plain manager): platform code, data migrations
and cross-organization reports use it, deliberately and greppably.

Django's own machinery uses `_base_manager`, not the default manager: the UPDATE of
`save()`, `refresh_from_db()`, forward foreign-key access, deletion cascades and the admin's
`r/<ct>/<id>/` shortcut (TENANCY.md 21). Every tenant model's base manager (set by
`TenantModel.Meta.base_manager_name`, which each model's Meta inherits) is a
`TenantBaseManager`: inside `use_org(org)` it sees and writes only that organization's rows;
without an organization it is plain (platform staff's admin, whose reads row-level security
still bounds) — it cannot fail closed, because Django calls it in places no tenant code
controls.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.lookups import Exact
from django.db.models.sql import Query
from django.db.models.sql.where import AND

from rostracore.tenancy.context import CrossOrganizationError, current_org, require_org

ORG_FIELD = "org"


def _scoped(query: Query, org_id: int) -> Query:
    """A plain (compile-once) clone of `query` filtered by `org_id`.

    Usually on the model's own table. An `exclude()` across a multi-valued relation
    (`Employee.objects.exclude(shifts__start__gte=...)`) compiles into a subquery whose
    first join Django trims away (`Query.trim_start`): the model's table is no longer in
    it, and filtering on it would put it back as a second FROM item with no join, invalid
    SQL (seen on 2026-12-02). Then the table the subquery starts from is filtered instead,
    when it is a tenant table."""
    scoped = query.clone()
    scoped.__class__ = Query  # compile once; the clone is not scoped again
    if not scoped.alias_map or scoped.alias_refcount.get(scoped.base_table, 0):
        scoped.add_q(Q(**{f"{ORG_FIELD}_id": org_id}))
        return scoped
    alias = next(a for a, count in scoped.alias_refcount.items() if count)
    model = _tenant_model_of(scoped.alias_map[alias].table_name)
    if model is not None:
        column = model._meta.get_field(ORG_FIELD).get_col(alias)
        scoped.where.add(Exact(column, org_id), AND)
    return scoped


def _tenant_model_of(table: str) -> type[models.Model] | None:
    return next(
        (
            model
            for model in apps.get_models()
            if model._meta.db_table == table and issubclass(model, TenantModel)
        ),
        None,
    )


class TenantQuery(Query):
    def get_compiler(self, using=None, connection=None, elide_empty=True):
        org = require_org(f"A query on {self.model._meta.label}")
        return _scoped(self, org.pk).get_compiler(using, connection, elide_empty)


def _tenant_fk_fields(model: type[models.Model]) -> list[models.ForeignKey]:
    """Foreign keys from `model` to other tenant models (not the org field itself)."""
    return [
        field
        for field in model._meta.concrete_fields
        if field.is_relation
        and field.many_to_one
        and field.name != ORG_FIELD
        and issubclass(field.related_model, TenantModel)
    ]


def _check_references(model, field: models.ForeignKey, ids: set[Any]) -> None:
    """Raise CrossOrganizationError unless every id in `ids` is a row of `org_id`.

    Asks the related model's scoped manager, so another organization's id and a missing id
    get the same answer (and row-level security, where on, agrees).
    """
    ids.discard(None)
    if not ids:
        return
    related = field.related_model
    found = related._default_manager.filter(pk__in=ids).count()
    if found != len(ids):
        raise CrossOrganizationError(
            f"{model._meta.label}.{field.name} may only point at a "
            f"{related._meta.verbose_name} of the same organization."
        )


class TenantQuerySet(models.QuerySet):
    def _scoped_for_write(self) -> TenantQuerySet:
        org = require_org(f"A write to {self.model._meta.label}")
        clone = self._chain()
        clone.query.add_q(Q(**{f"{ORG_FIELD}_id": org.pk}))
        return clone

    def update(self, **kwargs):
        org = require_org(f"An update of {self.model._meta.label}")
        self._check_update_values(kwargs, org.pk)
        return super(TenantQuerySet, self._scoped_for_write()).update(**kwargs)

    update.alters_data = True

    def _update(self, values, returning_fields=None):
        return super(TenantQuerySet, self._scoped_for_write())._update(values, returning_fields)

    _update.alters_data = True

    def delete(self):
        return super(TenantQuerySet, self._scoped_for_write()).delete()

    delete.alters_data = True
    delete.queryset_only = True

    def _raw_delete(self, using):
        return super(TenantQuerySet, self._scoped_for_write())._raw_delete(using)

    _raw_delete.alters_data = True

    def _check_update_values(self, values: dict[str, Any], org_id: int) -> None:
        for name, value in values.items():
            if name in (ORG_FIELD, f"{ORG_FIELD}_id") and getattr(value, "pk", value) != org_id:
                raise CrossOrganizationError(
                    f"update() may not move {self.model._meta.verbose_name_plural} "
                    "to another organization."
                )
        for field in _tenant_fk_fields(self.model):
            for name in (field.name, field.attname):
                if name in values and not hasattr(values[name], "resolve_expression"):
                    value = values[name]
                    _check_references(self.model, field, {getattr(value, "pk", value)})

    def bulk_create(self, objs, *args, **kwargs):
        org = require_org(f"bulk_create() of {self.model._meta.label}")
        objs = list(objs)
        for obj in objs:
            if obj.org_id is None:
                obj.org_id = org.pk
            elif obj.org_id != org.pk:
                raise CrossOrganizationError(
                    f"bulk_create() in {org}'s scope got a {self.model._meta.verbose_name} "
                    "of another organization."
                )
        for field in _tenant_fk_fields(self.model):
            ids = {getattr(obj, field.attname) for obj in objs}
            _check_references(self.model, field, ids)
        return super().bulk_create(objs, *args, **kwargs)

    bulk_create.alters_data = True

    def bulk_update(self, objs, fields, *args, **kwargs):
        org = require_org(f"bulk_update() of {self.model._meta.label}")
        objs = list(objs)
        if ORG_FIELD in fields or f"{ORG_FIELD}_id" in fields:
            raise CrossOrganizationError("bulk_update() may not change a row's organization.")
        if any(obj.org_id != org.pk for obj in objs):
            raise CrossOrganizationError(
                f"bulk_update() in {org}'s scope got a row of another organization."
            )
        for field in _tenant_fk_fields(self.model):
            if field.name in fields or field.attname in fields:
                ids = {getattr(obj, field.attname) for obj in objs}
                _check_references(self.model, field, ids)
        return super().bulk_update(objs, fields, *args, **kwargs)

    bulk_update.alters_data = True

    def raw(self, *args, **kwargs):
        raise TypeError(
            "Raw SQL bypasses organization scoping. Use Model.all_orgs.raw() and filter on "
            "org_id yourself."
        )


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):
    """Default manager of every tenant model: fails closed without an organization."""

    def get_queryset(self) -> TenantQuerySet:
        return self._queryset_class(
            model=self.model,
            query=TenantQuery(self.model),
            using=self._db,
            hints=self._hints,
        )


class TenantBaseQuery(Query):
    """Adds `org_id = <current organization>` when one is set (the base manager's query)."""

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        org = current_org()
        if org is None:
            return super().get_compiler(using, connection, elide_empty)
        return _scoped(self, org.pk).get_compiler(using, connection, elide_empty)


class TenantBaseQuerySet(models.QuerySet):
    """Writes through the base manager (`save()`'s UPDATE, cascades) stay in the current
    organization: UpdateQuery and DeleteQuery lose TenantBaseQuery's class, so the filter is
    added before Django converts the query."""

    def _scoped(self) -> TenantBaseQuerySet:
        org = current_org()
        if org is None:
            return self
        clone = self._chain()
        clone.query.add_q(Q(**{f"{ORG_FIELD}_id": org.pk}))
        return clone

    def update(self, **kwargs):
        return super(TenantBaseQuerySet, self._scoped()).update(**kwargs)

    update.alters_data = True

    def _update(self, values, returning_fields=None):
        return super(TenantBaseQuerySet, self._scoped())._update(values, returning_fields)

    _update.alters_data = True

    def delete(self):
        return super(TenantBaseQuerySet, self._scoped()).delete()

    delete.alters_data = True
    delete.queryset_only = True

    def _raw_delete(self, using):
        return super(TenantBaseQuerySet, self._scoped())._raw_delete(using)

    _raw_delete.alters_data = True


class TenantBaseManager(models.Manager.from_queryset(TenantBaseQuerySet)):
    """Base manager of every tenant model (see the module docstring)."""

    def get_queryset(self) -> TenantBaseQuerySet:
        return self._queryset_class(
            model=self.model,
            query=TenantBaseQuery(self.model),
            using=self._db,
            hints=self._hints,
        )


class TenantModel(models.Model):
    """Base for every model that belongs to one organization (column `org_id`)."""

    org = models.ForeignKey(
        settings.TENANT_MODEL,
        on_delete=models.CASCADE,
        related_name="%(class)ss",
        verbose_name="organization",
    )

    objects = TenantManager()
    # The deliberate escape hatch for platform code. Grep for `all_orgs` to audit its uses.
    all_orgs = models.Manager()  # noqa: DJ012 (ruff takes a second manager for a field)
    # Django's internal manager (see the module docstring); never used by name.
    scoped_base = TenantBaseManager()

    class Meta:
        """Each tenant model's Meta subclasses this one: `class Meta(TenantModel.Meta)`."""

        abstract = True
        base_manager_name = "scoped_base"

    def save(self, *args, **kwargs) -> None:
        self._check_org_for_write("save")
        for field in _tenant_fk_fields(type(self)):
            value = getattr(self, field.attname)
            if value is None:
                continue
            cached = field.get_cached_value(self, default=None)
            if cached is not None and cached.pk == value:
                if cached.org_id != self.org_id:
                    raise CrossOrganizationError(
                        f"{self._meta.label}.{field.name} may only point at a "
                        f"{field.related_model._meta.verbose_name} of the same organization."
                    )
            else:
                _check_references(type(self), field, {value})
        super().save(*args, **kwargs)

    save.alters_data = True

    def delete(self, *args, **kwargs):
        self._check_org_for_write("delete")
        return super().delete(*args, **kwargs)

    delete.alters_data = True

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._loaded_org_id = instance.__dict__.get(f"{ORG_FIELD}_id")
        return instance

    def _check_org_for_write(self, action: str) -> None:
        org = require_org(f"{action}() of a {self._meta.verbose_name}")
        if self.org_id is None:
            self.org = org
        if self.org_id != org.pk:
            raise CrossOrganizationError(
                f"Cannot {action} a {self._meta.verbose_name} of another organization "
                f"in {org}'s scope."
            )
        loaded = getattr(self, "_loaded_org_id", None)
        if loaded is not None and loaded != self.org_id:
            raise CrossOrganizationError(
                f"A {self._meta.verbose_name} cannot move to another organization."
            )

    def clean_fields(self, exclude=None):
        # Forms don't carry `org`; fill it before validation so per-organization unique
        # constraints are checked on the form instead of failing as an IntegrityError.
        if self.org_id is None and current_org() is not None:
            self.org = current_org()
        super().clean_fields(exclude)

    def validate_constraints(self, exclude=None):
        """Report a per-organization unique constraint on the field at fault.

        Django reports UniqueConstraint(fields=["org", "x"]) as a non-field error; for the
        user the field at fault is "x" (the last field named), so the message goes there.
        """
        if exclude:
            exclude = set(exclude) - {ORG_FIELD}
        try:
            super().validate_constraints(exclude)
        except ValidationError as error:
            errors = error.update_error_dict({})
            moved: dict[str, list] = {}
            # A rule on the organization alone ("one per organization") is keyed on `org`,
            # which no form shows: report it for the whole form instead.
            unplaced = errors.pop(NON_FIELD_ERRORS, []) + errors.pop(ORG_FIELD, [])
            for item in unplaced:
                target = self._unique_target(item)
                moved.setdefault(target, []).append(item)
            for key, items in moved.items():
                errors.setdefault(key, []).extend(items)
            raise ValidationError(errors) from None

    def _unique_target(self, error: ValidationError) -> str:
        params = getattr(error, "params", None) or {}
        fields = [f for f in params.get("unique_check", ()) if f != ORG_FIELD]
        if fields:
            return fields[-1]
        for constraint in self._meta.constraints:
            if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
                others = [f for f in constraint.fields if f != ORG_FIELD]
                if others and constraint.get_violation_error_message() == error.message:
                    return others[-1]
        return NON_FIELD_ERRORS
