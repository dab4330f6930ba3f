from django.urls import path

from guards import views

app_name = "guards"

urlpatterns = [
    # The guards' own pages.
    path("me/", views.my_shifts, name="my_shifts"),
    path("me/seen/", views.acknowledge, name="acknowledge"),
    path("me/shifts/<int:pk>/clock-in/", views.clock_in, name="clock_in"),
    path("me/shifts/<int:pk>/clock-out/", views.clock_out, name="clock_out"),
    path("me/leave/", views.leave, name="leave"),
    path("me/leave/<int:pk>/cancel/", views.leave_cancel, name="leave_cancel"),
    path("me/open/", views.open_shifts, name="open_shifts"),
    path("me/open/<int:pk>/ask/", views.pickup, name="pickup"),
    path("me/swaps/", views.swaps, name="swaps"),
    path("me/swaps/offer/<int:pk>/", views.swap_offer, name="swap_offer"),
    path("me/swaps/<int:pk>/take/", views.swap_take, name="swap_take"),
    path(
        "me/shift-requests/<int:pk>/cancel/",
        views.shift_request_cancel,
        name="shift_request_cancel",
    ),
    path("me/availability/", views.availability, name="availability"),
    path("me/availability/windows/", views.window_add, name="window_add"),
    path("me/availability/windows/<int:pk>/remove/", views.window_remove, name="window_remove"),
    path("me/availability/dates/", views.date_add, name="date_add"),
    path("me/availability/dates/<int:pk>/remove/", views.date_remove, name="date_remove"),
    path("me/availability/wishes/", views.wish_add, name="wish_add"),
    path("me/availability/wishes/<int:pk>/remove/", views.wish_remove, name="wish_remove"),
    path("me/availability/preferences/", views.preferences, name="preferences"),
    # The managers' requests inbox.
    path("requests/", views.requests_inbox, name="requests"),
    path("requests/leave/<int:pk>/approve/", views.leave_approve, name="leave_approve"),
    path("requests/leave/<int:pk>/decline/", views.leave_decline, name="leave_decline"),
    path("requests/shift/<int:pk>/approve/", views.shift_request_approve, name="shift_approve"),
    path("requests/shift/<int:pk>/decline/", views.shift_request_decline, name="shift_decline"),
]
