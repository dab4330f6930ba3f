from django.urls import path

from attendance import views

app_name = "attendance"

urlpatterns = [
    path("shifts/<int:pk>/", views.shift_attendance, name="shift"),
]
