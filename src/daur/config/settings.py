"""Django settings, all driven by DAUR_* environment variables (embedded defaults for a laptop)."""

from __future__ import annotations

import os
import secrets
import warnings
from pathlib import Path

import dj_database_url

from daur.config.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
# Where the embedded default keeps its SQLite file and local secret key.
DAUR_HOME = Path(os.environ.get("DAUR_HOME", Path.cwd()))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def local_secret_key(path: Path) -> str:
    """Read the embedded default's secret key, creating it (mode 0600) the first time."""
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(50)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


SECRET_KEY = os.environ.get("DAUR_SECRET_KEY") or local_secret_key(DAUR_HOME / ".daur-secret-key")
DEBUG = env_bool("DAUR_DEBUG", False)
ALLOWED_HOSTS = env_list("DAUR_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DAUR_CSRF_TRUSTED_ORIGINS", "")

# A PostgreSQL session idle inside a transaction this long is ended by the server (0: never):
# a process stopped or hung mid-transaction must not hold its locks and old snapshot for ever.
DAUR_DB_IDLE_IN_TRANSACTION_SECONDS = int(
    os.environ.get("DAUR_DB_IDLE_IN_TRANSACTION_SECONDS", "600")
)


def database_config(url: str, **parsed: object) -> dict:
    """A DATABASES entry from a URL, with the session settings Daur's PostgreSQL sessions carry."""
    config = dj_database_url.parse(url, **parsed)
    if config["ENGINE"] == "django.db.backends.postgresql":
        options = config.setdefault("OPTIONS", {})
        timeout_ms = DAUR_DB_IDLE_IN_TRANSACTION_SECONDS * 1000
        session = f"-c idle_in_transaction_session_timeout={timeout_ms}"
        options["options"] = f"{options.get('options', '')} {session}".strip()
    return config


DATABASE_URL = os.environ.get("DAUR_DATABASE_URL") or f"sqlite:///{DAUR_HOME / 'daur.sqlite3'}"
DATABASES = {"default": database_config(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web pages read while an import or a scoring run writes.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }

# The API's hottest reads (a token, a customer) run as prepared statements on PostgreSQL
# (daur.db.prepared); off for a connection pooler in transaction mode that does not keep them.
DAUR_DB_PREPARED_READS = env_bool("DAUR_DB_PREPARED_READS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "simple_history",
    "django_celery_beat",
    "daur.accounts",
    "daur.customers",
    "daur.catalog",
    "daur.campaigns",
    "daur.leads",
    "daur.sales",
    "daur.engagement",
    "daur.surveys",
    "daur.servicedesk",
    "daur.community",
    "daur.insights",
    "daur.interchange",
    "daur.web",
    "daur.api",
    "ninja",  # its Swagger UI files, served from here (no CDN)
]

MIDDLEWARE = [
    "daur.config.logs.RequestId",
    "django.middleware.security.SecurityMiddleware",
    "daur.api.middleware.ApiBodyLimit",
    "daur.web.middleware.ContentSecurityPolicy",
    # A call with an API token and no session cookie skips DAUR_API_TOKEN_SKIPS_MIDDLEWARE below.
    "daur.api.middleware.TokenCalls",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Records the user of a request on the history of what it changes (the admin's writes too).
    "simple_history.middleware.HistoryRequestMiddleware",
    "daur.web.middleware.OutOfRangeIsNotFound",
    # Last, as django-axes asks: it turns a locked-out login into the lockout response.
    "axes.middleware.AxesMiddleware",
]

# What an API call with a bearer token and no session cookie does not go through (a browser's
# needs: static files, the session and its user, CSRF, messages, htmx, login lockouts); the
# language, the common checks (the host), the frame header, the history's user and the
# out-of-range 404 stay.
DAUR_API_TOKEN_SKIPS_MIDDLEWARE = [
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "daur.config.urls"
WSGI_APPLICATION = "daur.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out user before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# Lock-out after repeated failed logins (django-axes): per user name and address.
AXES_ENABLED = env_bool("DAUR_AXES_ENABLED", True)
AXES_FAILURE_LIMIT = int(os.environ.get("DAUR_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("DAUR_LOGIN_COOLOFF_MINUTES", "15")) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/auth/locked_out.html"
AXES_VERBOSE = False

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("id", "Bahasa Indonesia"), ("it", "Italiano")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("DAUR_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DAUR_STATIC_ROOT", DAUR_HOME / "staticfiles"))
# WhiteNoise serves the static files of the installed apps without DEBUG and without a
# `collectstatic` step (it indexes the finders at start-up); a collected STATIC_ROOT also works.
WHITENOISE_USE_FINDERS = True
warnings.filterwarnings("ignore", message="No directory at")  # WhiteNoise, before collectstatic
WHITENOISE_MAX_AGE = 3600

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DAUR_SECURE_COOKIES", False)
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("DAUR_SESSION_HOURS", "12")) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True  # pages send the token from the template (htmx: hx-headers)
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Dashboard aggregates are cached this long per user scope (0 turns the cache off).
DAUR_DASHBOARD_CACHE_SECONDS = int(os.environ.get("DAUR_DASHBOARD_CACHE_SECONDS", "60"))
# The lead board's stage flow is cached this long; its key changes with every move or lead,
# so this only bounds how long an unused entry stays (0 turns the cache off).
DAUR_LEAD_FLOW_CACHE_SECONDS = int(os.environ.get("DAUR_LEAD_FLOW_CACHE_SECONDS", "600"))
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True


def proxy_ssl_header(value: str) -> tuple[str, str] | None:
    """SECURE_PROXY_SSL_HEADER from "X-Forwarded-Proto" (meaning "=https") or "Header=value"."""
    name, _, secure = value.partition("=")
    if not name.strip():
        return None
    return "HTTP_" + name.strip().upper().replace("-", "_"), secure.strip() or "https"


# HTTPS (README, "Production"): behind a proxy that ends TLS, the header it sets on HTTPS
# requests; HTTP requests redirected to HTTPS; HSTS, which tells browsers to use nothing else.
SECURE_PROXY_SSL_HEADER = proxy_ssl_header(os.environ.get("DAUR_PROXY_SSL_HEADER", ""))
SECURE_SSL_REDIRECT = env_bool("DAUR_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("DAUR_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DAUR_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("DAUR_HSTS_PRELOAD", False)
# The client's address behind a proxy: the header the proxy appends it to ("X-Forwarded-For";
# empty: the connection's address, as with no proxy a client could write the header itself), and
# how many proxies append to it (the address is read that many places from the right, so that
# whatever a client wrote there itself is never taken). The login lock-out counts per address.
DAUR_FORWARDED_FOR_HEADER = os.environ.get("DAUR_FORWARDED_FOR_HEADER", "").strip()
DAUR_PROXY_COUNT = max(int(os.environ.get("DAUR_PROXY_COUNT", "1")), 1)
AXES_CLIENT_IP_CALLABLE = "daur.web.auth.client_address"
# Every response's Content-Security-Policy (empty: none). The pages load scripts, styles and
# images from the site alone, with no inline script, style or event handler.
DAUR_CONTENT_SECURITY_POLICY = os.environ.get(
    "DAUR_CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'",
).strip()

# A `running` scoring run older than this is marked failed by the next run (docs/scoring.md).
DAUR_SCORING_STALE_MINUTES = int(os.environ.get("DAUR_SCORING_STALE_MINUTES", "120"))
# `daur score --distributed`: customers per range (one Celery task a phase) and how long the
# run waits for a phase's ranges before it fails (keeping the previous scores).
DAUR_SCORING_RANGE_SIZE = int(os.environ.get("DAUR_SCORING_RANGE_SIZE", "50000"))
DAUR_SCORING_RANGE_TIMEOUT = float(os.environ.get("DAUR_SCORING_RANGE_TIMEOUT", "3600"))
# ... and how many of the new scores table's indexes it builds at once (a PostgreSQL server
# process each: up to its cores).
DAUR_SCORING_BUILD_CONNECTIONS = int(os.environ.get("DAUR_SCORING_BUILD_CONNECTIONS", "2"))
# A pause at the start of every range's work, for fault drills (killing a worker midway).
DAUR_SCORING_RANGE_DELAY = float(os.environ.get("DAUR_SCORING_RANGE_DELAY", "0"))
# `daur score --incremental`: above this share of the base to read again, a full run is made.
DAUR_INCREMENTAL_MAX_SHARE = float(os.environ.get("DAUR_INCREMENTAL_MAX_SHARE", "0.5"))
# The scheduled nightly run reads again only the customers whose inputs changed ("0": full).
DAUR_SCORE_NIGHTLY_INCREMENTAL = os.environ.get("DAUR_SCORE_NIGHTLY_INCREMENTAL", "1") != "0"

# Money: the base currency of values, and rates into it for the others ("EUR=17500,USD=16000").
DAUR_DEFAULT_CURRENCY = os.environ.get("DAUR_DEFAULT_CURRENCY", "IDR").upper()
# The country a phone number without its international prefix is read in (ISO 3166 alpha-2),
# for a customer whose country is not such a code.
DAUR_DEFAULT_COUNTRY = os.environ.get("DAUR_DEFAULT_COUNTRY", "ID").upper()
DAUR_EXCHANGE_RATES = {
    code.strip().upper(): float(rate)
    for code, _, rate in (
        item.partition("=") for item in env_list("DAUR_EXCHANGE_RATES", "EUR=17500,USD=16000")
    )
}
# Scoring: the margin rate where product costs are unknown, and an optional rules TOML file.
DAUR_DEFAULT_MARGIN_RATE = float(os.environ.get("DAUR_DEFAULT_MARGIN_RATE", "0.30"))
# How a lead created without an owner gets one: value (fair by expected value), round_robin or
# rules (the admin's lead assignment rules, else by value); and how many open leads a rep
# carries at most unless their profile says otherwise.
DAUR_LEAD_ASSIGNMENT = os.environ.get("DAUR_LEAD_ASSIGNMENT", "value").strip().lower()
DAUR_LEAD_CAPACITY = int(os.environ.get("DAUR_LEAD_CAPACITY", "200"))
DAUR_RULES_FILE = os.environ.get("DAUR_RULES_FILE", "")
# Behaviour-change alerts: a segment's drop is an alert when its one-sided p-value is below
# DAUR_ALERT_P_VALUE, it fell by at least DAUR_ALERT_MIN_DROP (a fraction) and its baseline
# expected at least DAUR_ALERT_MIN_EXPECTED orders in the window.
DAUR_ALERT_P_VALUE = float(os.environ.get("DAUR_ALERT_P_VALUE", "0.01"))
DAUR_ALERT_MIN_DROP = float(os.environ.get("DAUR_ALERT_MIN_DROP", "0.20"))
DAUR_ALERT_MIN_EXPECTED = float(os.environ.get("DAUR_ALERT_MIN_EXPECTED", "5"))

EMAIL_BACKEND = os.environ.get(
    "DAUR_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
# The SMTP server of django.core.mail.backends.smtp.EmailBackend, and who the e-mail is from.
EMAIL_HOST = os.environ.get("DAUR_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DAUR_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DAUR_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DAUR_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DAUR_EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("DAUR_EMAIL_FROM", "Daur <noreply@localhost>")
# The site's address as customers reach it: the unsubscribe links in e-mail are absolute on it.
DAUR_BASE_URL = os.environ.get("DAUR_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# The business's name in the footer of its e-mail.
DAUR_BUSINESS_NAME = os.environ.get("DAUR_BUSINESS_NAME", "Daur")
# The service desk's e-mail (docs/service.md, "E-mail"): the address customers write to (the
# Reply-To of the desk's replies), its IMAP mailbox polled every minute when a host is set, the
# shared secret of the inbound webhook (unset: no webhook) and the largest message taken in.
DAUR_SUPPORT_ADDRESS = os.environ.get("DAUR_SUPPORT_ADDRESS", "")
DAUR_SUPPORT_IMAP_HOST = os.environ.get("DAUR_SUPPORT_IMAP_HOST", "")
DAUR_SUPPORT_IMAP_PORT = int(os.environ.get("DAUR_SUPPORT_IMAP_PORT", "993"))
DAUR_SUPPORT_IMAP_USER = os.environ.get("DAUR_SUPPORT_IMAP_USER", "")
DAUR_SUPPORT_IMAP_PASSWORD = os.environ.get("DAUR_SUPPORT_IMAP_PASSWORD", "")
DAUR_SUPPORT_IMAP_FOLDER = os.environ.get("DAUR_SUPPORT_IMAP_FOLDER", "INBOX")
DAUR_INBOUND_EMAIL_SECRET = os.environ.get("DAUR_INBOUND_EMAIL_SECRET", "")
DAUR_INBOUND_EMAIL_MAX_BYTES = int(os.environ.get("DAUR_INBOUND_EMAIL_MAX_BYTES", "10485760"))

# Background jobs: with no Redis configured they run in-process (the embedded default).
REDIS_URL = os.environ.get("DAUR_REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# `daur scheduler`: the schedules are rows, edited in the admin (Periodic tasks).
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# Caches. With Redis (DAUR_CACHE_URL, else DAUR_REDIS_URL) every web process shares the cache:
# the dashboard's figures are computed once for all, and sessions are read from it (a look-up
# instead of a query on every page; they are still written to the database). Without Redis each
# process keeps its own cache and sessions stay in the database. "local" holds rendered fragments
# that do not change while the process runs (the navigation), next to the code that uses them.
CACHE_URL = os.environ.get("DAUR_CACHE_URL", REDIS_URL)
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "daur",
        }
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "daur"}
    ),
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "local"},
}
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if CACHE_URL
    else "django.contrib.sessions.backends.db"
)

# Logs: DAUR_LOG_FORMAT=json for one JSON object a line (text otherwise), each with its request
# id; DAUR_LOG_LEVEL=INFO adds one access line per request on the `daur.request` logger.
LOGGING = logging_config(
    os.environ.get("DAUR_LOG_LEVEL", "WARNING"), os.environ.get("DAUR_LOG_FORMAT", "text")
)

# The API (SPEC §7): per-token rate limits in a window of DAUR_API_RATE_WINDOW seconds (requests,
# and the records of bulk requests), the largest request body, how long an idempotency key's
# first answer is kept.
DAUR_API_RATE_WINDOW = int(os.environ.get("DAUR_API_RATE_WINDOW", "60"))
DAUR_API_RATE_REQUESTS = int(os.environ.get("DAUR_API_RATE_REQUESTS", "6000"))
DAUR_API_RATE_RECORDS = int(os.environ.get("DAUR_API_RATE_RECORDS", "600000"))
DAUR_API_MAX_BODY_BYTES = int(os.environ.get("DAUR_API_MAX_BODY_MB", "16")) * 1024 * 1024
DAUR_API_IDEMPOTENCY_HOURS = float(os.environ.get("DAUR_API_IDEMPOTENCY_HOURS", "24"))
