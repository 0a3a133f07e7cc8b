"""Filters of the proposal list (django-filter): policy area, overall stage, stage in a
jurisdiction, programme, and ``q``, a search that works in Korean and Japanese (proposals/search.py)."""

import django_filters
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from progress.models import Jurisdiction, JurisdictionStage
from proposals.models import PolicyArea, Proposal, Stage
from proposals.search import MAX_QUERY_LENGTH, search_proposals


def _stage_in(jurisdiction: str):
    def filter_method(queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            Exists(
                JurisdictionStage.objects.filter(
                    proposal_id=OuterRef("pk"), jurisdiction=jurisdiction, stage=value
                )
            )
        )

    return filter_method


class ProposalFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search",
        max_length=MAX_QUERY_LENGTH,
        label=_(
            "Text in the title or summary, in any language (substring match: works for Japanese and Korean)."
        ),
    )
    policy_area = django_filters.ChoiceFilter(choices=PolicyArea.choices)
    stage = django_filters.ChoiceFilter(choices=Stage.choices, label=_("Overall stage."))
    stage_kr = django_filters.ChoiceFilter(
        choices=Stage.choices, method=_stage_in(Jurisdiction.KOREA), label=_("Current stage in Korea.")
    )
    stage_jp = django_filters.ChoiceFilter(
        choices=Stage.choices, method=_stage_in(Jurisdiction.JAPAN), label=_("Current stage in Japan.")
    )
    stage_bilateral = django_filters.ChoiceFilter(
        choices=Stage.choices,
        method=_stage_in(Jurisdiction.BILATERAL),
        label=_("Current stage in bilateral / other bodies."),
    )
    programme = django_filters.CharFilter(
        field_name="programme__slug", max_length=80, label=_("Programme slug.")
    )

    class Meta:
        model = Proposal
        fields = ["q", "policy_area", "stage", "stage_kr", "stage_jp", "stage_bilateral", "programme"]

    def search(self, queryset, name, value):
        return search_proposals(queryset, value)
