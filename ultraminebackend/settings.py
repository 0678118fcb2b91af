"""Django settings, read from the environment in this one place (``.env.example`` lists it all).

They import without a database or secrets: missing production values are system check errors.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from corsheaders.defaults import default_headers as cors_default_headers
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

from ultraminebackend.env import env_bool, env_int, env_list, env_str
from ultraminebackend.files.storage.config import S3Config, build_storages

BASE_DIR = Path(__file__).resolve().parent.parent
# DOTENV_PATH lets tests and tools point elsewhere (os.devnull to ignore a developer's .env).
load_dotenv(os.environ.get("DOTENV_PATH") or BASE_DIR / ".env")

# --- Core -------------------------------------------------------------------------------------
DEBUG = env_bool("DEBUG", False)
# A fixed development key only where it cannot leak into production (DEBUG; the tests' settings,
# testsupport/settings.py, use it too).
# Empty otherwise: Django refuses to sign anything with it and the check below names it.
DEV_SECRET_KEY = "django-insecure-dev-only-key-never-use-in-production-0123456789"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY") or (DEV_SECRET_KEY if DEBUG else "")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Unset with DEBUG=1: a React dev server on Vite's default port works out of the box. Unset with
# DEBUG=0 (production): no origin is allowed until the operator names the app's.
VITE_DEV_ORIGINS = ["http://localhost:5173", "http://127.0.0.1:5173"]
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", VITE_DEV_ORIGINS if DEBUG else [])
# A page on another origin reads only the response headers listed here: Retry-After (429, 503)
# to back off, X-Request-ID to quote in a report. The app may send its own X-Request-ID.
CORS_EXPOSE_HEADERS = ["Retry-After", "X-Request-ID"]
CORS_ALLOW_HEADERS = (*cors_default_headers, "x-request-id")
SITE_URL = env_str("SITE_URL").rstrip("/")

# --- Behind Koyeb's TLS proxy -----------------------------------------------------------------
# The edge terminates TLS and forwards X-Forwarded-Host; whether it sends X-Forwarded-Proto is not
# confirmed, so the header is configurable (empty disables it) and SITE_URL is the sure fallback.
_proxy_ssl_header = env_str("SECURE_PROXY_SSL_HEADER", "HTTP_X_FORWARDED_PROTO")
SECURE_PROXY_SSL_HEADER = (_proxy_ssl_header, "https") if _proxy_ssl_header else None
USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST", True)
# Off by default behind the edge: a proxy that talks plain HTTP to us would loop on redirects.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Silenced on purpose: redirects are the edge's job (see SECURE_SSL_REDIRECT above); HSTS
# subdomains/preload are a domain-wide decision the operator opts into through the env vars.
SILENCED_SYSTEM_CHECKS = env_list(
    "SILENCED_SYSTEM_CHECKS", ["security.W008", "security.W005", "security.W021"]
)

# --- Applications -----------------------------------------------------------------------------
INSTALLED_APPS = [
    # django.contrib.admin, discovering admin modules only with a SECRET_KEY (see the class).
    "ultraminebackend.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    # Outstanding and blacklisted refresh tokens (rotation, logout, password change); admin pages.
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served by WhiteNoise (no CDN)
    # Before django_tasks_db: its commands (migrate, db_worker) replace Django's and the backend's.
    "ultraminebackend",
    "django_tasks",
    "django_tasks_db",
    "axes",  # admin login lockout (AXES_* below)
    "ultraminebackend.files",
    "ultraminebackend.uploads",
    "accounts",
    "core",
    "ai_agent",
    "content",
]

MIDDLEWARE = [
    # First: answers the platform's probe before ALLOWED_HOSTS can reject its internal Host.
    "ultraminebackend.middleware.healthz_middleware",
    "ultraminebackend.logs.request_id_middleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # Below CORS, so the browser app can read these refusals: NUL in a query parameter (400),
    # a body over its route's limit (413, before CsrfViewMiddleware or a parser reads it).
    "ultraminebackend.middleware.query_guard_middleware",
    "ultraminebackend.bodylimits.BodyLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Direct uploads attached by a request: kept when it succeeds, handed back when it fails.
    "ultraminebackend.uploads.claims.UploadClaimsMiddleware",
    # Last, as django-axes asks: turns a locked-out admin login into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ultraminebackend.urls"
WSGI_APPLICATION = "ultraminebackend.wsgi.application"
ASGI_APPLICATION = "ultraminebackend.asgi.application"
# Routes accept both "/x" and "/x/" without a redirect (a redirected POST loses its body).
APPEND_SLASH = False

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
            ],
        },
    },
]

# --- Database and cache -----------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # Managed PostgreSQL drops idle connections: reuse them, but check before use.
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that hangs (rather than refusing) must not stall requests and /api/health/.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int(
        "DB_CONNECT_TIMEOUT", 5
    )
    # Connections per process: without a pool (the default) each gunicorn thread keeps its own
    # for CONN_MAX_AGE seconds, so an instance holds up to WEB_CONCURRENCY x GUNICORN_THREADS.
    # DB_POOL_MAX_SIZE > 0 shares that many per process among its threads instead (Django's
    # psycopg pool); a request waits up to DB_POOL_TIMEOUT_S for one. The README has the sums.
    _pool_max_size = env_int("DB_POOL_MAX_SIZE", 0)
    if _pool_max_size > 0:
        # CONN_HEALTH_CHECKS makes the pool check each connection as it lends it.
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them (Django requires 0)
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": 1,
            "max_size": _pool_max_size,
            "timeout": env_int("DB_POOL_TIMEOUT_S", 10),
        }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite's default (deferred) transactions fail at once with "database is locked" when one
    # that has read tries to write while another writes: concurrent generations answered 503
    # (bench/ai_overhead.py). IMMEDIATE takes the write lock at BEGIN, so writers queue instead.
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
    # How long a writer waits for the write lock before "database is locked" (a 503). Python's
    # default, 5 s, was reached on a loaded 2-core machine by writers queueing behind each other
    # (7 of 30 generations in tests/test_sqlite_writers.py). Write transactions are kept short
    # (no storage or provider call inside one), so 30 s is far above the longest, and below
    # gunicorn's timeout: a request waits rather than fails.
    DATABASES["default"]["OPTIONS"]["timeout"] = env_int("SQLITE_BUSY_TIMEOUT_S", 30)
    # Write-ahead logging: readers never wait for a writer's commit (in the default rollback
    # journal a commit locks every reader out: list p95 with generations in flight, see
    # bench/ai_overhead.py), and NORMAL syncs at checkpoints rather than at every commit (a power
    # cut may lose the last commits, never corrupt the file). The mode is kept in the file.
    DATABASES["default"]["OPTIONS"]["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Throttles count in the cache, so several workers and instances need a shared one (Redis) to
# agree (ultraminebackend/throttling.py; the check ultramine.W010 says so when DEBUG is off).
# Short socket timeouts: a Redis that hangs costs a sign-in 2 s (the throttle then lets it
# through), and /api/health/ answers "cache": "error" instead of waiting.
_redis_url = env_str("REDIS_URL")
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis_url,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
        if _redis_url
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Auth -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# django-axes' backend first: it refuses a locked-out login before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "accounts.lockout.AdminLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.NotBlankPasswordValidator"},
]

# Proxies in front of the app that append to X-Forwarded-For (Koyeb's edge: 1). The client writes
# everything left of what they append, so only the last NUM_PROXIES entries are trusted; 0 (direct
# use) ignores the header. Throttles and the admin lockout key on this address (accounts/throttles).
NUM_PROXIES = env_int("NUM_PROXIES", 0)

# Admin login lockout (django-axes, database handler: counts hold across instances). A username,
# or an address, with AXES_FAILURE_LIMIT failures within the cool-off is refused until the last
# failure is AXES_COOLOFF_MINUTES old; `manage.py axes_reset` unlocks everyone at once.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
# Either key locks: the username bounds guessing one account from any number of addresses, the
# address bounds one client trying many accounts.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# The admin only: the API's token endpoint has its own throttles and answers JSON.
AXES_ONLY_ADMIN_SITE = True
AXES_HANDLER = "accounts.lockout.AdminLoginHandler"
AXES_USERNAME_CALLABLE = "accounts.lockout.login_username"
AXES_CLIENT_IP_CALLABLE = "accounts.throttles.client_ip"  # the throttles' rule, not ipware's
# No start-up banner on stdout (management commands print their results there); failures and
# lockouts are still logged as warnings.
AXES_VERBOSE = False

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Files ------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "media")
# Outside MEDIA_ROOT on purpose: /media/ can never serve payment evidence.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT") or BASE_DIR / "private_media")
PRIVATE_URL_TTL = env_int("PRIVATE_URL_TTL", 900)

USE_S3 = env_bool("USE_S3", False)
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
AWS_S3_REGION_NAME = env_str("AWS_S3_REGION_NAME")
AWS_S3_ENDPOINT_URL = env_str("AWS_S3_ENDPOINT_URL")
AWS_S3_CUSTOM_DOMAIN = env_str("AWS_S3_CUSTOM_DOMAIN")

# The manifest needs collectstatic; the dev server (and the tests' settings) serve static files
# as they are.
_static_backend = (
    "django.contrib.staticfiles.storage.StaticFilesStorage"
    if DEBUG
    else "whitenoise.storage.CompressedManifestStaticFilesStorage"
)
STORAGES = build_storages(
    use_s3=USE_S3,
    media_root=MEDIA_ROOT,
    private_media_root=PRIVATE_MEDIA_ROOT,
    private_url_ttl=PRIVATE_URL_TTL,
    static_backend=_static_backend,
    s3=S3Config(
        bucket_name=AWS_STORAGE_BUCKET_NAME,
        region_name=AWS_S3_REGION_NAME,
        endpoint_url=AWS_S3_ENDPOINT_URL,
        access_key=env_str("AWS_ACCESS_KEY_ID"),
        secret_key=env_str("AWS_SECRET_ACCESS_KEY"),
        custom_domain=AWS_S3_CUSTOM_DOMAIN,
    )
    if USE_S3
    else None,
)
# Upload caps (the image intake enforces them; see ultraminebackend/files/processing/intake.py).
IMAGE_MAX_BYTES = env_int("IMAGE_MAX_BYTES", 15 * 1024 * 1024)
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 40_000_000)
# Shape caps, checked from the header like the pixel cap: a tiny PNG of 1 x 39,900,000 pixels is
# within the pixel cap yet held libvips for tens of seconds (a fixed cost per row; bench/README.md).
# The longest side of a real photo stays far below 30,000 px (a 40 MP panorama of 30,000 x 1,333
# passes), and a 360° phone panorama is about 4:1 to 10:1; 50:1 leaves room for thin web banners.
IMAGE_MAX_SIDE = env_int("IMAGE_MAX_SIDE", 30_000)
IMAGE_MAX_ASPECT_RATIO = env_int("IMAGE_MAX_ASPECT_RATIO", 50)
IMAGE_THUMBNAIL_SIZE = env_int("IMAGE_THUMBNAIL_SIZE", 400)
# Still JPEG/PNG/WebP images of at least this many pixels are normalised by libvips a strip at a
# time (a bounded amount, whatever the size: bench/README.md) instead of decoded whole by Pillow
# (4 bytes per pixel).
IMAGE_STREAMING_MIN_PIXELS = env_int("IMAGE_STREAMING_MIN_PIXELS", 16_000_000)
# Images decoded at once per process: what Pillow decodes (animations, GIF, HEIC, stills below
# IMAGE_STREAMING_MIN_PIXELS) is held whole, at 4 bytes per pixel.
IMAGE_INTAKE_CONCURRENCY = env_int("IMAGE_INTAKE_CONCURRENCY", 1)
# Seconds an upload waits for a decode slot before it is answered 503 with Retry-After (rather
# than holding a gunicorn thread until its timeout), and seconds one image may take once it has
# the slot before it is refused (400, image_too_slow). The slowest ordinary image, a 40 MP WebP,
# takes several seconds on one busy core (bench/README.md); raise both on very small instances.
IMAGE_INTAKE_WAIT_S = env_int("IMAGE_INTAKE_WAIT_S", 30)
IMAGE_INTAKE_TIMEOUT_S = env_int("IMAGE_INTAKE_TIMEOUT_S", 30)
VIDEO_MAX_BYTES = env_int("VIDEO_MAX_BYTES", 100 * 1024 * 1024)
# Direct uploads (ultraminebackend/uploads/): seconds the presigned POST (or our local upload
# URL) stays valid, and seconds an upload may wait to be attached before the worker removes it.
UPLOAD_URL_TTL = env_int("UPLOAD_URL_TTL", 600)
UPLOAD_TTL_S = env_int("UPLOAD_TTL_S", 86400)
# Payment proofs (core/proofs.py): a proof whose 64-bit perceptual hash is within this many bits
# of an earlier one is flagged for staff (0: identical hashes only); at most this many of the
# newest proofs of each kind are compared. How the default was chosen: bench/README.md.
PROOF_HASH_THRESHOLD = env_int("PROOF_HASH_THRESHOLD", 2)
PROOF_HASH_SCAN_LIMIT = env_int("PROOF_HASH_SCAN_LIMIT", 200_000)
# Request bodies above this are streamed to a temporary file instead of held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- AI agent and the CDNs ----------------------------------------------------------------------
# Unset provider: Gemini when GEMINI_API_KEY is set, else the offline placeholder (no keys needed).
AI_IMAGE_PROVIDER = env_str("AI_IMAGE_PROVIDER")
GEMINI_API_KEY = env_str("GEMINI_API_KEY")
# gemini-3-pro-image-preview (the seed's id) was retired in 2026; the GA id is the default.
GEMINI_IMAGE_MODEL = env_str("GEMINI_IMAGE_MODEL", "gemini-3-pro-image")
GEMINI_BASE_URL = env_str("GEMINI_BASE_URL")  # proxies and tests only
AI_TIMEOUT_S = env_int("AI_TIMEOUT_S", 60)
AI_DAILY_LIMIT = env_int("AI_DAILY_LIMIT", 50)
# Which ratios a reference image's shape may pick when no aspect_ratio is asked: "seed" (the five
# the API always had) or "model" (every ratio GEMINI_IMAGE_MODEL takes, 21:9 and 8:1 included).
AI_REFERENCE_RATIOS = env_str("AI_REFERENCE_RATIOS", "seed").strip().lower()
if AI_REFERENCE_RATIOS not in ("seed", "model"):
    raise ImproperlyConfigured(
        f"AI_REFERENCE_RATIOS={AI_REFERENCE_RATIOS!r} is not one of: seed, model."
    )
# cloudinary://key:secret@cloud (query parameters such as upload_prefix pass through); empty = off.
CLOUDINARY_URL = env_str("CLOUDINARY_URL")
# ImageKit (the imagekitio SDK): on when the private key and the URL endpoint are set.
IMAGEKIT_PRIVATE_KEY = env_str("IMAGEKIT_PRIVATE_KEY")
IMAGEKIT_PUBLIC_KEY = env_str("IMAGEKIT_PUBLIC_KEY")
IMAGEKIT_URL_ENDPOINT = env_str("IMAGEKIT_URL_ENDPOINT")  # https://ik.imagekit.io/<your id>
IMAGEKIT_API_BASE_URL = env_str("IMAGEKIT_API_BASE_URL")  # proxies and tests only
IMAGEKIT_TIMEOUT_S = env_int("IMAGEKIT_TIMEOUT_S", 60)
# The CDNs a stored asset tries, in order; our own storage always comes last.
MEDIA_CDN_ORDER = env_list("MEDIA_CDN_ORDER", ["cloudinary", "imagekit"])

# Background work (async generations): Django's tasks API with the database backend, run by
# ``manage.py db_worker`` (the Procfile's worker line); no extra server needed.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A job still running this long after it started has lost its worker (killed, out of memory):
# the provider's deadline (AI_TIMEOUT_S) plus a margin for storing the result. Recovery (at the
# worker's start-up, every TASK_RECOVERY_INTERVAL_S, and `manage.py recover_tasks`) then fails
# the generation (`worker_lost`, not counted in the quota) and settles its task row.
WORKER_LOST_AFTER_S = AI_TIMEOUT_S + env_int("WORKER_LOST_MARGIN_S", 60)
TASK_RECOVERY_INTERVAL_S = env_int("TASK_RECOVERY_INTERVAL_S", 60)
# How often the worker publishes scheduled posts that are due: a post goes out at most this many
# seconds (plus the sweep's own time) after its scheduled_at while a worker runs.
POST_PUBLISH_INTERVAL_S = env_int("POST_PUBLISH_INTERVAL_S", 15)
# Asked to stop (SIGTERM: a redeploy), a worker lets its task finish this long, then hands it back
# to the queue; below the 10 s a container platform commonly waits before SIGKILL.
DB_WORKER_STOP_GRACE_S = env_int("DB_WORKER_STOP_GRACE_S", 8)

# --- REST framework ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # simplejwt's, refusing tokens issued before the user's last password change.
        "accounts.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only, unless a view takes files: those declare multipart (and their body limit,
    # ultraminebackend/bodylimits.py). A form body to any other endpoint is a 415.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "ultraminebackend.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "ultraminebackend.filters.FilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "ultraminebackend.schema.AutoSchema",
    "EXCEPTION_HANDLER": "ultraminebackend.exceptions.exception_handler",
    # Never None: DRF would key throttles on the whole X-Forwarded-For, which the client writes.
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_THROTTLE_RATES": {
        "auth": env_str("AUTH_THROTTLE_RATE", "10/min"),
        # Sign-in attempts per account (normalised email), whatever the client's address.
        "auth_account": env_str("AUTH_ACCOUNT_THROTTLE_RATE", "20/hour"),
    },
    # File fields answer with the stored name; the absolute URL is the separate X_url field.
    "UPLOADED_FILES_USE_URL": False,
    "COERCE_DECIMAL_TO_STRING": True,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 30)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    "AUTH_HEADER_TYPES": ("Bearer",),
    "UPDATE_LAST_LOGIN": True,
    # Each refresh answers a new refresh token and spends the old one (a replay is a 401); our
    # views do it race-free and with the auth version check (accounts/services.py).
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Ultramine API",
    "DESCRIPTION": (
        "Store, AI image generation and content API. Every file field `X` is answered as `X` "
        "(stored name) and `X_url` (absolute URL; signed and expiring for payment evidence)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from our own static files (drf-spectacular-sidecar, pinned), not a CDN's
    # moving @latest: /api/docs/ works offline and changes only when requirements.txt does.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "core.models.Order.Status",
        "DepositStatusEnum": "core.models.Deposit.Status",
        "PostStatusEnum": "content.models.Post.Status",
        "PostSettableStatusEnum": "content.models.POST_SETTABLE_STATUSES",
        "GenerationStatusEnum": "ai_agent.models.Generation.Status",
        "BlogStatusEnum": "content.models.Blog.Status",
        # A generation answers any ratio or size a model takes; a request, its model's own.
        "GenerationAspectRatioEnum": "ai_agent.providers.capabilities.ALL_RATIOS",
        "GenerationImageSizeEnum": "ai_agent.providers.capabilities.ALL_IMAGE_SIZES",
    },
    # The enum hook first (it would make ``enum: [null]`` a component), then ours.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "ultraminebackend.schema.postprocess_null_only",
        "ultraminebackend.schema.postprocess_inline_enums",
    ],
}

# --- Logging and errors ---------------------------------------------------------------------
# JSON lines on stdout (the platform collects them), each with the request id; plain text locally.
LOG_FORMAT = env_str("LOG_FORMAT", "plain" if DEBUG else "json")
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "ultraminebackend.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "ultraminebackend.logs.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        # Django logs each 4xx/5xx itself; keep them, but one line each through the root handler.
        "django": {"level": LOG_LEVEL, "propagate": True},
        # libvips reports every finished thread pool at INFO; its warnings still come through.
        "pyvips": {"level": "WARNING", "propagate": True},
        # httpx (under the ImageKit SDK) logs every request at INFO; failures reach our own logs.
        "httpx": {"level": "WARNING", "propagate": True},
    },
}

SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:  # optional: errors and traces to Sentry when a DSN is configured
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env_str("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=float(env_str("SENTRY_TRACES_SAMPLE_RATE", "0") or 0),
        send_default_pii=False,  # no emails, cookies or signed URLs leave the service
    )
