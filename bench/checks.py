"""After the writes: every row against the response wrk got for it (see ``bench/wrk/bench.lua``)."""

from .load import Result, Session


def hot_id() -> int:
    from proposals.models import Proposal

    from .seed import HOT_PROPOSAL

    return Proposal.objects.get(slug=HOT_PROPOSAL).pk


def current_scores(user_ids: list[int], proposal_id: int) -> dict[int, int]:
    from ratings.models import Rating

    return dict(
        Rating.objects.filter(
            user_id__in=user_ids, proposal_id=proposal_id, criterion="importance"
        ).values_list("user_id", "score")
    )


def verify_comments(result: Result, sessions: list[Session]) -> list[str]:
    """Every 2xx created exactly one comment, nothing else did, and at most the one request per
    connection that was in flight when wrk stopped created one more.

    Each wrk thread has one connection and numbers its requests; the response to request k comes
    before request k+1 is sent, so the answered requests are 1..(2xx + other) and a created row
    with a higher number can only be the request in flight at the stop.
    """
    from comments.models import Comment

    rows = Comment.objects.filter(author_id__in=[s.user_id for s in sessions], client_token__isnull=False)
    created: dict[int, list[int]] = {}
    for token in rows.values_list("client_token", flat=True):
        parts = str(token).split("-")
        if parts[0] == result.nonce:
            created.setdefault(int(parts[1], 16), []).append(int(parts[4], 16))
    problems, extra = [], 0
    for thread in result.threads:
        answered = thread["ok"] + thread["other"]
        sequences = sorted(created.get(thread["index"], []))
        within = [s for s in sequences if s <= answered]
        beyond = [s for s in sequences if s > answered]
        if len(within) != thread["ok"]:
            problems.append(
                f"thread {thread['index']}: {thread['ok']} answered 2xx but {len(within)} comments"
            )
        if len(set(sequences)) != len(sequences):
            problems.append(f"thread {thread['index']}: duplicate comments")
        if beyond and (len(beyond) > 1 or beyond[0] != thread["sent"]):
            problems.append(f"thread {thread['index']}: unexpected comments {beyond}")
        extra += len(beyond)
    total = sum(len(v) for v in created.values())
    ok = sum(t["ok"] for t in result.threads)
    verdict = "exact" if not problems else "MISMATCH: " + "; ".join(problems)
    return [
        f"Comments: {total:,} rows created for {ok:,} answered 2xx"
        + (f" + {extra} request(s) in flight when wrk stopped (answered after the clock)" if extra else "")
        + f" — {verdict}."
    ]


def verify_ratings(result: Result, sessions: list[Session], before: dict, audit_from: int) -> list[str]:
    """Every 2xx changed the rating exactly once (one ``rating.changed`` audit entry each), the
    number of ratings did not move, and the aggregates still equal a recount of the rows."""
    from audit.models import AuditEntry
    from ratings.models import Rating, RatingAggregate

    from .seed import AGGREGATE_FIELDS, rating_totals

    hot = hot_id()
    by_user = {s.user_id: s for s in sessions}
    index_of = {i + 1: s.user_id for i, s in enumerate(sessions)}
    entries = dict.fromkeys(by_user, 0)
    for actor_id in AuditEntry.objects.filter(
        pk__gt=audit_from, action="rating.changed", actor_id__in=list(by_user)
    ).values_list("actor_id", flat=True):
        entries[actor_id] += 1
    after = current_scores(list(by_user), hot)
    problems, extra = [], 0
    for thread in result.threads:
        user_id = index_of[(thread["index"] - 1) % len(sessions) + 1]
        answered = thread["ok"] + thread["other"]
        start = before[user_id]

        def score(k, start=start):
            return (start - 1 + k) % 5 + 1

        expected = {score(answered): 0}
        if thread["sent"] > answered:
            expected[score(thread["sent"])] = 1
        if after[user_id] not in expected:
            problems.append(f"user {user_id}: score {after[user_id]}, expected one of {sorted(expected)}")
            continue
        in_flight = expected[after[user_id]] if answered else 0
        extra += in_flight
        if entries[user_id] != thread["ok"] + in_flight:
            problems.append(f"user {user_id}: {thread['ok']} answered 2xx but {entries[user_id]} changes")
    count_before = len(before)
    count_after = Rating.objects.filter(
        user_id__in=list(by_user), proposal_id=hot, criterion="importance"
    ).count()
    if count_after != count_before:
        problems.append(f"ratings {count_before} -> {count_after}")
    stored = {
        (hot, row["criterion"], row["group"]): {name: row[name] for name in AGGREGATE_FIELDS}
        for row in RatingAggregate.objects.filter(proposal_id=hot).values(
            "criterion", "group", *AGGREGATE_FIELDS
        )
        if row["count"]
    }
    recounted = rating_totals([hot])
    if stored != recounted:
        problems.append("aggregates differ from a recount of the ratings")
    ok = sum(t["ok"] for t in result.threads)
    verdict = "exact" if not problems else "MISMATCH: " + "; ".join(problems)
    return [
        f"Ratings: {sum(entries.values()):,} changes recorded for {ok:,} answered 2xx"
        + (f" + {extra} in flight when wrk stopped" if extra else "")
        + f"; {count_after} rating rows before and after; aggregates equal a recount — {verdict}."
    ]
