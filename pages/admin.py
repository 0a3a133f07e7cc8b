"""The admin's proposal screen: the proposal with its further sources and milestones inline (progress), the review
filter, and the export actions (progress, api). It composes features above the proposals app, so
it lives here."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from api import exports as api_exports
from progress import admin as progress_admin
from progress import selectors as progress_selectors
from progress.models import Milestone
from proposals.admin import CitationInline
from proposals.models import Proposal


@admin.register(Proposal)
class ProposalAdmin(TranslationAdmin):
    list_display = [
        "slug",
        "current_title",
        "policy_area",
        "stage",
        "review_overdue",
        "programme",
        "position",
    ]
    list_filter = ["policy_area", "stage", progress_admin.ReviewOverdueFilter, "programme"]
    list_select_related = ["current_version", "programme"]
    search_fields = [
        "slug",
        "current_version__title_en",
        "current_version__title_ko",
        "current_version__title_ja",
    ]
    raw_id_fields = ["current_version"]
    ordering = ["position"]
    # The stage follows the published milestones (progress.services.stages_recompute): record a
    # milestone to change it.
    readonly_fields = ["stage"]
    inlines = [CitationInline, progress_admin.MilestoneInline]
    actions = [
        progress_admin.export_proposal_milestones,
        api_exports.export_deliberation_json,
        api_exports.export_deliberation_csv,
    ]

    def get_queryset(self, request):
        return progress_selectors.proposals_with_review_overdue(super().get_queryset(request))

    @admin.display(description=_("title"), ordering="current_version__title")
    def current_title(self, proposal: Proposal) -> str:
        return proposal.current_version.title if proposal.current_version else "—"

    @admin.display(description=_("review overdue"), boolean=True, ordering="review_overdue")
    def review_overdue(self, proposal: Proposal) -> bool:
        return getattr(proposal, "review_overdue", False)

    def save_formset(self, request, form, formset, change):
        if formset.model is Milestone:
            progress_admin.save_milestone_formset(request, formset)
        else:
            super().save_formset(request, form, formset, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        progress_admin.recompute_after_admin_save(request, form.instance)
