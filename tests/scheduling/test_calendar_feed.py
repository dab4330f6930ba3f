"""A guard's calendar feed (scheduling:guard_ical), the one page without a login.

Calendar apps cannot log in, so the link is the credential: the organization's id and the
guard's random secret, stored on the guard. The manager can replace it ("New calendar
link"), deactivating the guard replaces it too, and either way the old link answers the
same 404 as a link that never existed. The feed itself must be RFC 5545 that a calendar
app parses: CRLF line ends, long lines folded at 75 octets, text escaped.
"""

import datetime as dt
import re
import secrets
import urllib.request
from urllib.parse import quote

import icalendar
import pytest
from django.core import signing
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse

from employees import services
from employees.models import Employee
from rostracore.tenancy.context import use_org
from scheduling.views import guard_feed_token
from tests.factories import EmployeeFactory, PostFactory, ShiftFactory, SiteFactory

CANARY = "CANARYB"
SECRET = re.compile(r"[A-Za-z0-9_-]{43}")
ROTATED = "The old calendar link no longer works."


@pytest.fixture
def client_a(client, manager_a):
    client.force_login(manager_a)
    return client


def _feed(guard: Employee) -> str:
    return reverse("scheduling:guard_ical", kwargs={"token": guard_feed_token(guard)})


def _raw(token: str) -> str:
    """The feed path for any token, however malformed (reverse() would refuse some)."""
    return f"/scheduling/calendar/{quote(token, safe='')}.ics"


def _reloaded(guard: Employee) -> Employee:
    with use_org(guard.org):
        guard.refresh_from_db()
    return guard


def _calendar(response) -> icalendar.Calendar:
    assert response.status_code == 200, response.content[:200]
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def _uids(response) -> set[str]:
    return {str(event["UID"]) for event in _calendar(response).walk("VEVENT")}


def _uid(shift) -> str:
    return f"shift-{shift.pk}@rostracore"


def _soon(days: float = 2) -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0) + dt.timedelta(
        days=days
    )


# --- What the feed contains -------------------------------------------------------------


def test_feed_lists_the_guards_published_shifts_30_days_back_to_90_ahead(client, two_orgs):
    a = two_orgs["alpha"]
    guard, site = a["dedicated"], a["site"]
    post = PostFactory(org=a["org"], site=site, name="Main gate")
    with_post = ShiftFactory(org=a["org"], site=site, post=post, employee=guard, start=_soon())
    past = ShiftFactory(org=a["org"], site=site, employee=guard, start=_soon(-29))
    ShiftFactory(org=a["org"], site=site, employee=guard, start=_soon(-31))  # too old
    ShiftFactory(org=a["org"], site=site, employee=guard, start=_soon(91))  # too far ahead
    ShiftFactory(org=a["org"], site=site, start=_soon(3))  # open
    ShiftFactory(org=a["org"], site=site, employee=a["flex"], start=_soon(3))  # a colleague's

    response = client.get(_feed(guard))

    calendar = _calendar(response)
    assert str(calendar["X-WR-CALNAME"]) == f"{guard.full_name} shifts"
    events = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    assert set(events) == {_uid(with_post), _uid(past)}
    event = events[_uid(with_post)]
    assert str(event["SUMMARY"]) == "Alpha Site · Main gate"
    assert str(events[_uid(past)]["SUMMARY"]) == "Alpha Site"
    assert str(event["LOCATION"]) == site.address
    assert event.decoded("DTSTART") == with_post.start
    assert event.decoded("DTEND") == with_post.end
    assert event.decoded("DTSTART").utcoffset() == dt.timedelta(0)
    assert event.decoded("DTSTAMP") <= dt.datetime.now(dt.UTC)
    body = response.content.decode()
    assert f"DTSTART:{with_post.start:%Y%m%dT%H%M%SZ}\r\n" in body


def test_feed_headers_let_calendar_apps_cache_it_privately(client, two_orgs):
    response = client.get(_feed(two_orgs["alpha"]["dedicated"]))
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "max-age=300" in response["Cache-Control"]
    assert response["Content-Disposition"] == 'inline; filename="shifts.ics"'


def test_feed_has_crlf_line_ends_and_folds_long_lines(client, two_orgs):
    a = two_orgs["alpha"]
    address = ("Unit 4, Kwa-Thema Industrial Park, Long Road, Springs, Gauteng · " * 4)[:200]
    site = SiteFactory(org=a["org"], client=a["client"], name="Long Address", address=address)
    ShiftFactory(org=a["org"], site=site, employee=a["dedicated"], start=_soon())

    response = client.get(_feed(a["dedicated"]))

    body = response.content
    assert body.endswith(b"\r\n")
    lines = body.split(b"\r\n")[:-1]
    assert b"\n" not in body.replace(b"\r\n", b"") and b"\r" not in body.replace(b"\r\n", b"")
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # a continuation: it was folded
    [event] = _calendar(response).walk("VEVENT")
    assert str(event["LOCATION"]) == address


def test_special_characters_round_trip_through_escaping(client, two_orgs):
    a = two_orgs["alpha"]
    name = 'Gate; North, "A"\nB'
    site = SiteFactory(org=a["org"], client=a["client"], name=name, address="")
    ShiftFactory(org=a["org"], site=site, employee=a["dedicated"], start=_soon())

    response = client.get(_feed(a["dedicated"]))

    assert b'SUMMARY:Gate\\; North\\, "A"\\nB\r\n' in response.content
    [event] = _calendar(response).walk("VEVENT")
    assert str(event["SUMMARY"]) == name
    assert str(event["LOCATION"]) == name  # no address: the site's name


# --- Whose shifts: one guard, one organization ------------------------------------------


def test_a_guards_link_never_shows_another_guards_shifts(client, two_orgs):
    a = two_orgs["alpha"]
    first, second = a["dedicated"], a["flex"]
    mine = ShiftFactory(org=a["org"], site=a["site"], employee=first, start=_soon())
    theirs = ShiftFactory(org=a["org"], site=a["site"], employee=second, start=_soon())

    assert _uids(client.get(_feed(first))) == {_uid(mine)}
    assert _uids(client.get(_feed(second))) == {_uid(theirs)}


def test_other_orgs_secret_under_own_org_id_is_404_and_feeds_stay_in_their_org(client, two_orgs):
    a, b = two_orgs["alpha"], two_orgs["bravo"]
    a_shift = ShiftFactory(org=a["org"], site=a["site"], employee=a["dedicated"], start=_soon())
    b_shift = ShiftFactory(org=b["org"], site=b["site"], employee=b["dedicated"], start=_soon())
    b_secret = b["dedicated"].calendar_secret

    crossed = client.get(_raw(f"{a['org'].pk}-{b_secret}"))
    missing = client.get(_raw(f"{a['org'].pk}-{secrets.token_urlsafe(32)}"))
    assert crossed.status_code == missing.status_code == 404
    assert crossed.content == missing.content
    own = client.get(_feed(a["dedicated"]))
    assert _uids(own) == {_uid(a_shift)}
    assert CANARY.encode() not in own.content
    # Control: B's own link works, so the 404 above is about the organization.
    assert _uids(client.get(_feed(b["dedicated"]))) == {_uid(b_shift)}


def test_wrong_org_wrong_secret_and_inactive_guard_get_the_same_404(client, two_orgs):
    a = two_orgs["alpha"]
    guard, colleague = a["dedicated"], a["flex"]
    # Deactivated without the service (so the secret stays): the view itself refuses.
    with use_org(a["org"]):
        Employee.objects.filter(pk=colleague.pk).update(is_active=False)
    answers = [
        client.get(_raw(f"{10**9}-{guard.calendar_secret}")),  # no such organization
        client.get(_raw(f"{a['org'].pk}-{secrets.token_urlsafe(32)}")),  # no such secret
        client.get(_feed(colleague)),  # an inactive guard
    ]
    assert [r.status_code for r in answers] == [404, 404, 404]
    assert answers[0].content == answers[1].content == answers[2].content
    assert client.get(_feed(guard)).status_code == 200  # control


def test_malformed_links_are_404(client, two_orgs):
    guard = two_orgs["alpha"]["dedicated"]
    org, secret = guard.org_id, guard.calendar_secret
    nothing = client.get(_raw(f"{org}-{secrets.token_urlsafe(32)}"))
    for token in [
        "",
        "x",
        f"{org}",
        f"{org}-",
        f"-{secret}",
        f"0{org}-{secret}",  # leading zero
        f"+{org}-{secret}",
        f" {org}-{secret}",
        f"{org}_{secret}",
        "".join(chr(0x0660 + int(d)) for d in str(org)) + f"-{secret}",  # Arabic-Indic digits
        f"{org}-{secret}x",
        f"{org}-{secret[:-1]}",
        f"{org}-{secret[:-1]}=",
        f"{org}-{secret[:-1]}\u00e9",
        f"{org}-{secret}\n",
        f"{10**40}-{secret}",
        # Yesterday's signed links (derived from SECRET_KEY) no longer open anything.
        signing.dumps({"o": org, "e": guard.pk}, salt="scheduling.ical-feed", compress=True),
    ]:
        response = client.get(_raw(token))
        assert response.status_code == 404, token
        assert response.content == nothing.content, token


# --- Revoking: a new link, deactivation -------------------------------------------------


def test_each_guard_has_an_own_random_secret(two_orgs):
    guards = [two_orgs[slug][role] for slug in ("alpha", "bravo") for role in ("dedicated", "flex")]
    secrets_ = [guard.calendar_secret for guard in guards]
    assert all(SECRET.fullmatch(secret) for secret in secrets_)
    assert len(set(secrets_)) == len(secrets_)


def test_a_guard_inserted_outside_the_orm_gets_a_secret_from_the_database(org_a):
    """The previous release (which knows no secret) keeps inserting guards while a deploy
    migrates; the column's database default gives each its own."""
    with use_org(org_a), connection.cursor() as cursor:
        for number in ("RAW-1", "RAW-2"):
            cursor.execute(
                "INSERT INTO employees (org_id, first_name, last_name, employee_number, "
                "psira_number, psira_grade, phone, email, is_active) "
                "VALUES (%s, 'Raw', 'Insert', %s, '', 'E', '', '', true)",
                [org_a.pk, number],
            )
        raw = list(
            Employee.objects.filter(employee_number__startswith="RAW-").values_list(
                "calendar_secret", flat=True
            )
        )
    assert len(raw) == 2 and all(SECRET.fullmatch(secret) for secret in raw)
    assert raw[0] != raw[1]


def test_rotating_gives_a_new_secret(two_orgs):
    guard = two_orgs["alpha"]["dedicated"]
    old = guard.calendar_secret
    with use_org(guard.org):
        services.rotate_calendar_secret(employee=guard)
    assert _reloaded(guard).calendar_secret != old
    assert SECRET.fullmatch(guard.calendar_secret)


def test_deactivating_rotates_and_reactivating_does_not_bring_the_old_link_back(client, two_orgs):
    guard = two_orgs["alpha"]["dedicated"]
    old_link = _feed(guard)
    with use_org(guard.org):
        services.set_active(employee=guard, active=False)
        services.set_active(employee=guard, active=True)
    assert client.get(old_link).status_code == 404
    assert client.get(_feed(_reloaded(guard))).status_code == 200


def test_manager_rotates_the_link_from_the_guard_page(client_a, two_orgs):
    guard = two_orgs["alpha"]["dedicated"]
    old_link = _feed(guard)
    rotate = reverse("employees:rotate_calendar", kwargs={"pk": guard.pk})
    page = client_a.get(guard.get_absolute_url()).content.decode()
    assert f"http://testserver{old_link}" in page
    assert f'action="{rotate}"' in page

    response = client_a.post(rotate, follow=True)

    assert response.redirect_chain == [(guard.get_absolute_url(), 302)]
    assert ROTATED in response.content.decode()
    new_link = _feed(_reloaded(guard))
    assert new_link != old_link and f"http://testserver{new_link}" in response.content.decode()
    assert client_a.get(old_link).status_code == 404
    assert client_a.get(new_link).status_code == 200


def test_rotating_needs_a_post_and_a_login(client, client_a, two_orgs):
    guard = two_orgs["alpha"]["dedicated"]
    old = guard.calendar_secret
    rotate = reverse("employees:rotate_calendar", kwargs={"pk": guard.pk})
    assert client_a.get(rotate).status_code == 405
    client_a.logout()
    anonymous = client_a.post(rotate)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    assert _reloaded(guard).calendar_secret == old


def test_rotating_without_csrf_token_is_refused(manager_a, two_orgs):
    guard = two_orgs["alpha"]["dedicated"]
    old = guard.calendar_secret
    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(manager_a)
    response = browser.post(reverse("employees:rotate_calendar", kwargs={"pk": guard.pk}))
    assert response.status_code == 403
    assert _reloaded(guard).calendar_secret == old


def test_manager_cannot_rotate_other_orgs_guard(client_a, two_orgs):
    b_guard = two_orgs["bravo"]["dedicated"]
    old = b_guard.calendar_secret
    other = client_a.post(reverse("employees:rotate_calendar", kwargs={"pk": b_guard.pk}))
    missing = client_a.post(reverse("employees:rotate_calendar", kwargs={"pk": 10**9}))
    assert other.status_code == missing.status_code == 404
    assert other.content == missing.content
    assert _reloaded(b_guard).calendar_secret == old
    assert client_a.get(_feed(b_guard)).status_code == 200  # B's link still works


def test_deactivating_a_guard_from_the_page_revokes_the_link(client_a, two_orgs):
    guard = two_orgs["alpha"]["dedicated"]
    old_link = _feed(guard)
    assert client_a.get(old_link).status_code == 200

    client_a.post(reverse("employees:deactivate", kwargs={"pk": guard.pk}))
    assert client_a.get(old_link).status_code == 404
    assert client_a.get(_feed(_reloaded(guard))).status_code == 404  # inactive: no feed

    client_a.post(reverse("employees:reactivate", kwargs={"pk": guard.pk}))
    assert client_a.get(old_link).status_code == 404
    assert client_a.get(_feed(_reloaded(guard))).status_code == 200


# --- Subscribing the way a calendar app does --------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_calendar_app_subscribes_over_http(live_server, org_a):
    guard = EmployeeFactory(org=org_a, first_name="Thabo", last_name="Mokoena")
    site = SiteFactory(org=org_a, name="Eastgate Mall", address="43 Bradford Rd, Bedfordview")
    shift = ShiftFactory(org=org_a, site=site, employee=guard, start=_soon())
    url = live_server.url + _feed(guard)
    headers = {"User-Agent": "Calendar/1.0 (subscription)", "Accept": "text/calendar"}

    with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as first:
        assert first.status == 200
        assert first.headers["Content-Type"] == "text/calendar; charset=utf-8"
        body = first.read()
    # The app polls again later, conditionally; the feed answers in full.
    again = urllib.request.Request(
        url,
        headers={**headers, "If-None-Match": '"stale"', "If-Modified-Since": first.headers["Date"]},
    )
    with urllib.request.urlopen(again) as second:
        assert second.status == 200
        assert second.headers["Content-Type"] == "text/calendar; charset=utf-8"
        repeat = second.read()

    for content in (body, repeat):
        [event] = icalendar.Calendar.from_ical(content).walk("VEVENT")
        assert str(event["UID"]) == _uid(shift)
        assert str(event["SUMMARY"]) == "Eastgate Mall"
        assert str(event["LOCATION"]) == "43 Bradford Rd, Bedfordview"
