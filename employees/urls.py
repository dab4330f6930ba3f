from django.urls import path

from employees import views

app_name = "employees"

urlpatterns = [
    path("", views.employee_list, name="list"),
    path("new/", views.employee_create, name="create"),
    path("<int:pk>/", views.employee_detail, name="detail"),
    path("<int:pk>/edit/", views.employee_edit, name="edit"),
    path("<int:pk>/assign/", views.employee_assign, name="assign"),
    path("<int:pk>/deactivate/", views.employee_deactivate, name="deactivate"),
    path("<int:pk>/reactivate/", views.employee_reactivate, name="reactivate"),
    path("<int:pk>/calendar-link/", views.employee_rotate_calendar, name="rotate_calendar"),
    path("<int:pk>/invite/", views.employee_invite, name="invite"),
]
