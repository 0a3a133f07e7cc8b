"""The common-ground scores (core.consensus): properties that must hold for any counts, and
examples worked out by hand (the arithmetic is written next to each)."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.consensus import (
    METRIC_VERSION,
    Label,
    Side,
    Thresholds,
    bridging_score,
    comment_score,
    compare_ratings,
    label,
    newcombe_difference,
    rating_posterior,
    shown_support,
    wilson_lower,
)

counts = st.integers(min_value=0, max_value=600)
sides = st.builds(Side, agree=counts, disagree=counts, passed=counts)
rating_counts = st.lists(st.integers(min_value=0, max_value=300), min_size=5, max_size=5)


# --- properties ------------------------------------------------------------------------------------


@given(sides, sides)
def test_scores_are_symmetric_in_the_two_sides(kr, jp):
    assert bridging_score(kr, jp) == pytest.approx(bridging_score(jp, kr), abs=1e-12)
    assert label(kr, jp) == label(jp, kr)


@given(sides, sides)
def test_bridging_score_is_within_zero_and_one(kr, jp):
    assert 0.0 <= bridging_score(kr, jp) <= 1.0
    score = comment_score(kr, jp)
    for side in (score.kr, score.jp):
        assert 0.0 < side.support < 1.0
        assert 0.0 <= side.lower <= 1.0
        assert 0.0 <= side.interval.low <= side.interval.high <= 1.0


@given(sides, sides)
def test_one_more_agree_never_lowers_the_score(kr, jp):
    more = Side(kr.agree + 1, kr.disagree, kr.passed)
    assert bridging_score(more, jp) >= bridging_score(kr, jp) - 1e-12
    if kr.disagree:
        turned = Side(kr.agree + 1, kr.disagree - 1, kr.passed)
        assert bridging_score(turned, jp) >= bridging_score(kr, jp) - 1e-12


@given(sides, counts)
def test_score_is_zero_when_a_side_has_no_votes(kr, _):
    assert bridging_score(kr, Side()) == 0.0
    assert bridging_score(Side(), kr) == 0.0


@given(sides, sides)
def test_no_label_below_five_votes_a_side(kr, jp):
    if kr.votes < 5 or jp.votes < 5:
        assert label(kr, jp) == Label.NEEDS_VOTES


@given(st.integers(min_value=0, max_value=100_000), sides)
def test_a_flood_on_one_side_cannot_make_common_ground(flood, jp):
    """However many Korean agrees, common ground needs the Japanese side's own agreement."""
    if jp.agree - jp.disagree < 3 or wilson_lower(jp.agree, jp.votes) < 0.5:
        assert label(Side(agree=flood), jp) != Label.COMMON_GROUND
        assert bridging_score(Side(agree=flood), jp) <= math.sqrt(wilson_lower(jp.agree, jp.votes))


@given(sides, sides)
def test_labels_follow_their_definitions(kr, jp):
    found = label(kr, jp)
    if found == Label.COMMON_GROUND:
        assert all(s.agree - s.disagree >= 3 and wilson_lower(s.agree, s.votes) >= 0.5 for s in (kr, jp))
    if found == Label.SHARED_REJECTION:
        assert all(s.disagree - s.agree >= 3 for s in (kr, jp))
    if found == Label.DIVIDES:
        gap = shown_support(kr.agree, kr.votes) - shown_support(jp.agree, jp.votes)
        assert abs(gap) >= 0.3
        assert newcombe_difference(kr.agree, kr.votes, jp.agree, jp.votes).excludes_zero()


@given(rating_counts, rating_counts)
@settings(max_examples=200)
def test_rating_posteriors_are_sane(kr, jp):
    for counts_ in (kr, jp):
        posterior = rating_posterior(counts_)
        assert 1.0 <= posterior.interval.low <= posterior.mean <= posterior.interval.high <= 5.0
        assert 0.0 <= posterior.support_lower <= posterior.support_share <= 1.0
    comparison = compare_ratings(kr, jp)
    # Small groups are never shown, and nothing is compared against a hidden side.
    assert (comparison.kr is None) == (sum(kr) < 5)
    assert (comparison.jp is None) == (sum(jp) < 5)
    assert (comparison.gap is None) == (comparison.kr is None or comparison.jp is None)
    if comparison.gap is not None:
        assert comparison.gap_interval.low <= comparison.gap <= comparison.gap_interval.high
    if comparison.supported_on_both_sides:
        assert sum(kr) >= 10 and sum(jp) >= 10


@given(rating_counts)
def test_rating_comparison_is_symmetric(counts_):
    other = [3, 1, 4, 1, 5]
    forward, backward = compare_ratings(counts_, other), compare_ratings(other, counts_)
    assert forward.supported_on_both_sides == backward.supported_on_both_sides
    if forward.gap is not None:
        assert forward.gap == pytest.approx(-backward.gap)


# --- worked by hand ------------------------------------------------------------------------------
#
# Wilson lower bound at z = 1.2816 (z² = 1.64250):
#   L = (p + z²/2n − z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n)


def test_flood_on_one_side_is_not_common_ground():
    """500 Korean agrees against Japanese 2 agree / 8 disagree.

    KR: p = 1, n = 500: L = (1 + 0.0016425 − 1.2816·√(0 + 0.00000164)) / 1.003285
                          = (1.0016425 − 0.0016425) / 1.003285 = 0.99673
    JP: p = 0.2, n = 10: L = (0.2 + 0.082125 − 1.2816·√(0.016 + 0.0041063)) / 1.16425
                           = (0.282125 − 0.181727) / 1.16425 = 0.08623
    score = √(0.99673 · 0.08623) = 0.2932 — the flood cannot lift Japan's term.
    Shown support KR 501/502 = 0.998, JP 3/12 = 0.25: the gap 0.748 ≥ 0.3, and Newcombe's interval
    of 1.0 − 0.2 is (0.490, 0.943), away from 0: the comment *divides*.
    """
    kr, jp = Side(agree=500), Side(agree=2, disagree=8)
    score = comment_score(kr, jp)

    assert score.kr.lower == pytest.approx(0.99673, abs=1e-5)
    assert score.jp.lower == pytest.approx(0.08623, abs=1e-5)
    assert score.bridging == pytest.approx(0.2932, abs=1e-4)
    assert score.kr.support == pytest.approx(501 / 502)
    assert score.jp.support == pytest.approx(0.25)
    interval = newcombe_difference(500, 500, 2, 10)
    assert (interval.low, interval.high) == (pytest.approx(0.4901, abs=1e-4), pytest.approx(0.9433, abs=1e-4))
    assert score.label == Label.DIVIDES != Label.COMMON_GROUND


def test_both_sides_agreeing_is_common_ground():
    """KR 9 agree 1 disagree, JP 8 agree 2 disagree.

    KR: p = 0.9: L = (0.9 + 0.082125 − 1.2816·√(0.009 + 0.0041063)) / 1.16425
                   = (0.982125 − 0.146717) / 1.16425 = 0.71755
    JP: p = 0.8: L = (0.882125 − 1.2816·√(0.016 + 0.0041063)) / 1.16425 = 0.60159
    both ≥ 0.5, agree − disagree = 8 and 6 ≥ 3; score = √(0.71758 · 0.60159) = 0.6570
    """
    score = comment_score(Side(agree=9, disagree=1), Side(agree=8, disagree=2))

    assert score.kr.lower == pytest.approx(0.71755, abs=1e-4)
    assert score.jp.lower == pytest.approx(0.60159, abs=1e-4)
    assert score.bridging == pytest.approx(0.6570, abs=1e-4)
    assert score.label == Label.COMMON_GROUND
    assert score.metric_version == METRIC_VERSION


def test_both_sides_rejecting_is_shared_rejection():
    """KR 0 agree 6 disagree, JP 1 agree 7 disagree: no agrees on the Korean side, so its L is 0
    and the score is 0. Disagree shares: KR 6/6 (L = 1/(1 + 1.6425/6) = 0.7851), JP 7/8
    (L = (0.875 + 0.10266 − 1.2816·√(0.013672 + 0.0064160)) / 1.20531 = 0.6604); both ≥ 0.5 and
    disagree − agree = 6 and 6 ≥ 3."""
    kr, jp = Side(disagree=6), Side(agree=1, disagree=7)

    assert wilson_lower(6, 6) == pytest.approx(0.7851, abs=1e-4)
    assert wilson_lower(7, 8) == pytest.approx(0.6604, abs=1e-4)
    assert bridging_score(kr, jp) == 0.0
    assert label(kr, jp) == Label.SHARED_REJECTION


def test_mostly_passes_on_both_sides_is_unsure():
    """KR 1 agree 1 disagree 4 pass (pass share 4/6 = 0.67), JP 1 agree 0 disagree 5 pass (5/6):
    neither agreement nor rejection; shown support 2/8 = 0.25 and 2/8 = 0.25, no gap: *unsure*."""
    kr, jp = Side(agree=1, disagree=1, passed=4), Side(agree=1, passed=5)

    assert shown_support(kr.agree, kr.votes) == shown_support(jp.agree, jp.votes) == 0.25
    assert label(kr, jp) == Label.UNSURE


def test_four_votes_on_one_side_needs_votes_however_clear():
    """KR 4 agree (only 4 votes), JP 10 agree: the score exists (L_KR = 1/(1 + 1.6425/4) = 0.7089,
    L_JP = 1/(1 + 0.16425) = 0.8589, score = √(0.7089 · 0.8589) = 0.7803), but no label below 5."""
    kr, jp = Side(agree=4), Side(agree=10)

    assert bridging_score(kr, jp) == pytest.approx(0.7803, abs=1e-4)
    assert label(kr, jp) == Label.NEEDS_VOTES


def test_a_gap_without_enough_evidence_does_not_divide():
    """KR 4 agree 2 disagree, JP 1 agree 5 disagree: shown support 5/8 = 0.625 and 2/8 = 0.25, a gap
    of 0.375 ≥ 0.3, but Newcombe's 95 % interval of 0.667 − 0.167 is (−0.040, 0.773): it holds 0,
    so the comment is not said to divide; nor is it common ground (L_JP = 0.04): it needs votes."""
    kr, jp = Side(agree=4, disagree=2), Side(agree=1, disagree=5)

    interval = newcombe_difference(4, 6, 1, 6)
    assert interval.low == pytest.approx(-0.0403, abs=1e-4)
    assert interval.high == pytest.approx(0.7732, abs=1e-4)
    assert label(kr, jp) == Label.NEEDS_VOTES


def test_three_of_five_is_not_yet_common_ground():
    """KR and JP each 4 agree 1 disagree: agree − disagree = 3, but L = (0.8 + 0.16425 −
    1.2816·√(0.032 + 0.016425)) / 1.3285 = (0.96425 − 0.28210) / 1.3285 = 0.5135 ≥ 0.5: common
    ground. With 3 agree 2 disagree the margin is 1 < 3: not."""
    assert wilson_lower(4, 5) == pytest.approx(0.5135, abs=1e-4)
    assert label(Side(agree=4, disagree=1), Side(agree=4, disagree=1)) == Label.COMMON_GROUND
    assert label(Side(agree=3, disagree=2), Side(agree=4, disagree=1)) != Label.COMMON_GROUND


def test_thresholds_come_from_settings(settings):
    from core.consensus import current_thresholds

    settings.COMMON_GROUND = {"min_votes": 2, "margin": 1}
    thresholds = current_thresholds()

    assert (thresholds.min_votes, thresholds.margin, thresholds.z) == (2, 1, 1.2816)
    kr = jp = Side(agree=2)
    assert label(kr, jp) == Label.NEEDS_VOTES
    # 2 of 2 at z = 1.2816: L = 1 / (1 + 1.6425/2) = 0.5491 ≥ 0.5, margin 2 ≥ 1.
    assert label(kr, jp, thresholds) == Label.COMMON_GROUND


def test_rating_posterior_worked_examples():
    """No ratings: α = (1,1,1,1,1), mean 15/5 = 3, E[k²] = 55/5 = 11, variance (11 − 9)/6 = 1/3,
    interval 3 ± 1.96·0.5774 = (1.868, 4.132).
    Five 4s and five 5s: α = (1,1,1,6,6), α₀ = 15, mean (1+2+3+24+30)/15 = 4.0,
    E[k²] = (1+4+9+96+150)/15 = 17.333, variance (17.333 − 16)/16 = 0.08333,
    interval 4 ± 1.96·0.2887 = (3.434, 4.566); 10 of 10 ≥ 4: L = 1/(1 + 0.16425) = 0.8589."""
    empty = rating_posterior([0, 0, 0, 0, 0])
    assert (empty.mean, empty.variance) == (3.0, pytest.approx(1 / 3))
    assert empty.interval.low == pytest.approx(1.8684, abs=1e-4)

    high = rating_posterior([0, 0, 0, 5, 5])
    assert high.mean == pytest.approx(4.0)
    assert high.variance == pytest.approx(1 / 12)
    assert (high.interval.low, high.interval.high) == (
        pytest.approx(3.4342, abs=1e-4),
        pytest.approx(4.5658, abs=1e-4),
    )
    assert high.support_lower == pytest.approx(0.8589, abs=1e-4)


def test_supported_on_both_sides_needs_ten_raters_each_and_hides_small_groups():
    both = compare_ratings([0, 0, 0, 5, 5], [0, 0, 1, 4, 5])
    assert both.supported_on_both_sides
    # JP: α = (1,1,2,5,6), α₀ = 15, mean (1+2+6+20+30)/15 = 59/15 = 3.9333.
    assert both.gap == pytest.approx(4.0 - 59 / 15)

    nine = compare_ratings([0, 0, 0, 4, 5], [0, 0, 0, 5, 5])
    assert not nine.supported_on_both_sides  # 9 Korean raters

    small = compare_ratings([0, 0, 0, 2, 2], [0, 0, 0, 5, 5])
    assert small.kr is None and small.gap is None and small.jp is not None
    assert Thresholds().min_raters == 5
