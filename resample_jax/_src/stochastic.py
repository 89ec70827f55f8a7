"""Randomised and soft pooling: fractional max pooling, stochastic pooling and SoftPool."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from resample_jax._src import validation
from resample_jax._src.windows import (
    Geometry,
    check_selectable,
    first_extreme_view,
    geometry,
    pad_to_windows,
    select_extreme,
    take_view,
)

# --- fractional max pooling -----------------------------------------------------------------


class _FractionalAxis(NamedTuple):
    """Windows ``[start[o], start[o] + window)`` of one axis, with per-plane starts.

    ``starts`` is int32 and broadcasts against ``(N, *spatial, C)`` with the output size on this
    axis (size 1 on the other spatial axes). ``lengths`` (same shape, or None for ``window``
    everywhere) shortens windows: taps past a window's length repeat its last cell, which changes
    neither its maximum nor the first position of that maximum.
    """

    starts: jax.Array
    window: int
    lengths: jax.Array | None = None

    def view(self, x: jax.Array, axis: int) -> jax.Array:
        """Windows of ``axis`` as ``(out, window)`` axes, gathered along ``axis``."""
        shape = list(self.starts.shape)
        shape.insert(axis + 1, self.window)
        taps = lax.broadcasted_iota(jnp.int32, tuple(shape), axis + 1)
        if self.lengths is not None:
            taps = jnp.minimum(taps, jnp.expand_dims(self.lengths, axis + 1) - 1)
        positions = jnp.expand_dims(self.starts, axis + 1) + taps
        flat = positions.reshape((*shape[:axis], shape[axis] * shape[axis + 1], *shape[axis + 2 :]))
        picked = jnp.take_along_axis(x, flat, axis=axis, mode="clip")
        windows = shape[axis : axis + 2]
        return picked.reshape((*picked.shape[:axis], *windows, *picked.shape[axis + 1 :]))

    def first_extreme(self, x: jax.Array, axis: int, largest: bool) -> tuple[jax.Array, jax.Array]:
        return first_extreme_view(self.view(x, axis), axis + 1, largest)

    def take(self, p: jax.Array, axis: int, first: jax.Array) -> jax.Array:
        return take_view(self.view(p, axis), axis + 1, first)


def _pseudo_random_sequence(samples: jax.Array, alpha: np.ndarray, count: int) -> jax.Array:
    """Graham's sequence ``int((i + u) * alpha) - int(u * alpha)`` for ``i < count``, int32, one
    row per sample ``u``; computed in the samples' dtype (``alpha`` too) as PyTorch computes it in
    the input's, so that truncations agree bit for bit."""
    i = lax.broadcasted_iota(samples.dtype, (*samples.shape, count), samples.ndim)
    u = samples[..., None]
    return jnp.floor((i + u) * alpha).astype(jnp.int32) - jnp.floor(u * alpha).astype(jnp.int32)


def _fractional_starts(
    samples: jax.Array, size_in: int, size_out: int, window: int
) -> jax.Array:
    """PyTorch's pseudo-random window starts for one axis from samples ``u`` in [0, 1).

    The sequence with ``alpha = (in - window) / (out - 1)`` for ``i < out - 1``, and
    ``start[out - 1] = in - window``.
    """
    dtype = samples.dtype
    last = jnp.full((*samples.shape, 1), size_in - window, jnp.int32)
    if size_out == 1:
        return last
    alpha = np.asarray(size_in - window, dtype) / np.asarray(size_out - 1, dtype)
    starts = _pseudo_random_sequence(samples, alpha, size_out - 1)
    return jnp.concatenate([starts, last], axis=-1)


def _disjoint_regions(
    samples: jax.Array, size_in: int, size_out: int
) -> tuple[jax.Array, jax.Array]:
    """Graham's disjoint pseudo-random regions of one axis: ``(starts, lengths)``.

    The starts are the sequence with ``alpha = in / out``; region ``i`` ends where region
    ``i + 1`` starts (the last at ``in``), so the regions tile the axis and each spans
    ``floor(alpha)`` or ``ceil(alpha)`` cells.
    """
    dtype = samples.dtype
    alpha = np.asarray(size_in, dtype) / np.asarray(size_out, dtype)
    starts = _pseudo_random_sequence(samples, alpha, size_out)
    ends = jnp.concatenate(
        [starts[..., 1:], jnp.full((*samples.shape, 1), size_in, jnp.int32)], axis=-1
    )
    return starts, ends - starts


@functools.partial(jax.jit, static_argnames=("out", "window", "return_indices", "overlapping"))
def _fractional_core(
    x: jax.Array,
    samples: jax.Array,
    out: tuple[int, ...],
    window: tuple[int, ...],
    return_indices: bool,
    overlapping: bool = True,
):
    rank = len(out)
    x2, batch = validation.flatten_batch(x, rank)
    n, c = x2.shape[0], x2.shape[-1]
    samples = samples.reshape((n, c, rank))
    in_shape = x2.shape[1:-1]
    axes, starts = [], []
    for a in range(rank):
        shape = [n] + [1] * rank + [c]
        shape[a + 1] = out[a]

        def plane(v: jax.Array, shape=shape) -> jax.Array:  # (N, C, out) -> broadcastable
            return jnp.moveaxis(v, 1, -1).reshape(shape)

        if overlapping:
            st = plane(_fractional_starts(samples[..., a], in_shape[a], out[a], window[a]))
            lengths = None
        else:  # window[a] is the longest region, ceil(in / out)
            st, lengths = (plane(v) for v in _disjoint_regions(samples[..., a], in_shape[a],
                                                                out[a]))
        axes.append(_FractionalAxis(st, window[a], lengths))
        starts.append(st)
    # Offsets are chosen on a gradient-free copy; the values are then taken from x itself, so the
    # gradient of each output goes to its first maximum alone.
    _, offsets, (values,) = select_extreme(lax.stop_gradient(x2), axes, True, (x2,))
    values = validation.unflatten_batch(values, batch)
    if not return_indices:
        return values
    flat = jnp.zeros(offsets[0].shape, jnp.int32)
    for a in range(rank):
        flat = flat * in_shape[a] + starts[a] + offsets[a]
    return values, validation.unflatten_batch(flat, batch)


def _fractional_output_size(
    fn: str, x: Any, output_size: Any, output_ratio: Any
) -> tuple[jax.Array, tuple[int, ...]]:
    """The checked ``x`` and the output size, given directly or as PyTorch's ratio of the input."""
    if (output_size is None) == (output_ratio is None):
        raise TypeError(
            f"{fn}: give exactly one of `output_size` and `output_ratio`; got "
            f"output_size={output_size!r}, output_ratio={output_ratio!r}."
        )
    if output_size is not None:
        rank = validation.rank_of(fn, "output_size", output_size)
        out = validation.int_tuple(fn, "output_size", output_size, rank)
        return validation.check_array(fn, x, rank), out
    rank = validation.rank_of(fn, "output_ratio", output_ratio)
    ratio = validation.float_tuple(fn, "output_ratio", output_ratio, rank, positive=False)
    if not all(0 < r < 1 for r in ratio):
        # torch.nn.FractionalMaxPool2d/3d's range check (the functional form has none).
        raise ValueError(f"{fn}: `output_ratio` must be in (0, 1) on every axis; got {ratio!r}.")
    x = validation.check_array(fn, x, rank)
    # PyTorch's rule: int(input_size * ratio), the product in double precision, truncated.
    out = tuple(int(n * r) for n, r in zip(validation.spatial_shape(x, rank), ratio, strict=True))
    if 0 in out:
        raise ValueError(
            f"{fn}: `output_ratio` {ratio!r} of the spatial shape "
            f"{validation.spatial_shape(x, rank)} gives an empty output {out} "
            f"(int(input * ratio)); use a larger ratio."
        )
    return x, out


def _check_samples_range(fn: str, samples: jax.Array) -> None:
    """Rejects concrete samples outside [0, 1), where PyTorch draws them; traced ones pass."""
    if isinstance(samples, jax.core.Tracer):
        return
    values = np.asarray(samples)
    if values.size and not (np.all(values >= 0) and np.all(values < 1)):
        bad = values[~((values >= 0) & (values < 1))]
        raise ValueError(
            f"{fn}: `samples` must lie in [0, 1) (after the cast to {values.dtype}); got "
            f"{bad.size} value(s) outside, e.g. {bad.flat[0]!r}."
        )


def fractional_max_pool(
    key: jax.Array | None,
    x: jax.typing.ArrayLike,
    output_size: int | Sequence[int] | None = None,
    window_shape: int | Sequence[int] | None = None,
    *,
    output_ratio: float | Sequence[float] | None = None,
    samples: jax.typing.ArrayLike | None = None,
    return_indices: bool = False,
    overlapping: bool = True,
) -> jax.Array | tuple[jax.Array, jax.Array]:
    """Fractional max pooling (Graham 2014) with PyTorch's pseudo-random window sequences.

    ``[*batch, *spatial, C] -> [*batch, *output_size, C]``. Along an axis of input size ``n``,
    output ``i`` is the maximum over ``[start[i], start[i] + window)`` with
    ``start[i] = int((i + u) * alpha) - int(u * alpha)``, ``alpha = (n - window) / (out - 1)``,
    ``start[out - 1] = n - window``, and one sample ``u`` in [0, 1) per batch element, channel and
    axis: Graham's pseudo-random sequence. With ``window = 2`` and ``n / out`` in (1, 2) the
    windows overlap (Graham's overlapping variant). Ties and gradients follow :func:`max_pool`.

    With ``overlapping=False`` the regions are Graham's disjoint ones instead: the same sequence
    with ``alpha = n / out``, region ``i`` running from ``start[i]`` up to ``start[i + 1]`` (the
    last up to ``n``), so the regions tile every axis, each ``floor(alpha)`` or ``ceil(alpha)``
    cells long; ``window_shape`` does not apply (leave it None). With an integer ``n / out`` this
    is ``max_pool`` with window and stride ``n / out``, whatever the samples. PyTorch has no
    disjoint variant.

    Note: each channel has its own window sequence, so windows are gathered; the backward pass of
    that gather is a scatter-add.

    Args:
      key: a PRNG key drawing the samples; may be None when ``samples`` is given.
      x: input ``[*batch, *spatial, C]``; the spatial rank is the length of ``output_size`` (or
        of ``output_ratio``).
      output_size: an int (2-D) or one int per spatial axis; needs ``out + window - 1 <= in``
        (``out <= in`` when not overlapping). Exactly one of ``output_size`` and
        ``output_ratio``.
      window_shape: window size (int or per axis); None means 2 (overlapping) and is the only
        value accepted with ``overlapping=False``.
      output_ratio: the output size as a fraction of the input's, a float (2-D) or one per spatial
        axis, each in (0, 1): ``out = int(in * ratio)``, PyTorch's rule.
      samples: explicit samples ``[*batch, C, rank]`` in [0, 1), in spatial-axis order (D, H, W);
        concrete samples outside [0, 1) are rejected (traced ones cannot be checked).
        PyTorch's ``_random_samples`` is ``(N, C, rank)`` in order (W, H) for 2-D and (D, H, W)
        for 3-D: pass ``s[..., ::-1]`` of a 2-D one to reproduce ``fractional_max_pool2d``.
      return_indices: also return int32 flat indices of the maxima, as PyTorch.
      overlapping: PyTorch's windows (True) or Graham's disjoint regions (False).

    Returns:
      ``[*batch, *output_size, C]`` in the dtype of ``x``, or ``(values, indices)``.

    Raises:
      ValueError: a non-positive size or window, ``out + window - 1 > in``, an ``output_ratio``
        outside (0, 1) or giving an empty output, ``samples`` of the wrong shape or (concrete)
        outside [0, 1); ``x`` with too few axes or a zero-size spatial axis.
      TypeError: neither ``key`` nor ``samples`` given; both or neither of ``output_size`` and
        ``output_ratio``; a bool or complex ``x``.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> x = jnp.arange(25.0).reshape(5, 5, 1)
      >>> fractional_max_pool(jax.random.key(0), x, 3).shape
      (3, 3, 1)
      >>> fractional_max_pool(jax.random.key(0), x, output_ratio=0.5).shape  # int(5 * 0.5)
      (2, 2, 1)

    References:
      B. Graham, "Fractional Max-Pooling", arXiv:1412.6071, 2014;
      ``torch.nn.functional.fractional_max_pool{2,3}d(..., _random_samples=...)``.
    """
    fn = "fractional_max_pool"
    x, out = _fractional_output_size(fn, x, output_size, output_ratio)
    rank = len(out)
    overlapping = validation.check_bool(fn, "overlapping", overlapping)
    if overlapping:
        window = validation.int_tuple(
            fn, "window_shape", 2 if window_shape is None else window_shape, rank
        )
    elif window_shape is not None:
        raise ValueError(
            f"{fn}: `window_shape`={window_shape!r} with overlapping=False: disjoint regions are "
            "sized by in / out (floor or ceil of it); leave window_shape=None."
        )
    check_selectable(fn, x)
    validation.check_nonempty_spatial(fn, x, rank)
    if not isinstance(return_indices, bool):
        raise TypeError(f"{fn}: `return_indices` must be a bool; got {return_indices!r}.")
    in_shape = validation.spatial_shape(x, rank)
    if not overlapping:
        if any(m > n for n, m in zip(in_shape, out, strict=True)):
            raise ValueError(
                f"{fn}: `output_size` {out} is larger than the input {in_shape}; disjoint "
                "regions need output <= input on every axis."
            )
        # The longest region, ceil(in / out), is the window each output gathers.
        window = tuple(-(-n // m) for n, m in zip(in_shape, out, strict=True))
    elif any(m + k - 1 > n for n, m, k in zip(in_shape, out, window, strict=True)):
        raise ValueError(
            f"{fn}: `output_size` {out} with `window_shape` {window} needs "
            f"output + window - 1 <= input on every axis; input is {in_shape}."
        )
    batch = x.shape[: x.ndim - 1 - rank]
    sample_shape = (*batch, x.shape[-1], rank)
    floating = jnp.issubdtype(x.dtype, jnp.floating)
    dtype = validation.compute_dtype(x.dtype) if floating else jnp.float32
    if samples is None:
        if key is None:
            raise TypeError(f"{fn}: give a PRNG `key` or explicit `samples`; got neither.")
        validation.check_key(fn, key)
        samples = jax.random.uniform(key, sample_shape, dtype)
    else:
        samples = jnp.asarray(samples)
        if samples.shape != sample_shape:
            raise ValueError(
                f"{fn}: `samples` must have shape (*batch, C, rank) = {sample_shape}; "
                f"got {samples.shape}."
            )
        samples = samples.astype(dtype)
        _check_samples_range(fn, samples)
    return _fractional_core(x, samples, out, window, return_indices, overlapping)


# --- stochastic pooling ---------------------------------------------------------------------


def _patches(xp: jax.Array, geom: Geometry) -> jax.Array:
    """Every window of a padded ``(N, *spatial, C)`` as ``(N, *out, K, C)``, K = prod(window).

    One strided slice per window tap, in row-major window order.
    """
    rank = xp.ndim - 2
    taps = []
    for offset in itertools.product(*(range(k) for k in geom.window)):
        start = [0] + [i * d for i, d in zip(offset, geom.dilation, strict=True)] + [0]
        limit = [xp.shape[0]]
        steps = zip(start[1:-1], geom.out_shape, geom.strides, strict=True)
        limit += [st + (o - 1) * s + 1 for st, o, s in steps]
        limit += [xp.shape[-1]]
        taps.append(lax.slice(xp, start, limit, (1, *geom.strides[:rank], 1)))
    return jnp.stack(taps, axis=-2)


@functools.partial(jax.jit, static_argnames=("geom", "training"))
def _stochastic_core(key: jax.Array | None, x: jax.Array, geom: Geometry, training: bool):
    x2, batch = validation.flatten_batch(x, len(geom.window))
    p = _patches(x2.astype(validation.compute_dtype(x.dtype)), geom)
    total = jnp.sum(p, axis=-2, keepdims=True)
    if training:
        # Inverse-CDF sampling: the chosen tap is the number of cumulative sums <= u * total,
        # so zero-probability taps are never chosen (a window of zeros gives 0 either way).
        u = jax.random.uniform(key, total.shape, total.dtype)
        below = jnp.cumsum(lax.stop_gradient(p), axis=-2) <= lax.stop_gradient(u * total)
        first = jnp.minimum(jnp.sum(below, axis=-2, dtype=jnp.int32), p.shape[-2] - 1)
        y = take_view(p, p.ndim - 2, first)
    else:
        positive = total > 0
        safe = jnp.where(positive, total, 1)
        y = jnp.where(positive, jnp.sum(p * p, axis=-2, keepdims=True) / safe, 0)[..., 0, :]
    return validation.unflatten_batch(y.astype(x.dtype), batch)


def stochastic_pool(
    key: jax.Array | None,
    x: jax.typing.ArrayLike,
    window_shape: int | Sequence[int],
    strides: int | Sequence[int] | None = None,
    *,
    training: bool = True,
) -> jax.Array:
    """Stochastic pooling (Zeiler & Fergus 2013): sample one activation per window.

    ``[*batch, *spatial, C] -> [*batch, *out, C]``. In training, each window outputs one of its
    activations, drawn with probability ``p_i = x_i / sum_j x_j``; the gradient goes to the drawn
    one. At inference (``training=False``) the output is the expectation
    ``sum_i p_i x_i = sum_i x_i**2 / sum_j x_j``. A window of zeros outputs 0. Inputs must be
    non-negative (e.g. after a ReLU): negative values, which cannot be checked on traced arrays,
    give meaningless probabilities.

    Args:
      key: PRNG key for the draws; may be None when ``training=False``.
      x: non-negative input ``[*batch, *spatial, C]``; the spatial rank is the length of
        ``window_shape`` (an int means 2-D).
      window_shape: window size (int or per axis).
      strides: window step; None means equal to the window.
      training: draw (True) or take the expectation (False).

    Returns:
      ``[*batch, *out, C]`` in the dtype of ``x`` (VALID windows).

    Raises:
      ValueError: non-positive window or strides, a window larger than the input, too few axes.
      TypeError: no ``key`` in training, or a non-floating ``x``.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> x = jnp.array([0.0, 2.0, 1.0, 3.0]).reshape(4, 1)
      >>> stochastic_pool(None, x, (2,), training=False)[:, 0]
      Array([2. , 2.5], dtype=float32)

    References:
      M. D. Zeiler, R. Fergus, "Stochastic Pooling for Regularization of Deep Convolutional
      Neural Networks", ICLR 2013.
    """
    fn = "stochastic_pool"
    x, geom = geometry(fn, x, window_shape, strides, "VALID", 1, False)
    validation.check_floating(fn, x)
    if not isinstance(training, bool):
        raise TypeError(f"{fn}: `training` must be a bool; got {training!r}.")
    if training and key is None:
        raise TypeError(f"{fn}: training needs a PRNG `key`; got None.")
    validation.check_key(fn, key)
    return _stochastic_core(key if training else None, x, geom, training)


# --- SoftPool -------------------------------------------------------------------------------


@functools.partial(jax.jit, static_argnames=("geom",))
def _soft_core(x: jax.Array, geom: Geometry) -> jax.Array:
    x2, batch = validation.flatten_batch(x, len(geom.window))
    xc = x2.astype(validation.compute_dtype(x.dtype))
    p = _patches(pad_to_windows(xc, geom, 0), geom)
    padded = any(lo > 0 or hi > 0 for (lo, _), hi in zip(geom.pads, geom.hi_used, strict=True))
    if padded:
        # Padding cells get zero weight: mark the real cells by pooling a mask the same way.
        ones = jnp.ones((1, *x2.shape[1:-1], 1), jnp.bool_)
        inside = _patches(pad_to_windows(ones, geom, False), geom)
    else:
        inside = jnp.ones((), jnp.bool_)
    # Subtracting each window's maximum keeps exp() finite; the weights are unchanged by it.
    top = lax.stop_gradient(jnp.max(jnp.where(inside, p, -jnp.inf), axis=-2, keepdims=True))
    w = jnp.where(inside, jnp.exp(jnp.where(inside, p - top, 0)), 0)
    y = jnp.sum(w * p, axis=-2) / jnp.sum(w, axis=-2)
    return validation.unflatten_batch(y.astype(x.dtype), batch)


def soft_pool(
    x: jax.typing.ArrayLike,
    window_shape: int | Sequence[int],
    strides: int | Sequence[int] | None = None,
    padding: Any = "VALID",
    *,
    dilation: int | Sequence[int] = 1,
) -> jax.Array:
    """SoftPool (Stergiou et al. 2021): the softmax-weighted mean of each window.

    ``[*batch, *spatial, C] -> [*batch, *out, C]``: ``sum_i exp(x_i) x_i / sum_j exp(x_j)`` over
    each window, computed with each window's maximum subtracted inside ``exp`` so that large
    activations do not overflow. Padding cells are left out (zero weight). Smooth everywhere;
    between the window's mean and its maximum for any input.

    Args:
      x: input ``[*batch, *spatial, C]``; the spatial rank is the length of ``window_shape``
        (an int means 2-D).
      window_shape: window size (int or per axis).
      strides: window step; None means equal to the window.
      padding: "VALID", "SAME", an int, per-axis ints or ``(low, high)`` pairs (at most half the
        window per side, as :func:`max_pool`).
      dilation: spacing between window taps.

    Returns:
      ``[*batch, *out, C]`` in the dtype of ``x``; half precision computes in float32.

    Raises:
      ValueError: bad window, strides, dilation or padding (as :func:`max_pool`); too few axes.
      TypeError: a non-floating ``x``.

    Example:
      >>> import jax.numpy as jnp
      >>> x = jnp.array([0.0, jnp.log(3.0)]).reshape(2, 1)
      >>> float(soft_pool(x, (2,))[0, 0])  # (0 * 1 + log(3) * 3) / 4
      0.8239592909812927

    References:
      A. Stergiou, R. Poppe, G. Kalliatakis, "Refining activation downsampling with SoftPool",
      ICCV 2021.
    """
    fn = "soft_pool"
    x, geom = geometry(fn, x, window_shape, strides, padding, dilation, False)
    validation.check_floating(fn, x)
    return _soft_core(x, geom)
