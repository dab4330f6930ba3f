"""Admins that do not scope by organization are platform-only (fail closed)."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import RequestFactory

from organizations.admin import UserAdmin
from organizations.models import User
from rostracore.tenancy.admin import PlatformOnlyAdmin, TenantModelAdmin, restrict_unscoped_admins

# A page flow runs like production: no outer transaction, each request in its own
# ATOMIC_REQUESTS transaction (the owner empties the tables afterwards).
pytestmark = pytest.mark.django_db(transaction=True)


def test_every_registered_admin_scopes_or_is_platform_only():
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, (TenantModelAdmin, PlatformOnlyAdmin, UserAdmin)), model


def test_a_plain_admin_registered_later_becomes_platform_only(manager_a, platform_user):
    site = admin.AdminSite(name="probe")
    site.register(Group, admin.ModelAdmin)
    site.register(User, UserAdmin)
    assert restrict_unscoped_admins(site) == ["auth.Group"]
    group_admin = site.get_model_admin(Group)
    request = RequestFactory().get("/")
    request.user, request.org = manager_a, manager_a.org
    manager_a.is_superuser = True  # even a superuser with an organization is not platform
    assert not group_admin.has_view_permission(request)
    assert group_admin.get_queryset(request).query.is_empty()
    request.user, request.org = platform_user, None
    assert group_admin.has_view_permission(request)
    assert not group_admin.get_queryset(request).query.is_empty()
    assert isinstance(site.get_model_admin(User), UserAdmin)


@pytest.mark.parametrize("url", ["/admin/auth/group/", "/admin/axes/accesslog/"])
def test_manager_is_refused_platform_admins(client_a, url):
    assert client_a.get(url).status_code == 403
