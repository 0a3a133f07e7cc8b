"""Reads of notifications for pages."""

from django.utils import translation

from .models import Notification
from .sending import localise, localised_path


def latest_for(user, *, limit: int = 20) -> list[Notification]:
    """The user's latest notifications, newest first, in one query. Each carries ``title`` (the
    proposal title in the active language) and ``local_url`` (the link in the active language)."""
    language = translation.get_language()
    notifications = list(Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")[:limit])
    for notification in notifications:
        notification.title = localise(notification.data.get("proposal_title", ""), language)
        notification.local_url = localised_path(notification.url, language)
    return notifications
