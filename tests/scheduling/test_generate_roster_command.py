import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from rostracore.tenancy.context import all_organizations
from scheduling.models import RosterRun, Shift
from tests.factories import EmployeeFactory, PostFactory, ShiftPatternFactory

# Rosters solved through the app are bounded by work, not seconds
# (tests/scheduling/conftest.py).
pytestmark = pytest.mark.usefixtures("solver_bounded_by_work")


def test_generate_roster_prints_progress_and_a_summary_and_can_publish(org_a, org_b):
    post = PostFactory(org=org_a)
    ShiftPatternFactory(org=org_a, post=post, name="Day")
    ShiftPatternFactory(
        org=org_a, post=post, name="Night", start_time=dt.time(18), end_time=dt.time(6)
    )
    for _ in range(4):
        EmployeeFactory(org=org_a)
    EmployeeFactory(org=org_b)
    out = StringIO()
    call_command(
        "generate_roster",
        "--org=alpha",
        "--start=2027-03-01",
        "--end=2027-03-08",
        "--time-limit=2",
        "--publish",
        stdout=out,
    )
    text = out.getvalue()
    assert "[" in text and "filled" in text and "gap" in text  # the progress bar
    assert "alpha: roster 2027-03-01..2027-03-08: 14 of 14 shifts filled, 0 open" in text
    assert "(proven minimum)" in text and "published 14 assignments." in text
    with all_organizations():
        assert RosterRun.all_orgs.get().status == RosterRun.Status.PUBLISHED
        assert Shift.all_orgs.filter(org=org_a, employee__isnull=False).count() == 14
        assert not Shift.all_orgs.filter(org=org_b).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--org=nobody"], "No organization with slug 'nobody'."),
        (["--org=alpha", "--start=2027-03-08", "--end=2027-03-01"], "--end must be after"),
        (["--org=alpha", "--start=March"], "is not a date"),
    ],
)
def test_generate_roster_refuses_bad_input_with_a_clear_sentence(org_a, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("generate_roster", *args, stdout=StringIO())
