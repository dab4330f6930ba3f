import pytest
from django import forms

from employees.models import Employee
from rostracore.tenancy.context import NoOrganizationError, use_org
from rostracore.tenancy.forms import TenantModelForm

pytestmark = pytest.mark.django_db


# Defined at import time on purpose: its client choices must still be per request.
class GuardForm(TenantModelForm):
    class Meta:
        model = Employee
        fields = ["first_name", "last_name", "employee_number", "assigned_client"]


def _data(**overrides):
    return {"first_name": "Ann", "last_name": "Lee", "employee_number": "F-1", **overrides}


def test_choices_without_an_org_fail_closed():
    form = GuardForm()  # building the form runs no query ...
    with pytest.raises(NoOrganizationError):
        list(form.fields["assigned_client"].queryset)  # ... listing the choices would


def test_client_choices_are_the_current_orgs_only(two_orgs):
    a, b = two_orgs["alpha"], two_orgs["bravo"]
    with use_org(a["org"]):
        form = GuardForm()
        assert "org" not in form.fields
        assert list(form.fields["assigned_client"].queryset) == [a["client"]]
    with use_org(b["org"]):
        assert list(GuardForm().fields["assigned_client"].queryset) == [b["client"]]


def test_another_orgs_client_id_is_an_invalid_choice(two_orgs):
    a, b = two_orgs["alpha"], two_orgs["bravo"]
    with use_org(a["org"]):
        form = GuardForm(data=_data(assigned_client=b["client"].pk))
        assert not form.is_valid()
        assert "Select a valid choice" in form.errors["assigned_client"][0]


def test_save_sets_the_current_org(two_orgs):
    a = two_orgs["alpha"]
    with use_org(a["org"]):
        form = GuardForm(data=_data(assigned_client=a["client"].pk))
        assert form.is_valid(), form.errors
        guard = form.save()
    assert guard.org_id == a["org"].pk and guard.assigned_client_id == a["client"].pk


def test_duplicate_number_in_the_same_org_is_a_field_error(two_orgs):
    a, b = two_orgs["alpha"], two_orgs["bravo"]
    with use_org(a["org"]):
        taken = a["flex"].employee_number
        form = GuardForm(data=_data(employee_number=taken))
        assert not form.is_valid()
        assert form.errors["employee_number"] == [
            "Another guard in your organization already has this employee number."
        ]
        assert not form.non_field_errors()
        # Another organization's number is free here, and the form does not reveal it.
        assert GuardForm(data=_data(employee_number=b["flex"].employee_number)).is_valid()


def test_editing_keeps_its_own_number(two_orgs):
    a = two_orgs["alpha"]
    with use_org(a["org"]):
        guard = Employee.objects.get(pk=a["flex"].pk)
        form = GuardForm(data=_data(employee_number=guard.employee_number), instance=guard)
        assert form.is_valid(), form.errors


def test_a_plain_form_field_named_org_is_dropped():
    class Sneaky(TenantModelForm):
        org = forms.IntegerField()

        class Meta:
            model = Employee
            fields = ["first_name"]

    assert "org" not in Sneaky().fields


def test_a_one_per_organization_rule_is_a_form_error_not_a_500(two_orgs):
    from scheduling.models import LabourRules

    class RulesForm(TenantModelForm):
        class Meta:
            model = LabourRules
            fields = ["max_weekly_hours"]

    one_per_org = [
        c
        for c in LabourRules._meta.constraints
        if getattr(c, "fields", None) and tuple(c.fields) == ("org",)
    ]
    assert one_per_org, "LabourRules should have a one-per-organization constraint"
    org = two_orgs["alpha"]["org"]
    with use_org(org):
        LabourRules.objects.create()
        form = RulesForm(data={"max_weekly_hours": 45})
        assert not form.is_valid()
        assert form.non_field_errors()
