from django.urls import path

from scheduling import board, shifts, views

app_name = "scheduling"

urlpatterns = [
    path("", views.home, name="home"),
    path("board/", board.board, name="board"),
    path("board/publish/", shifts.board_publish, name="board_publish"),
    path("board/fill/", shifts.board_fill, name="board_fill"),
    path("shifts/new/", shifts.shift_new, name="shift_new"),
    path("shifts/<int:pk>/", shifts.shift_detail, name="shift"),
    path("shifts/<int:pk>/assign/", shifts.shift_assign, name="shift_assign"),
    path("shifts/<int:pk>/unassign/", shifts.shift_unassign, name="shift_unassign"),
    path("shifts/<int:pk>/pin/", shifts.shift_pin, name="shift_pin"),
    path("shifts/<int:pk>/swap/", shifts.shift_swap, name="shift_swap"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/publish/", views.run_publish, name="publish"),
    path("sites/<int:pk>/week/", views.site_week, name="site_week"),
    path("guards/<int:pk>/week/", views.guard_week, name="guard_week"),
    path("guards/<int:pk>/contract/", views.guard_contract, name="guard_contract"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("calendar/<str:token>.ics", views.guard_ical, name="guard_ical"),
]
