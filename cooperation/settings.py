"""Settings for the cooperation tracker.

Everything runs from a fresh clone with nothing set: SQLite next to this file's
project, DEBUG on, an insecure development key. Production sets the environment.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import dj_database_url
import dj_email_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF, UNSAFE_HASHES
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


DEBUG = env_bool("DEBUG", True)

DEVELOPMENT_SECRET_KEY = "development-only-key-never-used-in-production"  # nosec B105 # refused when DEBUG is off
SECRET_KEY = env_str("SECRET_KEY") or DEVELOPMENT_SECRET_KEY
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    # Trigram index expressions in migration 0003; harmless on SQLite.
    "django.contrib.postgres",
    "django_countries",
    "django_filters",
    "import_export",
    "reversion",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "agreements.sign_in_attempts.SignInAttemptsConfig",  # django-axes
    "csp",
    "agreements",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After whitenoise, which answers for static files (public, cached for ever) itself.
    "agreements.middleware.PrivatePages",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "agreements.middleware.RefuseNulCharacters",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a signed-in user, unless its view is marked login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that it sees the outcome of every login attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cooperation.urls"
# Form widgets may be written as templates of the project's own (templates/includes/widgets/).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "cooperation.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "agreements.access.site_access",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(env_str("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has no SELECT … FOR UPDATE: a transaction takes the database's write lock as it
    # begins instead, so that of two saves of one record the second waits and then sees the
    # first's values (admin.TrackerAdmin.get_object), rather than failing as "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FORMS_URLFIELD_ASSUME_HTTPS = True

# The cache lives in each process's memory unless CACHE_URL names a shared one, which several
# workers or machines need: "db://django_cache" (after `manage.py createcachetable`),
# "redis://host:6379/0" (with the redis package installed), or "dummy://" for none.
# Sessions and login throttling keep their state in the database, not here.
CACHE_BACKENDS = {
    "locmem": "django.core.cache.backends.locmem.LocMemCache",
    "db": "django.core.cache.backends.db.DatabaseCache",
    "redis": "django.core.cache.backends.redis.RedisCache",
    "dummy": "django.core.cache.backends.dummy.DummyCache",
}
CACHE_URL = env_str("CACHE_URL") or "locmem://tracker"
cache_scheme, _separator, cache_location = CACHE_URL.partition("://")
if cache_scheme not in CACHE_BACKENDS:
    raise ImproperlyConfigured(f"CACHE_URL must start with one of {', '.join(CACHE_BACKENDS)} followed by ://.")
CACHES = {
    "default": {
        "BACKEND": CACHE_BACKENDS[cache_scheme],
        "LOCATION": CACHE_URL if cache_scheme == "redis" else cache_location,
    }
}
# An uploaded import file waits between its preview and the confirmation, which another worker
# or server may answer: it waits in the shared cache if CACHE_URL names one, else in a database
# table (created by `migrate`), never on a local disk.
CACHES["imports"] = (
    CACHES["default"]
    if cache_scheme in ("db", "redis")
    else {"BACKEND": CACHE_BACKENDS["db"], "LOCATION": "tracker_import_files"}
)
IMPORT_EXPORT_TMP_STORAGE_CLASS = "agreements.formats.SharedCacheStorage"
# The progress of a background import (agreements.models.ImportJob) is counted while its
# transaction is open, so never in the database: in Redis if CACHE_URL names it, which the site and
# the workers share; else in each process's memory, which only an import run in the site's own
# process (no CELERY_BROKER_URL) can show; a separate worker's page then says "working…".
CACHES["progress"] = (
    CACHES["default"] if cache_scheme == "redis" else {"BACKEND": CACHE_BACKENDS["locmem"], "LOCATION": "progress"}
)

# django-axes first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian")), ("ar", _("Arabic"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Country names as the countries themselves use them where the ISO list's translations differ
# (Belarus is "بيلاروس" in Arabic, not the dated "روسيا البيضاء"): each is a catalogue entry
# with the context "country name", checked by tests/test_i18n.py.
COUNTRIES_OVERRIDE = {"BY": pgettext_lazy("country name", "Belarus")}
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# ---------------------------------------------------------------- accounts (README, "Accounts and roles")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "agreements:overview"
LOGOUT_REDIRECT_URL = "login"
# On, anonymous visitors may browse the tracker's pages (never export, never the admin).
PUBLIC_READ_ONLY = env_bool("PUBLIC_READ_ONLY", False)

# All-or-nothing imports: one bad row rolls the whole file back.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_CONFIRM = False
IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES = True

# Limits on an uploaded import file; larger files are refused before they are parsed.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 5 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 20_000)
# Excel's own limit on the characters of a cell.
IMPORT_MAX_CELL_CHARS = env_int("IMPORT_MAX_CELL_CHARS", 32_767)
# An XLSX workbook is refused, before its rows are read, if its parts unpack to more than this,
# it holds more shared strings, or its sheet declares more columns; reading its rows stops after
# IMPORT_PARSE_MAX_SECONDS (agreements/workbooks.py).
IMPORT_XLSX_MAX_UNPACKED_BYTES = env_int("IMPORT_XLSX_MAX_UNPACKED_BYTES", 50 * 1024 * 1024)
IMPORT_XLSX_MAX_SHARED_STRINGS = env_int("IMPORT_XLSX_MAX_SHARED_STRINGS", 500_000)
IMPORT_XLSX_MAX_COLUMNS = env_int("IMPORT_XLSX_MAX_COLUMNS", 100)
IMPORT_PARSE_MAX_SECONDS = env_int("IMPORT_PARSE_MAX_SECONDS", 30)
# A confirmed import of more rows than this (all sheets of a workbook together) is written by a
# background worker, with its progress on a page of its own, rather than while the editor waits.
IMPORT_BACKGROUND_ROWS = env_int("IMPORT_BACKGROUND_ROWS", 1000)
# CSV exports are streamed and have no limit; XLSX and JSON are built in memory and stop here.
EXPORT_MAX_ROWS = env_int("EXPORT_MAX_ROWS", 20_000)

# ---------------------------------------------------------------- the API (README, "The API")
# /api/v1/: Django REST framework, described by drf-spectacular. A script signs in with a personal
# token (`Authorization: Token …`, made on the user's token page); a browser with its session.
API_THROTTLE_RATE = env_str("API_THROTTLE_RATE", "2000/hour")
API_PAGE_SIZE = env_int("API_PAGE_SIZE", 25)  # as the list pages
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "agreements.api.access.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["agreements.api.access.RoleAccess"],
    "DEFAULT_THROTTLE_CLASSES": ["agreements.api.access.PerTokenThrottle"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "agreements.api.pagination.ListCursorPagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "agreements.api.problems.problem_details",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Cooperation tracker API",
    "DESCRIPTION": "Visits, memoranda and commitments between countries, with their institutions, people, "
    "sectors and sources.",
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    # Swagger UI from our own static files (drf-spectacular-sidecar): no CDN, the CSP stays strict.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "agreements.api.problems.document_problems",
    ],
}

# ---------------------------------------------------------------- e-mail (README, "Following the work")
# EMAIL_URL names the server in one setting ("smtp+tls://tracker:<password>@mail.example.org:587",
# parsed by dj-email-url); else the usual EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD,
# EMAIL_USE_TLS and EMAIL_USE_SSL. With neither, e-mails are written to the terminal.
EMAIL_URL = env_str("EMAIL_URL")
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_URL:
    globals().update({key: value for key, value in dj_email_url.parse(EMAIL_URL).items() if value not in ("", None)})
elif EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 25)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# A mail server that stops answering must not hold a job for ever.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Cooperation tracker <tracker@localhost>")
# Links in e-mails, feeds and calendars point here: there is no request to take the address from.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# ---------------------------------------------------------------- background jobs (Celery)
# Digests and reminders run as Celery tasks on the broker CELERY_BROKER_URL names (Redis,
# "redis://127.0.0.1:6379/0", or RabbitMQ, "amqp://tracker:<password>@127.0.0.1:5672//"); `make worker`
# starts a worker with the scheduler (beat). Unset, a task runs in the process that asks for it,
# so `make run` needs no broker (and beat never runs: nothing is sent on a schedule).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
CELERY_TASK_IGNORE_RESULT = not CELERY_RESULT_BACKEND
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task is acknowledged when it has finished, so that one lost with its worker runs again
# (every task is idempotent); one worker takes one task at a time, and none runs for ever.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_BEAT_SCHEDULE = {
    "daily digests": {
        "task": "agreements.tasks.send_digests",
        "schedule": crontab(hour=6, minute=0),
        "args": ("daily",),
    },
    "weekly digests": {
        "task": "agreements.tasks.send_digests",
        "schedule": crontab(hour=6, minute=15, day_of_week="mon"),
        "args": ("weekly",),
    },
    "reminders": {"task": "agreements.tasks.send_reminders", "schedule": crontab(hour=6, minute=30)},
}

# ---------------------------------------------------------------- logging
# Everything at LOG_LEVEL and above goes to standard error, where gunicorn and systemd's journal
# collect it. Django's own handlers write only while DEBUG is on, or e-mail ADMINS (there are
# none): without this, the traceback of a server error in production would be lost.
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": [], "level": LOG_LEVEL},
        # Its start-up banner would open the output of every manage.py command.
        "axes.apps": {"level": "WARNING"},
    },
}

# ---------------------------------------------------------------- web security
# docs/security.md explains each choice; docs/operations.md the production variables.

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Behind a reverse proxy (nginx, a load balancer) that terminates TLS, set TRUSTED_PROXIES
# to the number of proxies in front of the application. Their X-Forwarded-Proto header then
# tells Django a request came over HTTPS, and X-Forwarded-For gives django-axes the client's
# address. Left at 0, both headers are ignored: a client could forge them.
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def client_ip_address(request) -> str | None:
    """The client's address as seen by the outermost trusted proxy.

    Each proxy appends the address it received the request from to X-Forwarded-For, so
    the entry TRUSTED_PROXIES places from the end is the one a client cannot forge, provided
    that nobody can reach gunicorn except through those proxies (docs/operations.md): a
    client that reaches it directly writes that entry itself.
    """
    from django.conf import settings

    trusted = settings.TRUSTED_PROXIES
    forwarded = [ip.strip() for ip in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if ip.strip()]
    if trusted and len(forwarded) >= trusted:
        return forwarded[-trusted]
    return request.META.get("REMOTE_ADDR")


# Production (DEBUG off): HTTPS only. Each can be turned off for an unusual set-up.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)

# Content-Security-Policy (django-csp 4): scripts, styles, images and fonts only from this
# site; no inline script or style. A template that truly needs an inline <script> gives it
# nonce="{{ request.csp_nonce }}". django-import-export's export page has one inline event
# handler and two style attributes; they are allowed by their exact hashes, nothing else.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF, NONCE],
        "script-src-attr": [UNSAFE_HASHES, "'sha256-wid4zL8fR53ZYy1ljOepzR77Dn6vWUUxuNnnWWBP3I8='"],
        "style-src": [SELF, NONCE],
        "style-src-attr": [
            UNSAFE_HASHES,
            "'sha256-mHgUAqxc8GPXM/QhzkHrHujcrQTU9fd6ZjWz+icxKcA='",
            "'sha256-+YWRMZ88jMyO7jVlBA52tZADiPobPIUA8LAWee68Fvs='",
        ],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}

# Permissions-Policy: the tracker needs none of the browser's powerful features.
PERMISSIONS_POLICY = {
    feature: []
    for feature in [
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    ]
}

# ---------------------------------------------------------------- login throttling (django-axes)
# After AXES_FAILURE_LIMIT wrong passwords for one username, from any addresses, that username
# is locked out for AXES_COOLOFF_MINUTES; after AXES_ADDRESS_FAILURE_LIMIT wrong passwords from
# one address, for any usernames, that address is. A correct password resets its own username's
# count only (access.UsernameAndAddressLockout; docs/security.md weighs the two limits). Tests
# that log in with client.login() pass a request: client.login(request=HttpRequest(), ...).
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 30)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "agreements.access.UsernameAndAddressLockout"
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = client_ip_address
AXES_LOCKOUT_CALLABLE = "agreements.access.locked_out"
