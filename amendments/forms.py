"""Forms parse input; the services decide what is acceptable (and say why, in the user's language)."""

import uuid

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.widgets import CountedTextarea

from .models import MAX_RATIONALE_LENGTH, MAX_TEXT_LENGTH, TargetField


class TargetForm(forms.Form):
    """Which field and language to amend (a GET form: it loads that text into the amendment form)."""

    field = forms.ChoiceField(label=_("Part"), choices=TargetField.choices, initial=TargetField.BODY)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


class AmendmentForm(forms.Form):
    # The target is fixed once the text is loaded; changing it means loading another text.
    field = forms.ChoiceField(choices=TargetField.choices, widget=forms.HiddenInput)
    language = forms.ChoiceField(choices=settings.LANGUAGES, widget=forms.HiddenInput)
    base_version = forms.IntegerField(widget=forms.HiddenInput)
    client_token = forms.UUIDField(widget=forms.HiddenInput)
    # Not required here: the service refuses empty and over-long text with its own messages.
    new_text = forms.CharField(
        label=_("New text"),
        required=False,
        strip=False,
        widget=CountedTextarea(attrs={"rows": 12, "required": True}, limit=MAX_TEXT_LENGTH),
    )
    rationale = forms.CharField(
        label=_("Why should it change?"),
        required=False,
        widget=CountedTextarea(attrs={"rows": 4, "required": True}, limit=MAX_RATIONALE_LENGTH),
        help_text=_("Explain the change for the other participants and the moderators."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A fresh token per rendered form: submitting the same form twice creates one amendment.
        self.fields["client_token"].initial = uuid.uuid4()


class DecisionForm(forms.Form):
    ACCEPT = "accept"
    REJECT = "reject"

    decision = forms.ChoiceField(
        choices=[(ACCEPT, pgettext_lazy("decision", "Accept")), (REJECT, pgettext_lazy("decision", "Reject"))]
    )
    reason = forms.CharField(
        label=_("Reason for the decision"),
        required=False,
        widget=CountedTextarea(attrs={"rows": 3}, limit=MAX_RATIONALE_LENGTH),
        help_text=_("Required to reject. The author is notified."),
    )
