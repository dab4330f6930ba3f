"""TenantModelAdmin: the one admin base that scopes every page of a tenant model.

App admins subclass it and declare columns; they never scope anything themselves.

How a request is scoped:

- A manager's request already runs in their organization (CurrentOrganizationMiddleware).
  `get_queryset()` returns the scoped default manager, and every other read of the admin is
  built on it or on a related model's default manager, which the tenancy core scopes when
  the SQL is compiled: changelist, search, date hierarchy, change/delete/history pages,
  foreign-key dropdowns and raw-id labels, raw-id and `_to_field` popups (the related
  admin's changelist), autocomplete (the related admin's `get_queryset()`), inlines and
  actions. `org` is never a form field, a column or a filter for them; the form sets it.
- Foreign-key list filters are turned into `TenantRelatedOnlyFilter`, whose choices are the
  related rows the admin's own queryset points at (a plain RelatedFieldListFilter lists
  every organization's rows).
- Every changelist does work bounded by its page, not by the organization's size (issue 16):
  `CappedPaginator` counts at most 10,000 rows ("10,000+"), there is no second count of
  the unfiltered table (`show_full_result_count = False`), a related filter offers at most
  FILTER_CHOICES choices, and the date hierarchy asks one index probe per year, month or
  day shown (templatetags/tenancy_admin.py) instead of a DISTINCT over every row.
- A date hierarchy on a DateField filters by the dates picked (`_TenantChangeList`):
  Django's makes the bounds aware datetimes in the current (the organization's) timezone,
  which DateField then reads in UTC, so east of UTC every year, month and day began a day
  early (September 2021 listed 31 August and left out 30 September).
- The delete confirmation collects related rows with `_ScopedNestedObjects`, which lists
  only the organization's rows.
- A POSTed action naming a row the admin's queryset cannot see (another organization's, or
  a deleted one) changes nothing and says so.
- Platform staff (superusers without an organization) have no organization set. The
  changelist shows every organization through `Model.all_orgs`, with an organization column
  and filter. Each page that edits one object (add, change, delete, history) and each action
  runs inside `use_org(<that object's organization>)`, so forms, choices, validation and
  `TenantModel.save()` behave exactly as for that organization's manager. Adding asks for
  the organization first (`?org=<id>`). Actions take rows of one organization at a time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import ActionLocation
from django.contrib.admin.utils import (
    NestedObjects,
    get_fields_from_path,
    quote,
    unquote,
)
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect
from django.core import checks
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models, router
from django.db.models import Exists, OuterRef, Subquery
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import capfirst

from rostracore.pagination import CappedPaginator
from rostracore.tenancy.access import is_platform
from rostracore.tenancy.context import current_org, use_org
from rostracore.tenancy.forms import TenantModelForm
from rostracore.tenancy.models import ORG_FIELD, TenantModel


def _organization_model(model):
    # The tenancy core imports no domain app; the organization model is org's target.
    return model._meta.get_field(ORG_FIELD).related_model


def _manager_for(model):
    """The manager to read `model` with in the current request: scoped when an
    organization is set; `all_orgs` for platform staff outside any organization."""
    if issubclass(model, TenantModel) and current_org() is None:
        return model.all_orgs
    return model._default_manager


class _ValidIdsAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete widget re-displays a submitted value by filtering on it as an
    id, so a tampered value like "abc" raised ValueError (a 500) instead of the form's
    "Select a valid choice". Only values the target field accepts are looked up."""

    def optgroups(self, name, value, attr=None):
        target = self.field.target_field
        valid = []
        for item in value:
            try:
                target.to_python(item)
            except ValidationError:
                continue
            valid.append(item)
        return super().optgroups(name, valid, attr)


class TenantAdminForm(TenantModelForm):
    """Admin form of a tenant model: no `org` field; a new row gets the current org early,
    so a read-only organization (platform staff) and validation see it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.org_id is None and current_org() is not None:
            self.instance.org = current_org()


# A related filter lists at most this many choices (and the chosen one): 10,000 sites
# would be a page of links nobody reads, and as many index probes per page view.
FILTER_CHOICES = 100


def _sort_key(ordering):
    """A Python sort key for rows by an admin `ordering` of field paths ("client__name")."""

    def value(row, path: str):
        for part in path.split("__"):
            row = getattr(row, part, None)
        return (row is None, row if row is not None else 0)

    paths = [str(o).lstrip("-") for o in ordering if isinstance(o, str)]
    return lambda row: (*(value(row, path) for path in paths), str(row), row.pk)


# A related filter looks for its choices among this many related rows, by primary key.
FILTER_CANDIDATES = 10 * FILTER_CHOICES


def _first_used(related, used, parents: list[str]) -> list:
    """The first FILTER_CHOICES related rows by primary key that `used` (EXISTS) accepts,
    among the first FILTER_CANDIDATES (a subquery of the primary key's index), with their
    `parents` joined only to those: at most FILTER_CANDIDATES probes, in one query. Asked
    for "EXISTS ... ORDER BY id LIMIT 100" joined to the parents, the planner (its row
    estimate under the RLS policy is 0.5 % of each table) joined and probed all 30,000
    sites of platform staff's shift changelist, then sorted them (214-360 ms)."""
    manager = _manager_for(related)
    candidates = manager.order_by("pk").values("pk")[:FILTER_CANDIDATES]
    first = (
        manager.filter(used, pk__in=Subquery(candidates))
        .order_by("pk")
        .values("pk")[:FILTER_CHOICES]
    )
    rows = manager.filter(pk__in=Subquery(first)).order_by("pk")
    return list(rows.select_related(*parents) if parents else rows)


class TenantRelatedOnlyFilter(admin.RelatedFieldListFilter):
    """Choices: the related rows that the admin's own (scoped) rows point at, at most
    FILTER_CHOICES of them (search finds the others), plus the chosen one."""

    def field_choices(self, field, request, model_admin):
        related = field.related_model
        # EXISTS per related row (an index probe each) rather than IN (SELECT DISTINCT ...)
        # over the whole changelist: the latter scanned every shift of every organization
        # for platform staff (bench/pages.py).
        used = model_admin.get_queryset(request).filter(**{self.field_path: OuterRef("pk")})
        ordering = self.field_admin_ordering(field, request, model_admin) or ()
        # Choice labels (__str__) may name a parent row: fetch required parents with it.
        parents = [
            f.name
            for f in related._meta.concrete_fields
            if f.many_to_one and not f.null and f.name != ORG_FIELD
        ]
        rows = _manager_for(related).filter(Exists(used.order_by())).order_by(*ordering)
        if parents:
            rows = rows.select_related(*parents)
        # The first FILTER_CHOICES by id (_first_used: bounded), then in the admin's order:
        # ordering 20,000 sites by their client's name first probed every one of them
        # (platform staff's shift changelist, 3 s).
        first = sorted(
            _first_used(related, Exists(used.order_by()), parents), key=_sort_key(ordering)
        )
        choices = [(row.pk, str(row)) for row in first]
        chosen = self.lookup_val[0] if self.lookup_val else None
        if chosen and str(chosen) not in {str(pk) for pk, _ in choices}:
            row = rows.filter(pk=chosen).first() if str(chosen).isdigit() else None
            if row is not None:
                choices.append((row.pk, str(row)))
        return choices


class _ScopedNestedObjects(NestedObjects):
    """Collects only `org_id`'s related rows. (Composite foreign keys and row-level security
    already keep other organizations' rows out; this keeps the admin correct without them.)"""

    def __init__(self, *args, org_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.org_id = org_id

    def related_objects(self, related_model, related_fields, objs):
        rows = super().related_objects(related_model, related_fields, objs)
        if issubclass(related_model, TenantModel):
            rows = rows.filter(org_id=self.org_id)
        return rows


@contextmanager
def _org_of_rows(model, pks) -> Iterator[object]:
    """use_org() for the one organization owning rows `pks` (platform staff)."""
    org_ids = set(model.all_orgs.filter(pk__in=pks).values_list("org_id", flat=True)[:2])
    if len(org_ids) != 1:
        yield None
        return
    with use_org(_organization_model(model).objects.get(pk=org_ids.pop())) as org:
        yield org


def _rendered(response):
    """Render a lazy TemplateResponse now, while the organization scope is still set (form
    choices and related rows are read when the template renders)."""
    if response is not None and hasattr(response, "render"):
        response.render()
    return response


class TenantInlineMixin:
    """Inline of a tenant model: no `org` field; reads run in the parent's organization."""

    form = TenantAdminForm

    def get_exclude(self, request, obj=None):
        return [*(super().get_exclude(request, obj) or ()), ORG_FIELD]


class TenantTabularInline(TenantInlineMixin, admin.TabularInline):
    pass


class TenantStackedInline(TenantInlineMixin, admin.StackedInline):
    pass


class _TenantChangeList(ChangeList):
    # Stands in for the primary key in the change page's URL, reversed once a page.
    _PK = "RostraCorePrimaryKey"

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        # Django's items_for_result passes every row's link through add_preserved_filters,
        # which resolve()s it against every URL pattern to tell a changelist from a change
        # page, whenever filters are set: a hundred resolves and reverses a page. The rows'
        # links carry the filters from url_for_result instead (the only reader of
        # `cl.preserved_filters`: contrib.admin's items_for_result).
        self.row_filters, self.preserved_filters = self.preserved_filters, ""
        self._change_url: tuple[str, str] | None = None

    def url_for_result(self, result) -> str:
        """The row's change page with the changelist's filters to return to: the URL
        Django builds (reverse, then add_preserved_filters), from one reverse() a page."""
        if self._change_url is None:
            url = super().url_for_result(_Sentinel(self.pk_attname, self._PK))
            prefix, _, suffix = url.partition(self._PK)
            self._change_url = (prefix, suffix)
        pk = str(quote(getattr(result, self.pk_attname)))
        if not _URL_SAFE.fullmatch(pk):  # reverse() would percent-encode it: let it
            url = super().url_for_result(result)
        else:
            url = pk.join(self._change_url)
        return f"{url}?{self.row_filters}" if self.row_filters else url

    def get_filters(self, request):
        specs, has_filters, lookups, duplicates, active = super().get_filters(request)
        if self.date_hierarchy:
            field = get_fields_from_path(self.model, self.date_hierarchy)[-1]
            if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
                # Django's bounds are local midnights as aware datetimes; the dates they name.
                for bound in ("gte", "lt"):
                    key = f"{self.date_hierarchy}__{bound}"
                    if key in lookups:
                        lookups[key] = [value.date() for value in lookups[key]]
        return specs, has_filters, lookups, duplicates, active


# What reverse() leaves as it is in a path (letters, digits and -._~ of RFC 3986, and the
# "_" contrib.admin's quote() escapes with).
_URL_SAFE = re.compile(r"[A-Za-z0-9._~-]+")


class _Sentinel:
    """A row whose primary key is `value`: for reversing a change page's URL once."""

    def __init__(self, attname: str, value: str) -> None:
        setattr(self, attname, value)


class TenantModelAdmin(admin.ModelAdmin):
    form = TenantAdminForm
    choose_organization_template = "admin/tenancy/choose_organization.html"
    # Bounded changelists (module docstring): the bounded date hierarchy is in this template.
    change_list_template = "admin/tenancy/change_list.html"
    paginator = CappedPaginator
    show_full_result_count = False

    def get_changelist(self, request, **kwargs):
        return _TenantChangeList

    # --- reads -----------------------------------------------------------------------------

    def get_queryset(self, request):
        if current_org() is not None:
            rows = self.model._default_manager.get_queryset()  # scoped when compiled
        elif is_platform(request):
            # Deliberate: platform. No select_related here: the changelist only applies
            # get_list_select_related() (which adds `org`) to a queryset without one.
            rows = self.model.all_orgs.all()
            # The related rows by prefetch (a query each for the page), not joins: the RLS
            # policy's OR (own organization or platform mode) is estimated as very
            # selective per table, so joined across every organization the planner chose
            # nested loops over all 700,000 shifts, then sorted (4 s; bench/pages.py).
            related = super().get_list_select_related(request)
            if isinstance(related, (list, tuple)):
                rows = rows.prefetch_related(*related, ORG_FIELD)
        else:
            rows = self.model.all_orgs.none()  # fail closed: no organization, no rows
        ordering = self.get_ordering(request)
        return rows.order_by(*ordering) if ordering else rows

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if is_platform(request):
            columns.insert(1, ORG_FIELD)
        return columns

    def get_list_select_related(self, request):
        related = super().get_list_select_related(request)
        if is_platform(request) and isinstance(related, (list, tuple)):
            return ()  # prefetched instead: get_queryset
        if is_platform(request) and related is not True:
            return [*(related or ()), ORG_FIELD]
        return related

    def get_list_filter(self, request):
        filters = []
        for item in super().get_list_filter(request):
            name = item[0] if isinstance(item, (list, tuple)) else item
            plain = not isinstance(item, (list, tuple)) or item[1] in (
                admin.RelatedFieldListFilter,
                admin.RelatedOnlyFieldListFilter,
            )
            if isinstance(name, str) and plain and self._is_tenant_relation(name):
                item = (name, TenantRelatedOnlyFilter)
            filters.append(item)
        if is_platform(request):
            filters.insert(0, ORG_FIELD)  # Organization is not a tenant model
        return filters

    def _is_tenant_relation(self, path: str) -> bool:
        try:
            field = get_fields_from_path(self.model, path)[-1]
        except (FieldDoesNotExist, admin.utils.NotRelationField):
            return False
        related = getattr(field, "related_model", None)
        return related is not None and issubclass(related, TenantModel)

    def get_autocomplete_fields(self, request):
        # Platform staff get plain selects: they run in the object's organization, whereas
        # the site-wide autocomplete view would offer every organization's rows.
        return () if is_platform(request) else super().get_autocomplete_fields(request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if formfield is not None and type(formfield.widget) is AutocompleteSelect:
            formfield.widget.__class__ = _ValidIdsAutocompleteSelect
        return formfield

    # --- forms -----------------------------------------------------------------------------

    def get_exclude(self, request, obj=None):
        return [*(super().get_exclude(request, obj) or ()), ORG_FIELD]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if is_platform(request):
            fields.insert(0, ORG_FIELD)
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not is_platform(request):
            return fieldsets
        without_org = [
            (name, {**opts, "fields": [f for f in opts["fields"] if f != ORG_FIELD]})
            for name, opts in fieldsets
        ]
        return [("Organization", {"fields": [ORG_FIELD]}), *without_org]

    # --- platform staff: one organization per page -------------------------------------------

    def _object_org(self, request, object_id):
        obj = self.get_object(request, unquote(object_id)) if object_id else None
        return obj.org if obj is not None else None

    def _org_scope(self, request, object_id):
        """The organization context for a page about `object_id` (platform staff only)."""
        if not is_platform(request):
            return nullcontext()
        org = self._object_org(request, object_id)
        return use_org(org) if org is not None else nullcontext()

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if is_platform(request) and object_id is None:
            org = self._chosen_org(request)
            if org is None:
                return self._choose_organization(request)
            scope = use_org(org)
        else:
            scope = self._org_scope(request, object_id)
        with scope:
            return _rendered(super().changeform_view(request, object_id, form_url, extra_context))

    def delete_view(self, request, object_id, extra_context=None):
        with self._org_scope(request, object_id):
            return _rendered(super().delete_view(request, object_id, extra_context))

    def history_view(self, request, object_id, extra_context=None):
        with self._org_scope(request, object_id):
            return _rendered(super().history_view(request, object_id, extra_context))

    def _chosen_org(self, request):
        try:
            return (
                _organization_model(self.model).objects.filter(pk=int(request.GET["org"])).first()
            )
        except (KeyError, ValueError):
            return None

    def _choose_organization(self, request):
        query = request.GET.copy()
        query.pop("org", None)
        choices = []
        for org in _organization_model(self.model).objects.order_by("company_name"):
            query["org"] = org.pk
            choices.append((org, f"?{query.urlencode()}"))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Add {self.opts.verbose_name}: choose the organization",
            "opts": self.opts,
            "choices": choices,
        }
        return TemplateResponse(request, self.choose_organization_template, context)

    # --- actions ---------------------------------------------------------------------------

    def response_action(self, request, queryset, action_location=ActionLocation.CHANGE_LIST):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        across = request.POST.get("select_across") == "1"
        if selected and not across:
            try:
                found = queryset.filter(pk__in=selected).count()
            except (ValueError, ValidationError):
                found = 0
            missing = len(set(selected)) - found
            if missing:
                self.message_user(
                    request,
                    f"{missing} of the selected {self.opts.verbose_name_plural} "
                    "are not in your organization or no longer exist. "
                    "Nothing was changed.",
                    messages.ERROR,
                )
                return HttpResponseRedirect(request.get_full_path())
        if not is_platform(request):
            return super().response_action(request, queryset, action_location)
        pks = queryset.values("pk") if across else selected
        with _org_of_rows(self.model, pks) as org:
            if org is None:
                self.message_user(
                    request,
                    "Select rows of one organization at a time. Nothing was changed.",
                    messages.ERROR,
                )
                return HttpResponseRedirect(request.get_full_path())
            scoped = self.get_queryset(request).filter(pk__in=queryset.values("pk"))
            return _rendered(super().response_action(request, scoped, action_location))

    # --- delete confirmation ---------------------------------------------------------------

    def get_deleted_objects(self, objs, request):
        """Django's get_deleted_objects, collecting only the organization's related rows."""
        objs = list(objs)
        if not objs:
            return [], {}, set(), []
        collector = _ScopedNestedObjects(
            using=router.db_for_write(self.model), origin=objs, org_id=objs[0].org_id
        )
        collector.collect(objs)
        perms_needed = set()

        def format_callback(obj):
            opts = obj._meta
            no_edit_link = f"{capfirst(opts.verbose_name)}: {obj}"
            if not self.admin_site.is_registered(obj.__class__):
                return no_edit_link
            model_admin = self.admin_site.get_model_admin(obj.__class__)
            if not model_admin.has_delete_permission(request, obj):
                perms_needed.add(opts.verbose_name)
            try:
                url = reverse(
                    f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_change",
                    args=(quote(obj.pk),),
                )
            except NoReverseMatch:
                return no_edit_link
            return format_html("{}: <a href='{}'>{}</a>", capfirst(opts.verbose_name), url, obj)

        to_delete = collector.nested(format_callback)
        protected = [format_callback(obj) for obj in collector.protected]
        model_count = {
            model._meta.verbose_name_plural: len(rows)
            for model, rows in collector.model_objs.items()
        }
        return to_delete, model_count, perms_needed, protected

    # --- checks ----------------------------------------------------------------------------

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        forms = [self.form, *(inline.form for inline in self.inlines)]
        if not all(issubclass(form, TenantModelForm) for form in forms):
            errors.append(
                checks.Error(
                    f"{type(self).__name__} uses a form that is not a TenantModelForm.",
                    hint="Subclass rostracore.tenancy.admin.TenantAdminForm.",
                    obj=type(self),
                    id="tenancy.E101",
                )
            )
        if not all(issubclass(inline, TenantInlineMixin) for inline in self.inlines):
            errors.append(
                checks.Error(
                    f"{type(self).__name__} has an inline that is not a tenant inline.",
                    hint="Use TenantTabularInline or TenantStackedInline.",
                    obj=type(self),
                    id="tenancy.E102",
                )
            )
        return errors


class PlatformOnlyAdmin(admin.ModelAdmin):
    """An admin for platform staff only. For anyone else the queryset is empty too, so even
    pages that look an object up before checking permissions (history) cannot tell that it
    exists. `restrict_unscoped_admins()` applies it to every admin that does not scope."""

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        return rows if is_platform(request) else rows.none()

    def has_module_permission(self, request):
        return is_platform(request)

    def has_view_permission(self, request, obj=None):
        return is_platform(request)

    def has_add_permission(self, request):
        return is_platform(request)

    def has_change_permission(self, request, obj=None):
        return is_platform(request)

    def has_delete_permission(self, request, obj=None):
        return is_platform(request)


def restrict_unscoped_admins(site: admin.AdminSite) -> list[str]:
    """Make every registered admin that does not scope by organization platform-only.

    Scoping admins are TenantModelAdmins and admins that declare `scoped_by_organization =
    True` (the user admin). Anything else — a third-party app's admin included — would show
    every organization's rows to a manager with the permission, so it fails closed.
    Returns the labels of the models it restricted.
    """
    restricted = []
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, (TenantModelAdmin, PlatformOnlyAdmin)) or getattr(
            model_admin, "scoped_by_organization", False
        ):
            continue
        admin_class = type(model_admin)
        site.unregister(model)
        site.register(model, type(admin_class.__name__, (PlatformOnlyAdmin, admin_class), {}))
        restricted.append(model._meta.label)
    return restricted
