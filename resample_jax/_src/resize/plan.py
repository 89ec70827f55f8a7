"""Execution plans per axis, chosen from the tap tables (NumPy, static, cached).

  * :class:`Identity`: the axis is skipped;
  * :class:`Repeat`: nearest integer upsampling, each sample repeated ``q`` times;
  * :class:`Periodic`: when the tap pattern repeats every ``q`` outputs while advancing ``p``
    inputs (every rational ratio with a small denominator: integer up- and down-factors, 2/3,
    3/2, ...), each of the ``q`` output phases is a fixed stencil of strided slices of the input.
    The few border outputs whose taps leave the input are explicit rows with the border rule
    folded into their weights, so nothing is padded. The transposed table, in the same form, is
    what reverse mode runs;
  * :class:`Gather`: any other ratio gathers the taps, with a transposed table (for each input
    sample, the outputs and weights that touch it) for reverse mode, so no scatter runs.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from resample_jax._src.resize.taps import TINY_WEIGHT_SUM, Axis, Taps, coordinate_step, taps

# Periodic (slice-based) execution is used up to this many output phases per axis.
MAX_PHASES = 8

Row = tuple[tuple[int, float], ...]  # (input index, weight) pairs of one output


@dataclass(frozen=True)
class Identity:
    pass


@dataclass(frozen=True)
class Repeat:
    q: int  # each input sample is repeated q times
    m: int  # output length (the repeated array is cut to it)


@dataclass(frozen=True)
class Banded:
    """A per-axis linear map, every input index in range (borders resolved into the weights).

    Outputs ``[start, start + q * periods)`` repeat every ``q`` outputs while advancing ``p``
    inputs: phase ``r`` is ``sum_t w[r][t] * x[lo[r] + t + p * b]``, a few strided slices with no
    pad. The rows before and after that interior (``head``, ``tail``) are written out as weighted
    sums of single samples, so that neither the map nor its transpose pads or renormalises.
    """

    p: int
    q: int
    start: int
    periods: int
    lo: tuple[int, ...]
    w: tuple[tuple[float, ...], ...]
    head: tuple[Row, ...]
    tail: tuple[Row, ...]

    @property
    def n_out(self) -> int:
        return len(self.head) + self.q * self.periods + len(self.tail)


@dataclass(frozen=True)
class Periodic:
    fwd: Banded
    bwd: Banded  # the transpose, run by reverse mode


@dataclass(frozen=True, eq=False)
class Gather:
    idx: np.ndarray  # (m, K) int32, in range
    w: np.ndarray  # (m, K) effective weights
    idx_t: np.ndarray  # (n, F) outputs that read each input
    w_t: np.ndarray  # (n, F)
    unit: bool  # all forward weights are 1 (nearest): skip the multiply


def banded(idx: np.ndarray, w: np.ndarray, p: int, q: int) -> Banded:
    """Splits the rows of an in-range tap table into a periodic interior and explicit borders."""
    rows = []
    for o in range(idx.shape[0]):
        acc: dict[int, float] = {}
        for i, wt in zip(idx[o].tolist(), w[o].tolist(), strict=True):
            if wt != 0.0:
                acc[i] = acc.get(i, 0.0) + wt
        if acc:
            first, last = min(acc), max(acc)
            rows.append((first, tuple(acc.get(i, 0.0) for i in range(first, last + 1))))
        else:
            rows.append((None, ()))
    scale = max(float(np.abs(w).max()) if w.size else 0.0, 1.0)

    def repeats(o: int) -> bool:
        (a, wa), (b, wb) = rows[o - q], rows[o]
        return (a is not None and b is not None and b == a + p and len(wa) == len(wb)
                and np.allclose(wa, wb, rtol=0.0, atol=1e-12 * scale))

    # The longest run of outputs that repeat the output one period earlier.
    best, run_start = (0, 0), None
    for o in range(q, len(rows) + 1):
        if o < len(rows) and repeats(o):
            run_start = o if run_start is None else run_start
        elif run_start is not None:
            best = max(best, (o - run_start, run_start), key=lambda v: v[0])
            run_start = None
    length, first_repeat = best
    start, periods = (0, 0) if length == 0 else (first_repeat - q, (length + q) // q)
    phases = [rows[start + r] for r in range(q)] if periods else []
    k = max((len(wr) for _, wr in phases), default=0)

    def explicit(sel: range) -> tuple[Row, ...]:
        return tuple(
            tuple((rows[o][0] + t, v) for t, v in enumerate(rows[o][1]) if v != 0.0) for o in sel
        )

    return Banded(p, q, start, periods, tuple(lo for lo, _ in phases),
                  tuple(wr + (0.0,) * (k - len(wr)) for _, wr in phases),
                  explicit(range(start)), explicit(range(start + q * periods, len(rows))))


def gather_tables(t: Taps, n: int) -> tuple[np.ndarray, np.ndarray]:
    m, k = t.w.shape
    j = t.lo[:, None] + np.arange(k)
    w = t.w if t.norm is None else t.w * t.norm[:, None]
    if t.pad == "zeros":
        w = np.where((j >= 0) & (j < n), w, 0.0)
    return np.clip(j, 0, n - 1), w


def _redirect_zero_taps(idx: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``idx`` with each zero-weight tap pointed at its row's largest tap.

    A gather multiplies every tap by its weight, and ``0 * nan`` is NaN: a padding or out-of-range
    tap would spread a NaN (or inf) it does not weigh. Pointed at a tap the row already weighs, it
    adds nothing new, so an output is non-finite only where a tap of nonzero weight reads a
    non-finite input, as in the banded plans, which skip zero weights. Rows without a nonzero
    weight keep their indices."""
    if idx.size == 0:
        return idx
    main = np.take_along_axis(idx, np.argmax(np.abs(w), axis=1)[:, None], axis=1)
    return np.where(w != 0, idx, main).astype(idx.dtype)


def _transpose_tables(idx: np.ndarray, w: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """For each input index, the (output, weight) pairs that read it, padded to a common fan-in."""
    m = idx.shape[0]
    out = np.repeat(np.arange(m), idx.shape[1])
    key = idx.ravel() * m + out
    keep = w.ravel() != 0
    key, inverse = np.unique(key[keep], return_inverse=True)
    weight = np.bincount(inverse, weights=w.ravel()[keep], minlength=key.size)
    src, dst = key // m, key % m
    counts = np.bincount(src, minlength=n)
    fan_in = max(int(counts.max()) if counts.size else 0, 1)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    slot = np.arange(key.size) - first[src]
    idx_t = np.zeros((n, fan_in), np.int32)
    w_t = np.zeros((n, fan_in))
    idx_t[src, slot] = dst
    w_t[src, slot] = weight
    return _redirect_zero_taps(idx_t, w_t), w_t


def _clamp_equivalent(t: Taps, n: int) -> bool:
    """Whether renormalising the border rows gives the same weights as replicating the edge (true
    for linear upsampling, for instance)."""
    j = t.lo[:, None] + np.arange(t.w.shape[1])
    total = t.w.sum(axis=1)
    if np.any(np.abs(total) <= TINY_WEIGHT_SUM):
        return False
    for r in np.flatnonzero(np.any((j < 0) | (j >= n), axis=1)):
        jr = np.clip(j[r], 0, n - 1)
        renorm = np.bincount(jr, np.where(j[r] == jr, t.w[r], 0.0) * t.norm[r], minlength=n)
        clamp = np.bincount(jr, t.w[r] / total[r], minlength=n)
        if not np.allclose(renorm, clamp, rtol=0, atol=1e-12):
            return False
    return True


def _find_period(a: Axis, t: Taps) -> tuple[int, int] | None:
    m = a.n_out
    step = Fraction(a.n_in, m) if a.recipe.kind == "adaptive" else coordinate_step(a)
    cand = step.limit_denominator(MAX_PHASES)
    p, q = cand.numerator, cand.denominator
    if p == 0 or q > MAX_PHASES or q > m:
        return None
    o = np.arange(m)
    r, b = o % q, o // q
    if not np.array_equal(t.lo, t.lo[r] + p * b):
        return None
    scale = max(float(np.abs(t.w).max()), 1.0)
    if not np.allclose(t.w, t.w[r], rtol=0.0, atol=1e-12 * scale):
        return None
    return p, q


def _is_repeat(t: Taps, w: np.ndarray, n: int, p: int, q: int) -> bool:
    """Nearest integer upsampling: output o reads input o // q (in range) with weight 1."""
    o = np.arange(t.lo.shape[0])
    return (p == 1 and w.shape[1] == 1 and np.array_equal(t.lo, o // q) and int(t.lo[-1]) < n
            and np.allclose(w[:, 0], 1.0, rtol=0, atol=1e-12))


@functools.lru_cache(maxsize=512)
def axis_plan(a: Axis) -> Identity | Repeat | Periodic | Gather:
    t = taps(a)
    n, m = a.n_in, a.n_out
    idx, w = gather_tables(t, n)
    if m == n:
        on_diag = idx == np.arange(m)[:, None]
        if np.allclose(np.where(on_diag, w, 0.0).sum(1), 1.0, rtol=0, atol=1e-12) and np.all(
            np.abs(np.where(on_diag, 0.0, w)).sum(1) < 1e-12
        ):
            return Identity()
    period = _find_period(a, t)
    if period is not None and _is_repeat(t, w, n, *period):
        return Repeat(period[1], m)
    idx_t, w_t = _transpose_tables(idx, w, n)
    if period is not None:
        p, q = period
        return Periodic(banded(idx, w, p, q), banded(idx_t, w_t, q, p))
    return Gather(_redirect_zero_taps(idx, w).astype(np.int32), w, idx_t, w_t,
                  bool(np.all(w == 1.0)))
