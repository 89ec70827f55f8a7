"""Statistics over seeds: mean, standard deviation and Student-t confidence intervals, paired
differences by seed, and the words a report may use for them.

A seed fixes a run's initialisation and its data stream; seed ``i`` of every method sees the same
stream, so two methods are compared by the differences of their scores seed by seed (a paired
design), not by the overlap of two separate intervals.

Rules for the words (``verdict`` / ``claim``): "wins" only when the 95% interval of the paired
difference excludes 0; "tie within noise" otherwise; one seed has no spread, so nothing can be
concluded from it and the text says so.

When two methods differ in a second score that drives the first (a net that learnt less predicts
coarser maps, and coarse maps agree more under shifts), :func:`adjusted_difference` estimates the
paired difference at an equal paired difference of that second score: the intercept of the
least-squares line through the seeds' paired differences (an analysis of covariance on the
paired design).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence

import numpy as np
from scipy import stats as _scipy_stats

CONFIDENCE = 0.95


@dataclasses.dataclass(frozen=True)
class Summary:
    """Mean, sample standard deviation (``ddof=1``) and the two-sided Student-t interval of the
    mean, over ``n`` values. With ``n == 1`` the spread and the interval are NaN."""

    n: int
    mean: float
    sd: float
    low: float
    high: float

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2

    def excludes_zero(self) -> bool:
        return self.n > 1 and (self.low > 0 or self.high < 0)

    def text(self, digits: int = 3, unit: str = "") -> str:
        """``+1.234 dB (95% CI [+1.100, +1.368], sd 0.050, 4 seeds)``, or the one-seed form."""
        f = f"{{:+.{digits}f}}"
        u = f" {unit}" if unit else ""
        if self.n < 2:
            return f"{f.format(self.mean)}{u} (1 seed: no interval)"
        return (
            f"{f.format(self.mean)}{u} (95% CI [{f.format(self.low)}, {f.format(self.high)}], "
            f"sd {self.sd:.{digits}f}, {self.n} seeds)"
        )


def summarize(values: Sequence[float], confidence: float = CONFIDENCE) -> Summary:
    """The :class:`Summary` of ``values`` (at least one).

    The interval is ``mean +- t_{n-1, (1+confidence)/2} * sd / sqrt(n)`` (Student 1908; as
    ``scipy.stats.t.interval(confidence, n - 1, loc=mean, scale=sem)``).

    Raises:
      ValueError: no values, or ``confidence`` outside (0, 1).
    """
    v = np.asarray(values, np.float64)
    if v.size == 0:
        raise ValueError("summarize: values must hold at least one number; got none.")
    if not 0 < confidence < 1:
        raise ValueError(f"summarize: confidence must lie in (0, 1); got {confidence}.")
    mean = float(v.mean())
    if v.size == 1:
        return Summary(1, mean, math.nan, math.nan, math.nan)
    sd = float(v.std(ddof=1))
    t = float(_scipy_stats.t.ppf((1 + confidence) / 2, v.size - 1))
    half = t * sd / math.sqrt(v.size)
    return Summary(int(v.size), mean, sd, mean - half, mean + half)


def paired_differences(a: Mapping[int, float], b: Mapping[int, float]) -> list[float]:
    """``a[seed] - b[seed]`` for every seed both ran, in seed order."""
    return [a[s] - b[s] for s in sorted(set(a) & set(b))]


@dataclasses.dataclass(frozen=True)
class Adjusted:
    """The paired difference of a score predicted at a zero paired difference of a covariate.

    ``mean`` is the intercept ``a`` of the least-squares line ``d_y = a + slope * d_x`` through
    the ``n`` seeds' paired differences ``(d_x, d_y)``; ``se`` its standard error and
    ``[low, high]`` its two-sided Student-t interval with ``n - 2`` degrees of freedom.
    ``extrapolated`` is true when every seed's ``d_x`` lies on one side of 0, so the estimate at
    0 leans on the line beyond the data. NaN interval with fewer than 3 seeds or a covariate
    difference that does not vary.
    """

    n: int
    mean: float
    se: float
    low: float
    high: float
    slope: float
    extrapolated: bool

    def text(self, digits: int = 3) -> str:
        """``+0.012 (95% CI [+0.001, +0.023], slope +0.05, 5 seeds, df 3)``."""
        f = f"{{:+.{digits}f}}"
        if math.isnan(self.low):
            return (
                f"{f.format(self.mean)} (no interval: {self.n} seeds; needs >= 3 and a varying "
                "covariate)"
            )
        beyond = ""
        if self.extrapolated:
            beyond = "; extrapolated: every seed's covariate difference has one sign"
        return (
            f"{f.format(self.mean)} (95% CI [{f.format(self.low)}, {f.format(self.high)}], slope "
            f"{self.slope:+.{digits}f}, {self.n} seeds, df {self.n - 2}{beyond})"
        )


def adjusted_difference(
    diff: Sequence[float], covariate_diff: Sequence[float], confidence: float = CONFIDENCE
) -> Adjusted:
    """The paired difference ``diff`` at a zero paired difference ``covariate_diff`` (per seed,
    same order): the intercept of their least-squares line, with its Student-t interval.

    With ``x = covariate_diff``, ``y = diff``: ``slope = S_xy / S_xx``, ``a = mean(y) - slope *
    mean(x)``, ``s^2 = sum(residual^2) / (n - 2)``, ``se(a) = s * sqrt(1/n + mean(x)^2 / S_xx)``
    and the interval ``a +- t_{n-2, (1+confidence)/2} * se(a)`` (the intercept and
    ``intercept_stderr`` of ``scipy.stats.linregress``). It assumes the dependence is linear over
    the seeds' range.

    Raises:
      ValueError: the two sequences differ in length or are empty, or ``confidence`` outside
        (0, 1).
    """
    y, x = np.asarray(diff, np.float64), np.asarray(covariate_diff, np.float64)
    if y.shape != x.shape or y.ndim != 1 or y.size == 0:
        raise ValueError(
            "adjusted_difference: diff and covariate_diff must be two non-empty sequences of "
            f"equal length; got {y.size} and {x.size} values."
        )
    if not 0 < confidence < 1:
        raise ValueError(f"adjusted_difference: confidence must lie in (0, 1); got {confidence}.")
    n, mx = y.size, float(x.mean())
    sxx = float(((x - mx) ** 2).sum())
    extrapolated = bool(x.min() > 0 or x.max() < 0)
    if n < 3 or sxx <= 1e-12 * float((x * x).sum()):
        nan = math.nan
        return Adjusted(int(n), float(y.mean()), nan, nan, nan, nan, extrapolated)
    slope = float(((x - mx) * (y - y.mean())).sum()) / sxx
    a = float(y.mean()) - slope * mx
    resid = y - (a + slope * x)
    se = math.sqrt(float((resid**2).sum()) / (n - 2) * (1.0 / n + mx * mx / sxx))
    t = float(_scipy_stats.t.ppf((1 + confidence) / 2, n - 2))
    return Adjusted(int(n), a, se, a - t * se, a + t * se, slope, extrapolated)


def verdict(diff: Summary, name_a: str, name_b: str) -> str:
    """Words for the paired difference ``a - b`` of a higher-is-better score."""
    if diff.n == 0:
        return "no common seed"
    if diff.n == 1:
        return "single seed: no noise estimate, no winner (run more seeds)"
    if diff.low > 0:
        return f"{name_a} wins"
    if diff.high < 0:
        return f"{name_b} wins"
    return "tie within noise"


def claim(diff: Summary | Adjusted) -> str:
    """Words for a claimed improvement, ``diff`` being the paired difference (claim > 0), plain
    or adjusted.

    "reproduced" when the interval lies above 0, "refuted" when it lies below 0, and otherwise
    "no effect within +-X", X the largest distance of the interval from 0.
    """
    if diff.n == 0:
        return "not measured"
    if diff.n == 1:
        return "single seed: no noise estimate, not concluded (run >= 2 seeds)"
    if math.isnan(diff.low):
        return "no interval, not concluded (needs >= 3 seeds and a varying covariate)"
    if diff.low > 0:
        return "reproduced"
    if diff.high < 0:
        return "refuted"
    return f"no effect within ±{max(abs(diff.low), abs(diff.high)):.3g}"
