"""The payroll pages, closing a period and its CSV: figures, two organizations, query counts."""

import csv
import datetime as dt
import io

import pytest
from django.db import DatabaseError, transaction
from django.http import StreamingHttpResponse
from django.urls import reverse

from payroll.models import PayLine, PayPeriod, PaySchedule
from payroll.services import close_pay_period
from rostracore.tenancy.context import use_org
from tests.factories import EmployeeFactory, PayScheduleFactory, UserFactory
from tests.payroll.conftest import DEC, at, worked

PERIOD = reverse("payroll:period", kwargs={"start": "2029-12-01"})
CLOSE = reverse("payroll:close", kwargs={"start": "2029-12-01"})
EXPORT = reverse("payroll:export_csv", kwargs={"start": "2029-12-01"})


def _csv(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_period_page_shows_rostered_against_attended_hours(client, manager_a, payroll_world):
    client.force_login(manager_a)
    response = client.get(PERIOD)
    assert response.status_code == 200
    text = response.content.decode()
    assert "AlphaPay AlphaGuard" in text
    # Ordinary 480 / 480 min = 8.00 / 8.00; public holiday 720 / 708 = 12.00 / 11.80;
    # night 120 / 120 = 2.00 / 2.00.
    assert "8.00 / 8.00" in text
    assert "12.00 / 11.80" in text
    assert "2.00 / 2.00" in text
    assert "CANARYB" not in text


def test_period_page_queries_do_not_grow_with_guards(
    client, manager_a, org_a, payroll_world, django_assert_max_num_queries
):
    client.force_login(manager_a)
    client.get(PERIOD)  # session, caches
    with django_assert_max_num_queries(14):
        assert client.get(PERIOD).status_code == 200
    for _ in range(30):
        guard = EmployeeFactory(org=org_a)
        worked(org_a, guard, at(3, 8), at(3, 16), clock_in=at(3, 8), clock_out=at(3, 16))
    with django_assert_max_num_queries(14):
        response = client.get(PERIOD)
    assert response.content.decode().count("8.00 / 8.00") == 31


def test_period_page_paginates_guards(client, manager_a, org_a, payroll_world):
    for n in range(55):
        worked(org_a, EmployeeFactory(org=org_a, last_name=f"Zed{n:02d}"), at(3, 8), at(3, 9))
    client.force_login(manager_a)
    first = client.get(PERIOD).content.decode()
    second = client.get(PERIOD + "?page=2").content.decode()
    assert "Page 1 of 2" in first
    # 56 guards by last name: AlphaGuard, Zed00..Zed54; page 2 has Zed49..Zed54.
    assert "Zed49" in second and "Zed48" not in second
    assert "AlphaGuard" not in second


def test_a_date_that_starts_no_period_is_a_404(client, manager_a, payroll_world):
    client.force_login(manager_a)
    for start in ("2029-12-02", "not-a-date", "2029-13-01"):
        assert client.get(reverse("payroll:period", kwargs={"start": start})).status_code == 404


def test_periods_list_marks_closed_periods(
    client, manager_a, payroll_world, django_assert_max_num_queries
):
    with use_org(manager_a.org):
        close_pay_period(user=manager_a, start_date=DEC)
    client.force_login(manager_a)
    client.get(reverse("payroll:periods"))
    with django_assert_max_num_queries(8):
        response = client.get(reverse("payroll:periods") + "?before=2030-01-15")
    text = response.content.decode()
    assert "Sat 01 Dec 2029 – Mon 31 Dec 2029" in text
    assert EXPORT in text
    assert text.count(">Open<") == 11  # twelve periods, one closed


def test_closing_snapshots_the_lines_and_the_csv(client, manager_a, org_a, payroll_world):
    client.force_login(manager_a)
    response = client.post(CLOSE, follow=True)
    assert "closed: 3 payroll lines are final" in response.content.decode()
    guard = payroll_world["alpha"]["guard"]
    # Later changes do not change the snapshot: a new shift, a renamed guard.
    worked(org_a, guard, at(21, 8), at(21, 16))
    with use_org(org_a):
        guard.first_name = "Renamed"
        guard.save()
    rows = _csv(client.get(EXPORT))
    assert rows == [
        [
            "employee_number",
            "employee_name",
            "category_code",
            "category",
            "hours",
            "rostered_hours",
            "attended_hours",
            "period_start",
            "period_end",
        ],
        # Paid from the roster (the default): hours = rostered.
        ["Alpha-7", "AlphaPay AlphaGuard", "ORD", "Ordinary", "8.00", "8.00", "8.00",
         "2029-12-01", "2029-12-31"],
        ["Alpha-7", "AlphaPay AlphaGuard", "PH", "Public holiday", "12.00", "12.00", "11.80",
         "2029-12-01", "2029-12-31"],
        ["Alpha-7", "AlphaPay AlphaGuard", "NIGHT", "Night allowance", "2.00", "2.00", "2.00",
         "2029-12-01", "2029-12-31"],
    ]  # fmt: skip
    page = client.get(PERIOD).content.decode()
    assert "these figures are final" in page and "Renamed" not in page


def test_csv_pays_attended_hours_when_the_schedule_says_so(client, manager_a, payroll_world):
    with use_org(manager_a.org):
        PaySchedule.objects.update(pay_source=PaySchedule.Source.ATTENDANCE)
    client.force_login(manager_a)
    client.post(CLOSE)
    rows = _csv(client.get(EXPORT))
    assert rows[2][2:5] == ["PH", "Public holiday", "11.80"]


def test_closing_twice_is_refused_with_a_message(client, manager_a, payroll_world):
    client.force_login(manager_a)
    client.post(CLOSE)
    response = client.post(CLOSE, follow=True)
    assert "This pay period is already closed." in response.content.decode()
    with use_org(manager_a.org):
        assert PayPeriod.objects.count() == 1
        assert PayLine.objects.count() == 3


def test_closed_lines_are_read_only_in_the_database(manager_a, payroll_world):
    with use_org(manager_a.org):
        close_pay_period(user=manager_a, start_date=DEC)
        with pytest.raises(DatabaseError, match="read-only"), transaction.atomic():
            PayLine.objects.update(rostered_minutes=1)
        assert not PayLine.objects.filter(rostered_minutes=1).exists()


def test_open_period_has_no_csv(client, manager_a, payroll_world):
    client.force_login(manager_a)
    assert client.get(EXPORT).status_code == 404


def test_org_a_sees_nothing_of_org_bs_closed_period(client, manager_a, manager_b, payroll_world):
    # B closes December; A's December is still open: A's export is a 404, A's page open.
    with use_org(manager_b.org):
        close_pay_period(user=manager_b, start_date=DEC)
    client.force_login(manager_a)
    assert client.get(EXPORT).status_code == 404
    page = client.get(PERIOD).content.decode()
    assert "Close this period" in page and "CANARYB" not in page
    # A closes its own: only A's guard in the lines and the CSV.
    client.post(CLOSE)
    rows = _csv(client.get(EXPORT))
    assert {row[0] for row in rows[1:]} == {"Alpha-7"}
    assert "CANARYB" not in str(rows)


def test_csv_cells_cannot_be_formulas(client, manager_a, org_a, payroll_world):
    guard = EmployeeFactory(
        org=org_a, first_name="=HYPERLINK(1)", last_name="+X", employee_number="-1"
    )
    worked(org_a, guard, at(4, 8), at(4, 9))
    client.force_login(manager_a)
    client.post(CLOSE)
    rows = _csv(client.get(EXPORT))
    row = next(r for r in rows if "HYPERLINK" in r[1])
    assert row[0] == "'-1" and row[1] == "'=HYPERLINK(1) +X"


def test_guard_cannot_open_payroll(client, org_a, payroll_world):
    guard = UserFactory(org=org_a, role="guard", username="g@alpha.example")
    client.force_login(guard)
    for url in (reverse("payroll:periods"), PERIOD, EXPORT, reverse("payroll:settings")):
        assert client.get(url).status_code == 403


# --- the pay schedule page ----------------------------------------------------------------


def _schedule_form(**extra) -> dict:
    return {
        "frequency": "weekly",
        "first_period_start": "2029-12-03",
        "week_starts_on": "0",
        "holiday_country": "za",
        "holiday_subdivision": "",
        "pay_source": "attendance",
        "billing_source": "roster",
        **extra,
    }


def test_manager_saves_the_pay_schedule(client, manager_a, org_a, org_b):
    PayScheduleFactory(org=org_b)
    client.force_login(manager_a)
    assert client.get(reverse("payroll:settings")).status_code == 200
    response = client.post(reverse("payroll:settings"), _schedule_form())
    assert response.status_code == 302
    with use_org(org_a):
        schedule = PaySchedule.objects.get()
        assert (schedule.frequency, schedule.holiday_country) == ("weekly", "ZA")
        assert schedule.period_of(dt.date(2029, 12, 12)) == (
            dt.date(2029, 12, 10),
            dt.date(2029, 12, 17),
        )
    with use_org(org_b):
        assert PaySchedule.objects.get().frequency == "monthly"


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"holiday_country": "XX"}, "holiday_country", "XX is not a country"),
        ({"holiday_subdivision": "ZZZ"}, "holiday_subdivision", "ZZZ is not a subdivision"),
        (
            {"frequency": "monthly", "first_period_start": "2029-12-29"},
            "first_period_start",
            "day 1 to 28",
        ),
        ({"first_period_start": "soon"}, "first_period_start", "Enter a valid date"),
    ],
)
def test_bad_pay_schedule_is_a_field_message(client, manager_a, org_a, extra, field, message):
    client.force_login(manager_a)
    response = client.post(reverse("payroll:settings"), _schedule_form(**extra))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    with use_org(org_a):
        assert not PaySchedule.objects.exists()
