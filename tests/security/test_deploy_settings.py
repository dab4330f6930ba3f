import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.security.test_login_lockout import BEHIND_ONE_PROXY

ROOT = Path(__file__).resolve().parents[2]


def _check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "INFO"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_no_issues_with_production_settings():
    env = {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "rostra.example.com",
        "ROSTRACORE_PGDATA": "throwaway",
    }
    # The browser tests' conftest allows async-unsafe ORM calls in this process; production
    # never does, and check --deploy would rightly object to it.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = _check_deploy(env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def _unset_environment(**variables: str) -> dict[str, str]:
    """The test process's environment without DJANGO_DEBUG (the suite turns development on,
    pyproject.toml) and without a SECRET_KEY, plus `variables`."""
    dotenv = ROOT / ".env"
    if dotenv.exists() and any(
        line.split("=", 1)[0].strip().removeprefix("export ").strip()
        in {"DJANGO_DEBUG", "SECRET_KEY", "TRUSTED_PROXY_COUNT"}
        for line in dotenv.read_text().splitlines()
    ):
        pytest.skip("this checkout's .env sets what the test must leave unset (CI has no .env)")
    env = {**os.environ, "ROSTRACORE_PGDATA": "throwaway", **variables}
    for name in ("DJANGO_DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "TRUSTED_PROXY_COUNT"):
        if name not in variables:
            env.pop(name, None)
    return env


def _settings_of(env: dict[str, str], *names: str) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {list(names)!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "rostracore.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_without_django_debug_debug_is_off_and_check_deploy_reports_no_issues():
    """Only what production must choose is set: no DJANGO_DEBUG at all."""
    env = _unset_environment(
        SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="rostra.example.com"
    )
    assert _settings_of(env, "DEBUG") == {"DEBUG": False}
    result = _check_deploy(env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    "variables",
    [{"DJANGO_DEBUG": "false"}, {}],
    ids=["debug off", "debug not set"],
)
def test_production_refuses_to_start_without_a_secret_key(variables):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=_unset_environment(**variables),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: Set SECRET_KEY" in result.stderr, result.stderr


def test_production_refuses_the_development_secret_key():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=_unset_environment(SECRET_KEY="django-insecure-development-only-key"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "the development key" in result.stderr, result.stderr


def test_the_lockout_trusts_x_forwarded_for_only_behind_configured_proxies():
    """settings.py's mapping of TRUSTED_PROXY_COUNT onto django-axes' ipware settings; what
    the mapping does to logins is tests/security/test_login_lockout.py."""
    names = ("AXES_IPWARE_META_PRECEDENCE_ORDER", "AXES_IPWARE_PROXY_COUNT", "IPWARE_STRICT")
    env = _unset_environment(DJANGO_DEBUG="true")
    assert _settings_of(env, *names) == {
        "AXES_IPWARE_META_PRECEDENCE_ORDER": ["REMOTE_ADDR"],
        "AXES_IPWARE_PROXY_COUNT": None,
        "IPWARE_STRICT": False,
    }
    assert _settings_of({**env, "TRUSTED_PROXY_COUNT": "1"}, *names) == {
        **BEHIND_ONE_PROXY,
        "IPWARE_STRICT": False,
    }
    assert _settings_of({**env, "TRUSTED_PROXY_COUNT": "2"}, *names) == {
        "AXES_IPWARE_META_PRECEDENCE_ORDER": ["HTTP_X_FORWARDED_FOR"],
        "AXES_IPWARE_PROXY_COUNT": 1,
        "IPWARE_STRICT": False,
    }


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy(manager_a):
    client = Client()
    client.force_login(manager_a)
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"


def test_production_hashes_passwords_with_pbkdf2_or_argon2():
    """The suite swaps in a fast hasher (tests/conftest.py); the project itself does not."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "from django.contrib.auth.hashers import get_hasher; print(get_hasher().algorithm)",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "rostracore.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() in {"pbkdf2_sha256", "argon2"}
