"""Writes on guards that managers (and the admin) trigger. Keyword-only, typed, atomic.

Scoping comes from the tenant manager and `TenantModel.save()`: a client or employee of
another organization is refused with CrossOrganizationError, so callers only need to pass
rows they fetched through the scoped managers.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from clients.models import Client
from employees.models import Employee, new_calendar_secret


@transaction.atomic
def assign_to_client(*, employee: Employee, client: Client) -> Employee:
    """Make `client` the guard's primary client (they leave the flex pool)."""
    if not client.is_active:
        raise ValidationError(
            "%(client)s is inactive; reactivate the client before assigning guards to it.",
            code="inactive_client",
            params={"client": client},
        )
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
    """`assign_to_client` for each guard of `employees` (the admin's bulk action)."""
    count = 0
    for employee in employees.select_for_update(of=("self",)):
        assign_to_client(employee=employee, client=client)
        count += 1
    return count


@transaction.atomic
def move_many_to_flex_pool(*, employees: QuerySet[Employee]) -> int:
    count = 0
    for employee in employees.select_for_update(of=("self",)):
        move_to_flex_pool(employee=employee)
        count += 1
    return count


@transaction.atomic
def deactivate_many(*, employees: QuerySet[Employee]) -> tuple[int, int]:
    """Deactivate each active guard of `employees` through `set_active`; returns (guards
    deactivated, upcoming shifts opened)."""
    count = opened = 0
    for employee in employees.filter(is_active=True).select_for_update(of=("self",)):
        opened += set_active(employee=employee, active=False)
        count += 1
    return count, opened


@transaction.atomic
def set_active(*, employee: Employee, active: bool) -> int:
    """Activate or deactivate a guard; returns how many upcoming shifts were opened.

    A deactivated guard cannot stand their upcoming shifts, so those shifts become open
    (employee NULL) in the same transaction and show up as gaps on the dashboard, instead of
    looking covered by someone who no longer works. `shifts` is the reverse relation from
    scheduling.Shift (employees may not import scheduling); its manager is the scoped one.
    Their calendar link is replaced as well, so it stays dead even after a reactivation.
    """
    employee.is_active = active
    if active:
        employee.save(update_fields=["is_active"])
        return 0
    # Revoke the calendar feed in the same UPDATE (one change on the audit trail).
    employee.calendar_secret = new_calendar_secret()
    employee.save(update_fields=["is_active", "calendar_secret"])
    return employee.shifts.filter(start__gte=timezone.now()).update(employee=None)


@transaction.atomic
def rotate_calendar_secret(*, employee: Employee) -> Employee:
    """Give the guard a new calendar feed link; the old one answers 404 from now on."""
    employee.calendar_secret = new_calendar_secret()
    employee.save(update_fields=["calendar_secret"])
    return employee
