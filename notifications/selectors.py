"""Reads of notifications for pages."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.text import parse_id

from .models import Kind, Notification
from .sending import localise, localised_path

SNIPPET_LENGTH = 200


def latest_for(user, *, limit: int = 20) -> list[Notification]:
    """The user's latest notifications, newest first, in one query. Each carries ``title`` (the
    proposal title in the active language) and ``local_url`` (the link in the active language)."""
    language = translation.get_language()
    notifications = list(Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")[:limit])
    for notification in notifications:
        notification.title = localise(notification.data.get("proposal_title", ""), language)
        notification.local_url = localised_path(notification.url, language)
    return notifications


def unread_count(user) -> int:
    """How many of ``user``'s notifications are unread (one query on the recipient/read index)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def _decorate(notification: Notification, language: str) -> Notification:
    """What the page shows: the proposal title and link in ``language``, who it comes from and a
    snippet of what it says (``data`` as ``services.notify`` documents it)."""
    data = notification.data
    notification.title = localise(data.get("proposal_title", ""), language)
    notification.local_url = localised_path(notification.url, language)
    if notification.kind == Kind.REPLY:
        notification.who = data.get("author_name", "")
    else:
        notification.who = _("The moderators")
    if notification.kind == Kind.STAGE_CHANGED:
        snippet = localise(data.get("stage_label", ""), language)
    elif notification.kind in (Kind.REPLY, Kind.CONTENT_HIDDEN):
        snippet = data.get("excerpt", "")
    else:
        snippet = localise(data.get("reason", "") or "", language)
    notification.snippet = str(snippet or "")[:SNIPPET_LENGTH]
    return notification


def page_for(user, *, page, per_page: int = 50):
    """A page of ``user``'s notifications, newest first, decorated (two queries: count and rows)."""
    language = translation.get_language()
    paginator = Paginator(
        Notification.objects.filter(recipient=user).order_by("-created_at", "-pk"), per_page
    )
    result = paginator.get_page(parse_id(page) or 1)
    for notification in result.object_list:
        _decorate(notification, language)
    return result


def own(user, pk: int) -> Notification:
    """``user``'s notification ``pk``, decorated, or 404 (someone else's is not found either)."""
    notification = get_object_or_404(Notification, pk=pk, recipient=user)
    return _decorate(notification, translation.get_language())
