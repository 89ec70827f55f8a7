"""Sliding-window pooling: max, min, average and power-average (Lp), and max pooling with indices.

Windows, strides, padding, dilation and ``ceil_mode`` follow PyTorch's pooling layers exactly
(output sizes, dropped last windows, divisors, flat indices); ``padding`` also takes lax's
"VALID"/"SAME" and per-axis ``(low, high)`` pairs.

Speed: windows that do not overlap (``stride >= (window - 1) * dilation + 1``) are pooled by a
reshape and a reduction. Max and min pooling carry a ``jax.custom_jvp`` whose tangent picks the
input at the first extreme of each window (the last NaN in a window holding NaNs, as PyTorch's
kernels): over whole windows at once when they are disjoint with at most 64 taps, otherwise one
spatial axis at a time, through reshapes and strided slices; its transpose (the backward pass) is
therefore made of broadcasts, selects and pads, with no ``select_and_scatter_add`` (the VJP of
``lax.reduce_window`` max, several times slower on CPU). The window geometry and the rule between
the two selections live in :mod:`resample_jax._src.windows` (``select_window_extreme``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from resample_jax._src import validation
from resample_jax._src.windows import (
    Geometry,
    check_selectable,
    fill_value,
    geometry,
    pad_to_windows,
    reduce_windows,
    select_window_extreme,
)


def avg_options(fn: str, count_include_pad: Any, divisor_override: Any) -> int | None:
    """Checks average pooling's divisor options; returns ``divisor_override`` as an int or None."""
    if not isinstance(count_include_pad, bool):
        raise TypeError(f"{fn}: `count_include_pad` must be a bool; got {count_include_pad!r}.")
    if divisor_override is None:
        return None
    d = divisor_override
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)):
        raise TypeError(f"{fn}: `divisor_override` must be an int or None; got {d!r}.")
    if d <= 0:
        raise ValueError(f"{fn}: `divisor_override` must be positive; got {d!r}.")
    return int(d)


def lp_power(fn: str, p: Any) -> float:
    """Checks the power of Lp pooling: a real number > 0 or ``math.inf``."""
    if not isinstance(p, (int, float, np.integer, np.floating)) or isinstance(p, bool):
        raise TypeError(f"{fn}: `p` must be a real number; got {p!r}.")
    if not p > 0:
        raise ValueError(f"{fn}: `p` must be > 0 (or math.inf); got {p!r}.")
    return float(p)


@functools.partial(jax.custom_jvp, nondiff_argnums=(1, 2))
def _extreme_pool(x: jax.Array, geom: Geometry, largest: bool) -> jax.Array:
    xp = pad_to_windows(x, geom, fill_value(x.dtype, largest))
    return reduce_windows(xp, geom, "max" if largest else "min")


@_extreme_pool.defjvp
def _extreme_pool_jvp(geom, largest, primals, tangents):
    # The whole derivative goes to the first extreme of each window (PyTorch's rule): pick the
    # tangent there. The pick is made of reshapes/slices and selects, so its transpose is too.
    (x,), (dx,) = primals, tangents
    xp = pad_to_windows(x, geom, fill_value(x.dtype, largest))
    dxp = pad_to_windows(dx, geom, 0)
    y, _, (dy,) = select_window_extreme(xp, geom, largest, (dxp,))
    return y, dy


@functools.partial(jax.jit, static_argnames=("geom", "largest"))
def _extreme_pool_core(x: jax.Array, geom: Geometry, largest: bool) -> jax.Array:
    x2, batch = validation.flatten_batch(x, len(geom.window))
    return validation.unflatten_batch(_extreme_pool(x2, geom, largest), batch)


@functools.partial(jax.jit, static_argnames=("geom",))
def _max_pool_indices_core(x: jax.Array, geom: Geometry) -> tuple[jax.Array, jax.Array]:
    rank = len(geom.window)
    x2, batch = validation.flatten_batch(x, rank)
    values = _extreme_pool(x2, geom, True)
    xp = pad_to_windows(lax.stop_gradient(x2), geom, fill_value(x.dtype, True))
    _, offsets, _ = select_window_extreme(xp, geom, True)
    flat = jnp.zeros(values.shape, jnp.int32)
    for a in range(rank):
        o = lax.broadcasted_iota(jnp.int32, values.shape, a + 1)
        coord = o * geom.strides[a] - geom.pads[a][0] + offsets[a] * geom.dilation[a]
        flat = flat * geom.in_shape[a] + coord
    return validation.unflatten_batch(values, batch), validation.unflatten_batch(flat, batch)


def _window_sums(x: jax.Array, geom: Geometry) -> jax.Array:
    return reduce_windows(pad_to_windows(x, geom, 0), geom, "sum")


def _divisor(geom: Geometry, include_pad: bool) -> np.ndarray | float:
    """Number of counted window cells per output: a separable product of per-axis counts."""
    total = np.ones((), np.float64)
    for a, (k, s, d, n, o) in enumerate(
        zip(geom.window, geom.strides, geom.dilation, geom.in_shape, geom.out_shape, strict=True)
    ):
        lo, hi = geom.pads[a]
        taps = np.arange(o)[:, None] * s - lo + np.arange(k)[None, :] * d
        inside = (taps < n + hi) if include_pad else (taps >= 0) & (taps < n)
        total = np.multiply.outer(total, inside.sum(axis=1))
    total = np.maximum(total, 1)
    if np.all(total == total.flat[0]):
        return float(total.flat[0])
    return total.reshape((1, *geom.out_shape, 1))


@functools.partial(jax.jit, static_argnames=("geom", "include_pad", "divisor_override"))
def _avg_pool_core(
    x: jax.Array, geom: Geometry, include_pad: bool, divisor_override: int | None
) -> jax.Array:
    x2, batch = validation.flatten_batch(x, len(geom.window))
    sums = _window_sums(x2.astype(validation.compute_dtype(x.dtype)), geom)
    div = float(divisor_override) if divisor_override else _divisor(geom, include_pad)
    y = sums / (div if isinstance(div, float) else jnp.asarray(div, sums.dtype))
    return validation.unflatten_batch(y.astype(x.dtype), batch)


@functools.partial(jax.jit, static_argnames=("geom", "p"))
def _lp_pool_core(x: jax.Array, geom: Geometry, p: float) -> jax.Array:
    x2, batch = validation.flatten_batch(x, len(geom.window))
    xc = x2.astype(validation.compute_dtype(x.dtype))
    if p == math.inf:
        y = _extreme_pool(jnp.abs(xc), geom, True)
        return validation.unflatten_batch(y.astype(x.dtype), batch)
    powered = lax.integer_pow(xc, int(p)) if float(p).is_integer() else jnp.power(xc, p)
    # PyTorch computes avg_pool(x**p) * prod(window): cells past the padded input (ceil mode) are
    # left out of the average's divisor, so such windows are scaled up. Reproduced exactly.
    div = _divisor(geom, True)
    scale = math.prod(geom.window) / (div if isinstance(div, float) else jnp.asarray(div, xc.dtype))
    total = _window_sums(powered, geom) * scale
    # Zero sums get a zero value and a zero gradient (PyTorch's documented rule), not 0 * inf.
    zero = total == 0
    root = jnp.where(zero, 0, jnp.power(jnp.where(zero, 1, total), 1.0 / p))
    return validation.unflatten_batch(root.astype(x.dtype), batch)


def _selectable(fn: str, x: Any, *window_args: Any) -> tuple[jax.Array, Geometry]:
    """:func:`geometry` for max / min pooling, which also take integer inputs."""
    x, geom = geometry(fn, x, *window_args)
    check_selectable(fn, x)
    return x, geom


_POOL_ARGS = """x: input ``[*batch, *spatial, C]``; the spatial rank (1, 2 or 3) is the length of
        ``window_shape`` (an int means 2-D).
      window_shape: window size, an int or one int per spatial axis.
      strides: step between windows; None (default) means equal to the window, as in PyTorch
        (Flax's default is 1: pass ``strides=1`` for it).
      padding: "VALID" (none), "SAME" (lax's rule: output ``ceil(in / stride)``), an int
        (symmetric, as PyTorch), one int per axis, or per-axis ``(low, high)`` pairs. Explicit
        padding may be at most ``window // 2`` on each side (PyTorch's rule)."""

_POOL_KW = """dilation: spacing between window taps (int or per axis).
      ceil_mode: round the output size up, as PyTorch: a last, partial window is kept unless it
        would start in the right padding."""

_POOL_RAISES = """ValueError: a non-positive window, stride or dilation; negative padding or padding
        above half the window; a window larger than the padded input (in ``ceil_mode``, larger by
        ``stride`` or more: no output); an unknown padding string;
        ``x`` with too few axes or a zero-size spatial axis (as PyTorch; an empty batch works).
      TypeError: arguments of the wrong type."""


def max_pool(
    x: jax.typing.ArrayLike,
    window_shape: int | Sequence[int],
    strides: int | Sequence[int] | None = None,
    padding: Any = "VALID",
    *,
    dilation: int | Sequence[int] = 1,
    ceil_mode: bool = False,
) -> jax.Array:
    """Max pooling over sliding windows, with PyTorch's window semantics.

    ``[*batch, *spatial, C] -> [*batch, *out, C]``. Padding cells hold -inf (the dtype's minimum
    for integer inputs), so they never win. Integer inputs keep their dtype and are exact.

    Gradient: the whole cotangent of an output goes to the FIRST maximum of its window in row-major
    window order, the element whose index :func:`max_pool_with_indices` returns (PyTorch's rule;
    ``jax.grad`` of ``jnp.max`` instead splits it evenly between ties). The backward pass uses no
    scatter. NaN counts as the maximum; in a window holding several NaNs the LAST one takes the
    index and the gradient, as in PyTorch's kernels (``val > max || isnan(val)``).

    Args:
      {args}
      {kw}

    Returns:
      ``[*batch, *out, C]`` in the dtype of ``x``.

    Raises:
      {raises}

    Example:
      >>> import jax.numpy as jnp
      >>> x = jnp.arange(16.0).reshape(4, 4, 1)
      >>> max_pool(x, 2)[..., 0]
      Array([[ 5.,  7.],
             [13., 15.]], dtype=float32)

    References:
      ``torch.nn.functional.max_pool{{1,2,3}}d`` (values, output sizes, ceil_mode);
      ``flax.linen.max_pool`` / ``lax.reduce_window`` ("SAME"/"VALID" padding).
    """
    x, geom = _selectable("max_pool", x, window_shape, strides, padding, dilation, ceil_mode)
    return _extreme_pool_core(x, geom, True)


def min_pool(
    x: jax.typing.ArrayLike,
    window_shape: int | Sequence[int],
    strides: int | Sequence[int] | None = None,
    padding: Any = "VALID",
    *,
    dilation: int | Sequence[int] = 1,
    ceil_mode: bool = False,
) -> jax.Array:
    """Min pooling over sliding windows: :func:`max_pool` with the order reversed.

    ``[*batch, *spatial, C] -> [*batch, *out, C]``. Padding cells hold +inf (the dtype's maximum
    for integer inputs). The gradient goes to the first minimum of each window. Computed directly,
    not as ``-max_pool(-x)``, so the most negative integer does not overflow.

    Args:
      {args}
      {kw}

    Returns:
      ``[*batch, *out, C]`` in the dtype of ``x``.

    Raises:
      {raises}

    Example:
      >>> import jax.numpy as jnp
      >>> x = jnp.array([[3, 1, 4, 1, 5, 9]], jnp.int32).reshape(6, 1)
      >>> min_pool(x, (2,))[:, 0]
      Array([1, 1, 5], dtype=int32)

    References:
      ``flax.linen.min_pool``; window semantics of ``torch.nn.functional.max_pool{{1,2,3}}d``.
    """
    x, geom = _selectable("min_pool", x, window_shape, strides, padding, dilation, ceil_mode)
    return _extreme_pool_core(x, geom, False)


def max_pool_with_indices(
    x: jax.typing.ArrayLike,
    window_shape: int | Sequence[int],
    strides: int | Sequence[int] | None = None,
    padding: Any = "VALID",
    *,
    dilation: int | Sequence[int] = 1,
    ceil_mode: bool = False,
) -> tuple[jax.Array, jax.Array]:
    """Max pooling that also returns where each maximum came from, as PyTorch's ``return_indices``.

    ``[*batch, *spatial, C] -> ([*batch, *out, C], [*batch, *out, C] int32)``. An index is the
    flat position ``h * W + w`` (``d * H * W + h * W + w`` in 3-D) of the maximum in the unpadded
    input of its batch element and channel. Among equal maxima the first in row-major window order
    is returned, as PyTorch does; the gradient of ``values`` goes to that same element. In a window
    holding NaN, its last NaN. A window whose maximum equals the padding value (-inf, or the
    integer minimum: 0 in uint8) points at its first tap inside the input, not at the padding (past
    the input's end, with no gradient, when no tap is inside: possible with dilation), as PyTorch.

    Args:
      {args}
      {kw}

    Returns:
      ``(values, indices)``: the max-pooled values in the dtype of ``x`` and int32 indices.

    Raises:
      {raises}

    Example:
      >>> import jax.numpy as jnp
      >>> x = jnp.array([1.0, 3.0, 3.0, 2.0]).reshape(4, 1)
      >>> v, i = max_pool_with_indices(x, (2,))
      >>> v[:, 0], i[:, 0]
      (Array([3., 3.], dtype=float32), Array([1, 2], dtype=int32))

    References:
      ``torch.nn.functional.max_pool{{1,2,3}}d(..., return_indices=True)``.
    """
    fn = "max_pool_with_indices"
    x, geom = _selectable(fn, x, window_shape, strides, padding, dilation, ceil_mode)
    return _max_pool_indices_core(x, geom)


def avg_pool(
    x: jax.typing.ArrayLike,
    window_shape: int | Sequence[int],
    strides: int | Sequence[int] | None = None,
    padding: Any = "VALID",
    *,
    dilation: int | Sequence[int] = 1,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> jax.Array:
    """Average pooling over sliding windows, with PyTorch's divisors.

    ``[*batch, *spatial, C] -> [*batch, *out, C]``. Padding cells hold 0. The divisor of a window
    is the number of its cells inside the padded input (``count_include_pad=True``, PyTorch's and
    Flax's default; ceil-mode cells past the padding are never counted) or inside the input alone
    (``count_include_pad=False``: TensorFlow's behaviour, and Flax's with that flag), or
    ``divisor_override``. Half-precision inputs are summed in float32. Complex inputs average
    their real and imaginary parts (PyTorch has no complex ``avg_pool``).

    Args:
      {args}
      {kw}
      count_include_pad: count padding cells in the divisor.
      divisor_override: a positive int used as every window's divisor.

    Returns:
      ``[*batch, *out, C]`` in the dtype of ``x``.

    Raises:
      {raises}
      TypeError: an integer or bool ``x`` (averages are not integers).

    Example:
      >>> import jax.numpy as jnp
      >>> x = jnp.arange(16.0).reshape(4, 4, 1)
      >>> avg_pool(x, 2)[..., 0]
      Array([[ 2.5,  4.5],
             [10.5, 12.5]], dtype=float32)

    References:
      ``torch.nn.functional.avg_pool{{1,2,3}}d``; ``flax.linen.avg_pool``.
    """
    fn = "avg_pool"
    if jnp.iscomplexobj(x):
        # The mean is real-linear: pool the real and imaginary parts (the reducers are real).
        options = dict(dilation=dilation, ceil_mode=ceil_mode, count_include_pad=count_include_pad)
        pool = functools.partial(avg_pool, **options, divisor_override=divisor_override)
        parts = (jnp.real(x), jnp.imag(x))
        return lax.complex(*(pool(v, window_shape, strides, padding) for v in parts))
    x, geom = geometry(fn, x, window_shape, strides, padding, dilation, ceil_mode)
    validation.check_floating(fn, x)
    divisor_override = avg_options(fn, count_include_pad, divisor_override)
    return _avg_pool_core(x, geom, count_include_pad, divisor_override)


def lp_pool(
    x: jax.typing.ArrayLike,
    p: float,
    window_shape: int | Sequence[int],
    strides: int | Sequence[int] | None = None,
    padding: Any = "VALID",
    *,
    dilation: int | Sequence[int] = 1,
    ceil_mode: bool = False,
) -> jax.Array:
    """Power-average (Lp) pooling, PyTorch's formula: ``(sum over the window of x**p) ** (1/p)``.

    ``[*batch, *spatial, C] -> [*batch, *out, C]``. Exactly as PyTorch: ``x**p`` is not taken in
    absolute value (so an odd ``p`` with negative inputs can give a negative sum, whose ``1/p``-th
    power is NaN unless ``p == 1``); a window cut by ``ceil_mode`` is scaled by
    ``window size / cells inside the padded input``; ``p = inf`` is max pooling of ``|x|``.
    Padding cells hold 0. A zero sum gives 0 with a zero gradient (PyTorch's rule).

    Args:
      {args}
      p: the power, a real number > 0 or ``math.inf``.
      {kw}

    Returns:
      ``[*batch, *out, C]`` in the dtype of ``x``.

    Raises:
      {raises}
      ValueError: ``p`` <= 0 or NaN.
      TypeError: an integer ``x``.

    Example:
      >>> import jax.numpy as jnp
      >>> x = jnp.array([3.0, 4.0]).reshape(2, 1)
      >>> lp_pool(x, 2, (2,))[:, 0]
      Array([5.], dtype=float32)

    References:
      ``torch.nn.functional.lp_pool{{1,2,3}}d`` (PyTorch has no padding or dilation for it).
    """
    fn = "lp_pool"
    p = lp_power(fn, p)
    x, geom = geometry(fn, x, window_shape, strides, padding, dilation, ceil_mode)
    validation.check_floating(fn, x)
    return _lp_pool_core(x, geom, p)


for _f in (max_pool, min_pool, max_pool_with_indices, avg_pool, lp_pool):
    if _f.__doc__:  # None under python -OO
        _f.__doc__ = _f.__doc__.format(args=_POOL_ARGS, kw=_POOL_KW, raises=_POOL_RAISES)
del _f
