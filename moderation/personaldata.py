"""What the moderation app holds about a participant (core.personaldata): the reports they made.
Reports about them stay with the moderators (the content is handed to the withdrawn participant)."""

from core.personaldata import register

from .models import Report


def export_reports(user) -> list[dict]:
    return [
        {
            "comment": r.comment_id,
            "amendment": r.amendment_id,
            "reason": r.reason,
            "note": r.note,
            "status": r.status,
            "created_at": r.created_at.isoformat(),
        }
        for r in Report.objects.filter(reporter=user).order_by("pk")
    ]


def erase_reports(user, *, keep_contributions: bool, stand_in) -> None:
    Report.objects.filter(reporter=user).delete()


register("reports", export=export_reports, erase=erase_reports)
