"""Writes on guards that managers (and the admin) trigger. Keyword-only, typed, atomic.

Scoping comes from the tenant manager and `TenantModel.save()`: a client or employee of
another organization is refused with CrossOrganizationError, so callers only need to pass
rows they fetched through the scoped managers.
"""

from collections.abc import Collection

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from clients.models import Client
from employees.models import DatabaseCalendarSecret, Employee, new_calendar_secret
from organizations.models import User
from organizations.tasks import send_email


class GuardLoginExists(Exception):
    """`invite_guard` refused: the guard's address already is the login of someone else
    (anywhere on the platform). Nothing was changed and no email sent. Callers answer a
    manager exactly as for a sent invitation (employees.views.employee_invite): usernames
    are unique across the platform, so saying so would reveal another organization's user."""


def _check_client_is_active(client: Client) -> None:
    if not client.is_active:
        raise ValidationError(
            "%(client)s is inactive; reactivate the client before assigning guards to it.",
            code="inactive_client",
            params={"client": client},
        )


def check_assignment(*, client: Client | None, current_client_id: int | None) -> None:
    """Refuse making `client` the guard's primary client when it no longer takes guards. A
    guard who already works for a since-deactivated client may stay (editing their phone
    number must not fail). The forms call this in `clean_assigned_client`, so the message
    shows at the field; `save_employee` calls it again."""
    if client is not None and client.pk != current_client_id:
        _check_client_is_active(client)


@transaction.atomic
def assign_to_client(*, employee: Employee, client: Client) -> Employee:
    """Make `client` the guard's primary client (they leave the flex pool)."""
    _check_client_is_active(client)
    employee.assigned_client = client
    employee.save(update_fields=["assigned_client"])
    return employee


@transaction.atomic
def move_to_flex_pool(*, employee: Employee) -> Employee:
    """Release the guard from their client: available for any client's shifts."""
    employee.assigned_client = None
    employee.save(update_fields=["assigned_client"])
    return employee


@transaction.atomic
def assign_many_to_client(*, employees: QuerySet[Employee], client: Client) -> int:
    """`assign_to_client` for every guard of `employees` (the admin's bulk action), in one
    UPDATE whatever their number; returns how many."""
    _check_client_is_active(client)
    return employees.update(assigned_client=client)


@transaction.atomic
def move_many_to_flex_pool(*, employees: QuerySet[Employee]) -> int:
    """`move_to_flex_pool` for every guard of `employees`, in one UPDATE."""
    return employees.update(assigned_client=None)


def _open_upcoming_shifts(employee_ids: list[int]) -> int:
    """A deactivated guard cannot stand their upcoming shifts: they become open (employee
    NULL), so they show up as gaps instead of looking covered by someone who no longer works.
    `shifts` is the reverse relation from scheduling.Shift (employees may not import
    scheduling); its manager is the scoped one."""
    shifts = Employee.shifts.rel.related_model.objects
    return shifts.filter(employee_id__in=employee_ids, start__gte=timezone.now()).update(
        employee=None
    )


@transaction.atomic
def deactivate_many(*, employees: QuerySet[Employee]) -> tuple[int, int]:
    """Deactivate every active guard of `employees` (the admin's bulk action); returns
    (guards deactivated, upcoming shifts opened). Set-based, two UPDATEs whatever the number,
    with `set_active`'s rules: upcoming shifts open, and each guard's calendar link replaced
    (a fresh secret per row, made by the database)."""
    ids = list(employees.filter(is_active=True).values_list("pk", flat=True))
    count = Employee.objects.filter(pk__in=ids).update(
        is_active=False, calendar_secret=DatabaseCalendarSecret()
    )
    return count, _open_upcoming_shifts(ids)


@transaction.atomic
def save_employee(*, employee: Employee, changed: Collection[str] = ()) -> int:
    """Create a guard, or save the edits of a form (the manager pages and the admin's change
    form), with the rules of the single-purpose services: an assignment to an inactive
    client is refused at its field, and unticking "active" opens the guard's upcoming shifts
    and replaces their calendar link, in the same one save. `changed` names the fields the
    form changed. Returns how many upcoming shifts were opened."""
    creating = employee._state.adding
    if employee.assigned_client_id is not None and (creating or "assigned_client" in changed):
        stored = None
        if not creating:
            stored = (
                Employee.objects.filter(pk=employee.pk)
                .values_list("assigned_client_id", flat=True)
                .first()
            )
        try:
            check_assignment(client=employee.assigned_client, current_client_id=stored)
        except ValidationError as error:
            raise ValidationError({"assigned_client": error}) from None
    deactivating = not creating and "is_active" in changed and not employee.is_active
    if deactivating:
        employee.calendar_secret = new_calendar_secret()
    employee.save()
    return _open_upcoming_shifts([employee.pk]) if deactivating else 0


@transaction.atomic
def set_active(*, employee: Employee, active: bool) -> int:
    """Activate or deactivate a guard; returns how many upcoming shifts were opened.

    Deactivating opens the guard's upcoming shifts in the same transaction and replaces
    their calendar link in the same UPDATE (one change on the audit trail), so the old link
    stays dead even after a reactivation."""
    employee.is_active = active
    if active:
        employee.save(update_fields=["is_active"])
        return 0
    employee.calendar_secret = new_calendar_secret()
    employee.save(update_fields=["is_active", "calendar_secret"])
    return _open_upcoming_shifts([employee.pk])


@transaction.atomic
def rotate_calendar_secret(*, employee: Employee) -> Employee:
    """Give the guard a new calendar feed link; the old one answers 404 from now on."""
    employee.calendar_secret = new_calendar_secret()
    employee.save(update_fields=["calendar_secret"])
    return employee


@transaction.atomic
def invite_guard(*, employee: Employee, base_url: str, email: str | None = None) -> User:
    """Give the guard a login of their own and queue the invitation email; returns the user.

    The login is the guard's email address (`email` replaces it first when given); a guard
    without one raises ValidationError on "email". A first invitation makes the user: role
    guard, the guard's organization and names, no usable password, not staff, linked as
    `employee.user`. Inviting again reuses that user (its login follows a changed address)
    and moves `invited_at`, which ends every earlier link (organizations.tokens). An address
    that is someone else's login raises GuardLoginExists and changes nothing.

    The worker sends the email (organizations.tasks.send_email: ids only in the queue), with
    a link on `base_url`, the site's address as the manager's request reached it. The task is
    queued in this transaction, so it exists only if the invitation does.
    """
    if not employee.is_active:
        raise ValidationError(
            "%(guard)s is inactive; reactivate them before inviting them.",
            code="inactive_guard",
            params={"guard": employee.full_name},
        )
    if email is not None:
        employee.email = email
    address = User.objects.normalize_email((employee.email or "").strip())
    if not address:
        raise ValidationError(
            {
                "email": ValidationError(
                    "Add the guard's email address first: it becomes their login and the "
                    "invitation goes there.",
                    code="email_required",
                )
            }
        )
    try:
        validate_email(address)
    except ValidationError as error:
        raise ValidationError({"email": error}) from None
    employee.email = address
    user = employee.user
    holder = User.objects.filter(username__iexact=address).first()
    if holder is not None and (user is None or holder.pk != user.pk):
        raise GuardLoginExists(address)
    if user is None:
        user = User(org_id=employee.org_id, role=User.Role.GUARD)
        user.set_unusable_password()
    user.username = user.email = address
    user.first_name, user.last_name = employee.first_name, employee.last_name
    user.role = User.Role.GUARD
    user.is_staff = user.is_superuser = False
    user.invited_at = timezone.now()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # The same address, made a login by someone else at the same moment.
        raise GuardLoginExists(address) from None
    employee.user = user
    employee.save(update_fields=["email", "user"])
    send_email.enqueue(template="invitation", user_id=user.pk, base_url=base_url)
    return user
