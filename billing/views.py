"""Billing pages for managers: the clients with a month picker, charge rates, and each
client's invoice for a month as a printable page, a PDF and a CSV.

Every lookup goes through the scoped managers, so another organization's client or rate is
a 404, the same as a missing one. An invoice reads a fixed number of queries whatever the
number of shifts (billing.invoices.invoice_for).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from billing import pdf, services
from billing.forms import FIRST_YEAR, LAST_YEAR, ChargeRateForm, MonthForm
from billing.invoices import Invoice, invoice_for, month_bounds
from billing.models import ChargeRate
from clients.models import Client
from rostracore.pagination import CappedPaginator
from rostracore.tenancy.access import manager_required

# The one rule for spreadsheet-safe cells (a leading ' before =, +, -, @, tab, CR), shared
# with the roster export.
from scheduling.views import _safe_cell

PER_PAGE = 50


def _month_of(year: int, month: int) -> dt.date:
    if not (1 <= month <= 12 and FIRST_YEAR <= year <= LAST_YEAR):
        raise Http404("No such month.")
    return dt.date(year, month, 1)


def _neighbours(month: dt.date) -> tuple[dt.date, dt.date]:
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    return previous, following


@manager_required
def home(request: HttpRequest) -> HttpResponse:
    """The organization's clients, each with its invoice for the chosen month and how many
    published shifts it has then (one query for the page's clients and their counts)."""
    form = MonthForm(request.GET)
    form.is_valid()
    month = form.cleaned_data["month"]
    start, end = month_bounds(month, ZoneInfo(request.org.timezone))
    shifts = Q(
        sites__shifts__published_employee__isnull=False,
        sites__shifts__start__lt=end,
        sites__shifts__end__gt=start,
    )
    clients = Client.objects.annotate(shift_count=Count("sites__shifts", filter=shifts)).order_by(
        "client_name", "pk"
    )
    page = CappedPaginator(clients, PER_PAGE).get_page(request.GET.get("page"))
    previous, following = _neighbours(month)
    return render(
        request,
        "billing/home.html",
        {"page": page, "month": month, "previous": previous, "following": following},
    )


@manager_required
def rate_list(request: HttpRequest) -> HttpResponse:
    rates = ChargeRate.objects.select_related("client", "site", "post")
    page = CappedPaginator(rates, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "billing/rates.html", {"page": page, "currency": settings.BILLING_CURRENCY}
    )


def _rate_form(request: HttpRequest, rate: ChargeRate | None) -> HttpResponse:
    form = ChargeRateForm(request.POST or None, instance=rate)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_charge_rate(rate=form.instance)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Saved the rate: {saved}.")
            return redirect("billing:rates")
    return render(request, "billing/rate_form.html", {"form": form, "rate": rate})


@manager_required
def rate_new(request: HttpRequest) -> HttpResponse:
    return _rate_form(request, None)


@manager_required
def rate_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _rate_form(request, get_object_or_404(ChargeRate, pk=pk))


@require_POST
@manager_required
def rate_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rate = get_object_or_404(ChargeRate.objects.select_related("client", "site", "post"), pk=pk)
    services.delete_charge_rate(rate=rate)
    messages.success(request, f"Deleted the rate: {rate}.")
    return redirect("billing:rates")


def _invoice(request: HttpRequest, pk: int, year: int, month: int) -> Invoice:
    client = get_object_or_404(Client.objects.select_related("org"), pk=pk)
    return invoice_for(client=client, month=_month_of(year, month))


def _invoice_context(request: HttpRequest, invoice: Invoice, *, for_pdf: bool) -> dict:
    previous, following = _neighbours(invoice.month)
    args = {"pk": invoice.client.pk, "year": invoice.month.year, "month": invoice.month.month}
    return {
        "invoice": invoice,
        "org": invoice.client.org,
        "for_pdf": for_pdf,
        "pdf_available": pdf.available(),
        "pdf_url": reverse("billing:invoice_pdf", kwargs=args),
        "csv_url": reverse("billing:invoice_csv", kwargs=args),
        "previous": previous,
        "following": following,
        "last_day": (following - dt.timedelta(days=1)).day,
        "vat_percent": (invoice.vat_rate * 100).normalize(),
    }


@manager_required
def invoice(request: HttpRequest, pk: int, year: int, month: int) -> HttpResponse:
    """The printable invoice (the print stylesheet leaves the page's menu and links out)."""
    bill = _invoice(request, pk, year, month)
    return render(request, "billing/invoice.html", _invoice_context(request, bill, for_pdf=False))


def _file_name(invoice: Invoice, extension: str) -> str:
    return f"invoice-{invoice.client.pk}-{invoice.month:%Y-%m}.{extension}"


@manager_required
def invoice_pdf(request: HttpRequest, pk: int, year: int, month: int) -> HttpResponse:
    """The same template as PDF; where WeasyPrint cannot load, back to the page, which says
    so and can be printed instead."""
    bill = _invoice(request, pk, year, month)
    html = render_to_string(
        "billing/invoice.html", _invoice_context(request, bill, for_pdf=True), request=request
    )
    document = pdf.render(html, static_url=settings.STATIC_URL)
    if document is None:
        messages.error(request, "PDF is unavailable on this server: print this page instead.")
        return redirect("billing:invoice", pk=pk, year=year, month=month)
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_file_name(bill, "pdf")}"'
    return response


CSV_HEADER = [
    "client",
    "month",
    "site",
    "kind of day",
    "hours",
    "hourly rate",
    "multiplier",
    "amount",
    "currency",
]


@manager_required
def invoice_csv(request: HttpRequest, pk: int, year: int, month: int) -> HttpResponse:
    """One row per invoice line, then the subtotal, VAT and total; every cell
    spreadsheet-safe."""
    bill = _invoice(request, pk, year, month)
    stream = io.StringIO()
    writer = csv.writer(stream)
    month_text = f"{bill.month:%Y-%m}"
    client = bill.client.client_name

    def row(*cells) -> None:
        writer.writerow([_safe_cell(cell) for cell in cells])

    row(*CSV_HEADER)
    for site in bill.sites:
        for line in site.lines:
            row(
                client,
                month_text,
                site.name,
                line.kind_label,
                line.hours,
                "" if line.rate is None else line.rate.hourly,
                "" if line.multiplier is None else line.multiplier,
                line.amount,
                bill.currency,
            )
    row(client, month_text, "", "subtotal", "", "", "", bill.subtotal, bill.currency)
    row(client, month_text, "", f"VAT {bill.vat_rate:.0%}", "", "", "", bill.vat, bill.currency)
    row(client, month_text, "", "total", "", "", "", bill.total, bill.currency)
    response = HttpResponse(stream.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_file_name(bill, "csv")}"'
    return response
