"""The changelist's row links (rostracore.tenancy.admin._TenantChangeList.url_for_result):
one reverse() a page instead of a reverse() and a resolve() a row, and the same URLs
Django builds: the row's change page, with the changelist's filters to return to."""

import re

import pytest
from django.contrib import admin
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.views.main import ChangeList
from django.urls import reverse

from rostracore.tenancy.admin import _TenantChangeList
from scheduling.models import Shift
from tests.factories import ShiftFactory

pytestmark = pytest.mark.django_db

SHIFTS = "/admin/scheduling/shift/"


def _row_links(response) -> list[str]:
    assert response.status_code == 200
    html = response.content.decode()
    return [
        link.replace("&amp;", "&")
        for link in re.findall(r'<th class="field-[^"]*"><a href="([^"]*)"', html)
    ]


def _djangos(pk: int, filters: str) -> str:
    url = reverse("admin:scheduling_shift_change", args=[pk])
    return add_preserved_filters({"preserved_filters": filters, "opts": Shift._meta}, url)


def test_a_filtered_changelist_links_each_row_with_its_filters(client_a, org_a, org_b):
    mine = [ShiftFactory(org=org_a, employee=None) for _ in range(3)]
    ShiftFactory(org=org_b, employee=None)  # org B's open shift is not a row of A's page

    links = _row_links(client_a.get(SHIFTS, {"coverage": "open"}))

    filters = "_changelist_filters=coverage%3Dopen"
    assert sorted(links) == sorted(_djangos(shift.pk, filters) for shift in mine)


def test_an_unfiltered_changelist_links_the_change_pages(client_a, org_a, org_b):
    mine = [ShiftFactory(org=org_a) for _ in range(2)]
    ShiftFactory(org=org_b)

    links = _row_links(client_a.get(SHIFTS))

    assert sorted(links) == sorted(_djangos(shift.pk, "") for shift in mine)


class _Row:
    def __init__(self, pk):
        self.pk = self.id = pk


def test_a_key_reverse_would_encode_gets_djangos_own_url():
    # Only the attributes url_for_result reads: no request, queryset or organization needed.
    changelist = _TenantChangeList.__new__(_TenantChangeList)
    changelist.pk_attname, changelist.row_filters, changelist._change_url = "id", "", None
    changelist.opts, changelist.model_admin = Shift._meta, admin.site._registry[Shift]
    for pk in ["7", "a b/c?d", "é_1"]:
        assert changelist.url_for_result(_Row(pk)) == ChangeList.url_for_result(
            changelist, _Row(pk)
        )
