"""The billing pages: the clients with a month picker, the invoice as a page, a PDF and a
CSV, for org A's manager only (org B's client is a 404, like a missing one)."""

import builtins
import csv
import io

import pytest
from django.urls import reverse

from billing import pdf
from tests.billing.conftest import local, rate
from tests.factories import ClientFactory, EmployeeFactory, ShiftFactory, SiteFactory

# Like production: no outer transaction, each request its own ATOMIC_REQUESTS transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def _url(name, client, year=2029, month=12):
    return reverse(f"billing:{name}", kwargs={"pk": client.pk, "year": year, "month": month})


@pytest.fixture
def bravo(org_b):
    client = ClientFactory(org=org_b, client_name="CANARYB Client")
    site = SiteFactory(org=org_b, client=client, name="CANARYB Site")
    rate(org_b, client, "777.00")
    ShiftFactory(
        org=org_b,
        site=site,
        start=local("2029-12-04", "08:00"),
        employee=EmployeeFactory(org=org_b),
    )
    return client


def test_billing_page_lists_own_clients_with_the_months_shift_counts(
    client, manager_a, december, bravo, django_assert_max_num_queries
):
    client.force_login(manager_a)
    for _ in range(5):
        ClientFactory(org=manager_a.org)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("billing:home"), {"month": "2029-12"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Tshwane Metro" in page and "CANARYB" not in page
    assert '<td data-label="Published shifts">8</td>' in page  # December's 8 published
    assert _url("invoice", december["client"]) in page
    # A month it cannot read is this month, not an error.
    assert client.get(reverse("billing:home"), {"month": "12/2029"}).status_code == 200


def test_invoice_page_shows_the_hand_computed_figures(
    client, manager_a, december, django_assert_max_num_queries
):
    client.force_login(manager_a)
    with django_assert_max_num_queries(10):
        response = client.get(_url("invoice", december["client"]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Alpha Guarding" in page and "Tshwane Metro" in page
    assert "December 2029" in page
    for figure in ("20.50", "2050.00", "1800.00", "3600.00", "7450.00", "101.57", "3221.57"):
        assert figure in page, figure
    assert 'id="subtotal">ZAR 10671.57<' in page
    assert 'id="vat">ZAR 1600.74<' in page
    assert 'id="total">ZAR 12272.31<' in page
    assert "css/invoice.css" in page
    assert _url("invoice_pdf", december["client"]) in page


def test_another_organizations_client_is_a_404_on_every_invoice_format(
    client, manager_a, december, bravo
):
    client.force_login(manager_a)
    for name in ("invoice", "invoice_pdf", "invoice_csv"):
        assert client.get(_url(name, bravo)).status_code == 404
        missing = reverse(f"billing:{name}", kwargs={"pk": 10**9, "year": 2029, "month": 12})
        assert client.get(missing).status_code == 404
        assert client.get(_url(name, december["client"], month=13)).status_code == 404


def test_guard_cannot_open_billing(client, org_a, december):
    from tests.factories import GuardUserFactory

    guard = GuardUserFactory(org=org_a)
    client.force_login(guard)
    assert client.get(reverse("billing:home")).status_code == 403
    assert client.get(_url("invoice", december["client"])).status_code == 403


def test_invoice_pdf_is_rendered_by_weasyprint(client, manager_a, december, caplog):
    client.force_login(manager_a)
    with caplog.at_level("WARNING", logger="weasyprint"):
        response = client.get(_url("invoice_pdf", december["client"]))
    # Both stylesheets were read from the static files; nothing was fetched or refused.
    failed = [
        r
        for r in caplog.records
        if r.name.startswith("weasyprint") and "failed to load" in r.getMessage().lower()
    ]
    assert not failed, caplog.text
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert "invoice-" in response["Content-Disposition"]


def test_without_weasyprint_the_page_says_pdf_is_unavailable(
    client, manager_a, december, monkeypatch
):
    """The fallback alone: the library's import fails as it does without Pango."""
    real_import = builtins.__import__

    def failing_import(name, *args, **kwargs):
        if name.startswith("weasyprint"):
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", failing_import)
    pdf._weasyprint.cache_clear()
    try:
        client.force_login(manager_a)
        page = client.get(_url("invoice", december["client"])).content.decode()
        assert "PDF is unavailable on this server" in page
        assert _url("invoice_pdf", december["client"]) not in page
        response = client.get(_url("invoice_pdf", december["client"]), follow=True)
        assert response.redirect_chain[-1][0] == _url("invoice", december["client"])
        assert "PDF is unavailable on this server: print this page instead." in (
            response.content.decode()
        )
        assert 'id="total">ZAR 12272.31<' in response.content.decode()
    finally:
        monkeypatch.undo()
        pdf._weasyprint.cache_clear()
    assert pdf.available()


def test_invoice_csv_has_the_lines_and_totals_and_is_formula_safe(client, manager_a, december):
    from rostracore.tenancy.context import use_org

    with use_org(manager_a.org):
        december["yard"].name = '=HYPERLINK("http://evil")'
        december["yard"].save()
    client.force_login(manager_a)
    response = client.get(_url("invoice_csv", december["client"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
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
    # Sites by name: "'=HYPERLINK..." (made safe) sorts before "A Depot" by its raw name "=".
    assert [
        "Tshwane Metro",
        "2029-12",
        "A Depot",
        "Ordinary",
        "20.50",
        "100.00",
        "1.00",
        "2050.00",
        "ZAR",
    ] in rows
    assert [
        "Tshwane Metro",
        "2029-12",
        "A Depot",
        "Public holiday",
        "18.00",
        "100.00",
        "2.00",
        "3600.00",
        "ZAR",
    ] in rows
    yard = [row for row in rows if row[2].startswith("'=")]
    assert len(yard) == 3 and all(row[2] == '\'=HYPERLINK("http://evil")' for row in yard)
    assert rows[-3:] == [
        ["Tshwane Metro", "2029-12", "", "subtotal", "", "", "", "10671.57", "ZAR"],
        ["Tshwane Metro", "2029-12", "", "VAT 15%", "", "", "", "1600.74", "ZAR"],
        ["Tshwane Metro", "2029-12", "", "total", "", "", "", "12272.31", "ZAR"],
    ]
