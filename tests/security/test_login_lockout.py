import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from tests.factories import DEMO_PASSWORD

# What settings.py makes of TRUSTED_PROXY_COUNT=1 (tests/security/test_deploy_settings.py
# checks the mapping).
BEHIND_ONE_PROXY = {
    "AXES_IPWARE_META_PRECEDENCE_ORDER": ["HTTP_X_FORWARDED_FOR"],
    "AXES_IPWARE_PROXY_COUNT": 0,
}

pytestmark = pytest.mark.django_db


def _login(client, username, password, **headers):
    return client.post(reverse("login"), {"username": username, "password": password}, **headers)


@pytest.mark.parametrize("login_url", ["login", "admin:login"])
def test_after_the_failure_limit_the_correct_password_is_refused_too(manager_a, login_url):
    client = Client()
    url = reverse(login_url)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(url, {"username": manager_a.username, "password": "wrong"})
        assert response.status_code == 200  # the form again, with its error
    # The failure that reaches the limit locks the account out ...
    response = client.post(url, {"username": manager_a.username, "password": "wrong"})
    assert response.status_code == 429

    # ... and from then on the correct password is refused too.
    response = client.post(url, {"username": manager_a.username, "password": DEMO_PASSWORD})

    assert response.status_code == 429
    assert b"Too many failed logins" in response.content
    assert b"even the correct password is refused" in response.content
    assert "_auth_user_id" not in client.session


def test_failures_below_the_limit_do_not_lock_and_success_resets(manager_a):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, manager_a.username, "wrong")
    response = _login(client, manager_a.username, DEMO_PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(manager_a.pk)


def test_one_locked_manager_does_not_lock_another(manager_a, manager_b):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, manager_a.username, "wrong")
    response = _login(client, manager_b.username, DEMO_PASSWORD)
    assert response.status_code == 302


def test_a_spoofed_x_forwarded_for_does_not_escape_the_lockout(manager_a):
    """With no trusted proxy (the default) the client address is REMOTE_ADDR: an attacker
    who sends a new X-Forwarded-For with every guess is still one address."""
    client = Client(REMOTE_ADDR="203.0.113.7")
    for n in range(settings.AXES_FAILURE_LIMIT):
        _login(client, manager_a.username, "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    response = _login(
        client, manager_a.username, DEMO_PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.200"
    )
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


@override_settings(**BEHIND_ONE_PROXY)
def test_behind_one_trusted_proxy_each_client_address_counts_separately(manager_a):
    """TRUSTED_PROXY_COUNT=1: the address the proxy appended to X-Forwarded-For is the
    client, so two clients behind the same proxy are two addresses, and what a client put
    in the header itself (the left-most entries) is ignored."""
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    for n in range(settings.AXES_FAILURE_LIMIT):
        # The attacker sends a different forged entry each time (an address or junk); the
        # proxy appends the attacker's real address.
        forged = f"192.0.2.{n}" if n % 2 else "unknown"
        _login(proxy, manager_a.username, "wrong", HTTP_X_FORWARDED_FOR=f"{forged}, 198.51.100.1")
    locked = _login(proxy, manager_a.username, DEMO_PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert locked.status_code == 429

    other = Client(REMOTE_ADDR="10.0.0.2")
    response = _login(other, manager_a.username, DEMO_PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert response.status_code == 302
    assert other.session["_auth_user_id"] == str(manager_a.pk)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.1"}


@override_settings(**BEHIND_ONE_PROXY)
def test_behind_a_proxy_a_request_without_the_header_is_still_throttled(manager_a):
    """One that bypassed the proxy: no address to count it under, but counted all the same."""
    client = Client(REMOTE_ADDR="10.0.0.2")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, manager_a.username, "wrong")
    assert _login(client, manager_a.username, DEMO_PASSWORD).status_code == 429
