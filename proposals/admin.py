from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from api import exports as api_exports
from progress import admin as progress_admin
from progress import selectors as progress_selectors
from progress.models import Milestone

from .models import Proposal, ProposalVersion, Publication, PublicationAuthor


class PublicationAuthorInline(admin.TabularInline):
    model = PublicationAuthor
    extra = 0


@admin.register(Publication)
class PublicationAdmin(TranslationAdmin):
    list_display = ["title", "series", "published_on"]
    search_fields = ["title", "authors__name"]
    inlines = [PublicationAuthorInline]


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
    inlines = [progress_admin.MilestoneInline]
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


@admin.register(ProposalVersion)
class ProposalVersionAdmin(TranslationAdmin):
    list_display = ["title", "proposal", "number", "created_at"]
    list_filter = ["proposal__policy_area"]
    list_select_related = ["proposal"]
    search_fields = ["title_en", "title_ko", "title_ja", "proposal__slug"]
    raw_id_fields = ["proposal", "created_by"]
