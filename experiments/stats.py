"""Statistics over seeds: mean, standard deviation and Student-t confidence intervals, paired
differences by seed, and the words a report may use for them.

A seed fixes a run's initialisation and its data stream; seed ``i`` of every method sees the same
stream, so two methods are compared by the differences of their scores seed by seed (a paired
design), not by the overlap of two separate intervals.

Rules for the words (``verdict`` / ``claim``): "wins" only when the 95% interval of the paired
difference excludes 0; "tie within noise" otherwise; one seed has no spread, so nothing can be
concluded from it and the text says so.
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


def claim(diff: Summary) -> str:
    """Words for a claimed improvement, ``diff`` being the paired difference (claim > 0).

    "reproduced" when the interval lies above 0, "refuted" when it lies below 0, and otherwise
    "no effect within +-X", X the largest distance of the interval from 0.
    """
    if diff.n == 0:
        return "not measured"
    if diff.n == 1:
        return "single seed: no noise estimate, not concluded (run >= 2 seeds)"
    if diff.low > 0:
        return "reproduced"
    if diff.high < 0:
        return "refuted"
    return f"no effect within ±{max(abs(diff.low), abs(diff.high)):.3g}"
