"""Settings for the support portal, read from the environment.

Every variable is listed with its default in `.env.example`. Defaults give the embedded
demo set-up (SQLite and Celery's filesystem broker under `var/`); production sets
`DATABASE_URL`, `CELERY_BROKER_URL`, `SECRET_KEY` and `DEBUG=false`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import environ

from portal.environment import fail as _fail
from portal.environment import read_bool as _bool
from portal.environment import read_int as _int
from portal.environment import read_rate as _rate
from portal.settings_cache import cache_settings
from portal.settings_celery import celery_settings

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var"))

env = environ.Env()
_env_file = BASE_DIR / ".env"
if _env_file.exists():
    environ.Env.read_env(_env_file)

TESTING = "pytest" in sys.modules or os.environ.get("PORTAL_TESTING") == "1"

DEBUG = _bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-demo-key-only-for-debug-and-tests-0123456789abcdefghijklmnop"  # noqa: S105 # DEBUG and tests only # nosec B105
    else:
        _fail("SECRET_KEY", "is required when DEBUG is off (set a long random string)")

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
if TESTING:
    ALLOWED_HOSTS += ["testserver", "localhost", "127.0.0.1"]

SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
if not SITE_URL.startswith(("http://", "https://")):
    _fail("SITE_URL", f"must start with http:// or https://, got {SITE_URL!r}")
CSRF_TRUSTED_ORIGINS = [SITE_URL]
# Django compares a Host with these without its port; cached pages are keyed by the Host with its
# port and link to SITE_URL (core/public_cache.py). Production names its hosts: no wildcard.
if "*" in ALLOWED_HOSTS and not DEBUG:
    _fail("ALLOWED_HOSTS", "must name the site's hosts when DEBUG is off (no '*')")

VAR_DIR.mkdir(parents=True, exist_ok=True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "simple_history",
    "axes",
    "csp",
    # The second factor: authenticator-app codes (TOTP) and one-time recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # The domain apps, bottom layer first (docs/ARCHITECTURE.md).
    "sla",
    "accounts",
    "lifecycle",
    "notify",
    "incidents",
    "escalation",
    "knowledgebase",
    "notices",
    "cfmd",
    "portal",
]

MIDDLEWARE = [
    # First: a cached public page is answered here, before everything else; and the last word
    # on Cache-Control (a response that sets a cookie is never `public`).
    "core.public_cache.PublicPageMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "portal.middleware.RequestSizeLimitMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Signs out an idle session, the viewer's zone and language, no-store when signed in.
    "portal.middleware.ViewerMiddleware",
    # Whoever needs a second factor reaches only its pages until they pass it (accounts/two_factor.py).
    "portal.middleware.TwoFactorMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into its page (accounts/lockout.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "portal.context_processors.site",
                "core.public_cache.page_path",  # links back to the page: the cached rendering's own path
            ],
        },
    },
]

# Database: a SQLite file under var/ unless DATABASE_URL says otherwise.
try:
    DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")}
except Exception as exc:  # django-environ raises several kinds for a malformed URL
    _fail("DATABASE_URL", f"is not a database URL ({exc})")
_db = DATABASES["default"]
if not _db.get("ENGINE"):
    _fail("DATABASE_URL", f"has an unknown scheme: {os.environ.get('DATABASE_URL')!r} (use sqlite:/// or postgres://)")
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, beat) share the file: wait for locks, don't fail.
    _db.setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    # Browser and worker tests need a file database that other processes can open.
    _db["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.environ.get('PORTAL_TEST_DB_SUFFIX', os.getpid())}.sqlite3")}
else:
    _db["ENGINE"] = "portal.postgresql"  # Django's, with a deadline on each wait for the server
    _db["CONN_MAX_AGE"] = _int("CONN_MAX_AGE", 60)
    _db["CONN_HEALTH_CHECKS"] = True
    # Outages (docs/OPERATIONS.md): connect_timeout, statement_timeout, keepalives and
    # tcp_user_timeout; a frozen server is cut off by portal/postgresql/base.py.
    DATABASE_CONNECT_TIMEOUT_SECONDS = _int("DATABASE_CONNECT_TIMEOUT_SECONDS", 3)
    DATABASE_STATEMENT_TIMEOUT_SECONDS = _int("DATABASE_STATEMENT_TIMEOUT_SECONDS", 10)
    _db.setdefault("OPTIONS", {}).update(
        {
            "connect_timeout": DATABASE_CONNECT_TIMEOUT_SECONDS,
            "options": f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT_SECONDS * 1000} -c TimeZone=UTC",
            "tcp_user_timeout": (DATABASE_STATEMENT_TIMEOUT_SECONDS + 2) * 1000,
        }
    )
    _db["OPTIONS"].update(keepalives=1, keepalives_idle=10, keepalives_interval=2, keepalives_count=3)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: the shared cache (sessions, limits, public pages) and the SLA page's fragments.
vars().update(
    cache_settings(
        env=env, read_int=_int, fail=_fail, testing=TESTING, in_environment="CACHE_URL" in os.environ, var_dir=VAR_DIR
    )
)
IS_POSTGRES = _db["ENGINE"].endswith("postgresql")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "incidents:list"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("da", "Dansk"), ("ja", "日本語")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"  # never served directly: attachments go through access-checked views
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# Email: the demo writes messages to files under var/mail so they can be read.
if os.environ.get("EMAIL_URL"):
    try:
        vars().update(env.email_url("EMAIL_URL"))
    except Exception as exc:  # django-environ raises several kinds for a malformed URL
        _fail("EMAIL_URL", f"is not an email URL ({exc})")
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Contoso Add-on Support <support@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SUPPORT_TEAM_EMAIL = os.environ.get("SUPPORT_TEAM_EMAIL", "support-team@example.com")
# Where answers to the portal's e-mails arrive (plus-addressed per incident and person:
# incidents/reply_addresses.py); unset: e-mails carry no reply address of an incident.
INBOUND_EMAIL_ADDRESS = os.environ.get("INBOUND_EMAIL_ADDRESS", "")
# A monitor sending `Authorization: Bearer <this>` reads /readyz/workers' details (empty: staff only).
READINESS_TOKEN = os.environ.get("READINESS_TOKEN", "")
# The mailbox the answers are read from (imap://user:pass@host:143/INBOX or imaps://...;
# incidents/inbound_imap.py), polled every INBOUND_POLL_SECONDS; unset: nothing is read.
INBOUND_IMAP_URL = os.environ.get("INBOUND_IMAP_URL", "")
INBOUND_POLL_SECONDS = _int("INBOUND_POLL_SECONDS", 30)
# A mail server that hangs must not outlive the lease of the delivery being sent (notify/).
EMAIL_TIMEOUT = _int("EMAIL_TIMEOUT_SECONDS", 10)
if TESTING:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

ESCALATION_SWEEP_SECONDS = _int("ESCALATION_SWEEP_SECONDS", 2)
ESCALATION_SWEEP_BATCH = _int("ESCALATION_SWEEP_BATCH", 500)
# The red banner on every admin page and the support leads' e-mail (portal/watch_alarm.py):
# when an escalation check is overdue by more than this, or no worker answers. Off in tests
# (no worker runs there); the tests of the alarm turn it on.
WATCHER_ALARM = _bool("WATCHER_ALARM", not TESTING)
WATCHER_ALARM_AFTER_SECONDS = _int("WATCHER_ALARM_AFTER_SECONDS", 3 * ESCALATION_SWEEP_SECONDS)
# The outbox (notify/): deliveries per task, how long a worker holds the ones it sends (a
# killed worker's are sent by another one within this plus NOTIFY_RESEND_SECONDS), how often
# beat re-sends, how long a new row is left to its own task, and how many tries.
NOTIFY_BATCH = _int("NOTIFY_BATCH", 50)
NOTIFY_LEASE_SECONDS = _int("NOTIFY_LEASE_SECONDS", 15)
# After a failed enqueue, a process leaves the broker alone this long (core/broker_guard.py).
BROKER_RETRY_SECONDS = _int("BROKER_RETRY_SECONDS", 10)
NOTIFY_RESEND_SECONDS = _int("NOTIFY_RESEND_SECONDS", 10)
NOTIFY_RESEND_AFTER_SECONDS = _int("NOTIFY_RESEND_AFTER_SECONDS", 10)
NOTIFY_RESEND_AGAIN_SECONDS = _int("NOTIFY_RESEND_AGAIN_SECONDS", 60)
NOTIFY_MAX_ATTEMPTS = _int("NOTIFY_MAX_ATTEMPTS", 10)
WEBHOOK_TIMEOUT_SECONDS = _int("WEBHOOK_TIMEOUT_SECONDS", 10)
# Webhooks go to public internet addresses only (notify/addresses.py): true lets them reach
# loopback and private networks, for receivers on the portal's own network.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=False)

# Attachments.
ATTACHMENT_MAX_BYTES = _int("ATTACHMENT_MAX_MB", 25) * 1024 * 1024
# Any request body: ten attachments at their limit plus the form (portal.middleware).
REQUEST_MAX_BYTES = _int("REQUEST_MAX_MB", 10 * ATTACHMENT_MAX_BYTES // 1024 // 1024 + 1) * 1024 * 1024
ATTACHMENT_ALLOWED_EXTENSIONS = [
    e.strip().lower()
    for e in os.environ.get(
        "ATTACHMENT_ALLOWED_EXTENSIONS",
        "txt,log,csv,json,xml,pdf,png,jpg,jpeg,gif,zip,docx,xlsx,pptx,al,app,md",
    ).split(",")
    if e.strip()
]
# An answer by e-mail larger than the largest request is skipped unread (incidents/inbound.py).
INBOUND_MAX_BYTES = REQUEST_MAX_BYTES
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024


REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.ApiPagination",
    "PAGE_SIZE": 25,
    # The API (portal/api/): personal tokens or the browser session, JSON only, one error format.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.LimitedJSONParser"],
    "EXCEPTION_HANDLER": "portal.api.exceptions.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["portal.api.throttles.IpRateThrottle", "portal.api.throttles.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "ip": _rate("API_THROTTLE_IP_RATE", "300/min"),
        "token": _rate("API_THROTTLE_TOKEN_RATE", "120/min"),
    },
    # Proxies in front of the app that append to X-Forwarded-For (1 behind one TLS proxy); with 0
    # the socket's address counts, so a client cannot dodge the per-IP limit with a forged header.
    # The one source of the client's address: the sign-in lockout and the password-reset
    # throttle read it too (core/client_address.py).
    "NUM_PROXIES": _int("API_NUM_PROXIES", 0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Contoso Add-on Support Portal API",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No badge from the public validator: the page loads nothing from elsewhere (CSP).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    "DESCRIPTION": (
        "Open and follow support incidents, and read the SLA, lifecycle and knowledge base. "
        "Authenticate with a personal API token, created at /accounts/api-tokens/ (shown once): "
        "`Authorization: Bearer <key>`; a signed-in browser session works too. "
        'Every error is JSON: `{"code": ..., "message": ..., "fields": {...}}`.'
    ),
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "IncidentKindEnum": "incidents.models.IncidentKind",
        "CommentVisibilityEnum": "incidents.models.Visibility",
        "ArticleKindEnum": "knowledgebase.models.ArticleKind",
        "ArticleVisibilityEnum": "knowledgebase.models.ArticleVisibility",
    },
}

# Sessions: read from the shared cache, written through to the database (a cleared or unreachable cache signs nobody out).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_IDLE_MINUTES = _int("SESSION_IDLE_MINUTES", 120)  # then signed out (portal.middleware)
# Signing in: django-axes' lockout, password resets, the second factor (portal/settings_sign_in.py).
from portal.settings_sign_in import *  # noqa: E402, F403 (the names in its __all__)

# Off: static/js/portal.js reads the token from the cookie, so that the public pages hold no
# per-visitor token and a shared cache may keep them (core/public_cache.py).
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
# Every page: scripts, styles, images and fonts from this site only; no inline script or on*=
# attribute (static/js/ has them), no plug-ins, no framing, no <base> tricks. The API docs add
# what Swagger UI needs (portal/api/urls.py); attachment downloads are sandboxed
# (incidents/downloads.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG and not TESTING:
    SECURE_SSL_REDIRECT = _bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = _int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        _fail("SECRET_KEY", "must be at least 50 characters with at least 5 distinct ones")

# The vendor whose add-on this portal supports, shown in the site shell.
VENDOR_NAME = os.environ.get("VENDOR_NAME", "Contoso Software")
PRODUCT_NAME = os.environ.get("PRODUCT_NAME", "Contoso Advanced Warehousing")
OTP_TOTP_ISSUER = VENDOR_NAME  # the name authenticator apps show beside the code

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"compact": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "compact"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Celery: broker, queues by urgency, beat's schedule (portal/settings_celery.py).
vars().update(
    celery_settings(
        read_int=_int,
        fail=_fail,
        testing=TESTING,
        var_dir=VAR_DIR,
        sweep_seconds=ESCALATION_SWEEP_SECONDS,
        resend_seconds=NOTIFY_RESEND_SECONDS,
        inbound_seconds=INBOUND_POLL_SECONDS,
    )
)
