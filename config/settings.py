"""carecast settings: every value comes from the environment (docs/configuration.md lists them).

Grouped by concern: core, database, tasks, security, mail, API, logging. Defaults give the
embedded single-machine setup (SQLite + SqliteHuey under var/); production sets DATABASE_URL,
HUEY_URL, SECRET_KEY and ALLOWED_HOSTS.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
VAR_DIR = Path(env("CARECAST_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # SQLite and SqliteHuey files live here

# --- core ------------------------------------------------------------------------------------


def _local_secret_key() -> str:
    """One-machine default: a random key made once and kept in var/ (production sets SECRET_KEY)."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        import secrets

        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env("SECRET_KEY", default="") or _local_secret_key()
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
USE_I18N = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.syndication",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "huey.contrib.djhuey",
    "carecast.core",
    "carecast.accounts",
    "carecast.content",
    "carecast.compliance",
    "carecast.channels",
    "carecast.audiences",
    "carecast.web",
]
MIDDLEWARE = [
    "carecast.core.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "carecast.accounts.middleware.IdleTimeoutMiddleware",
    "carecast.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "carecast.web.context_processors.shell",
            ]
        },
    }
]
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- database --------------------------------------------------------------------------------
# SQLite (WAL) is the embedded default; DATABASE_URL=postgres://... for production and CI.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'carecast.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        }
    )
    # Tests use a file, not Django's shared in-memory database: worker and live-server threads then
    # get their own connections and wait for locks (WAL, busy timeout) as they do in production.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-carecast.sqlite3")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False

# --- background tasks: django.tasks executed by Huey -------------------------------------------
#   HUEY_URL unset          -> SqliteHuey file under var/ (one machine, no server)
#   HUEY_URL=redis://...    -> RedisHuey (many machines)
#   HUEY_URL=postgres://... -> PostgresHuey (many machines, no Redis)
TASKS = {
    "default": {
        "BACKEND": "huey.contrib.djhuey.tasks_backend.HueyBackend",
        "OPTIONS": {"enqueue_on_commit": True},
    }
}
HUEY_URL = env("HUEY_URL", default="")
HUEY: dict[str, object]
if HUEY_URL.startswith("redis"):
    HUEY = {"huey_class": "huey.RedisHuey", "url": HUEY_URL}
elif HUEY_URL.startswith("postgres"):
    HUEY = {"huey_class": "huey.PostgresHuey", "dsn": HUEY_URL.replace("postgres://", "postgresql://", 1)}
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "filename": env("HUEY_SQLITE", default=str(VAR_DIR / "huey.sqlite3")),
    }
HUEY.update(
    {
        "name": env("HUEY_NAME", default="carecast"),
        "immediate": env.bool("HUEY_IMMEDIATE", default=False),
        "consumer": {
            "workers": env.int("HUEY_WORKERS", default=2),
            "worker_type": "thread",
            "periodic": True,
            # An idle worker looks at the queue at least every half second (Huey's default backs off
            # to 10 s), so a second worker joins a busy publishing second at once.
            "initial_delay": 0.05,
            "max_delay": 0.5,
        },
    }
)

# --- security ----------------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SECURE_COOKIES = env.bool("SECURE_COOKIES", default=False)  # True behind HTTPS
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "frame-ancestors": [CSP.NONE],
    # "Connect with …" forms end in a redirect to the network's sign-in page (carecast/channels/oauth.py).
    "form-action": [
        CSP.SELF,
        "https://www.facebook.com",
        "https://www.linkedin.com",
        "https://x.com",
        "https://accounts.google.com",
    ],
}
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=900)
# Fernet keys for secrets at rest, newest first; older keys still decrypt (rotation).
CARECAST_SECRET_KEYS = env.list("CARECAST_SECRET_KEYS", default=[])
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=8 * 1024 * 1024)
# A job left `publishing` this long is taken to belong to a dead worker (and read back from the network).
PUBLISH_STUCK_AFTER_SECONDS = env.int("PUBLISH_STUCK_AFTER_SECONDS", default=300)
# Media library limits (docs/library.md): videos up to this size and length; each side of an
# image or video between the minimum and maximum pixels.
MEDIA_VIDEO_MAX_BYTES = env.int("MEDIA_VIDEO_MAX_BYTES", default=200 * 1024 * 1024)
MEDIA_VIDEO_MAX_SECONDS = env.int("MEDIA_VIDEO_MAX_SECONDS", default=600)
MEDIA_MAX_DIMENSION = env.int("MEDIA_MAX_DIMENSION", default=8192)
MEDIA_MIN_DIMENSION = env.int("MEDIA_MIN_DIMENSION", default=16)
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024
# The apps carecast signs in to the OAuth networks with (docs/publishing.md, "Connecting with OAuth").
# Instagram falls back to Facebook's app, YouTube and Google Business Profile to CARECAST_OAUTH_GOOGLE_*.
# _AUTHORIZE_URL and _TOKEN_URL replace the network's own addresses (tests point them at a local server).
CARECAST_OAUTH = {
    name: {
        key: env(f"CARECAST_OAUTH_{name.upper()}_{key.upper()}", default="")
        for key in ("client_id", "client_secret", "authorize_url", "token_url")
    }
    for name in ("facebook", "instagram", "linkedin", "x", "youtube", "google_business", "google")
}

# --- files -------------------------------------------------------------------------------------
STATIC_URL = "/static/"
# Third-party front-end files come from the npm registry (`npm ci`), served from node_modules.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/chartjs", BASE_DIR / "node_modules" / "chart.js" / "dist"),
]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # collectstatic fills it; WhiteNoise expects it to exist
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- mail --------------------------------------------------------------------------------------
MAILERS = {
    "default": {
        "BACKEND": env("MAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"),
        "OPTIONS": {
            "host": env("SMTP_HOST", default="127.0.0.1"),
            "port": env.int("SMTP_PORT", default=25),
            "username": env("SMTP_USER", default=""),
            "password": env("SMTP_PASSWORD", default=""),
            "use_tls": env.bool("SMTP_TLS", default=False),
        }
        if env("MAIL_BACKEND", default="").endswith("smtp.EmailBackend")
        else {},
    }
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="carecast <no-reply@carecast.local>")

# --- REST API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "carecast.core.apis.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "carecast API",
    "DESCRIPTION": "Content items and publish jobs. Authenticate with `Authorization: Token <key>`.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "carecast.core.apis.add_error_responses",
    ],
}

# --- logging: JSON lines, PHI filtered out -----------------------------------------------------
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"phi": {"()": "carecast.core.logging.PHIFilter"}},
    "formatters": {"json": {"()": "carecast.core.logging.JSONFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["phi"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "huey": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
    },
}
