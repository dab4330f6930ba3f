"""Crawl every URL pattern of the project as org A's manager, aimed at org B; and again as
org A's guard (the guard persona), aimed at org B and at the other guard of org A.

Three times: with both isolation layers, with row-level security alone (the ORM's
organization filter patched off in this process), and with the ORM filter alone (row-level
security disabled on every table). The world is committed and the requests run with no
outer transaction, as the runtime role, each in its own ATOMIC_REQUESTS transaction.

For each pattern (tests/crawl/registry.py fills its parameters): GET, an empty POST and a
plausible POST, with org B's ids, with an id no row has, and with each query string naming
B's rows. Asserted for every request: no server error, no canary of org B in the response
(body, headers, redirect chain); B's id answered exactly like the missing id (same status,
same redirect chain, same body once the id itself is masked); and afterwards no row of org B
changed in any tenant table. A control then requests org A's own row and expects a different
answer than the missing one, so a crawl that only ever saw 404s would fail.

The guard persona asserts the same, with the other guard's ids answered like missing ones on
the guards' pages, and one more rule: outside its own pages and the account pages
(registry.GUARD_REACHABLE) a guard gets 403, 404 or 405, or is sent to a login page — never
a page with content.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterator
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.urls import reverse

from tests.crawl.registry import (
    GUARD_REACHABLE,
    Pattern,
    Target,
    all_patterns,
    entries,
    guard_entries,
)
from tests.crawl.world import Layer, World, contains_canary, layer_alone, snapshot_of_b
from tests.tallies import tally

PATTERNS = all_patterns()
ENTRIES = entries()
GUARD_ENTRIES = guard_entries()


@pytest.fixture(scope="module", params=[Layer.BOTH, Layer.RLS_ONLY, Layer.ORM_ONLY])
def layer(request) -> str:
    return request.param


def _isolation(name: str, layer: str) -> Iterator[Counter]:
    stats = tally(name)
    for item in ("canary hits", "server errors", "patterns that changed B's rows"):
        stats[item] += 0  # shown as 0 in the summary, not left out
    with layer_alone(layer):
        yield stats


@pytest.fixture
def isolation(world, http_a, layer):
    """The layer under test, switched on after the world is built and A is logged in."""
    yield from _isolation(f"URL crawl, {layer}", layer)


@pytest.fixture
def guard_isolation(world, http_guard, layer):
    """The same for the guard persona (org A's guard logged in)."""
    yield from _isolation(f"URL crawl as org A's guard, {layer}", layer)


_VOLATILE_HEADERS = {"Content-Length", "Expires", "Date", "Last-Modified"}
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
_NONCE = re.compile(r"nonce(=\"[^\"]+\"|-[\w-]+)")  # CSP nonces: new on every response


def _text(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    headers = "\n".join(f"{k}: {v}" for k, v in response.items() if k not in _VOLATILE_HEADERS)
    chain = "\n".join(url for url, _ in response.redirect_chain)
    return f"{headers}\n{chain}\n{body.decode(errors='replace')}"


def _masked(text: str, values: set[str]) -> str:
    """`text` without per-request tokens and with every value of `values` (B's and the
    missing ids, in both answers alike) replaced by <ID>."""
    text = unquote(_NONCE.sub("", _CSRF.sub("", text)))
    for value in sorted(values, key=len, reverse=True):
        if value.isdigit():
            text = re.sub(rf"(?<![\w-]){value}(?![\w-])", "<ID>", text)
        else:
            text = text.replace(value, "<ID>")
    return text


def _mask_values(kwargs: dict, query: str) -> set[str]:
    """The values to mask: kwargs, the ids inside them (a path) and the query's ids."""
    values = {str(v) for v in kwargs.values()}
    ids = {n for v in values if not v.isdigit() for n in re.findall(r"(?<![\w-])\d+(?![\w-])", v)}
    return values | ids | set(re.findall(r"=(\d+)", query))


class Crawl:
    def __init__(
        self,
        http: HttpClient,
        world: World,
        pattern: Pattern,
        stats: Counter,
        user=None,
        barred: bool = False,
    ):
        self.http, self.world, self.pattern, self.stats = http, world, pattern, stats
        self.user = user or world.manager_a
        # A page the persona may not use at all: no content, only a refusal or a login page.
        self.barred = barred
        self.problems: list[str] = []

    def _barred_but_served(self, response) -> bool:
        if response.status_code in (403, 404, 405):
            return False
        landed = response.request["PATH_INFO"]
        logins = {reverse("login"), reverse("admin:login")}
        return not (response.status_code == 200 and response.redirect_chain and landed in logins)

    def request(self, method: str, kwargs: dict, query: str, data: dict | None):
        url = self.pattern.url(kwargs) + (f"?{query}" if query else "")
        # Logged in again after a logout (the crawl requests the logout views too).
        session = self.http.cookies.get(settings.SESSION_COOKIE_NAME)
        if session is None or not session.value:
            self.http.force_login(self.user)
        self.stats["requests"] += 1
        try:
            response = getattr(self.http, method)(url, data or {}, follow=True)
        except Exception as error:  # a 500 in production
            self.stats["server errors"] += 1
            self.problems.append(f"{method.upper()} {url}: raised {error!r}")
            return None
        text = _text(response)
        if response.status_code >= 500:
            self.stats["server errors"] += 1
            self.problems.append(f"{method.upper()} {url}: status {response.status_code}")
        if contains_canary(text):
            self.stats["canary hits"] += 1
            self.problems.append(f"{method.upper()} {url}: org B's canary in the response")
        if self.barred and self._barred_but_served(response):
            self.stats["barred pages served"] += 1
            self.problems.append(
                f"{method.upper()} {url}: a barred page answered {response.status_code}"
            )
        return response.status_code, text, [status for _, status in response.redirect_chain]

    def compare(self, target: Target, method: str, query_pair, data) -> None:
        foreign_query, missing_query = query_pair
        foreign = self.request(method, target.foreign, foreign_query, data)
        if not target.compares and foreign_query == missing_query:
            return
        missing = self.request(method, target.missing, missing_query, data)
        if foreign is None or missing is None:
            return
        self.stats["foreign/missing pairs"] += 1
        (f_status, f_text, _), (m_status, m_text, _) = foreign, missing
        url = self.pattern.url(target.foreign) + (f"?{foreign_query}" if foreign_query else "")
        if f_status != m_status:
            self.problems.append(
                f"{method.upper()} {url}: B's id answered {f_status}, a missing id {m_status}"
            )
        else:
            values = _mask_values(target.foreign, foreign_query) | _mask_values(
                target.missing, missing_query
            )
            f_masked, m_masked = _masked(f_text, values), _masked(m_text, values)
            if f_masked != m_masked:
                diff = difflib.unified_diff(
                    m_masked.splitlines(), f_masked.splitlines(), "missing id", "B's id", n=1
                )
                self.problems.append(
                    f"{method.upper()} {url}: B's id and a missing id get different pages:\n"
                    + "\n".join(list(diff)[:20])
                )

    def control(self, target: Target) -> bool:
        """Whether A's own row gets another answer than a missing one (GET or POST), or a
        403 whatever the row (a page the manager may not use at all)."""
        statuses = []
        for method, data in (("get", None), ("post", target.post)):
            own = self.request(method, target.own, "", data)
            missing = self.request(method, target.missing, "", data)
            # Status and redirects: the admin sends a missing row to its index (a 302).
            if own and missing and (own[0], own[2]) != (missing[0], missing[2]):
                return True
            statuses.append(own and own[0])
        return all(status == 403 for status in statuses)


@pytest.mark.crawl
@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.key)
def test_org_a_manager_cannot_reach_org_b_through(pattern, world, http_a, isolation):
    entry = ENTRIES.get(pattern.key)
    assert entry is not None, f"{pattern.key} is not in tests/crawl/registry.py"
    _crawl(Crawl(http_a, world, pattern, isolation), entry)


@pytest.mark.crawl
@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.key)
def test_org_a_guard_cannot_reach_org_b_nor_another_guard_through(
    pattern, world, http_guard, guard_isolation
):
    entry = GUARD_ENTRIES.get(pattern.key)
    assert entry is not None, f"{pattern.key} is not in tests/crawl/registry.py"
    barred = pattern.key not in GUARD_REACHABLE
    guard_isolation["barred patterns" if barred else "guard-reachable patterns"] += 1
    guard_isolation["barred pages served"] += 0
    crawl = Crawl(http_guard, world, pattern, guard_isolation, user=world.guard_a, barred=barred)
    _crawl(crawl, entry)


def _crawl(crawl: Crawl, entry) -> None:
    world, pattern, isolation = crawl.world, crawl.pattern, crawl.stats
    isolation["patterns"] += 1
    before = snapshot_of_b(world)
    targets = entry(world)
    for target in targets:
        for query_pair in [("", ""), *target.queries]:
            crawl.compare(target, "get", query_pair, None)
        crawl.compare(target, "post", ("", ""), None)
        if target.post:
            crawl.compare(target, "post", ("", ""), target.post)
    changed = [table for table, rows in snapshot_of_b(world).items() if rows != before[table]]
    if changed:
        isolation["patterns that changed B's rows"] += 1
        crawl.problems.append(f"org B's rows changed in {changed}")
    assert not crawl.problems, "\n".join(crawl.problems)

    # A barred page gives the guard persona no content at all (checked on every request):
    # its own rows have nothing to show either, so there is nothing to control.
    controlled = [t for t in targets if t.own is not None and not crawl.barred]
    if controlled:
        isolation["controls"] += 1
        assert any(crawl.control(t) for t in controlled), (
            f"{pattern.key}: org A's own row gets the same answer as a missing one, so the "
            "crawl's 'B is like missing' proves nothing here"
        )
    # Own rows may change (A's plausible POSTs); B's never.
    assert snapshot_of_b(world) == before
