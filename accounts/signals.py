"""Reactions to allauth's signals: the preferred language takes over the UI after login; logins
and signups go to the audit log. A user deleted without ``services.user_delete`` (the shell, a
cascade) is still recorded, and its counted rows leave their counts first."""

from urllib.parse import urlsplit

from allauth.account.signals import user_logged_in, user_signed_up
from django.conf import settings
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase
from django.urls import Resolver404, resolve, translate_url
from django.utils import translation

from audit.log import record
from core import personaldata

from .adapter import language_for
from .models import User


def switch_language(request: HttpRequest, response: HttpResponseBase | None, language: str) -> None:
    """Make ``language`` the UI language: for the rest of this request, in the language cookie, and
    for the redirect target (its language prefix). Call while the page's language is still active,
    because translate_url resolves the target in it."""
    if response is not None:
        if response.has_header("Location"):
            response["Location"] = translate_url(response["Location"], language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    translation.activate(language)
    request.LANGUAGE_CODE = language


def asks_for_the_admin(response: HttpResponseBase | None) -> bool:
    """Whether the login redirects to a page of the admin (its ``next``)."""
    if response is None or not response.has_header("Location"):
        return False
    try:
        match = resolve(urlsplit(response["Location"]).path)
    except Resolver404:
        return False
    return match.namespace == "admin"


@receiver(user_logged_in, dispatch_uid="accounts.preferred_language_on_login")
def apply_preferred_language(sender, request, user, response=None, **kwargs):
    """The preferred language takes over the site after login, except on the way to the admin: a
    moderator who opened ``/ko/admin/`` asked for the Korean admin, whatever their profile says."""
    language = language_for(user)
    if language and not asks_for_the_admin(response):
        switch_language(request, response, language)
    record(action="account.logged_in", actor=user, target=user)


@receiver(user_signed_up, dispatch_uid="accounts.audit_signup")
def audit_signup(sender, request, user, **kwargs):
    record(action="account.signed_up", actor=user, target=user)


@receiver(pre_delete, sender=User, dispatch_uid="accounts.audit_deletion")
def audit_deletion(sender, instance, **kwargs):
    """Every deletion of an account is in the audit log, in the deleting transaction, whoever did
    it. ``services.user_delete`` records it itself, with the actor and the reason."""
    if not getattr(instance, "_deletion_audited", False):
        record(action="account.deleted", target=instance)


@receiver(pre_delete, sender=User, dispatch_uid="accounts.counted_rows_on_deletion")
def erase_counted_rows(sender, instance, **kwargs):
    """The account's ratings, reactions and votes go with it by cascade; each first leaves the
    aggregate or counter it is counted in (``core.personaldata``, ``with_the_account``), in the
    deleting transaction. After an erasure there is nothing left to take out."""
    for erase in personaldata.account_delete_erasers():
        erase(instance, keep_contributions=False, stand_in=None)
