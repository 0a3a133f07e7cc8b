"""The partner institutions' API (``/api/v1/``). Thin views: parse, call a selector or service,
serialize. Authentication, scopes, throttling, pagination and errors are set up in settings
(``REST_FRAMEWORK``) and the modules beside this one."""

import hashlib
import json

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags, quote_etag
from django.utils.translation import gettext_lazy as _
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response

from amendments.models import Amendment
from comments.models import Comment
from core import consensus
from core.languages import LANGUAGE_CODES
from institutions import services as institution_services
from institutions import webhooks
from institutions.models import ProgressReport
from institutions.services import ReportText
from progress.models import Milestone
from proposals import selectors as proposal_selectors
from proposals.models import Proposal, ProposalVersion
from proposals.search import MAX_QUERY_LENGTH, normalise_query

from . import deprecation, exports, idempotency, selectors
from . import serializers as s
from .conditional import ConditionalList, updated_since, updated_since_parameter
from .filters import ProposalFilter
from .pagination import CommentCursorPagination
from .permissions import AnyScope, CanReport
from .responsecache import CachedList
from .throttling import AddressRateThrottle

LANG_PARAMETER = OpenApiParameter(
    "lang",
    OpenApiTypes.STR,
    enum=[*LANGUAGE_CODES, "all"],
    description="Language of the texts: en, ko, ja, or all for the three. Default: from Accept-Language.",
)


def requested_languages(request) -> tuple[str, ...]:
    """``?lang=`` (one code or ``all``), else the language LocaleMiddleware chose from
    ``Accept-Language``; English if that is none of ours."""
    value = request.query_params.get("lang")
    if value == "all":
        return LANGUAGE_CODES
    if value in LANGUAGE_CODES:
        return (value,)
    if value is not None:
        # Empty too: the schema allows only these four values.
        raise serializers.ValidationError({"lang": [_("Use en, ko, ja or all.")]})
    code = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return (code,) if code in LANGUAGE_CODES else ("en",)


class LocalisedMixin:
    def get_serializer_context(self):
        return {**super().get_serializer_context(), "languages": requested_languages(self.request)}


# --- Programmes and publications -----------------------------------------------------------------


@extend_schema_view(get=extend_schema(parameters=[LANG_PARAMETER], tags=["programmes"]))
class ProgrammeList(ConditionalList, LocalisedMixin, generics.ListAPIView):
    serializer_class = s.ProgrammeSerializer
    queryset = selectors.programmes()


@extend_schema_view(get=extend_schema(parameters=[LANG_PARAMETER], tags=["programmes"]))
class ProgrammeDetail(LocalisedMixin, generics.RetrieveAPIView):
    serializer_class = s.ProgrammeSerializer
    queryset = selectors.programmes()
    lookup_field = "slug"


@extend_schema_view(get=extend_schema(parameters=[LANG_PARAMETER], tags=["publications"]))
class PublicationList(ConditionalList, LocalisedMixin, generics.ListAPIView):
    serializer_class = s.PublicationSerializer
    queryset = selectors.publications()


@extend_schema_view(get=extend_schema(parameters=[LANG_PARAMETER], tags=["publications"]))
class PublicationDetail(LocalisedMixin, generics.RetrieveAPIView):
    serializer_class = s.PublicationSerializer
    queryset = selectors.publications()
    lookup_field = "key"


# --- Proposals -----------------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        parameters=[
            LANG_PARAMETER,
            updated_since_parameter("created, a new version, or a stage moved in any jurisdiction."),
        ],
        tags=["proposals"],
    )
)
class ProposalList(CachedList, ConditionalList, LocalisedMixin, generics.ListAPIView):
    """Proposals in reading order. Filter by policy area, stage (overall or per jurisdiction) and
    programme; ``q`` searches titles and summaries in every language."""

    serializer_class = s.ProposalSerializer
    filterset_class = ProposalFilter
    # Pages kept in the shared cache under the proposals' list stamp (api.responsecache).
    cache_name = "proposals"

    def cache_stamp(self, request, **kwargs) -> object:
        # One query on a hit; a miss then counts and reads the page as before (4 queries in all).
        return proposal_selectors.list_stamp()

    def get_queryset(self):
        since = updated_since(self.request)
        found = selectors.proposals()
        return found if since is None else selectors.changed_proposals(found, since=since)


def etag_for(data) -> str:
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode())
    return quote_etag(digest.hexdigest()[:40])


def not_modified(request, etag: str) -> bool:
    wanted = parse_etags(request.headers.get("If-None-Match", ""))
    return "*" in wanted or etag in wanted or etag in [tag.removeprefix("W/") for tag in wanted]


@extend_schema_view(
    get=extend_schema(
        parameters=[
            LANG_PARAMETER,
            OpenApiParameter("If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False),
        ],
        responses={
            200: s.ProposalDetailSerializer,
            304: OpenApiResponse(description="Not modified since the ETag sent in If-None-Match."),
        },
        tags=["proposals"],
    )
)
class ProposalDetail(LocalisedMixin, generics.GenericAPIView):
    """A proposal with its current version. Answers 304 to ``If-None-Match`` with its ETag."""

    serializer_class = s.ProposalDetailSerializer

    def get(self, request, slug: str):
        data = self.get_serializer(selectors.proposal_detail(slug=slug)).data
        etag = etag_for(data)
        headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
        if not_modified(request, etag):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
        return Response(data, headers=headers)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ("Authorization", "Accept-Language"))
        return response


@extend_schema_view(
    get=extend_schema(
        parameters=[LANG_PARAMETER, updated_since_parameter("a new version (versions are never edited).")],
        tags=["versions"],
    )
)
class VersionList(ConditionalList, LocalisedMixin, generics.ListAPIView):
    """Every version, oldest first, with the fields and languages that changed from the one before."""

    queryset = ProposalVersion.objects.none()  # for the schema; the lists come from selectors
    serializer_class = s.VersionSerializer

    def list(self, request, slug: str):
        proposal = selectors.proposal(slug=slug)
        since = updated_since(request)
        page = self.paginate_queryset(selectors.versions(proposal=proposal, since=since)) or []
        languages = requested_languages(request)
        selectors.attach_changes(page, proposal=proposal, languages=languages)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema_view(get=extend_schema(parameters=[LANG_PARAMETER], tags=["versions"]))
class VersionDetail(LocalisedMixin, generics.GenericAPIView):
    """One version and a character diff from the previous one, per field and language changed."""

    serializer_class = s.VersionDetailSerializer

    def get(self, request, slug: str, number: int):
        proposal = selectors.proposal(slug=slug)
        version = selectors.version_with_diff(
            proposal=proposal, number=number, languages=requested_languages(request)
        )
        return Response(self.get_serializer(version).data)


COMMENT_SEARCH_PARAMETER = OpenApiParameter(
    "q",
    OpenApiTypes.STR,
    description=(
        "Only comments containing this text (a substring, any language, case-insensitive) in their "
        "body or in one of its published translations. At most 100 characters."
    ),
)


@extend_schema_view(
    get=extend_schema(
        parameters=[
            LANG_PARAMETER,
            COMMENT_SEARCH_PARAMETER,
            updated_since_parameter("written or edited (reactions alone do not count)."),
        ],
        tags=["comments"],
    )
)
class CommentList(CachedList, ConditionalList, generics.ListAPIView):
    """Public comments (not hidden, not deleted) in the order written, 50 a page (at most 100) by
    cursor. Authors appear by display name and nationality group only."""

    queryset = Comment.objects.none()  # for the schema; the lists come from selectors
    serializer_class = s.CommentSerializer
    pagination_class = CommentCursorPagination
    # Pages kept in the shared cache under the proposal's activity stamp (api.responsecache),
    # which every write changing a comment, its reactions or translations moves (core.pagestamp).
    cache_name = "comments"
    proposal_pk: int | None = None

    def cache_stamp(self, request, **kwargs) -> object:
        # Its mirror in Redis when there is one: no query (core.stampmirror). 404 as selectors.proposal.
        self.proposal_pk, stamp = proposal_selectors.page_stamp(slug=kwargs["slug"])
        return self.proposal_pk, stamp

    def cache_extra(self) -> tuple:
        return (consensus.current_thresholds(),)

    def get_serializer_context(self):
        # Read once for the page, not once per comment (comments.ground.score_of).
        return {**super().get_serializer_context(), "thresholds": consensus.current_thresholds()}

    def list(self, request, slug: str):
        # With the page cache on, the stamp's read found the published proposal: its id is all the
        # page needs of it.
        proposal = (
            Proposal(pk=self.proposal_pk, slug=slug) if self.proposal_pk else selectors.proposal(slug=slug)
        )
        q = normalise_query(request.query_params.get("q"))
        if len(q) > MAX_QUERY_LENGTH:
            raise serializers.ValidationError(
                {"q": [_("Search for at most %(limit)d characters.") % {"limit": MAX_QUERY_LENGTH}]}
            )
        since = updated_since(request)
        page = self.paginate_queryset(selectors.comments(proposal=proposal, q=q, since=since)) or []
        selectors.attach_translations(comments=page, languages=requested_languages(request))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema_view(
    get=extend_schema(
        parameters=[
            LANG_PARAMETER,
            updated_since_parameter(
                "proposed, withdrawn, accepted, rejected, rebased or outdated (votes alone do not count)."
            ),
        ],
        tags=["amendments"],
    )
)
class AmendmentList(ConditionalList, generics.ListAPIView):
    """Amendments (except hidden ones), newest first, with state and support counts."""

    queryset = Amendment.objects.none()  # for the schema; the lists come from selectors
    serializer_class = s.AmendmentSerializer

    def list(self, request, slug: str):
        proposal = selectors.proposal(slug=slug)
        since = updated_since(request)
        page = self.paginate_queryset(selectors.amendments(proposal=proposal, since=since)) or []
        selectors.attach_translations(amendments=page, languages=requested_languages(request))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema_view(get=extend_schema(parameters=[LANG_PARAMETER], tags=["amendments"]))
class AmendmentDetail(generics.GenericAPIView):
    """One amendment with a character diff of its proposed text."""

    serializer_class = s.AmendmentDetailSerializer

    def get(self, request, slug: str, pk: int):
        proposal = selectors.proposal(slug=slug)
        amendment = selectors.amendment(proposal=proposal, pk=pk)
        selectors.attach_translations(amendments=[amendment], languages=requested_languages(request))
        return Response(self.get_serializer(amendment).data)


@extend_schema_view(get=extend_schema(tags=["ratings"]))
class Ratings(generics.GenericAPIView):
    """Rating aggregates per criterion, for all participants and per nationality group. Individual
    ratings are never shown."""

    serializer_class = s.RatingsSerializer
    pagination_class = None

    def get(self, request, slug: str):
        proposal = selectors.proposal(slug=slug)
        return Response(s.ratings_data(proposal, selectors.rating_aggregates(proposal=proposal)))


@extend_schema_view(
    get=extend_schema(
        parameters=[LANG_PARAMETER, updated_since_parameter("published, or edited since.")],
        tags=["progress"],
    )
)
class MilestoneList(ConditionalList, LocalisedMixin, generics.ListAPIView):
    """Published milestones, oldest first. The current stage per jurisdiction is in the proposal."""

    queryset = Milestone.objects.none()  # for the schema; the lists come from selectors
    serializer_class = s.MilestoneSerializer

    def list(self, request, slug: str):
        proposal = selectors.proposal(slug=slug)
        since = updated_since(request)
        page = self.paginate_queryset(selectors.published_milestones(proposal=proposal, since=since))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


# --- Exports -------------------------------------------------------------------------------------


def _attachment(response, slug: str, extension: str):
    response["Content-Disposition"] = f'attachment; filename="{exports.filename([slug], extension)}"'
    return response


@extend_schema_view(
    get=extend_schema(
        responses={200: s.ExportSerializer}, tags=["exports"], operation_id="proposals_export_json"
    )
)
class ExportJSON(generics.GenericAPIView):
    """The whole public deliberation of a proposal in one JSON document, in all three languages."""

    serializer_class = s.ExportSerializer
    pagination_class = None

    def get(self, request, slug: str):
        return _attachment(Response(exports.deliberation_data(slug=slug, request=request)), slug, "json")


@extend_schema_view(
    get=extend_schema(
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="One row per record.")},
        tags=["exports"],
        operation_id="proposals_export_csv",
    )
)
class ExportCSV(generics.GenericAPIView):
    """The same as export.json, as one CSV file (UTF-8 with BOM): one row per record, ``record``
    saying which kind (proposal, stage, version, amendment, comment, rating, milestone)."""

    pagination_class = None
    serializer_class = None

    def get(self, request, slug: str):
        data = exports.deliberation_data(slug=slug, request=request)
        response = HttpResponse(exports.deliberation_csv([data]), content_type="text/csv; charset=utf-8")
        return _attachment(response, slug, "csv")


# --- Progress reports (scope: report) ------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        parameters=[updated_since_parameter("submitted, published, declined, or edited by a moderator.")],
        tags=["reports"],
    ),
    post=extend_schema(
        request=s.ReportCreateSerializer,
        responses={201: s.ReportSerializer, 200: s.ReportSerializer},
        tags=["reports"],
    ),
)
class ReportList(ConditionalList, idempotency.IdempotentCreate, generics.ListCreateAPIView):
    """Your institution's progress reports, newest first (GET), or a new one (POST). A report
    becomes a pending milestone that moderators publish or decline; its status says which.

    Write the title (and description) in one language with ``language``, or all three in
    ``translations``. To retry safely, send an ``Idempotency-Key`` header or a ``client_token``:
    the same request again answers the first response (marked ``Idempotent-Replayed: true``), a
    different request with the same key 409 ``idempotency_key_reused``. After 24 hours a
    ``client_token`` still never makes a second report: the first comes back (200)."""

    queryset = ProgressReport.objects.none()  # for the schema; the lists come from selectors
    serializer_class = s.ReportSerializer
    permission_classes = [CanReport]

    def list(self, request):
        since = updated_since(request)
        page = self.paginate_queryset(selectors.reports(institution=request.auth.institution, since=since))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request):
        incoming = s.ReportCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        report, created = institution_services.report_submit(
            api_key=request.auth,
            proposal=selectors.proposal(slug=data["proposal"]),
            stage=data["stage"],
            jurisdiction=data["jurisdiction"],
            date=data["date"],
            texts=_report_texts(data),
            language=data.get("language", ""),
            evidence_url=data.get("evidence_url", ""),
            client_token=data.get("client_token"),
        )
        if created:
            return Response(self.get_serializer(report).data, status=status.HTTP_201_CREATED)
        return Response(
            self.get_serializer(report).data,
            status=status.HTTP_200_OK,
            headers={idempotency.REPLAYED_HEADER: "true"},
        )


def _report_texts(data) -> dict[str, ReportText]:
    if "translations" in data:
        return {
            code: ReportText(title=text["title"], description=text.get("description", ""))
            for code, text in data["translations"].items()
        }
    return {data["language"]: ReportText(title=data["title"], description=data.get("description", ""))}


@extend_schema_view(get=extend_schema(tags=["reports"]))
class ReportDetail(generics.GenericAPIView):
    serializer_class = s.ReportSerializer
    permission_classes = [CanReport]

    def get(self, request, pk: int):
        return Response(
            self.get_serializer(selectors.report(institution=request.auth.institution, pk=pk)).data
        )


@extend_schema_view(get=extend_schema(tags=["keys"]))
class Me(generics.GenericAPIView):
    """The institution and key making the request (any valid key)."""

    serializer_class = s.MeSerializer
    permission_classes = [AnyScope]

    def get(self, request):
        return Response(
            self.get_serializer({"institution": request.auth.institution, "key": request.auth}).data
        )


# --- Schema and docs (no key needed) -------------------------------------------------------------


@extend_schema(exclude=True)
class SchemaView(SpectacularAPIView):
    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [AddressRateThrottle]
    renderer_classes = [OpenApiJsonRenderer]


def docs(request):
    """Swagger UI from the vendored files; its settings are in static JS (the CSP allows no inline
    script)."""
    return render(request, "api/docs.html", {"title": settings.SPECTACULAR_SETTINGS["TITLE"]})


def _webhook_facts(request) -> dict:
    """What the webhook pages state, read from the code that does it."""

    def wait(delta) -> str:
        minutes = int(delta.total_seconds() // 60)
        return f"{minutes // 60} h" if minutes >= 60 else f"{minutes} min"

    return {
        "title": settings.SPECTACULAR_SETTINGS["TITLE"],
        "tolerance_minutes": int(webhooks.TOLERANCE.total_seconds() // 60),
        "timeout": settings.WEBHOOK_TIMEOUT_SECONDS,
        "overlap_hours": int(institution_services.ROTATION_OVERLAP.total_seconds() // 3600),
        "backoff": [wait(delta) for delta in webhooks.BACKOFF],
        "attempts": webhooks.MAX_ATTEMPTS,
        "max_endpoints": institution_services.MAX_ENDPOINTS_PER_INSTITUTION,
        "base_url": request.build_absolute_uri("/").rstrip("/"),
    }


def webhooks_docs(request):
    """The webhooks reference for partners: events with example bodies, headers, verification,
    tolerance, retries, rotation (the schema's description links here)."""
    # Not at the top: its examples reverse URLs, which cannot happen while the URLconf imports us.
    from . import webhook_schema

    events = [
        {
            "type": event,
            "description": description,
            "fields": webhook_schema.data_fields(event),
            "example": json.dumps(webhooks.example_body(event), ensure_ascii=False, indent=2, sort_keys=True),
        }
        for event, description in webhooks.EVENT_DESCRIPTIONS.items()
    ]
    return render(request, "api/webhooks.html", {**_webhook_facts(request), "events": events})


def changes(request):
    """The versioning and deprecation policy and the changelog (linked from the schema and the
    README)."""
    return render(
        request,
        "api/changes.html",
        {
            "title": settings.SPECTACULAR_SETTINGS["TITLE"],
            "version": settings.SPECTACULAR_SETTINGS["VERSION"],
            "notice_months": deprecation.NOTICE_MONTHS,
            "version_overlap_months": deprecation.VERSION_OVERLAP_MONTHS,
            "idempotency_hours": int(idempotency.RETENTION.total_seconds() // 3600),
            "changes_path": request.path,
        },
    )


def quickstart(request, lang: str):
    """The partners' quickstart in Korean or Japanese."""
    if lang not in ("ko", "ja"):
        raise Http404
    return render(request, f"api/quickstart_{lang}.html", _webhook_facts(request))
