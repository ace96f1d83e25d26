"""TubeIndex settings: one module, every value read from the environment.

Development works with nothing set (local PostgreSQL/Redis, the YouTube emulator on :8090).
Production sets DEBUG=false, a real SECRET_KEY and the Google URLs; see README "Settings".
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

from config.env import BASE_DIR, choice, env, secret, strict_bool, strict_int, url

DEBUG = strict_bool("DEBUG", default=True)

_DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me"
SECRET_KEY = secret("SECRET_KEY") or (_DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured(
        "DEBUG=false needs a real SECRET_KEY of 32+ characters (SECRET_KEY or SECRET_KEY_FILE)"
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from here: /api/docs/ works offline
    "django_celery_beat",
    "django_elasticsearch_dsl",  # manage.py search_index --rebuild (SEARCH_BACKEND=elasticsearch)
    "accounts",
    "videos",
    "playlists",
    "indexing",
    "media",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves /static/ (collected by the Dockerfile) when DEBUG is off and runserver does not.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.ServiceUnavailableMiddleware",
    "config.middleware.AdminParameterMiddleware",
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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/tubeindex"),
}
# A bounded psycopg pool per process: a gevent worker at -c 100 would otherwise open one
# connection per greenlet and exhaust PostgreSQL's max_connections (see docs/OPERATIONS.md).
DB_POOL_MAX_SIZE = strict_int("DB_POOL_MAX_SIZE", default=10, minimum=1)
if strict_bool("DB_POOL", default=True):
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool, not Django, keeps connections
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": DB_POOL_MAX_SIZE,
        # Wait for a free connection rather than fail the task when the pool is busy.
        "timeout": strict_int("DB_POOL_TIMEOUT", default=60, minimum=1),
    }
# Typo tolerance finds close channel names through their trigram index at this threshold
# (videos.search.trigram.CHANNEL_SIMILARITY; without it, by comparing every name). A
# DATABASE_URL with its own `options` keeps them.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
    "options", "-c pg_trgm.word_similarity_threshold=0.4"
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Redis: cache, Celery broker, progress counters, locks, quota --------------------------
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "tubeindex",
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": 2,
            "SOCKET_TIMEOUT": 2,
        },
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media_root")

if not DEBUG:
    SESSION_COOKIE_SECURE = strict_bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- REST framework ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: DRF answers a caller without credentials from the first class's
    # WWW-Authenticate header, so that is a 401 saying which scheme to use (with session
    # authentication first it was a 403, which says "you may not", not "who are you?").
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "config.api.PageNumberPagination",
    "PAGE_SIZE": 20,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "TubeIndex API",
    "DESCRIPTION": "Search YouTube videos by title, description and what is said in them.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api.schema_add_common_errors",
    ],
}

# --- Celery -------------------------------------------------------------------------------------
# Every setting: https://docs.celeryq.dev/en/stable/userguide/configuration.html
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
# JSON only: tasks take ids, never pickled model objects (and pickle would run untrusted code).
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_RESULT_EXPIRES = timedelta(days=1)
# Kill a stuck task rather than let it hold a worker slot forever; the soft limit comes first so
# the task can record why it stopped on its video or job.
CELERY_TASK_SOFT_TIME_LIMIT = strict_int("CELERY_TASK_SOFT_TIME_LIMIT", default=300, minimum=1)
CELERY_TASK_TIME_LIMIT = strict_int("CELERY_TASK_TIME_LIMIT", default=360, minimum=1)
# With acks_late an unacknowledged message returns to the queue after this long; it must exceed
# the longest task (hard limit) or a slow task would run twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    # kombu's Redis channel pool defaults to 10 connections and raises (not waits) beyond: at
    # gevent -c 100 concurrent acks hit "MaxConnectionsError" and a message was lost until the
    # sweeper re-queued it (docs/BENCHMARKS.md, fan-out).
    "max_connections": strict_int("CELERY_BROKER_MAX_CONNECTIONS", 500, minimum=10),
    # A queue is one Redis list per step; a worker takes from priority 0 first. Each job's
    # first videos are published at 0 and its later ones at 3, 6, 9
    # (indexing.services.VIDEO_PRIORITY_STEPS), so no job waits behind another's whole fan-out.
    "priority_steps": [0, 3, 6, 9],
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# The Redis backend's client pool is thread- and greenlet-safe. Without this, Celery keeps one
# backend per thread-local, i.e. per gevent greenlet: every task built a new RedisBackend
# (~10 % of worker CPU in bench/fanout.py) just to call its no-op process_cleanup().
CELERY_RESULT_BACKEND_THREAD_SAFE = True
# On gevent keep prefetch >= 2: with 1, the green loop refills only every 2 s (YOUTUBE-NOTES.md).
CELERY_WORKER_PREFETCH_MULTIPLIER = strict_int("CELERY_WORKER_PREFETCH_MULTIPLIER", 4, minimum=2)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
_QUEUES = ("interactive", "polling", "media")
CELERY_TASK_DEFAULT_QUEUE = "interactive"
# Each queue its own exchange and routing key: a Queue without them would be bound to the default
# exchange and key, and every message would be copied into all three queues.
CELERY_TASK_QUEUES = [Queue(name, Exchange(name), routing_key=name) for name in _QUEUES]
# acks_late + reject_on_worker_lost are set per task, only on idempotent tasks (a killed worker
# then hands the message to another), see indexing/tasks.py.
# Routes by module: user-facing jobs, scheduled topic polling and slow audio work never share a
# queue, so a long MP3 extraction cannot delay someone's playlist.
CELERY_TASK_ROUTES = {
    "indexing.tasks.poll_*": {"queue": "polling"},
    "indexing.tasks.dispatch_due_topics": {"queue": "polling"},
    "indexing.tasks.refresh_followed_playlists": {"queue": "polling"},
    "media.tasks.*": {"queue": "media"},
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = False

# --- YouTube and Google (the emulator by default; see README to point at Google) -------------
YOUTUBE_API_URL = url("YOUTUBE_API_URL", "http://127.0.0.1:8090")
YOUTUBE_WEB_URL = url("YOUTUBE_WEB_URL", "http://127.0.0.1:8090")
GOOGLE_AUTH_URI = url("GOOGLE_AUTH_URI", "http://127.0.0.1:8090/o/oauth2/auth")
GOOGLE_TOKEN_URI = url("GOOGLE_TOKEN_URI", "http://127.0.0.1:8090/token")
GOOGLE_USERINFO_URI = url("GOOGLE_USERINFO_URI", "http://127.0.0.1:8090/v1/userinfo")
GOOGLE_REVOKE_URI = url("GOOGLE_REVOKE_URI", "http://127.0.0.1:8090/revoke")
GOOGLE_CLIENT_ID = env.str("GOOGLE_CLIENT_ID", default="tubeindex-dev.apps.googleusercontent.com")
GOOGLE_CLIENT_SECRET = secret("GOOGLE_CLIENT_SECRET", default="tubeindex-dev-secret")
GOOGLE_OAUTH_SCOPES = [
    "https://www.googleapis.com/auth/youtube.readonly",
    "openid",
    "https://www.googleapis.com/auth/userinfo.email",
    "https://www.googleapis.com/auth/userinfo.profile",
]
# Key used to encrypt stored OAuth tokens (Fernet); derived from SECRET_KEY when unset.
FIELD_ENCRYPTION_KEY = secret("FIELD_ENCRYPTION_KEY", default="") or ""
YOUTUBE_QUOTA_DAILY_UNITS = strict_int("YOUTUBE_QUOTA_DAILY_UNITS", 10_000, minimum=1)
YOUTUBE_QUOTA_DAILY_SEARCH_CALLS = strict_int("YOUTUBE_QUOTA_DAILY_SEARCH_CALLS", 100, minimum=1)
TRANSCRIPT_LANGUAGES = env.list("TRANSCRIPT_LANGUAGES", default=["en"])
TRANSCRIPT_PROXY_URL = env.str("TRANSCRIPT_PROXY_URL", default="")
# Global pace of transcript fetches per egress, shared by all workers (token bucket in Redis).
TRANSCRIPT_RATE_PER_SECOND = env.float("TRANSCRIPT_RATE_PER_SECOND", default=200.0)
# "Keep up to date": a followed playlist is indexed again once its last job for that person
# ended this many hours ago (beat looks every hour: indexing/follows.py).
PLAYLIST_REFRESH_HOURS = strict_int("PLAYLIST_REFRESH_HOURS", default=24, minimum=1)

# --- Search -------------------------------------------------------------------------------------
SEARCH_BACKEND = choice("SEARCH_BACKEND", "postgres", ("postgres", "elasticsearch"))
ELASTICSEARCH_URL = env.str("ELASTICSEARCH_URL", default="")
if SEARCH_BACKEND == "elasticsearch" and not ELASTICSEARCH_URL:
    raise ImproperlyConfigured("SEARCH_BACKEND=elasticsearch needs ELASTICSEARCH_URL")
ELASTICSEARCH_DSL = {"default": {"hosts": ELASTICSEARCH_URL or "http://127.0.0.1:9200"}}
# Index changes are pushed in bulk by our indexing tasks, not by per-row signals.
ELASTICSEARCH_DSL_AUTOSYNC = False
ELASTICSEARCH_DSL_AUTO_REFRESH = False

# --- E-mail -----------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
globals().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="TubeIndex <noreply@tubeindex.local>")
# Where people reach this site: the links in e-mails (sent from workers, with no request to
# take the host from).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Audio extractions running at once in one worker process (yt-dlp + ffmpeg are CPU-heavy; the
# others wait their turn without a CPU, so playlist indexing on the same worker is not starved).
AUDIO_CONCURRENCY = strict_int("AUDIO_CONCURRENCY", default=2, minimum=1)
# An MP3 nobody has asked for in this many days is removed by the beat sweep (asking again
# makes it anew); 0 keeps every MP3 forever.
AUDIO_KEEP_DAYS = strict_int("AUDIO_KEEP_DAYS", default=30, minimum=0)

# --- Logging: one configuration; task and job context on every line; never a secret -----------
LOG_LEVEL = choice("LOG_LEVEL", "info", ("debug", "info", "warning", "error")).upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "context": {"()": "config.logging.ContextFilter"},
        "redact": {"()": "config.logging.RedactSecretsFilter"},
    },
    "formatters": {
        "default": {
            "format": "%(asctime)s %(levelname)s %(name)s [task=%(task_id)s job=%(job_id)s] "
            "%(message)s",
        },
        # runserver's access log as Django writes it, but through the secret filter: the URL
        # of Google's sign-in callback carries the authorization code.
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "default",
            "filters": ["context", "redact"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        "googleapiclient.discovery_cache": {"level": "ERROR"},
    },
}
