from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.i18n import set_language

from accounts import views as account_views
from comments.views import comment_permalink
from pages import urls as pages
from pages import views as page_views

from . import views

# allauth looks for it here when it answers 429.
handler429 = views.too_many_requests

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("api/", include("api.urls")),
    # A comment's permalink without a language (API, exports): the reader's own language is used.
    path("c/<int:pk>/", comment_permalink, name="comment_link"),
]

urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    # Under the language prefix so that the page's own language is active when `next` is
    # translated: Django can only translate a URL whose prefix matches the active language.
    path("i18n/setlang/", set_language, name="set_language"),
    # A comment's permalink: to its page, sort and anchor however far the discussion has grown.
    path("c/<int:pk>/", comment_permalink, name="comment_permalink"),
    path("privacy/", account_views.privacy_notice, name="privacy_notice"),
    # A guardian's consent for a young participant, from the emailed link.
    path("guardian/", include("accounts.guardian_urls")),
    # proposals:list and (composed in pages/) proposals:detail.
    path("proposals/", include(pages.proposals)),
    path("common-ground/", page_views.common_ground_method, name="common_ground_method"),
    # Each feature app owns the URLs below a proposal: comments/, ratings/, amendments/, versions/.
    path("proposals/<slug:slug>/", include("comments.urls")),
    path("proposals/<slug:slug>/", include("ratings.urls")),
    path("proposals/<slug:slug>/", include("amendments.urls")),
    # progress/ (the dashboard) and proposals/<slug>/progress/.
    path("", include("progress.urls")),
    # proposals/<slug>/comments/<pk>/report/ and proposals/<slug>/amendments/<pk>/report/.
    path("", include("moderation.urls")),
    # translations:translate: a participant translates a text (or corrects a translation).
    path("translate/", include("translations.urls")),
    # accounts:programme… and (composed in pages/) accounts:profile.
    path("accounts/", include(pages.accounts)),
    # allauth's confirmation, keeping `next` when the link is opened where nobody is logged in.
    re_path(
        r"^accounts/confirm-email/(?P<key>[-:\w]+)/$",
        account_views.confirm_email,
        name="account_confirm_email",
    ),
    path("accounts/", include("allauth.urls")),
    path("notifications/", include("notifications.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=True,
)

if settings.ENVIRONMENT == "bench":
    # The benchmark's bare-Django ceiling, outside the language prefix; never routed otherwise.
    urlpatterns += [path("bench/", include("bench.urls"))]

# The error pages in the site's layout and the visitor's language (deliberation/views.py); 429 above.
handler400 = "deliberation.views.bad_request"
handler403 = "deliberation.views.permission_denied"
handler404 = "deliberation.views.page_not_found"
handler500 = "deliberation.views.server_error"
