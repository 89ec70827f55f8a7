"""Max unpooling: the inverse of max pooling with indices, built without a scatter.

An output position can only receive a value from the few pooling windows that cover it. Split the
output by phase (position modulo stride): within one phase, the windows that may cover a position
are the pooled array shifted by a fixed, statically known set of offsets. The output is a select,
per phase, of the candidate whose index equals the position's own flat index, and the phases are
interleaved as in depth-to-space. Forward pass and VJP (selects, pads / slices, a transpose) are
therefore scatter-free, and the forward work is ``prod(window)`` selects on the pooled grid.

On CPU (8 x 64 x 64 x 64 float32 output) this beats a scatter-based unpool for non-overlapping
windows (2 x 2 / 2: forward 0.8x, VJP 1/50 of the time) and for 3 x 3 / 2 windows' VJP; with
stride 1 (3 x 3 / 1) the forward is 15x faster but XLA recomputes the select chain inside the
fused VJP, which then takes about 2.5x the time of a scatter implementation's gather VJP.
"""

from __future__ import annotations

import functools
import itertools
import math

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from resample_jax._src import validation
from resample_jax._src.shuffle import _shuffle

_INT32_MAX = np.iinfo(np.int32).max


def _shift(a: jax.Array, offsets: tuple[int, ...], sizes: tuple[int, ...], fill) -> jax.Array:
    """``b[q] = a[q - offset]`` per spatial axis for ``0 <= q < size``; ``fill`` outside ``a``."""
    config = [(0, 0, 0)]
    for j, size, length in zip(offsets, sizes, a.shape[1:-1], strict=True):
        config.append((j, size - j - length, 0))
    config.append((0, 0, 0))
    return jax.lax.pad(a, jnp.asarray(fill, a.dtype), config)


@functools.partial(jax.jit, static_argnames=("output_size", "window", "strides", "pad_low"))
def _max_unpool(
    x: jax.Array,
    indices: jax.Array,
    output_size: tuple[int, ...],
    window: tuple[int, ...],
    strides: tuple[int, ...],
    pad_low: tuple[int, ...],
) -> jax.Array:
    rank = len(output_size)
    indices = indices.astype(jnp.int32)
    n, channels = x.shape[0], x.shape[-1]
    # Output position o (per axis) = q * s + r - p: phase r in [0, s), coarse position q. The window
    # k = q - j covers it iff 0 <= r + j * s < w, so each phase has a static list of candidate
    # offsets j and is built from shifted copies of `x` and `indices` on the coarse grid.
    coarse = tuple(-(-(o + p) // s) for o, p, s in zip(output_size, pad_low, strides, strict=True))
    grid = (1, *coarse, 1)
    phases = []
    for phase in itertools.product(*(range(s) for s in strides)):
        flat = jnp.zeros(grid, jnp.int32)
        for d in range(rank):
            position = jax.lax.broadcasted_iota(jnp.int32, grid, 1 + d) * strides[d]
            position = position + jnp.int32(phase[d] - pad_low[d])
            flat = flat + position * jnp.int32(math.prod(output_size[d + 1 :]))
        offsets = itertools.product(
            *(range(-(-(w - r) // s)) for w, r, s in zip(window, phase, strides, strict=True))
        )
        out = jnp.zeros((n, *coarse, channels), x.dtype)
        # Larger offsets are earlier windows; applying them first lets the last window in
        # row-major order win when several windows chose the same element.
        for j in reversed(list(offsets)):
            chosen = _shift(indices, j, coarse, -1) == flat
            out = jnp.where(chosen, _shift(x, j, coarse, 0), out)
        phases.append(out)
    # Phase-major depth is the depth-to-space layout: interleave the phases, then drop the padding.
    fine = _shuffle(jnp.concatenate(phases, axis=-1), strides, "jax")
    for d in range(rank):
        fine = jax.lax.slice_in_dim(fine, pad_low[d], pad_low[d] + output_size[d], axis=1 + d)
    return fine


def _check_indices_in_windows(fn, idx, output_size, window, strides, pad_low) -> None:
    rank = len(output_size)
    idx = idx.astype(np.int64)
    total = math.prod(output_size)
    bad = (idx < 0) | (idx >= total)
    rem = np.where(bad, 0, idx)
    coords = []
    for size in reversed(output_size):
        coords.append(rem % size)
        rem = rem // size
    coords.reverse()
    for d in range(rank):
        axis = idx.ndim - 1 - rank + d
        shape = [1] * idx.ndim
        shape[axis] = idx.shape[axis]
        start = np.arange(idx.shape[axis]).reshape(shape) * strides[d] - pad_low[d]
        bad |= (coords[d] < start) | (coords[d] >= start + window[d])
    if bad.any():
        where = tuple(int(v) for v in np.argwhere(bad)[0])
        raise ValueError(
            f"{fn}: `indices` at position {where} is {int(idx[where])}, which is not a flat index "
            f"(into output_size {output_size}) inside its pooling window (window_shape {window}, "
            f"strides {strides}, padding {pad_low}); pass the indices returned by max pooling "
            f"with the same geometry."
        )


def unpool_options(fn: str, window_shape, strides, padding, rank: int | None = None):
    """The options of :func:`max_unpool`, checked without an array: ``(window, strides, padding)``
    canonical, the window None when neither it nor the strides are given (the sizes decide). The
    rank is that of ``output_size``; without it, the length of the first sequence option (or 2)."""
    if rank is None:
        given = [v for v in (window_shape, strides, padding) if isinstance(v, (tuple, list))]
        rank = len(given[0]) if given else validation.DEFAULT_RANK
    strides = None if strides is None else validation.int_tuple(fn, "strides", strides, rank)
    if window_shape is None:
        window = strides
    else:
        window = validation.int_tuple(fn, "window_shape", window_shape, rank)
    return window, strides, validation.padding_pairs(fn, padding, rank)


def max_unpool(
    x: ArrayLike,
    indices: ArrayLike,
    output_size,
    *,
    window_shape=None,
    strides=None,
    padding=0,
) -> jax.Array:
    """Inverse of max pooling with indices: ``[*batch, h, w, C] -> [*batch, H, W, C]``.

    Each pooled value ``x[..., k, c]`` is written at the position its index names in the output, and
    every other output position is zero, as ``torch.nn.functional.max_unpool{1,2,3}d``. ``indices``
    are PyTorch's: for each batch element and channel, the flat row-major index into the output's
    spatial axes (``H * W``, or ``D * H * W``), the ones ``max_pool(..., return_indices=True)``
    returns. 1-D, 2-D or 3-D by the length of ``output_size``.

    Computed without a scatter: each output position compares its own flat index with the indices
    of the (at most ``ceil(window / stride)`` per axis) pooling windows that cover it, so the
    pooling geometry must be the one that produced ``indices``.

    Duplicate indices (overlapping windows that chose the same input element): the window that is
    last in row-major order wins, as PyTorch does when it runs on one CPU thread (with several
    threads, and on GPU, PyTorch's winner is nondeterministic, pytorch#78249). The VJP is the
    exact transpose of this rule: a losing window gets zero gradient (PyTorch instead gathers for
    every window, pytorch#80204). Without duplicates ``max_unpool`` is the adjoint of gathering at
    ``indices``: ``<max_unpool(v, idx), y> = <v, take(y, idx)>``.

    Args:
      x: pooled values ``[*batch, *pooled_spatial, C]``, any dtype.
      indices: integer array of the same shape as ``x``, each entry a flat index into
        ``output_size`` lying inside the window of its pooled position. Cast to int32.
      output_size: spatial size of the output, an int (2-D, square) or a tuple of 1 to 3 ints. Odd
        sizes (from pooling an odd-sized input) are given here.
      window_shape: pooling window, an int or one per axis. Default: ``strides`` when given, else
        ``output_size // pooled_size`` (non-overlapping windows).
      strides: pooling strides, an int or one per axis. Default: ``window_shape``.
      padding: pooling padding: an int (symmetric, as PyTorch), one int or ``(low, high)`` pair per
        axis, or ``"VALID"`` / ``"SAME"`` (``lax.reduce_window`` semantics on ``output_size``).

    Returns:
      ``[*batch, *output_size, C]``, same dtype as ``x``.

    Raises:
      ValueError: if ``indices`` has another shape than ``x``, ``output_size`` is smaller than the
        pooled size and no window is given, the geometry is invalid (sizes < 1, low padding >=
        window), or — when ``indices`` is a concrete array — an index is outside its pooling
        window or the output. When ``indices`` is traced (inside ``jax.jit`` / ``jax.vmap``) that
        check cannot run: such entries are dropped (they write nothing).
      TypeError: if ``indices`` is not an integer array.

    Example:
      >>> import jax.numpy as jnp
      >>> from resample_jax import max_unpool
      >>> x = jnp.array([[5.0], [7.0]])          # max_pool1d of [1, 5, 7, 2], window 2
      >>> idx = jnp.array([[1], [2]])
      >>> max_unpool(x, idx, (4,))[..., 0]
      Array([0., 5., 7., 0.], dtype=float32)

    References:
      Zeiler & Fergus, "Visualizing and Understanding Convolutional Networks", ECCV 2014;
      Badrinarayanan et al., "SegNet", TPAMI 2017; ``torch.nn.functional.max_unpool2d``.
    """
    fn = "max_unpool"
    rank = validation.rank_of(fn, "output_size", output_size)
    out_size = validation.int_tuple(fn, "output_size", output_size, rank)
    arr = validation.check_array(fn, x, rank)
    in_size = validation.spatial_shape(arr, rank)

    if isinstance(indices, (str, bytes)) or indices is None:
        raise TypeError(f"{fn}: `indices` must be an integer array; got {type(indices).__name__}.")
    traced = isinstance(indices, jax.core.Tracer)
    idx = indices if traced else np.asarray(indices)
    if not jnp.issubdtype(idx.dtype, jnp.integer):
        raise TypeError(f"{fn}: `indices` must have an integer dtype; got {idx.dtype}.")
    if tuple(idx.shape) != tuple(arr.shape):
        raise ValueError(
            f"{fn}: `indices` must have the shape of `x` {tuple(arr.shape)}; "
            f"got {tuple(idx.shape)}."
        )
    if math.prod(out_size) > _INT32_MAX:
        raise ValueError(f"{fn}: `output_size` {out_size} has more positions than int32 indices.")

    window, stride_t, pads = unpool_options(fn, window_shape, strides, padding, rank)
    if window is None:
        window = tuple(o // i if i else 0 for o, i in zip(out_size, in_size, strict=True))
        if any(w < 1 for w in window):
            raise ValueError(
                f"{fn}: `output_size` {out_size} is smaller than the pooled size {in_size} of "
                f"`x`; give `window_shape` / `strides` explicitly."
            )
    stride_t = stride_t or window
    if isinstance(pads, str):
        pads = tuple(jax.lax.padtype_to_pads(out_size, window, stride_t, pads))
    pad_low = tuple(int(lo) for lo, _ in pads)
    if any(p >= w for p, w in zip(pad_low, window, strict=True)):
        raise ValueError(
            f"{fn}: `padding` {padding!r} must be smaller than the window {window} on every axis."
        )

    if not traced:
        _check_indices_in_windows(fn, idx, out_size, window, stride_t, pad_low)
    flat_x, batch = validation.flatten_batch(arr, rank)
    # Concrete indices were range-checked above, so the int32 cast is exact.
    flat_idx = (idx if traced else jnp.asarray(idx.astype(np.int32))).reshape(flat_x.shape)
    out = _max_unpool(flat_x, flat_idx, out_size, window, stride_t, pad_low)
    return validation.unflatten_batch(out, batch)
