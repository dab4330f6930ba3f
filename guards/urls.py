from django.urls import path

from guards import views

app_name = "guards"

urlpatterns = [
    path("", views.my_shifts, name="my_shifts"),
]
