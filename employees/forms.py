"""Forms for the manager pages. Choices that come from the database are built per request
(in __init__), never at import time, so they always belong to the current organization."""

import html
import re

from django import forms
from django.db.models import Q
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from clients.models import Client, Grade
from employees import services
from employees.models import Employee
from rostracore.pagination import LAST
from rostracore.tenancy.forms import TenantModelForm

FLEX_POOL_LABEL = "Flex pool — available for any client"
# The largest value of PostgreSQL's bigint (every id column): a larger number is no row.
MAX_ID = 2**63 - 1


class AsciiIntegerField(forms.Field):
    """A whole number from a query string: ASCII digits only, within min_value..max_value.

    Not IntegerField: `int()` accepts "٣" and " 3_0 " and `str.isdigit()` accepts "²" (which
    `int()` then refuses), so ids and page numbers read with either answered 500s or named
    a row the user never typed (issue 11). The pattern is `[0-9]`: a regex digit class
    matches every script's digits too.
    """

    _DIGITS = re.compile(r"[0-9]+")
    default_error_messages = {
        "invalid": "Enter a whole number, in digits 0 to 9.",
        "out_of_range": "Enter a number from %(min)s to %(max)s.",
    }

    def __init__(self, *, min_value: int = 1, max_value: int = MAX_ID, **kwargs):
        self.min_value, self.max_value = min_value, max_value
        super().__init__(**kwargs)

    def to_python(self, value) -> int | None:
        if value in self.empty_values:
            return None
        if not isinstance(value, str) or not self._DIGITS.fullmatch(value):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        # Past 19 digits it is out of range anyway; int() of thousands of digits is refused.
        number = int(value) if len(value.lstrip("0")) <= 19 else self.max_value + 1
        if not self.min_value <= number <= self.max_value:
            raise forms.ValidationError(
                self.error_messages["out_of_range"],
                code="out_of_range",
                params={"min": self.min_value, "max": self.max_value},
            )
        return number


def _escape(text) -> str:
    """`conditional_escape` without its SafeString: markup already safe is kept."""
    return text.__html__() if hasattr(text, "__html__") else html.escape(str(text))


class ClientSelect(forms.Select):
    """A <select> of clients rendered in Python, not one template per option: an
    organization of 100,000 guards has 2,000 clients, and rendering their options through
    Django's option template took most of the employee list's second (bench/pages.py).
    The same markup as forms.Select for flat choices (no option groups). The options are
    joined with the standard library's `html.escape`, the function Django's `escape` wraps:
    `format_html` per option, with its SafeString for every piece, was still a third of the
    roster board's time with its 1,000 options (bench/pages.py)."""

    def render(self, name, value, attrs=None, renderer=None) -> str:
        selected = {str(v) for v in self.format_value(value)}
        options = "".join(
            f'<option value="{html.escape(key)}"{" selected" if key in selected else ""}>'
            f"{_escape(label)}</option>"
            for key, label in ((str(key), label) for key, label in self.choices)
        )
        attrs = flatatt(self.build_attrs(self.attrs, attrs))
        # Every value from the choices was escaped above.
        return format_html('<select name="{}"{}>{}</select>', name, attrs, mark_safe(options))


class AssignmentRule:
    """`clean_assigned_client` of every guard form (the manager pages' and the admin's): the
    service's rule, so an inactive client is refused at the field, not in `save`."""

    def clean_assigned_client(self) -> Client | None:
        client = self.cleaned_data["assigned_client"]
        services.check_assignment(client=client, current_client_id=self.instance.assigned_client_id)
        return client


class EmployeeForm(AssignmentRule, TenantModelForm):
    """Create or edit a guard. The organization is never a field (TenantModelForm)."""

    # Wider than the stored 8 digits so "1234 5678" as printed on a certificate is accepted
    # (and not cut short by the browser's maxlength); clean_psira_number strips the spaces
    # and the model's validators then check the digits.
    psira_number = forms.CharField(
        label="PSIRA registration number",
        max_length=12,
        required=False,
        help_text="7 or 8 digits, as on the PSIRA certificate.",
    )

    class Meta:
        model = Employee
        fields = [
            "first_name",
            "last_name",
            "employee_number",
            "psira_number",
            "psira_grade",
            "assigned_client",
            "phone",
            "email",
            "hire_date",
        ]
        widgets = {
            "assigned_client": ClientSelect,
            "hire_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "phone": forms.TelInput(attrs={"autocomplete": "off"}),
        }
        labels = {"assigned_client": "Client"}
        help_texts = {
            "employee_number": "Your own staff number, unique in your organization.",
            "assigned_client": "Leave on the flex pool if the guard works for any client.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        client = self.fields["assigned_client"]
        # Active clients, plus the current one so editing a guard of a since-deactivated
        # client does not silently fail validation.
        client.queryset = Client.objects.filter(
            Q(is_active=True) | Q(pk=self.instance.assigned_client_id)
        )
        client.empty_label = FLEX_POOL_LABEL
        for name in ("first_name", "last_name", "employee_number"):
            self.fields[name].widget.attrs["autocomplete"] = "off"

    def clean_employee_number(self) -> str:
        # Collapse stray inner spaces; case is kept (numbers are the organization's own).
        number = " ".join(self.cleaned_data["employee_number"].split())
        if not number:
            raise forms.ValidationError("Enter the employee number.", code="required")
        return number

    def clean_psira_number(self) -> str:
        # Managers copy it with spaces or dashes from certificates; the validator wants digits.
        raw = self.cleaned_data["psira_number"]
        return "".join(ch for ch in raw if ch not in " -")


class AssignForm(forms.Form):
    """Assign a guard to one of the organization's active clients, or (empty) the flex pool."""

    client = forms.ModelChoiceField(
        queryset=Client.objects.none(),
        required=False,
        empty_label=FLEX_POOL_LABEL,
        widget=ClientSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.filter(is_active=True)


class EmployeeFilterForm(forms.Form):
    """The employee list's search, filters and sort, read from the query string."""

    FLEX = "flex"
    STATUS_CHOICES = [
        ("active", "Active"),
        ("inactive", "Inactive"),
        ("all", "Active and inactive"),
    ]
    # Sort key → (ascending label, descending label, ordering); "-key" sorts descending.
    # The id last makes paging stable.
    SORTS = {
        "name": ("Name, A to Z", "Name, Z to A", ("last_name", "first_name", "id")),
        "number": (
            "Employee no., low to high",
            "Employee no., high to low",
            ("employee_number", "id"),
        ),
        "grade": (
            "Grade, A first",
            "Grade, E first",
            ("psira_grade", "last_name", "first_name", "id"),
        ),
        "client": (
            "Client, A to Z",
            "Client, Z to A",
            ("assigned_client__client_name", "last_name", "first_name", "id"),
        ),
        "hired": (
            "Hired, longest-serving first",
            "Hired, newest first",
            ("hire_date", "last_name", "first_name", "id"),
        ),
    }

    NULLABLE_SORT_FIELDS = {"hire_date", "assigned_client__client_name"}

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        help_text="Name, employee number or PSIRA number.",
        widget=forms.SearchInput(attrs={"placeholder": "e.g. Dlamini, E-00042"}),
    )
    client = forms.ChoiceField(label="Client", required=False, widget=ClientSelect)
    status = forms.ChoiceField(label="Status", required=False, choices=STATUS_CHOICES)
    grade = forms.ChoiceField(
        label="Grade", required=False, choices=[("", "All grades"), *Grade.choices]
    )
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[
            choice
            for key, (ascending, descending, _) in SORTS.items()
            for choice in ((key, ascending), (f"-{key}", descending))
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = [
            ("", "All clients"),
            (self.FLEX, "Flex pool (no client)"),
            *((str(pk), name) for pk, name in Client.objects.values_list("pk", "client_name")),
        ]

    def value(self, name: str) -> str:
        """The cleaned value, or "" when the field is missing or invalid."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        return self.cleaned_data.get(name) or ""


class PageForm(forms.Form):
    """The list's ?page=: a number, or "last" (rostracore.pagination.LAST). Its own form, so
    a bad page is no error shown on the filter form: the list simply opens on the first
    page."""

    # The paginator turns a page past the last one into the last page.
    page = AsciiIntegerField(required=False)

    def number(self) -> int | str:
        if self.data.get("page") == LAST:
            return LAST
        if not self.is_valid():
            return 1
        return self.cleaned_data["page"] or 1
