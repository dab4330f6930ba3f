"""The invoice calculation, figures computed by hand.

December 2029, Africa/Johannesburg (UTC+2, no daylight saving), South Africa's calendar:
16 Dec is the Day of Reconciliation on a Sunday, so Monday 17 Dec is a public holiday too
(observed); 25 and 26 Dec are holidays; 31 Dec is not; 1 Jan 2030 is.

Rates of the client "Tshwane Metro" (tests/billing/conftest.py `december`):
- the client's: 100.00/h, Sunday ×1.50, public holiday ×2.00 (site "A Depot" has no rate);
- site "B Yard": 120.00/h, Sunday ×1.50, public holiday ×2.50 (overrides the client's);
- post "Gate" at B Yard: 99.90/h (overrides the site's).

A Depot, at the client's 100.00:
- Fri 30 Nov 18:00 - Sat 1 Dec 06:00: only Dec's part, 00:00-06:00 Sat = 6 h ordinary
- Tue 4 Dec 08:00-16:30 = 8.5 h ordinary
- Sun 9 Dec 06:00-18:00 = 12 h Sunday
- Sat 15 Dec 18:00 - Sun 16 Dec 06:00 (into the holiday): 6 h ordinary (Sat) + 6 h public
  holiday (Sun 16 is a holiday: the holiday multiplier, not Sunday's)
- Mon 17 Dec 06:00-18:00 (observed holiday) = 12 h public holiday
  ordinary 6 + 8.5 + 6 = 20.5 h x 100.00 = 2050.00
  Sunday 12 h x 100.00 x 1.50 = 1800.00
  public holiday 6 + 12 = 18 h x 100.00 x 2.00 = 3600.00
  A Depot = 7450.00
B Yard:
- Wed 5 Dec 08:00-09:01 at the Gate post = 61 min x 99.90 / 60 = 101.565 -> 101.57 (half up;
  half-even would give 101.56); shown as 1.02 h
- Tue 25 Dec 07:00-15:00 = 8 h public holiday x 120.00 x 2.50 = 2400.00
- Mon 31 Dec 18:00 - Tue 1 Jan 06:00: December's part 18:00-24:00 = 6 h ordinary x 120.00
  = 720.00 (January's 6 h are January's: 6 x 120.00 x 2.50 = 1800.00, New Year's Day)
  B Yard = 101.57 + 2400.00 + 720.00 = 3221.57
Subtotal 7450.00 + 3221.57 = 10671.57; VAT 15 % = 1600.7355 -> 1600.74; total 12272.31.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from billing.invoices import Rate, Worked, invoice_for, month_bounds, price_month, rate_for
from payroll.hours import DayKind, holiday_dates
from rostracore.tenancy.context import use_org
from tests.billing.conftest import JOHANNESBURG, local
from tests.factories import EmployeeFactory, ShiftFactory

D = Decimal
ZA_2029 = holiday_dates(country="ZA", subdivision=None, years=[2029])
CLIENT_RATE = Rate(D("100.00"), D("1.50"), D("2.00"))
YARD_RATE = Rate(D("120.00"), D("1.50"), D("2.50"))
GATE_RATE = Rate(D("99.90"), D("1.50"), D("2.00"))
DEPOT, YARD, GATE = 1, 2, 7
RATES = {(None, None): CLIENT_RATE, (YARD, None): YARD_RATE, (YARD, GATE): GATE_RATE}


def _lines(bill) -> list[tuple]:
    return [(line.kind, line.hours, line.amount) for line in bill.lines]


def test_the_holiday_calendar_has_16_and_17_december_2029():
    assert dt.date(2029, 12, 16) in ZA_2029 and dt.date(2029, 12, 17) in ZA_2029
    assert dt.date(2029, 12, 31) not in ZA_2029


def test_most_specific_rate_wins():
    assert rate_for(RATES, YARD, GATE) is GATE_RATE
    assert rate_for(RATES, YARD, 99) is YARD_RATE  # another post of the yard
    assert rate_for(RATES, YARD, None) is YARD_RATE
    assert rate_for(RATES, DEPOT, None) is CLIENT_RATE
    assert rate_for({(YARD, None): YARD_RATE}, DEPOT, None) is None


def test_month_bounds_are_local_midnights():
    start, end = month_bounds(dt.date(2029, 12, 1), JOHANNESBURG)
    assert start == dt.datetime(2029, 11, 30, 22, tzinfo=dt.UTC)
    assert end == dt.datetime(2029, 12, 31, 22, tzinfo=dt.UTC)


def test_december_2029_by_hand():
    worked = [
        Worked(DEPOT, None, local("2029-11-30", "18:00"), local("2029-12-01", "06:00")),
        Worked(DEPOT, None, local("2029-12-04", "08:00"), local("2029-12-04", "16:30")),
        Worked(DEPOT, None, local("2029-12-09", "06:00"), local("2029-12-09", "18:00")),
        Worked(DEPOT, None, local("2029-12-15", "18:00"), local("2029-12-16", "06:00")),
        Worked(DEPOT, None, local("2029-12-17", "06:00"), local("2029-12-17", "18:00")),
        Worked(YARD, GATE, local("2029-12-05", "08:00"), local("2029-12-05", "09:01")),
        Worked(YARD, None, local("2029-12-25", "07:00"), local("2029-12-25", "15:00")),
        Worked(YARD, None, local("2029-12-31", "18:00"), local("2030-01-01", "06:00")),
    ]
    depot, yard = price_month(
        worked=worked,
        rates=RATES,
        site_names={DEPOT: "A Depot", YARD: "B Yard"},
        month=dt.date(2029, 12, 1),
        tz=JOHANNESBURG,
        holidays=ZA_2029,
    )
    assert _lines(depot) == [
        (DayKind.ORDINARY, D("20.50"), D("2050.00")),
        (DayKind.SUNDAY, D("12.00"), D("1800.00")),
        (DayKind.PUBLIC_HOLIDAY, D("18.00"), D("3600.00")),
    ]
    assert depot.amount == D("7450.00")
    # Lines by rate, highest first: the yard's 120.00, then the gate's 99.90.
    assert _lines(yard) == [
        (DayKind.ORDINARY, D("6.00"), D("720.00")),
        (DayKind.PUBLIC_HOLIDAY, D("8.00"), D("2400.00")),
        (DayKind.ORDINARY, D("1.02"), D("101.57")),
    ]
    assert yard.amount == D("3221.57")


def test_a_night_shift_into_a_public_holiday_on_a_sunday_is_holiday_time():
    """Sat 15 Dec 2029 22:00 - Sun 16 Dec 07:30: 2 h Saturday, 7.5 h holiday (not Sunday):
    2 x 100.00 = 200.00; 7.5 x 100.00 x 2.00 = 1500.00."""
    (bill,) = price_month(
        worked=[Worked(DEPOT, None, local("2029-12-15", "22:00"), local("2029-12-16", "07:30"))],
        rates=RATES,
        site_names={DEPOT: "A Depot"},
        month=dt.date(2029, 12, 1),
        tz=JOHANNESBURG,
        holidays=ZA_2029,
    )
    assert _lines(bill) == [
        (DayKind.ORDINARY, D("2.00"), D("200.00")),
        (DayKind.PUBLIC_HOLIDAY, D("7.50"), D("1500.00")),
    ]


def test_january_gets_the_new_year_part_of_the_shift_across_the_month_end():
    """Mon 31 Dec 2029 18:00 - Tue 1 Jan 2030 06:00 at B Yard: January's 6 h on New Year's
    Day = 6 x 120.00 x 2.50 = 1800.00."""
    (bill,) = price_month(
        worked=[Worked(YARD, None, local("2029-12-31", "18:00"), local("2030-01-01", "06:00"))],
        rates=RATES,
        site_names={YARD: "B Yard"},
        month=dt.date(2030, 1, 1),
        tz=JOHANNESBURG,
        holidays=holiday_dates(country="ZA", subdivision=None, years=[2030]),
    )
    assert _lines(bill) == [(DayKind.PUBLIC_HOLIDAY, D("6.00"), D("1800.00"))]


def test_a_shift_across_the_clocks_going_forward_bills_the_hours_worked():
    """Europe/London, March 2030: clocks go forward Sun 31 Mar 01:00 GMT -> 02:00 BST.
    Sat 30 Mar 22:00 - Sun 31 Mar 06:00 local is 7 real hours: 2 h Saturday, 5 h Sunday.
    Sun 31 Mar 22:00 BST - Mon 1 Apr 06:00: March's part is 2 h Sunday (the month ends at
    local midnight, 23:00 UTC). Ordinary 2 x 100.00 = 200.00; Sunday 7 x 150.00 = 1050.00."""
    london = ZoneInfo("Europe/London")
    (bill,) = price_month(
        worked=[
            Worked(
                DEPOT,
                None,
                local("2030-03-30", "22:00", london),
                local("2030-03-31", "06:00", london),
            ),
            Worked(
                DEPOT,
                None,
                local("2030-03-31", "22:00", london),
                local("2030-04-01", "06:00", london),
            ),
        ],
        rates=RATES,
        site_names={DEPOT: "A Depot"},
        month=dt.date(2030, 3, 1),
        tz=london,
        holidays={},
    )
    assert _lines(bill) == [
        (DayKind.ORDINARY, D("2.00"), D("200.00")),
        (DayKind.SUNDAY, D("7.00"), D("1050.00")),
    ]


def test_time_without_a_rate_is_listed_at_zero():
    (bill,) = price_month(
        worked=[Worked(DEPOT, None, local("2029-12-04", "08:00"), local("2029-12-04", "10:00"))],
        rates={(YARD, None): YARD_RATE},
        site_names={DEPOT: "A Depot"},
        month=dt.date(2029, 12, 1),
        tz=JOHANNESBURG,
        holidays=ZA_2029,
    )
    (line,) = bill.lines
    assert line.rate is None and line.hours == D("2.00") and line.amount == D("0.00")


def test_invoice_for_reads_the_published_roster_in_a_fixed_number_of_queries(
    org_a, december, django_assert_num_queries
):
    with use_org(org_a):
        with django_assert_num_queries(4):  # sites, the pay schedule, rates, the intervals
            invoice = invoice_for(client=december["client"], month=dt.date(2029, 12, 1))
        assert [(s.name, s.amount) for s in invoice.sites] == [
            ("A Depot", D("7450.00")),
            ("B Yard", D("3221.57")),
        ]
        assert invoice.subtotal == D("10671.57")
        assert invoice.vat == D("1600.74")
        assert invoice.total == D("12272.31")
        assert invoice.currency == "ZAR"

        # Twenty more shifts cost no query more.
        other_guard = EmployeeFactory(org=org_a)
        for day in range(1, 21):
            start = local(f"2029-12-{day:02d}", "20:00")
            ShiftFactory(
                org=org_a,
                site=december["depot"],
                start=start,
                end=start + dt.timedelta(hours=1),
                employee=other_guard,
            )
        with django_assert_num_queries(4):
            invoice_for(client=december["client"], month=dt.date(2029, 12, 1))


def test_invoice_for_january_bills_the_rest_of_the_new_year_night(org_a, december):
    with use_org(org_a):
        invoice = invoice_for(client=december["client"], month=dt.date(2030, 1, 1))
    assert [(s.name, s.amount) for s in invoice.sites] == [("B Yard", D("1800.00"))]
    assert invoice.total == D("2070.00")  # 1800.00 + 15 % VAT 270.00


@pytest.mark.parametrize("month", [dt.date(2029, 12, 1)])
def test_another_organizations_shifts_never_reach_an_invoice(org_a, org_b, december, month):
    from tests.billing.conftest import rate
    from tests.factories import ClientFactory, SiteFactory

    other = ClientFactory(org=org_b, client_name="Bravo client")
    site = SiteFactory(org=org_b, client=other)
    rate(org_b, other, "500.00")
    ShiftFactory(
        org=org_b,
        site=site,
        start=local("2029-12-04", "08:00"),
        employee=EmployeeFactory(org=org_b),
    )
    with use_org(org_a):
        invoice = invoice_for(client=december["client"], month=month)
    assert invoice.subtotal == D("10671.57")
    with use_org(org_b):
        theirs = invoice_for(client=other, month=month)
    assert theirs.subtotal == D("6000.00")  # 12 h x 500.00


def test_invoice_bills_attended_time_when_the_pay_schedule_says_so(org_a, december):
    """Attended, not rostered: the yard's Christmas shift 07:00-15:00 attended 07:12-15:00
    = 7.8 h x 120.00 x 2.50 = 2340.00; the depot's observed-holiday shift (17 Dec, 06:00-18:00)
    attended 06:00-17:30 = 11.5 h x 100.00 x 2.00 = 2300.00. A clock-in without a clock-out
    bills nothing (the 9 Dec shift), nor do shifts nobody clocked in on. Subtotal 4640.00,
    VAT 696.00, total 5336.00."""
    from attendance.models import Attendance
    from payroll.models import PaySchedule
    from scheduling.models import Shift

    with use_org(org_a):
        PaySchedule.objects.create(billing_source=PaySchedule.Source.ATTENDANCE)
        shifts = {timezone.localtime(s.start, JOHANNESBURG).date(): s for s in Shift.objects.all()}
        attended = [
            (dt.date(2029, 12, 25), local("2029-12-25", "07:12"), local("2029-12-25", "15:00")),
            (dt.date(2029, 12, 17), local("2029-12-17", "06:00"), local("2029-12-17", "17:30")),
            (dt.date(2029, 12, 9), local("2029-12-09", "06:05"), None),
        ]
        for day, clock_in, clock_out in attended:
            shift = shifts[day]
            Attendance.objects.create(
                shift=shift,
                employee_id=shift.published_employee_id,
                clock_in_at=clock_in,
                clock_in_source=Attendance.Source.MANAGER,
                clock_out_at=clock_out,
                clock_out_source=Attendance.Source.MANAGER if clock_out else "",
            )
        invoice = invoice_for(client=december["client"], month=dt.date(2029, 12, 1))
    assert invoice.source == "attendance"
    assert [(s.name, _lines(s)) for s in invoice.sites] == [
        ("A Depot", [(DayKind.PUBLIC_HOLIDAY, D("11.50"), D("2300.00"))]),
        ("B Yard", [(DayKind.PUBLIC_HOLIDAY, D("7.80"), D("2340.00"))]),
    ]
    assert (invoice.subtotal, invoice.vat, invoice.total) == (
        D("4640.00"),
        D("696.00"),
        D("5336.00"),
    )


def test_invoice_uses_the_pay_schedules_holiday_calendar(org_a, december):
    """With Great Britain's calendar 16 and 17 Dec 2029 are a plain Sunday and Monday. A Depot:
    ordinary Sat 1 Dec 6 h + Tue 4 Dec 8.5 h + Sat 15 Dec 6 h + Mon 17 Dec 12 h = 32.5 h x
    100.00 = 3250.00; Sunday 9 Dec 12 h + Sun 16 Dec 6 h = 18 h x 150.00 = 2700.00; 5950.00."""
    from payroll.models import PaySchedule

    with use_org(org_a):
        PaySchedule.objects.create(holiday_country="GB")
        invoice = invoice_for(client=december["client"], month=dt.date(2029, 12, 1))
    depot = invoice.sites[0]
    assert _lines(depot) == [
        (DayKind.ORDINARY, D("32.50"), D("3250.00")),
        (DayKind.SUNDAY, D("18.00"), D("2700.00")),
    ]
    assert depot.amount == D("5950.00")
