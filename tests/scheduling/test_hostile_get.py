"""Query strings and dates that answered 500 on the scheduling pages (issue 11), and the CSV
export's cells that a spreadsheet would run as formulas.

A bad week is this week (or the run's first week), a bad run id is a 400 saying so, a start
date far from today is a field error; none is a 500.
"""

import csv
import datetime as dt
import io
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from rostracore.tenancy.context import use_org
from scheduling.forms import date_window
from tests.factories import EmployeeFactory, PostFactory, RosterRunFactory, ShiftFactory

# A page flow runs like production: no outer transaction, each request in its own
# ATOMIC_REQUESTS transaction (the owner empties the tables afterwards).
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def http(client, manager_a):
    client.force_login(manager_a)
    return client


@pytest.fixture
def today(org_a) -> dt.date:
    """Today where org A is: the middleware activates the organization's timezone."""
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(org_a.timezone))


@pytest.fixture
def monday(today) -> dt.date:
    return today - dt.timedelta(days=today.weekday())


def _grid_url(name: str, two_orgs) -> str:
    a = two_orgs["alpha"]
    pk = a["site"].pk if name == "site_week" else a["dedicated"].pk
    return reverse(f"scheduling:{name}", args=[pk])


# --- week= --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["site_week", "guard_week"])
@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01", "10000-01-01", "2026-02-30"])
def test_week_grid_with_a_week_out_of_range_shows_this_week(http, two_orgs, monday, name, week):
    response = http.get(_grid_url(name, two_orgs), {"week": week})
    assert response.status_code == 200
    assert response.context["days"][0] == monday


@pytest.mark.parametrize("name", ["site_week", "guard_week"])
def test_week_grid_offers_no_link_past_the_window(http, two_orgs, today, name):
    """The window's last and first weeks link only inwards, never to a week the page would
    refuse; every link they offer opens the week it names."""
    url = _grid_url(name, two_orgs)
    with timezone.override(zoneinfo.ZoneInfo(two_orgs["alpha"]["org"].timezone)):
        first, last = date_window()
    assert (first.year, last.year) == (today.year - 5, today.year + 5)
    response = http.get(url, {"week": last.isoformat()})
    assert response.status_code == 200
    assert response.context["days"][0] == last - dt.timedelta(days=last.weekday())
    assert response.context["next"] is None
    assert b'rel="next"' not in response.content
    back = http.get(url + response.context["previous"])
    assert back.context["days"][0] == response.context["days"][0] - dt.timedelta(7)

    response = http.get(url, {"week": first.isoformat()})
    assert response.context["days"][0] == first - dt.timedelta(days=first.weekday())
    assert response.context["previous"] is None
    assert b'rel="prev"' not in response.content
    on = http.get(url + response.context["next"])
    assert on.context["days"][0] == response.context["days"][0] + dt.timedelta(7)


@pytest.mark.parametrize("name", ["site_week", "guard_week"])
def test_week_grid_shows_the_requested_week(http, two_orgs, monday, name):
    wednesday = monday + dt.timedelta(days=9)
    response = http.get(_grid_url(name, two_orgs), {"week": wednesday.isoformat()})
    assert response.context["days"][0] == monday + dt.timedelta(days=7)


# --- run= ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["site_week", "guard_week", "export_csv"])
@pytest.mark.parametrize(
    "run", ["²", "٣", "99999999999999999999", "9223372036854775808", "0", "-1", "1\x00", "x"]
)
def test_a_run_that_is_not_an_id_is_a_400_saying_so(http, two_orgs, name, run):
    url = reverse("scheduling:export_csv") if name == "export_csv" else _grid_url(name, two_orgs)
    response = http.get(url, {"run": run})
    assert response.status_code == 400
    assert "run" in response.content.decode()


def test_the_largest_id_is_a_missing_run_not_an_error(http, two_orgs):
    response = http.get(reverse("scheduling:export_csv"), {"run": str(2**63 - 1)})
    assert response.status_code == 404


def test_an_own_run_still_opens_its_draft_grid(http, two_orgs, manager_a):
    run = RosterRunFactory(org=two_orgs["alpha"]["org"], created_by=manager_a)
    response = http.get(_grid_url("site_week", two_orgs), {"run": str(run.pk)})
    assert response.status_code == 200
    assert response.context["run"] == run
    assert response.context["days"][0] == run.start_date


# --- export start= / end= ------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"start": "0001-01-01", "end": "9999-12-31"},
        {"start": "10000-01-01", "end": "10000-02-01"},
        {"start": "2027-03-08", "end": "2027-03-01"},  # end before start
        {"start": "²", "end": "x"},
    ],
)
def test_export_with_dates_out_of_range_exports_the_next_four_weeks(http, two_orgs, today, query):
    response = http.get(reverse("scheduling:export_csv"), query)
    assert response.status_code == 200
    assert f"roster-{today}-{today + dt.timedelta(weeks=4)}.csv" in response["Content-Disposition"]


# --- the start form ------------------------------------------------------------------------


@pytest.mark.parametrize("start", ["9999-12-27", "0001-01-01", "2000-01-03"])
def test_start_date_far_from_today_is_a_field_error(http, manager_a, start):
    response = http.post(
        reverse("scheduling:home"), {"start_date": start, "weeks": 8, "time_limit": 5}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()["start_date"]
    assert [e.code for e in errors] == ["out_of_window"]
    assert "within 5 years of today" in errors[0].message


# --- CSV cells a spreadsheet would run -------------------------------------------------------


def _export_rows(http, today: dt.date) -> list[dict]:
    response = http.get(
        reverse("scheduling:export_csv"),
        {"start": today.isoformat(), "end": (today + dt.timedelta(days=7)).isoformat()},
    )
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_a_guard_named_like_a_formula_is_exported_as_text(http, two_orgs, today):
    a = two_orgs["alpha"]
    guard = EmployeeFactory(
        org=a["org"], first_name='=HYPERLINK("x")', last_name="Ndlovu", employee_number="@SUM(1)"
    )
    ShiftFactory(org=a["org"], site=a["site"], employee=guard)
    (row,) = [r for r in _export_rows(http, today) if "HYPERLINK" in r["guard"]]
    assert row["guard"] == '\'=HYPERLINK("x") Ndlovu'
    assert row["employee number"] == "'@SUM(1)"
    assert row["status"] == "published"


@pytest.mark.parametrize("name", ["+1+1", "-2+3", "\tTab", "\rReturn", "@cmd", "=1"])
def test_every_formula_prefix_is_neutralised_in_every_column(http, two_orgs, today, name):
    a = two_orgs["alpha"]
    with use_org(a["org"]):
        a["client"].client_name = name
        a["client"].save()
        a["site"].name = f"{name} site"
        a["site"].save()
    post = PostFactory(org=a["org"], site=a["site"], name=f"{name} post")
    ShiftFactory(org=a["org"], site=a["site"], post=post)
    (row,) = _export_rows(http, today)
    assert row["client"] == f"'{name}"
    assert row["site"] == f"'{name} site"
    assert row["post"] == f"'{name} post"


def test_ordinary_cells_are_exported_unchanged(http, two_orgs, today):
    a = two_orgs["alpha"]
    guard = EmployeeFactory(org=a["org"], first_name="Thandi", last_name="Dlamini-Khumalo")
    shift = ShiftFactory(org=a["org"], site=a["site"], employee=guard)
    (row,) = _export_rows(http, today)
    assert row["guard"] == "Thandi Dlamini-Khumalo"
    assert row["client"] == a["client"].client_name
    local_start = timezone.localtime(shift.start, zoneinfo.ZoneInfo(a["org"].timezone))
    assert row["date"] == f"{local_start:%Y-%m-%d}"
