"""What each audit code means, in the reader's language.

Rows keep the code (``amendment.accepted``): it is what searches and exports rely on and it never
changes with the language. The admin shows the label. A code missing here is shown as it is, and
``tests/test_admin_i18n.py`` fails for any code the services record without a label.
"""

from django.utils.translation import pgettext_lazy
from django_stubs_ext import StrPromise

LABELS: dict[str, StrPromise] = {
    "account.signed_up": pgettext_lazy("audit action", "Signed up"),
    "account.logged_in": pgettext_lazy("audit action", "Logged in"),
    "account.profile_updated": pgettext_lazy("audit action", "Profile updated"),
    "account.deleted": pgettext_lazy("audit action", "Account deleted"),
    "account.nationality_change_requested": pgettext_lazy("audit action", "Nationality change requested"),
    "account.nationality_changed": pgettext_lazy("audit action", "Nationality change approved"),
    "account.nationality_change_declined": pgettext_lazy("audit action", "Nationality change declined"),
    "account.consented": pgettext_lazy("audit action", "Consent given"),
    "account.research_consent_changed": pgettext_lazy("audit action", "Research consent changed"),
    "account.guardian_consent_requested": pgettext_lazy("audit action", "Guardian's consent requested"),
    "account.guardian_consent_given": pgettext_lazy("audit action", "Guardian's consent given"),
    "account.guardian_consent_refused": pgettext_lazy("audit action", "Guardian's consent refused"),
    "account.guardian_consent_withdrawn": pgettext_lazy("audit action", "Guardian's consent withdrawn"),
    "account.guardian_consent_attested": pgettext_lazy(
        "audit action", "Guardian's consent attested by staff"
    ),
    "account.data_export_requested": pgettext_lazy("audit action", "Copy of personal data requested"),
    "account.erased": pgettext_lazy("audit action", "Account erased"),
    "account.password_set_by_admin": pgettext_lazy("audit action", "Password set by an administrator"),
    "account.retention_notice_sent": pgettext_lazy(
        "audit action", "Told of the deletion after the programme"
    ),
    "membership.joined": pgettext_lazy("audit action", "Joined a programme"),
    "admin.added": pgettext_lazy("audit action", "Added in the admin"),
    "admin.changed": pgettext_lazy("audit action", "Changed in the admin"),
    "admin.deleted": pgettext_lazy("audit action", "Deleted in the admin"),
    "proposal.version_created": pgettext_lazy("audit action", "New version of a proposal"),
    "proposal.version_corrected": pgettext_lazy("audit action", "Version corrected by hand"),
    "proposal.correction_recorded": pgettext_lazy("audit action", "Editorial correction recorded"),
    "proposal.correction_applied": pgettext_lazy("audit action", "Editorial correction applied"),
    "proposal.correction_dismissed": pgettext_lazy("audit action", "Editorial correction dismissed"),
    "proposal.stage_changed": pgettext_lazy("audit action", "Stage of a proposal changed"),
    "comment.created": pgettext_lazy("audit action", "Comment posted"),
    "comment.edited": pgettext_lazy("audit action", "Comment edited"),
    "comment.deleted": pgettext_lazy("audit action", "Comment deleted by its author"),
    "comment.hidden": pgettext_lazy("audit action", "Comment hidden by a moderator"),
    "comment.hidden_automatically": pgettext_lazy(
        "audit action", "Comment hidden automatically after reports"
    ),
    "comment.restored": pgettext_lazy("audit action", "Comment restored"),
    "amendment.created": pgettext_lazy("audit action", "Amendment proposed"),
    "amendment.withdrawn": pgettext_lazy("audit action", "Amendment withdrawn"),
    "amendment.accepted": pgettext_lazy("audit action", "Amendment accepted"),
    "amendment.rejected": pgettext_lazy("audit action", "Amendment rejected"),
    "amendment.outdated": pgettext_lazy("audit action", "Amendment outdated by a new version"),
    "amendment.hidden": pgettext_lazy("audit action", "Amendment hidden by a moderator"),
    "amendment.hidden_automatically": pgettext_lazy(
        "audit action", "Amendment hidden automatically after reports"
    ),
    "amendment.restored": pgettext_lazy("audit action", "Amendment restored"),
    "reaction.hold_confirmed": pgettext_lazy("audit action", "Held reactions confirmed"),
    "rating.created": pgettext_lazy("audit action", "Rating given"),
    "rating.changed": pgettext_lazy("audit action", "Rating changed"),
    "rating.withdrawn": pgettext_lazy("audit action", "Rating withdrawn"),
    "report.created": pgettext_lazy("audit action", "Reported to the moderators"),
    "reports.dismissed": pgettext_lazy("audit action", "Reports dismissed"),
    "user.suspended": pgettext_lazy("audit action", "Participant suspended"),
    "user.unsuspended": pgettext_lazy("audit action", "Suspension lifted"),
    "milestone.created": pgettext_lazy("audit action", "Milestone created"),
    "milestone.changed": pgettext_lazy("audit action", "Milestone changed"),
    "milestone.deleted": pgettext_lazy("audit action", "Milestone deleted"),
    "milestone.draft": pgettext_lazy("audit action", "Milestone set to draft"),
    "milestone.pending": pgettext_lazy("audit action", "Milestone awaiting review"),
    "milestone.published": pgettext_lazy("audit action", "Milestone published"),
    "milestone.declined": pgettext_lazy("audit action", "Milestone declined"),
    "milestones.imported": pgettext_lazy("audit action", "Milestones imported from CSV"),
    "progress_report.submitted": pgettext_lazy("audit action", "Progress report submitted over the API"),
    "api_key.created": pgettext_lazy("audit action", "API key issued"),
    "api_key.revoked": pgettext_lazy("audit action", "API key revoked"),
    "webhook.created": pgettext_lazy("audit action", "Webhook endpoint registered"),
    "webhook.changed": pgettext_lazy("audit action", "Webhook endpoint changed"),
    "webhook.deleted": pgettext_lazy("audit action", "Webhook endpoint deleted"),
    "webhook.secret_rotated": pgettext_lazy("audit action", "Webhook signing secret rotated"),
    "webhook.pinged": pgettext_lazy("audit action", "Webhook test event sent"),
    "translation.proposed": pgettext_lazy("audit action", "Translation proposed"),
    "translation.published": pgettext_lazy("audit action", "Translation published"),
    "translation.approved": pgettext_lazy("audit action", "Translation approved"),
    "translation.rejected": pgettext_lazy("audit action", "Translation rejected"),
    "translation.outdated": pgettext_lazy("audit action", "Translation marked outdated"),
}


def label(code: str) -> str | StrPromise:
    """The label of ``code`` in the active language; the code itself when it has none."""
    return LABELS.get(code, code)
