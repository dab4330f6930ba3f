"""Server-rendered employee pages for managers.

Every view fetches through the scoped `Employee.objects`, so another organization's guard is
a 404, identical to a missing one; the organization of new rows comes from the logged-in user
(TenantModelForm), never from the form or the URL.
"""

import zoneinfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from employees import services
from employees.forms import AssignForm, EmployeeFilterForm, EmployeeForm, PageForm
from employees.models import Employee, search_matches
from rostracore.pagination import CappedPaginator
from rostracore.tenancy.access import manager_required

PAGE_SIZE = 50
UPCOMING_SHIFTS = 10
UNAVAILABLE_DATES = 30  # the next ones


def _filtered(form: EmployeeFilterForm) -> QuerySet[Employee]:
    employees = Employee.objects.select_related("assigned_client")
    if terms := form.value("q").split():
        # Every term in a name, the employee number or the PSIRA number: the trigram index.
        employees = employees.filter(search_matches(terms))
    client = form.value("client")
    if client == EmployeeFilterForm.FLEX:
        employees = employees.filter(assigned_client__isnull=True)
    elif client:
        employees = employees.filter(assigned_client_id=int(client))
    status = form.value("status") or "active"
    if status != "all":
        employees = employees.filter(is_active=status == "active")
    if grade := form.value("grade"):
        employees = employees.filter(psira_grade=grade)
    sort = form.value("sort") or "name"
    descending = sort.startswith("-")
    *_, ordering = EmployeeFilterForm.SORTS[sort.removeprefix("-")]
    return employees.order_by(*(_order(field, descending) for field in ordering))


def _order(field: str, descending: bool):
    """Empty values last either way. A NOT NULL column gets no NULLS clause: `DESC NULLS
    LAST` is not the reverse of the index's `ASC`, so it could not be read backwards."""
    if field not in EmployeeFilterForm.NULLABLE_SORT_FIELDS:
        return F(field).desc() if descending else F(field).asc()
    return F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)


@manager_required
def employee_list(request: HttpRequest) -> HttpResponse:
    form = EmployeeFilterForm(request.GET)
    # At most COUNT_CAP rows counted and reached by number; "Last" reads the list backwards.
    page = CappedPaginator(_filtered(form), PAGE_SIZE).get_page(PageForm(request.GET).number())
    sort = form.value("sort") or "name"
    return render(
        request,
        "employees/list.html",
        {
            "form": form,
            "page": page,
            "sort": sort,
            "filtered": any(form.value(name) for name in ("q", "client", "grade", "status")),
        },
    )


def _detail_context(
    request: HttpRequest,
    employee: Employee,
    assign_form: AssignForm | None = None,
    invite_errors: list[str] | None = None,
) -> dict:
    upcoming = (
        employee.shifts.filter(end__gt=timezone.now())
        .select_related("site__client")
        .order_by("start")[:UPCOMING_SHIFTS]
    )
    # The feed is scheduling's page (named, not imported: employees may not import
    # scheduling); an inactive guard has none.
    feed_path = reverse("scheduling:guard_ical", kwargs={"token": employee.calendar_token})
    # The guard's availability, read-only (the guard keeps it on /me/availability/): reverse
    # relations of guards' models, which employees may not import.
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(request.org.timezone))
    return {
        "employee": employee,
        "upcoming": upcoming,
        "unavailable_windows": list(employee.unavailable_windows.all()),
        "unavailable_dates": list(
            employee.unavailable_dates.filter(day__gte=today).order_by("day")[:UNAVAILABLE_DATES]
        ),
        "shift_preferences": employee.shift_preferences.first(),
        "assign_form": assign_form or AssignForm(initial={"client": employee.assigned_client_id}),
        "calendar_url": request.build_absolute_uri(feed_path) if employee.is_active else None,
        "invite_errors": invite_errors or [],
    }


@manager_required
def employee_detail(request: HttpRequest, pk: int) -> HttpResponse:
    employee = get_object_or_404(Employee.objects.select_related("assigned_client", "user"), pk=pk)
    return render(request, "employees/detail.html", _detail_context(request, employee))


@manager_required
def employee_create(request: HttpRequest) -> HttpResponse:
    form = EmployeeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        employee = form.save(commit=False)
        services.save_employee(employee=employee, changed=form.changed_data)
        messages.success(request, f"{employee.full_name} was added.")
        return redirect(employee)
    return render(request, "employees/form.html", {"form": form, "employee": None})


@manager_required
def employee_edit(request: HttpRequest, pk: int) -> HttpResponse:
    employee = get_object_or_404(Employee, pk=pk)
    form = EmployeeForm(request.POST or None, instance=employee)
    if request.method == "POST" and form.is_valid():
        employee = form.save(commit=False)
        services.save_employee(employee=employee, changed=form.changed_data)
        messages.success(request, f"{employee.full_name} was saved.")
        return redirect(employee)
    return render(request, "employees/form.html", {"form": form, "employee": employee})


@require_POST
@manager_required
def employee_assign(request: HttpRequest, pk: int) -> HttpResponse:
    employee = get_object_or_404(Employee.objects.select_related("assigned_client"), pk=pk)
    form = AssignForm(request.POST)
    if form.is_valid():
        client = form.cleaned_data["client"]
        try:
            if client is None:
                services.move_to_flex_pool(employee=employee)
            else:
                services.assign_to_client(employee=employee, client=client)
        except ValidationError as error:
            form.add_error("client", error)
        else:
            if client is None:
                messages.success(request, f"{employee.full_name} moved to the flex pool.")
            else:
                messages.success(request, f"{employee.full_name} is now assigned to {client}.")
            return redirect(employee)
    return render(request, "employees/detail.html", _detail_context(request, employee, form))


def _set_active(request: HttpRequest, pk: int, *, active: bool) -> HttpResponse:
    employee = get_object_or_404(Employee, pk=pk)
    opened = services.set_active(employee=employee, active=active)
    if active:
        messages.success(request, f"{employee.full_name} is active again.")
    else:
        note = f" {opened} upcoming shift(s) are now open." if opened else ""
        messages.success(request, f"{employee.full_name} was deactivated.{note}")
    return redirect(employee)


@require_POST
@manager_required
def employee_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_active(request, pk, active=False)


@require_POST
@manager_required
def employee_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_active(request, pk, active=True)


@require_POST
@manager_required
def employee_rotate_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """The "New calendar link" button: for a lost phone or a link shared too widely."""
    employee = get_object_or_404(Employee, pk=pk)
    services.rotate_calendar_secret(employee=employee)
    messages.success(
        request,
        f"{employee.full_name} has a new calendar link. The old calendar link no longer works.",
    )
    return redirect(employee)


def _invited_message(address: str) -> str:
    """The one answer to an invitation, whether it was sent or the address is taken."""
    return (
        f"An invitation to choose a password is on its way to {address}, unless that address "
        "already is someone else's RostraCore login: then nothing was sent, and the guard "
        "needs another address."
    )


@require_POST
@manager_required
def employee_invite(request: HttpRequest, pk: int) -> HttpResponse:
    """The "Invite" / "Invite again" button: a login for the guard, by email."""
    employee = get_object_or_404(Employee.objects.select_related("assigned_client", "user"), pk=pk)
    try:
        services.invite_guard(employee=employee, base_url=request.build_absolute_uri("/"))
    except services.GuardLoginExists:
        pass  # said alike (_invited_message): the address may be another organization's login
    except ValidationError as error:
        context = _detail_context(request, employee, invite_errors=error.messages)
        return render(request, "employees/detail.html", context)
    messages.success(request, _invited_message(employee.email))
    return redirect(employee)
