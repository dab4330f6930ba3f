"""The roster board (scheduling/board.py) and the run page's words and dates."""

import datetime as dt
import re
import zoneinfo
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rostracore.tenancy.context import use_org
from scheduling.board import SITES_PER_PAGE
from scheduling.models import RosterAssignment, RosterRun, Shift
from tests.factories import (
    ClientFactory,
    EmployeeFactory,
    PostFactory,
    RosterRunFactory,
    ShiftFactory,
    SiteFactory,
)

# A page flow runs like production: no outer transaction, each request in its own
# ATOMIC_REQUESTS transaction (the owner empties the tables afterwards).
pytestmark = pytest.mark.django_db(transaction=True)

MONDAY = dt.date(2027, 3, 1)
BOARD = reverse("scheduling:board")
# Queries of one board page, whatever the number of sites and shifts on it: session and
# user, the filter form's dropdowns, the page of sites (not counted), the page's shifts with
# their posts, guards and clock-ins, the labour rules' late and no-show minutes, and the
# week's count of changes since publishing.
BOARD_QUERIES = 12


def _at(org, day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=zoneinfo.ZoneInfo(org.timezone))


def _shift(org, site, day=MONDAY, hour=6, **kwargs) -> Shift:
    start = _at(org, day, hour)
    return ShiftFactory(
        org=org, site=site, start=start, end=start + dt.timedelta(hours=12), **kwargs
    )


def _board(http, **params):
    response = http.get(BOARD, {"week": MONDAY.isoformat(), **params})
    assert response.status_code == 200
    return response.content.decode()


def _world(org, sites: int, shifts_per_site: int) -> None:
    """`sites` sites with a post each and `shifts_per_site` shifts in the week, every other
    one with a guard."""
    guards = [EmployeeFactory(org=org) for _ in range(3)]
    for s in range(sites):
        site = SiteFactory(org=org, name=f"Bulk site {s:03d}")
        post = PostFactory(org=org, site=site, name="Gate")
        rows = []
        for i in range(shifts_per_site):
            # One guard never works two shifts at once: a 2-hour shift every 2 hours, per
            # guard a different site hour.
            start = _at(org, MONDAY, 0) + dt.timedelta(hours=2 * i, minutes=s)
            rows.append(
                Shift(
                    org=org,
                    site=site,
                    post=post,
                    start=start,
                    end=start + dt.timedelta(minutes=1),
                    employee=guards[s % 3] if i % 2 else None,
                    published_employee=guards[s % 3] if i % 2 else None,
                )
            )
        with use_org(org):
            Shift.objects.bulk_create(rows)


def _count_queries(http, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        _board(http, **params)
    return len(queries)


# --- the board ---------------------------------------------------------------------------


def test_board_shows_sites_posts_days_and_guards(client, manager_a, two_orgs):
    a = two_orgs["alpha"]
    post = PostFactory(org=a["org"], site=a["site"], name="Main gate")
    _shift(a["org"], a["site"], post=post, employee=a["dedicated"])
    _shift(a["org"], a["site"], day=MONDAY + dt.timedelta(2), hour=18, post=post)
    client.force_login(manager_a)
    text = _board(client)
    assert "Board · week of Mon 01 Mar 2027" in text
    assert "Alpha Site" in text and "Main gate" in text
    assert a["dedicated"].full_name in text
    # The open slot is written out, not only coloured.
    assert '<strong class="tag">Open</strong> no guard' in text
    for day in ("Mon 01 Mar", "Wed 03 Mar", "Sun 07 Mar"):
        assert day in text
    # Each cell names its day, for the phone layout that stacks by day.
    assert 'data-day="Wed 03 Mar"' in text
    monday = re.search(r'data-day="Mon 01 Mar">(.*?)</td>', text, re.DOTALL)[1]
    assert a["dedicated"].full_name in monday and "Open" not in monday


def test_a_cell_links_its_shift_with_its_times_and_escapes_the_guards_name(
    client, manager_a, org_a
):
    """The cells are built in Python (scheduling.board._cell_html): the markup the template
    made, the organization's wall-clock times, and every name escaped."""
    site = SiteFactory(org=org_a)
    guard = EmployeeFactory(org=org_a, first_name="<b>Eve</b>", last_name="O'Neil & Co")
    shift = _shift(org_a, site, hour=6, employee=guard, pinned=True)
    client.force_login(manager_a)
    text = _board(client)
    url = reverse("scheduling:shift", args=[shift.pk])
    cell = (
        f'<li class="shift"><a href="{url}"><span class="time">06:00–18:00</span> '
        "&lt;b&gt;Eve&lt;/b&gt; O&#x27;Neil &amp; Co "
        '<span class="tag">pinned</span></a></li>'
    )
    assert cell in text
    assert "<b>Eve</b>" not in text


def test_board_is_in_the_managers_navigation(client, manager_a):
    client.force_login(manager_a)
    text = _board(client)
    assert f'<a href="{BOARD}" aria-current="page">Board</a>' in text


def test_board_never_shows_another_organizations_rows(client, manager_a, two_orgs):
    a, b = two_orgs["alpha"], two_orgs["bravo"]
    _shift(a["org"], a["site"], employee=a["flex"])
    _shift(b["org"], b["site"], employee=b["dedicated"])
    _shift(b["org"], b["site"], hour=20)
    other_run = RosterRunFactory(org=b["org"], status=RosterRun.Status.DONE)
    with use_org(b["org"]):
        b_shift = Shift.objects.first()
        RosterAssignment.objects.create(run=other_run, shift=b_shift, employee=b["flex"])
    client.force_login(manager_a)
    for params in (
        {},
        {"client": b["client"].pk},
        {"site": b["site"].pk},
        {"client": b["client"].pk, "site": b["site"].pk},
        {"roster": "draft"},
        {"roster": "draft", "open_only": "on"},
        {"open_only": "on"},
    ):
        text = _board(client, **params)
        assert "CANARYB" not in text, params
    # B's client or site in a filter is a missing one: no filter, A's board as it is.
    assert "Alpha Site" in _board(client, client=b["client"].pk)
    assert "Alpha Site" in _board(client, site=b["site"].pk)
    assert "No finished roster run covers this week" in _board(client, roster="draft")


def test_board_filters_by_client_and_site(client, manager_a, two_orgs):
    a = two_orgs["alpha"]
    org = a["org"]
    second_site = SiteFactory(org=org, client=a["client"], name="Alpha Warehouse")
    other_client = ClientFactory(org=org, client_name="Beta Mall")
    mall = SiteFactory(org=org, client=other_client, name="Mall entrance")
    for site in (a["site"], second_site, mall):
        _shift(org, site)
    client.force_login(manager_a)
    everything = _board(client)
    assert all(name in everything for name in ("Alpha Site", "Alpha Warehouse", "Mall entrance"))
    by_client = _board(client, client=a["client"].pk)
    assert "Alpha Site" in by_client and "Alpha Warehouse" in by_client
    assert "Mall entrance</a>" not in by_client
    by_site = _board(client, site=mall.pk)
    assert "Mall entrance</a>" in by_site and "Alpha Site</a>" not in by_site
    # A chosen client lists only its own sites in the site dropdown.
    assert f'<option value="{mall.pk}">Mall entrance</option>' not in by_client
    assert f'<option value="{mall.pk}">Mall entrance</option>' in everything


def test_open_only_shows_only_open_shifts(client, manager_a, two_orgs):
    a = two_orgs["alpha"]
    busy = SiteFactory(org=a["org"], client=a["client"], name="Fully staffed")
    _shift(a["org"], busy, employee=a["flex"])
    _shift(a["org"], a["site"], hour=18)
    client.force_login(manager_a)
    text = _board(client, open_only="on")
    assert "Alpha Site</a>" in text and "Fully staffed</a>" not in text
    assert a["flex"].full_name not in text


def test_draft_shows_the_latest_finished_runs_guards(client, manager_a, two_orgs):
    a = two_orgs["alpha"]
    org = a["org"]
    published = _shift(org, a["site"], employee=a["dedicated"])
    emptied = _shift(org, a["site"], day=MONDAY + dt.timedelta(1), employee=a["flex"])
    older = RosterRunFactory(org=org, status=RosterRun.Status.DONE)
    failed = RosterRunFactory(org=org, status=RosterRun.Status.FAILED)
    latest = RosterRunFactory(org=org, status=RosterRun.Status.DONE)
    stranger = EmployeeFactory(org=org, first_name="Drafted", last_name="Newcomer")
    with use_org(org):
        RosterAssignment.objects.create(run=older, shift=published, employee=a["flex"])
        RosterAssignment.objects.create(run=latest, shift=published, employee=stranger)
        RosterAssignment.objects.create(run=latest, shift=emptied, employee=None)
        # A later failed run is no roster to show.
        RosterAssignment.objects.create(run=failed, shift=published, employee=None)
        RosterRun.objects.filter(pk=failed.pk).update(created_at=latest.created_at)
    client.force_login(manager_a)
    shown = _board(client)
    assert a["dedicated"].full_name in shown and a["flex"].full_name in shown
    assert "Drafted Newcomer" not in shown
    draft = _board(client, roster="draft")
    assert "Drafted Newcomer" in draft and '<span class="tag">draft</span>' in draft
    assert a["dedicated"].full_name not in draft and a["flex"].full_name not in draft
    assert f'href="{latest.get_absolute_url()}"' in draft
    # Open only, in the draft: the shift the draft leaves open, not the published open ones.
    open_draft = _board(client, roster="draft", open_only="on")
    assert "Tue 02 Mar" in open_draft and open_draft.count('<li class="shift open">') == 1
    assert _board(client, open_only="on").count('<li class="shift') == 0


def test_week_links_and_window_edges(client, manager_a, two_orgs):
    a = two_orgs["alpha"]
    _shift(a["org"], a["site"], day=MONDAY + dt.timedelta(7))
    client.force_login(manager_a)
    # Any day of a week shows that week; the links keep the other filters.
    text = _board(client, week="2027-03-03", open_only="on", client=a["client"].pk)
    assert "week of Mon 01 Mar 2027" in text
    assert re.search(r'href="\?[^"]*week=2027-03-08[^"]*" rel="next"', text)
    assert re.search(r'href="\?[^"]*open_only=on[^"]*" rel="next"', text)
    assert re.search(r'href="\?[^"]*week=2027-02-22[^"]*" rel="prev"', text)
    # At the edge of the ±5-year window there is no link past it.
    from scheduling.forms import date_window

    with timezone.override(a["org"].timezone):  # the window is the organization's today
        first, last = date_window()
    assert 'rel="prev"' not in _board(client, week=first.isoformat())
    assert 'rel="next"' not in _board(client, week=last.isoformat())


@pytest.mark.parametrize(
    "params",
    [
        {"week": "9999-12-31"},
        {"week": "0001-01-01"},
        {"week": "²⁰²⁷-03-01"},
        {"site": "²"},
        {"client": "٣"},
        {"client": "9" * 5000},
        {"site": "99999999999999999999"},
        {"page": "²"},
        {"page": "99999999999999999999"},
        {"roster": "\x00"},
        {"open_only": "maybe"},
    ],
)
def test_hostile_query_strings_answer_below_500(client, manager_a, two_orgs, params):
    _shift(two_orgs["alpha"]["org"], two_orgs["alpha"]["site"])
    client.force_login(manager_a)
    response = client.get(BOARD, params)
    assert response.status_code == 200, params
    assert b"CANARYB" not in response.content


def test_board_is_for_managers_only(client, two_orgs):
    assert client.get(BOARD).status_code == 302  # to the login page
    from tests.factories import GuardUserFactory

    client.force_login(GuardUserFactory(org=two_orgs["alpha"]["org"]))
    assert client.get(BOARD).status_code == 403


def test_phone_width_stacks_the_board_by_day_without_javascript(client, manager_a, two_orgs):
    css = Path(finders.find("css/rostracore.css")).read_text(encoding="utf-8")
    phone = css[css.index("@media (max-width: 600px)") :]
    assert ".board td::before { content: attr(data-day)" in phone
    assert ".board td.empty { display: none; }" in phone
    _shift(two_orgs["alpha"]["org"], two_orgs["alpha"]["site"])
    client.force_login(manager_a)
    text = _board(client)
    assert 'class="week-grid board"' in text and "<script" not in text


def test_board_query_count_does_not_grow_with_sites_and_shifts(
    client, manager_a, manager_b, org_a, org_b, django_assert_max_num_queries
):
    """10 sites × 5 shifts (org A) and 100 sites × 8 shifts (org B, four pages of sites):
    the same queries."""
    counts = {}
    for manager, org, sites, per_site in ((manager_a, org_a, 10, 5), (manager_b, org_b, 100, 8)):
        _world(org, sites=sites, shifts_per_site=per_site)
        run = RosterRunFactory(org=org, status=RosterRun.Status.DONE)
        with use_org(org):
            RosterAssignment.objects.bulk_create(
                RosterAssignment(org=org, run=run, shift=shift, employee=None)
                for shift in Shift.objects.filter(employee__isnull=False)
            )
        client.force_login(manager)
        with django_assert_max_num_queries(BOARD_QUERIES):
            text = _board(client)
        shown = min(sites, SITES_PER_PAGE) * per_site
        assert text.count('<li class="shift') == shown
        with django_assert_max_num_queries(BOARD_QUERIES + 2):  # + the run, its assignments
            draft = _board(client, roster="draft", open_only="on")
        assert draft.count('<li class="shift open">') == shown
        counts[org.slug] = (
            _count_queries(client),
            _count_queries(client, roster="draft", open_only="on", client=""),
        )
    assert counts["alpha"] == counts["bravo"]


def test_board_pages_its_sites(client, manager_a, org_a):
    _world(org_a, sites=SITES_PER_PAGE + 2, shifts_per_site=1)
    client.force_login(manager_a)
    first = _board(client)
    assert first.count('class="site-row"') == SITES_PER_PAGE
    # Not counted: page 1 knows only that a next page exists; the last page knows the total.
    assert "Sites page 1</span>" in first and "Sites 1–25 with shifts." in first
    assert 'rel="next">Next sites' in first
    second = _board(client, page=2)
    assert second.count('class="site-row"') == 2
    assert "Sites page 2 of 2" in second and "Sites 26–27 of 27 with shifts." in second
    assert 'rel="next">Next sites' not in second
    # A page past the last (a stale link) opens the first.
    assert _board(client, page=3).count('class="site-row"') == SITES_PER_PAGE
    assert "Bulk site 026</a>" in second and "Bulk site 026</a>" not in first


# --- the run page ------------------------------------------------------------------------


def _finished_run(org, **kwargs):
    return RosterRunFactory(
        org=org,
        status=RosterRun.Status.DONE,
        start_date=MONDAY,
        end_date=MONDAY + dt.timedelta(7),
        **kwargs,
    )


def test_run_is_labelled_with_its_last_day(client, manager_a, org_a):
    run = _finished_run(org_a, total_shifts=24, filled_shifts=24)
    assert run.last_day == dt.date(2027, 3, 7)
    client.force_login(manager_a)
    page = client.get(run.get_absolute_url()).content.decode()
    assert "Roster Mon 01 Mar – Sun 07 Mar 2027" in page
    assert "Mon 08 Mar" not in page
    home = client.get(reverse("scheduling:home")).content.decode()
    assert "Mon 01 Mar 2027 – Sun 07 Mar 2027" in home
    assert 'class="runs responsive"' in home and 'data-label="Status"' in home


def test_a_full_roster_reads_as_full_not_as_a_gap(client, manager_a, org_a):
    # Every shift filled: the bound is 0 and the objective the soft score, a gap of 100%.
    run = _finished_run(
        org_a, total_shifts=24, filled_shifts=24, objective=12.0, best_bound=0.0, soft_score=12.0
    )
    client.force_login(manager_a)
    page = client.get(run.get_absolute_url()).content.decode()
    assert "All 24 shifts filled." in page
    assert "1.000" not in page and "objective gap to the proven bound</li>" not in page
    assert "<summary>Solver details</summary>" in page
    assert '<span id="gap">100.0%</span>' in page
    assert "must stay open (proven)" not in page


def test_unavoidable_open_shifts_read_as_the_best_possible(client, manager_a, org_a):
    run = _finished_run(
        org_a,
        total_shifts=24,
        filled_shifts=21,
        open_shifts=3,
        open_lower_bound=3,
        objective=3005.0,
        best_bound=3000.0,
    )
    client.force_login(manager_a)
    page = client.get(run.get_absolute_url()).content.decode()
    assert "Best possible: no roster could leave fewer open." in page
    assert "3 shifts cannot be filled" in page


def test_open_shifts_above_the_proven_minimum_are_said(client, manager_a, org_a):
    run = _finished_run(org_a, total_shifts=24, filled_shifts=20, open_shifts=4, open_lower_bound=1)
    client.force_login(manager_a)
    page = client.get(run.get_absolute_url()).content.decode()
    assert "3 open shifts more than the proven minimum of 1" in page
    assert "Best possible" not in page and "All 24" not in page
