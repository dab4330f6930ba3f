from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("", views.home, name="home"),
    path("rates/", views.rate_list, name="rates"),
    path("rates/new/", views.rate_new, name="rate_new"),
    path("rates/<int:pk>/", views.rate_edit, name="rate_edit"),
    path("rates/<int:pk>/delete/", views.rate_delete, name="rate_delete"),
    path("invoices/<int:pk>/<int:year>-<int:month>/", views.invoice, name="invoice"),
    path("invoices/<int:pk>/<int:year>-<int:month>.pdf", views.invoice_pdf, name="invoice_pdf"),
    path("invoices/<int:pk>/<int:year>-<int:month>.csv", views.invoice_csv, name="invoice_csv"),
]
