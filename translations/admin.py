"""The translation review queue: participants' translations (and machine drafts of proposal
text) waiting for a reviewer, who approves (with edits) or rejects each through the services
(audited there); and the machine translation usage against the daily budget.

Reviewers are moderators and staff in the Translator group (``services.can_review``): they need no
model permissions. Nobody adds or deletes translations here.
"""

from django import forms
from django.contrib import admin, messages
from django.template.defaultfilters import linebreaksbr
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.errors import DeliberationError

from . import registry, services
from .models import ProviderUsage, Status, Translation

EXCERPT = 120


class ReviewForm(forms.ModelForm):
    """A pending translation: the reviewer may edit its text, then approves or rejects it."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve and publish")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Translation
        fields = ["text", "review_note"]


class ReviewerPermissions:
    def has_module_permission(self, request) -> bool:
        return services.can_review(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return services.can_review(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return services.can_review(request.user) and (obj is None or obj.status == Status.PENDING)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Translation)
class TranslationAdmin(ReviewerPermissions, admin.ModelAdmin):
    list_display = [
        "excerpt",
        "kind_label",
        "source_language",
        "target_language",
        "origin",
        "credit",
        "status",
        "created_at",
    ]
    list_filter = ["status", "origin", "target_language", "source_kind"]
    list_select_related = ["translator"]
    ordering = ["created_at", "pk"]
    actions = ["approve_selected", "reject_selected"]
    readonly_fields = [
        "original",
        "source_language",
        "target_language",
        "origin",
        "provider",
        "status",
        "translator",
        "reviewed_by",
        "created_at",
        "published_at",
        "last_error",
    ]
    fields = [
        "original",
        ("source_language", "target_language"),
        ("origin", "provider", "translator"),
        "text",
        "review_note",
        "decision",
        ("status", "reviewed_by", "created_at", "published_at"),
        "last_error",
    ]
    form = ReviewForm

    def get_fields(self, request, obj=None):
        if obj is not None and obj.status == Status.PENDING:
            return self.fields
        return [field for field in self.fields if field != "decision"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status == Status.PENDING:
            return self.readonly_fields
        return [*self.readonly_fields, "text", "review_note"]

    @admin.display(description=_("translation"))
    def excerpt(self, obj: Translation) -> str:
        return Truncator(obj.text).chars(EXCERPT) or "—"

    @admin.display(description=_("kind of text"))
    def kind_label(self, obj: Translation) -> str:
        if not registry.is_registered(obj.source_kind):
            return obj.source_kind
        return f"{registry.get(obj.source_kind).label} #{obj.source_id}"

    @admin.display(description=_("translated by"))
    def credit(self, obj: Translation) -> str:
        if obj.translator is not None:
            return obj.translator.public_name
        return obj.provider

    @admin.display(description=_("original"))
    def original(self, obj: Translation):
        if not registry.is_registered(obj.source_kind):
            return "—"
        source = registry.get(obj.source_kind)
        row = source.load(obj.source_id)
        if row is None:
            return _("The original is gone.")
        current = registry.text_hash(source.text(row)) == obj.source_hash
        return format_html(
            '<div lang="{}">{}</div><p>{} · <a href="{}">{}</a></p>',
            source.language(row),
            linebreaksbr(source.text(row), autoescape=True),
            _("current text") if current else _("edited since this translation was written"),
            source.url(row),
            _("where it is read"),
        )

    def save_model(self, request, obj, form, change):
        """Saving a pending translation is the reviewer's decision, through the services."""
        decision = form.cleaned_data.get("decision")
        note = form.cleaned_data.get("review_note", "")
        try:
            if decision == "approve":
                services.translation_approve(
                    reviewer=request.user, translation=obj, text=form.cleaned_data["text"], note=note
                )
            else:
                services.translation_reject(reviewer=request.user, translation=obj, note=note)
        except DeliberationError as error:
            messages.error(request, error.message)

    def _decide(self, request, queryset, decide, done) -> None:
        count = 0
        for row in queryset:
            try:
                decide(row)
            except DeliberationError as error:
                messages.error(request, f"#{row.pk}: {error.message}")
            else:
                count += 1
        if count:
            messages.success(request, done(count))

    @admin.action(description=_("Approve and publish selected translations"))
    def approve_selected(self, request, queryset):
        self._decide(
            request,
            queryset,
            lambda row: services.translation_approve(reviewer=request.user, translation=row),
            lambda n: (
                ngettext("%(count)d translation published.", "%(count)d translations published.", n)
                % {"count": n}
            ),
        )

    @admin.action(description=_("Reject selected translations"))
    def reject_selected(self, request, queryset):
        self._decide(
            request,
            queryset,
            lambda row: services.translation_reject(reviewer=request.user, translation=row),
            lambda n: (
                ngettext("%(count)d translation rejected.", "%(count)d translations rejected.", n)
                % {"count": n}
            ),
        )


@admin.register(ProviderUsage)
class ProviderUsageAdmin(ReviewerPermissions, admin.ModelAdmin):
    """Characters sent to each provider per day, against the daily budget (read-only)."""

    list_display = ["day", "provider", "characters", "budget", "share", "requests", "failures", "refused"]
    list_filter = ["provider"]
    ordering = ["-day", "provider"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("daily budget"))
    def budget(self, obj: ProviderUsage) -> int:
        return services.daily_budget(obj.provider)

    @admin.display(description=_("used"))
    def share(self, obj: ProviderUsage) -> str:
        budget = services.daily_budget(obj.provider)
        if not budget:
            return "—"
        return f"{obj.characters * 100 // budget} %"
