from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """django.contrib.admin with RostraCore's site (header, dashboard) as `admin.site`."""

    default_site = "rostracore.admin_site.RostraCoreAdminSite"
