"""Context for the amendment templates: the section on the proposal page, the amendment page and
its actions panel, and the amendment editor. Builders only read; the views render."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrPromise

from accounts.models import Nationality
from accounts.permissions import Participation, is_moderator, participation_refusal
from core import diff
from core import sections as core_sections
from core.errors import DeliberationError
from translations import reading

from . import permissions, selectors
from .forms import AmendmentForm, DecisionForm, TargetForm
from .models import Amendment, AmendmentState, TargetField, Vote
from .translatable import HIDE_NOTE, RATIONALE

LANGUAGE_NAMES = dict(settings.LANGUAGES)
# The field's name inside a sentence ("the body"), where the label's capital would be wrong.
FIELD_IN_SENTENCE = {
    TargetField.TITLE: pgettext_lazy("proposal field, in a sentence", "title"),
    TargetField.SUMMARY: pgettext_lazy("proposal field, in a sentence", "summary"),
    TargetField.BODY: pgettext_lazy("proposal field, in a sentence", "body"),
}


def new_amendment_url(proposal, *, field: str | None = None, language: str | None = None) -> str:
    url = reverse("amendments:new", kwargs={"slug": proposal.slug})
    params = {key: value for key, value in (("field", field), ("language", language)) if value}
    return f"{url}?{urlencode(params)}" if params else url


def read_notes(request, amendments: list[Amendment]) -> None:
    """Hand the moderators' notes on hidden amendments to the request's reader: their
    translations come with the page's other texts, in one query (``translations.reading``)."""
    reading.reader(request).add(HIDE_NOTE, amendments)


def decorate(amendments: list[Amendment], user, *, moderator: bool) -> None:
    """What this viewer sees of each amendment (no queries)."""
    for amendment in amendments:
        amendment.is_hidden = amendment.hidden_at is not None
        amendment.show_text = not amendment.is_hidden or moderator
        amendment.is_open = amendment.state == AmendmentState.OPEN
        amendment.language_name = LANGUAGE_NAMES.get(amendment.language, amendment.language)
        amendment.is_own = user.is_authenticated and amendment.author_id == user.pk


# --- Proposal page --------------------------------------------------------------------------------


@dataclass
class StaleNotice:
    stale: selectors.StaleTranslation
    message: str
    propose_url: str


def _stale_message(stale: selectors.StaleTranslation) -> str:
    names = {
        "language": LANGUAGE_NAMES[stale.language],
        "field": FIELD_IN_SENTENCE[TargetField(stale.field)],
    }
    if len(stale.sources) == 1:
        return _(
            "The %(language)s translation of the %(field)s needs updating after a change in %(source)s."
        ) % {**names, "source": LANGUAGE_NAMES[stale.sources[0]]}
    return (
        _("The %(language)s translation of the %(field)s needs updating to match the other languages.")
        % names
    )


def stale_notices(proposal) -> list[StaleNotice]:
    return [
        StaleNotice(
            stale=stale,
            message=_stale_message(stale),
            propose_url=new_amendment_url(proposal, field=stale.field, language=stale.language),
        )
        for stale in selectors.stale_translations(proposal.current_version)
    ]


def proposal_section(request, proposal, refusal) -> dict:
    """The newest open and decided amendments with their support, how many there are, and the
    translations to update (one query)."""
    groups = selectors.proposal_amendments(proposal=proposal)
    decorate(groups.open + groups.decided, request.user, moderator=is_moderator(request.user))
    read_notes(request, groups.open + groups.decided)
    return {
        "amendment_section": {
            "open": groups.open,
            "decided": groups.decided,
            "open_total": groups.open_total,
            "decided_total": groups.decided_total,
            "more": groups.open_total > len(groups.open) or groups.decided_total > len(groups.decided),
            "list_url": reverse("amendments:list", kwargs={"slug": proposal.slug}),
            "stale": stale_notices(proposal),
            "can_propose": refusal is None,
            "new_url": new_amendment_url(proposal),
            "versions_url": reverse("amendments:versions", kwargs={"slug": proposal.slug}),
        }
    }


# --- Amendment page -------------------------------------------------------------------------------


@dataclass
class Tally:
    label: str | StrPromise
    support: int
    oppose: int


def tallies(amendment: Amendment) -> list[Tally]:
    return [
        Tally(_("All participants"), amendment.support_count, amendment.oppose_count),
        Tally(Nationality.KOREA.label, amendment.support_kr, amendment.oppose_kr),
        Tally(Nationality.JAPAN.label, amendment.support_jp, amendment.oppose_jp),
    ]


def actions_context(
    request,
    amendment: Amendment,
    *,
    refusal=None,
    notice=None,
    is_error=False,
    decided: Participation | None = None,
) -> dict:
    """The panel with the state, decision, votes and the buttons this viewer may use.
    ``decided``: the request's participation decision, when the view has made it (not asked again)."""
    user = request.user
    proposal = amendment.proposal
    if decided is not None and (decided.user_pk, decided.programme_pk) == (user.pk, proposal.programme_id):
        refusal = decided.refusal
    elif refusal is None:
        refusal = participation_refusal(user, proposal.programme)
    moderator = is_moderator(user)
    decorate([amendment], user, moderator=moderator)
    can_decide = permissions.can_decide(user, amendment)
    return {
        "proposal": proposal,
        "amendment": amendment,
        "refusal": refusal,
        "notice": notice,
        "notice_is_error": is_error,
        "tallies": tallies(amendment),
        "my_vote": selectors.user_vote(amendment=amendment, user=user) if amendment.is_open else None,
        "votes": Vote,
        "can_vote": permissions.can_vote(user, amendment, participation=refusal),
        "can_withdraw": permissions.can_withdraw(user, amendment, participation=refusal),
        "can_decide": can_decide,
        "decision_form": DecisionForm(auto_id="decision-%s") if can_decide else None,
    }


def detail_context(request, amendment: Amendment, **kwargs) -> dict:
    context = actions_context(request, amendment, **kwargs)
    proposal = amendment.proposal
    context.update(
        {
            "version": proposal.current_version,
            "based_on_current": amendment.base_version_id == proposal.current_version_id,
            "segments": diff.inline_diff(amendment.original_text, amendment.new_text)
            if amendment.show_text
            else [],
        }
    )
    # Participants translate a visible rationale (translations.views checks again on the server).
    context["can_translate_rationale"] = context["refusal"] is None and amendment.hidden_at is None
    read_notes(request, [amendment])
    if amendment.show_text:
        reading.reader(request).add(RATIONALE, [amendment])
        # Sections other apps contribute to this page (the discussion: comments, which builds on
        # amendments) come through the seam in core.sections.
        context.update(core_sections.build("amendment", request, amendment, context["refusal"]))
    return context


# --- Editor ---------------------------------------------------------------------------------------


def _target(data) -> tuple[str, str]:
    target = TargetForm(data)
    if target.is_valid():
        return target.cleaned_data["field"], target.cleaned_data["language"]
    language = get_language()
    return TargetField.BODY, language if language in LANGUAGE_NAMES else settings.LANGUAGE_CODE


def editor_form(request, proposal) -> AmendmentForm:
    """A fresh form for the field and language asked for, prefilled with the current text."""
    field, language = _target(request.GET)
    version = proposal.current_version
    return AmendmentForm(
        initial={
            "field": field,
            "language": language,
            "base_version": version.pk,
            "new_text": getattr(version, f"{field}_{language}"),
        }
    )


def refused_form(request, proposal, form: AmendmentForm, error: DeliberationError) -> AmendmentForm:
    """The submitted form with the refusal on it, the participant's text kept.

    When the proposal changed meanwhile, the form is rebased on the current version so that
    submitting it again (after checking) works.
    """
    if error.code == "stale_base":
        data = request.POST.copy()
        data["base_version"] = str(proposal.current_version_id)
        form = AmendmentForm(data)
        form.is_valid()
    form.add_error(error.field if error.field in form.fields else None, error.message)
    return form


def editor_context(request, proposal, form: AmendmentForm, *, decided: Participation | None = None) -> dict:
    """``decided``: the request's participation decision, when the view has made it."""
    if decided is not None and (decided.user_pk, decided.programme_pk) == (
        request.user.pk,
        proposal.programme_id,
    ):
        refusal = decided.refusal
    else:
        refusal = participation_refusal(request.user, proposal.programme)
    field, language = _target(form.data if form.is_bound else form.initial)
    version = proposal.current_version
    attrs = form.fields["new_text"].widget.attrs
    attrs["lang"] = language
    if field == TargetField.TITLE:
        attrs.update(rows=2)
        form.fields["new_text"].widget.limit = version._meta.get_field("title").max_length
    return {
        "proposal": proposal,
        "version": version,
        "refusal": refusal,
        "form": form,
        "target_form": TargetForm(initial={"field": field, "language": language}, auto_id="target-%s"),
        "field": TargetField(field),
        "language": language,
        "language_name": LANGUAGE_NAMES[language],
        "current_text": getattr(version, f"{field}_{language}"),
    }
