from django.urls import path

from scheduling import board, views

app_name = "scheduling"

urlpatterns = [
    path("", views.home, name="home"),
    path("board/", board.board, name="board"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/publish/", views.run_publish, name="publish"),
    path("sites/<int:pk>/week/", views.site_week, name="site_week"),
    path("guards/<int:pk>/week/", views.guard_week, name="guard_week"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("calendar/<str:token>.ics", views.guard_ical, name="guard_ical"),
]
