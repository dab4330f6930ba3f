from django.urls import path

from guards import views

app_name = "guards"

urlpatterns = [
    # The guards' own pages.
    path("me/", views.my_shifts, name="my_shifts"),
    path("me/leave/", views.leave, name="leave"),
    path("me/leave/<int:pk>/cancel/", views.leave_cancel, name="leave_cancel"),
    # The managers' requests inbox.
    path("requests/", views.requests_inbox, name="requests"),
    path("requests/leave/<int:pk>/approve/", views.leave_approve, name="leave_approve"),
    path("requests/leave/<int:pk>/decline/", views.leave_decline, name="leave_decline"),
]
