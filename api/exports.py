"""A proposal's whole deliberation as one JSON document or one CSV file: its text in every language,
versions, amendments, public comments, rating aggregates, stages and published milestones.

Public fields only, the same as the API shows: no email addresses, account ids, individual ratings
or votes, hidden or deleted comments. Used by ``/api/v1/proposals/<slug>/export.json|.csv`` and by
the admin actions below (for the proposal admin's ``actions``).
"""

import csv
import io
import json

from django.contrib import admin
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.languages import LANGUAGE_CODES

from . import selectors, serializers

# Cells starting with these would run as formulas in a spreadsheet: they get a leading quote.
# Full-width forms too: spreadsheets read "＝1+1" as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
BOM = "\ufeff"

CSV_COLUMNS = (
    "record",
    "id",
    "proposal",
    "version",
    "parent",
    "date",
    "language",
    "field",
    "state",
    "stage",
    "jurisdiction",
    "criterion",
    "group",
    "author",
    "author_nationality",
    "title",
    "text",
    "count",
    "mean",
    "support",
    "oppose",
    "agree",
    "disagree",
    "pass",
    "agree_kr",
    "disagree_kr",
    "pass_kr",
    "agree_jp",
    "disagree_jp",
    "pass_jp",
    "low",
    "high",
    "label",
    "bridging_score",
    "metric_version",
    "url",
)


def deliberation_data(*, slug: str, request=None) -> dict:
    """Everything public about the proposal ``slug``, all languages: eleven queries whatever its size (the translations of its comments and amendments: one)."""
    proposal = selectors.proposal_detail(slug=slug)
    context = {"request": request, "languages": LANGUAGE_CODES}
    versions = list(selectors.versions(proposal=proposal))
    selectors.attach_changes(versions, proposal=proposal, languages=LANGUAGE_CODES)
    amendments = list(selectors.amendments(proposal=proposal))
    comments = list(selectors.comments(proposal=proposal).order_by("created_at", "pk"))
    selectors.attach_translations(comments=comments, amendments=amendments, languages=LANGUAGE_CODES)
    return {
        "exported_at": timezone.now().isoformat(),
        "proposal": serializers.ProposalDetailSerializer(proposal, context=context).data,
        "versions": serializers.VersionSerializer(versions, many=True, context=context).data,
        "amendments": serializers.AmendmentSerializer(amendments, many=True, context=context).data,
        "comments": serializers.CommentSerializer(comments, many=True, context=context).data,
        "ratings": serializers.ratings_data(proposal, selectors.rating_aggregates(proposal=proposal)),
        "milestones": serializers.MilestoneSerializer(
            selectors.published_milestones(proposal=proposal), many=True, context=context
        ).data,
    }


def _cell(value) -> str:
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def deliberation_rows(data: dict):
    """One CSV row (a dict of ``CSV_COLUMNS``) per text, version language, amendment, comment,
    rating aggregate, stage and milestone language."""
    proposal = data["proposal"]
    slug = proposal["slug"]
    base = {"proposal": slug}
    for code in LANGUAGE_CODES:
        text = proposal["text"][code]
        yield {
            **base,
            "record": "proposal",
            "id": slug,
            "version": proposal["version"],
            "language": code,
            "stage": proposal["stage"],
            "title": text["title"],
            "text": text["summary"],
            "url": proposal["url"],
        }
    for jurisdiction, stage in proposal["stages"].items():
        yield {**base, "record": "stage", "jurisdiction": jurisdiction, "stage": stage or ""}
    for version in data["versions"]:
        for code in LANGUAGE_CODES:
            text = version["text"][code]
            yield {
                **base,
                "record": "version",
                "id": version["number"],
                "version": version["number"],
                "parent": version["amendment"],
                "date": version["created_at"],
                "language": code,
                "title": text["title"],
                "text": text["body"],
            }
    for amendment in data["amendments"]:
        yield {
            **base,
            "record": "amendment",
            "id": amendment["id"],
            "version": amendment["base_version"],
            "date": amendment["created_at"],
            "language": amendment["language"],
            "field": amendment["field"],
            "state": amendment["state"],
            "author": amendment["author"]["name"],
            "author_nationality": amendment["author"]["nationality"],
            "title": amendment["rationale"],
            "text": amendment["new_text"],
            "support": amendment["support"]["ALL"],
            "oppose": amendment["oppose"]["ALL"],
        }
        for field, rows in amendment["translations"].items():
            yield from _translation_rows(base, f"amendment_{field}", amendment["id"], rows)
    for comment in data["comments"]:
        yield {
            **base,
            "record": "comment",
            "id": comment["id"],
            "parent": comment["parent"],
            "date": comment["created_at"],
            "language": comment["language"],
            "state": comment["stance"],
            "author": comment["author"]["name"],
            "author_nationality": comment["author"]["nationality"],
            "text": comment["body"],
            "agree": comment["agree_count"],
            "disagree": comment["disagree_count"],
            "pass": comment["pass_count"],
            **{
                f"{kind}_{group.lower()}": comment["reactions"][group][kind]
                for group in ("KR", "JP")
                for kind in ("agree", "disagree", "pass")
            },
            "label": comment["common_ground"]["label"],
            "bridging_score": comment["common_ground"]["bridging_score"],
            "metric_version": comment["common_ground"]["metric_version"],
            "url": comment["url"],
        }
        yield from _translation_rows(base, "comment", comment["id"], comment["translations"])
    for criterion in data["ratings"]["criteria"]:
        for group in criterion["groups"]:
            yield {
                **base,
                "record": "rating",
                "criterion": criterion["criterion"],
                "group": group["group"],
                "count": group["count"],
                "mean": "" if group["mean"] is None else group["mean"],
                "text": ""
                if group["distribution"] is None
                else " ".join(str(n) for n in group["distribution"]),
            }
    for posterior in data["ratings"]["posteriors"]:
        for group in ("KR", "JP"):
            side = posterior[group]
            yield {
                **base,
                "record": "rating_posterior",
                "criterion": posterior["criterion"],
                "group": group,
                "count": "" if side is None else side["raters"],
                "mean": "" if side is None else side["mean"],
                "low": "" if side is None else side["low"],
                "high": "" if side is None else side["high"],
                "state": "supported_on_both_sides" if posterior["supported_on_both_sides"] else "",
                "metric_version": data["ratings"]["metric_version"],
            }
    for milestone in data["milestones"]:
        for code in LANGUAGE_CODES:
            text = milestone["text"][code]
            yield {
                **base,
                "record": "milestone",
                "id": milestone["id"],
                "date": milestone["date"],
                "language": code,
                "stage": milestone["stage"],
                "jurisdiction": milestone["jurisdiction"],
                "author": milestone["institution"],
                "title": text["title"],
                "text": text["description"],
                "url": milestone["evidence_url"],
            }


def deliberation_csv(documents: list[dict]) -> str:
    """CSV text (UTF-8 with a byte order mark, for spreadsheets) of one or more exports."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="raise")
    writer.writeheader()
    for data in documents:
        for row in deliberation_rows(data):
            writer.writerow({column: _cell(row.get(column)) for column in CSV_COLUMNS})
    return out.getvalue()


def filename(slugs: list[str], extension: str) -> str:
    stem = slugs[0] if len(slugs) == 1 else f"{len(slugs)}-proposals"
    return f"deliberation-{stem}-{timezone.localdate():%Y%m%d}.{extension}"


# --- Admin actions (for ProposalAdmin.actions) ---------------------------------------------------


def _documents(queryset) -> list[dict]:
    slugs = list(
        queryset.filter(current_version__isnull=False)
        .order_by("position", "slug")
        .values_list("slug", flat=True)
    )
    return [deliberation_data(slug=slug) for slug in slugs]


@admin.action(description=_("Export the whole deliberation (JSON)"))
def export_deliberation_json(modeladmin, request, queryset) -> HttpResponse:
    documents = _documents(queryset)
    body = json.dumps(
        documents[0] if len(documents) == 1 else documents, ensure_ascii=False, indent=2, default=str
    )
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    name = filename([d["proposal"]["slug"] for d in documents] or ["none"], "json")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@admin.action(description=_("Export the whole deliberation (CSV)"))
def export_deliberation_csv(modeladmin, request, queryset) -> HttpResponse:
    documents = _documents(queryset)
    response = HttpResponse(deliberation_csv(documents), content_type="text/csv; charset=utf-8")
    name = filename([d["proposal"]["slug"] for d in documents] or ["none"], "csv")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _translation_rows(base: dict, what: str, item_id: int, translations: list):
    """A published translation of a comment or amendment text: record ``<what>_translation``,
    ``id`` the item's, ``state`` its origin, ``author`` the translator or the provider."""
    for row in translations:
        yield {
            **base,
            "record": f"{what}_translation",
            "id": item_id,
            "date": row["published_at"],
            "language": row["language"],
            "state": row["origin"],
            "author": row["translated_by"] or row["provider"],
            "text": row["text"],
        }
