"""What the API says about each thing. Output serializers read only what the selectors loaded (no
query per item); texts come as a map from language code to text, with the languages asked for
(``?lang=ko``, ``Accept-Language``, or ``?lang=all`` for all three).

Never exposed: email addresses, account ids, individual ratings or votes, hidden or deleted text,
invite codes, who created a version or milestone.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Nationality
from amendments.models import AmendmentState, TargetField
from amendments.translatable import NEW_TEXT, RATIONALE, rationale_language
from comments import ground
from comments.models import Stance
from comments.services import comment_link
from comments.translatable import KIND as COMMENT_KIND
from core import consensus
from core.diff import DELETE, INSERT, inline_diff
from core.languages import LANGUAGE_CODES
from institutions.models import Country, Scope
from progress.models import Jurisdiction, MilestoneStatus
from proposals.models import PolicyArea, Stage
from ratings import selectors as rating_selectors
from ratings.models import Criterion, Group
from translations.models import Origin as TranslationOrigin

LANGUAGE_CHOICES = [(code, code) for code in LANGUAGE_CODES]


def localised(obj, field: str, languages) -> dict[str, str]:
    return {code: getattr(obj, f"{field}_{code}", None) or "" for code in languages}


def absolute(request, path: str) -> str:
    return request.build_absolute_uri(path) if request is not None else settings.SITE_URL + path


# --- Shapes used only to describe maps in the schema ---------------------------------------------


def _language_map(name: str, child_factory, doc: str):
    """A serializer class whose fields are the language codes, each optional."""
    attrs = {code: child_factory() for code in LANGUAGE_CODES}
    attrs["__doc__"] = doc
    return type(name, (serializers.Serializer,), attrs)


LocalisedString = _language_map(
    "LocalisedString",
    lambda: serializers.CharField(required=False, allow_blank=True),
    "A text in the languages asked for: the language code maps to the text.",
)


class BriefText(serializers.Serializer):
    title = serializers.CharField()
    summary = serializers.CharField()


class VersionText(serializers.Serializer):
    title = serializers.CharField()
    summary = serializers.CharField()
    body = serializers.CharField()


class MilestoneText(serializers.Serializer):
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)


LocalisedBriefText = _language_map(
    "LocalisedBriefText", lambda: BriefText(required=False), "Title and summary per language asked for."
)
LocalisedVersionText = _language_map(
    "LocalisedVersionText", lambda: VersionText(required=False), "Title, summary and body per language."
)
LocalisedMilestoneText = _language_map(
    "LocalisedMilestoneText", lambda: MilestoneText(required=False), "Title and description per language."
)


class StagesSerializer(serializers.Serializer):
    """The proposal's current stage in each jurisdiction (null: no published milestone there)."""

    KR = serializers.ChoiceField(choices=Stage.choices, allow_null=True)
    JP = serializers.ChoiceField(choices=Stage.choices, allow_null=True)
    BILATERAL = serializers.ChoiceField(choices=Stage.choices, allow_null=True)


class AuthorSerializer(serializers.Serializer):
    """A participant as the public sees them: display name and nationality group, nothing else;
    a participant under 18 only as "Young participant" (``User.shared_name``)."""

    name = serializers.CharField(source="shared_name")
    nationality = serializers.ChoiceField(choices=Nationality.choices)


class SegmentSerializer(serializers.Serializer):
    op = serializers.ChoiceField(choices=[("equal", "equal"), ("insert", "insert"), ("delete", "delete")])
    text = serializers.CharField()


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=TargetField.choices)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES)


class FieldDiffSerializer(FieldChangeSerializer):
    segments = SegmentSerializer(many=True)


def segments_data(segments) -> list[dict]:
    names = {DELETE: "delete", INSERT: "insert"}
    return [{"op": names.get(op, "equal"), "text": text} for op, text in segments]


class LocalisedMixin:
    @property
    def languages(self) -> tuple[str, ...]:
        return self.context.get("languages", LANGUAGE_CODES)


# --- Programmes and publications -----------------------------------------------------------------


class ProgrammeSerializer(LocalisedMixin, serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)
    in_session = serializers.SerializerMethodField()

    @extend_schema_field(LocalisedString)
    def get_name(self, programme) -> dict:
        return localised(programme, "name", self.languages)

    @extend_schema_field(LocalisedString)
    def get_description(self, programme) -> dict:
        return localised(programme, "description", self.languages)

    def get_in_session(self, programme) -> bool:
        return programme.is_in_session()


class PublicationAuthorSerializer(serializers.Serializer):
    """An author as the paper names them (English); ``localised`` gives name and affiliation in
    the languages asked for."""

    name = serializers.CharField(source="name_en")
    affiliation = serializers.CharField(source="affiliation_en", allow_blank=True)


class CitationAuthor(serializers.Serializer):
    name = serializers.CharField()
    affiliation = serializers.CharField(allow_blank=True)


class CitationText(serializers.Serializer):
    title = serializers.CharField()
    series = serializers.CharField(allow_blank=True)
    publisher = serializers.CharField(allow_blank=True)
    authors = CitationAuthor(many=True)


LocalisedCitationText = _language_map(
    "LocalisedCitationText",
    lambda: CitationText(required=False),
    "Title, series, publisher and authors per language asked for (the English title where a paper's own "
    "title is not translated).",
)


def _in(obj, field: str, code: str) -> str:
    """``field`` in language ``code``, or its English text when that language has none."""
    return getattr(obj, f"{field}_{code}", None) or getattr(obj, f"{field}_en", None) or ""


class PublicationSerializer(LocalisedMixin, serializers.Serializer):
    key = serializers.SlugField()
    title = serializers.CharField(source="title_en", help_text="The title in English, as the paper gives it.")
    series = serializers.CharField(source="series_en", allow_blank=True)
    publisher = serializers.CharField(source="publisher_en", allow_blank=True)
    published_on = serializers.DateField(allow_null=True)
    url = serializers.CharField(allow_blank=True)
    note = serializers.SerializerMethodField()
    authors = PublicationAuthorSerializer(many=True, source="authors.all")
    localised = serializers.SerializerMethodField()

    @extend_schema_field(LocalisedString)
    def get_note(self, publication) -> dict:
        return localised(publication, "note", self.languages)

    @extend_schema_field(LocalisedCitationText)
    def get_localised(self, publication) -> dict:
        authors = publication.authors.all()
        return {
            code: {
                "title": _in(publication, "title", code),
                "series": _in(publication, "series", code),
                "publisher": _in(publication, "publisher", code),
                "authors": [
                    {"name": _in(author, "name", code), "affiliation": _in(author, "affiliation", code)}
                    for author in authors
                ],
            }
            for code in self.languages
        }


class CitationSerializer(LocalisedMixin, serializers.Serializer):
    """A further source a proposal draws on, beside its main publication."""

    publication = PublicationSerializer()
    section = serializers.SerializerMethodField()
    quote = serializers.SerializerMethodField()

    @extend_schema_field(LocalisedString)
    def get_section(self, citation) -> dict:
        return localised(citation, "section", self.languages)

    @extend_schema_field(LocalisedString)
    def get_quote(self, citation) -> dict:
        return localised(citation, "quote", self.languages)


# --- Proposals -----------------------------------------------------------------------------------


def stages_of(proposal) -> dict:
    """From the prefetched ``jurisdiction_stages``."""
    stages = dict.fromkeys(Jurisdiction.values)
    for row in proposal.jurisdiction_stages.all():
        stages[row.jurisdiction] = row.stage
    return stages


class ProposalSerializer(LocalisedMixin, serializers.Serializer):
    slug = serializers.SlugField()
    url = serializers.SerializerMethodField()
    programme = serializers.SlugField(source="programme.slug")
    policy_area = serializers.ChoiceField(choices=PolicyArea.choices)
    stage = serializers.ChoiceField(choices=Stage.choices, help_text="The overall stage.")
    stages = serializers.SerializerMethodField()
    publication = serializers.SlugField(source="publication.key")
    version = serializers.IntegerField(source="current_version.number")
    updated_at = serializers.DateTimeField(source="current_version.created_at")
    languages = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField()

    def get_url(self, proposal) -> str:
        return absolute(self.context.get("request"), reverse("api:proposal-detail", args=[proposal.slug]))

    @extend_schema_field(StagesSerializer)
    def get_stages(self, proposal) -> dict:
        return stages_of(proposal)

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=LANGUAGE_CHOICES)))
    def get_languages(self, proposal) -> list:
        return list(self.languages)

    @extend_schema_field(LocalisedBriefText)
    def get_text(self, proposal) -> dict:
        version = proposal.current_version
        return {
            code: {
                "title": getattr(version, f"title_{code}") or "",
                "summary": getattr(version, f"summary_{code}") or "",
            }
            for code in self.languages
        }


class ProposalLinksSerializer(serializers.Serializer):
    versions = serializers.URLField()
    comments = serializers.URLField()
    amendments = serializers.URLField()
    ratings = serializers.URLField()
    milestones = serializers.URLField()
    export_json = serializers.URLField()
    export_csv = serializers.URLField()


class ProposalDetailSerializer(ProposalSerializer):
    publication = PublicationSerializer()
    section = serializers.SerializerMethodField()
    quote = serializers.SerializerMethodField()
    citations = CitationSerializer(many=True, source="citations.all", help_text="Further sources, in order.")
    stale_translations = serializers.ListField(
        child=serializers.CharField(),
        source="current_version.stale_translations",
        help_text="Translated fields (e.g. `body_ja`) that predate a change made in another language.",
    )
    links = serializers.SerializerMethodField()

    @extend_schema_field(LocalisedVersionText)
    def get_text(self, proposal) -> dict:
        return version_text(proposal.current_version, self.languages)

    @extend_schema_field(LocalisedString)
    def get_section(self, proposal) -> dict:
        return localised(proposal, "section", self.languages)

    @extend_schema_field(LocalisedString)
    def get_quote(self, proposal) -> dict:
        return localised(proposal, "quote", self.languages)

    @extend_schema_field(ProposalLinksSerializer)
    def get_links(self, proposal) -> dict:
        request = self.context.get("request")
        names = {
            "versions": "api:version-list",
            "comments": "api:comment-list",
            "amendments": "api:amendment-list",
            "ratings": "api:ratings",
            "milestones": "api:milestone-list",
            "export_json": "api:export-json",
            "export_csv": "api:export-csv",
        }
        return {key: absolute(request, reverse(name, args=[proposal.slug])) for key, name in names.items()}


def version_text(version, languages) -> dict:
    return {
        code: {field: getattr(version, f"{field}_{code}") or "" for field in ("title", "summary", "body")}
        for code in languages
    }


# --- Versions ------------------------------------------------------------------------------------


class VersionSerializer(LocalisedMixin, serializers.Serializer):
    number = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    change_note = serializers.CharField(allow_blank=True)
    amendment = serializers.SerializerMethodField(help_text="The accepted amendment that produced it.")
    stale_translations = serializers.ListField(child=serializers.CharField())
    changes = FieldChangeSerializer(
        many=True, help_text="Fields and languages changed from the previous version."
    )
    text = serializers.SerializerMethodField()

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_amendment(self, version) -> int | None:
        return version.producing_amendment_id

    @extend_schema_field(LocalisedVersionText)
    def get_text(self, version) -> dict:
        return version_text(version, self.languages)


class VersionDetailSerializer(VersionSerializer):
    diff = serializers.SerializerMethodField()

    @extend_schema_field(FieldDiffSerializer(many=True))
    def get_diff(self, version) -> list:
        return [
            {"field": change.field, "language": change.language, "segments": segments_data(change.segments)}
            for change in version.diff
        ]


# --- Translations of participants' text -----------------------------------------------------------


class TranslationSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, source="target_language")
    text = serializers.CharField()
    origin = serializers.ChoiceField(
        choices=TranslationOrigin.choices,
        help_text="author: by the text's author; community: by another participant, reviewed; machine.",
    )
    provider = serializers.CharField(allow_blank=True, help_text="The machine provider (deepl, papago).")
    translated_by = serializers.SerializerMethodField(help_text="The translator's public name (people only).")
    published_at = serializers.DateTimeField(allow_null=True)

    def get_translated_by(self, translation) -> str | None:
        if translation.translator is None:
            return None
        return str(translation.translator.public_name)


def _translations(obj, kind: str, languages) -> list:
    rows = getattr(obj, "translations", {}).get(kind, [])
    return [TranslationSerializer(row).data for row in rows if row.target_language in languages]


# --- Comments ------------------------------------------------------------------------------------


class ReactionCountsSerializer(serializers.Serializer):
    agree = serializers.IntegerField()
    disagree = serializers.IntegerField()
    # "pass" is a Python keyword: declared below.


ReactionCountsSerializer._declared_fields["pass"] = serializers.IntegerField()


class GroupReactionsSerializer(serializers.Serializer):
    KR = ReactionCountsSerializer()
    JP = ReactionCountsSerializer()
    OTHER = ReactionCountsSerializer()


class SideSupportSerializer(serializers.Serializer):
    votes = serializers.IntegerField(help_text="Agree + disagree + pass of this side.")
    support = serializers.FloatField(help_text="Shown support (agree + 1) / (votes + 2).")
    lower = serializers.FloatField(
        help_text="Wilson lower bound of agree / votes at z = 1.2816 (0 without votes)."
    )
    low = serializers.FloatField(help_text="Wilson 95 % interval of agree / votes: low end.")
    high = serializers.FloatField(help_text="Wilson 95 % interval of agree / votes: high end.")


class CommonGroundSerializer(serializers.Serializer):
    label = serializers.ChoiceField(choices=[(label.value, label.value) for label in consensus.Label])
    bridging_score = serializers.FloatField(help_text="√(lower_KR · lower_JP), in [0, 1].")
    KR = SideSupportSerializer()
    JP = SideSupportSerializer()
    metric_version = serializers.CharField()


def _side(side: consensus.SideScore) -> dict:
    return {
        "votes": side.votes,
        "support": round(side.support, 4),
        "lower": round(side.lower, 4),
        "low": round(side.interval.low, 4),
        "high": round(side.interval.high, 4),
    }


class CommentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    root = serializers.IntegerField(source="root_id", allow_null=True)
    depth = serializers.IntegerField()
    amendment = serializers.IntegerField(source="amendment_id", allow_null=True)
    author = AuthorSerializer()
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES)
    stance = serializers.ChoiceField(choices=[("", ""), *Stance.choices], allow_blank=True)
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    agree_count = serializers.IntegerField()
    disagree_count = serializers.IntegerField()
    pass_count = serializers.IntegerField()
    reply_count = serializers.IntegerField()
    reactions = serializers.SerializerMethodField()
    common_ground = serializers.SerializerMethodField()

    @extend_schema_field(GroupReactionsSerializer)
    def get_reactions(self, comment) -> dict:
        return {
            group: dict(zip(("agree", "disagree", "pass"), comment.group_counts(group), strict=True))
            for group in ("KR", "JP", "OTHER")
        }

    @extend_schema_field(CommonGroundSerializer)
    def get_common_ground(self, comment) -> dict:
        score = ground.score_of(comment, self.context.get("thresholds"))
        return {
            "label": comment.ground_label,
            "bridging_score": round(comment.bridging_score, 4),
            "KR": _side(score.kr),
            "JP": _side(score.jp),
            "metric_version": consensus.METRIC_VERSION,
        }

    url = serializers.SerializerMethodField(
        help_text=_(
            "The comment's permalink on the site: it opens the page the comment is on, at the "
            "comment, in the reader's language."
        )
    )

    translations = serializers.SerializerMethodField(
        help_text=_(
            "Published translations of the body into the languages asked for (?lang=), made from "
            "its current text; the body above is the original, in `language`."
        )
    )

    def get_url(self, comment) -> str:
        # One reverse() for the page, not one per comment: the link with the id put in.
        if "comment_link" not in self.context:
            sample = comment_link(1)
            self.context["comment_link"] = sample[:-2] + "{}/" if sample.endswith("/1/") else None
        pattern = self.context["comment_link"]
        link = pattern.format(comment.pk) if pattern else comment_link(comment.pk)
        return absolute(self.context.get("request"), link)

    @extend_schema_field(TranslationSerializer(many=True))
    def get_translations(self, comment) -> list:
        return _translations(comment, COMMENT_KIND, self.context.get("languages", LANGUAGE_CODES))


# --- Amendments ----------------------------------------------------------------------------------


class VoteCountsSerializer(serializers.Serializer):
    ALL = serializers.IntegerField()
    KR = serializers.IntegerField()
    JP = serializers.IntegerField()
    OTHER = serializers.IntegerField()


def _counts(total: int, kr: int, jp: int) -> dict:
    return {"ALL": total, "KR": kr, "JP": jp, "OTHER": max(total - kr - jp, 0)}


class AmendmentTranslationsSerializer(serializers.Serializer):
    rationale = TranslationSerializer(many=True)
    new_text = TranslationSerializer(many=True)


class AmendmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    field = serializers.ChoiceField(choices=TargetField.choices)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES)
    state = serializers.ChoiceField(choices=AmendmentState.choices)
    base_version = serializers.IntegerField(source="base_version_number")
    result_version = serializers.IntegerField(source="result_version_number", allow_null=True)
    original_text = serializers.CharField(allow_blank=True)
    new_text = serializers.CharField(allow_blank=True)
    rationale = serializers.CharField(allow_blank=True)
    author = AuthorSerializer()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_reason = serializers.CharField(allow_blank=True)
    support = serializers.SerializerMethodField()
    oppose = serializers.SerializerMethodField()
    rationale_language = serializers.SerializerMethodField(
        help_text="The language the rationale is written in (not always the amended text's)."
    )
    translations = serializers.SerializerMethodField(
        help_text=_(
            "Published translations of the rationale and of the proposed text into the languages "
            "asked for (?lang=); the texts above are the originals."
        )
    )

    def get_rationale_language(self, amendment) -> str:
        return rationale_language(amendment)

    @extend_schema_field(AmendmentTranslationsSerializer)
    def get_translations(self, amendment) -> dict:
        languages = self.context.get("languages", LANGUAGE_CODES)
        return {
            "rationale": _translations(amendment, RATIONALE, languages),
            "new_text": _translations(amendment, NEW_TEXT, languages),
        }

    @extend_schema_field(VoteCountsSerializer)
    def get_support(self, amendment) -> dict:
        return _counts(amendment.support_count, amendment.support_kr, amendment.support_jp)

    @extend_schema_field(VoteCountsSerializer)
    def get_oppose(self, amendment) -> dict:
        return _counts(amendment.oppose_count, amendment.oppose_kr, amendment.oppose_jp)


class AmendmentDetailSerializer(AmendmentSerializer):
    diff = serializers.SerializerMethodField()

    @extend_schema_field(SegmentSerializer(many=True))
    def get_diff(self, amendment) -> list:
        return segments_data(inline_diff(amendment.original_text, amendment.new_text))


# --- Ratings -------------------------------------------------------------------------------------


def _nullable_object(description: str, **properties: dict) -> dict:
    return {
        "type": "object",
        "nullable": True,
        "description": description,
        "properties": properties,
        "required": list(properties),
    }


NUMBER = {"type": "number", "format": "double"}


@extend_schema_field(
    {"type": "array", "items": {"type": "integer"}, "minItems": 5, "maxItems": 5, "nullable": True}
)
class NullableDistributionField(serializers.JSONField):
    """Counts of scores 1 to 5, or null (schema only: the ratings document is built as a dict)."""


@extend_schema_field(
    _nullable_object(
        "Posterior mean of the 1–5 score under a Dirichlet(1) prior with its 95 % interval; null "
        "below the small-group threshold.",
        raters={"type": "integer"},
        mean=NUMBER,
        low=NUMBER,
        high=NUMBER,
    )
)
class PosteriorField(serializers.JSONField):
    pass


@extend_schema_field(
    _nullable_object(
        "Posterior mean KR − JP with its 95 % interval; null unless both sides are shown.",
        value=NUMBER,
        low=NUMBER,
        high=NUMBER,
    )
)
class GapField(serializers.JSONField):
    pass


class GroupAggregateSerializer(serializers.Serializer):
    group = serializers.ChoiceField(choices=Group.choices)
    count = serializers.IntegerField(help_text="How many participants rated.")
    mean = serializers.FloatField(allow_null=True, help_text="Null while the group is withheld.")
    distribution = NullableDistributionField(
        help_text="Counts of scores 1 to 5; null while the group is withheld."
    )
    withheld = serializers.BooleanField(
        help_text="True for a nationality group with fewer raters than the small-group threshold, "
        "and for all participants together when the groups withheld add up to fewer than that "
        "(all minus the groups shown would give them away): mean and distribution are not shown."
    )


class CriterionPosteriorSerializer(serializers.Serializer):
    criterion = serializers.ChoiceField(choices=Criterion.choices)
    KR = PosteriorField()
    JP = PosteriorField()
    gap = GapField()
    supported_on_both_sides = serializers.BooleanField(
        help_text="On each side at least 10 raters and the Wilson lower bound of the share of 4s and 5s ≥ 0.5."
    )


class CriterionAggregateSerializer(serializers.Serializer):
    criterion = serializers.ChoiceField(choices=Criterion.choices)
    groups = GroupAggregateSerializer(many=True)


class RatingsSerializer(serializers.Serializer):
    proposal = serializers.SlugField()
    criteria = CriterionAggregateSerializer(many=True)
    posteriors = CriterionPosteriorSerializer(many=True)
    metric_version = serializers.CharField()
    min_raters = serializers.IntegerField(help_text="Nationality groups with fewer raters are withheld.")


def ratings_data(proposal, aggregates) -> dict:
    """Every criterion × group, zeros where nobody rated yet. Only aggregates, never a rating."""
    rows = {(row.criterion, row.group): row for row in aggregates}
    thresholds = consensus.current_thresholds()
    criteria = []
    for criterion in Criterion.values:
        groups = []
        small = rating_selectors.withheld_groups(rows, criterion, min_raters=thresholds.min_raters)
        for group in Group.values:
            row = rows.get((criterion, group))
            count = row.count if row else 0
            # Small groups are withheld (privacy), and everyone together when it would give one away.
            withheld = group in small
            groups.append(
                {
                    "group": group,
                    "count": count,
                    "mean": round(row.mean, 3) if row and row.mean is not None and not withheld else None,
                    "distribution": None if withheld else (row.distribution if row else [0, 0, 0, 0, 0]),
                    "withheld": withheld,
                }
            )
        criteria.append({"criterion": criterion, "groups": groups})
    posteriors = []
    for criterion in Criterion.values:
        kr, jp = (rows.get((criterion, group)) for group in (Group.KOREA, Group.JAPAN))
        compared = consensus.compare_ratings(
            kr.distribution if kr else [0] * 5, jp.distribution if jp else [0] * 5, thresholds
        )
        posteriors.append(
            {
                "criterion": criterion,
                "KR": _posterior(compared.kr),
                "JP": _posterior(compared.jp),
                "gap": None
                if compared.gap is None or compared.gap_interval is None
                else {
                    "value": round(compared.gap, 4),
                    "low": round(compared.gap_interval.low, 4),
                    "high": round(compared.gap_interval.high, 4),
                },
                "supported_on_both_sides": compared.supported_on_both_sides,
            }
        )
    return {
        "proposal": proposal.slug,
        "criteria": criteria,
        "posteriors": posteriors,
        "metric_version": consensus.METRIC_VERSION,
        "min_raters": thresholds.min_raters,
    }


def _posterior(posterior: consensus.Posterior | None) -> dict | None:
    if posterior is None:
        return None
    return {
        "raters": posterior.raters,
        "mean": round(posterior.mean, 4),
        "low": round(posterior.interval.low, 4),
        "high": round(posterior.interval.high, 4),
    }


# --- Milestones and reports ----------------------------------------------------------------------


class MilestoneSerializer(LocalisedMixin, serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    stage = serializers.ChoiceField(choices=Stage.choices)
    jurisdiction = serializers.ChoiceField(choices=Jurisdiction.choices)
    institution = serializers.CharField(allow_blank=True)
    text = serializers.SerializerMethodField()
    evidence_url = serializers.CharField(allow_blank=True)
    evidence_reference = serializers.CharField(allow_blank=True)
    evidence_quote = serializers.CharField(allow_blank=True)

    @extend_schema_field(LocalisedMilestoneText)
    def get_text(self, milestone) -> dict:
        return milestone_text(milestone, self.languages)


def milestone_text(milestone, languages) -> dict:
    return {
        code: {
            "title": getattr(milestone, f"title_{code}") or "",
            "description": getattr(milestone, f"description_{code}") or "",
        }
        for code in languages
    }


REPORT_STATUS_CHOICES = [
    (MilestoneStatus.PENDING.value, MilestoneStatus.PENDING.label),
    (MilestoneStatus.PUBLISHED.value, MilestoneStatus.PUBLISHED.label),
    (MilestoneStatus.DECLINED.value, MilestoneStatus.DECLINED.label),
]


class ReportMilestoneSerializer(serializers.Serializer):
    date = serializers.DateField()
    stage = serializers.ChoiceField(choices=Stage.choices)
    jurisdiction = serializers.ChoiceField(choices=Jurisdiction.choices)
    text = serializers.SerializerMethodField()
    evidence_url = serializers.CharField(allow_blank=True)

    @extend_schema_field(LocalisedMilestoneText)
    def get_text(self, milestone) -> dict:
        return milestone_text(milestone, LANGUAGE_CODES)


class ReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    proposal = serializers.SlugField(source="milestone.proposal.slug")
    status = serializers.ChoiceField(choices=REPORT_STATUS_CHOICES)
    submitted_at = serializers.DateTimeField(source="created_at")
    language = serializers.CharField(
        allow_blank=True, help_text="The language written in; empty if all three."
    )
    milestone = ReportMilestoneSerializer()


class RejectUnknownFields:
    """Fields the serializer does not know are refused by name (400) instead of being dropped: a
    misspelt ``evidence_ulr`` would otherwise be lost without a word. Nested maps check their own."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(str(name) for name in set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("This field is not part of the API.")] for name in unknown}
                )
        return super().to_internal_value(data)


class ReportTextSerializer(RejectUnknownFields, serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


ReportTranslations = _language_map(
    "ReportTranslations",
    ReportTextSerializer,
    "The title and description in English, Korean and Japanese (all three).",
)


class ReportCreateSerializer(RejectUnknownFields, serializers.Serializer):
    """Either ``language`` with ``title`` (and ``description``) in that language, or
    ``translations`` with all three languages. Unknown fields are refused."""

    proposal = serializers.SlugField(max_length=80)
    stage = serializers.ChoiceField(choices=Stage.choices)
    jurisdiction = serializers.ChoiceField(choices=Jurisdiction.choices)
    date = serializers.DateField()
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False)
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    translations = ReportTranslations(required=False)
    evidence_url = serializers.URLField(max_length=200, required=False, allow_blank=True)
    client_token = serializers.UUIDField(
        required=False, help_text="Send the same token again to get the first report back, not a duplicate."
    )

    def validate(self, attrs):
        single = "language" in attrs or "title" in attrs or "description" in attrs
        if single and "translations" in attrs:
            raise serializers.ValidationError(
                {"translations": [_("Send either language with title, or translations, not both.")]}
            )
        if "translations" in attrs:
            missing = [code for code in LANGUAGE_CODES if code not in attrs["translations"]]
            if missing:
                raise serializers.ValidationError(
                    {f"translations.{code}": [_("This language is required.")] for code in missing}
                )
        else:
            errors = {}
            if "language" not in attrs:
                errors["language"] = [
                    _("Name the language of the title (en, ko or ja), or send translations.")
                ]
            if not (attrs.get("title") or "").strip():
                errors["title"] = [_("Enter a title.")]
            if errors:
                raise serializers.ValidationError(errors)
        return attrs


# --- Exports ---------------------------------------------------------------------------------------


class ExportSerializer(serializers.Serializer):
    """The whole public deliberation of a proposal, every text in all three languages."""

    exported_at = serializers.DateTimeField()
    proposal = ProposalDetailSerializer()
    versions = VersionSerializer(many=True)
    amendments = AmendmentSerializer(many=True)
    comments = CommentSerializer(many=True)
    ratings = RatingsSerializer()
    milestones = MilestoneSerializer(many=True)


# --- The caller ----------------------------------------------------------------------------------


class InstitutionSerializer(serializers.Serializer):
    name = serializers.SerializerMethodField()
    country = serializers.ChoiceField(choices=Country.choices)

    @extend_schema_field(LocalisedString)
    def get_name(self, institution) -> dict:
        return localised(institution, "name", LANGUAGE_CODES)


class KeySerializer(serializers.Serializer):
    prefix = serializers.CharField()
    name = serializers.CharField()
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=Scope.choices))
    created = serializers.DateTimeField()
    expiry_date = serializers.DateTimeField(allow_null=True)


class MeSerializer(serializers.Serializer):
    institution = InstitutionSerializer()
    key = KeySerializer()
