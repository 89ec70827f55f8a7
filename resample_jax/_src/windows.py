"""Window geometry of sliding-window pooling, and the first-extreme selection that max / min,
adaptive and fractional max pooling share.

:func:`geometry` turns PyTorch-style window options (window, strides, padding, dilation,
``ceil_mode``) into one hashable :class:`Geometry` (a static jit argument). :func:`select_extreme`
picks the first extreme of product windows one spatial axis at a time through reshapes and strided
slices, so the transpose of what it selects (the backward pass) is made of broadcasts, selects and
pads, with no scatter.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from resample_jax._src import validation


class Geometry(NamedTuple):
    """Canonical window geometry of one pooling call (hashable: a static jit argument).

    ``pads[a] = (lo, hi)`` is the explicit padding of spatial axis ``a`` (what counts as padding for
    ``count_include_pad``); ``hi_used[a]`` is how far past the input the windows reach on the right
    (``hi`` plus ceil-mode overhang, or negative when the last input cells are left out).
    """

    window: tuple[int, ...]
    strides: tuple[int, ...]
    dilation: tuple[int, ...]
    pads: tuple[tuple[int, int], ...]
    hi_used: tuple[int, ...]
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]

    def effective(self, a: int) -> int:
        return (self.window[a] - 1) * self.dilation[a] + 1

    def disjoint(self, a: int) -> bool:
        """Windows along axis ``a`` neither overlap nor touch: a reshape can gather them."""
        return self.strides[a] >= self.effective(a)


def pool_options(
    fn: str, window_shape: Any, strides: Any, padding: Any, dilation: Any, ceil_mode: Any = False
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], Any]:
    """The window options of a pooling call, checked without an array (what modules run at
    construction); returns ``(window, strides, dilation, padding)`` canonical."""
    rank = validation.rank_of(fn, "window_shape", window_shape)
    window = validation.int_tuple(fn, "window_shape", window_shape, rank)
    strides = window if strides is None else validation.int_tuple(fn, "strides", strides, rank)
    dilation = validation.int_tuple(fn, "dilation", dilation, rank)
    if not isinstance(ceil_mode, bool):
        raise TypeError(f"{fn}: `ceil_mode` must be a bool; got {ceil_mode!r}.")
    pad = validation.padding_pairs(fn, padding, rank)
    if not isinstance(pad, str):
        for (lo, hi), k in zip(pad, window, strict=True):
            if lo > k // 2 or hi > k // 2:
                raise ValueError(
                    f"{fn}: `padding` must be at most half the window on each side "
                    f"(window_shape // 2 = {tuple(k // 2 for k in window)}), as in PyTorch; "
                    f"got padding={padding!r} for window_shape={window}."
                )
    return window, strides, dilation, pad



def geometry(
    fn: str,
    x: jax.Array,
    window_shape: Any,
    strides: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: bool,
) -> tuple[jax.Array, Geometry]:
    """Validates the window arguments of a pooling call and returns ``(x, geometry)``."""
    window, strides, dilation, pad = pool_options(
        fn, window_shape, strides, padding, dilation, ceil_mode
    )
    rank = len(window)
    x = validation.check_array(fn, x, rank)
    validation.check_nonempty_spatial(fn, x, rank)
    in_shape = validation.spatial_shape(x, rank)
    eff = tuple((k - 1) * d + 1 for k, d in zip(window, dilation, strict=True))
    if pad == "VALID":
        pads = ((0, 0),) * rank
    elif pad == "SAME":
        pads = []
        for n, s, e in zip(in_shape, strides, eff, strict=True):
            total = max((-(-n // s) - 1) * s + e - n, 0)
            pads.append((total // 2, total - total // 2))
        pads = tuple(pads)
    else:
        pads = pad
    out, hi_used = [], []
    for n, s, e, (lo, hi) in zip(in_shape, strides, eff, pads, strict=True):
        padded = n + lo + hi
        o = (-(-(padded - e) // s) if ceil_mode else (padded - e) // s) + 1
        if ceil_mode and (o - 1) * s >= n + lo:
            # PyTorch drops a last window that would start in the right padding.
            o -= 1
        if o < 1:
            # In ceil mode the last window may reach up to `stride - 1` cells past the padded
            # input (a partial window), as in PyTorch; only a call left with no window fails.
            ceil_helps = not ceil_mode and e - padded < s
            raise ValueError(
                f"{fn}: the window (extent {eff} with dilation {dilation}) is larger than the "
                f"padded input (input {in_shape} with padding {pads}) and leaves no output"
                f"{' (ceil_mode=False)' if ceil_helps else ''}; use a smaller `window_shape` or "
                f"`dilation`, more `padding`{', or ceil_mode=True' if ceil_helps else ''}."
            )
        out.append(o)
        hi_used.append((o - 1) * s + e - lo - n)
    geom = Geometry(window, strides, dilation, pads, tuple(hi_used), in_shape, tuple(out))
    return x, geom


def fill_value(dtype: Any, largest: bool) -> Any:
    """The identity of max (``largest``) or min for ``dtype``: -inf/+inf, or the integer limits."""
    if jnp.issubdtype(dtype, jnp.floating):
        return -np.inf if largest else np.inf
    info = jnp.iinfo(dtype)
    return info.min if largest else info.max


def check_selectable(fn: str, x: jax.Array) -> None:
    """Max/min pooling accepts floating and integer inputs (not bool or complex)."""
    if not (jnp.issubdtype(x.dtype, jnp.floating) or jnp.issubdtype(x.dtype, jnp.integer)):
        raise TypeError(f"{fn}: `x` must have a floating or integer dtype; got {x.dtype}.")


def pad_to_windows(x: jax.Array, geom: Geometry, value: Any) -> jax.Array:
    """Pads (or crops) the spatial axes of ``(N, *spatial, C)`` to what the windows cover."""
    config = [(0, 0, 0)]
    config += [(lo, hi, 0) for (lo, _), hi in zip(geom.pads, geom.hi_used, strict=True)]
    config += [(0, 0, 0)]
    return lax.pad(x, jnp.asarray(value, x.dtype), config)


class StridedAxis(NamedTuple):
    """Windows along one axis of an array already padded to the windows' extent: element ``i`` of
    window ``o`` is input ``o * stride + i * dilation``."""

    window: int
    stride: int
    dilation: int
    out: int
    lead: int = 0  # left padding: windows start at ``o * stride - lead`` in input coordinates

    def view(self, x: jax.Array, axis: int) -> jax.Array:
        """Disjoint windows as a new axis after ``axis``, by a reshape (transpose: a reshape)."""
        k, s, d, o = self.window, self.stride, self.dilation, self.out
        x = lax.pad(x, jnp.zeros((), x.dtype), _end_pad(x.ndim, axis, o * s - x.shape[axis]))
        x = x.reshape((*x.shape[:axis], o, s, *x.shape[axis + 1 :]))
        return lax.slice_in_dim(x, 0, (k - 1) * d + 1, d, axis=axis + 1)

    def taps(self, x: jax.Array, axis: int) -> list[jax.Array]:
        """Tap ``i`` of every window, one strided slice each (transpose: a strided pad)."""
        k, s, d, o = self.window, self.stride, self.dilation, self.out
        return [lax.slice_in_dim(x, i * d, i * d + (o - 1) * s + 1, s, axis=axis) for i in range(k)]

    def first_extreme(self, x: jax.Array, axis: int, largest: bool) -> tuple[jax.Array, jax.Array]:
        """Extreme of each window and the int32 tap of its first occurrence (NaN is extreme; the
        last NaN is taken, as PyTorch's kernels do)."""
        if self.stride >= (self.window - 1) * self.dilation + 1:
            best, first = first_extreme_view(self.view(x, axis), axis + 1, largest)
            return best, _prefer_input(best, first, axis, largest, self._input_taps())
        # Overlapping windows: a running comparison over the taps; strict, so the first tap wins
        # (and every NaN is taken, so the last NaN wins: `val > best || isnan(val)` in PyTorch).
        taps = self.taps(x, axis)
        best, first = taps[0], jnp.zeros(taps[0].shape, jnp.int32)
        for i, tap in enumerate(taps[1:], 1):
            better = tap > best if largest else tap < best
            if jnp.issubdtype(tap.dtype, jnp.floating):
                better = better | jnp.isnan(tap)
            best = jnp.where(better, tap, best)
            first = jnp.where(better, i, first)
        return best, _prefer_input(best, first, axis, largest, self._input_taps())

    def _input_taps(self) -> np.ndarray | None:
        return first_input_taps(self.out, self.stride, self.dilation, self.lead)

    def take(self, p: jax.Array, axis: int, first: jax.Array) -> jax.Array:
        """Tap ``first`` of every window of ``p`` (linear in ``p``)."""
        if self.stride >= (self.window - 1) * self.dilation + 1:
            return take_view(self.view(p, axis), axis + 1, first)
        taps = self.taps(p, axis)
        out = taps[0]
        for i, tap in enumerate(taps[1:], 1):
            out = jnp.where(first == i, tap, out)
        return out


def first_input_taps(out: int, stride: int, dilation: int, lead: int) -> np.ndarray | None:
    """The tap of each of ``out`` windows along one axis that is the first at or after input
    position 0 (``lead`` is the left padding), or None when every window starts inside the input.

    A window whose extreme equals the padding value (-inf, or the integer limit: 0 in uint8)
    reports this tap, not a padding tap, as PyTorch's kernels do (they start from it and only a
    strictly greater value moves them). The tap can lie in the right padding when the window
    holds no input element on this axis; it is always inside the window (``lead <= window // 2``).
    """
    starts = np.arange(out) * stride - lead
    taps = np.where(starts < 0, (-starts + dilation - 1) // dilation, 0)
    return taps.astype(np.int32) if taps.any() else None


def _is_padding_value(best: jax.Array, largest: bool) -> jax.Array:
    """Where an extreme equals the padding value (so a padding tap may have been chosen)."""
    return best == jnp.asarray(fill_value(best.dtype, largest), best.dtype)


def _prefer_input(
    best: jax.Array, first: jax.Array, axis: int, largest: bool, taps: np.ndarray | None
) -> jax.Array:
    """``first`` with the windows whose extreme is the padding value pointed at ``taps``."""
    if taps is None:
        return first
    shape = [1] * best.ndim
    shape[axis] = taps.size
    taps = jnp.asarray(taps.reshape(shape), first.dtype)
    return jnp.where(_is_padding_value(best, largest), taps, first)


def _end_pad(ndim: int, axis: int, amount: int) -> list[tuple[int, int, int]]:
    config = [(0, 0, 0)] * ndim
    config[axis] = (0, amount, 0)
    return config


def first_extreme_view(view: jax.Array, axis: int, largest: bool) -> tuple[jax.Array, jax.Array]:
    """Extreme along the window axis ``axis`` and the int32 position of its first occurrence; in
    a window holding NaN, the position of its last NaN (PyTorch's kernels take every NaN they
    meet: ``val > best || isnan(val)``)."""
    best = jnp.max(view, axis=axis) if largest else jnp.min(view, axis=axis)
    hit = view == jnp.expand_dims(best, axis)
    iota = lax.broadcasted_iota(jnp.int32, view.shape, axis)
    first = jnp.min(jnp.where(hit, iota, view.shape[axis]), axis=axis)
    if jnp.issubdtype(view.dtype, jnp.floating):
        last_nan = jnp.max(jnp.where(jnp.isnan(view), iota, -1), axis=axis)
        first = jnp.where(last_nan >= 0, last_nan, first)
    return best, first


def take_view(view: jax.Array, axis: int, first: jax.Array) -> jax.Array:
    """Entry ``first`` along the window axis ``axis`` of ``view`` (linear in ``view``)."""
    onehot = lax.broadcasted_iota(jnp.int32, view.shape, axis) == jnp.expand_dims(first, axis)
    zero = jnp.zeros((), view.dtype)
    return jnp.sum(jnp.where(onehot, view, zero), axis=axis, dtype=view.dtype)


def select_extreme(
    x: jax.Array,
    axes: Sequence[Any],
    largest: bool,
    payloads: Sequence[jax.Array] = (),
) -> tuple[jax.Array, list[jax.Array], list[jax.Array]]:
    """Separable first-extreme selection over product windows of ``(N, *spatial, C)``.

    ``axes[a]`` describes the windows of spatial axis ``a`` (``first_extreme`` and ``take``
    methods). Axes are reduced from the last to the first, so that among equal extremes the first
    in row-major window order wins, and among NaNs the last, as PyTorch's kernels scan. Returns
    the extremes, the window tap chosen along each axis (int32, ``(N, *out, C)``) and each payload
    taken at the extremes.
    """
    offsets: list[jax.Array] = []
    payloads = list(payloads)
    for a in reversed(range(x.ndim - 2)):
        x, first = axes[a].first_extreme(x, a + 1, largest)
        offsets = [first] + [axes[a].take(o, a + 1, first) for o in offsets]
        payloads = [axes[a].take(p, a + 1, first) for p in payloads]
    return x, offsets, payloads


def strided_axes(geom: Geometry) -> list[StridedAxis]:
    return [
        StridedAxis(
            geom.window[a], geom.strides[a], geom.dilation[a], geom.out_shape[a], geom.pads[a][0]
        )
        for a in range(len(geom.window))
    ]


def disjoint_view(xp: jax.Array, geom: Geometry) -> jax.Array:
    """Every window of a padded ``(N, *spatial, C)`` whose windows are disjoint on every axis, as
    ``(N, o_0, k_0, o_1, k_1, ..., C)``: a pad to whole strides, a reshape and a strided slice
    (transpose: a pad, a reshape and a slice)."""
    rank = xp.ndim - 2
    shape, config = [xp.shape[0]], [(0, 0, 0)]
    for a in range(rank):
        o, s = geom.out_shape[a], geom.strides[a]
        config.append((0, o * s - xp.shape[a + 1], 0))
        shape += [o, s]
    config.append((0, 0, 0))
    xr = lax.pad(xp, jnp.zeros((), xp.dtype), config).reshape((*shape, xp.shape[-1]))
    starts = [0] * xr.ndim
    limits = list(xr.shape)
    steps = [1] * xr.ndim
    for a in range(rank):
        limits[2 + 2 * a] = geom.effective(a)
        steps[2 + 2 * a] = geom.dilation[a]
    return lax.slice(xr, starts, limits, steps)


# Whole-window selection (:func:`select_window_extreme`) unrolls one comparison per window tap;
# past this many taps the separable per-axis selection is used (bounded trace size).
JOINT_TAPS_MAX = 64


def joint_selectable(geom: Geometry) -> bool:
    """Whether :func:`select_window_extreme` picks over whole windows at once: windows disjoint on
    every axis, with at most ``JOINT_TAPS_MAX`` taps."""
    rank = len(geom.window)
    return all(geom.disjoint(a) for a in range(rank)) and math.prod(geom.window) <= JOINT_TAPS_MAX


def _window_code(shape: tuple[int, ...], window: tuple[int, ...], dtype: Any) -> jax.Array:
    """Row-major position in its window of each entry of a ``disjoint_view``-shaped array."""
    code = jnp.zeros(shape, dtype)
    for a, k in enumerate(window):
        code = code * k + lax.broadcasted_iota(dtype, shape, 2 + 2 * a)
    return code


def select_window_extreme(
    xp: jax.Array, geom: Geometry, largest: bool, payloads: Sequence[jax.Array] = ()
) -> tuple[jax.Array, list[jax.Array], list[jax.Array]]:
    """:func:`select_extreme` over the windows of ``geom`` (padded input ``xp``), with the same
    returns: extremes, the tap chosen along each axis (int32), each payload at the extremes.

    Rule: when :func:`joint_selectable`, one pass over the taps of each whole window finds the
    extreme and its first position in row-major order (a running strict comparison), kept as one
    uint8 code (in a window holding NaN, its last NaN, as in PyTorch); the payloads are taken with
    a one-hot of that code. Every step is elementwise on the taps, so under ``jit`` XLA makes the
    forward one loop fusion over the outputs and the backward one over the inputs that recomputes
    the choice from the input and the cotangent (no intermediate written); the per-axis selection
    writes a pass per axis. Measured on 8x256x256x64 float32, 2x2 windows, 2-core CPU: forward +
    backward 107-127 ms against 181-263 ms per axis and 142-169 ms for PyTorch. Otherwise the
    separable
    per-axis selection of :func:`select_extreme`.
    """
    if not joint_selectable(geom):
        return select_extreme(xp, strided_axes(geom), largest, payloads)
    rank = len(geom.window)
    view = disjoint_view(xp, geom)
    taps = [
        view[(slice(None), *(s for a in range(rank) for s in (slice(None), idx[a])))]
        for idx in np.ndindex(*geom.window)
    ]
    best, first = taps[0], jnp.zeros(taps[0].shape, jnp.uint8)
    for i, tap in enumerate(taps[1:], 1):
        better = tap > best if largest else tap < best
        if jnp.issubdtype(tap.dtype, jnp.floating):
            better = better | jnp.isnan(tap)
        best = jnp.where(better, tap, best)
        first = jnp.where(better, jnp.uint8(i), first)
    # A window whose extreme is the padding value points at its first tap inside the input.
    input_taps = [
        first_input_taps(geom.out_shape[a], geom.strides[a], geom.dilation[a], geom.pads[a][0])
        for a in range(rank)
    ]
    if any(t is not None for t in input_taps):
        code = np.zeros(geom.out_shape, np.int64)
        for a, (k, t) in enumerate(zip(geom.window, input_taps, strict=True)):
            t = np.zeros(geom.out_shape[a], np.int64) if t is None else t
            code = code * k + t.reshape([-1 if b == a else 1 for b in range(rank)])
        code = jnp.asarray(code.reshape(first.shape[1:-1] + (1,)), jnp.uint8)
        first = jnp.where(_is_padding_value(best, largest), code, first)
    offsets, rest = [], first.astype(jnp.int32)
    for k in reversed(geom.window):
        offsets.insert(0, rest % k)
        rest = rest // k
    window_axes = tuple(2 + 2 * a for a in range(rank))
    expanded = jnp.expand_dims(first, window_axes)
    taken = []
    for p in payloads:
        pv = disjoint_view(p, geom)
        onehot = _window_code(pv.shape, geom.window, jnp.uint8) == expanded
        taken.append(jnp.sum(jnp.where(onehot, pv, jnp.zeros((), pv.dtype)), window_axes, pv.dtype))
    return best, offsets, taken


def reduce_windows(xp: jax.Array, geom: Geometry, op: str) -> jax.Array:
    """Reduces every window of a padded ``(N, *spatial, C)`` with "max", "min" or "sum"."""
    rank = xp.ndim - 2
    if all(geom.disjoint(a) for a in range(rank)):
        # One reshape exposes every window; one reduction over the window axes.
        axes = tuple(2 + 2 * a for a in range(rank))
        xr = disjoint_view(xp, geom)
        return {"max": jnp.max, "min": jnp.min, "sum": jnp.sum}[op](xr, axis=axes)
    init = {"max": fill_value(xp.dtype, True), "min": fill_value(xp.dtype, False), "sum": 0}[op]
    computation = {"max": lax.max, "min": lax.min, "sum": lax.add}[op]
    return lax.reduce_window(
        xp,
        # A NumPy init lets lax recognise the monoid and use its differentiable reducers.
        np.asarray(init, xp.dtype),
        computation,
        window_dimensions=(1, *geom.window, 1),
        window_strides=(1, *geom.strides, 1),
        padding="VALID",
        window_dilation=(1, *geom.dilation, 1),
    )
