"""Adaptive pooling (a fixed output size, PyTorch's bins) and global pooling.

Output cell ``i`` of an axis of input size ``n`` and output size ``m`` pools the input bin
``[floor(i * n / m), ceil((i + 1) * n / m))``, PyTorch's rule. The bins repeat with period
``m / gcd(n, m)`` outputs and ``n / gcd(n, m)`` inputs, so each axis is pooled by
``m / gcd(n, m)`` reshapes (one when ``m`` divides ``n``): no gather, no dense weight matrix, and a
backward pass made of reshapes and pads. Product windows are pooled one axis at a time.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from resample_jax._src import validation
from resample_jax._src.windows import (
    check_selectable,
    fill_value,
    first_extreme_view,
    select_extreme,
    take_view,
)


class AdaptiveAxis(NamedTuple):
    """PyTorch's adaptive bins along one axis of input size ``size_in`` and output ``size_out``."""

    size_in: int
    size_out: int

    def _period(self) -> tuple[int, int, int]:
        g = math.gcd(self.size_in, self.size_out)
        return g, self.size_out // g, self.size_in // g

    def bin_sizes(self) -> np.ndarray:
        o = np.arange(self.size_out)
        starts = o * self.size_in // self.size_out
        ends = -(-(o + 1) * self.size_in // self.size_out)
        return ends - starts

    def view(self, x: jax.Array, axis: int, fill: Any) -> jax.Array:
        """Bins of ``axis`` as ``(size_out, max bin)`` axes; cells past a short bin hold ``fill``.

        Bins of one phase ``j`` (outputs ``j, j + P, j + 2P, ...``) start ``Q`` inputs apart and
        are at most ``Q`` long, so a reshape to ``(g, Q)`` gathers them.
        """
        n, m = self.size_in, self.size_out
        g, phases, q = self._period()
        sizes = self.bin_sizes()
        k = int(sizes.max())
        pieces = []
        for j in range(phases):
            start = j * n // m
            seg = lax.slice_in_dim(x, start, min(start + g * q, n), axis=axis)
            config = [(0, 0, 0)] * x.ndim
            config[axis] = (0, g * q - seg.shape[axis], 0)
            seg = lax.pad(seg, jnp.zeros((), x.dtype), config)
            seg = seg.reshape((*seg.shape[:axis], g, q, *seg.shape[axis + 1 :]))
            pieces.append(lax.slice_in_dim(seg, 0, k, axis=axis + 1))
        if phases == 1:
            v = pieces[0]
        else:
            v = jnp.stack(pieces, axis=axis + 1)
            v = v.reshape((*v.shape[:axis], m, *v.shape[axis + 2 :]))
        if np.all(sizes == k):
            return v
        shape = [1] * v.ndim
        shape[axis], shape[axis + 1] = m, k
        valid = (np.arange(k)[None, :] < sizes[:, None]).reshape(shape)
        return jnp.where(valid, v, jnp.asarray(fill, v.dtype))

    def first_extreme(self, x: jax.Array, axis: int, largest: bool) -> tuple[jax.Array, jax.Array]:
        view = self.view(x, axis, fill_value(x.dtype, largest))
        return first_extreme_view(view, axis + 1, largest)

    def take(self, p: jax.Array, axis: int, first: jax.Array) -> jax.Array:
        return take_view(self.view(p, axis, 0), axis + 1, first)


def check_output_size(fn: str, output_size: Any) -> tuple[int, Any]:
    """Checks an ``output_size`` without an array (an int, or per axis an int or None); returns
    the spatial rank and the size as Python values."""
    output_size = validation.static_value(fn, "output_size", output_size)
    rank = validation.rank_of(fn, "output_size", output_size)
    entries = output_size if isinstance(output_size, (tuple, list)) else (output_size,)
    validation.int_tuple(fn, "output_size", [1 if s is None else s for s in entries], len(entries))
    return rank, output_size


def _output_size(fn: str, x: Any, output_size: Any) -> tuple[jax.Array, tuple[AdaptiveAxis, ...]]:
    rank, output_size = check_output_size(fn, output_size)
    x = validation.check_array(fn, x, rank)
    validation.check_nonempty_spatial(fn, x, rank)
    in_shape = validation.spatial_shape(x, rank)
    if isinstance(output_size, (tuple, list)):
        # None keeps that axis's input size, as in PyTorch.
        output_size = [n if s is None else s for s, n in zip(output_size, in_shape, strict=True)]
    out = validation.int_tuple(fn, "output_size", output_size, rank)
    return x, tuple(AdaptiveAxis(n, m) for n, m in zip(in_shape, out, strict=True))


@functools.partial(jax.custom_jvp, nondiff_argnums=(1,))
def _adaptive_max(x: jax.Array, axes: tuple[AdaptiveAxis, ...]) -> jax.Array:
    fill = fill_value(x.dtype, True)
    for a in reversed(range(len(axes))):
        x = jnp.max(axes[a].view(x, a + 1, fill), axis=a + 2)
    return x


@_adaptive_max.defjvp
def _adaptive_max_jvp(axes, primals, tangents):
    # The whole derivative goes to the first maximum of each bin, as in max_pool.
    (x,), (dx,) = primals, tangents
    y, _, (dy,) = select_extreme(x, axes, True, (dx,))
    return y, dy


@functools.partial(jax.jit, static_argnames=("axes", "return_indices"))
def _adaptive_max_core(x: jax.Array, axes: tuple[AdaptiveAxis, ...], return_indices: bool):
    x2, batch = validation.flatten_batch(x, len(axes))
    values = _adaptive_max(x2, axes)
    if not return_indices:
        return validation.unflatten_batch(values, batch)
    _, offsets, _ = select_extreme(lax.stop_gradient(x2), axes, True)
    flat = jnp.zeros(values.shape, jnp.int32)
    for a, ax in enumerate(axes):
        o = lax.broadcasted_iota(jnp.int32, values.shape, a + 1)
        flat = flat * ax.size_in + o * ax.size_in // ax.size_out + offsets[a]
    return validation.unflatten_batch(values, batch), validation.unflatten_batch(flat, batch)


@functools.partial(jax.jit, static_argnames=("axes",))
def _adaptive_avg_core(x: jax.Array, axes: tuple[AdaptiveAxis, ...]) -> jax.Array:
    x2, batch = validation.flatten_batch(x, len(axes))
    y = x2.astype(validation.compute_dtype(x.dtype))
    for a in reversed(range(len(axes))):
        sizes = axes[a].bin_sizes()
        total = jnp.sum(axes[a].view(y, a + 1, 0), axis=a + 2)
        if np.all(sizes == sizes[0]):
            y = total / float(sizes[0])
        else:
            shape = [1] * total.ndim
            shape[a + 1] = len(sizes)
            y = total / jnp.asarray(sizes.reshape(shape), total.dtype)
    return validation.unflatten_batch(y.astype(x.dtype), batch)


def adaptive_avg_pool(
    x: jax.typing.ArrayLike, output_size: int | Sequence[int | None]
) -> jax.Array:
    """Average pooling to a fixed output size over PyTorch's adaptive bins.

    ``[*batch, *spatial, C] -> [*batch, *output_size, C]``. Output ``i`` of an axis averages input
    ``[floor(i * n / m), ceil((i + 1) * n / m))``; bins of neighbouring outputs overlap when ``m``
    does not divide ``n``, and ``m > n`` (upsampling) is allowed. Half precision sums in float32;
    complex inputs are averaged natively (PyTorch's ``adaptive_avg_pool2d`` rejects them unless
    the output is 1 x 1).

    Args:
      x: input ``[*batch, *spatial, C]``; the spatial rank is the length of ``output_size``.
      output_size: an int (2-D, square) or one int per spatial axis (1 to 3); an entry None keeps
        that axis's input size.

    Returns:
      ``[*batch, *output_size, C]`` in the dtype of ``x``.

    Raises:
      ValueError: a non-positive ``output_size``; ``x`` with too few axes or a zero-size spatial
        axis (as PyTorch; an empty batch works).
      TypeError: an integer or bool ``x``, or ``output_size`` of the wrong type.

    Example:
      >>> import jax.numpy as jnp
      >>> x = jnp.arange(5.0).reshape(5, 1)
      >>> adaptive_avg_pool(x, (3,))[:, 0]  # bins [0, 2), [1, 4), [3, 5)
      Array([0.5, 2. , 3.5], dtype=float32)

    References:
      ``torch.nn.functional.adaptive_avg_pool{1,2,3}d``.
    """
    fn = "adaptive_avg_pool"
    x, axes = _output_size(fn, x, output_size)
    validation.check_inexact(fn, x)
    return _adaptive_avg_core(x, axes)


def adaptive_max_pool(
    x: jax.typing.ArrayLike,
    output_size: int | Sequence[int | None],
    *,
    return_indices: bool = False,
) -> jax.Array | tuple[jax.Array, jax.Array]:
    """Max pooling to a fixed output size over PyTorch's adaptive bins.

    ``[*batch, *spatial, C] -> [*batch, *output_size, C]``, bins as :func:`adaptive_avg_pool`.
    Integer inputs keep their dtype. Among equal maxima the first in row-major bin order is chosen,
    and the gradient goes to it alone (PyTorch's rule); the backward pass uses no scatter.

    Args:
      x: input ``[*batch, *spatial, C]``; the spatial rank is the length of ``output_size``.
      output_size: an int (2-D, square) or one int per spatial axis; None keeps an axis's size.
      return_indices: also return int32 flat indices ``h * W + w`` (``d * H * W + h * W + w``)
        of the maxima into the input of each batch element and channel, as PyTorch.

    Returns:
      ``[*batch, *output_size, C]``, or ``(values, indices)`` with ``return_indices=True``.

    Raises:
      ValueError: a non-positive ``output_size``; ``x`` with too few axes or a zero-size spatial
        axis (as PyTorch; an empty batch works).
      TypeError: a bool or complex ``x``, or arguments of the wrong type.

    Example:
      >>> import jax.numpy as jnp
      >>> x = jnp.array([3.0, 1.0, 4.0, 1.0, 5.0]).reshape(5, 1)
      >>> v, i = adaptive_max_pool(x, (2,), return_indices=True)  # bins [0, 3), [2, 5)
      >>> v[:, 0], i[:, 0]
      (Array([4., 5.], dtype=float32), Array([2, 4], dtype=int32))

    References:
      ``torch.nn.functional.adaptive_max_pool{1,2,3}d``.
    """
    fn = "adaptive_max_pool"
    x, axes = _output_size(fn, x, output_size)
    check_selectable(fn, x)
    return_indices = validation.check_bool(fn, "return_indices", return_indices)
    return _adaptive_max_core(x, axes, return_indices)


def _global_rank(fn: str, x: Any, rank: Any, keepdims: Any) -> jax.Array:
    rank = validation.check_rank(fn, rank)
    if not isinstance(keepdims, bool):
        raise TypeError(f"{fn}: `keepdims` must be a bool; got {keepdims!r}.")
    return validation.check_array(fn, x, rank)


def global_avg_pool(
    x: jax.typing.ArrayLike, *, rank: int = 2, keepdims: bool = False
) -> jax.Array:
    """Mean over all spatial axes: ``[*batch, *spatial, C] -> [*batch, C]``.

    The spatial axes are the ``rank`` axes before the channel axis; ``rank`` is a keyword because
    the shape alone cannot tell batch axes from spatial ones. Floating or complex inputs; a
    zero-size spatial axis gives NaN, as ``jnp.mean`` and PyTorch do.

    Args:
      x: input ``[*batch, *spatial, C]``.
      rank: number of spatial axes (1, 2 or 3; default 2).
      keepdims: keep the spatial axes with size 1 (``[*batch, 1, 1, C]``).

    Returns:
      ``[*batch, C]`` (or ``[*batch, *(1,) * rank, C]``) in the dtype of ``x``.

    Raises:
      ValueError: ``rank`` not 1, 2 or 3, or ``x`` with fewer than ``rank + 1`` axes.
      TypeError: an integer or bool ``x``.

    Example:
      >>> import jax.numpy as jnp
      >>> global_avg_pool(jnp.arange(8.0).reshape(2, 2, 2)).tolist()
      [3.0, 4.0]

    References:
      ``torch.nn.functional.adaptive_avg_pool2d(x, 1)``; Lin et al. 2014, "Network In Network".
    """
    fn = "global_avg_pool"
    x = _global_rank(fn, x, rank, keepdims)
    validation.check_inexact(fn, x)
    return _global_avg_core(x, rank, keepdims)


@functools.partial(jax.jit, static_argnames=("rank", "keepdims"))
def _global_avg_core(x: jax.Array, rank: int, keepdims: bool) -> jax.Array:
    axes = tuple(range(x.ndim - 1 - rank, x.ndim - 1))
    compute = validation.compute_dtype(x.dtype)
    return jnp.mean(x.astype(compute), axis=axes, keepdims=keepdims).astype(x.dtype)


def global_max_pool(
    x: jax.typing.ArrayLike, *, rank: int = 2, keepdims: bool = False
) -> jax.Array:
    """Maximum over all spatial axes: ``[*batch, *spatial, C] -> [*batch, C]``.

    The gradient goes to the first maximum in row-major order, as :func:`adaptive_max_pool` (a
    plain ``jnp.max`` would split it between ties). Integer inputs keep their dtype.

    Args:
      x: input ``[*batch, *spatial, C]``.
      rank: number of spatial axes (1, 2 or 3; default 2).
      keepdims: keep the spatial axes with size 1.

    Returns:
      ``[*batch, C]`` (or ``[*batch, *(1,) * rank, C]``) in the dtype of ``x``.

    Raises:
      ValueError: ``rank`` not 1, 2 or 3; ``x`` with fewer than ``rank + 1`` axes or a zero-size
        spatial axis (as PyTorch; an empty batch works).
      TypeError: a bool or complex ``x``.

    Example:
      >>> import jax.numpy as jnp
      >>> global_max_pool(jnp.arange(8.0).reshape(2, 2, 2)).tolist()
      [6.0, 7.0]

    References:
      ``torch.nn.functional.adaptive_max_pool2d(x, 1)``.
    """
    fn = "global_max_pool"
    x = _global_rank(fn, x, rank, keepdims)
    check_selectable(fn, x)
    validation.check_nonempty_spatial(fn, x, rank)
    axes = tuple(AdaptiveAxis(n, 1) for n in validation.spatial_shape(x, rank))
    y = _adaptive_max_core(x, axes, False)
    return y if keepdims else y.reshape((*y.shape[: y.ndim - 1 - rank], y.shape[-1]))
