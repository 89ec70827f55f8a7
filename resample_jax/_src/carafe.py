"""CARAFE: content-aware reassembly of features (Wang et al., ICCV 2019), the reassembly step.

Each output position ``o`` of an upsampling by ``factor`` takes its source position
``floor(o / factor)`` in the input and returns a weighted sum of the ``k^rank`` neighbourhood around
it, with weights predicted per output position (by a small network, not part of this function).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from resample_jax._src import validation as v


@functools.partial(jax.jit, static_argnames=("factor", "kernel_size"))
def _carafe_core(x, kernels, *, factor, kernel_size):
    rank = len(factor)
    flat, batch = v.flatten_batch(x, rank)
    n, size, channels = flat.shape[0], flat.shape[1 : 1 + rank], flat.shape[-1]
    compute = v.compute_dtype(x.dtype)
    r = kernel_size // 2
    xp = jnp.pad(flat.astype(compute), [(0, 0), *((r, r),) * rank, (0, 0)])
    # The k^rank shifted views of the input, at input resolution: (N, *spatial, k^rank, C).
    views = jnp.stack(
        [
            lax.slice(
                xp, (0, *off, 0), (n, *(o + s for o, s in zip(off, size, strict=True)), channels)
            )
            for off in np.ndindex(*(kernel_size,) * rank)
        ],
        axis=-2,
    )
    # Splitting each output axis into (input position, phase) lets the contraction broadcast every
    # view over the factor^rank output phases of its source position: the upsample by repeat.
    split = [d for s, f in zip(size, factor, strict=True) for d in (s, f)]
    w = kernels.reshape((n, *split, kernels.shape[-1])).astype(compute)
    pos, phase = "DHW"[3 - rank :], "dhw"[3 - rank :]
    w_spec = "n" + "".join(p + q for p, q in zip(pos, phase, strict=True)) + "t"
    y = jnp.einsum(f"{w_spec},n{pos}tc->{w_spec[:-1]}c", w, views, precision=lax.Precision.HIGHEST)
    y = y.reshape((n, *(s * f for s, f in zip(size, factor, strict=True)), channels))
    return v.unflatten_batch(y.astype(x.dtype), batch)


def _kernel_size(fn: str, kernel_size: Any, taps: int, rank: int) -> int:
    if kernel_size is None:
        k = round(taps ** (1.0 / rank))
        if k**rank != taps:
            raise ValueError(
                f"{fn}: the last axis of `kernels` ({taps}) must be k**{rank} for an odd "
                f"kernel_size k."
            )
    else:
        if not v._is_int(kernel_size):
            raise TypeError(f"{fn}: `kernel_size` must be a positive odd int; got {kernel_size!r}.")
        if kernel_size < 1:
            raise ValueError(
                f"{fn}: `kernel_size` must be a positive odd int; got {kernel_size!r}."
            )
        k = int(kernel_size)
        if k**rank != taps:
            raise ValueError(
                f"{fn}: the last axis of `kernels` must be kernel_size**{rank} = {k**rank}; "
                f"got {taps}."
            )
    if k % 2 == 0:
        raise ValueError(
            f"{fn}: `kernel_size` must be odd (a neighbourhood centred on the source position); "
            f"got {k}."
        )
    return k


def carafe(
    x: jax.typing.ArrayLike,
    kernels: jax.typing.ArrayLike,
    factor: int | tuple[int, ...] = 2,
    *,
    kernel_size: int | None = None,
) -> jax.Array:
    """Content-aware reassembly (CARAFE): upsampling with a predicted kernel per output position.

    ``x [*batch, *spatial, C]`` and ``kernels [*batch, *(spatial * factor), k**rank]`` give
    ``[*batch, *(spatial * factor), C]`` with

    ``out[o, c] = sum_t kernels[o, t] * x[floor(o / factor) + offset(t) - k // 2, c]``

    where ``offset(t)`` enumerates the ``k^rank`` neighbourhood in row-major order (2-D:
    ``t = i * k + j`` is the offset ``(i, j)``) and input samples outside the array are zero. The
    kernels are used as given: apply the softmax over their last axis (the paper's kernel
    normaliser) before calling, which keeps this function linear in ``kernels`` and in ``x``.
    Computed from ``k^rank`` shifted views of the zero-padded input, contracted against the kernels
    of every output phase; no gather or scatter in the forward or backward pass.

    Args:
      x: ``[*batch, *spatial, C]``, floating; rank 1, 2 or 3 (from ``factor``).
      kernels: ``[*batch, *(spatial * factor), k**rank]`` reassembly kernels, same batch shape as
        ``x``; cast to ``x.dtype``.
      factor: upsampling factor (>= 1); an int means 2-D, a tuple of 1-3 ints gives the rank.
      kernel_size: the odd neighbourhood size ``k``; inferred from ``kernels.shape[-1]`` if None.

    Returns:
      ``[*batch, *(spatial * factor), C]`` in ``x.dtype`` (half precision computed in float32).

    Raises:
      ValueError: shapes of ``x`` and ``kernels`` that do not match as above, a last axis of
        ``kernels`` that is not ``k**rank`` for an odd ``k``, a factor < 1.
      TypeError: integer ``x`` or ``kernels``.

    Example:
      >>> import jax.numpy as jnp
      >>> from resample_jax import carafe
      >>> x = jnp.arange(4.0).reshape(2, 2, 1)
      >>> centre = jnp.zeros((4, 4, 9)).at[..., 4].set(1.0)
      >>> carafe(x, centre, 2)[..., 0]
      Array([[0., 0., 1., 1.],
             [0., 0., 1., 1.],
             [2., 2., 3., 3.],
             [2., 2., 3., 3.]], dtype=float32)

    References:
      Wang, Chen, Xu, Liu, Loy & Lin, "CARAFE: Content-Aware ReAssembly of FEatures", ICCV 2019.
    """
    fn = "carafe"
    rank = v.rank_of(fn, "factor", factor)
    factor_t = v.int_tuple(fn, "factor", factor, rank)
    arr = v.check_array(fn, x, rank)
    v.check_floating(fn, arr)
    w = v.check_array(fn, kernels, rank, name="kernels")
    v.check_floating(fn, w, "kernels")
    size = v.spatial_shape(arr, rank)
    batch = arr.shape[: arr.ndim - 1 - rank]
    expected = (*batch, *(s * f for s, f in zip(size, factor_t, strict=True)))
    if tuple(w.shape[:-1]) != expected:
        raise ValueError(
            f"{fn}: `kernels` must have shape (*batch, *(spatial * factor), k**{rank}) = "
            f"{(*expected, 'k**' + str(rank))} for x of shape {tuple(arr.shape)} and factor "
            f"{factor_t}; got {tuple(w.shape)}."
        )
    k = _kernel_size(fn, kernel_size, w.shape[-1], rank)
    if math.prod(arr.shape) == 0:
        return jnp.zeros((*expected, arr.shape[-1]), arr.dtype)
    return _carafe_core(arr, w, factor=factor_t, kernel_size=k)
