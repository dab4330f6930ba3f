from django.urls import path

from payroll import views

app_name = "payroll"

urlpatterns = [
    path("", views.periods, name="periods"),
    path("settings/", views.schedule_settings, name="settings"),
    path("<str:start>/", views.period, name="period"),
    path("<str:start>/close/", views.close, name="close"),
    path("<str:start>/payroll.csv", views.export_csv, name="export_csv"),
]
