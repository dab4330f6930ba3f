"""The admin site: RostraCore's header and the organization dashboard on the index page
(its numbers come from rostracore/dashboard.py). `rostracore.apps.AdminConfig` makes it the
default `admin.site`, so every app registers its admin with the usual `@admin.register`.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from rostracore.dashboard import Dashboard, dashboards_per_org, org_counts, shift_counts
from rostracore.tenancy.access import is_platform


class RostraCoreAdminSite(admin.AdminSite):
    site_header = "RostraCore"
    site_title = "RostraCore admin"
    index_title = "Dashboard"
    index_template = "admin/rostracore_index.html"

    def each_context(self, request: HttpRequest) -> dict:
        context = super().each_context(request)
        org = getattr(request, "org", None)
        if org is not None:
            context["site_header"] = f"RostraCore · {org.company_name}"
        elif is_platform(request):
            context["site_header"] = "RostraCore · platform"
        return context

    def index(self, request: HttpRequest, extra_context: dict | None = None):
        context: dict = {}
        if getattr(request, "org", None) is not None:
            context["dashboard"] = Dashboard(
                org=request.org, counts=org_counts(), shifts=shift_counts()
            )
        elif is_platform(request):
            context["dashboards"] = dashboards_per_org()
        return super().index(request, {**context, **(extra_context or {})})
