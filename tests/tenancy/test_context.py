"""The current organization never leaks between requests, threads or coroutines."""

import asyncio
import threading

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.test import AsyncClient, Client

from rostracore.tenancy.context import current_org, no_org, use_org

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.tenancy.urls")]


def test_use_org_restores_the_previous_org_even_on_error(org_a, org_b):
    with use_org(org_a):
        with pytest.raises(ZeroDivisionError), use_org(org_b):
            assert current_org() == org_b
            1 / 0  # noqa: B018
        assert current_org() == org_a
        with no_org():
            assert current_org() is None
        assert current_org() == org_a
    assert current_org() is None


def test_a_new_thread_starts_without_an_org(org_a):
    seen = []
    with use_org(org_a):
        thread = threading.Thread(target=lambda: seen.append(current_org()))
        thread.start()
        thread.join()
    assert seen == [None]


def test_concurrent_coroutines_keep_their_own_org(org_a, org_b):
    async def work(org, log):
        with use_org(org):
            for _ in range(5):
                await asyncio.sleep(0)  # let the other coroutine run in between
                log.append(current_org().slug)
                # sync_to_async runs in a thread with a copy of this context
                log.append((await sync_to_async(current_org)()).slug)

    async def both():
        a_log, b_log = [], []
        await asyncio.gather(work(org_a, a_log), work(org_b, b_log))
        return a_log, b_log

    a_log, b_log = async_to_sync(both)()
    assert set(a_log) == {"alpha"} and set(b_log) == {"bravo"}
    assert len(a_log) == len(b_log) == 10


def test_wsgi_requests_get_their_users_org_and_reset_it(manager_a, manager_b):
    alice, bob, anonymous = Client(), Client(), Client()
    alice.force_login(manager_a)
    bob.force_login(manager_b)

    assert alice.get("/whoami/").content == b"alpha"
    assert bob.get("/whoami/").content == b"bravo"
    assert anonymous.get("/whoami/").content == b"-"  # does not inherit bob's org
    assert current_org() is None


def test_platform_staff_get_no_org(platform_user):
    staff = Client()
    staff.force_login(platform_user)
    assert staff.get("/whoami/").content == b"-"


def test_org_is_reset_when_the_view_raises(manager_a):
    alice = Client(raise_request_exception=False)
    alice.force_login(manager_a)
    assert alice.get("/boom/").status_code == 500
    assert current_org() is None


def test_asgi_requests_get_their_users_org(manager_a, manager_b):
    async def run():
        alice, bob, anonymous = AsyncClient(), AsyncClient(), AsyncClient()
        await alice.aforce_login(manager_a)
        await bob.aforce_login(manager_b)
        responses = await asyncio.gather(
            alice.get("/awhoami/"),
            bob.get("/awhoami/"),
            alice.get("/whoami/"),  # a sync view under ASGI
            anonymous.get("/awhoami/"),
        )
        return [r.content for r in responses]

    assert async_to_sync(run)() == [b"alpha", b"bravo", b"alpha", b"-"]
    assert current_org() is None
