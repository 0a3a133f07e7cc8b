"""Consent to a new privacy notice is asked for before anything else: a signed-in participant
whose consent is older than ``PRIVACY_POLICY_VERSION`` is sent to the consent page (and back to
where they were going afterwards). The account pages (log out, email, password), the notice
itself, the admin and the API stay reachable. Writes are refused on the server in any case
(``accounts.permissions.participation_refusal``)."""

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

# URL names (and namespaces) a participant can use before consenting again.
# The header's unread badge (a count, read-only) too: it is fetched by every page, the consent
# page included, and must not redirect the page that fetched it.
EXEMPT_NAMES = {"accounts:consent", "privacy_notice", "set_language", "healthz", "notifications:badge"}
EXEMPT_NAMESPACES = {"admin", "guardian", "api"}
EXEMPT_PREFIXES = ("account_", "mfa_", "socialaccount_")


class PolicyConsentMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        if request.path_info.startswith("/api/"):
            return None
        match = request.resolver_match
        if match is None or match.view_name in EXEMPT_NAMES or match.url_name is None:
            return None
        if set(match.namespaces) & EXEMPT_NAMESPACES or match.url_name.startswith(EXEMPT_PREFIXES):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.has_current_consent:
            return None
        target = reverse("accounts:consent")
        if request.method in ("GET", "HEAD"):
            target += "?" + urlencode({"next": request.get_full_path()})
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)
