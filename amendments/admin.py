from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core import diff
from core.errors import DeliberationError
from proposals.adminfilters import ProposalFilter

from . import services
from .models import Amendment, AmendmentVote


class DecisionActionForm(ActionForm):
    """The admin's action bar, with the reason that "Accept selected" / "Reject selected" record."""

    decision_reason = forms.CharField(
        label=_("Reason for the decision"),
        required=False,
        widget=forms.TextInput(attrs={"size": 60}),
        help_text=_("Required to reject. The authors are notified."),
    )


@admin.register(Amendment)
class AmendmentAdmin(admin.ModelAdmin):
    """Decisions go through the same services as the page: the actions below, never by editing
    the state. Everything else is read-only here."""

    list_display = [
        "__str__",
        "proposal",
        "author",
        "state",
        "support_count",
        "oppose_count",
        "created_at",
    ]
    list_filter = ["state", "field", "language", ProposalFilter]
    list_select_related = ["proposal__current_version", "author"]
    search_fields = ["proposal__slug", "new_text", "rationale", "author__display_name"]
    date_hierarchy = "created_at"
    # Hide and restore are attached by the moderation app (moderation.adminactions.attach).
    actions = ["accept_selected", "reject_selected"]
    action_form = DecisionActionForm
    fields = [
        "proposal",
        "base_version",
        "field",
        "language",
        "author",
        "state",
        "proposed_change",
        "rationale",
        "created_at",
        "decided_by",
        "decided_at",
        "decision_reason",
        "result_version",
        ("support_count", "oppose_count"),
        ("support_kr", "oppose_kr", "support_jp", "oppose_jp"),
        "hidden_at",
        "hidden_automatically",
        "hidden_category",
        "hidden_reason",
        "hidden_note_language",
    ]
    readonly_fields: list[str] = [
        name for entry in fields for name in (entry if isinstance(entry, tuple) else (entry,))
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("proposed change"))
    def proposed_change(self, amendment: Amendment) -> str:
        return render_to_string(
            "amendments/_diff.html",
            {
                "segments": diff.inline_diff(amendment.original_text, amendment.new_text),
                "diff_language": amendment.language,
            },
        )

    @admin.action(description=_("Accept selected"), permissions=["change"])
    def accept_selected(self, request, queryset):
        reason = request.POST.get("decision_reason", "")
        self._decide(
            request,
            queryset,
            lambda a: services.amendment_accept(moderator=request.user, amendment=a, reason=reason),
        )

    @admin.action(description=_("Reject selected"), permissions=["change"])
    def reject_selected(self, request, queryset):
        reason = request.POST.get("decision_reason", "")
        self._decide(
            request,
            queryset,
            lambda a: services.amendment_reject(moderator=request.user, amendment=a, reason=reason),
        )

    def _decide(self, request, queryset, decide) -> None:
        done = 0
        # Oldest first: accepting one rebases the others, which are then accepted against the new text.
        for amendment in queryset.order_by("created_at", "pk"):
            try:
                decide(amendment)
            except DeliberationError as error:
                self.message_user(request, f"{amendment}: {error.message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)d amendment decided.", "%(count)d amendments decided.", done)
                % {"count": done},
                messages.SUCCESS,
            )


@admin.register(AmendmentVote)
class AmendmentVoteAdmin(admin.ModelAdmin):
    list_display = ["amendment", "user", "value", "nationality", "created_at"]
    list_filter = ["value", "nationality"]
    list_select_related = ["amendment", "user"]
    raw_id_fields = ["amendment", "user"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
