from django.apps import apps
from django.db import models
from django.test.utils import isolate_apps

from rostracore.tenancy.checks import check_tenant_model, check_tenant_models
from rostracore.tenancy.models import TenantModel


def test_project_tenant_models_pass():
    tenant_models = [m for m in apps.get_models() if issubclass(m, TenantModel)]
    assert {m._meta.label for m in tenant_models} >= {
        "clients.Client",
        "clients.Site",
        "employees.Employee",
        "scheduling.Shift",
    }
    assert check_tenant_models() == []


@isolate_apps("rostracore.tenancy")
def test_a_tenant_model_that_lost_its_scoped_manager_fails():
    class Leaky(TenantModel):
        objects = models.Manager()

        class Meta:
            app_label = "tenancy"

    assert [e.id for e in check_tenant_model(Leaky)] == ["tenancy.E001"]


@isolate_apps("rostracore.tenancy")
def test_global_uniqueness_fails():
    class Badge(TenantModel):
        code = models.CharField(max_length=10, unique=True)
        name = models.CharField(max_length=10)

        class Meta:
            app_label = "tenancy"
            constraints = [models.UniqueConstraint(fields=["name"], name="badge_name_global")]

    assert sorted(e.id for e in check_tenant_model(Badge)) == ["tenancy.E002", "tenancy.E003"]
