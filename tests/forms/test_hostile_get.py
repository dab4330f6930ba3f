"""Hypothesis-generated hostile query strings for every manager page (issue 11).

Each page is requested by org A's manager (logged in; the middleware sets the organization)
with its own parameters set to plausible values, org B's and missing ids, extreme and
malformed dates (0001-01-01, 9999-12-31, 10000-01-01), digits of other scripts ("²", "٣"),
huge and negative numbers, NUL, long strings and several values for one parameter, plus
parameters the page does not know. Asserted for every example: no response >= 500 (the test
client re-raises a view's exception, which counts as one), and org B's canary not shown
unless the query itself carried it (a search box shows its term).
The world is committed and shared with the crawl (tests/crawl/world.py); GETs write nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from clients.models import Client, Site
from employees.models import Employee
from scheduling.models import RosterRun
from tests.crawl.world import CANARY, MISSING_ID, World, contains_canary
from tests.forms.test_hostile_input import JUNK_TEXT, NUL
from tests.tallies import tally

EXAMPLES = 25
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no .hypothesis/ folder in the shared working tree
    suppress_health_check=[HealthCheck.too_slow],
)
# For the terminal summary (tests/forms/conftest.py): views and (view, parameter) pairs
# fuzzed, examples sent, and responses >= 500 (a view's exception included).
GET_FUZZ: Counter = tally("GET fuzzing")
GET_FUZZ.update({"responses >= 500": 0})  # printed as 0, not left out
FUZZED = {
    "views": tally("GET fuzzing, views (distinct)"),
    "parameters": tally("GET fuzzing, parameters (distinct)"),
}

HOSTILE_NUMBERS = [
    "²",
    "٣",
    "٣٤",
    "１",  # fullwidth 1
    "0",
    "-1",
    "+1",
    " 1",
    "1.5",
    "1e3",
    "0x10",
    "1_000",
    "NaN",
    "inf",
    str(2**31),
    str(2**63 - 1),
    str(2**63),
    "99999999999999999999",
    "9" * 5000,  # past int()'s 4300-digit limit
    NUL,
    f"1{NUL}",
    "",
]
HOSTILE_DATES = [
    "0001-01-01",
    "0001-01-07",
    "9999-12-27",
    "9999-12-31",
    "10000-01-01",
    "0000-00-00",
    "2026-02-29",
    "2027-13-01",
    "²⁰²⁷-03-01",
    "٢٠٢٧-٠٣-٠١",
    "31/12/9999",
    "12/31/9999",
    f"2027-03-01{NUL}",
    "-2027-03-01",
]
NUMBER = st.one_of(
    st.sampled_from(HOSTILE_NUMBERS), st.integers(-(10**30), 10**30).map(str), JUNK_TEXT
)
DATE = st.one_of(st.sampled_from(HOSTILE_DATES), st.dates().map(str), JUNK_TEXT)


def several(values: st.SearchStrategy) -> st.SearchStrategy:
    """One value, or several for the same parameter (?run=1&run=²)."""
    return st.one_of(values, st.lists(values, min_size=2, max_size=3))


def ids(world: World, model) -> st.SearchStrategy:
    """Org A's id, org B's, a missing one, or a hostile number."""
    return several(
        st.one_of(st.sampled_from([world.a(model).pk, world.b(model).pk, MISSING_ID]), NUMBER)
    )


def _or(plausible: tuple[str, ...], junk: st.SearchStrategy) -> st.SearchStrategy:
    return several(st.one_of(st.sampled_from(plausible), junk) if plausible else junk)


def dates(*plausible: str) -> st.SearchStrategy:
    return _or(plausible, DATE)


def texts(*plausible: str) -> st.SearchStrategy:
    return _or(plausible, st.one_of(JUNK_TEXT, NUMBER))


# Parameters no page reads, sent to every page: they must be ignored.
UNKNOWN = {"week": dates(), "run": several(NUMBER), "page": several(NUMBER), "o": texts()}


@dataclass(frozen=True)
class Page:
    url: Callable[[World], str]
    params: Callable[[World], dict[str, st.SearchStrategy]]


PAGES: dict[str, Page] = {
    "dashboard": Page(lambda w: "/", lambda w: {}),
    "employees:list": Page(
        lambda w: "/employees/",
        lambda w: {
            "q": texts("Alpha", CANARY, "Guard"),
            "client": several(
                st.one_of(st.sampled_from(["flex", str(w.a(Client).pk)]), ids(w, Client))
            ),
            "status": texts("active", "inactive", "all"),
            "grade": texts("A", "E", "Z"),
            "sort": texts("name", "-name", "client", "-hired", "--name", "-"),
            "page": several(st.one_of(st.sampled_from(["1", "2"]), NUMBER)),
        },
    ),
    "scheduling:home": Page(lambda w: "/scheduling/", lambda w: {"start_date": dates()}),
    "scheduling:board": Page(
        lambda w: "/scheduling/board/",
        lambda w: {
            "week": dates("2027-03-03"),
            "client": ids(w, Client),
            "site": ids(w, Site),
            "roster": texts("published", "draft"),
            "open_only": texts("on", "true", "1"),
            "page": several(st.one_of(st.sampled_from(["1", "2"]), NUMBER)),
        },
    ),
    "scheduling:run": Page(lambda w: f"/scheduling/runs/{w.a(RosterRun).pk}/", lambda w: {}),
    "scheduling:site_week": Page(
        lambda w: f"/scheduling/sites/{w.a(Site).pk}/week/",
        lambda w: {"week": dates("2027-03-03"), "run": ids(w, RosterRun)},
    ),
    "scheduling:guard_week": Page(
        lambda w: f"/scheduling/guards/{w.a(Employee).pk}/week/",
        lambda w: {"week": dates("2027-03-03"), "run": ids(w, RosterRun)},
    ),
    "scheduling:export_csv": Page(
        lambda w: "/scheduling/export.csv",
        lambda w: {
            "run": ids(w, RosterRun),
            "start": dates("2027-03-01"),
            "end": dates("2027-04-01"),
            "week": dates("2027-03-03"),
        },
    ),
}

# The values that answered 500 before issue 11, sent to every page that reads them.
KNOWN_500S = [
    {"week": "9999-12-31"},
    {"week": "0001-01-01"},
    {"run": "²"},
    {"start": "0001-01-01", "end": "9999-12-31"},
    {"page": "²", "client": "²"},
    {"page": "99999999999999999999"},
]


def _body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode(errors="replace")


@pytest.mark.parametrize("name", sorted(PAGES))
def test_manager_page_survives_hostile_query_strings(world, http_a, name):
    page = PAGES[name]
    url = page.url(world)
    own = page.params(world)
    params = {**UNKNOWN, **own}
    FUZZED["views"][name] += 1
    FUZZED["parameters"].update(f"{name}?{p}" for p in own)
    statuses: Counter = Counter()

    def fetch(query: dict) -> None:
        GET_FUZZ["examples"] += 1
        try:
            response = http_a.get(url, query)
        except Exception:
            GET_FUZZ["responses >= 500"] += 1
            raise
        statuses[response.status_code] += 1
        if response.status_code >= 500:
            GET_FUZZ["responses >= 500"] += 1
        assert response.status_code < 500, (response.status_code, query)
        if not contains_canary(str(query)):  # pages echo a search term, as they should
            assert not contains_canary(_body(response)), ("org B's canary shown", query)

    def request(query):
        fetch(query)

    for known in KNOWN_500S:
        request = example(query=known)(request)
    SETTINGS(given(query=st.fixed_dictionaries({}, optional=params))(request))()

    # The page itself answered (not only 400s or 404s): the fuzz reached the view's code.
    assert statuses[200] >= 1, (name, statuses)
