"""Settings shared by every environment. Everything that differs between machines comes from the
environment (django-environ); see `.env.example` for the full list."""

from pathlib import Path
from urllib.parse import unquote

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

SECRET_KEY = env("DJANGO_SECRET_KEY")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("DJANGO_ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # pghistory.admin first: its templates add an "Events" (audit history) link to every tracked admin page.
    "pghistory.admin",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files, no CDN
    "django_countries",
    "pgtrigger",
    "pghistory",
    "apps.core",
    "apps.accounts",
    "apps.functions",
    "apps.vendors",
    "apps.kpis",
    "apps.performance",
    "apps.contracts",
    "apps.notifications",
    "apps.dashboards",
    "apps.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Attaches the signed-in user and URL to every audit event written during the request.
    "pghistory.middleware.HistoryMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "apps.dashboards.navigation.navigation",
            ],
        },
    },
]


def database_from_url(url: str) -> dict[str, object]:
    """django-environ's parse, plus a percent-encoded Unix socket folder as host
    (``postgres://user@%2Fpath%2Fto%2Fsocket/db``), which it leaves encoded."""
    config = environ.Env.db_url_config(url)
    config["HOST"] = unquote(str(config.get("HOST", "")))
    config["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    config["CONN_HEALTH_CHECKS"] = True
    config["ATOMIC_REQUESTS"] = False
    # The audit triggers ask django-pgtrigger whether to skip by reading ``pgtrigger.ignore`` inside an
    # exception block. Undefined (or empty after a SET LOCAL) it raises there, and every row rolls back
    # a subtransaction, whose cost grows with the foreign-key checks queued in the transaction: a
    # multi-row write became quadratic. Defined as "ignore nothing" for every connection, it never
    # raises; ``pgtrigger.ignore()`` still overrides it where used.
    options = dict(config.get("OPTIONS") or {})
    options["options"] = f"{options.get('options', '')} -c pgtrigger.ignore={{}}".strip()
    config["OPTIONS"] = options
    return config


DATABASES = {"default": database_from_url(env("DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
# The organisation's time zone: SLA windows (calendar months, quarters) are cut in it.
TIME_ZONE = env("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

REDIS_URL = env("REDIS_URL")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}

# Celery: the broker is Redis; results are not needed (tasks record their effects in the database).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="") or REDIS_URL
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request must never hang on a broker that is down: fail fast, log, let the next sweep catch up.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5, "max_retries": 1}
CELERY_TASK_PUBLISH_RETRY = False

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Vendor Governance <governance@localhost>")
# Where the workspace is reached from outside: the links in notification e-mails start with it.
SITE_URL = env("SITE_URL", default="http://localhost:8000")

# How far back the SLA sweep re-evaluates closed windows when late data arrives (days).
SLA_LOOKBACK_DAYS = env.int("SLA_LOOKBACK_DAYS", default=190)
if SLA_LOOKBACK_DAYS < 1:
    raise ImproperlyConfigured(f"SLA_LOOKBACK_DAYS must be a positive number of days, not {SLA_LOOKBACK_DAYS}.")
# The hour (0–23, in TIME_ZONE) at which beat sends the day's reminders (config/celery.py).
REMINDER_HOUR = env.int("REMINDER_HOUR", default=7)
if not 0 <= REMINDER_HOUR <= 23:
    raise ImproperlyConfigured(f"REMINDER_HOUR must be an hour from 0 to 23, not {REMINDER_HOUR}.")

# Scorecards (apps/performance/scorecards.py, which documents the scoring): the standings a score (0–100)
# reaches, best first; each KPI's weight by the severity of its SLA term, and for a KPI held to its
# default target; the DORA report year whose bands the four DORA KPIs are shown in.
SCORECARD_STANDINGS = [(90, "Excellent"), (75, "Good"), (50, "Needs attention"), (0, "Critical")]
SCORECARD_SEVERITY_WEIGHTS = {"critical": 3, "major": 2, "minor": 1}
SCORECARD_DEFAULT_WEIGHT = 1
SCORECARD_DORA_YEAR = 2023
# How long the dashboard's league table keeps a portfolio's scorecards (seconds; 0: never). Whatever
# they are made of changing (measurements, SLA terms, contracts, KPIs, bands) invalidates them at once.
SCORECARD_CACHE_SECONDS = env.int("SCORECARD_CACHE_SECONDS", default=600)

# KPI measurements in bulk: rows per POST /api/v1/measurements/bulk/ (more is a 413), and the CSV
# import's limits (file size in bytes, data rows) and the rows its task writes per chunk.
MEASUREMENT_BULK_MAX_ROWS = 5_000
MEASUREMENT_IMPORT_MAX_BYTES = 5 * 1024 * 1024
MEASUREMENT_IMPORT_MAX_ROWS = 50_000
MEASUREMENT_IMPORT_CHUNK_ROWS = 1_000

# The portfolio overview (apps/dashboards/tiles/concentration.py): a vendor's or a country's share of the annual
# spend (per currency) or of the critical functions above this percentage is flagged as a concentration.
CONCENTRATION_THRESHOLD_PERCENT = 30

# The attention ranking (apps/dashboards/attention.py; docs/governance/attention-ranking.md): the weight of
# each thing that makes a vendor need attention. The league table orders vendors by the weighted sum.
ATTENTION_WEIGHTS = {
    "breach_critical": 10,  # each open or acknowledged critical breach
    "breach_major": 5,  # each open major breach
    "breach_minor": 2,  # each open minor breach
    "credits_per_thousand": 1,  # per 1,000 of REPORTING_CURRENCY of service credits owed
    "standing_critical": 8,  # the scorecard's worst standing ("Critical")
    "standing_needs_attention": 4,  # the standing above it ("Needs attention")
    "falling_trend": 2,  # the scorecard fell by ATTENTION_FALLING_TREND_POINTS or more
    "high_risk": 3,  # each risk not closed with likelihood × impact of 15 or more
    "access_finding_high": 3,  # each high-severity access finding
    "access_finding_medium": 1,  # each medium-severity access finding
    "expired_certification": 3,  # each certification expired and not renewed
    "cancel_by_30_days": 4,  # each active contract whose cancel-by date is within 30 days
    "cancel_by_90_days": 2,  # ... within 31 to 90 days
    "open_override": 3,  # each gate override whose conditions are still unmet
    "expired_policy_exception": 3,  # each policy exception past its review date
    "spend_share": 3,  # the vendor's share of annual spend is above CONCENTRATION_THRESHOLD_PERCENT
}
# Points a scorecard must lose against the month before to count as falling (the league table's ▼).
ATTENTION_FALLING_TREND_POINTS = 1

# The one currency the overview adds money up in (ISO 4217). Other currencies convert at the dated
# rates of the FX-rate table (apps.core.models.FxRate: the latest on or before the figure's date).
REPORTING_CURRENCY = env("REPORTING_CURRENCY", default="EUR")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["apps.core.permissions.RoleModelPermissions"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "apps.core.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Vendor Governance API",
    "DESCRIPTION": "Vendors, contracts, SLA terms, breaches and KPI measurements of the outsourcing portfolio.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Several models have a `status` / `source`: name each enum after its own choices.
    "ENUM_NAME_OVERRIDES": {
        "VendorStatusEnum": "apps.vendors.choices.VendorStatus",
        "ReviewStatusEnum": "apps.vendors.choices.ReviewStatus",
        "RiskStatusEnum": "apps.vendors.choices.RiskStatus",
        "ContractStatusEnum": "apps.contracts.choices.ContractStatus",
        "BreachStatusEnum": "apps.performance.choices.BreachStatus",
        "EvaluationStatusEnum": "apps.performance.choices.EvaluationStatus",
        "MeasurementSourceEnum": "apps.performance.choices.MeasurementSource",
        "BandSourceEnum": "apps.kpis.choices.BandSource",
        "NotificationKindEnum": "apps.notifications.choices.NotificationKind",
        "SeverityEnum": "apps.performance.choices.Severity",
        "FindingSeverityEnum": "apps.vendors.findings.FindingSeverity",
    },
}

# The admin's audit trail shows who changed what, through which action, and when.
PGHISTORY_ADMIN_CLASS = "apps.core.audit_admin.AuditEventsAdmin"

# `manage.py seed_demo` (demo users with a published password) runs only where this is on.
DEMO_DATA_ALLOWED = env.bool("DEMO_DATA_ALLOWED", default=False)

# API tokens: lifetime in days when none is given (0 = never expires).
API_TOKEN_DEFAULT_EXPIRY_DAYS = env.int("API_TOKEN_DEFAULT_EXPIRY_DAYS", default=365)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"no_client_error_tracebacks": {"()": "apps.core.logging.NoClientErrorTracebacks"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["no_client_error_tracebacks"]}
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's own console handler (under DEBUG) would print every request warning a second time.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
