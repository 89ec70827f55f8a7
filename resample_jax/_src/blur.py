"""Anti-aliased downsampling: blur pooling and max-blur pooling (Zhang, ICML 2019).

Subsampling a signal without low-pass filtering it first aliases: a one-pixel shift of the input
can change the output completely. Zhang's fix keeps the network's own nonlinearity (a dense,
stride-1 max) and moves the subsampling behind a fixed binomial blur, applied depthwise.
"""

from __future__ import annotations

import functools
from typing import Any

import jax

from resample_jax._src import validation as v
from resample_jax._src.filtering import PAD_MODES, binomial_taps, separable_filter
from resample_jax._src.pooling import max_pool

MAX_FILTER_SIZE = 7


def _blur_pads(filter_size: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    # (k - 1) // 2 before and the rest after: an even filter's extra tap looks at the next sample.
    return tuple(((k - 1) // 2, k - 1 - (k - 1) // 2) for k in filter_size)


def _blur_subsample(x, factor, filter_size, padding):
    rank = len(factor)
    flat, batch = v.flatten_batch(x, rank)
    taps = [binomial_taps(k) for k in filter_size]
    y = separable_filter(flat, taps, factor, _blur_pads(filter_size), padding)
    return v.unflatten_batch(y, batch)


@functools.partial(jax.jit, static_argnames=("factor", "filter_size", "padding"))
def _blur_pool_core(x, *, factor, filter_size, padding):
    return _blur_subsample(x, factor, filter_size, padding)


@functools.partial(jax.jit, static_argnames=("factor", "filter_size", "window", "padding"))
def _max_blur_pool_core(x, *, factor, filter_size, window, padding):
    dense = max_pool(x, window, 1, "VALID")
    return _blur_subsample(dense, factor, filter_size, padding)


def blur_options(fn: str, factor: Any, filter_size: Any, padding: Any, window_shape: Any = 1):
    """The options of blur pooling, checked without an array (``window_shape``: max_blur_pool's);
    returns ``(rank, factor, filter_size, padding, window_shape)`` canonical."""
    rank = v.rank_of(fn, "factor", factor)
    factor_t = v.int_tuple(fn, "factor", factor, rank)
    sizes = v.int_tuple(fn, "filter_size", filter_size, rank)
    if any(k > MAX_FILTER_SIZE for k in sizes):
        raise ValueError(
            f"{fn}: `filter_size` must be between 1 and {MAX_FILTER_SIZE} (binomial filters of "
            f"Zhang 2019); got {filter_size!r}."
        )
    mode = v.check_choice(fn, "padding", padding, PAD_MODES)
    return rank, factor_t, sizes, mode, v.int_tuple(fn, "window_shape", window_shape, rank)


def _validate(fn: str, x: Any, factor: Any, filter_size: Any, padding: Any, window_shape: Any = 1):
    rank, factor_t, sizes, mode, window = blur_options(fn, factor, filter_size, padding,
                                                       window_shape)
    arr = v.check_array(fn, x, rank)
    v.check_floating(fn, arr)
    return arr, rank, factor_t, sizes, mode, window


def _check_reflect(fn, mode, size, sizes):
    if mode != "reflect":
        return
    pads = _blur_pads(sizes)
    if any(max(lo, hi) >= n for n, (lo, hi) in zip(size, pads, strict=True)):
        raise ValueError(
            f"{fn}: 'reflect' padding needs each spatial size to exceed its padding {pads}; got "
            f"spatial shape {size}. Use padding='replicate' or a smaller filter_size."
        )


def blur_pool(
    x: jax.typing.ArrayLike,
    factor: int | tuple[int, ...] = 2,
    *,
    filter_size: int | tuple[int, ...] = 3,
    padding: str = "reflect",
) -> jax.Array:
    """Anti-aliased downsampling: a depthwise binomial blur, then subsampling by ``factor``.

    ``[*batch, *spatial, C] -> [*batch, *ceil(spatial / factor), C]``. Each spatial axis is padded
    by ``(k - 1) // 2`` samples before and ``k - 1 - (k - 1) // 2`` after (``k = filter_size``),
    correlated with the normalised binomial filter of ``k`` taps (row ``k - 1`` of Pascal's
    triangle: 1: [1], 2: [1, 1]/2, 3: [1, 2, 1]/4, ..., 7: [1, 6, 15, 20, 15, 6, 1]/64, separable
    across axes) and sampled at every ``factor``-th position starting at 0, so the output has
    ``ceil(n / factor)`` samples. ``filter_size=1`` is plain subsampling ``x[::factor]``. The
    filter sums to one, so constants are preserved (with any padding but ``"zeros"``).

    Args:
      x: ``[*batch, *spatial, C]``, floating; any number of leading batch axes.
      factor: subsampling factor (>= 1); an int means 2-D, a tuple of 1-3 ints gives the rank.
      filter_size: binomial filter length, 1 to 7, an int or one per spatial axis.
      padding: ``"reflect"`` (mirror without repeating the edge, as ``torch.nn.ReflectionPad``),
        ``"replicate"`` (repeat the edge), ``"zeros"`` or ``"circular"`` (wrap around).

    Returns:
      ``[*batch, *ceil(spatial / factor), C]`` in ``x.dtype`` (half precision filtered in float32).

    Raises:
      ValueError: a factor < 1, ``filter_size`` outside 1-7, an unknown padding mode (with a
        suggestion), ``"reflect"`` on an axis not longer than its padding, or too few dims in ``x``.
      TypeError: integer ``x``.

    Example:
      >>> import jax.numpy as jnp
      >>> from resample_jax import blur_pool
      >>> blur_pool(jnp.arange(8.0).reshape(8, 1), (2,), padding="replicate")[:, 0]
      Array([0.25, 2.  , 4.  , 6.  ], dtype=float32)

    References:
      Zhang, "Making Convolutional Networks Shift-Invariant Again", ICML 2019 (BlurPool).
    """
    fn = "blur_pool"
    arr, rank, factor_t, sizes, mode, _ = _validate(fn, x, factor, filter_size, padding)
    _check_reflect(fn, mode, v.spatial_shape(arr, rank), sizes)
    return _blur_pool_core(arr, factor=factor_t, filter_size=sizes, padding=mode)


def max_blur_pool(
    x: jax.typing.ArrayLike,
    factor: int | tuple[int, ...] = 2,
    *,
    filter_size: int | tuple[int, ...] = 3,
    window_shape: int | tuple[int, ...] = 2,
    padding: str = "reflect",
) -> jax.Array:
    """Anti-aliased max pooling: a dense (stride-1) max pool, then :func:`blur_pool`.

    ``[*batch, *spatial, C] -> [*batch, *ceil((spatial - window + 1) / factor), C]``. The max pool
    has no padding (``max_pool(x, window_shape, 1, "VALID")``, so ``n - window + 1`` samples), as in
    Zhang's MaxBlurPool, which replaces ``MaxPool(window, stride=factor)``; its gradient goes to the
    first maximum of each window (see :func:`max_pool`). The blur pool then pads, blurs and
    subsamples as :func:`blur_pool` describes.

    Args:
      x: ``[*batch, *spatial, C]``, floating.
      factor: subsampling factor (>= 1); an int means 2-D, a tuple of 1-3 ints gives the rank.
      filter_size: binomial filter length, 1 to 7, an int or one per spatial axis.
      window_shape: max-pool window (>= 1), an int or one per spatial axis.
      padding: padding mode of the blur: ``"reflect"``, ``"replicate"``, ``"zeros"``,
        ``"circular"``.

    Returns:
      ``[*batch, *ceil((spatial - window + 1) / factor), C]`` in ``x.dtype``.

    Raises:
      ValueError: as :func:`blur_pool`; a window < 1 or larger than the input.
      TypeError: integer ``x``.

    Example:
      >>> import jax.numpy as jnp
      >>> from resample_jax import max_blur_pool
      >>> max_blur_pool(jnp.ones((2, 9, 9, 3))).shape
      (2, 4, 4, 3)

    References:
      Zhang, "Making Convolutional Networks Shift-Invariant Again", ICML 2019 (MaxBlurPool).
    """
    fn = "max_blur_pool"
    arr, rank, factor_t, sizes, mode, window = _validate(
        fn, x, factor, filter_size, padding, window_shape
    )
    size = v.spatial_shape(arr, rank)
    if any(w > n for w, n in zip(window, size, strict=True)):
        raise ValueError(
            f"{fn}: `window_shape` {window} is larger than the spatial shape {size} of `x`."
        )
    dense = tuple(n - w + 1 for n, w in zip(size, window, strict=True))
    _check_reflect(fn, mode, dense, sizes)
    return _max_blur_pool_core(arr, factor=factor_t, filter_size=sizes, window=window, padding=mode)
