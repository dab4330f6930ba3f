"""Platform operations on organizations and users. Keyword-only, typed, atomic.

Platform mode reads every organization but writes none (row-level security refuses it), so
a platform operation that must write does it explicitly inside `use_org(org)`: deleting an
organization or a user cascades into tenant rows (SET_NULL on roster runs, CASCADE on
everything else), and those writes run in the organization they belong to (TENANCY.md 20).
"""

from __future__ import annotations

from collections import Counter
from contextlib import nullcontext

from django.apps import apps
from django.db import transaction

from organizations.models import Organization, User
from rostracore.tenancy.context import all_organizations, use_org
from rostracore.tenancy.models import TenantModel


def offboarding_summary(*, org: Organization) -> dict[str, int]:
    """What deleting `org` removes, counted per kind of row (verbose plural name -> count),
    for the confirmation page. One COUNT per tenant table, whatever the organization's size."""
    counts: dict[str, int] = {}
    with all_organizations():
        for model in apps.get_models():
            if issubclass(model, TenantModel) and model._meta.label != "audit.AuditEvent":
                count = model.all_orgs.filter(org=org).count()
                if count:
                    counts[str(model._meta.verbose_name_plural)] = count
        users = User.objects.filter(org=org).count()
    if users:
        counts["users"] = users
    return counts


@transaction.atomic
def offboard_organization(*, org: Organization) -> dict[str, int]:
    """Delete `org` with all its rows and users; returns the counts deleted per model label.

    The audit trail stays: it outlives the rows it describes (rostracore/audit/models.py).
    """
    with use_org(org):
        _total, per_model = org.delete()
    return dict(Counter(per_model))


@transaction.atomic
def erase_user(*, user: User) -> dict[str, int]:
    """Delete a user; roster runs they started keep their results, with no author.

    A manager is erased inside their own organization (the SET_NULL on their roster runs is a
    write to that organization's rows); platform staff own no tenant rows.
    """
    scope = use_org(user.org) if user.org_id is not None else nullcontext()
    with scope:
        _total, per_model = user.delete()
    return dict(per_model)
