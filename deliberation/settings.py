"""Settings for the Korea–Japan Future Dialogue deliberation site.

One file; every deployment-specific value comes from the environment. With nothing set, the site
runs for development on an SQLite file. ``DJANGO_ENV=production`` switches on the production
profile, which refuses to start without a real ``SECRET_KEY`` and passes ``check --deploy``.
"""

import os
import secrets
from pathlib import Path
from typing import Literal

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DJANGO_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


ENVIRONMENT = os.environ.get("DJANGO_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"
if ENVIRONMENT not in {"development", "production", "bench"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be development, production or bench, not {ENVIRONMENT!r}")


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in the production profile.")
    # Development: generate once and keep it beside the SQLite file, so sessions survive restarts
    # and every worker process agrees on the key. The file is git-ignored.
    path = VAR_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        path.write_text(key)
        return key


SECRET_KEY = _secret_key()
# Keys the pseudonymous ids of people in the audit log (audit.log.pseudonym). Keep it stable: a new
# key gives everyone new ids from then on. Defaults to SECRET_KEY.
AUDIT_PSEUDONYM_KEY = os.environ.get("AUDIT_PSEUDONYM_KEY") or SECRET_KEY
# Models holding participants' personal data, with the fields that hold it. The audit log names a
# row of these by its id only (``comment #12``, never an excerpt; a user by their pseudonym), and an
# admin edit of one records that those fields changed, never their values: the log is append-only,
# so nothing in it could be reached when the participant's data is erased.
AUDIT_PERSONAL_FIELDS: dict[str, list[str]] = {
    "accounts.user": ["email", "display_name", "first_name", "last_name", "affiliation"],
    "accounts.membership": [],
    "accounts.nationalitychange": ["reason"],
    "accounts.consent": [],
    "accounts.guardianconsent": ["guardian_email", "note"],
    "accounts.dataexport": ["token", "payload"],
    "account.emailaddress": ["email"],
    "socialaccount.socialaccount": ["uid", "extra_data"],
    "comments.comment": ["body"],
    "comments.commentedit": ["body"],
    "comments.commentreaction": [],
    "amendments.amendment": ["new_text", "rationale"],
    "amendments.amendmentvote": [],
    "ratings.rating": [],
    "moderation.report": ["note"],
    "notifications.notification": ["data"],
    "translations.translation": ["text"],
}
DEBUG = env_bool("DEBUG", default=not PRODUCTION and ENVIRONMENT != "bench")
LOCAL_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else LOCAL_HOSTS)
# Forgetting DJANGO_ENV on a server must not serve tracebacks to the world: with DJANGO_ENV unset,
# DEBUG on and a host that is not this machine, refuse to start. `make run` and the tests serve
# local hosts only; a deliberate DJANGO_ENV=development on another host is allowed.
if "DJANGO_ENV" not in os.environ and DEBUG and any(host not in LOCAL_HOSTS for host in ALLOWED_HOSTS):
    raise ImproperlyConfigured(
        "DJANGO_ENV is not set, so DEBUG is on, but ALLOWED_HOSTS names a host that is not local. "
        "Set DJANGO_ENV=production (or DJANGO_ENV=development to really debug there)."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # modeltranslation must come before the admin so translated fields appear there.
    "modeltranslation",
    # Our admin site: allauth login, second factor for staff in production, "what awaits" index.
    "deliberation.apps.DeliberationAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # Sign in with Kakao, Naver (Korea), LINE (Japan) and, optionally, Google: each shown only once
    # configured (below).
    "allauth.socialaccount",
    "allauth.socialaccount.providers.kakao",
    "allauth.socialaccount.providers.naver",
    "allauth.socialaccount.providers.line",
    "allauth.socialaccount.providers.google",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "django_htmx",
    "csp",
    # The task queue (core.tasks): django-tasks with its database backend and `db_worker`.
    "django_tasks",
    "django_tasks_db",
    "audit",
    "accounts",
    "notifications",
    "proposals",
    # Participants' text across languages (machine, authors, community), by reference.
    "translations",
    "amendments",
    "comments",
    "ratings",
    "moderation",
    "progress",
    "rest_framework_api_key",
    "institutions",
    "api",
    # The top floor: pages and the admin screen composed of several features.
    "pages",
]
if ENVIRONMENT == "bench":
    # The benchmark (manage.py bench_seed, bench_run; `make bench`), and only there.
    INSTALLED_APPS.append("bench")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "deliberation.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "deliberation.middleware.RefuseNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    # After CommonMiddleware, which refuses hosts outside ALLOWED_HOSTS.
    "deliberation.middleware.SiteURLMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After authentication: a participant whose consent is older than the privacy notice is asked again.
    "accounts.middleware.PolicyConsentMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # The API's RateLimit-* headers (api.throttling), on the responses its rate limit counted.
    "api.throttling.RateLimitHeadersMiddleware",
]

ROOT_URLCONF = "deliberation.urls"
WSGI_APPLICATION = "deliberation.wsgi.application"
ASGI_APPLICATION = "deliberation.asgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# Database: SQLite file by default so a newcomer needs nothing installed; PostgreSQL (the
# production database) whenever DATABASE_URL says so.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL and a busy timeout let the dev server and a second process share the file.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    if not os.environ.get("DATABASE_URL"):
        VAR_DIR.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: shared between processes, because login rate limits live in it. A per-process LocMem
# cache would multiply the limits by the number of workers.
REDIS_URL = os.environ.get("REDIS_URL")
# Visitors' proposal pages from this cache (pages.cache), keyed by the proposal's activity stamp.
# Tests that measure the rendering itself turn it off.
PROPOSAL_PAGE_CACHE = env_bool("PROPOSAL_PAGE_CACHE", True)
# The API's proposal list and comment pages from this cache when it is Redis (api.responsecache).
API_RESPONSE_CACHE = env_bool("API_RESPONSE_CACHE", True)
if REDIS_URL:
    # Django's Redis backend, keeping one client per connection pool (core.cache).
    CACHES = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "django_cache",
        }
    }

# Sessions: with Redis, read from it and written through to the database (every signed-in
# request would otherwise cost a query for its session); without it, from the database (the
# database cache would cost the same query, plus a write).
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db" if REDIS_URL else "django.contrib.sessions.backends.db"
)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Django's and allauth's, with the signed-in user loaded by a query compiled once.
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "proposals:list"

# allauth: email is the login; there are no usernames.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# Following the verification link in the browser that signed up logs the participant in and takes
# them to the page they signed up from (the link carries ``next``; the adapter adds it).
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
# Signup also asks display name, nationality, preferred language and affiliation; the adapter sends
# every account email in the recipient's preferred language and applies it to the UI after login.
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGOUT_REDIRECT_URL = "proposals:list"
# Brute-force protection (kept in the shared cache). Failed logins: 10 a minute per IP address and
# 5 per 5 minutes per email address; past that the login answers 429 (templates/429.html).
# join_programme (ours) limits invite-code guessing.
# Participants' writes, per account (core.throttles): over the limit the write answers 429 with
# Retry-After and the message in the page. Each is "<count>/<period>/user", comma-separated, and can
# be set with THROTTLE_<ACTION>, e.g. THROTTLE_COMMENT="5/m/user,30/h/user"; empty turns it off.
# The benchmark profile turns them off: it measures the writes themselves.
PARTICIPANT_THROTTLE_DEFAULTS = {
    "comment": "5/m/user,30/h/user",
    "reply": "10/m/user,60/h/user",
    "amendment": "3/m/user,15/h/user",
    "vote": "30/m/user,300/h/user",
    "reaction": "30/m/user,300/h/user",
    "report": "5/m/user,30/h/user",
    "rating": "20/m/user,120/h/user",
}
PARTICIPANT_THROTTLES = {
    action: "" if ENVIRONMENT == "bench" else os.environ.get(f"THROTTLE_{action.upper()}", default)
    for action, default in PARTICIPANT_THROTTLE_DEFAULTS.items()
}
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "join_programme": "10/10m/user",
    **PARTICIPANT_THROTTLES,
}
# Retry-After on allauth's own 429 page (failed logins): the longest of the login windows above.
RATE_LIMIT_RETRY_AFTER = 300
# Behind a proxy, the client address is the Nth from the right in X-Forwarded-For; 0 trusts no header.
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# Social sign-in: a provider appears on the log-in and sign-up pages only when its client id and
# secret are in the environment (KAKAO_CLIENT_ID / KAKAO_CLIENT_SECRET, NAVER_…, LINE_…, GOOGLE_…). The first
# sign-in still completes the profile (display name, nationality, language, age band, consents):
# there is no automatic sign-up. A logged-in participant connects a provider on the account page.
SOCIAL_PROVIDER_SCOPES = {
    "kakao": ["account_email", "profile_nickname"],
    "naver": [],
    "line": ["profile", "openid", "email"],
    # Optional (issue #16): GOOGLE_CLIENT_ID / GOOGLE_CLIENT_SECRET.
    "google": ["openid", "profile", "email"],
}
SOCIALACCOUNT_PROVIDERS = {
    provider: {
        "APPS": [
            {
                "client_id": os.environ[f"{provider.upper()}_CLIENT_ID"],
                "secret": os.environ.get(f"{provider.upper()}_CLIENT_SECRET", ""),
            }
        ],
        "SCOPE": scope,
    }
    for provider, scope in SOCIAL_PROVIDER_SCOPES.items()
    if os.environ.get(f"{provider.upper()}_CLIENT_ID")
}
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_FORMS = {"signup": "accounts.forms.SocialSignupForm"}
# The providers vouch for the address they return only when they say it is verified; otherwise
# our own verification email applies, as for any sign-up.
SOCIALACCOUNT_EMAIL_VERIFICATION = "mandatory"

# Second factor (TOTP) for staff: required before the admin lets them in, on in production so the
# demo moderator of `make run` can log in with a password.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
ADMIN_REQUIRE_MFA = env_bool("ADMIN_REQUIRE_MFA", PRODUCTION)

# Internationalisation: Korean and Japanese are first-class; English is the fallback.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("ko", _("Korean")),
    ("ja", _("Japanese")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files served at the site root by WhiteNoise: /favicon.ico (scripts/favicon-ico.py).
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Korea–Japan Future Dialogue <noreply@localhost>")
# Absolute links in emails sent outside a request (the digest command) start with this; inside a
# request (and for work it queues) they use the request's own scheme and host (core/siteurl.py).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Privacy notice (templates/accounts/privacy/<version>/<language>.html) and consent. Raising the
# version makes every participant consent again at their next page view (accounts.middleware);
# until then they read but cannot write.
PRIVACY_POLICY_VERSION = os.environ.get("PRIVACY_POLICY_VERSION", "2026-12-01")
# Named in the privacy notice: who runs the dialogue in each country (the recipients of the
# cross-border transfer) and where to write about personal data.
PRIVACY_ORGANISERS = {
    "KR": os.environ.get(
        "PRIVACY_ORGANISER_KR", "Korea–Japan Future Dialogue secretariat, Republic of Korea"
    ),
    "JP": os.environ.get("PRIVACY_ORGANISER_JP", "Korea–Japan Future Dialogue secretariat, Japan"),
}
PRIVACY_CONTACT_EMAIL = os.environ.get("PRIVACY_CONTACT_EMAIL", "privacy@localhost")
# Age below which participation needs a guardian's consent, by nationality: Korea 14 (PIPA Art.
# 22-2); Japan 16 by default (the APPI sets no age; the PPC's guidance accepts 12–15); others 16.
GUARDIAN_CONSENT_AGE = {
    "KR": int(os.environ.get("GUARDIAN_CONSENT_AGE_KR", "14")),
    "JP": int(os.environ.get("GUARDIAN_CONSENT_AGE_JP", "16")),
    "OTHER": int(os.environ.get("GUARDIAN_CONSENT_AGE_OTHER", "16")),
}
# Minors' personal data is deleted this many days after their last programme ends
# (manage.py purge_minor_data, daily), with a notice this many days before.
MINOR_DATA_RETENTION_DAYS = int(os.environ.get("MINOR_DATA_RETENTION_DAYS", "30"))
MINOR_DATA_NOTICE_DAYS = int(os.environ.get("MINOR_DATA_NOTICE_DAYS", "14"))
# How long the link to a participant's copy of their data works (seconds).
DATA_EXPORT_MAX_AGE = int(os.environ.get("DATA_EXPORT_MAX_AGE", str(7 * 24 * 3600)))
# How long a guardian's emailed link can be used to answer (seconds; withdrawing has no limit).
GUARDIAN_LINK_MAX_AGE = int(os.environ.get("GUARDIAN_LINK_MAX_AGE", str(30 * 24 * 3600)))

# Moderation: this many distinct participants' open reports hide a comment or amendment pending
# review, unless they all come from one nationality group (then it goes to the top of the queue).
MODERATION_REPORT_THRESHOLD = int(os.environ.get("MODERATION_REPORT_THRESHOLD", "3"))

# Content Security Policy from the first template on: no inline script or style, no eval.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# The partner institutions' API under /api/v1/ (api/): JSON only, an institution's key in
# "Authorization: Api-Key <key>", errors as {"error": {"code", "message", "fields"}}.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.negotiation.JSONOnlyNegotiation",
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.APIKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.CanRead"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.APIKeyRateThrottle"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PagePagination",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "URL_FORMAT_OVERRIDE": None,
}
# Requests per API key (counted in the shared cache), e.g. "120/min", "5000/hour"; an institution
# with its own budget (Institution.api_rate_limit, a minute) shares that between its keys instead.
API_THROTTLE_RATE = os.environ.get("API_THROTTLE_RATE", "120/min")
# The schema and the docs page need no key; they are limited per client address instead.
API_ANONYMOUS_THROTTLE_RATE = os.environ.get("API_ANONYMOUS_THROTTLE_RATE", "60/min")
SPECTACULAR_SETTINGS = {
    "TITLE": "Korea–Japan Future Dialogue API",
    "DESCRIPTION": (
        "Read proposals, their versions, comments, amendments, rating aggregates and progress; "
        "submit progress reports. Send your institution's key as `Authorization: Api-Key <key>`. "
        'Every error is `{"error": {"code", "message", "fields"}}`.\n\n'
        "**Webhooks** (Standard Webhooks: events, payloads, headers, verification in Python and "
        "JavaScript, tolerance, retries, secret rotation): [/api/v1/docs/webhooks/](/api/v1/docs/webhooks/). "
        "Quickstart: [한국어](/api/v1/docs/quickstart/ko/) · [日本語](/api/v1/docs/quickstart/ja/).\n\n"
        "**Versions and changes**: `/api/v1/` is stable and only grows; how deprecations are announced "
        "(`Deprecation` and `Sunset` headers, notice period) and what changed in each release: "
        "[/api/v1/docs/changes/](/api/v1/docs/changes/).\n\n"
        "**Retries and polling**: send an `Idempotency-Key` with a POST to retry it safely; list pages "
        "carry a weak `ETag` (send `If-None-Match` for a 304) and take `updated_since`."
    ),
    # Releases of v1, listed on /api/v1/docs/changes/.
    "VERSION": "1.1.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.report_request_shapes",
        "api.schema.nullable_as_type_list",
        "api.webhook_schema.webhook_headers",
        "api.schema.rate_limit_headers",
    ],
    # OpenAPI 3.1 for its webhooks section: every event we POST to partners, with its body.
    "WEBHOOKS": ["api.webhook_schema.STAGE_CHANGED", "api.webhook_schema.PING"],
    "ENUM_NAME_OVERRIDES": {
        "StageEnum": "proposals.models.Stage",
        "JurisdictionEnum": "progress.models.Jurisdiction",
        "LanguageEnum": "api.serializers.LANGUAGE_CHOICES",
    },
}
# The task queue (core/tasks.py): emails, webhook deliveries, exports run in `manage.py db_worker`
# (started by `make run`; in production a process of its own beside gunicorn). TASK_BACKEND may
# name another django-tasks backend, e.g. django_tasks.backends.immediate.ImmediateBackend to run
# tasks in the web process itself (the test suite does that).
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Machine translation of participants' text (translations/machine): none (the default: only
# authors' and participants' translations), deepl or papago. Keys come from the environment only.
TRANSLATION_BACKEND = os.environ.get("TRANSLATION_BACKEND", "none").strip().lower() or "none"
if TRANSLATION_BACKEND not in {"none", "deepl", "papago"}:
    raise ImproperlyConfigured(
        f"TRANSLATION_BACKEND must be none, deepl or papago, not {TRANSLATION_BACKEND!r}"
    )
DEEPL_AUTH_KEY = os.environ.get("DEEPL_AUTH_KEY", "")
# Empty: the client picks api.deepl.com, or api-free.deepl.com for a free key (ending in ":fx").
DEEPL_SERVER_URL = os.environ.get("DEEPL_SERVER_URL", "")
PAPAGO_CLIENT_ID = os.environ.get("PAPAGO_CLIENT_ID", "")
PAPAGO_CLIENT_SECRET = os.environ.get("PAPAGO_CLIENT_SECRET", "")
PAPAGO_URL = os.environ.get("PAPAGO_URL", "https://papago.apigw.ntruss.com/nmt/v1/translation")
# A glossary registered with NAVER (made from `manage.py glossary_export papago`), if any.
PAPAGO_GLOSSARY_KEY = os.environ.get("PAPAGO_GLOSSARY_KEY", "")
if TRANSLATION_BACKEND == "deepl" and not DEEPL_AUTH_KEY:
    raise ImproperlyConfigured("TRANSLATION_BACKEND=deepl needs DEEPL_AUTH_KEY.")
if TRANSLATION_BACKEND == "papago" and not (PAPAGO_CLIENT_ID and PAPAGO_CLIENT_SECRET):
    raise ImproperlyConfigured("TRANSLATION_BACKEND=papago needs PAPAGO_CLIENT_ID and PAPAGO_CLIENT_SECRET.")
TRANSLATION_TIMEOUT_SECONDS = float(os.environ.get("TRANSLATION_TIMEOUT_SECONDS", "10"))
# Languages the machine translates participants' text into (each text: all but its own).
TRANSLATION_TARGETS = env_list("TRANSLATION_TARGETS", ["ko", "ja", "en"])
# Characters a day each provider may be sent (the site's time zone); past it, texts wait for
# the next day and readers see the original.
TRANSLATION_DAILY_CHARACTERS = {
    "deepl": int(os.environ.get("DEEPL_DAILY_CHARACTERS", "200000")),
    "papago": int(os.environ.get("PAPAGO_DAILY_CHARACTERS", "200000")),
}

# Common ground (core.consensus): thresholds of the labels shown on comments and proposals. The
# page "How is this calculated?" prints the values in force; keys left out take the defaults.
COMMON_GROUND = {
    "z": float(os.environ.get("COMMON_GROUND_Z", "1.2816")),
    "min_votes": int(os.environ.get("COMMON_GROUND_MIN_VOTES", "5")),
    "lower_bound": float(os.environ.get("COMMON_GROUND_LOWER_BOUND", "0.5")),
    "margin": int(os.environ.get("COMMON_GROUND_MARGIN", "3")),
    "divide_gap": float(os.environ.get("COMMON_GROUND_DIVIDE_GAP", "0.3")),
    "unsure_pass_share": float(os.environ.get("COMMON_GROUND_UNSURE_PASS_SHARE", "0.5")),
    "min_raters": int(os.environ.get("COMMON_GROUND_MIN_RATERS", "5")),
    "support_raters": int(os.environ.get("COMMON_GROUND_SUPPORT_RATERS", "10")),
    # Reactions by accounts created less than this many hours before count toward a label only
    # once that age is reached or a moderator confirms them (admin: Reactions, "held").
    "hold_hours": float(os.environ.get("COMMON_GROUND_HOLD_HOURS", "24")),
    # A label must survive recomputation without this share (rounded down) of the proposal's most
    # active reactors, else the comment shows "needs votes".
    "robust_share": float(os.environ.get("COMMON_GROUND_ROBUST_SHARE", "0.01")),
}

# Webhooks (institutions.webhooks): how long to wait for a receiver before counting a failure.
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "10"))

# A refused form (expired session, blocked cookies) gets a page of the site, not Django's.
CSRF_FAILURE_VIEW = "deliberation.views.csrf_failure"

SESSION_COOKIE_HTTPONLY = True
# The language choice: not for scripts, not sent on cross-site requests.
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE: Literal["Lax"] = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    # __Host-: the browser accepts these cookies only from HTTPS, for this exact host and path /,
    # so a sibling subdomain cannot plant or overwrite them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    LANGUAGE_COOKIE_NAME = "__Host-django_language"
    # Load balancers probe /healthz over plain HTTP and need its 200 or 503, not a redirect.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    if env_bool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
