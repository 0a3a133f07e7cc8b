"""Writes of the moderation feature: participants' reports, moderators' hides, restores,
dismissals and suspensions.

Each function authorises, validates, then writes in one transaction; it records what it did in the
audit log (automatic actions with no actor) and notifies the author or the suspended participant in
their own language. Refusals raise ``DeliberationError`` / ``PermissionRefused``.

Who may report: anyone logged in, active, not suspended, with a verified email address. Membership
of the programme and an open deliberation window are NOT required: abusive text stays on the page
after a window closes and anyone reading it should be able to flag it. Nobody reports their own
text, or the same item twice (even after the moderators dismissed the first report).

Automatic hiding: when ``settings.MODERATION_REPORT_THRESHOLD`` distinct participants have open
reports on an item, it is hidden pending review, but only if those reporters come from at least two
nationality groups (KR, JP, other). Reports from one group alone never hide anything by themselves,
so one side cannot silence the other: such items go to the top of the moderators' queue instead
(``selectors.comment_queue`` / ``amendment_queue``).
"""

import datetime as dt

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_moderator
from amendments import translatable as amendment_texts
from amendments.models import Amendment
from audit.log import record
from comments import counters as comment_counters
from comments import translatable as comment_texts
from comments.models import Comment
from comments.services import comment_url
from core import pagestamp
from core.errors import DeliberationError, PermissionRefused
from core.hiding import CHOSEN, HideCategory, reason_text
from core.languages import LANGUAGE_CODES, per_language
from core.text import clean_text
from notifications.models import Kind
from notifications.services import notify
from translations import services as translation_services

from .models import NOTE_MAX_LENGTH, REASON_MAX_LENGTH, Report, ReportReason, ReportStatus

EXCERPT_LENGTH = 200
COMMENT, AMENDMENT = "comment", "amendment"
# What participants report and moderators hide.
Moderated = Comment | Amendment
MODELS: dict[str, type[Comment] | type[Amendment]] = {COMMENT: Comment, AMENDMENT: Amendment}
# The moderators' note as a translatable text (translations.registry), per kind of item.
NOTE_KINDS = {COMMENT: comment_texts.HIDE_NOTE, AMENDMENT: amendment_texts.HIDE_NOTE}


# --- Helpers ----------------------------------------------------------------------------------------


def _target(comment: Comment | None, amendment: Amendment | None) -> tuple[str, Moderated]:
    if (comment is None) == (amendment is None):
        raise DeliberationError("one_target", _("Choose one comment or one amendment."))
    if comment is not None:
        return COMMENT, comment
    assert amendment is not None
    return AMENDMENT, amendment


def _lock(kind: str, item: Moderated) -> Moderated:
    """The item again, row-locked on PostgreSQL (SQLite serialises writers anyway), with what the
    notifications need."""
    return (
        MODELS[kind]
        .objects.select_for_update(of=("self",))
        .select_related("author", "proposal__current_version")
        .get(pk=item.pk)
    )


def _clean_reason(reason: str | None, *, required: bool, field: str = "reason") -> str:
    text = clean_text(reason)
    if required and not text:
        raise DeliberationError("reason_required", _("Give a reason: the author will read it."), field=field)
    if len(text) > REASON_MAX_LENGTH:
        raise DeliberationError(
            "too_long",
            _("A reason can be at most %(limit)d characters long.") % {"limit": REASON_MAX_LENGTH},
            field=field,
        )
    return text


def _open_reports(kind: str, item: Moderated):
    return Report.objects.filter(**{kind: item}, status=ReportStatus.OPEN)


def _resolve_open_reports(kind: str, item: Moderated, *, moderator: User, status: str) -> int:
    return _open_reports(kind, item).update(status=status, resolved_by=moderator, resolved_at=timezone.now())


def _recount(item: Moderated) -> None:
    """A comment shown or hidden: the dashboard's count of the proposal's visible comments."""
    if isinstance(item, Comment):
        comment_counters.recount(item.proposal_id)


HIDDEN_FIELDS = [
    "hidden_at",
    "hidden_category",
    "hidden_reason",
    "hidden_note_language",
    "hidden_automatically",
]


def _set_hidden(item: Moderated, *, category: str, note: str, note_language: str, automatic: bool) -> None:
    item.hidden_at = timezone.now()
    item.hidden_category = category
    item.hidden_reason = note
    item.hidden_note_language = note_language if note else ""
    item.hidden_automatically = automatic
    item.save(update_fields=HIDDEN_FIELDS)
    pagestamp.touch(item.proposal_id)
    _recount(item)


def _clear_hidden(item: Moderated) -> None:
    item.hidden_at = None
    item.hidden_category = ""
    item.hidden_reason = ""
    item.hidden_note_language = ""
    item.hidden_automatically = False
    item.save(update_fields=HIDDEN_FIELDS)
    pagestamp.touch(item.proposal_id)
    _recount(item)
    # Machine translations held back while it was hidden can be made now.
    kinds = ["comment.body"] if isinstance(item, Comment) else ["amendment.rationale", "amendment.new_text"]
    for kind in kinds:
        translation_services.source_visible_again(kind=kind, obj=item)


def reasons_text(reasons: list[str], *, language: str) -> str:
    """The reporters' reasons as one short sentence in ``language`` (stored as the reason of an
    automatic hide, and sent to the author)."""
    with translation.override(language):
        labels = pgettext("list separator", ", ").join(str(ReportReason(reason).label) for reason in reasons)
        return gettext("Reported by several participants: %(reasons)s") % {"reasons": labels}


def _per_language(build) -> dict[str, str]:
    return {code: build(code) for code in LANGUAGE_CODES}


def _item_url(kind: str, item: Moderated, language: str) -> str:
    if isinstance(item, Comment):
        return comment_url(item, language=language)
    with translation.override(language):
        return reverse("amendments:detail", kwargs={"slug": item.proposal.slug, "pk": item.pk})


def _notify_hidden(kind: str, item: Moderated, *, reason: str | dict, automatic: bool) -> None:
    """Tell the author why their text was hidden (rendered later in their language)."""
    proposal = item.proposal
    version = proposal.current_version
    text = item.body if isinstance(item, Comment) else item.new_text
    notify(
        recipient=item.author,
        kind=Kind.CONTENT_HIDDEN,
        data={
            "proposal_id": proposal.pk,
            "proposal": proposal.slug,
            "proposal_title": per_language(version, "title"),
            "item": kind,
            "item_id": item.pk,
            "excerpt": text[:EXCERPT_LENGTH],
            "reason": reason,
            "automatic": automatic,
        },
        url=_item_url(kind, item, item.author.preferred_language),
        topic=f"{kind}:{item.pk}",
    )


# --- Reports ----------------------------------------------------------------------------------------


def report_refusal(user) -> PermissionRefused | None:
    """Why ``user`` may not report anything, or None (see the module docstring for the rule)."""
    if not user.is_authenticated:
        return PermissionRefused("login_required", _("Log in to report something to the moderators."))
    if not user.is_active:
        return PermissionRefused("inactive", _("This account is inactive."))
    if user.is_suspended():
        return PermissionRefused(
            "suspended", _("Your account is suspended, so you cannot report. You can still read everything.")
        )
    if not EmailAddress.objects.filter(user=user, verified=True).exists():
        return PermissionRefused("unverified", _("Verify your email address to report something."))
    return None


def report_create(
    *,
    reporter: User,
    comment: Comment | None = None,
    amendment: Amendment | None = None,
    reason: str,
    note: str = "",
) -> Report:
    """Report a comment or an amendment to the moderators, once per participant and item.

    May hide the item automatically (see the module docstring), which records
    ``<kind>.hidden_automatically`` with no actor and notifies the author. Records ``report.created``.
    """
    with transaction.atomic():
        refusal = report_refusal(reporter)
        if refusal is not None:
            raise refusal
        kind, item = _target(comment, amendment)
        item = _lock(kind, item)
        if item.author_id == reporter.pk:
            raise PermissionRefused("own_item", _("You cannot report what you wrote yourself."))
        if isinstance(item, Comment) and item.deleted_at is not None:
            raise DeliberationError("unavailable", _("This comment was deleted by its author."))
        if item.hidden_at is not None:
            raise DeliberationError(
                "already_hidden", _("This is already hidden while the moderators look at it.")
            )
        if Report.objects.filter(reporter=reporter, **{kind: item}).exists():
            raise _already_reported()
        if reason not in ReportReason.values:
            raise DeliberationError("invalid_reason", _("Choose a reason for your report."), field="reason")
        note = clean_text(note)
        if len(note) > NOTE_MAX_LENGTH:
            raise DeliberationError(
                "too_long",
                _("A note can be at most %(limit)d characters long.") % {"limit": NOTE_MAX_LENGTH},
                field="note",
            )
        try:
            with transaction.atomic():
                report = Report.objects.create(
                    reporter=reporter,
                    reason=reason,
                    note=note,
                    reporter_nationality=reporter.nationality,
                    **{kind: item},
                )
        except IntegrityError:
            # The same participant's second request, at the same moment: the first one counts.
            raise _already_reported() from None
        record(action="report.created", actor=reporter, target=item, reason=reason, report=report.pk)
        _hide_if_reported_widely(kind, item)
    return report


def _already_reported() -> DeliberationError:
    return DeliberationError(
        "already_reported", _("You have already reported this. Thank you: the moderators will look at it.")
    )


def _hide_if_reported_widely(kind: str, item: Moderated) -> bool:
    """Hide ``item`` pending review if enough participants from more than one nationality group
    have open reports on it. Returns whether it was hidden now."""
    stats = _open_reports(kind, item).aggregate(
        reporters=Count("reporter", distinct=True), groups=Count("reporter_nationality", distinct=True)
    )
    if stats["reporters"] < settings.MODERATION_REPORT_THRESHOLD or stats["groups"] < 2:
        return False
    # Most frequent reason first.
    reasons = [
        row["reason"]
        for row in _open_reports(kind, item).values("reason").annotate(n=Count("pk")).order_by("-n", "reason")
    ]
    stored = reasons_text(reasons, language=settings.LANGUAGE_CODE)
    hidden = (
        MODELS[kind]
        .objects.filter(pk=item.pk, hidden_at__isnull=True)
        .update(
            hidden_at=timezone.now(),
            hidden_category=HideCategory.REPORTED,
            hidden_reason=stored,
            hidden_note_language=settings.LANGUAGE_CODE,
            hidden_automatically=True,
        )
    )
    if not hidden:
        return False
    pagestamp.touch(item.proposal_id)
    _recount(item)
    record(
        action=f"{kind}.hidden_automatically",
        actor=None,
        target=item,
        reason=stored,
        reporters=stats["reporters"],
        nationality_groups=stats["groups"],
        reasons=reasons,
    )
    _notify_hidden(
        kind, item, reason=_per_language(lambda code: reasons_text(reasons, language=code)), automatic=True
    )
    return True


# --- Moderators' actions on content -----------------------------------------------------------------


def item_hide(
    *,
    moderator: User,
    comment: Comment | None = None,
    amendment: Amendment | None = None,
    category: str,
    note: str = "",
    note_language: str = "",
) -> Moderated:
    """Hide a comment or an amendment, with or without reports, for a ``category`` (shown in its
    place to every reader in their own language) and an optional ``note`` (required for "other"),
    marked as being in ``note_language`` (default: the language active now) and queued for machine
    translation into the other languages (shown to their readers once made). The author is told
    both. Open reports become "actioned". An automatic hide is confirmed (it becomes a moderator's
    hide). Records ``<kind>.hidden``."""
    with transaction.atomic():
        ensure_moderator(moderator)
        kind, item = _target(comment, amendment)
        item = _lock(kind, item)
        if category not in dict(CHOSEN):
            raise DeliberationError("invalid_category", _("Choose why it is hidden."), field="category")
        note = _clean_reason(note, required=category == HideCategory.OTHER, field="note")
        note_language = note_language or (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
        if note_language not in LANGUAGE_CODES:
            raise DeliberationError(
                "invalid_language", _("Choose the language the note is written in."), field="note_language"
            )
        if item.hidden_at is not None and not item.hidden_automatically:
            raise DeliberationError("already_hidden", _("A moderator has already hidden this."))
        was_automatic = item.hidden_automatically
        _set_hidden(item, category=category, note=note, note_language=note_language, automatic=False)
        if note:
            # Readers of the other languages get the note machine-translated (after the commit,
            # through the task queue), like participants' text; until then, and whenever the
            # machine is off or fails, they see it as written, marked with its language.
            translation_services.machine_request(kind=NOTE_KINDS[kind], obj=item)
        actioned = _resolve_open_reports(kind, item, moderator=moderator, status=ReportStatus.ACTIONED)
        record(
            action=f"{kind}.hidden",
            actor=moderator,
            target=item,
            reason=note,
            category=category,
            note_language=item.hidden_note_language,
            reports_actioned=actioned,
            was_hidden_automatically=was_automatic,
        )
        _notify_hidden(
            kind,
            item,
            reason=_per_language(lambda code: reason_text(category, note, code)),
            automatic=False,
        )
    return item


def item_restore(
    *, moderator: User, comment: Comment | None = None, amendment: Amendment | None = None, reason: str = ""
) -> Moderated:
    """Show a hidden comment or amendment again; its open reports are dismissed.
    Records ``<kind>.restored``."""
    with transaction.atomic():
        ensure_moderator(moderator)
        kind, item = _target(comment, amendment)
        item = _lock(kind, item)
        reason = _clean_reason(reason, required=False)
        if item.hidden_at is None:
            raise DeliberationError("not_hidden", _("This is not hidden."))
        was_automatic = item.hidden_automatically
        _clear_hidden(item)
        dismissed = _resolve_open_reports(kind, item, moderator=moderator, status=ReportStatus.DISMISSED)
        record(
            action=f"{kind}.restored",
            actor=moderator,
            target=item,
            reason=reason,
            reports_dismissed=dismissed,
            was_hidden_automatically=was_automatic,
        )
    return item


def reports_dismiss(
    *, moderator: User, comment: Comment | None = None, amendment: Amendment | None = None, reason: str = ""
) -> int:
    """Dismiss the open reports on a comment or an amendment (they were unfounded). If those
    reports had hidden it automatically, it is shown again. Records ``reports.dismissed`` (and
    ``<kind>.restored``). Returns the number of reports dismissed."""
    with transaction.atomic():
        ensure_moderator(moderator)
        kind, item = _target(comment, amendment)
        item = _lock(kind, item)
        reason = _clean_reason(reason, required=False)
        dismissed = _resolve_open_reports(kind, item, moderator=moderator, status=ReportStatus.DISMISSED)
        if not dismissed:
            raise DeliberationError("no_open_reports", _("There are no open reports on this."))
        record(action="reports.dismissed", actor=moderator, target=item, reason=reason, count=dismissed)
        if item.hidden_at is not None and item.hidden_automatically:
            _clear_hidden(item)
            record(
                action=f"{kind}.restored",
                actor=moderator,
                target=item,
                reason=reason,
                reports_dismissed=dismissed,
                was_hidden_automatically=True,
            )
    return dismissed


# --- Suspensions ------------------------------------------------------------------------------------


def _formatted_until(until: dt.datetime, language: str) -> str:
    with translation.override(language):
        return formats.date_format(timezone.localtime(until), "DATETIME_FORMAT")


def user_suspend(*, moderator: User, user: User, until: dt.datetime | None, reason: str) -> User:
    """Suspend ``user`` until ``until`` (None: indefinitely). A suspended participant reads but
    cannot write anything (``accounts.permissions.participation_refusal``). Suspending again
    replaces the end date and reason. Only administrators suspend staff accounts; nobody suspends
    themselves. Records ``user.suspended`` and notifies the participant."""
    with transaction.atomic():
        ensure_moderator(moderator)
        reason = _clean_reason(reason, required=True)
        if user.pk == moderator.pk:
            raise PermissionRefused("own_account", _("You cannot suspend your own account."))
        if (user.is_staff or user.is_superuser) and not moderator.is_superuser:
            raise PermissionRefused("staff_account", _("Only an administrator can suspend a staff account."))
        if until is not None:
            if timezone.is_naive(until):
                until = timezone.make_aware(until)
            if until <= timezone.now():
                raise DeliberationError(
                    "until_past", _("Choose a date in the future, or suspend indefinitely."), field="until"
                )
        user = User.objects.select_for_update().get(pk=user.pk)
        user.suspended_at = timezone.now()
        user.suspended_until = until
        user.suspension_reason = reason
        user.save(update_fields=["suspended_at", "suspended_until", "suspension_reason"])
        # Their own controls go with their participation refusal (never cached); the pages are
        # renewed too, so that nothing rendered for them while they could write is served again.
        pagestamp.touch_everything()
        record(
            action="user.suspended",
            actor=moderator,
            target=user,
            reason=reason,
            until=until.isoformat() if until is not None else None,
        )
        notify(
            recipient=user,
            kind=Kind.ACCOUNT_SUSPENDED,
            data={
                "until": _per_language(lambda code: _formatted_until(until, code)) if until else None,
                "reason": reason,
            },
            url=reverse("proposals:list"),
            topic=f"user:{user.pk}",
        )
    return user


def user_unsuspend(*, moderator: User, user: User, reason: str = "") -> User:
    """Lift ``user``'s suspension (also clears an expired one). Records ``user.unsuspended``."""
    with transaction.atomic():
        ensure_moderator(moderator)
        reason = _clean_reason(reason, required=False)
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.suspended_at is None:
            raise DeliberationError("not_suspended", _("This account is not suspended."))
        previous_until = user.suspended_until
        user.suspended_at = None
        user.suspended_until = None
        user.suspension_reason = ""
        user.save(update_fields=["suspended_at", "suspended_until", "suspension_reason"])
        pagestamp.touch_everything()
        record(
            action="user.unsuspended",
            actor=moderator,
            target=user,
            reason=reason,
            was_until=previous_until.isoformat() if previous_until else None,
        )
    return user
