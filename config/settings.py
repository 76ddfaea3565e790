"""Tessera settings, read from the environment (README: "Configuration" lists every variable).

Defaults are safe for production (DEBUG off, secure cookies); `make run` and the test suite set
the development values explicitly. Unset service URLs start embedded services (config/embedded.py).
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import environ

from config import embedded

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
EMBEDDED_SERVICES = embedded.fill_environment()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if DEBUG and not SECRET_KEY:
    SECRET_KEY = "development-only-key-never-used-in-production-" + "0" * 16
PLATFORM_DOMAIN = env.str("PLATFORM_DOMAIN", default="localhost").lower()
PLATFORM_NAME = env.str("PLATFORM_NAME", default="Tessera")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[PLATFORM_DOMAIN, f".{PLATFORM_DOMAIN}"])
ALLOW_ANY_HOST = env.bool("ALLOW_ANY_HOST", default=False)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# http for local development; production sits behind TLS.
PLATFORM_SCHEME = env.str("PLATFORM_SCHEME", default="http" if DEBUG else "https")
PLATFORM_PORT = env.str("PLATFORM_PORT", default="")

# --- Applications -----------------------------------------------------------------------------
SHARED_APPS = [
    "django_tenants",
    "operations.organizations",  # tenants, domains, memberships (public schema)
    "operations.accounts",  # the platform's users (public schema)
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "operations.accounts.admin_site.PlatformAdminConfig",  # django.contrib.admin, operators only
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "axes",
    "portal",
    "search",
]
TENANT_APPS = [
    "operations.audit",
    "operations.events",
    "operations.ticketing",
    "operations.payments",
    "operations.checkin",
    "operations.exports",
    "operations.invoicing",
    "cms",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.sitemaps",  # cms: per-organization sitemap.xml
    "django.contrib.sitemaps",  # cms: the sitemap template
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "organizations.Organization"
TENANT_DOMAIN_MODEL = "organizations.Domain"
# New organizations are cloned from this schema (a tenant row kept migrated like any other).
TENANT_BASE_SCHEMA = "tenant_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_tenant"
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
# Set the search path when the schema changes, not before every query (halves round trips).
TENANT_LIMIT_SET_CALLS = True

AUTH_USER_MODEL = "accounts.User"

# Called in order, inside the new schema, when an organization is created (and when the template
# is prepared): operations stays free of imports from cms.
ORGANIZATION_PROVISIONERS = ["cms.setup.site_create"]
ORGANIZATION_TEMPLATE_PREPARERS = ["cms.setup.template_prepare"]
# invoicing: receipts take the colour and logo from this site setting (named, not imported).
INVOICING_BRANDING_MODEL = "cms.Branding"

MIDDLEWARE = [
    "operations.organizations.middleware.OrganizationMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "cms.middleware.TenantRedirectMiddleware",
    "axes.middleware.AxesMiddleware",
    "operations.core.middleware.DomainErrorMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "portal.context_processors.platform",
            ],
        },
    }
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# --- Data stores ------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL")}
# A unix socket directory arrives percent-encoded in the host part (postgres://u@%2Fpath/db).
DATABASES["default"]["HOST"] = unquote(DATABASES["default"]["HOST"])
DATABASES["default"]["ENGINE"] = "config.postgresql"  # django-tenants' backend, see config/postgresql
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DATABASE_CONN_HEALTH_CHECKS", default=True)
# Server-side binding lets psycopg prepare what a connection runs again and again (a statement
# seen 5 times): PostgreSQL then parses and plans it once per connection instead of on every run
# (the order page's database work halved under load, BENCHMARKS.md). Plans follow the search path
# (PostgreSQL plans a prepared statement again when the schema changes), so tenants stay apart. A pooler in
# transaction mode (PgBouncer before 1.21) cannot keep prepared statements: set
# DATABASE_PREPARED_STATEMENTS=false behind one.
if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL")
CACHES = {
    "default": {
        "BACKEND": "config.cache.KeptClientRedisCache",  # one redis-py client per pool (config/cache)
        "LOCATION": REDIS_URL,
        # Wagtail caches site root paths: keys must carry the schema or tenants see each other's.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }
}

ELASTICSEARCH_URL = env.str("ELASTICSEARCH_URL")
ELASTICSEARCH_EMBEDDED = env.bool("TESSERA_EMBEDDED_SEARCH", default=False)
ELASTICSEARCH_INDEX_PREFIX = env.str("ELASTICSEARCH_INDEX_PREFIX", default="tessera")
# Events index layout (search_rebuild applies them to each new index): one shard holds far more
# events than a platform has; replicas give a real cluster redundancy and read capacity.
ELASTICSEARCH_SHARDS = env.int("ELASTICSEARCH_SHARDS", default=1)
ELASTICSEARCH_REPLICAS = env.int("ELASTICSEARCH_REPLICAS", default=0)

# --- Celery -----------------------------------------------------------------------------------
# redis-py speaks unix:// for sockets; kombu calls the same thing redis+socket://.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL.replace("unix://", "redis+socket://", 1))
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "tessera"

# --- People and sign-in -----------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out credentials
    "operations.accounts.backends.EmailBackend",  # authenticates, grants nothing
    "operations.organizations.backends.MembershipBackend",  # permissions from the current organization
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{PLATFORM_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = PLATFORM_SCHEME
# django-axes owns failed sign-in limits; allauth's own would answer first with a form error.
ACCOUNT_RATE_LIMITS = {"login_failed": None}

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "operations.accounts.backends.credentials_email"
AXES_LOCKOUT_TEMPLATE = "account/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# --- Wagtail ----------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = PLATFORM_NAME
WAGTAILADMIN_BASE_URL = f"{PLATFORM_SCHEME}://{PLATFORM_DOMAIN}"
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAIL_USER_EDIT_FORM = None
# cms: workflow e-mails go to the approving role groups; platform operators are not approvers
# (and the user table has no is_superuser column to filter on).
WAGTAILADMIN_NOTIFICATION_INCLUDE_SUPERUSERS = False

# --- Files ------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(embedded.DATA_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request otherwise
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(embedded.DATA_DIR / "media")))
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- E-mail -----------------------------------------------------------------------------------
_email = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(_email)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=f"{PLATFORM_NAME} <noreply@{PLATFORM_DOMAIN}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Payments (per-organization keys come later; these are the platform's defaults) ----------
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")  # localstripe in development and tests
# Stripe.js; empty: the real one, or localstripe's stand-in at <STRIPE_API_BASE>/js.stripe.com/v3/.
STRIPE_JS_URL = env.str("STRIPE_JS_URL", default="")
# Fernet key for organizations' provider secrets at rest (else derived from SECRET_KEY).
PAYMENTS_ENCRYPTION_KEY = env.str("PAYMENTS_ENCRYPTION_KEY", default="")
PAYMENTS_RECONCILE_AFTER_MINUTES = env.int("PAYMENTS_RECONCILE_AFTER_MINUTES", default=5)

# --- Localisation -----------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ko", "한국어")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Security ---------------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 30)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "SAMEORIGIN"
# Cookies stay host-only (no SESSION_COOKIE_DOMAIN): a session on one organization's host is not
# sent to another's.
SILENCED_SYSTEM_CHECKS = ["security.W004", "security.W008"] if DEBUG else []

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "django_tasks": {"level": "WARNING"}, "elastic_transport": {"level": "WARNING"}},
}

from config.checks import refuse_insecure_production  # noqa: E402

refuse_insecure_production(globals())
