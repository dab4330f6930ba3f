from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """django.contrib.admin with RostraCore's site (header, dashboard) as `admin.site`.

    After every app registered its admins, any admin that does not scope by organization
    (Django's groups, django-axes' login logs, whatever comes next) becomes platform-only.
    """

    default_site = "rostracore.admin_site.RostraCoreAdminSite"

    def ready(self) -> None:
        super().ready()
        from django.contrib import admin

        from rostracore.tenancy.admin import restrict_unscoped_admins

        restrict_unscoped_admins(admin.site)
