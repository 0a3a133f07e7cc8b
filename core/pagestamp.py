"""The proposal page's activity stamp: a counter on each proposal that moves with every write
changing what its page shows, so that the page caches (``pages.cache``) can be keyed by it.

A write calls ``touch(proposal_id)`` (or ``touch_row`` / ``touch_everything``) *inside its own
transaction*. The UPDATE takes the proposal row's lock until the commit, so a reader either sees
the old stamp and the old data, or the new stamp; no one can read the old stamp after the commit
and be served a page cached before it. A cached page is never stale: there is no time-to-live to
wait for, only keys that are no longer reached.

The list of writes that must touch is kept here, in one place (``PAGE_WRITES``); every other public
function of a ``services`` module is named in ``NOT_ON_THE_PAGE`` with the reason.
``tests/test_page_cache.py`` fails when a service function is in neither list, when a listed write
does not call this module, and, write by write, when the next page view does not show the change.
"""

from django.apps import apps
from django.db import connections, router, transaction
from django.db.models import F, QuerySet, Subquery
from django.db.models.sql import UpdateQuery

from . import compiled, stampmirror

# Writes that change what the proposal page shows (dotted path -> what changes).
PAGE_WRITES: dict[str, str] = {
    # comments
    "comments.services.comment_create": "a new comment or reply, the count",
    "comments.services.comment_edit": "the comment's text, 'edited'",
    "comments.services.comment_delete": "the placeholder, the count",
    "comments.services.comment_react": "the reaction counts, the common-ground figures",
    "comments.services.common_ground_refresh": "the common-ground label",
    "comments.services.held_reactions_confirm": "the common-ground labels",
    # moderation
    "moderation.services.report_create": "the comment hidden once reported widely",
    "moderation.services.item_hide": "the hidden placeholder",
    "moderation.services.item_restore": "the text again",
    "moderation.services.reports_dismiss": "an automatically hidden item shown again",
    "moderation.services.user_suspend": "the suspended participant's controls",
    "moderation.services.user_unsuspend": "the participant's controls again",
    # accounts
    "accounts.services.profile_update": "the participant's public name",
    "accounts.services.user_delete": "the author's name (withdrawn participant)",
    "accounts.services.nationality_change_decide": "the nationality badge, per-nationality figures",
    "accounts.datarights.account_erase": "the author's name, erased contributions",
    # ratings
    "ratings.services.rating_set": "the rating figures",
    "ratings.services.rating_withdraw": "the rating figures",
    "ratings.services.ratings_erase": "the rating figures (account erasure or deletion)",
    # amendments
    "amendments.services.amendment_create": "the amendment list",
    "amendments.services.amendment_vote": "the amendment's votes",
    "amendments.services.amendment_withdraw": "the amendment's state",
    "amendments.services.amendment_reject": "the amendment's state",
    "amendments.services.amendment_accept": "the text (a new version), the amendment's state",
    "amendments.services.rebase_open_amendments": "the open amendments' base text",
    # proposals
    "proposals.services.version_create": "the text (a new version)",
    "proposals.services.version_correct": "the text (a correction)",
    "proposals.services.correction_apply": "the text (a correction)",
    # progress
    "progress.services.milestone_save": "the progress section",
    "progress.services.milestone_delete": "the progress section",
    "progress.services.milestones_set_status": "the progress section",
    "progress.services.milestones_set_status_each": "the progress section",
    "progress.services.milestone_publish": "the progress section",
    "progress.services.milestone_decline": "the progress section",
    "progress.services.stages_recompute": "the stage",
    "progress.services.milestones_import": "the progress section",
    "institutions.services.report_submit": "the institution's progress report",
    # translations (they write with QuerySet.update(), which no signal sees)
    "translations.services.machine_request": "'translation pending'",
    "translations.services.source_changed": "a stale translation withdrawn",
    "translations.services.source_visible_again": "translations queued again",
    "translations.services.machine_run": "the machine translation, or 'unavailable'",
    "translations.services.translation_submit": "an author's translation (published at once)",
    "translations.services.translation_approve": "the approved translation",
    "translations.services.translation_reject": "a translation no longer shown",
}

# Public functions of services modules that do not change the proposal page (dotted path -> why).
NOT_ON_THE_PAGE: dict[str, str] = {
    "accounts.services.join_refusal": "a check, no write",
    "accounts.services.programme_join": "membership is the viewer's own state, never cached",
    "accounts.services.nationality_change_request": "a request: nothing shown changes until decided",
    "comments.services.clean_body": "no write",
    "comments.services.discussion_url": "no write",
    "comments.services.comment_url": "no write",
    "comments.services.comment_link": "no write",
    "comments.services.ensure_can_reply": "a check, no write",
    "comments.services.ensure_can_edit": "a check, no write",
    "institutions.services.ensure_scope": "a check, no write",
    "institutions.services.webhook_secret_rotate": "webhooks are not on the page",
    "institutions.services.webhook_ping": "webhooks are not on the page",
    "institutions.services.check_webhook_url": "a check, no write",
    "institutions.services.webhook_endpoint_create": "webhooks are not on the page",
    "institutions.services.webhook_endpoint_update": "webhooks are not on the page",
    "institutions.services.webhook_endpoint_delete": "webhooks are not on the page",
    "moderation.services.reasons_text": "no write",
    "moderation.services.report_refusal": "a check, no write",
    "notifications.services.notify": "notifications are not on the proposal page",
    "notifications.services.mark_read": "notifications are not on the proposal page",
    "notifications.services.mark_all_read": "notifications are not on the proposal page",
    "progress.services.milestone_problems": "a check, no write",
    "progress.services.clean_milestone": "a check, no write",
    "progress.services.import_summary": "no write",
    "proposals.services.translated_field_names": "no write",
    "proposals.services.version_text": "no write",
    "proposals.services.corrections_record": "a reader's report of an error: shown to editors only",
    "proposals.services.correction_resolve": "closes a report without changing the text",
    "ratings.services.group_of": "no write",
    "translations.services.can_review": "a check, no write",
    "translations.services.ensure_can_review": "a check, no write",
    "translations.services.translate_problem": "a check, no write",
    "translations.services.machine_targets": "no write",
    "translations.services.daily_budget": "no write",
    "translations.services.usage_reserve": "the provider's usage counter",
    "translations.services.usage_refund": "the provider's usage counter",
    "translations.services.clean_translation": "no write",
    "translations.services.machine_retry": "schedules the machine; its run (machine_run) changes the page",
}


# The stamp's move, one expression for every UPDATE: the key of its compiled SQL (``_SHAPES``)
# hashes it, and an expression hashes its identity once (a new one every call would be hashed anew).
STAMP_UP = F("activity_stamp") + 1


def _proposals():
    return apps.get_model("proposals", "Proposal")._default_manager


def touch(*proposal_ids: int | None, **also) -> dict[int, int]:
    """Move the stamp of each proposal (inside the caller's transaction). One UPDATE, which also
    sets ``also`` (e.g. a counter the same write moves: ``comment_count=F("comment_count") + 1``).
    Returns the new stamps by proposal when they are mirrored (read under the row locks), else
    nothing."""
    ids = sorted({pk for pk in proposal_ids if pk is not None})
    if not ids:
        return {}
    rows = _move(ids, also)
    return {pk: stamp for pk, stamp, _slug, *_rest in rows} if stampmirror.enabled() else {}


def touch_counting(proposal_id: int, counter: str, **also) -> tuple[dict[int, int], int]:
    """``touch(proposal_id, **also)`` whose UPDATE also returns the value it left in ``counter``
    (a column ``also`` moves): ``(the stamps as touch returns them, the counter)``. Exact: the row
    stays locked until the commit."""
    rows = _move([proposal_id], also, (counter,))
    [(pk, stamp, _slug, value)] = rows
    return ({pk: stamp} if stampmirror.enabled() else {}), value


def touch_row(model_label: str, pk: int) -> None:
    """Move the stamp of the proposal a row of ``model_label`` (with a ``proposal`` foreign key)
    belongs to, without loading the row: one UPDATE with a subquery."""
    rows = apps.get_model(model_label)._default_manager.filter(pk=pk).values("proposal_id")[:1]
    _move(_proposals().filter(pk=Subquery(rows)), {})


def touch_everything() -> None:
    """Move every proposal's stamp: for changes to a person shown on any page (name, suspension,
    erasure). Rare, and one UPDATE over a few hundred rows."""
    _move(_proposals().all(), {})


def _move(proposals: QuerySet | list[int], also: dict, extra: tuple[str, ...] = ()) -> list[tuple]:
    """The UPDATE of ``proposals`` (a queryset, or their keys); with the stamps mirrored in Redis
    (``core.stampmirror``) the same UPDATE returns the new stamps, which the mirror is told of
    inside the transaction and set to after the commit (and which are returned, followed by the
    ``extra`` columns; those are returned without the mirror too)."""
    values = {"activity_stamp": STAMP_UP, **also}
    mirrored = stampmirror.enabled()
    if not mirrored and not extra and not isinstance(proposals, list):
        proposals.update(**values)
        return []
    using = router.db_for_write(_proposals().model) if isinstance(proposals, list) else proposals.db
    with transaction.atomic(using=using, savepoint=False):
        token = None
        if isinstance(proposals, list):
            # Announced before the UPDATE: not a round trip made under the rows' locks.
            token = stampmirror.announce(proposals) if mirrored else None
            rows = _update_keys_returning(using, proposals, values, extra)
        else:
            rows = _update_returning(proposals, values, extra)
        if mirrored:
            stampmirror.hold([(pk, stamp, slug) for pk, stamp, slug, *_rest in rows], token=token)
    return rows


# The UPDATEs of touch and touch_counting by shape (how many keys, what else is set, what else is
# returned), compiled once: they are sent on every comment and rating, under the row's lock.
_SHAPES: dict[tuple, tuple[str, tuple]] = {}


def _update_keys_returning(using: str, ids: list[int], values: dict, extra: tuple[str, ...]) -> list[tuple]:
    """``_update_returning`` of the proposals ``ids``, its SQL compiled once per shape."""
    try:
        key = (using, len(ids), tuple(values.items()), extra)
        shape = _SHAPES.get(key)
    except TypeError:  # a value that cannot be a key: compiled each time
        key, shape = None, None
    if shape is None:
        sql, compiled_params = _update_sql(
            _proposals().filter(pk__in=compiled.markers(len(ids))), values, extra
        )
        shape = (sql, compiled.places(compiled_params, len(ids)))
        if key is not None:
            _SHAPES[key] = shape
    sql, params = shape
    return _send(using, sql, compiled.bind(params, ids))


def _update_returning(proposals: QuerySet, values: dict, extra: tuple[str, ...] = ()) -> list[tuple]:
    """``proposals.update(**values)`` as one ``UPDATE ... RETURNING pk, activity_stamp, slug``
    (PostgreSQL, SQLite >= 3.35), then the ``extra`` columns: what this transaction wrote, under
    its row locks."""
    sql, params = _update_sql(proposals, values, extra)
    return _send(proposals.db, sql, list(params)) if sql else []


def _send(using: str, sql: str, params: list) -> list[tuple]:
    """Send an UPDATE ... RETURNING of ``_update_sql``: ``(pk, stamp, slug, *extra)`` per row."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(pk), int(stamp), slug, *rest) for pk, stamp, slug, *rest in cursor.fetchall()]


def _update_sql(proposals: QuerySet, values: dict, extra: tuple[str, ...]) -> tuple[str, tuple]:
    """The SQL and parameters of ``_update_returning``."""
    query = proposals.query.chain(UpdateQuery)
    assert isinstance(query, UpdateQuery)
    query.add_update_values(values)
    compiler = query.get_compiler(proposals.db)
    compiler.pre_sql_setup()
    sql, params = compiler.as_sql()
    if not sql:
        return "", ()
    connection = connections[proposals.db]
    meta = proposals.model._meta
    columns = [meta.pk.column, meta.get_field("activity_stamp").column, meta.get_field("slug").column]
    columns += [meta.get_field(name).column for name in extra]
    returning = ", ".join(connection.ops.quote_name(column) for column in columns)
    return f"{sql} RETURNING {returning}", tuple(params)


def stamp_of(proposal_id: int) -> int:
    """The stamp as the database has it now (tests, and pages that did not load the proposal)."""
    return _proposals().filter(pk=proposal_id).values_list("activity_stamp", flat=True).get()
