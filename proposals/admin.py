"""Admin for publications, proposal versions and editorial corrections. The proposal's own admin
screen composes features from the floors above (milestones, exports) and lives in ``pages.admin``."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_stubs_ext import StrPromise
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from accounts.permissions import is_moderator
from core import diff
from core.errors import DeliberationError

from . import services
from .forms import VersionCorrectionForm
from .models import (
    Citation,
    CorrectionStatus,
    EditorialCorrection,
    ProposalVersion,
    Publication,
    PublicationAuthor,
)


class PublicationAuthorInline(TranslationTabularInline):
    model = PublicationAuthor
    extra = 0


class CitationInline(TranslationTabularInline):
    """A proposal's further sources; shown on the proposal's admin screen (``pages.admin``)."""

    model = Citation
    extra = 0
    autocomplete_fields = ["publication"]


@admin.register(Publication)
class PublicationAdmin(TranslationAdmin):
    list_display = ["title", "series", "published_on"]
    search_fields = ["title", "authors__name"]
    inlines = [PublicationAuthorInline]


@admin.register(ProposalVersion)
class ProposalVersionAdmin(TranslationAdmin):
    """Read-only: versions are made by accepting amendments; a slip in the current version is
    fixed with "Correct this version", which goes through ``services.version_correct`` (audited,
    old and new text). Editing, adding or deleting here is refused."""

    list_display = ["title", "proposal", "number", "created_at"]
    list_filter = ["proposal__policy_area"]
    list_select_related = ["proposal"]
    search_fields = ["title_en", "title_ko", "title_ja", "proposal__slug"]
    raw_id_fields = ["proposal", "created_by"]
    readonly_fields = ["correction"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("correction"))
    def correction(self, version: ProposalVersion) -> str | StrPromise:
        if version.proposal.current_version_id != version.pk:
            return _("An earlier version: history is not corrected.")
        url = reverse("admin:proposals_proposalversion_correct", args=[version.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Correct this version"))

    def get_urls(self):
        return [
            path(
                "<int:pk>/correct/",
                self.admin_site.admin_view(self.correct_view),
                name="proposals_proposalversion_correct",
            ),
            *super().get_urls(),
        ]

    def correct_view(self, request, pk: int):
        version: ProposalVersion = get_object_or_404(
            ProposalVersion.objects.select_related("proposal"), pk=pk
        )
        if not (self.has_view_permission(request, version) and is_moderator(request.user)):
            raise PermissionDenied
        status = 200
        form = VersionCorrectionForm(request.POST or None, version=version)
        if request.method == "POST":
            status = 400
            if form.is_valid():
                try:
                    services.version_correct(
                        moderator=request.user,
                        version=version,
                        texts=form.texts(),
                        stale_translations=form.cleaned_data["stale_translations"],
                        reason=form.cleaned_data["reason"],
                    )
                except DeliberationError as error:
                    form.add_error(error.field if error.field in form.fields else None, error.message)
                    status = error.status
                else:
                    self.message_user(request, _("The version is corrected."), messages.SUCCESS)
                    return redirect(reverse("admin:proposals_proposalversion_change", args=[version.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Correct %(version)s") % {"version": version},
            "opts": self.model._meta,
            "original": version,
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(
            request, "admin/proposals/proposalversion/correct.html", context, status=status
        )


def _diff_html(old: str, new: str) -> str:
    """The change from ``old`` to ``new`` by character (works without spaces: Japanese)."""
    tags = {diff.DELETE: "del", diff.EQUAL: "span", diff.INSERT: "ins"}
    return format_html(
        '<div class="correction-diff">{}</div>',
        format_html_join("", "<{0}>{1}</{0}>", ((tags[op], text) for op, text in diff.inline_diff(old, new))),
    )


def _resolve_action(status: str, description):
    def action(modeladmin, request, queryset):
        done = 0
        for correction in queryset.select_related("proposal"):
            try:
                services.correction_resolve(correction=correction, actor=request.user, status=status)
            except DeliberationError as error:
                modeladmin.message_user(request, f"{correction}: {error.message}", messages.ERROR)
            else:
                done += 1
        if done:
            modeladmin.message_user(
                request,
                ngettext("%(count)d correction updated.", "%(count)d corrections updated.", done)
                % {"count": done},
                messages.SUCCESS,
            )

    action.__name__ = f"mark_{status}"
    return admin.action(description=description, permissions=["change"])(action)


@admin.register(EditorialCorrection)
class EditorialCorrectionAdmin(admin.ModelAdmin):
    """Fixes to seeded text that re-seeding could not apply because the proposal has moved past its
    first version. The moderator reads the change beside what the current version says, then
    applies it to the current version (carried over by character; refused where participants have
    changed that passage), or corrects that version by hand and marks it applied, or dismisses it.
    Corrections are only recorded by the seeding: never added or deleted here."""

    list_display = ["proposal", "field", "language", "status", "created_at", "resolved_by"]
    list_filter = ["status", "language", "field"]
    list_select_related = ["proposal__current_version", "resolved_by"]
    search_fields = ["proposal__slug", "corrected_text"]
    actions = [
        "apply_to_current_version",
        _resolve_action(CorrectionStatus.APPLIED, _("Mark as applied (carried over by hand)")),
        _resolve_action(CorrectionStatus.DISMISSED, _("Dismiss")),
    ]
    fields = [
        "proposal",
        "field",
        "language",
        "status",
        "change",
        "current_text",
        "seeded_text",
        "corrected_text",
        "created_at",
        "resolved_at",
        "resolved_by",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Apply to the current version"), permissions=["change"])
    def apply_to_current_version(self, request, queryset):
        done = 0
        for correction in queryset.select_related("proposal"):
            try:
                services.correction_apply(correction=correction, moderator=request.user)
            except DeliberationError as error:
                self.message_user(request, f"{correction}: {error.message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(count)d correction applied to the current version.",
                    "%(count)d corrections applied to the current version.",
                    done,
                )
                % {"count": done},
                messages.SUCCESS,
            )

    @admin.display(description=_("change to the first version's text"))
    def change(self, correction: EditorialCorrection) -> str:
        return _diff_html(correction.seeded_text, correction.corrected_text)

    @admin.display(description=_("what the current version says"))
    def current_text(self, correction: EditorialCorrection) -> str:
        version = correction.proposal.current_version
        if version is None:
            return "—"
        return format_html(
            '<div class="correction-current">{}</div><p><a href="{}">{}</a></p>',
            getattr(version, f"{correction.field}_{correction.language}", "") or "—",
            reverse("admin:proposals_proposalversion_correct", args=[version.pk]),
            _("Correct the current version (%(number)s) by hand") % {"number": version.number},
        )
