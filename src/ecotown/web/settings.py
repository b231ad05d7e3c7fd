"""Django settings for EcoTown, configured from the environment (see docs/configuration.md).

Defaults are safe: debug off, SQLite in the data folder, e-mail to the console.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # src/ecotown


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [v.strip() for v in os.environ.get(name, default).split(",") if v.strip()]


import sys
import tempfile

# Under pytest: a throw-away data folder, jobs run synchronously, fast password hashing.
TESTING = "pytest" in sys.modules or env_bool("ECOTOWN_TESTING", False)
_default_data = Path(tempfile.mkdtemp(prefix="ecotown-test-")) if TESTING else Path.cwd() / "data"
DATA_DIR = Path(os.environ.get("ECOTOWN_DATA_DIR") or _default_data).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)
(DATA_DIR / "static").mkdir(exist_ok=True)


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("ECOTOWN_DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# Set ECOTOWN_PRODUCTION=1 on a real deployment: `serve` then refuses a demo database.
PRODUCTION = env_bool("ECOTOWN_PRODUCTION", False)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "ecotown.core",
    "ecotown.accounts",
    "ecotown.registry",
    "ecotown.enquiries",
    "ecotown.reporting",
    "ecotown.carbon",
    "ecotown.assessment",
    "ecotown.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "ecotown.web.middleware.ActiveMembershipMiddleware",
]

ROOT_URLCONF = "ecotown.web.urls"
WSGI_APPLICATION = "ecotown.web.wsgi.application"

# drop-downs written in Python (ecotown/web/renderers.py), every other widget by Django's templates
FORM_RENDERER = "ecotown.web.renderers.FastSelectRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ecotown.web.context.ecotown",
            ],
        },
    }
]

DEFAULT_DB_URL = f"sqlite:///{DATA_DIR / 'ecotown.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", DEFAULT_DB_URL), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("ECOTOWN_CONN_MAX_AGE", "0"))
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Language: Thai first, English too.
LANGUAGE_CODE = "th"
LANGUAGES = [("th", "ไทย"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Bangkok"
USE_TZ = True
LANGUAGE_COOKIE_NAME = "ecotown_language"

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Uploaded files are never served directly: only through the access-checked download view.
MEDIA_ROOT = DATA_DIR / "files"
MEDIA_URL = "/files/raw/"  # not routed
# an import of at least this many rows refreshes the planner's statistics of the tables it wrote
ECOTOWN_ANALYZE_AFTER_ROWS = int(os.environ.get("ECOTOWN_ANALYZE_AFTER_ROWS", "10000"))
ECOTOWN_MAX_UPLOAD_BYTES = int(os.environ.get("ECOTOWN_MAX_UPLOAD_MB", "20")) * 1024 * 1024
ECOTOWN_UPLOAD_TYPES = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "text/csv": ".csv",
}
DATA_UPLOAD_MAX_MEMORY_SIZE = ECOTOWN_MAX_UPLOAD_BYTES

# E-mail: console by default (demo); SMTP when EMAIL_HOST is set.
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
elif os.environ.get("ECOTOWN_EMAIL_DIR"):
    # each e-mail the worker sends becomes a file in this folder (a demo or test without a mail server)
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["ECOTOWN_EMAIL_DIR"]
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "EcoTown <no-reply@ecotown.invalid>")

# Background jobs: one database-backed queue, run by `ecotown worker`.
TASKS = {"default": {"BACKEND": os.environ.get("ECOTOWN_TASK_BACKEND", "django_tasks_db.DatabaseBackend")}}
if TESTING:
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The worker beats every few seconds; it counts as running while its last beat is this recent (a
# worker busy with one long job on SQLite, unable to write, counts for up to ECOTOWN_WORKER_BUSY_SECONDS).
ECOTOWN_WORKER_HEARTBEAT_SECONDS = float(os.environ.get("ECOTOWN_WORKER_HEARTBEAT_SECONDS", "5"))
ECOTOWN_WORKER_STALE_SECONDS = float(os.environ.get("ECOTOWN_WORKER_STALE_SECONDS", "30"))
ECOTOWN_WORKER_BUSY_SECONDS = float(os.environ.get("ECOTOWN_WORKER_BUSY_SECONDS", "900"))
# `ecotown serve` waits this long for a worker's first beat before it warns that none is running.
ECOTOWN_WORKER_WAIT_SECONDS = float(os.environ.get("ECOTOWN_WORKER_WAIT_SECONDS", "8"))
# Daily jobs the worker queues once a day from the given local time (HH:MM, Asia/Bangkok); an empty
# time switches a job off. {job: (task, time)}.
ECOTOWN_SCHEDULE = {
    "reporting_reminders": ("ecotown.reporting.tasks.send_reminders", os.environ.get("ECOTOWN_REMINDERS_AT", "07:00")),
    "pdpa_retention": ("ecotown.core.tasks.apply_pdpa_retention", os.environ.get("ECOTOWN_RETENTION_AT", "02:00")),
    "expire_downloads": ("ecotown.core.tasks.expire_downloads", os.environ.get("ECOTOWN_RETENTION_AT", "02:00")),
}
# files built in the background for a user (big exports) are kept this many days
ECOTOWN_DOWNLOAD_DAYS = int(os.environ.get("ECOTOWN_DOWNLOAD_DAYS", "7"))
# cached aggregates and reference data (ecotown.core.cache): this process's memory by default (each web and
# worker process keeps its own; the keys carry the database's generations, so none serves a stale value),
# Redis shared by every process when ECOTOWN_REDIS_URL is set (e.g. redis://127.0.0.1:6379/0)
ECOTOWN_CACHE_SECONDS = int(os.environ.get("ECOTOWN_CACHE_SECONDS", "3600"))
if os.environ.get("ECOTOWN_REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": os.environ["ECOTOWN_REDIS_URL"], "KEY_PREFIX": "ecotown"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ecotown",
                          "OPTIONS": {"MAX_ENTRIES": 5000}}}
# an export of more rows than this is built in the background (a download with a notification)
ECOTOWN_INLINE_EXPORT_ROWS = int(os.environ.get("ECOTOWN_INLINE_EXPORT_ROWS", "5000"))

# Security headers (HTTPS settings switch on with ECOTOWN_HTTPS=1 behind a TLS proxy).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if env_bool("ECOTOWN_HTTPS", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000

# Map: no tile server is needed; set a URL template to show a base map under the outlines.
ECOTOWN_TILE_URL = os.environ.get("ECOTOWN_TILE_URL", "")
ECOTOWN_TILE_ATTRIBUTION = os.environ.get("ECOTOWN_TILE_ATTRIBUTION", "")
# Reporting: which year is shown first beside period totals ("calendar" or "fiscal": Thai government
# fiscal year, October–September), and the day of the following month by which a month is due.
ECOTOWN_REPORTING_YEAR = os.environ.get("ECOTOWN_REPORTING_YEAR", "calendar")
ECOTOWN_REPORTING_DEADLINE_DAY = int(os.environ.get("ECOTOWN_REPORTING_DEADLINE_DAY", "15"))
# Greenhouse gases: the GWP set estate-wide and national totals are computed in (one set per
# published total; each organisation's own inventory keeps the set it chose).
ECOTOWN_ROLLUP_GWP = os.environ.get("ECOTOWN_ROLLUP_GWP", "AR5")
# API tokens expire after this many days.
ECOTOWN_TOKEN_DAYS = int(os.environ.get("ECOTOWN_TOKEN_DAYS", "30"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ECOTOWN_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
