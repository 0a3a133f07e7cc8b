"""What the notifications app holds about a participant (core.personaldata): what they were told."""

from core.personaldata import register

from .models import Notification


def export_notifications(user) -> list[dict]:
    return [
        {
            "kind": n.kind,
            "data": n.data,
            "url": n.url,
            "created_at": n.created_at.isoformat(),
            "emailed_at": n.emailed_at.isoformat() if n.emailed_at else None,
        }
        for n in Notification.objects.filter(recipient=user).order_by("pk")
    ]


def erase_notifications(user, *, keep_contributions: bool, stand_in) -> None:
    Notification.objects.filter(recipient=user).delete()


register("notifications", export=export_notifications, erase=erase_notifications)
