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
