import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_login_page_renders_in_chromium(live_server, page, screenshot):
    page.goto(f"{live_server.url}/admin/login/")
    assert page.locator("input[name=username]").is_visible()
    assert screenshot("admin-login").stat().st_size > 0
