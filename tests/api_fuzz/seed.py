"""Deliberation data for the API fuzz run (scripts/fuzz-api.sh): comments, replies, a hidden and a
deleted comment, amendments, ratings, milestones and a second version on the seeded proposals, so
fuzzed requests meet real rows. Run with DJANGO_VAR_DIR/DATABASE_URL pointing at a throw-away
database."""

import datetime as dt
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deliberation.settings")

import django

django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from tests.factories import (  # noqa: E402
    AmendmentFactory,
    CommentFactory,
    MilestoneFactory,
    ProposalVersionFactory,
    RatingFactory,
    UserFactory,
)


def main() -> None:
    from progress.services import stages_recompute
    from proposals.models import Proposal

    with transaction.atomic():
        users = [UserFactory(nationality=("KR", "JP", "OTHER")[i % 3]) for i in range(6)]
        for index, proposal in enumerate(
            Proposal.objects.select_related("current_version").order_by("pk")[:4]
        ):
            for i, user in enumerate(users):
                root = CommentFactory(proposal=proposal, author=user, body=f"의견 {i} / 意見 {i}")
                CommentFactory(parent=root, author=users[(i + 1) % len(users)], body="返信")
                RatingFactory(user=user, proposal=proposal, criterion="importance", score=1 + i % 5)
            CommentFactory(proposal=proposal, author=users[0], body="hidden", hidden_at=timezone.now())
            CommentFactory(proposal=proposal, author=users[0], body="deleted", deleted_at=timezone.now())
            AmendmentFactory(proposal=proposal, author=users[index % len(users)])
            current = proposal.current_version
            proposal.current_version = ProposalVersionFactory(
                proposal=proposal,
                number=current.number + 1,
                title_en=current.title_en,
                title_ko=current.title_ko,
                title_ja=current.title_ja,
                body_ja=current.body_ja + "（改訂）",
            )
            proposal.save(update_fields=["current_version"])
            MilestoneFactory(proposal=proposal, date=dt.date(2025, 3, 1) + dt.timedelta(days=index))
            stages_recompute(proposal=proposal, actor=None)


if __name__ == "__main__":
    main()
