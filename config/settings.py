"""CareGuard settings, read from the environment.

Development defaults (SQLite, DEBUG on) need no variables at all. Production mode
(`CAREGUARD_ENV=production`) refuses to start without a secret key and allowed hosts and turns
on every transport-security setting `manage.py check --deploy` asks for.
"""

import os
import tempfile
from pathlib import Path

import dj_database_url
from django.contrib.messages import constants as messages
from django.core.exceptions import ImproperlyConfigured

from config.env import env_json, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

PRODUCTION = env_str("CAREGUARD_ENV", "development") == "production"

DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION)
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "" if PRODUCTION else "dev-only-insecure-key-change-me")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

if PRODUCTION:
    if not SECRET_KEY or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY (at least 50 characters) is required in production.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS is required in production.")
    if DEBUG:
        raise ImproperlyConfigured("DJANGO_DEBUG must be off in production.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "auditlog",
    "accounts",
    "institutions",
    "insurance",
    "inspections",
    "credit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.RequestIdMiddleware",
    "config.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.AuditActorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "accounts.context_processors.navigation",
            ],
        },
    }
]

# SQLite by default; DATABASE_URL=postgresql://… for production.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60 if PRODUCTION else 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while one writer commits; IMMEDIATE makes write transactions
    # take the lock up front so two writers queue instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        # A 64 MB page cache, memory-mapped reads and in-memory sort space: national-scale lists and
        # dashboards read hundreds of thousands of rows (docs/performance.md).
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536; "
            "PRAGMA mmap_size=1073741824; PRAGMA temp_store=MEMORY;"
        ),
    }
    # A file, not Django's shared in-memory database: that one takes table locks that ignore the
    # busy timeout, so tests of two simultaneous writers would not see real SQLite behaviour.
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / f"careguard-test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
MESSAGE_TAGS = {messages.ERROR: "danger"}  # Bootstrap's alert class
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

CACHES = {
    "default": {
        "BACKEND": env_str("CACHE_BACKEND", "django.core.cache.backends.locmem.LocMemCache"),
        "LOCATION": env_str("CACHE_LOCATION", "careguard"),
    },
    # Rendered documents whose content is final (config.pdf.cached_pdf): files shared by every worker.
    "documents": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": env_str("CAREGUARD_DOCUMENT_CACHE", str(BASE_DIR / "var" / "documents")),
        "TIMEOUT": 90 * 24 * 3600,
        "OPTIONS": {"MAX_ENTRIES": 20000},
    },
}

# Language and time: Chinese first, English available; Asia/Shanghai.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploads are private: never under STATIC or a public URL; served by scope-checking views.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20 * 1024 * 1024)

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "careguard@localhost")

# Security. Production turns on HTTPS-only cookies, HSTS and redirects; behind a TLS proxy set
# DJANGO_SECURE_PROXY_SSL_HEADER=1 so Django knows the original scheme.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.BearerKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.api_defaults.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["config.api_defaults.UserThrottle", "config.api_defaults.AnonThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.errors.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer", "rest_framework.renderers.BrowsableAPIRenderer"],
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Requests per minute; read at call time so an operator (or a test) can change them.
API_RATE_USER = env_str("API_RATE_USER", "1200/min")
API_RATE_ANON = env_str("API_RATE_ANON", "60/min")

# Inspection rules a province may set differently (inspections/rules.py and draws.py hold the
# defaults): e.g. {"min_inspectors": 2, "notice_working_days": 3, "deadline_working_days": {"4": 5},
# "draw_rates_by_grade": {"A": "0.05"}}.
INSPECTIONS = env_json("CAREGUARD_INSPECTIONS", {})
# Blacklist procedure (credit/blacklist.py defaults): {"objection_working_days": 10, "listing_years": 3,
# "early_removal_years": 2}.
CREDIT = env_json("CAREGUARD_CREDIT", {})
# The public complaint form: per client address, per hour and per day; the fastest a person fills it.
COMPLAINT_RATE_IP = env_str("COMPLAINT_RATE_IP", "5/h")
COMPLAINTS_PER_ADDRESS_PER_DAY = env_int("COMPLAINTS_PER_ADDRESS_PER_DAY", 5)
COMPLAINT_MIN_SECONDS = env_int("COMPLAINT_MIN_SECONDS", 3)
LOGIN_RATE_IP = env_str("LOGIN_RATE_IP", "20/m")
LOGIN_RATE_USERNAME = env_str("LOGIN_RATE_USERNAME", "10/m")

SPECTACULAR_SETTINGS = {
    "TITLE": "CareGuard API",
    "DESCRIPTION": "养老机构责任保险与安全监管平台 REST API v1 — see shared/api.md for the contract.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per choice set shared by several fields (otherwise drf-spectacular invents hashes).
    "ENUM_NAME_OVERRIDES": {
        "ClaimStatusEnum": "insurance.models.claims.ClaimStatus",
        "PolicyStatusEnum": "insurance.choices.PolicyStatus",
        "PersonKindEnum": "insurance.models.claims.PersonKind",
        "DocumentKindEnum": "insurance.models.claims.DocumentKind",
        "PersonOutcomeEnum": "insurance.models.claims.Outcome",
        "DisputeOutcomeEnum": "insurance.models.claims.DisputeOutcome",
        "RejectionReasonEnum": "insurance.models.claims.RejectionReason",
        "DepartmentEnum": "accounts.choices.Department",
        "InspectionTypeEnum": "inspections.choices.InspectionType",
        "InspectionStatusEnum": "inspections.choices.InspectionStatus",
        "ResultOutcomeEnum": "inspections.choices.ResultOutcome",
        "SignerKindEnum": "inspections.choices.SignerKind",
        "FindingScopeEnum": "inspections.choices.FindingScope",
        "FindingStatusEnum": "inspections.choices.FindingStatus",
        "SeverityEnum": "inspections.choices.Severity",
        "RectificationDecisionEnum": "inspections.choices.RectificationDecision",
        "EscalationKindEnum": "inspections.choices.EscalationKind",
        "PenaltyKindEnum": "inspections.choices.PenaltyKind",
        "ClauseSourceEnum": "inspections.choices.ClauseSource",
        "InstitutionTypeEnum": "institutions.choices.InstitutionType",
        "CreditGradeEnum": "institutions.choices.CreditGrade",
        "ComplaintStatusEnum": "credit.choices.ComplaintStatus",
        "ComplaintCategoryEnum": "credit.choices.ComplaintCategory",
        "BlacklistCaseStatusEnum": "credit.choices.CaseStatus",
        "CriterionEnum": "credit.choices.Criterion",
        "SubjectTypeEnum": "credit.choices.SubjectType",
        "DishonestyKindEnum": "credit.choices.DishonestyKind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.add_conventions",
    ],
}

# Audit: django-auditlog keeps one change-log table; the request id ties rows of one request.
AUDITLOG_CID_GETTER = "config.middleware.current_request_id"
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
