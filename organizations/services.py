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
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction

from organizations.models import Organization, User
from rostracore.tenancy.context import all_organizations, use_org
from rostracore.tenancy.models import TenantModel

MANAGER_GROUP = "Manager"  # created by migration 0002_manager_group


@transaction.atomic
def add_manager(
    *, org: Organization, email: str, first_name: str = "", last_name: str = ""
) -> User | None:
    """Make `email` a manager of `org`: a new staff user, role manager, in the Manager group,
    with no usable password yet (a manager sets it from the user's admin page).

    Returns the new user, or None when the address already is a login anywhere (compared
    without case) — in `org`, in another organization or platform staff; that user is left
    exactly as it was. Usernames are unique across the platform, so callers must answer a
    manager the same way in both cases (organizations/admin.py): "already exists" would tell
    them who uses RostraCore elsewhere.
    """
    email = User.objects.normalize_email(email.strip())
    if User.objects.filter(username__iexact=email).exists():
        return None
    user = User(
        username=email,
        email=email,
        first_name=first_name,
        last_name=last_name,
        org=org,
        role=User.Role.MANAGER,
        is_staff=True,
    )
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        if User.objects.filter(username__iexact=email).exists():
            return None  # the same address, added at the same moment by someone else
        raise
    user.groups.add(Group.objects.get(name=MANAGER_GROUP))
    return user


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
