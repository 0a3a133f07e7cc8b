"""Admin list filters shared by the lists of things that belong to a proposal."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.text import parse_id

from .models import Proposal


class ProposalFilter(admin.SimpleListFilter):
    """By proposal, named by its current title in the admin's language (not its slug); only the
    proposals that have rows in the list are offered (one query)."""

    title = _("proposal")
    parameter_name = "proposal"

    def lookups(self, request, model_admin):
        present = model_admin.model._default_manager.order_by().values("proposal_id")
        proposals = (
            Proposal.objects.filter(pk__in=present)
            .select_related("current_version")
            .order_by("position", "slug")
        )
        # str(): the current version's title in the active language (modeltranslation's fallbacks).
        return [(str(proposal.pk), str(proposal)) for proposal in proposals]

    def queryset(self, request, queryset):
        pk = parse_id(self.value())
        return queryset if pk is None else queryset.filter(proposal_id=pk)
