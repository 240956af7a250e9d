"""Django settings, composed from :mod:`saferleeds.config` (environment variables only).

Do not edit per deployment: set the SAFERLEEDS_* variables documented in README.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from saferleeds import config


@contextmanager
def _improperly_configured() -> Iterator[None]:
    """Raise the Django-free ``config.ConfigError`` as Django's ``ImproperlyConfigured``
    (same one-line message), so a WSGI server and ``manage.py`` report it as such."""
    try:
        yield
    except config.ConfigError as exc:
        raise ImproperlyConfigured(str(exc)) from exc


with _improperly_configured():
    ENV = config.environment()
    PRODUCTION = ENV == "production"
    # Production names every missing or weak variable in one line, before anything else.
    config.check_production()
    DATA_DIR = config.data_dir()
    SECRET_KEY = config.get_secret("SAFERLEEDS_SECRET_KEY")
BASE_DIR = Path(__file__).resolve().parent

DEBUG = not PRODUCTION and config.get("SAFERLEEDS_DEBUG") == "1"
ALLOWED_HOSTS = [
    h.strip()
    for h in (config.get("SAFERLEEDS_ALLOWED_HOSTS") or "").split(",")
    if h.strip()
]
if ENV == "test":
    ALLOWED_HOSTS += ["testserver"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "saferleeds.partners",
    "saferleeds.audit",
    "saferleeds.places",
    "saferleeds.people",
    "saferleeds.incidents",
    "saferleeds.safeguarding",  # the case core
    # Casework modules, each plugged into the case page through core.registry.
    "saferleeds.marac",
    "saferleeds.asb",
    "saferleeds.nrm",
    "saferleeds.offending",
    "saferleeds.hate",
    # IOM cohort management, on offending: selection, reviews, pathways.
    "saferleeds.iom",
    # Record linkage: agency records resolved into people, with clerical review.
    "saferleeds.linkage",
    # The plan: priorities, outcomes, deliverables with RAG status, boards.
    "saferleeds.governance",
    # Domestic Abuse Related Death Reviews and their recommendations' tracker.
    "saferleeds.dardr",
    "saferleeds.infogov",
    "saferleeds.web",
    # Security hardening: TOTP two-factor sign-in, lock-out, Content-Security-Policy.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
]

MIDDLEWARE = [
    # First: one log line per request, timing every layer below (saferleeds.web.logs).
    "saferleeds.web.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: who verified a code, then timeouts, then the sign-in gate.
    "django_otp.middleware.OTPMiddleware",
    "saferleeds.web.middleware.SessionTimeoutMiddleware",
    "saferleeds.web.middleware.SignInRequiredMiddleware",
    "saferleeds.web.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: turns a locked-out sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "saferleeds.urls"
WSGI_APPLICATION = "saferleeds.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "saferleeds.web.context.partnership",
                "saferleeds.web.context.navigation",
            ],
        },
    }
]

_default_db = f"sqlite:///{DATA_DIR / 'saferleeds.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        config.get("DATABASE_URL") or _default_db, conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the web server read while the CLI writes; a busy timeout avoids
    # spurious "database is locked" under concurrent demo use.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Table and column comments document the schema in PostgreSQL, where the DPO and
    # analysts read them; SQLite cannot store them, which is expected, not a fault:
    # without this every management command opened with some 200 lines of warnings.
    SILENCED_SYSTEM_CHECKS = ["fields.W163", "models.W046"]
else:
    # A kept connection is checked before a request uses it: after PostgreSQL restarts
    # the first request reconnects instead of failing on the dead connection.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
]
if ENV == "test":
    # Fast hashing keeps the persona cast cheap to create in each test; tests only.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "login"
# "/" sends each user to their role's home page (core.registry navigation, web.views).
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "signed_out"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# The demo serves static files from the package itself; production may collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# Browsers keep static files an hour, then revalidate (ETag, 304): an upgrade's CSS or
# JavaScript shows within the hour, and page views meanwhile fetch none of them again.
WHITENOISE_MAX_AGE = 0 if DEBUG else 60 * 60

# Safe defaults everywhere; production adds transport security.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 60 * 60
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # A load balancer's health probe may use plain HTTP on the private side.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

with _improperly_configured():
    _LOG_FORMAT = config.get("SAFERLEEDS_LOG_FORMAT") or "text"
    if _LOG_FORMAT not in ("text", "json"):
        raise config.ConfigError(
            f"SAFERLEEDS_LOG_FORMAT={_LOG_FORMAT!r} is not text or json"
        )
# Refusals (4xx: 403, 404, 405, 409...) are one line each -- method, path, status, user
# id, reason -- without a traceback; server errors (5xx) keep theirs.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusals": {"()": "saferleeds.web.logs.OneLineRefusals"}},
    "formatters": {
        "text": {"format": "%(message)s"},
        "json": {"()": "saferleeds.web.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["refusals"],
            "formatter": _LOG_FORMAT,
        }
    },
    "loggers": {
        # One line per request (saferleeds.web.logs.RequestLogMiddleware).
        "saferleeds.request": {"level": "INFO"},
        # On the logger too, so every handler (Django's own in DEBUG, a test's) sees the
        # one-line record.
        "django.request": {"filters": ["refusals"]},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# The cache lives in the operational database, so every server process shares it: the
# public form's rate limit counts each address once, however many processes serve it.
# Its table is made by the web app's migration (``manage migrate``, ``demo load``).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "saferleeds_cache",
    }
}
# What the pages computed from the analytics store (map layers, Gi*, indicators), keyed
# by the store's data version (saferleeds.core.analytics_cache), so entries never need to
# expire to stay right; the timeout only clears versions no page will ask for again.
# Files by default: every server process shares them and they survive a restart.
with _improperly_configured():
    _ANALYTICS_CACHE = config.get("SAFERLEEDS_ANALYTICS_CACHE") or "file"
    if _ANALYTICS_CACHE not in ("file", "memory", "off"):
        raise config.ConfigError(
            f"SAFERLEEDS_ANALYTICS_CACHE={_ANALYTICS_CACHE!r} is not file, memory or off"
        )
CACHES["analytics"] = {
    "BACKEND": {
        "file": "django.core.cache.backends.filebased.FileBasedCache",
        "memory": "django.core.cache.backends.locmem.LocMemCache",
        "off": "django.core.cache.backends.dummy.DummyCache",
    }[_ANALYTICS_CACHE],
    "LOCATION": str(DATA_DIR / "cache" / "analytics")
    if _ANALYTICS_CACHE == "file"
    else "saferleeds-analytics",
    "TIMEOUT": 7 * 24 * 3600,
    "OPTIONS": {"MAX_ENTRIES": 2000},
}

SAFERLEEDS_ANALYTICS_PATH = config.analytics_path()

# The map's near-repeat table marks a cell only when its Knox ratio is at least this and
# its p-value at most that (the effect-size reading of Near Repeat Calculator users).
SAFERLEEDS_NEAR_REPEAT_MIN_RATIO = 1.2
SAFERLEEDS_NEAR_REPEAT_ALPHA = 0.05

# Case documents (safeguarding.documents): bytes kept outside the web root (never under
# STATIC_ROOT or a media URL) with random names, served only through the access check.
SAFERLEEDS_DOCUMENT_ROOT = DATA_DIR / "documents"
SAFERLEEDS_DOCUMENT_MAX_BYTES = 10 * 1024 * 1024

# --- REST API (owned by saferleeds.api) -------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "saferleeds partner API",
    "DESCRIPTION": "Partner systems read and write the partnership's records under the "
    "same sharing agreements, access rules and audit as the pages.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Cases and agreements' case scopes share one set of case types.
    "ENUM_NAME_OVERRIDES": {"CaseTypeEnum": "saferleeds.partners.models.CaseType"},
}
# --- Security hardening (owned by the hardening work) -----------------------------------
from datetime import timedelta  # noqa: E402 - kept inside the block this work owns

from csp.constants import NONE, SELF  # noqa: E402


def _require_2fa() -> bool:
    """SAFERLEEDS_REQUIRE_2FA: on by default outside demo, and always on in production."""
    value = config.get("SAFERLEEDS_REQUIRE_2FA")
    if value not in (None, "0", "1"):
        raise config.ConfigError(f"SAFERLEEDS_REQUIRE_2FA={value!r} is not 0 or 1")
    if PRODUCTION:
        return True
    return ENV != "demo" if value is None else value == "1"


# Two-factor sign-in (django-otp, TOTP). saferleeds.web.middleware sends every signed-in
# session that has not yet entered a code to the code step, whatever the view.
with _improperly_configured():
    SAFERLEEDS_REQUIRE_2FA = _require_2fa()


def OTP_TOTP_ISSUER(device: object) -> str:  # noqa: N802 - django-otp calls the setting
    """The name an authenticator app shows beside the code: the partnership's."""
    from saferleeds.partnership import current

    return current().name


OTP_TOTP_THROTTLE_FACTOR = 1  # wrong codes wait 1, 2, 4, 8... seconds before the next
# Sessions: signed out after 30 minutes idle, and 12 hours after signing in whatever.
SAFERLEEDS_SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
SAFERLEEDS_SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)

# Lock-out after repeated wrong passwords (django-axes). Keyed on the username, whatever
# address the attempts come from, and separately on the client address. The address is
# the TCP peer only (REMOTE_ADDR): a client-supplied X-Forwarded-For is never believed.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out users
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Content-Security-Policy (django-csp 4): everything from this origin, no inline script,
# never framed. Pages load /static/web/init.js as a module, so no nonce is needed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}
