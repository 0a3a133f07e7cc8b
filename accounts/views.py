from urllib.parse import urlencode

from allauth.account.views import ConfirmEmailView as AllauthConfirmEmailView
from allauth.core import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core.errors import DeliberationError

from .checks import notice_template
from .consent import consents_give
from .forms import ConsentForm, JoinForm, NationalityChangeForm
from .models import Membership, Nationality, Programme
from .services import join_refusal, nationality_change_request, programme_join


def _programme_context(request, programme: Programme, **extra) -> dict:
    """What the programme page and the join partial need (two or three queries)."""
    counts = dict(
        Membership.objects.filter(programme=programme, is_active=True)
        .values_list("user__nationality")
        .annotate(n=Count("pk"))
    )
    member = None
    if request.user.is_authenticated:
        member = Membership.objects.filter(programme=programme, user=request.user).first()
    return {
        "programme": programme,
        "membership": member,
        "member_count": sum(counts.values()),
        "member_counts": [(label, counts.get(value, 0)) for value, label in Nationality.choices],
        "join_refusal": None if member else join_refusal(request.user, programme),
        "join_form": JoinForm(),
        **extra,
    }


def programme_detail(request, slug: str):
    programme = get_object_or_404(Programme, slug=slug)
    return render(request, "accounts/programme.html", _programme_context(request, programme))


@require_POST
@login_required
def nationality_change_view(request):
    """Ask the moderators for a new nationality (from the profile page); back to the profile with
    a message either way."""
    form = NationalityChangeForm(request.POST)
    try:
        if not form.is_valid():
            raise DeliberationError("invalid", _("Choose a nationality from the list."))
        nationality_change_request(user=request.user, **form.cleaned_data)
    except DeliberationError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:profile")
    messages.success(
        request, _("Your request is with the moderators. Your nationality changes when one approves it.")
    )
    return redirect("accounts:profile")


@require_POST
@login_required
def programme_join_view(request, slug: str):
    """Join with one click (open programme) or an invite code (closed). No JavaScript: redirect
    back to ``next`` with a message. htmx: the re-rendered partial (and a page refresh on success,
    so the participation forms appear)."""
    programme = get_object_or_404(Programme, slug=slug)
    if not ratelimit.consume(request, action="join_programme", user=request.user):
        return ratelimit.respond_429(request)
    form = JoinForm(request.POST)
    form.is_valid()
    try:
        programme_join(
            user=request.user, programme=programme, invite_code=form.cleaned_data.get("invite_code", "")
        )
    except DeliberationError as exc:
        context = _programme_context(request, programme, join_form=form, join_error=exc.message)
        template = "accounts/_join.html" if request.htmx else "accounts/programme.html"
        return render(request, template, context, status=exc.status)
    if request.htmx:
        response = render(request, "accounts/_join.html", _programme_context(request, programme))
        response["HX-Refresh"] = "true"
        return response
    messages.success(request, _("Welcome! You are now a member of %(name)s.") % {"name": programme.name})
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = reverse("accounts:programme", kwargs={"slug": programme.slug})
    return redirect(next_url)


class ConfirmEmailView(AllauthConfirmEmailView):
    """allauth's confirmation, keeping the participant's place. In the browser that signed up,
    allauth logs them in and resumes to ``next``. Anywhere else (another device, the session gone)
    they are not logged in: they go to the login page, which then takes them to ``next``."""

    def post(self, *args, **kwargs) -> HttpResponse:
        response = super().post(*args, **kwargs)
        next_url = self.get_next_url()
        if next_url and self.request.user.is_authenticated and response.has_header("Location"):
            # Logged in on confirmation: allauth resumes to the page signed up from, in the page's
            # language then; the link's ``next`` is that page in the participant's language.
            response["Location"] = next_url
        return response

    def get_redirect_url(self) -> str:
        next_url = self.get_next_url()
        if next_url and not self.request.user.is_authenticated:
            return f"{reverse('account_login')}?{urlencode({'next': next_url})}"
        return super().get_redirect_url()


confirm_email = ConfirmEmailView.as_view()


def _safe_next(request, fallback: str) -> str:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return next_url
    return fallback


def privacy_notice(request):
    """The privacy notice in force, in the page's language (ko, ja or en). No queries."""
    version = settings.PRIVACY_POLICY_VERSION
    language = translation.get_language() or settings.LANGUAGE_CODE
    # Every language exists (accounts.checks); English if the page's language is not one of ours.
    if language not in dict(settings.LANGUAGES):
        language = "en"
    context = {
        "notice": notice_template(version, language),
        "version": version,
        "organisers": settings.PRIVACY_ORGANISERS,
        "contact_email": settings.PRIVACY_CONTACT_EMAIL,
    }
    return render(request, "accounts/privacy.html", context)


@login_required
def consent_view(request):
    """Give (again) the consents of the privacy notice in force: after it changed (the
    middleware sends participants here), or to change the optional research consent."""
    user = request.user
    status = 200
    if request.method == "POST":
        form = ConsentForm(request.POST)
        if form.is_valid():
            try:
                consents_give(user=user, **form.consent_answers())
            except DeliberationError as exc:
                form.add_error(exc.field, exc.message)
            else:
                messages.success(request, _("Thank you. Your consent has been recorded."))
                return redirect(_safe_next(request, reverse("proposals:list")))
        status = 400
    else:
        initial = {"consent_research": user.research_consent}
        if user.has_current_consent:
            initial |= {"consent_participation": True, "consent_cross_border": True}
        form = ConsentForm(initial=initial)
    context = {
        "form": form,
        "version": settings.PRIVACY_POLICY_VERSION,
        "renewal": bool(user.policy_version) and not user.has_current_consent,
        "next": _safe_next(request, ""),
    }
    return render(request, "accounts/consent.html", context, status=status)
