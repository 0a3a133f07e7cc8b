"""Generate a realistic volume of participation on top of the seeded proposals, for the benchmark.

Everything is written in one transaction with bulk inserts (``bench.bulk``), so a run either adds
the whole volume or nothing. An audit entry ``bench.seeded`` (written last, in the same
transaction) marks the database as seeded: a second run finds it and does nothing. The entry's
data holds the volume, the counts written and the ids the benchmark needs (bench users, the
amendment whose page is measured).

Consistency kept as the services would keep it, without going through them (they write one row
at a time): comment ``root``/``depth``/``reply_count``; rating aggregates computed exactly from the
rating rows in one grouped query; amendment vote counters from the vote rows; accepted amendments
each make a new proposal version (the current one is the last); a proposal's stage per
jurisdiction follows its latest published milestone. Comment reactions are counters only (no
reaction rows): per-nationality agree/disagree/pass drawn per comment, their totals, and the
common-ground label and score computed from them as the reaction service would.
"""

import datetime as dt
import random
import re
from dataclasses import asdict, dataclass, fields

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group as AuthGroup
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from accounts.models import Membership, Nationality, NotificationFrequency, Programme, User
from accounts.permissions import MODERATOR_GROUP
from amendments import counters as amendment_counters
from amendments.models import Amendment, AmendmentState, AmendmentVote, Vote
from audit.log import record
from audit.models import AuditEntry
from comments import counters as comment_counters
from comments.models import MAX_DEPTH, Comment
from comments.translatable import KIND as COMMENT_KIND
from core import consensus
from proposals.models import Proposal, ProposalVersion, Stage
from ratings.models import Criterion, Rating, RatingAggregate
from ratings.models import Group as RatingGroup
from translations.models import Origin, Status, Translation
from translations.registry import text_hash

from . import bulk, texts

MARKER_ACTION = "bench.seeded"
PROGRAMME_SLUG = "korea-japan-future-dialogue-youth"
HOT_PROPOSAL = "youth-innovation-fund"
DOMAIN = "bench.example.org"
# Public on purpose: bench accounts exist only in bench databases (the command refuses production).
PASSWORD = "bench-password-2026"  # noqa: S105
READER_EMAIL = f"bench-reader@{DOMAIN}"
PROBE_EMAIL = f"bench-probe@{DOMAIN}"
MODERATOR_EMAIL = f"bench-moderator@{DOMAIN}"
WRITERS = 8
WRITER_EMAILS = [f"bench-writer-{n}@{DOMAIN}" for n in range(1, WRITERS + 1)]
LANGUAGES = ("ko", "ja", "en")
FIELDS = ("title", "summary", "body")
TRANSLATED = [f"{field}_{lang}" for field in FIELDS for lang in LANGUAGES]
# Comments on the measured amendment's page, and its votes.
BENCH_AMENDMENT_COMMENTS = 200
BENCH_AMENDMENT_VOTES = 40
# Replies go to one of this many most recent comments that can still be replied to.
REPLY_WINDOW = 40
# Share of all comments that discuss amendments rather than proposals.
AMENDMENT_COMMENT_SHARE = 0.05
AGGREGATE_FIELDS = ("count", "total", "n1", "n2", "n3", "n4", "n5")
STAGE_PATH = [
    Stage.PROPOSED,
    Stage.DELIBERATING,
    Stage.RECOMMENDED,
    Stage.SUBMITTED,
    Stage.UNDER_REVIEW,
    Stage.PILOTED,
    Stage.INSTITUTIONALISED,
]


class SeedError(Exception):
    pass


@dataclass(frozen=True)
class Volume:
    participants: int = 20_000
    comments: int = 200_000
    ratings: int = 300_000
    amendments: int = 5_000
    reports: int = 2_000
    milestones: int = 500
    # The proposal page measured reads this discussion; it keeps its size at every scale so that
    # page 50 exists (20 threads a page) and page 1 reads the same thread.
    thread_comments: int = 5_000

    @classmethod
    def scaled(cls, scale: float = 1.0, **overrides) -> "Volume":
        values = {}
        for field in fields(cls):
            value = overrides.get(field.name)
            if value is None:
                value = field.default if field.name == "thread_comments" else round(field.default * scale)
            values[field.name] = max(int(value), 0)
        values["thread_comments"] = min(values["thread_comments"], values["comments"])
        return cls(**values)


def marker() -> AuditEntry | None:
    """The ``bench.seeded`` entry of the last seeding, or None if this database was never seeded."""
    return AuditEntry.objects.filter(action=MARKER_ACTION).order_by("-pk").first()


def seed(volume: Volume, *, random_seed: int = 2026, log=lambda message: None) -> dict | None:
    """Write ``volume`` on top of the seeded programme; None if the database is already seeded.

    Needs ``manage.py load_seed`` first (the programme and its proposals). Returns the summary
    stored in the marker entry.
    """
    with transaction.atomic():
        if marker() is not None:
            return None
        programme = Programme.objects.filter(slug=PROGRAMME_SLUG).first()
        proposals = list(
            Proposal.objects.filter(programme=programme, current_version__isnull=False)
            .select_related("current_version")
            .order_by("position", "slug")
        )
        hot = next((p for p in proposals if p.slug == HOT_PROPOSAL), None)
        if programme is None or hot is None:
            raise SeedError("The seeded proposals are missing: run `manage.py load_seed` first.")
        generator = _Generator(volume, programme, proposals, hot, random.Random(random_seed), log)  # noqa: S311 - reproducible data
        summary = generator.run()
        # Written in bulk, past the services that keep the dashboard's counters: count them once.
        ids = list(Proposal.objects.values_list("pk", flat=True))
        comment_counters.recount(*ids)
        amendment_counters.recount(*ids)
        record(action=MARKER_ACTION, **summary)
    return summary


class _Generator:
    def __init__(self, volume: Volume, programme, proposals, hot, rng: random.Random, log):
        self.volume = volume
        self.programme = programme
        self.proposals = proposals
        self.hot = hot
        self.rng = rng
        self.log = log
        self.now = timezone.now().replace(microsecond=0)
        start = dt.datetime.combine(programme.starts_on, dt.time(9), tzinfo=dt.UTC)
        self.start = min(start, self.now - dt.timedelta(days=30))
        self.counts: dict[str, int] = {}
        self.hot_thread: list[dict] = []
        self._seen = 0
        # Popularity of each proposal: uneven, the hot one the most visited.
        weights = [1 / (index + 1) ** 0.8 for index in range(len(proposals))]
        rng.shuffle(weights)
        self.popularity = {p.pk: w for p, w in zip(proposals, weights, strict=True)}
        self.popularity[hot.pk] = max(weights) * 1.5

    def run(self) -> dict:
        self.users()
        self.amendments()
        self.comments()
        self.translations()
        self.ratings()
        self.reports()
        self.milestones()
        if bulk.is_postgresql():
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        return {
            "volume": asdict(self.volume),
            "counts": self.counts,
            "hot_proposal": self.hot.slug,
            "bench_amendment": self.bench_amendment_id,
            "reader": READER_EMAIL,
            "writers": WRITER_EMAILS,
            "probe": PROBE_EMAIL,
        }

    # --- helpers ------------------------------------------------------------------------------

    def moment(self, after: dt.datetime | None = None) -> dt.datetime:
        low = after or self.start
        span = max((self.now - low).total_seconds(), 1)
        return low + dt.timedelta(seconds=self.rng.random() * span)

    def author(self) -> tuple[int, str, str]:
        """An active member, heavily skewed: a few people write much of the text."""
        return self.members[int(len(self.members) * self.rng.random() ** 2.5)]

    def sentence_text(self, language: str, low: int = 1, high: int = 5) -> str:
        bank = texts.COMMENT_SENTENCES[language]
        count = self.rng.randint(low, high)
        return texts.join_sentences(language, [self.rng.choice(bank) for _ in range(count)])

    def written_in(self, preferred: str) -> str:
        return preferred if self.rng.random() < 0.8 else self.rng.choice(LANGUAGES)

    # --- participants -------------------------------------------------------------------------

    def users(self) -> None:
        n = self.volume.participants
        rng = self.rng
        password = make_password(PASSWORD)
        special = [
            (READER_EMAIL, "Bench reader", Nationality.KOREA, "ko"),
            (PROBE_EMAIL, "Bench probe", Nationality.JAPAN, "ja"),
            (MODERATOR_EMAIL, "Bench moderator", Nationality.OTHER, "en"),
        ] + [
            (email, f"Bench writer {i + 1}", Nationality.KOREA if i % 2 == 0 else Nationality.JAPAN, "en")
            for i, email in enumerate(WRITER_EMAILS)
        ]
        first = bulk.reserve_ids(User, n + len(special))
        rows, self.members = [], []
        for index in range(n):
            nationality = rng.choices([Nationality.KOREA, Nationality.JAPAN, Nationality.OTHER], [48, 47, 5])[
                0
            ]
            language = self._preferred_language(nationality)
            rows.append(
                {
                    "id": first + index,
                    "password": password,
                    "email": f"p{index:05d}@{DOMAIN}",
                    "display_name": self._name(nationality),
                    "nationality": nationality,
                    "preferred_language": language,
                    "affiliation": rng.choice(texts.AFFILIATIONS[nationality]),
                    "notification_frequency": rng.choice(NotificationFrequency.values),
                    "date_joined": self.moment(),
                    "is_active": True,
                    # Consented at sign-up to the notice in force (the rows of record are not benchmarked).
                    "policy_version": settings.PRIVACY_POLICY_VERSION,
                }
            )
        self.special = {}
        for offset, (email, name, nationality, language) in enumerate(special):
            pk = first + n + offset
            self.special[email] = pk
            rows.append(
                {
                    "id": pk,
                    "password": password,
                    "email": email,
                    "display_name": name,
                    "nationality": nationality,
                    "preferred_language": language,
                    "date_joined": self.start,
                    "is_active": True,
                    "policy_version": settings.PRIVACY_POLICY_VERSION,
                    "is_staff": email == MODERATOR_EMAIL,
                }
            )
        self.counts["users"] = bulk.write(User, rows)
        bulk.reset_sequences(User)
        self.nationality = {row["id"]: row["nationality"] for row in rows}
        bulk.write(
            EmailAddress,
            (
                {"user_id": row["id"], "email": row["email"], "verified": True, "primary": True}
                for row in rows
            ),
        )
        memberships = []
        for row in rows:
            participant = not row["email"].startswith("bench-")
            # One participant in twenty signed up but never joined the programme.
            if participant and rng.random() < 0.05:
                continue
            memberships.append(
                {
                    "programme_id": self.programme.pk,
                    "user_id": row["id"],
                    "joined_at": max(row["date_joined"], self.start),
                    "is_active": True,
                }
            )
            if participant:
                self.members.append((row["id"], row["nationality"], row["preferred_language"]))
        self.counts["memberships"] = bulk.write(Membership, memberships)
        rng.shuffle(self.members)
        self.moderator_id = self.special[MODERATOR_EMAIL]
        AuthGroup.objects.get(name=MODERATOR_GROUP).user_set.add(self.moderator_id)
        self.log(f"participants: {n} (+{len(special)} bench accounts)")

    def _preferred_language(self, nationality: str) -> str:
        home = {Nationality.KOREA: "ko", Nationality.JAPAN: "ja"}.get(nationality)
        if home is not None:
            return home if self.rng.random() < 0.85 else "en"
        return self.rng.choices(LANGUAGES, [15, 15, 70])[0]

    def _name(self, nationality: str) -> str:
        rng = self.rng
        if nationality == Nationality.KOREA:
            return rng.choice(texts.KOREAN_FAMILY) + rng.choice(texts.KOREAN_GIVEN)
        if nationality == Nationality.JAPAN:
            return rng.choice(texts.JAPANESE_FAMILY) + rng.choice(texts.JAPANESE_GIVEN)
        return rng.choice(texts.OTHER_NAMES)

    # --- amendments and versions ----------------------------------------------------------------

    def amendments(self) -> None:
        rng = self.rng
        total = self.volume.amendments
        # Uneven too, but the measured proposal gets an average share: its page lists every
        # amendment, and the thread is what its measurement is about.
        weights = dict(self.popularity)
        others = [w for pid, w in weights.items() if pid != self.hot.pk]
        weights[self.hot.pk] = sum(others) / max(len(others), 1)
        share = self._split(total, weights)
        if total:
            # The measured amendment lives on the hot proposal.
            share[self.hot.pk] = max(share[self.hot.pk], 1)
        first_amendment = bulk.reserve_ids(Amendment, sum(share.values()))
        next_version = bulk.reserve_ids(ProposalVersion, sum(share.values()))
        amendment_rows, version_rows, new_current = [], [], {}
        next_id = first_amendment
        self.bench_amendment_id = None
        for proposal in self.proposals:
            k = share[proposal.pk]
            if not k:
                continue
            current = proposal.current_version
            chain = [{"id": current.pk, "number": current.number, "created_at": current.created_at}]
            chain[0].update({name: getattr(current, name) or "" for name in TRANSLATED})
            chain[0]["stale"] = set(current.stale_translations or [])
            states = rng.choices(
                [
                    AmendmentState.OPEN,
                    AmendmentState.ACCEPTED,
                    AmendmentState.REJECTED,
                    AmendmentState.WITHDRAWN,
                    AmendmentState.OUTDATED,
                ],
                [35, 10, 25, 15, 15],
                k=k,
            )
            if proposal.pk == self.hot.pk:
                states[-1] = "bench"
            moments = sorted(self.moment() for _ in range(k))
            pending = []
            for when, state in zip(moments, states, strict=True):
                author_id, _nationality, language = self.author()
                row = {
                    "id": next_id,
                    "proposal_id": proposal.pk,
                    "author_id": author_id,
                    "created_at": when,
                    "updated_at": when,
                    "client_token": None,
                }
                next_id += 1
                base = chain[-1]
                if state == AmendmentState.ACCEPTED:
                    field, lang = self._target(base, language)
                    new = self._amended(base[f"{field}_{lang}"], field, lang)
                    values = {name: base[name] for name in TRANSLATED}
                    values[f"{field}_{lang}"] = new
                    stale = set(base["stale"])
                    if f"{field}_{lang}" in stale:
                        stale.discard(f"{field}_{lang}")
                    else:
                        stale.update(f"{field}_{other}" for other in LANGUAGES if other != lang)
                    decided = when + dt.timedelta(minutes=rng.randint(10, 600))
                    version = {
                        "id": next_version,
                        "number": base["number"] + 1,
                        "created_at": decided,
                        "stale": stale,
                        **values,
                    }
                    next_version += 1
                    chain.append(version)
                    rationale = rng.choice(texts.RATIONALES[lang])
                    version_rows.append(
                        {
                            "id": version["id"],
                            "proposal_id": proposal.pk,
                            "number": version["number"],
                            "title": values["title_en"],
                            "summary": values["summary_en"],
                            "body": values["body_en"],
                            **values,
                            "change_note": rationale[:300],
                            "stale_translations": sorted(stale),
                            "created_at": decided,
                            "created_by_id": self.moderator_id,
                        }
                    )
                    row.update(
                        base_version_id=base["id"],
                        field=field,
                        language=lang,
                        original_text=base[f"{field}_{lang}"],
                        new_text=new,
                        rationale=rationale,
                        state=state,
                        decided_at=decided,
                        decided_by_id=self.moderator_id,
                        updated_at=decided,
                        result_version_id=version["id"],
                    )
                    amendment_rows.append(row)
                else:
                    # Open ones are written against the final current version (the services
                    # rebase them on every accept); the others against the version current then.
                    pending.append((row, state, base, language))
            final = chain[-1]
            for row, state, base, language in pending:
                if state == AmendmentState.OUTDATED and base["id"] == final["id"]:
                    state = AmendmentState.REJECTED
                if state in (AmendmentState.OPEN, "bench"):
                    base = final
                if state == "bench":
                    field, lang = "body", "ja"
                    self.bench_amendment_id = row["id"]
                else:
                    field, lang = self._target(base, language)
                original = base[f"{field}_{lang}"]
                row.update(
                    base_version_id=base["id"],
                    field=field,
                    language=lang,
                    original_text=original,
                    new_text=self._amended(original, field, lang),
                    rationale=rng.choice(texts.RATIONALES[lang]),
                    state=AmendmentState.OPEN if state == "bench" else state,
                )
                if state in (AmendmentState.REJECTED, AmendmentState.WITHDRAWN, AmendmentState.OUTDATED):
                    decided = row["created_at"] + dt.timedelta(hours=rng.randint(1, 240))
                    row["updated_at"] = min(decided, self.now)
                    if state == AmendmentState.REJECTED:
                        row.update(
                            decided_at=row["updated_at"],
                            decided_by_id=self.moderator_id,
                            decision_reason="Out of scope for this proposal.",
                        )
                amendment_rows.append(row)
            if final["id"] != current.pk:
                new_current[proposal.pk] = final["id"]
        self.amendment_ids = {}
        votes = []
        for row in amendment_rows:
            voters = BENCH_AMENDMENT_VOTES if row["id"] == self.bench_amendment_id else self._vote_count()
            row.update(support_count=0, oppose_count=0, support_kr=0, oppose_kr=0, support_jp=0, oppose_jp=0)
            for voter in {self.author()[0] for _ in range(voters)} - {row["author_id"]}:
                value = Vote.SUPPORT if rng.random() < 0.65 else Vote.OPPOSE
                nationality = self.nationality[voter]
                votes.append(
                    {
                        "amendment_id": row["id"],
                        "user_id": voter,
                        "value": value,
                        "nationality": nationality,
                        "created_at": self.moment(row["created_at"]),
                    }
                )
                row[f"{value}_count"] += 1
                suffix = {Nationality.KOREA: "kr", Nationality.JAPAN: "jp"}.get(nationality)
                if suffix:
                    row[f"{value}_{suffix}"] += 1
            self.amendment_ids.setdefault(row["proposal_id"], []).append(row["id"])
        self.amendment_created = {row["id"]: row["created_at"] for row in amendment_rows}
        # Versions first: amendments point at them (and they at nothing of the amendments').
        self.counts["versions"] = bulk.write(ProposalVersion, version_rows)
        self.counts["amendments"] = bulk.write(Amendment, amendment_rows)
        self.counts["amendment_votes"] = bulk.write(AmendmentVote, votes)
        bulk.reset_sequences(ProposalVersion, Amendment)
        for proposal_id, version_id in new_current.items():
            Proposal.objects.filter(pk=proposal_id).update(current_version_id=version_id)
        self.log(f"amendments: {len(amendment_rows)}, new versions: {len(version_rows)}, votes: {len(votes)}")

    def _vote_count(self) -> int:
        return min(int(self.rng.expovariate(1 / 6)), 40)

    def _target(self, version: dict, language: str) -> tuple[str, str]:
        """Half the time a translation flagged as stale gets updated; otherwise a field in the
        author's language, mostly the body or the summary."""
        if version["stale"] and self.rng.random() < 0.5:
            field, lang = sorted(version["stale"])[0].split("_")
            return field, lang
        field = self.rng.choices(FIELDS, [10, 30, 60])[0]
        return field, language

    def _amended(self, original: str, field: str, language: str) -> str:
        if field == "title":
            suffix = {"ko": " (수정안)", "ja": "（修正案）", "en": " (revised)"}[language]
            if original.endswith(suffix):
                return original[: -len(suffix)]
            return original[: 200 - len(suffix)] + suffix
        sentence = self.rng.choice(texts.AMENDMENT_SENTENCES[language])
        stop = "。" if language == "ja" else ". "
        cuts = [match.end() for match in re.finditer(re.escape(stop), original)]
        at = self.rng.choice(cuts) if cuts else len(original)
        glue = "" if language == "ja" else " "
        return (original[:at] + sentence + glue + original[at:]).strip()

    # --- comments ---------------------------------------------------------------------------------

    def comments(self) -> None:
        volume = self.volume
        on_amendments = round((volume.comments - volume.thread_comments) * AMENDMENT_COMMENT_SHARE)
        if self.bench_amendment_id is not None:
            on_amendments = max(
                on_amendments, min(BENCH_AMENDMENT_COMMENTS, volume.comments - volume.thread_comments)
            )
        others = volume.comments - volume.thread_comments - on_amendments
        discussions = [(self.hot.pk, None, volume.thread_comments)]
        weights = {pid: w for pid, w in self.popularity.items() if pid != self.hot.pk}
        for proposal_id, n in self._split(others, weights).items():
            discussions.append((proposal_id, None, n))
        if on_amendments:
            bench = min(BENCH_AMENDMENT_COMMENTS, on_amendments) if self.bench_amendment_id else 0
            if bench:
                discussions.append((self.hot.pk, self.bench_amendment_id, bench))
            pool = [
                (pid, aid)
                for pid, ids in self.amendment_ids.items()
                for aid in ids
                if aid != self.bench_amendment_id
            ]
            rest = on_amendments - bench
            if pool and rest:
                chosen = self.rng.choices(pool, k=rest)
                per = {}
                for key in chosen:
                    per[key] = per.get(key, 0) + 1
                discussions.extend((pid, aid, n) for (pid, aid), n in per.items())
        writer = bulk.Writer(Comment, batch_size=5000)
        next_id = bulk.reserve_ids(Comment, volume.comments)
        self.hidden_comments, self.reportable = [], []
        for proposal_id, amendment_id, n in discussions:
            if n <= 0:
                continue
            after = self.amendment_created.get(amendment_id) if amendment_id else None
            rows = self._discussion(proposal_id, amendment_id, n, next_id, after)
            if proposal_id == self.hot.pk and amendment_id is None:
                self.hot_thread = rows
            next_id += len(rows)
            writer.extend(rows)
        self.counts["comments"] = writer.close()
        bulk.reset_sequences(Comment)
        self.log(f"comments: {self.counts['comments']} in {len(discussions)} discussions")

    def translations(self) -> None:
        """The hot thread read across the language line: each public Korean comment has a
        published machine translation into Japanese and each Japanese one into Korean (as DeepL
        would have made them), so the proposal page shows translations to its readers."""
        rows = []
        for row in self.hot_thread:
            if row.get("deleted_at") or row.get("hidden_at") or row["language"] not in ("ko", "ja"):
                continue
            target = "ja" if row["language"] == "ko" else "ko"
            rows.append(
                Translation(
                    source_kind=COMMENT_KIND,
                    source_id=row["id"],
                    source_language=row["language"],
                    source_hash=text_hash(row["body"]),
                    target_language=target,
                    text=f"〔{target}〕{row['body']}",
                    origin=Origin.MACHINE,
                    provider="deepl",
                    status=Status.PUBLISHED,
                    created_at=row["created_at"],
                    published_at=row["created_at"],
                )
            )
        Translation.objects.bulk_create(rows, batch_size=2000)
        self.counts["translations"] = len(rows)
        self.log(f"translations: {len(rows)} of the hot thread's comments")

    def _discussion(self, proposal_id, amendment_id, n, first_id, after) -> list[dict]:
        """``n`` comments of one discussion, oldest first: about 40 % start a thread, the rest reply
        to a recent comment up to depth 2 (so every page of threads carries about as many replies)."""
        rng = self.rng
        moments = sorted(self.moment(after) for _ in range(n))
        rows, candidates = [], []
        for index, when in enumerate(moments):
            author_id, _nationality, preferred = self.author()
            language = self.written_in(preferred)
            row = {
                "id": first_id + index,
                "proposal_id": proposal_id,
                "amendment_id": amendment_id,
                "author_id": author_id,
                "language": language,
                "stance": rng.choice(["", "", "for", "neutral", "against"]),
                "created_at": when,
                "reply_count": 0,
                **reaction_counters(first_id + index),
            }
            if not candidates or rng.random() < 0.4:
                row.update(parent_id=None, root_id=row["id"], depth=0, body=self.sentence_text(language))
            else:
                # Threads draw replies while they are recent: a parent among the latest few.
                parent = rng.choice(candidates[-REPLY_WINDOW:])
                parent["reply_count"] += 1
                opener = rng.choice(texts.REPLY_OPENERS[language])
                body = texts.join_sentences(language, [opener, self.sentence_text(language, 1, 3)])
                row.update(
                    parent_id=parent["id"], root_id=parent["root_id"], depth=parent["depth"] + 1, body=body
                )
            roll = rng.random()
            if roll < 0.01:
                row["deleted_at"] = min(when + dt.timedelta(hours=rng.randint(1, 48)), self.now)
            elif roll < 0.013:
                row.update(
                    hidden_at=min(when + dt.timedelta(hours=rng.randint(1, 48)), self.now),
                    hidden_reason=rng.choice(texts.HIDDEN_REASONS),
                )
                self.hidden_comments.append((row["id"], author_id))
            else:
                if roll < 0.043:
                    row["edited_at"] = min(when + dt.timedelta(minutes=rng.randint(2, 300)), self.now)
                self._maybe_reportable(row["id"], author_id)
                if row["depth"] < MAX_DEPTH:
                    candidates.append(row)
            rows.append(row)
        return rows

    def _maybe_reportable(self, comment_id: int, author_id: int) -> None:
        """Reservoir-sample visible comments as targets for reports."""
        keep = max(self.volume.reports * 2, 1)
        self._seen += 1
        seen = self._seen
        if len(self.reportable) < keep:
            self.reportable.append((comment_id, author_id))
        else:
            slot = self.rng.randrange(seen)
            if slot < keep:
                self.reportable[slot] = (comment_id, author_id)

    # --- ratings ----------------------------------------------------------------------------------

    def ratings(self) -> None:
        rng = self.rng
        target = self.volume.ratings
        proposals = [p.pk for p in self.proposals]
        means = {
            (pid, group): rng.uniform(2.3, 4.3)
            for pid in proposals
            for group in (RatingGroup.KOREA, RatingGroup.JAPAN, RatingGroup.OTHER)
        }
        per_user = target / max(len(self.members), 1) / 1.85 * 1.08
        slots = []
        for user_id, nationality, _language in self.members:
            k = min(len(proposals), max(1, round(rng.gauss(per_user, 3))))
            keyed = sorted(
                proposals, key=lambda pid: rng.random() ** (1 / self.popularity[pid]), reverse=True
            )
            group = _group_of(nationality)
            for pid in keyed[:k]:
                criteria = (
                    [Criterion.IMPORTANCE, Criterion.FEASIBILITY]
                    if rng.random() < 0.85
                    else [Criterion.IMPORTANCE]
                )
                for criterion in criteria:
                    slots.append((user_id, pid, criterion, group))
        rng.shuffle(slots)
        del slots[target:]
        # The writers change their rating of the hot proposal during the run: give them one.
        rated = {(u, p, c) for u, p, c, _g in slots}
        for email in WRITER_EMAILS:
            user_id = self.special[email]
            if (user_id, self.hot.pk, Criterion.IMPORTANCE) not in rated:
                slots.append(
                    (user_id, self.hot.pk, Criterion.IMPORTANCE, _group_of(self.nationality[user_id]))
                )

        def rows():
            for user_id, pid, criterion, group in slots:
                mean = means[(pid, group)] if group != RatingGroup.ALL else 3
                score = min(5, max(1, round(rng.gauss(mean, 1.1))))
                when = self.moment()
                yield {
                    "user_id": user_id,
                    "proposal_id": pid,
                    "criterion": criterion,
                    "score": score,
                    "group": group,
                    "created_at": when,
                    "updated_at": when,
                }

        self.counts["ratings"] = bulk.write(Rating, rows(), batch_size=10000)
        self.counts["rating_aggregates"] = recompute_rating_aggregates(proposals)
        self.log(f"ratings: {self.counts['ratings']}")

    # --- reports ----------------------------------------------------------------------------------

    def reports(self) -> None:
        from moderation.models import Report, ReportReason, ReportStatus

        rng = self.rng
        total = self.volume.reports
        on_amendments = total // 20
        rows = []
        # Actioned reports are about the comments the moderators hid; open and dismissed ones
        # about visible comments, one report each (below the automatic-hide threshold).
        actioned = self.hidden_comments[: total // 10]
        for comment_id, author_id in actioned:
            rows.append(self._report(comment_id, None, author_id, ReportStatus.ACTIONED))
        visible = self.reportable[: max(total - on_amendments - len(actioned), 0)]
        for comment_id, author_id in visible:
            status = ReportStatus.OPEN if rng.random() < 0.7 else ReportStatus.DISMISSED
            rows.append(self._report(comment_id, None, author_id, status))
        amendments = [aid for ids in self.amendment_ids.values() for aid in ids]
        for amendment_id in rng.sample(amendments, min(on_amendments, len(amendments))):
            rows.append(self._report(None, amendment_id, None, ReportStatus.OPEN))
        for row in rows:
            row["reason"] = rng.choice(ReportReason.values)
        self.counts["reports"] = bulk.write(Report, rows)
        self.log(f"reports: {self.counts['reports']}")

    def _report(self, comment_id, amendment_id, author_id, status) -> dict:
        reporter = self.author()[0]
        while reporter == author_id:
            reporter = self.author()[0]
        when = self.moment()
        row = {
            "reporter_id": reporter,
            "comment_id": comment_id,
            "amendment_id": amendment_id,
            "note": self.rng.choice(texts.REPORT_NOTES),
            "reporter_nationality": self.nationality[reporter],
            "status": status,
            "created_at": when,
        }
        if status != "open":
            row.update(
                resolved_at=min(when + dt.timedelta(hours=5), self.now), resolved_by_id=self.moderator_id
            )
        return row

    # --- progress ---------------------------------------------------------------------------------

    def milestones(self) -> None:
        from progress.models import Jurisdiction, Milestone, MilestoneStatus

        rng = self.rng
        total = self.volume.milestones
        tracks = [(p.pk, j) for p in self.proposals for j in Jurisdiction.values]
        per_track = self._split(total, dict.fromkeys(tracks, 1.0))
        rows = []
        first = bulk.reserve_ids(Milestone, total)
        today = timezone.localdate()
        for (proposal_id, jurisdiction), n in per_track.items():
            dates = sorted(
                self.start.date() + dt.timedelta(days=rng.randrange(max((today - self.start.date()).days, 1)))
                for _ in range(n)
            )
            step = 0
            for number, date in enumerate(dates, start=1):
                step = min(step + (1 if rng.random() < 0.4 else 0), len(STAGE_PATH) - 1)
                stage = STAGE_PATH[step]
                if number == n and rng.random() < 0.08:
                    stage = rng.choice([Stage.STALLED, Stage.DECLINED])
                institution = rng.choice(texts.INSTITUTIONS[jurisdiction])
                titles = {
                    f"title_{lang}": texts.MILESTONE_TITLES[lang].format(institution=institution, n=number)[
                        :200
                    ]
                    for lang in LANGUAGES
                }
                descriptions = {
                    f"description_{lang}": texts.MILESTONE_DESCRIPTIONS[lang] for lang in LANGUAGES
                }
                rows.append(
                    {
                        "id": first + len(rows),
                        "proposal_id": proposal_id,
                        "date": date,
                        "stage": stage,
                        "jurisdiction": jurisdiction,
                        "institution": institution,
                        "title": titles["title_en"],
                        "description": descriptions["description_en"],
                        **titles,
                        **descriptions,
                        "evidence_url": f"https://example.org/evidence/{proposal_id}/{jurisdiction.lower()}/{number}",
                        "evidence_reference": f"Document {number}",
                        "next_review_on": date + dt.timedelta(days=180) if number == n else None,
                        "status": MilestoneStatus.PUBLISHED,
                        "created_at": dt.datetime.combine(date, dt.time(12), tzinfo=dt.UTC),
                        "updated_at": dt.datetime.combine(date, dt.time(12), tzinfo=dt.UTC),
                        "created_by_id": self.moderator_id,
                    }
                )
        self.counts["milestones"] = bulk.write(Milestone, rows)
        bulk.reset_sequences(Milestone)
        self.counts["jurisdiction_stages"] = recompute_stages([p.pk for p in self.proposals])
        self.log(f"milestones: {len(rows)}")

    # --- splitting ----------------------------------------------------------------------------------

    def _split(self, total: int, weights: dict) -> dict:
        """``total`` divided among the keys of ``weights`` in proportion, summing exactly."""
        keys = list(weights)
        if not keys:
            return {}
        whole = sum(weights.values())
        shares = {key: int(total * weights[key] / whole) for key in keys}
        for key in self.rng.sample(keys, len(keys))[: total - sum(shares.values())]:
            shares[key] += 1
        return shares


def _group_of(nationality: str) -> str:
    return {Nationality.KOREA: RatingGroup.KOREA, Nationality.JAPAN: RatingGroup.JAPAN}.get(
        nationality, RatingGroup.OTHER
    )


def rating_totals(proposal_ids: list[int]) -> dict[tuple, dict]:
    """Aggregates counted from the rating rows (one grouped query), ALL group included:
    ``{(proposal_id, criterion, group): {"count", "total", "n1".."n5"}}``."""
    per_score = {f"n{score}": Count("pk", filter=Q(score=score)) for score in range(1, 6)}
    rows = (
        Rating.objects.filter(proposal_id__in=proposal_ids)
        .values("proposal_id", "criterion", "group")
        .annotate(count=Count("pk"), total=Sum("score"), **per_score)
        .order_by()
    )
    totals: dict[tuple, dict] = {}
    for row in rows:
        for group in (row["group"], RatingGroup.ALL):
            key = (row["proposal_id"], row["criterion"], group)
            entry = totals.setdefault(key, dict.fromkeys(AGGREGATE_FIELDS, 0))
            for name in entry:
                entry[name] += row[name]
    return totals


def recompute_rating_aggregates(proposal_ids: list[int]) -> int:
    """Replace the aggregates of ``proposal_ids`` by totals counted from the rating rows. Returns
    the number of aggregate rows."""
    totals = rating_totals(proposal_ids)
    RatingAggregate.objects.filter(proposal_id__in=proposal_ids).delete()
    return bulk.write(
        RatingAggregate,
        (
            {"proposal_id": pid, "criterion": criterion, "group": group, **values}
            for (pid, criterion, group), values in sorted(totals.items())
        ),
    )


def recompute_stages(proposal_ids: list[int]) -> int:
    """Each proposal's stage per jurisdiction from its latest published milestone there (by date,
    then id), and its overall stage from the latest overall, as the progress services keep them."""
    from progress.models import JurisdictionStage, Milestone, MilestoneStatus

    latest, overall = {}, {}
    for milestone in (
        Milestone.objects.filter(proposal_id__in=proposal_ids, status=MilestoneStatus.PUBLISHED)
        .order_by("date", "pk")
        .only("pk", "proposal_id", "jurisdiction", "stage")
    ):
        latest[(milestone.proposal_id, milestone.jurisdiction)] = milestone
        overall[milestone.proposal_id] = milestone
    JurisdictionStage.objects.filter(proposal_id__in=proposal_ids).delete()
    now = timezone.now()
    written = bulk.write(
        JurisdictionStage,
        (
            {
                "proposal_id": pid,
                "jurisdiction": jurisdiction,
                "stage": milestone.stage,
                "milestone_id": milestone.pk,
                "updated_at": now,
            }
            for (pid, jurisdiction), milestone in sorted(latest.items())
        ),
    )
    for pid, milestone in overall.items():
        Proposal.objects.filter(pk=pid).update(stage=milestone.stage)
    return written


VOTES_PER_SIDE = (0, 0, 1, 2, 3, 5, 6, 8, 12, 20, 40)


def reaction_counters(comment_id: int) -> dict:
    """Synthetic reaction counters of one comment, from its own generator (so the main one's
    sequence, and everything drawn after it, stays as it was): per side a number of votes and a
    lean, sometimes shared by both sides (common ground), sometimes opposite (divides)."""
    rng = random.Random(comment_id)  # noqa: S311 - synthetic benchmark data, not secrets
    shared = rng.random() < 0.5
    lean_kr = rng.random()
    lean_jp = lean_kr if shared else rng.random()
    row: dict = {}
    sides = []
    for suffix, lean in (("kr", lean_kr), ("jp", lean_jp)):
        votes = rng.choice(VOTES_PER_SIDE)
        agree = round(votes * lean)
        disagree = round((votes - agree) * 0.8)
        passed = votes - agree - disagree
        row.update({f"agree_{suffix}": agree, f"disagree_{suffix}": disagree, f"pass_{suffix}": passed})
        sides.append(consensus.Side(agree, disagree, passed))
    score = consensus.comment_score(*sides, consensus.current_thresholds())
    row.update(
        agree_count=row["agree_kr"] + row["agree_jp"],
        disagree_count=row["disagree_kr"] + row["disagree_jp"],
        pass_count=row["pass_kr"] + row["pass_jp"],
        ground_label=score.label.value,
        bridging_score=score.bridging,
        ground_version=consensus.METRIC_VERSION,
    )
    return row
