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
from django.core.validators import validate_email
from django.db import DEFAULT_DB_ALIAS, IntegrityError, transaction

from organizations.models import Organization, User
from rostracore.tenancy.context import all_organizations, use_org
from rostracore.tenancy.models import TenantModel

MANAGER_GROUP = "Manager"  # created by migration 0002_manager_group


class ManagerExists(Exception):
    """`create_manager` refused an address that already is a login; nothing was changed.

    `reason` is one sentence for an operator (the create_manager command prints it). It names
    platform staff and other organizations' users, so a manager's own add never shows it:
    organizations/admin.py answers the same whether or not this was raised.
    """

    def __init__(self, reason: str, *, user: User) -> None:
        super().__init__(reason)
        self.reason = reason
        self.user = user


def create_manager(
    *,
    org: Organization,
    email: str,
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
    password_hash: str | None = None,
    update_existing: bool = False,
    using: str = DEFAULT_DB_ALIAS,
) -> User:
    """Make `email` a manager of `org` and return the user: staff, role manager, in the
    Manager group, with the address (normalised) as its login. The one place that makes a
    manager: the user admin, `manage.py create_manager` and `seed_demo` all call it.

    A new user gets `password`, or `password_hash` as it is (already hashed: seed_demo hashes
    once for a hundred managers, the platform's add form has hashed it), or no usable
    password when neither is given (a manager sets it from the user's admin page).

    An address that already is a login anywhere (compared without case) raises ManagerExists
    and changes nothing — unless `update_existing` and it is a user of `org`: that user is
    made a manager again and gets the names that are not blank; its password never changes
    (the create_manager command is idempotent this way). Platform staff and another
    organization's users always raise.

    Raises ValidationError when `email` is not an email address and Group.DoesNotExist when
    the Manager group is missing (migration 0002 makes it). Atomic on `using`, the connection
    it writes through (seed_demo's scale path writes as the owner role).
    """
    if password is not None and password_hash is not None:
        raise ValueError("Give a password or a password hash, not both.")
    email = User.objects.normalize_email(email.strip())
    validate_email(email)
    users = User.objects.db_manager(using)
    with transaction.atomic(using=using):
        group = Group.objects.using(using).get(name=MANAGER_GROUP)
        user = users.filter(username__iexact=email).select_related("org").first()
        if user is None:
            user = User(username=email, email=email, org=org)
            if password_hash is not None:
                user.password = password_hash
            elif password is not None:
                user.set_password(password)
            else:
                user.set_unusable_password()
        elif user.is_superuser:
            raise ManagerExists(
                f"{user.username} is platform staff, not a manager of an organization.", user=user
            )
        elif user.org_id != org.pk:
            raise ManagerExists(
                f"{user.username} already belongs to another organization ({user.org}).",
                user=user,
            )
        elif not update_existing:
            raise ManagerExists(f"{user.username} already is a login of {org}.", user=user)
        user.first_name = first_name or user.first_name
        user.last_name = last_name or user.last_name
        user.role = User.Role.MANAGER
        user.is_staff = True
        try:
            with transaction.atomic(using=using):
                user.save(using=using)
        except IntegrityError:
            # The same address, made a login by someone else at the same moment.
            existing = users.filter(username__iexact=email).first()
            if existing is None or user.pk is not None:
                raise
            raise ManagerExists(
                f"{email} was made a login by someone else at the same moment.", user=existing
            ) from None
        user.groups.add(group)
    return user


# Not the organization's data to list: the audit trail (it stays) and the counts the
# database keeps of the rows listed (rostracore/tallies; they go with the organization).
_NOT_SUMMARIZED = {"audit.AuditEvent", "tallies.OrgCount"}


def offboarding_summary(*, org: Organization) -> dict[str, int]:
    """What deleting `org` removes, counted per kind of row (verbose plural name -> count),
    for the confirmation page. One COUNT per tenant table, whatever the organization's size."""
    counts: dict[str, int] = {}
    with all_organizations():
        for model in apps.get_models():
            if issubclass(model, TenantModel) and model._meta.label not in _NOT_SUMMARIZED:
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
