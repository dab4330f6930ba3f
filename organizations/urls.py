"""Account pages under /accounts/ beside login and logout: password reset by email (Django's
views, whose email the worker sends) and the invitation link. Not namespaced: Django's
password reset views and templates use these names."""

from django.contrib.auth import views as auth_views
from django.urls import path

from organizations import views
from organizations.forms import PasswordResetForm

urlpatterns = [
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(form_class=PasswordResetForm),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("invite/<uidb64>/<token>/", views.accept_invitation, name="accept_invitation"),
]
