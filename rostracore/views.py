"""The manager dashboard (its numbers and chart come from rostracore/dashboard.py)."""

import datetime as dt

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render, resolve_url
from django.utils import timezone

from rostracore.dashboard import CHART, coverage_bars, coverage_by_day, org_counts
from rostracore.tenancy.access import manager_required


@manager_required
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    coverage = coverage_by_day(today, days=7)
    return render(
        request,
        "dashboard.html",
        {
            "counts": org_counts(),
            "coverage": coverage,
            "bars": coverage_bars(coverage),
            "week_end": today + dt.timedelta(days=6),
            "open_total": sum(day.open for day in coverage),
            "chart": CHART,
        },
    )


class LoginView(auth_views.LoginView):
    """Django's login page; without a `next`, a guard lands on their own pages (/me/), not
    on the manager dashboard (LOGIN_REDIRECT_URL)."""

    def get_default_redirect_url(self) -> str:
        if self.request.user.is_authenticated and self.request.user.role == "guard":
            return resolve_url("guards:my_shifts")
        return super().get_default_redirect_url()
