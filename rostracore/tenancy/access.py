"""Who may open a page: access rules shared by every app's views and the admin.

Organization scoping (what a user sees) is the rest of the tenancy core's job; this module
says only whether a request may use a page at all:

- `is_platform(request)`: platform staff, a superuser with no organization;
- `role_required(*roles)`: logged in (else the login page), a member of an organization,
  with one of `roles` (`User.role`). Platform staff and users of another role get a 403
  page that points them to where they belong, never a 500 from a tenant query failing
  closed;
- `manager_required`: `role_required("manager")`, the manager pages;
- `guard_required`: `role_required("guard")` and a linked, active guard (`Employee.user`),
  put on `request.employee`: the guards' own pages (guards/). A guard whose employee was
  deactivated or unlinked gets the same 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

MANAGER = "manager"  # organizations.User.Role.MANAGER (the core imports no domain app)
GUARD = "guard"  # organizations.User.Role.GUARD


def is_platform(request: HttpRequest) -> bool:
    """Platform staff: a superuser with no organization (so no organization is set)."""
    user = request.user
    return getattr(request, "org", None) is None and user.is_active and user.is_superuser


def role_required(*roles: str) -> Callable[[Callable[..., HttpResponse]], Callable]:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if getattr(request, "org", None) is None or request.user.role not in roles:
                return render(request, "no_organization.html", status=403)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


manager_required = role_required(MANAGER)
manager_required.__doc__ = "A manager of an organization (see the module docstring)."


def guard_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A guard of an organization, linked to an active employee (see the module docstring).

    The employee comes through the reverse relation `user.employees` (employees.Employee's
    scoped manager, so only the current organization's row), not an import of employees."""

    @wraps(view)
    @role_required(GUARD)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        employee = request.user.employees.filter(is_active=True).first()
        if employee is None:
            return render(request, "no_organization.html", status=403)
        request.employee = employee
        return view(request, *args, **kwargs)

    return wrapped
