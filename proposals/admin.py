from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

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
    list_display = ["slug", "current_title", "policy_area", "stage", "programme", "position"]
    list_filter = ["policy_area", "stage", "programme"]
    list_select_related = ["current_version", "programme"]
    search_fields = [
        "slug",
        "current_version__title_en",
        "current_version__title_ko",
        "current_version__title_ja",
    ]
    raw_id_fields = ["current_version"]
    ordering = ["position"]

    @admin.display(description=_("title"), ordering="current_version__title")
    def current_title(self, proposal: Proposal) -> str:
        return proposal.current_version.title if proposal.current_version else "—"


@admin.register(ProposalVersion)
class ProposalVersionAdmin(TranslationAdmin):
    list_display = ["title", "proposal", "number", "created_at"]
    list_filter = ["proposal__policy_area"]
    list_select_related = ["proposal"]
    search_fields = ["title_en", "title_ko", "title_ja", "proposal__slug"]
    raw_id_fields = ["proposal", "created_by"]
