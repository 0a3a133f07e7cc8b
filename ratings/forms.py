"""Parsing of the rating forms. Range and criterion are checked by the services (after the
permission check); the forms only turn the posted text into values, and say why they could not."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.errors import DeliberationError

INVALID_SCORE = _("Choose a score from 1 to 5.")
UNKNOWN_CRITERION = _("Choose what you are rating: importance or feasibility.")


class _CriterionForm(forms.Form):
    criterion = forms.CharField(max_length=20, error_messages={"required": UNKNOWN_CRITERION})

    def refusal(self) -> DeliberationError:
        """The first problem as the same refusal the service would raise (call after is_valid())."""
        if "criterion" in self.errors:
            return DeliberationError("unknown_criterion", UNKNOWN_CRITERION, field="criterion")
        return DeliberationError("invalid_score", INVALID_SCORE, field="score")


class RatingForm(_CriterionForm):
    score = forms.IntegerField(error_messages={"required": INVALID_SCORE, "invalid": INVALID_SCORE})


class RatingWithdrawForm(_CriterionForm):
    pass
