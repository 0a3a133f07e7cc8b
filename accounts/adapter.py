"""allauth hooks: signup fields, account emails in the recipient's language, 429 on brute force."""

import logging
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.utils import get_next_redirect_url
from allauth.core import context as allauth_context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.ratelimit import respond_429
from django import forms
from django.conf import settings
from django.urls import translate_url
from django.utils import translation
from django.utils.translation import gettext

from .models import User

logger = logging.getLogger(__name__)

PROFILE_FIELDS = ("display_name", "nationality", "preferred_language", "age_band", "affiliation")


@dataclass(frozen=True)
class _Site:
    """What allauth's email templates read as ``current_site``, with our name in the mail's language."""

    name: str
    domain: str


def language_for(user) -> str | None:
    """The user's preferred language if it is one of ours, else None (keep the active one)."""
    language = getattr(user, "preferred_language", None)
    return language if language in dict(settings.LANGUAGES) else None


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        """Copy the profile fields of our signup form onto the new user before the single save."""
        user = super().save_user(request, user, form, commit=False)
        for field in PROFILE_FIELDS:
            if field in form.cleaned_data:
                setattr(user, field, form.cleaned_data[field])
        if commit:
            user.save()
        return user

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        """The verification link carries the page the participant signed up from (``next``, if
        safe), so confirming brings them back there, logged in (ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION).
        The page is given in the participant's language, like the rest of the email."""
        url = super().get_email_confirmation_url(request, emailconfirmation)
        next_url = get_next_redirect_url(request) if request is not None else None
        if next_url:
            language = language_for(emailconfirmation.email_address.user)
            if language:
                next_url = translate_url(next_url, language)
            url = f"{url}?{urlencode({'next': next_url})}"
        return url

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render in the recipient's preferred language (the one they chose at signup), with links
        to the pages in that language. Falls back to the page's language for unknown addresses."""
        request = allauth_context.request
        user = context.get("user")
        if not isinstance(user, User):
            user = User.objects.filter(email__iexact=email).first()
        language = language_for(user) or translation.get_language()
        ctx = dict(context)
        for key, value in context.items():
            # translate_url resolves in the active (page) language, so it runs before override().
            if key.endswith("_url") and isinstance(value, str):
                ctx[key] = translate_url(value, language)
        with translation.override(language):
            ctx.update(
                {
                    "request": request,
                    "email": email,
                    "current_site": _Site(
                        name=gettext("Korea–Japan Future Dialogue"),
                        domain=request.get_host() if request else urlsplit(settings.SITE_URL).netloc,
                    ),
                }
            )
            msg = self.render_mail(template_prefix, email, ctx)
        msg.send()

    def format_email_subject(self, subject: str) -> str:
        return f"[{gettext('Korea–Japan Future Dialogue')}] {subject}"

    def pre_authenticate(self, request, **credentials) -> None:
        """Too many failed logins answer 429 with our page instead of a form error, so that both
        people (a clear message) and scripts (the status) understand."""
        try:
            super().pre_authenticate(request, **credentials)
        except forms.ValidationError as exc:
            logger.warning("login rate limit reached for %s", request.META.get("REMOTE_ADDR"))
            raise ImmediateHttpResponse(respond_429(request)) from exc
