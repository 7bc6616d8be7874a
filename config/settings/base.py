"""Settings shared by every environment. Everything that differs between machines comes from the
environment (django-environ); see `.env.example` for the full list."""

from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from apps.accounts.sso.providers import default_role_from_env, group_roles_from_env, sso_providers_from_env

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
    # Index expressions with an operator class (the trigram indexes of global search, apps/core/search.py).
    "django.contrib.postgres",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files, no CDN
    "django_countries",
    "axes",  # sign-in lockout: after the apps whose models it reads (auth), see AUTHENTICATION_BACKENDS
    "csp",
    "pgtrigger",
    "pghistory",
    # Sign-in (docs/architecture/identity.md): local accounts, password reset and change, SSO through
    # OpenID Connect and SAML 2.0, MFA (TOTP, recovery codes, WebAuthn). Django's own auth underneath.
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "allauth.mfa",
    "apps.core",
    "apps.accounts",
    "apps.documents",
    "apps.functions",
    "apps.vendors",
    "apps.kpis",
    "apps.performance",
    "apps.contracts",
    "apps.roster",
    "apps.costs",
    "apps.notifications",
    "apps.dashboards",
    "apps.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy and Permissions-Policy headers (CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY).
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # A NUL character in the path, query or a form: 400; a DataError that escaped a page: 400, logged.
    "apps.core.middleware.RequestInputMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # django-allauth's: the state of a sign-in in progress (an MFA step, an SSO round trip).
    "allauth.account.middleware.AccountMiddleware",
    # Ends a session idle for SESSION_IDLE_TIMEOUT or older than SESSION_COOKIE_AGE.
    "apps.accounts.middleware.SessionTimeoutMiddleware",
    # Holds a person whose role requires MFA (MFA_REQUIRED_ROLES) on the enrolment page until they have an
    # authenticator (apps/accounts/mfa.py).
    "apps.accounts.mfa.MFARequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Attaches the signed-in user and URL to every audit event written during the request.
    "pghistory.middleware.HistoryMiddleware",
    # Turns a sign-in refused by the lockout into the lockout page (AXES_LOCKOUT_CALLABLE). Last: it
    # looks at what the sign-in view did to the request.
    "axes.middleware.AxesMiddleware",
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
    # Connections are kept between requests; each is checked before its first use in a request, so a
    # PostgreSQL restart costs no failed request, and an outage fails requests at once instead of
    # hanging them (a server that does not answer at all: after DATABASE_CONNECT_TIMEOUT seconds).
    # tests/faults/test_postgres_restart.py restarts PostgreSQL under a running server.
    config["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    config["CONN_HEALTH_CHECKS"] = True
    config["ATOMIC_REQUESTS"] = False
    # The audit triggers ask django-pgtrigger whether to skip by reading ``pgtrigger.ignore`` inside an
    # exception block. Undefined (or empty after a SET LOCAL) it raises there, and every row rolls back
    # a subtransaction, whose cost grows with the foreign-key checks queued in the transaction: a
    # multi-row write became quadratic. Defined as "ignore nothing" for every connection, it never
    # raises; ``pgtrigger.ignore()`` still overrides it where used.
    # JIT compilation is off: the planner switches it on for any statement whose estimate is large, and
    # the overview's set-based aggregates (the league table's costs over a year of a portfolio) then spent
    # 3.6 of their 9.8 s compiling (bench/README.md); none of our statements runs long enough to repay it.
    # Search's typo tolerance (apps/core/search.py) is pg_trgm's ``<%`` at this threshold: at PostgreSQL's
    # 0.6 one missing letter in a seven-letter word ("vistla", "sofware") was not found; at 0.5 it is, and
    # two changes in a short word ("krkow") still are not.
    options = dict(config.get("OPTIONS") or {})
    options["options"] = (
        f"{options.get('options', '')} -c pgtrigger.ignore={{}} -c pg_trgm.word_similarity_threshold=0.5 -c jit=off"
    ).strip()
    options.setdefault("connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5))
    config["OPTIONS"] = options
    return config


DATABASES = {"default": database_from_url(env("DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Every password set through a form, createsuperuser or apps.accounts.services.user_create: at least
# 12 characters, not one of Django's 20,000 common passwords, not all digits, not like the user's name.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes' backend comes first: a sign-in that is locked out is refused before any password is
# hashed. Every sign-in path goes through authenticate(): the sign-in page, the admin's, and any later
# step (SSO, MFA) — docs/architecture/sign-in-and-headers.md says how a new step plugs in.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # django-allauth's backend (a ModelBackend: permissions, sessions, SSO sign-ins) with the local-password
    # policy: the one backend that checks a password, so a wrong one costs one hash, not two.
    "apps.accounts.signin.PasswordBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# The address a request comes from: REMOTE_ADDR, or behind N reverse proxies that each append to
# X-Forwarded-For (a TLS terminator, a load balancer), the address the outermost one saw. Used by the
# sign-in lockout and the API throttles (apps.accounts.throttling.client_address). Set it to the number
# of proxies exactly: fewer makes every client look like the proxy; more lets a client forge its address.
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"DJANGO_TRUSTED_PROXY_COUNT must be 0 or more, not {TRUSTED_PROXY_COUNT}.")

# Sign-in lockout (django-axes, database handler: it works with Redis down). Failed sign-ins are counted
# per account (username) and per address; either reaching its limit within AXES_COOLOFF_TIME of the
# previous failure locks that account or address out for AXES_COOLOFF_TIME (a failure while locked out
# starts it again). An admin unlocks at once (Admin → Axes → Access attempts: delete the rows; or
# `manage.py axes_reset_username NAME` / `axes_reset_ip ADDRESS`). An address is shared by everyone
# behind one office's NAT, hence its higher limit.
SIGN_IN_FAILURE_LIMITS = {"username": 10, "ip_address": 50}
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = SIGN_IN_FAILURE_LIMITS["username"]
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_HANDLER = "apps.accounts.lockout.SignInLockoutHandler"
AXES_LOCKOUT_CALLABLE = "apps.accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "apps.accounts.throttling.client_address"
# The account an attempt counts against: the username as typed, case-folded (sign-in ignores case).
AXES_USERNAME_CALLABLE = "apps.accounts.lockout.sign_in_username"
# A success does not wipe the failures: it would also wipe its address's, which an attacker with an
# account of their own could use to reset the address limit.
AXES_RESET_ON_SUCCESS = False
# The lockout page names who can lift a lockout sooner.
SIGN_IN_LOCKOUT_CONTACT = "an administrator of Vendor Governance"

# Sessions (in the database): signed out after SESSION_IDLE_TIMEOUT without a request, and
# SESSION_COOKIE_AGE after signing in whatever the activity (apps.accounts.middleware).
SESSION_COOKIE_AGE = int(timedelta(hours=12).total_seconds())
SESSION_IDLE_TIMEOUT = int(timedelta(minutes=30).total_seconds())

# Content-Security-Policy (django-csp): scripts, styles, fonts, images and requests from this origin
# only — no inline script or style, no eval (the vendored htmx runs with allowEval off, see base.html),
# no plugins, not framed, forms post here. data: images are the icons inside the admin's and Swagger
# UI's style sheets. Behaviour lives in static/js/ and reads data- attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
# Permissions-Policy (django-permissions-policy): the browser features the workspace never uses are
# refused to it and to anything it could embed.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

LANGUAGE_CODE = "en-gb"
# The organisation's time zone: SLA windows (calendar months, quarters) are cut in it.
TIME_ZONE = env("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Evidence files (apps.documents, docs/architecture/evidence.md): on this machine's file system under the
# data folder by default, or in an S3-compatible bucket (docker-compose's optional minio service). Never
# public: every download goes through the app (signed in, allowed, audited); S3 URLs are never handed out.
EVIDENCE_STORAGE = env("EVIDENCE_STORAGE", default="filesystem")
EVIDENCE_ROOT = env("EVIDENCE_ROOT", default="") or str(
    Path(env("VG_DATA_DIR", default="") or BASE_DIR / "var") / "evidence"
)
if EVIDENCE_STORAGE == "s3":
    EVIDENCE_STORAGE_BACKEND = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("EVIDENCE_S3_BUCKET", default="evidence"),
            "endpoint_url": env("EVIDENCE_S3_ENDPOINT_URL", default="") or None,
            "access_key": env("EVIDENCE_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env("EVIDENCE_S3_SECRET_ACCESS_KEY", default="") or None,
            "region_name": env("EVIDENCE_S3_REGION", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
elif EVIDENCE_STORAGE == "filesystem":
    EVIDENCE_STORAGE_BACKEND = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # No base_url: the files are not served as static or media files, only through the download view.
        "OPTIONS": {"location": EVIDENCE_ROOT, "base_url": None},
    }
else:
    raise ImproperlyConfigured(f"EVIDENCE_STORAGE must be filesystem or s3, not {EVIDENCE_STORAGE!r}.")
# The largest evidence file accepted, in bytes (checked on the upload's real size). Default 25 MB.
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=25 * 1024 * 1024)
# The file types accepted, recognised by their content (not their name): pdf, png, jpeg, docx, xlsx, text.
EVIDENCE_ALLOWED_TYPES: list[str] = env.list(
    "EVIDENCE_ALLOWED_TYPES", default=["pdf", "png", "jpeg", "docx", "xlsx", "text"]
)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    "evidence": EVIDENCE_STORAGE_BACKEND,
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
# Acknowledged late, a task's message stays in Redis until it ends; if its worker dies (even SIGKILL),
# Redis hands it to another worker once the visibility timeout has passed since delivery. It must be
# longer than the longest task (a 50,000-row import or the sweep at scale: minutes) and than the longest
# retry countdown (an e-mail's: 16 minutes; tests/performance/test_import_lifecycle.py checks), or a
# healthy task would run twice: 30 minutes. The import watchdog (below) acts sooner for imports.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 1,
    "visibility_timeout": 30 * 60,
}
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
# How many days before a scheduled service review its vendor's owners are e-mailed the review pack (PDF).
REVIEW_PACK_DAYS_BEFORE = env.int("REVIEW_PACK_DAYS_BEFORE", default=2)
if REVIEW_PACK_DAYS_BEFORE < 0:
    raise ImproperlyConfigured(f"REVIEW_PACK_DAYS_BEFORE must be 0 or more days, not {REVIEW_PACK_DAYS_BEFORE}.")

# Scorecards (apps/performance/scorecards.py, which documents the scoring): the standings a score (0–100)
# reaches, best first; each KPI's weight by the severity of its SLA term, and for a KPI held to its
# default target; the DORA report year whose bands the four DORA KPIs are shown in.
SCORECARD_STANDINGS = [(90, "Excellent"), (75, "Good"), (50, "Needs attention"), (0, "Critical")]
SCORECARD_SEVERITY_WEIGHTS = {"critical": 3, "major": 2, "minor": 1}
SCORECARD_DEFAULT_WEIGHT = 1
SCORECARD_DORA_YEAR = 2023

# Delivery telemetry (apps/performance/telemetry; docs/architecture/telemetry.md).
# The key webhook secrets and API tokens are sealed with (Fernet); by default derived from SECRET_KEY,
# so rotating SECRET_KEY without setting this first makes every binding's secret unreadable.
TELEMETRY_SECRET_KEY = env("TELEMETRY_SECRET_KEY", default="")
# A binding with no event for this many days is "silent": a warning on its pages and a reminder to the
# contract's engineering owner.
TELEMETRY_SILENT_DAYS = env.int("TELEMETRY_SILENT_DAYS", default=7)
# Raw payloads are kept this many days (then cleared; the normalised events stay).
TELEMETRY_RETENTION_DAYS = env.int("TELEMETRY_RETENTION_DAYS", default=90)
# A rollback or hot-fix deployment within this many hours of a production deployment counts that
# deployment as failed (change failure rate).
TELEMETRY_ROLLBACK_HOURS = env.int("TELEMETRY_ROLLBACK_HOURS", default=24)
# The largest webhook body a receiver takes (bytes); GitHub's own cap is 25 MB, but a push or a pull
# request of the sizes that matter here is far smaller. Larger is answered 413.
TELEMETRY_MAX_BODY_BYTES = env.int("TELEMETRY_MAX_BODY_BYTES", default=5 * 1024 * 1024)
# The Jira custom fields that hold an issue's story points, the first with a number winning (Jira Cloud's
# "Story point estimate" is customfield_10016 on most sites; a comma-separated list from the environment).
TELEMETRY_JIRA_POINTS_FIELDS = env.list("TELEMETRY_JIRA_POINTS_FIELDS", default=["customfield_10016"])
# Backfill (manage.py telemetry_backfill): API tokens used for bindings that have none of their own.
# Read from the environment only; never logged. Jira Cloud takes an account e-mail with its API token.
TELEMETRY_GITHUB_TOKEN = env("TELEMETRY_GITHUB_TOKEN", default="")
TELEMETRY_GITLAB_TOKEN = env("TELEMETRY_GITLAB_TOKEN", default="")
TELEMETRY_JIRA_EMAIL = env("TELEMETRY_JIRA_EMAIL", default="")
TELEMETRY_JIRA_TOKEN = env("TELEMETRY_JIRA_TOKEN", default="")
TELEMETRY_PAGERDUTY_TOKEN = env("TELEMETRY_PAGERDUTY_TOKEN", default="")
for _name, _value in (
    ("TELEMETRY_SILENT_DAYS", TELEMETRY_SILENT_DAYS),
    ("TELEMETRY_RETENTION_DAYS", TELEMETRY_RETENTION_DAYS),
    ("TELEMETRY_ROLLBACK_HOURS", TELEMETRY_ROLLBACK_HOURS),
    ("TELEMETRY_MAX_BODY_BYTES", TELEMETRY_MAX_BODY_BYTES),
):
    if _value < 1:
        raise ImproperlyConfigured(f"{_name} must be a positive number, not {_value}.")

# KPI measurements in bulk: rows per POST /api/v1/measurements/bulk/ (more is a 413), and the imports'
# limits (apps.performance.imports, every register: file size in bytes, data rows over all sheets) and the
# most rows its task writes per chunk (a register may write fewer: ImportRegister.chunk_rows).
MEASUREMENT_BULK_MAX_ROWS = 5_000
# Invoices in bulk: rows per POST /api/v1/invoices/bulk/ (more is a 413; apps.costs.api).
INVOICE_BULK_MAX_ROWS = 5_000
IMPORT_MAX_BYTES = 5 * 1024 * 1024
IMPORT_MAX_ROWS = 50_000
IMPORT_CHUNK_ROWS = 1_000
# The import watchdog (beat, every minute: apps.performance.imports.import_jobs_watch): an import
# queued or running without a sign of life (sent to the workers, picked up, a chunk written) for this
# many minutes is sent to the workers again, at most IMPORT_MAX_ATTEMPTS times in all, then
# failed with the reason (its owner may retry it).
IMPORT_STALE_MINUTES = 10
IMPORT_MAX_ATTEMPTS = 3

# The team roster (apps.roster, docs/architecture/roster.md). Seniority drift: the active team's weighted
# seniority (junior 1 … principal 4) below the staffing plan's by more than this; understaffed: the
# allocation-weighted headcount below the plan's by more than this percentage; a key person with no
# activity in the contract's delivery telemetry for this many days is "inactive", and a vendor identity
# active there within as many days and on no assignment is an "unlisted contributor". Assignments
# ended longer ago than this many months are anonymised (their engineer too, once all have).
ROSTER_DRIFT_TOLERANCE = env.float("ROSTER_DRIFT_TOLERANCE", default=0.5)
ROSTER_UNDERSTAFFED_PERCENT = env.int("ROSTER_UNDERSTAFFED_PERCENT", default=10)
ROSTER_INACTIVE_DAYS = env.int("ROSTER_INACTIVE_DAYS", default=21)
ROSTER_ANONYMISE_AFTER_MONTHS = env.int("ROSTER_ANONYMISE_AFTER_MONTHS", default=24)

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
    "roster_finding_high": 4,  # each open roster finding: unapproved swap, leaver with live access
    "roster_finding_medium": 2,  # each open roster finding of another kind (drift, understaffed, …)
    "expired_certification": 3,  # each certification expired and not renewed
    "cancel_by_30_days": 4,  # each active contract whose cancel-by date is within 30 days
    "cancel_by_90_days": 2,  # ... within 31 to 90 days
    "open_override": 3,  # each gate override whose conditions are still unmet
    "expired_policy_exception": 3,  # each policy exception past its review date
    "spend_share": 3,  # the vendor's share of annual spend is above CONCENTRATION_THRESHOLD_PERCENT
    "hidden_cost": 2,  # the effective hourly rate (12 months) is at least COST_HIDDEN_RATIO × the billed rate
}
# A vendor's cost is "hidden" (the attention weight above) when TCO ÷ billed hours is at least this many
# times invoiced ÷ billed hours, over the league table's 12 months.
COST_HIDDEN_RATIO = env.float("COST_HIDDEN_RATIO", default=1.5)
# Points a scorecard must lose against the month before to count as falling (the league table's ▼).
ATTENTION_FALLING_TREND_POINTS = 1

# The one currency the overview adds money up in (ISO 4217). Other currencies convert at the dated
# rates of the FX-rate table (apps.core.models.FxRate: the latest on or before the figure's date).
REPORTING_CURRENCY = env("REPORTING_CURRENCY", default="EUR")

# Lists (pages and API, apps/core/counting.py): a list counts its rows exactly up to this many and gives
# PostgreSQL's estimate above it, so no page counts a whole large table (decision 0020).
LIST_EXACT_COUNT_LIMIT = env.int("LIST_EXACT_COUNT_LIMIT", default=10_000)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["apps.core.permissions.RoleModelPermissions"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "apps.core.pagination.OrderingFilter",  # DRF's, with the primary key last (stable pages)
    ],
    "DEFAULT_PAGINATION_CLASS": "apps.core.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # drf-spectacular's, plus the error answers each operation can give (400/401/403/404/409/429).
    "DEFAULT_SCHEMA_CLASS": "apps.core.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.api.exception_handler",
    # JSON only, bounded in size and depth, no text PostgreSQL cannot store (apps/core/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["apps.core.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "apps.core.renderers.BrowsableAPIRenderer",  # DRF's, with inline styles allowed on its pages
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Failed token sign-ins per address (apps.accounts.throttling.TokenFailureThrottle): past the rate,
    # every token request from that address answers 429 with Retry-After until the window has passed.
    "DEFAULT_THROTTLE_RATES": {"token_failure": "30/minute", "telemetry_failure": "30/minute"},
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
        "DeliveryStatusEnum": "apps.performance.choices.DeliveryStatus",
        "TelemetrySourceEnum": "apps.performance.choices.TelemetrySource",
        "SubstitutionStatusEnum": "apps.roster.choices.SubstitutionStatus",
        "InvoiceStatusEnum": "apps.costs.choices.InvoiceStatus",
        # A bulk endpoint's per-row outcome (measurements and invoices share it).
        "BulkRowStatusEnum": "apps.performance.services.BULK_RESULTS",
    },
}

# The admin's audit trail shows who changed what, through which action, and when.
PGHISTORY_ADMIN_CLASS = "apps.core.audit_admin.AuditEventsAdmin"

# `manage.py seed_demo` (demo users with a published password) runs only where this is on.
DEMO_DATA_ALLOWED = env.bool("DEMO_DATA_ALLOWED", default=False)

# API tokens: lifetime in days when none is given (0 = never expires).
API_TOKEN_DEFAULT_EXPIRY_DAYS = env.int("API_TOKEN_DEFAULT_EXPIRY_DAYS", default=90)
# ---- API tokens: scopes, vendors, lifetime (docs/api.md, "Tokens and scopes") ----
# The longest lifetime a person may give a token on the tokens page (operators' manage.py create_api_token
# is not bound by it); only administrators create tokens that never expire.
API_TOKEN_MAX_EXPIRY_DAYS = env.int("API_TOKEN_MAX_EXPIRY_DAYS", default=365)
# Days before a token expires when its owner is reminded (once each; apps/notifications/token_reminders.py).
API_TOKEN_EXPIRY_REMINDER_DAYS = env.list("API_TOKEN_EXPIRY_REMINDER_DAYS", cast=int, default=[14, 3])

# ---- Identity: sign-in, SSO, MFA (django-allauth; docs/architecture/identity.md, decision 0016) ----
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email", "password1*"]
# Nobody signs themselves up: people are created by an administrator or, if allowed, by SSO.
ACCOUNT_ADAPTER = "apps.accounts.signin.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "apps.accounts.sso.adapter.SocialAccountAdapter"
MFA_ADAPTER = "apps.accounts.mfa.MFAAdapter"
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Vendor Governance] "
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "Vendor Governance"
MFA_PASSKEY_LOGIN_ENABLED = False
# Local passwords: off, only the break-glass accounts may use one (apps.accounts.sso.policy).
LOCAL_PASSWORD_SIGN_IN = env.bool("LOCAL_PASSWORD_SIGN_IN", default=True)
SSO_BREAK_GLASS_USERNAMES: list[str] = env.list("SSO_BREAK_GLASS_USERNAMES", default=[])

# ---- Sign-in pages, password change and reset (apps/accounts/signin.py, docs/architecture/sign-in-and-headers.md) ----
# The forms with the local-password policy (LOCAL_PASSWORD_SIGN_IN) and the workspace's messages.
ACCOUNT_FORMS = {
    "login": "apps.accounts.signin.LoginForm",
    "reset_password": "apps.accounts.signin.ResetPasswordForm",
    "reset_password_from_key": "apps.accounts.signin.ResetPasswordKeyForm",
    "change_password": "apps.accounts.signin.ChangePasswordForm",
    "set_password": "apps.accounts.signin.SetPasswordForm",
}
# The reset page answers the same whether or not an address has an account; an unknown address gets no
# e-mail (nobody signs up, and the page must not become a way to mail strangers).
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
# A person is e-mailed when their password is changed, reset or set (and of MFA changes).
ACCOUNT_EMAIL_NOTIFICATIONS = True
# Failed sign-ins are counted by django-axes, per account and per address, in the database (it works with
# Redis down); allauth's own cache-based sign-in limits would contradict those limits and need Redis.
# Its other limits (reset e-mails, password changes) stay.
ACCOUNT_RATE_LIMITS = {"login": None, "login_failed": None}

# ---- SSO: OpenID Connect and SAML 2.0 from the environment (apps/accounts/sso; docs/architecture/sso.md) ----
# A provider whose variables are unset is absent (no button, its addresses 404).
SOCIALACCOUNT_PROVIDERS = sso_providers_from_env(
    {
        "SSO_OIDC_SERVER_URL": env("SSO_OIDC_SERVER_URL", default=""),
        "SSO_OIDC_CLIENT_ID": env("SSO_OIDC_CLIENT_ID", default=""),
        "SSO_OIDC_CLIENT_SECRET": env("SSO_OIDC_CLIENT_SECRET", default=""),
        "SSO_OIDC_NAME": env("SSO_OIDC_NAME", default=""),
        "SSO_OIDC_SCOPES": env("SSO_OIDC_SCOPES", default=""),
        "SSO_OIDC_PROVIDER_ID": env("SSO_OIDC_PROVIDER_ID", default=""),
        "SSO_SAML_IDP_ENTITY_ID": env("SSO_SAML_IDP_ENTITY_ID", default=""),
        "SSO_SAML_IDP_SSO_URL": env("SSO_SAML_IDP_SSO_URL", default=""),
        "SSO_SAML_IDP_X509_CERT": env("SSO_SAML_IDP_X509_CERT", default=""),
        "SSO_SAML_IDP_METADATA_URL": env("SSO_SAML_IDP_METADATA_URL", default=""),
        "SSO_SAML_NAME": env("SSO_SAML_NAME", default=""),
        "SSO_SAML_SLUG": env("SSO_SAML_SLUG", default=""),
        "SSO_SAML_SP_ENTITY_ID": env("SSO_SAML_SP_ENTITY_ID", default=""),
        "SSO_SAML_ATTRIBUTE_MAPPING": env("SSO_SAML_ATTRIBUTE_MAPPING", default=""),
        "SSO_SAML_WANT_ASSERTION_SIGNED": env("SSO_SAML_WANT_ASSERTION_SIGNED", default=""),
    }
)
# The OIDC claim (a dotted path reaches into an object, e.g. realm_access.roles) and the SAML attribute
# that list a person's groups; SSO_GROUP_ROLES maps groups to roles ("idp-group=role,…"); the others
# are ignored. A person with no mapped group gets SSO_DEFAULT_ROLE, or (empty) is refused.
SSO_GROUPS_CLAIM = env("SSO_GROUPS_CLAIM", default="groups")
SSO_SAML_GROUPS_ATTRIBUTE = env("SSO_SAML_GROUPS_ATTRIBUTE", default="groups")
SSO_GROUP_ROLES: dict[str, str] = group_roles_from_env(env("SSO_GROUP_ROLES", default=""))
SSO_DEFAULT_ROLE: str | None = default_role_from_env(env("SSO_DEFAULT_ROLE", default=""))
# Just-in-time accounts: off, only people an administrator created may sign in through SSO.
SSO_CREATE_USERS = env.bool("SSO_CREATE_USERS", default=True)
# Existing people are found by the e-mail address the identity provider sends (case-insensitive).
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False

# ---- MFA (django-allauth's mfa; apps/accounts/mfa.py, docs/architecture/mfa.md) ----
# Roles whose people must have an authenticator app or a security key: until they set one up they are
# held on the enrolment page (apps.accounts.mfa.MFARequiredMiddleware). Env: "executive,admin".
# None here; production requires it of executives and admins.
MFA_REQUIRED_ROLES: list[str] = env.list("MFA_REQUIRED_ROLES", default=[])
# A session signed in through SSO counts as having passed MFA (the identity provider asks for its own
# second factor), so SSO users are never held for enrolment. Turn off if the IdP does not enforce MFA.
MFA_TRUST_SSO = env.bool("MFA_TRUST_SSO", default=True)
# Seals TOTP secrets and recovery-code seeds at rest (apps.core.sealing); empty: derived from SECRET_KEY
# (then rotating SECRET_KEY without setting this first makes every enrolled authenticator app unusable).
MFA_SECRET_KEY = env("MFA_SECRET_KEY", default="")
# The code asked for after the password: wrong codes count towards the sign-in lockout.
MFA_FORMS = {"authenticate": "apps.accounts.mfa.AuthenticateForm"}
MFA_RECOVERY_CODE_COUNT = 10
# Nobody signs themselves up (an administrator or SSO creates people), so an unconfirmed e-mail address
# (an identity provider's) must not stop anyone from adding an authenticator.
MFA_ALLOW_UNVERIFIED_EMAIL = True
# Security keys need a secure origin; local settings allow http://localhost.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False

# ---- Outbound webhooks (Standard Webhooks; apps/notifications/webhooks, docs/integrations/webhooks.md) ----
# Seconds to wait after each failed attempt before the next (6 retries, then the delivery is failed).
WEBHOOK_RETRY_SCHEDULE: list[int] = [
    int(seconds)
    for seconds in env.list("WEBHOOK_RETRY_SCHEDULE", default=["5", "300", "1800", "7200", "18000", "36000"])
]
# Failed deliveries in a row (each after all its retries) that disable an endpoint; its owner is told.
WEBHOOK_DISABLE_AFTER_FAILURES = env.int("WEBHOOK_DISABLE_AFTER_FAILURES", default=5)
WEBHOOK_CONNECT_TIMEOUT_SECONDS = env.float("WEBHOOK_CONNECT_TIMEOUT_SECONDS", default=5.0)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# Plain-http addresses, and addresses in private, loopback or link-local ranges (SSRF): off in production.
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=False)
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=False)
# Seals the endpoints' signing secrets at rest (apps.core.sealing); empty: a key derived from SECRET_KEY.
WEBHOOK_SECRET_KEY = env("WEBHOOK_SECRET_KEY", default="")
# The OpenAPI document describes each event's payload (webhooks exist from OpenAPI 3.1 on).
SPECTACULAR_SETTINGS["OAS_VERSION"] = "3.1.0"
SPECTACULAR_SETTINGS["WEBHOOKS"] = "apps.notifications.webhooks.openapi.WEBHOOKS"
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(  # type: ignore[attr-defined]  # a dict literal above
    {
        "WebhookEventTypeEnum": "apps.notifications.choices.WebhookEventType",
        "WebhookEndpointKindEnum": "apps.notifications.choices.WebhookEndpointKind",
        "WebhookDeliveryStatusEnum": "apps.notifications.choices.WebhookDeliveryStatus",
    }
)

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
        # django-axes: failed sign-ins and lockouts (WARNING) stay; every success and its start-up line go.
        "axes": {"level": "WARNING"},
        # Django's own console handler (under DEBUG) would print every request warning a second time.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# ---- Calendar feeds (apps/notifications/calendar; docs/integrations/calendar.md) ----
# The days a person's iCalendar feed covers: this many days before today, and this many after it.
CALENDAR_FEED_DAYS_BACK = env.int("CALENDAR_FEED_DAYS_BACK", default=90)
CALENDAR_FEED_DAYS_AHEAD = env.int("CALENDAR_FEED_DAYS_AHEAD", default=730)
