"""Character diffs and rebasing of texts (amendments, editorial corrections), with diff-match-patch.

Pure functions, no Django: they work on any text, including Japanese (no spaces between words)
and Korean, because they compare characters and then clean the result up semantically instead of
splitting on whitespace.
"""

from typing import Literal

from diff_match_patch import diff_match_patch

DELETE: Literal[-1] = -1
EQUAL: Literal[0] = 0
INSERT: Literal[1] = 1

Segment = tuple[int, str]

# A diff of two 20,000-character texts stays well within this; past it the library returns a
# coarser (still correct) diff instead of running on.
DIFF_TIMEOUT_SECONDS = 0.5


def _differ() -> diff_match_patch:
    dmp = diff_match_patch()
    dmp.Diff_Timeout = DIFF_TIMEOUT_SECONDS
    return dmp


def _strict_patcher() -> diff_match_patch:
    """A patcher that applies a hunk only where its context and deleted text appear exactly.

    The library's default fuzzy matching would happily apply an amendment's hunk over text that
    another accepted amendment has just changed (silently undoing that change). With a threshold
    this small no error is tolerated (one error costs at least 1/32), while the huge distance
    lets an exact match sit anywhere in the text, the nearest one winning. A zero delete
    threshold refuses long deletions whose middle no longer matches.
    """
    dmp = _differ()
    dmp.Match_Threshold = 1e-9
    dmp.Match_Distance = 10**15
    dmp.Patch_DeleteThreshold = 0.0
    return dmp


def inline_diff(old: str, new: str) -> list[Segment]:
    """``old`` → ``new`` as ``[(op, text), ...]`` with op ``-1`` deleted, ``0`` kept, ``1`` inserted.

    Character-level diff followed by semantic clean-up, so that changing one character inside a
    sentence yields one small deletion and insertion, while scattered edits merge into readable
    chunks instead of a confetti of single characters.
    """
    dmp = _differ()
    diffs = dmp.diff_main(old, new)
    dmp.diff_cleanupSemantic(diffs)
    return [(op, text) for op, text in diffs if text]


def changed(segments: list[Segment]) -> bool:
    return any(op != EQUAL for op, _text in segments)


def rebase(original: str, proposed: str, current: str) -> str | None:
    """Carry the change ``original`` → ``proposed`` over onto ``current``.

    Returns the rebased proposal, or None when it does not apply cleanly: some hunk's context or
    deleted text is no longer in ``current`` (typically because the same passage was changed).
    When ``current`` is still ``original`` the proposal is returned as it is.
    """
    if current == original:
        return proposed
    if proposed == original:
        return current
    patcher = _strict_patcher()
    patches = patcher.patch_make(original, proposed)
    text, applied = patcher.patch_apply(patches, current)
    if not all(applied):
        return None
    return text
