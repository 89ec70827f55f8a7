"""``experiments/stats.py``: the mean, standard deviation and Student-t interval over seeds match
``scipy.stats``; paired differences pair by seed; the words follow the interval (wins / tie /
single seed; reproduced / refuted / no effect), on hand-made numbers."""

import math

import numpy as np
import pytest
import scipy.stats

from experiments import stats


@pytest.mark.parametrize(
    "values", [[1.0, 2.0], [0.3, 0.1, 0.5, 0.35], [31.2, 30.9, 31.4, 31.0, 31.1]]
)
def test_summary_matches_scipy_t_interval(values):
    s = stats.summarize(values)
    v = np.asarray(values)
    low, high = scipy.stats.t.interval(0.95, len(v) - 1, loc=v.mean(), scale=scipy.stats.sem(v))
    assert s.n == len(v)
    np.testing.assert_allclose([s.mean, s.sd], [v.mean(), v.std(ddof=1)], rtol=1e-12)
    np.testing.assert_allclose([s.low, s.high], [low, high], rtol=1e-12)


def test_summary_of_two_values_by_hand():
    # mean 2, sd sqrt(2), t(0.975, 1) = 12.706: interval 2 +- 12.706 * sqrt(2) / sqrt(2).
    s = stats.summarize([1.0, 3.0])
    np.testing.assert_allclose([s.low, s.high], [2 - 12.7062047, 2 + 12.7062047], rtol=1e-7)


def test_single_value_has_no_interval_and_bad_input_is_rejected():
    s = stats.summarize([0.7])
    assert s.n == 1 and s.mean == 0.7 and math.isnan(s.sd) and math.isnan(s.low)
    assert "1 seed: no interval" in s.text()
    with pytest.raises(ValueError, match="at least one"):
        stats.summarize([])
    with pytest.raises(ValueError, match=r"confidence must lie in \(0, 1\); got 1.5"):
        stats.summarize([1.0, 2.0], confidence=1.5)


def test_paired_differences_pair_by_seed_not_by_order():
    a = {0: 0.5, 1: 0.7, 2: 0.9}
    b = {2: 0.8, 0: 0.6, 3: 0.0}  # seed 3 has no partner, seed 1 neither
    np.testing.assert_allclose(stats.paired_differences(a, b), [-0.1, 0.1])


def test_verdict_words_follow_the_paired_interval():
    wins = stats.summarize([0.10, 0.12, 0.11, 0.13])  # interval well above 0
    assert stats.verdict(wins, "a", "b") == "a wins"
    loses = stats.summarize([-0.10, -0.12, -0.11, -0.13])
    assert stats.verdict(loses, "a", "b") == "b wins"
    # Mean +0.05 but the seeds disagree: the interval holds 0.
    noisy = stats.summarize([0.3, -0.2, 0.1, 0.0])
    assert noisy.low < 0 < noisy.high
    assert stats.verdict(noisy, "a", "b") == "tie within noise"
    assert stats.verdict(stats.summarize([0.4]), "a", "b").startswith("single seed")


def test_claim_words_follow_the_paired_interval():
    assert stats.claim(stats.summarize([0.02, 0.03, 0.025, 0.028, 0.03])) == "reproduced"
    assert stats.claim(stats.summarize([-0.02, -0.03, -0.025, -0.028, -0.03])) == "refuted"
    s = stats.summarize([0.01, -0.01, 0.0, 0.005, -0.004])
    assert stats.claim(s) == f"no effect within ±{max(-s.low, s.high):.3g}"
    assert stats.claim(stats.summarize([0.5])).startswith("single seed")


@pytest.mark.parametrize(
    "x, y",
    [
        ([-0.30, -0.25, 0.02, 0.01, 0.03], [0.031, 0.026, 0.012, 0.008, 0.010]),
        ([0.1, 0.4, 0.2, 0.7], [1.0, 0.2, 0.5, -0.3]),
        ([1.0, 2.0, 3.0], [0.5, 0.1, 0.9]),
    ],
)
def test_adjusted_difference_is_the_intercept_of_scipy_linregress(x, y):
    a = stats.adjusted_difference(y, x)
    r = scipy.stats.linregress(x, y)
    t = scipy.stats.t.ppf(0.975, len(x) - 2)
    np.testing.assert_allclose([a.mean, a.se, a.slope], [r.intercept, r.intercept_stderr, r.slope],
                               rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose([a.low, a.high], [r.intercept - t * r.intercept_stderr,
                                                 r.intercept + t * r.intercept_stderr], rtol=1e-10)
    assert a.n == len(x) and a.extrapolated == (min(x) > 0 or max(x) < 0)


def test_adjusted_difference_removes_a_covariate_that_explains_the_plain_difference():
    # Hand-made: each seed's consistency gain is exactly 0.05 per unit of mIoU lost, so the
    # plain paired difference is clearly positive, yet at an equal mIoU the gain is 0 (the
    # points lie on a line through the origin; residuals 0, so the interval is the point 0).
    dmiou = [-0.30, -0.25, -0.20, -0.22, 0.01]
    dcons = [-0.05 * d for d in dmiou]
    assert stats.claim(stats.summarize(dcons)) == "reproduced"
    a = stats.adjusted_difference(dcons, dmiou)
    np.testing.assert_allclose([a.mean, a.low, a.high, a.slope], [0, 0, 0, -0.05], atol=1e-15)
    assert not a.extrapolated and "slope -0.0500, 5 seeds, df 3" in a.text(4)
    # The same with a true gain of 0.01 at equal mIoU and a little noise: reproduced.
    noisy = [c + 0.01 + e for c, e in zip(dcons, [1e-3, -1e-3, 5e-4, 0.0, -5e-4], strict=True)]
    b = stats.adjusted_difference(noisy, dmiou)
    assert b.low > 0 and stats.claim(b) == "reproduced"


def test_adjusted_difference_needs_three_seeds_and_a_varying_covariate():
    for y, x in (([0.1, 0.2], [0.0, 1.0]), ([0.1, 0.2, 0.3], [0.5, 0.5, 0.5])):
        a = stats.adjusted_difference(y, x)
        assert math.isnan(a.low) and math.isnan(a.high)
        assert stats.claim(a).startswith("no interval, not concluded")
        assert "no interval" in a.text()
    one = stats.adjusted_difference([0.3, 0.2, 0.4], [0.1, 0.2, 0.3])
    assert one.extrapolated and "extrapolated" in one.text()
    with pytest.raises(ValueError, match="equal length; got 2 and 3 values"):
        stats.adjusted_difference([0.1, 0.2], [0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="non-empty"):
        stats.adjusted_difference([], [])
    with pytest.raises(ValueError, match=r"confidence must lie in \(0, 1\); got 0"):
        stats.adjusted_difference([0.1, 0.2, 0.4], [0.0, 1.0, 2.0], confidence=0)
