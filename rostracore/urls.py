from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from rostracore import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path(
        "accounts/login/",
        views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("organizations.urls")),
    path("employees/", include("employees.urls")),
    path("scheduling/", include("scheduling.urls")),
    path("billing/", include("billing.urls")),
    path("attendance/", include("attendance.urls")),
    path("payroll/", include("payroll.urls")),
    path("", include("guards.urls")),  # /me/ (guards) and /requests/ (managers)
    path("admin/", admin.site.urls),
]
