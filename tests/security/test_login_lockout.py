import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def _login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


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
