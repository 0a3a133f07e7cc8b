"""Writes of institutionalisation progress: milestones (saved from the admin, published or declined,
imported from CSV) and the stages that follow from them.

A proposal's stage in a jurisdiction (``JurisdictionStage``) follows its latest published milestone
there, latest by date and then by id; ``Proposal.stage`` follows its latest published milestone
overall. Every service that changes milestones ends with ``stages_recompute``, which writes the
stage rows, records ``proposal.stage_changed`` in the audit log and notifies the proposal's
participants (people who rated, commented on or amended it) in the same transaction.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_moderator
from audit.log import record
from core import pagestamp
from core.errors import DeliberationError
from core.fields import max_length
from core.languages import LANGUAGE_CODES, per_language
from core.text import clean_text
from notifications.models import Kind
from notifications.services import notify
from proposals.models import Proposal, Stage

from . import csv_io, selectors, signals
from .csv_io import RowProblem
from .models import Jurisdiction, JurisdictionStage, Milestone, MilestoneStatus

TITLE_FIELDS = tuple(f"title_{code}" for code in LANGUAGE_CODES)
DESCRIPTION_FIELDS = tuple(f"description_{code}" for code in LANGUAGE_CODES)
# What an import may set on a milestone (besides its proposal).
IMPORTED_FIELDS = (
    "date",
    "stage",
    "jurisdiction",
    "institution",
    *TITLE_FIELDS,
    *DESCRIPTION_FIELDS,
    "evidence_url",
    "evidence_reference",
    "evidence_quote",
    "next_review_on",
    "status",
)
TEXT_FIELDS = (
    "institution",
    *TITLE_FIELDS,
    *DESCRIPTION_FIELDS,
    "evidence_url",
    "evidence_reference",
    "evidence_quote",
)
MAX_IMPORT_BYTES = 2 * 1024 * 1024
_url_validator = URLValidator(schemes=["http", "https"])


@dataclass(frozen=True)
class StageChange:
    """A stage that moved. ``jurisdiction`` None is the proposal's overall stage; ``to_stage`` None
    means the jurisdiction has no published milestone any more."""

    proposal_id: int
    jurisdiction: str | None
    from_stage: str | None
    to_stage: str | None


@dataclass
class PlannedRow:
    """One row of an import that changes something: the milestone it creates or updates and, for
    an update, the fields whose values change."""

    number: int
    milestone: Milestone
    created: bool
    fields: list[str]

    @property
    def field_labels(self) -> list[str]:
        return [str(getattr(Milestone._meta.get_field(name), "verbose_name", name)) for name in self.fields]


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    changes: list[StageChange] = field(default_factory=list)
    rows: list[PlannedRow] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        """What the import changes, in a few characters: a confirmation that carries the
        fingerprint of its preview applies exactly what the preview showed, or nothing."""
        plan = [(row.number, row.milestone.pk if not row.created else None, row.fields) for row in self.rows]
        return hashlib.sha256(json.dumps(plan).encode()).hexdigest()[:32]


class ImportRefused(DeliberationError):
    """A CSV file refused as a whole; ``problems`` says which rows and why."""

    def __init__(self, problems: list[RowProblem]):
        super().__init__(
            "import_refused", _("Nothing was imported: fix these rows and upload the file again.")
        )
        self.problems = sorted(problems, key=lambda p: (p.row or 0, p.column))


# --- Validation ----------------------------------------------------------------------------------


def milestone_problems(milestone: Milestone) -> list[DeliberationError]:
    """Every reason ``milestone`` may not be saved as it is (empty if it may)."""
    problems = []

    def refuse(code: str, message, field_name: str) -> None:
        problems.append(DeliberationError(code, message, field=field_name))

    for name in TITLE_FIELDS:
        if not (getattr(milestone, name) or "").strip():
            refuse("title_required", _("Enter the title in English, Korean and Japanese."), name)
    for name in ("institution", *TITLE_FIELDS, "evidence_reference"):
        limit = max_length(Milestone, name)
        if len(getattr(milestone, name) or "") > limit:
            refuse(
                "too_long",
                _("This text may have at most %(limit)d characters.") % {"limit": limit},
                name,
            )
    if milestone.date is None:
        refuse("date_required", _("Enter the date of the milestone."), "date")
    if milestone.stage not in Stage.values:
        refuse("unknown_stage", _("Choose a stage from the list."), "stage")
    if milestone.jurisdiction not in Jurisdiction.values:
        refuse("unknown_jurisdiction", _("Choose a jurisdiction from the list."), "jurisdiction")
    if milestone.status not in MilestoneStatus.values:
        refuse("unknown_status", _("Choose a status from the list."), "status")
    if milestone.evidence_url:
        try:
            _url_validator(milestone.evidence_url)
        except ValidationError:
            refuse(
                "bad_url", _("Enter a full web address starting with http:// or https://."), "evidence_url"
            )
    if milestone.status == MilestoneStatus.PUBLISHED and not (
        milestone.evidence_url or milestone.evidence_reference
    ):
        refuse(
            "evidence_required",
            _("A published milestone needs evidence: a URL or a document reference."),
            "evidence_url",
        )
    if milestone.date and milestone.next_review_on and milestone.next_review_on < milestone.date:
        refuse(
            "review_before_date",
            _("The next review date cannot be before the milestone's date."),
            "next_review_on",
        )
    return problems


def clean_milestone(milestone: Milestone) -> None:
    """Normalise text as stored: trimmed, line endings as ``\\n``, empty translations as ``""``."""
    for name in TEXT_FIELDS:
        value = getattr(milestone, name) or ""
        setattr(milestone, name, clean_text(value))


# --- Milestones ----------------------------------------------------------------------------------


def milestone_save(*, milestone: Milestone, actor: User, recompute: bool = True) -> Milestone:
    """Create or change one milestone; then, unless ``recompute`` is False (the caller recomputes
    once after a batch), bring the proposal's stages up to date.

    Records ``milestone.created`` or ``milestone.changed``, and ``milestone.published`` /
    ``milestone.declined`` when its status moved there. Raises DeliberationError if it is invalid.
    """
    with transaction.atomic():
        ensure_moderator(actor)
        clean_milestone(milestone)
        problems = milestone_problems(milestone)
        if problems:
            raise problems[0]
        previous = None
        if milestone.pk is not None:
            previous = Milestone.objects.filter(pk=milestone.pk).values_list("status", flat=True).first()
        created = previous is None
        if created and milestone.created_by_id is None:
            milestone.created_by = actor
        milestone.save()
        _record_saved(milestone, actor, created=created, previous_status=previous)
        if recompute:
            stages_recompute(proposal=milestone.proposal, actor=actor)
        return milestone


def milestone_delete(*, milestone: Milestone, actor: User, recompute: bool = True) -> None:
    """Delete one milestone (records ``milestone.deleted``) and bring the stages up to date."""
    with transaction.atomic():
        ensure_moderator(actor)
        proposal = milestone.proposal
        record(
            action="milestone.deleted",
            actor=actor,
            target=milestone,
            proposal=proposal.slug,
            status=milestone.status,
        )
        milestone.delete()
        pagestamp.touch(proposal.pk)
        if recompute:
            stages_recompute(proposal=proposal, actor=actor)


def milestones_set_status(*, milestones: Iterable[Milestone], status: str, actor: User) -> int:
    """Move ``milestones`` to ``status`` (e.g. publish or decline a batch) and recompute the stages
    of each proposal concerned once. All or nothing: one invalid milestone refuses the batch.
    Returns how many milestones changed."""
    with transaction.atomic():
        _check_status_change(actor, status)
        changed = [milestone for milestone in milestones if _set_status(milestone, status, actor)]
        _recompute_stages(changed, actor)
        return len(changed)


@dataclass
class StatusChanges:
    """What ``milestones_set_status_each`` did: the milestones changed and, for each one refused,
    why."""

    changed: list[Milestone]
    refused: list[tuple[Milestone, DeliberationError]]


def milestones_set_status_each(*, milestones: Iterable[Milestone], status: str, actor: User) -> StatusChanges:
    """Like ``milestones_set_status``, one milestone at a time: those that may move do, each one
    refused stays as it was and is returned with its reason (a moderator publishing a batch of
    progress reports gets the good ones out and a word about each of the others)."""
    result = StatusChanges(changed=[], refused=[])
    with transaction.atomic():
        _check_status_change(actor, status)
        for milestone in milestones:
            previous = milestone.status
            try:
                with transaction.atomic():
                    if _set_status(milestone, status, actor):
                        result.changed.append(milestone)
            except DeliberationError as error:
                milestone.status = previous
                result.refused.append((milestone, error))
        _recompute_stages(result.changed, actor)
    return result


def _check_status_change(actor: User, status: str) -> None:
    ensure_moderator(actor)
    if status not in MilestoneStatus.values:
        raise DeliberationError("unknown_status", _("Choose a status from the list."), field="status")


def _set_status(milestone: Milestone, status: str, actor: User) -> bool:
    """Move one milestone to ``status`` (False if it is there already); refuses an invalid one."""
    if milestone.status == status:
        return False
    previous = milestone.status
    milestone.status = status
    problems = milestone_problems(milestone)
    if problems:
        milestone.status = previous
        raise DeliberationError(
            problems[0].code,
            _("“%(milestone)s”: %(problem)s") % {"milestone": milestone, "problem": problems[0].message},
        )
    milestone.save(update_fields=["status", "updated_at"])
    _record_saved(milestone, actor, created=False, previous_status=previous)
    return True


def _recompute_stages(changed: list[Milestone], actor: User) -> None:
    for proposal_id in sorted({m.proposal_id for m in changed}):
        stages_recompute(proposal=Proposal.objects.get(pk=proposal_id), actor=actor)


def milestone_publish(*, milestone: Milestone, actor: User) -> Milestone:
    milestones_set_status(milestones=[milestone], status=MilestoneStatus.PUBLISHED, actor=actor)
    return milestone


def milestone_decline(*, milestone: Milestone, actor: User) -> Milestone:
    milestones_set_status(milestones=[milestone], status=MilestoneStatus.DECLINED, actor=actor)
    return milestone


def _record_saved(milestone: Milestone, actor, *, created: bool, previous_status: str | None) -> None:
    pagestamp.touch(milestone.proposal_id)
    common: dict[str, Any] = {
        "proposal_id": milestone.proposal_id,
        "jurisdiction": milestone.jurisdiction,
        "stage": milestone.stage,
    }
    record(
        action="milestone.created" if created else "milestone.changed",
        actor=actor,
        target=milestone,
        status=milestone.status,
        **common,
    )
    if milestone.status != previous_status and milestone.status in (
        MilestoneStatus.PUBLISHED,
        MilestoneStatus.DECLINED,
    ):
        record(action=f"milestone.{milestone.status}", actor=actor, target=milestone, **common)


# --- Stages --------------------------------------------------------------------------------------


def stages_recompute(*, proposal: Proposal, actor: User | None) -> list[StageChange]:
    """Make the proposal's stage per jurisdiction and overall follow its published milestones.

    With no published milestone in a jurisdiction its stage row goes; with none at all the overall
    stage is left as it is. Each change is recorded (``proposal.stage_changed``) and, when a
    jurisdiction reaches a new stage, the proposal's participants are notified (not ``actor``).
    Updates ``proposal.stage`` on the instance given. Returns the changes.
    """
    with transaction.atomic():
        # Lock the proposal so two recomputes of it run one after the other.
        current_overall = (
            Proposal.objects.select_for_update().filter(pk=proposal.pk).values_list("stage", flat=True).get()
        )
        pagestamp.touch(proposal.pk)
        published = list(
            Milestone.objects.filter(proposal_id=proposal.pk, status=MilestoneStatus.PUBLISHED)
            .order_by("date", "pk")
            .only("pk", "date", "stage", "jurisdiction")
        )
        latest = {milestone.jurisdiction: milestone for milestone in published}
        rows = {row.jurisdiction: row for row in JurisdictionStage.objects.filter(proposal_id=proposal.pk)}
        now = timezone.now()
        changes = []
        for jurisdiction in Jurisdiction.values:
            milestone, row = latest.get(jurisdiction), rows.get(jurisdiction)
            if milestone is None:
                if row is not None:
                    row.delete()
                    changes.append(StageChange(proposal.pk, jurisdiction, row.stage, None))
                continue
            if row is None:
                JurisdictionStage.objects.create(
                    proposal_id=proposal.pk,
                    jurisdiction=jurisdiction,
                    stage=milestone.stage,
                    milestone=milestone,
                    updated_at=now,
                )
                changes.append(StageChange(proposal.pk, jurisdiction, None, milestone.stage))
            elif row.stage != milestone.stage or row.milestone_id != milestone.pk:
                if row.stage != milestone.stage:
                    changes.append(StageChange(proposal.pk, jurisdiction, row.stage, milestone.stage))
                row.stage, row.milestone, row.updated_at = milestone.stage, milestone, now
                row.save(update_fields=["stage", "milestone", "updated_at"])
        if published and published[-1].stage != current_overall:
            Proposal.objects.filter(pk=proposal.pk).update(stage=published[-1].stage)
            changes.append(StageChange(proposal.pk, None, current_overall, published[-1].stage))
        proposal.stage = published[-1].stage if published else current_overall
        for change in changes:
            record(
                action="proposal.stage_changed",
                actor=actor,
                target=proposal,
                from_stage=change.from_stage,
                to_stage=change.to_stage,
                jurisdiction=change.jurisdiction,
            )
        _send_stage_signals(proposal, changes, cause=published[-1].jurisdiction if published else None)
        _notify_participants(proposal, [c for c in changes if c.jurisdiction and c.to_stage], actor)
        return changes


def _send_stage_signals(proposal: Proposal, changes: list[StageChange], *, cause: str | None) -> None:
    """One ``stage_changed`` signal per jurisdiction that moved. The overall stage follows the
    latest published milestone, so when it moves too that is the same event as the move of the
    jurisdiction of that milestone (``cause``): it rides along as ``overall`` instead of making a
    second event. Only an overall move with no jurisdiction moving (a milestone's date changed)
    is a signal of its own, with ``jurisdiction`` None."""
    overall = next((change for change in changes if change.jurisdiction is None), None)
    moves = [change for change in changes if change.jurisdiction is not None]
    if overall is not None and not any(change.jurisdiction == cause for change in moves):
        moves.append(overall)
    for change in moves:
        carries_overall = overall is not None and change.jurisdiction in (cause, None)
        signals.stage_changed.send(
            sender=Proposal,
            proposal=proposal,
            jurisdiction=change.jurisdiction,
            from_stage=change.from_stage,
            to_stage=change.to_stage,
            overall=(overall.from_stage, overall.to_stage) if carries_overall and overall else None,
        )


def _notify_participants(proposal: Proposal, changes: list[StageChange], actor) -> None:
    if not changes:
        return
    ids = selectors.participant_ids(proposal_id=proposal.pk)
    if actor is not None:
        ids.discard(actor.pk)
    if not ids:
        return
    recipients = list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))
    version = Proposal.objects.select_related("current_version").get(pk=proposal.pk).current_version
    titles = per_language(version, "title")
    with translation.override(settings.LANGUAGE_CODE):
        url = reverse("progress:proposal", kwargs={"slug": proposal.slug})
    for change in changes:
        data = {
            "proposal": proposal.slug,
            "proposal_id": proposal.pk,
            "proposal_title": titles,
            "stage": change.to_stage,
            "jurisdiction": change.jurisdiction,
            "stage_label": _per_language(
                lambda change=change: (
                    pgettext("stage in a jurisdiction", "%(stage)s (%(jurisdiction)s)")
                    % {
                        "stage": Stage(change.to_stage).label,
                        "jurisdiction": Jurisdiction(change.jurisdiction).label,
                    }
                )
            ),
            "jurisdiction_label": _per_language(
                lambda change=change: str(Jurisdiction(change.jurisdiction).label)
            ),
        }
        for recipient in recipients:
            notify(recipient=recipient, kind=Kind.STAGE_CHANGED, data=data, url=url)


def _per_language(text) -> dict[str, str]:
    values = {}
    for code in LANGUAGE_CODES:
        with translation.override(code):
            values[code] = str(text())
    return values


# --- CSV import ----------------------------------------------------------------------------------


def milestones_import(
    *, actor: User, data: bytes, dry_run: bool = False, expected: str | None = None
) -> ImportResult:
    """Create and update milestones from a CSV file (the columns of ``csv_io.COLUMNS``).

    Every row is checked first; if any is wrong, ImportRefused lists each problem with its row and
    nothing is written. Otherwise all rows are written in one transaction (rows identical to the
    stored milestone are left alone), then the stages of the proposals that changed are recomputed.
    ``dry_run`` checks and counts, then rolls everything back (the preview). ``expected`` is the
    fingerprint of that preview: when the file would now change something else (the milestones
    changed in between), nothing is written and ``DeliberationError("preview_outdated")`` says so.
    """
    with transaction.atomic():
        ensure_moderator(actor)
        if len(data) > MAX_IMPORT_BYTES:
            raise DeliberationError(
                "file_too_large", _("The file is too large (at most 2 MB)."), field="file"
            )
        rows, problems = csv_io.parse_milestones_csv(data)
        plan = _plan_import(rows, problems, actor)
        if problems:
            raise ImportRefused(problems)
        result = ImportResult(dry_run=dry_run)
        result.rows = [
            PlannedRow(number=number, milestone=milestone, created=previous_status is None, fields=fields)
            for milestone, previous_status, fields, number in plan
            if fields
        ]
        if expected is not None and expected != result.fingerprint:
            raise DeliberationError(
                "preview_outdated",
                _("The milestones changed since the preview: nothing was imported. Check the new preview."),
                status=409,
            )
        touched: set[int] = set()
        for milestone, previous_status, fields, _number in plan:
            if not fields:
                result.unchanged += 1
                continue
            milestone.save()
            _record_saved(milestone, actor, created=previous_status is None, previous_status=previous_status)
            if previous_status is None:
                result.created += 1
            else:
                result.updated += 1
            touched.add(milestone.proposal_id)
        record(
            action="milestones.imported",
            actor=actor,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
        )
        for proposal in Proposal.objects.filter(pk__in=touched).order_by("pk"):
            result.changes += stages_recompute(proposal=proposal, actor=actor)
        if dry_run:
            transaction.set_rollback(True)
        return result


def _plan_import(
    rows, problems: list[RowProblem], actor
) -> list[tuple[Milestone, str | None, list[str], int]]:
    """Match rows to proposals and milestones (two queries) and check each resulting milestone.
    Each planned row: the milestone, its status before (None: a new one), the fields that change
    (every imported field for a new one; none: the row matches what is stored), the row number."""
    slugs = {row.values["proposal"] for row in rows if "proposal" in row.values}
    proposals = {p.slug: p for p in Proposal.objects.filter(slug__in=slugs)}
    ids = [row.values["id"] for row in rows if row.values.get("id")]
    existing = Milestone.objects.select_for_update().in_bulk(ids)
    seen: dict[int, int] = {}
    plan = []
    for row in rows:
        number, values = row.number, row.values
        ok = row.ok
        proposal = proposals.get(values.get("proposal"))
        if "proposal" in values and proposal is None:
            problems.append(
                RowProblem(
                    number,
                    "proposal",
                    _("No proposal has the slug “%(slug)s”.") % {"slug": values["proposal"]},
                )
            )
            ok = False
        milestone_id = values.get("id")
        milestone = None
        if milestone_id:
            milestone = existing.get(milestone_id)
            if milestone is None:
                problems.append(
                    RowProblem(number, "id", _("No milestone has the number %(id)d.") % {"id": milestone_id})
                )
                ok = False
            elif milestone_id in seen:
                problems.append(
                    RowProblem(
                        number,
                        "id",
                        _("Milestone %(id)d is already in row %(row)d.")
                        % {"id": milestone_id, "row": seen[milestone_id]},
                    )
                )
                ok = False
            elif proposal is not None and milestone.proposal_id != proposal.pk:
                problems.append(
                    RowProblem(
                        number,
                        "proposal",
                        _("Milestone %(id)d belongs to another proposal; a milestone cannot be moved.")
                        % {"id": milestone_id},
                    )
                )
                ok = False
            seen.setdefault(milestone_id, number)
        if not ok:
            continue
        if milestone is None:
            milestone = Milestone(proposal=proposal, created_by=actor)
            previous_status = None
        else:
            previous_status = milestone.status
        before = {name: _comparable(getattr(milestone, name)) for name in IMPORTED_FIELDS}
        for name in IMPORTED_FIELDS:
            setattr(milestone, name, values[name])
        clean_milestone(milestone)
        for problem in milestone_problems(milestone):
            problems.append(RowProblem(number, problem.field or "", problem.message))
        changed = [
            name
            for name in IMPORTED_FIELDS
            if previous_status is None or before[name] != _comparable(getattr(milestone, name))
        ]
        plan.append((milestone, previous_status, changed, number))
    return plan


def _comparable(value):
    # Translation columns may hold NULL where the CSV has an empty cell.
    return "" if value is None else value


def import_summary(result: ImportResult) -> str:
    """A sentence for the moderator in the active language."""
    text = gettext("Created: %(created)d, updated: %(updated)d, unchanged: %(unchanged)d.") % {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
    }
    if result.dry_run:
        text = gettext("Checked, nothing saved. %(summary)s") % {"summary": text}
    return text
