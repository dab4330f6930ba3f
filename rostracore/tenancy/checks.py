"""System checks: every tenant model uses the tenancy core as intended.

`manage.py check` (run by the test command and CI) fails when a model subclassing
TenantModel lost its scoped default or base manager, or has a uniqueness rule that does not include
the organization (a globally unique column tells org A whether org B has a value).
"""

from django.apps import apps
from django.core import checks
from django.db import models

from rostracore.tenancy.models import ORG_FIELD, TenantBaseManager, TenantManager, TenantModel


@checks.register(checks.Tags.models)
def check_tenant_models(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if app_configs is None:
        models_to_check = apps.get_models()
    else:
        models_to_check = [m for config in app_configs for m in config.get_models()]
    return [
        error
        for model in models_to_check
        if issubclass(model, TenantModel)
        for error in check_tenant_model(model)
    ]


def check_tenant_model(model: type[TenantModel]) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    if not isinstance(model._default_manager, TenantManager):
        errors.append(
            checks.Error(
                f"{model._meta.label}'s default manager is "
                f"{type(model._default_manager).__name__}, not TenantManager.",
                hint="Declare `objects = TenantManager()` first, or don't override it.",
                obj=model,
                id="tenancy.E001",
            )
        )
    if not isinstance(model._base_manager, TenantBaseManager):
        errors.append(
            checks.Error(
                f"{model._meta.label}'s base manager is {type(model._base_manager).__name__}, "
                "not TenantBaseManager: save(), refresh_from_db() and foreign-key access "
                "would ignore the current organization.",
                hint="Subclass the base Meta: `class Meta(TenantModel.Meta):`.",
                obj=model,
                id="tenancy.E004",
            )
        )
    for field in model._meta.concrete_fields:
        if field.unique and not field.primary_key:
            errors.append(
                checks.Error(
                    f"{model._meta.label}.{field.name} is unique across organizations.",
                    hint="Use UniqueConstraint(fields=['org', ...]) instead of unique=True.",
                    obj=model,
                    id="tenancy.E002",
                )
            )
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and ORG_FIELD not in (
            constraint.fields or ()
        ):
            errors.append(
                checks.Error(
                    f"{model._meta.label}: unique constraint {constraint.name!r} does not "
                    "include the organization.",
                    hint="Add 'org' to its fields.",
                    obj=model,
                    id="tenancy.E003",
                )
            )
    return errors
