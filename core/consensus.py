"""Where Korean and Japanese participants agree: the scores, as pure functions.

Nothing here touches the database or the settings: callers pass the counts (read from the
counters kept on each row) and a ``Thresholds`` (``thresholds_from_settings`` builds it from
``settings.COMMON_GROUND``). The page "How is this calculated?" explains the same formulas in
words; change them together and bump ``METRIC_VERSION``.

Comments (agree / disagree / pass per side g ∈ {KR, JP}):

- N_g = A_g + D_g + P_g; shown support p_g = (A_g + 1) / (N_g + 2) (a vote for and against added,
  so a side with no votes shows 0.5 and never 0 or 1 from a handful of votes);
- L_g = Wilson lower bound of A_g / N_g at z = 1.2816 (one-sided 90 %), 0 when N_g = 0;
- bridging score √(L_KR · L_JP): a flood on one side cannot lift the other side's term;
- labels only when both sides have at least ``min_votes`` votes, first match wins:
  common ground (both L_g ≥ 0.5 and A_g − D_g ≥ 3), shared rejection (the same with disagree),
  divides (|p_KR − p_JP| ≥ 0.3 and Newcombe's 95 % interval of A_KR/N_KR − A_JP/N_JP excludes 0),
  unsure (pass share ≥ 0.5 on both sides), otherwise needs votes.

Ratings (1–5, per criterion and side): the posterior of the score distribution under a uniform
Dirichlet(1) prior, its mean with a 95 % interval from the exact posterior variance; the gap
between sides; "supported on both sides" when the share of 4s and 5s has a Wilson lower bound
≥ 0.5 on both sides with at least 10 raters each. Below 5 raters a side's figures are withheld.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

METRIC_VERSION = "2026.1"

Z_LOWER = 1.2816  # one-sided 90 %: the lower bound used for ranking and labels
Z_95 = 1.959964  # two-sided 95 % intervals


class Label(StrEnum):
    COMMON_GROUND = "common_ground"
    SHARED_REJECTION = "shared_rejection"
    DIVIDES = "divides"
    UNSURE = "unsure"
    NEEDS_VOTES = "needs_votes"


@dataclass(frozen=True)
class Thresholds:
    """Every number a label depends on; defaults are the published ones."""

    z: float = Z_LOWER
    min_votes: int = 5  # per side, before any label but "needs votes"
    lower_bound: float = 0.5  # both Wilson lower bounds at least this
    margin: int = 3  # agree − disagree (or the reverse) on each side at least this
    divide_gap: float = 0.3  # |p_KR − p_JP| at least this
    unsure_pass_share: float = 0.5  # pass / N on both sides at least this
    # Ratings
    min_raters: int = 5  # per side, below this a side's figures are withheld
    support_raters: int = 10  # per side, for "supported on both sides"
    support_score: int = 4  # a rating at least this counts as support
    # Manipulation (applied by the comments app, not by the pure functions here)
    hold_hours: float = 24  # reactions of accounts younger than this wait before they count
    robust_share: float = 0.01  # a label must survive without this share of the most active reactors

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> "Thresholds":
        known = {name: values[name] for name in cls.__dataclass_fields__ if name in values}
        return cls(**known)


@dataclass(frozen=True)
class Side:
    agree: int = 0
    disagree: int = 0
    passed: int = 0

    @property
    def votes(self) -> int:
        return self.agree + self.disagree + self.passed


@dataclass(frozen=True)
class Interval:
    low: float
    high: float

    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


@dataclass(frozen=True)
class SideScore:
    votes: int
    support: float  # p_g = (A + 1) / (N + 2)
    lower: float  # L_g, Wilson lower bound of A / N
    interval: Interval  # Wilson 95 % interval of A / N, for the figure ((0, 1) with no votes)


@dataclass(frozen=True)
class CommentScore:
    kr: SideScore
    jp: SideScore
    bridging: float
    label: Label
    metric_version: str = METRIC_VERSION


def wilson_interval(successes: int, n: int, z: float) -> Interval:
    """Wilson score interval of successes / n; (0, 1) when there is nothing to go on."""
    if n <= 0:
        return Interval(0.0, 1.0)
    p = successes / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    denominator = 1 + z2 / n
    # At 0 or n successes the bound is exactly 0 or 1; spelled out so rounding never leaves 1e-17.
    low = 0.0 if successes == 0 else max(0.0, (centre - spread) / denominator)
    high = 1.0 if successes == n else min(1.0, (centre + spread) / denominator)
    return Interval(low, high)


def wilson_lower(successes: int, n: int, z: float = Z_LOWER) -> float:
    """Wilson lower bound of successes / n, 0 when n is 0."""
    if n <= 0:
        return 0.0
    return wilson_interval(successes, n, z).low


def shown_support(agree: int, votes: int) -> float:
    return (agree + 1) / (votes + 2)


def newcombe_difference(a1: int, n1: int, a2: int, n2: int, z: float = Z_95) -> Interval:
    """Newcombe's hybrid score interval (method 10) of a1/n1 − a2/n2."""
    p1, p2 = a1 / n1, a2 / n2
    w1, w2 = wilson_interval(a1, n1, z), wilson_interval(a2, n2, z)
    d = p1 - p2
    return Interval(
        d - math.sqrt((p1 - w1.low) ** 2 + (w2.high - p2) ** 2),
        d + math.sqrt((w1.high - p1) ** 2 + (p2 - w2.low) ** 2),
    )


def side_score(side: Side, thresholds: Thresholds = Thresholds()) -> SideScore:
    n = side.votes
    return SideScore(
        votes=n,
        support=shown_support(side.agree, n),
        lower=wilson_lower(side.agree, n, thresholds.z),
        interval=wilson_interval(side.agree, n, Z_95),
    )


def bridging_score(kr: Side, jp: Side, thresholds: Thresholds = Thresholds()) -> float:
    """√(L_KR · L_JP), in [0, 1]; 0 when either side has no votes."""
    return math.sqrt(
        wilson_lower(kr.agree, kr.votes, thresholds.z) * wilson_lower(jp.agree, jp.votes, thresholds.z)
    )


def label(kr: Side, jp: Side, thresholds: Thresholds = Thresholds()) -> Label:
    t = thresholds
    if kr.votes < t.min_votes or jp.votes < t.min_votes:
        return Label.NEEDS_VOTES
    sides = (kr, jp)
    if all(
        wilson_lower(s.agree, s.votes, t.z) >= t.lower_bound and s.agree - s.disagree >= t.margin
        for s in sides
    ):
        return Label.COMMON_GROUND
    if all(
        wilson_lower(s.disagree, s.votes, t.z) >= t.lower_bound and s.disagree - s.agree >= t.margin
        for s in sides
    ):
        return Label.SHARED_REJECTION
    gap = shown_support(kr.agree, kr.votes) - shown_support(jp.agree, jp.votes)
    if (
        abs(gap) >= t.divide_gap
        and newcombe_difference(kr.agree, kr.votes, jp.agree, jp.votes).excludes_zero()
    ):
        return Label.DIVIDES
    if all(s.passed / s.votes >= t.unsure_pass_share for s in sides):
        return Label.UNSURE
    return Label.NEEDS_VOTES


def comment_score(kr: Side, jp: Side, thresholds: Thresholds = Thresholds()) -> CommentScore:
    return CommentScore(
        kr=side_score(kr, thresholds),
        jp=side_score(jp, thresholds),
        bridging=bridging_score(kr, jp, thresholds),
        label=label(kr, jp, thresholds),
    )


# --- ratings -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Posterior:
    raters: int
    mean: float
    interval: Interval
    variance: float
    support_share: float  # share of ratings ≥ support_score
    support_lower: float  # its Wilson lower bound at z


@dataclass(frozen=True)
class RatingComparison:
    """One criterion of one proposal: each side's posterior (None below ``min_raters``), the gap
    KR − JP with its 95 % interval (None unless both sides are shown), and the both-sides rule."""

    kr: Posterior | None
    jp: Posterior | None
    gap: float | None
    gap_interval: Interval | None
    supported_on_both_sides: bool
    metric_version: str = METRIC_VERSION


def rating_posterior(counts: Sequence[int], thresholds: Thresholds = Thresholds()) -> Posterior:
    """Posterior of the mean 1–5 score given ``counts`` = (n1, …, n5) under Dirichlet(1, …, 1).

    With α_k = 1 + n_k and α₀ = Σα_k, the mean score Σ k·θ_k has mean μ = Σ k·α_k / α₀ and
    variance (Σ k²·α_k / α₀ − μ²) / (α₀ + 1) — exact, no sampling. The interval is μ ± 1.96 sd,
    kept within [1, 5].
    """
    if len(counts) != 5 or any(n < 0 for n in counts):
        raise ValueError("counts must be five non-negative numbers (scores 1 to 5)")
    alphas = [1 + n for n in counts]
    total = sum(alphas)
    mean = sum(k * a for k, a in zip(range(1, 6), alphas, strict=True)) / total
    second = sum(k * k * a for k, a in zip(range(1, 6), alphas, strict=True)) / total
    variance = (second - mean * mean) / (total + 1)
    spread = Z_95 * math.sqrt(variance)
    raters = sum(counts)
    supporters = sum(counts[thresholds.support_score - 1 :])
    return Posterior(
        raters=raters,
        mean=mean,
        interval=Interval(max(1.0, mean - spread), min(5.0, mean + spread)),
        variance=variance,
        support_share=supporters / raters if raters else 0.0,
        support_lower=wilson_lower(supporters, raters, thresholds.z),
    )


def compare_ratings(
    kr_counts: Sequence[int], jp_counts: Sequence[int], thresholds: Thresholds = Thresholds()
) -> RatingComparison:
    """Both sides of one criterion, with small groups withheld."""
    kr = rating_posterior(kr_counts, thresholds)
    jp = rating_posterior(jp_counts, thresholds)
    shown_kr = kr if kr.raters >= thresholds.min_raters else None
    shown_jp = jp if jp.raters >= thresholds.min_raters else None
    gap = gap_interval = None
    if shown_kr is not None and shown_jp is not None:
        gap = kr.mean - jp.mean
        spread = Z_95 * math.sqrt(kr.variance + jp.variance)
        gap_interval = Interval(gap - spread, gap + spread)
    supported = all(
        side.raters >= thresholds.support_raters and side.support_lower >= thresholds.lower_bound
        for side in (kr, jp)
    )
    return RatingComparison(
        kr=shown_kr, jp=shown_jp, gap=gap, gap_interval=gap_interval, supported_on_both_sides=supported
    )


def current_thresholds() -> Thresholds:
    """The thresholds in ``settings.COMMON_GROUND`` (missing keys take the published defaults)."""
    from django.conf import settings

    return Thresholds.from_mapping(getattr(settings, "COMMON_GROUND", {}))
