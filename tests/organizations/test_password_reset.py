"""Password reset by email, for managers and guards: Django's views, the email through the
background worker, the same answer for any address."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from tests.factories import DEMO_PASSWORD, GuardUserFactory

NEW_PASSWORD = "Night-shift-2027"


def _work() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def test_tests_send_email_to_the_locmem_outbox():
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"


def test_the_login_page_links_to_password_reset(client, db):
    assert reverse("password_reset") in client.get(reverse("login")).content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("who", ["manager", "guard"])
def test_password_reset_works_through_the_worker(client, org_a, who):
    if who == "manager":
        from tests.factories import UserFactory

        user = UserFactory(org=org_a, username="mia@alpha.example")
    else:
        user = GuardUserFactory(org=org_a, username="gus@alpha.example")
    response = client.post(reverse("password_reset"), {"email": user.email})
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []
    assert user.email not in str(list(DBTaskResult.objects.values()))
    _work()
    [message] = mail.outbox
    assert message.to == [user.email]
    link = re.search(r"http://testserver(/accounts/password-reset/\S+/)", message.body)[1]
    response = client.get(link, follow=True)
    assert response.status_code == 200 and "Choose a new password" in response.content.decode()
    set_url = response.redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) and not user.check_password(DEMO_PASSWORD)
    assert "no longer valid" in client.get(link, follow=True).content.decode()


@pytest.mark.django_db(transaction=True)
def test_an_unknown_address_gets_the_same_answer_and_no_email(client, org_a):
    GuardUserFactory(org=org_a, username="known@alpha.example")
    known = client.post(reverse("password_reset"), {"email": "known@alpha.example"})
    unknown = client.post(reverse("password_reset"), {"email": "nobody@alpha.example"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    _work()
    assert [m.to for m in mail.outbox] == [["known@alpha.example"]]
