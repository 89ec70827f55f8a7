"""Per-axis weights from traced scale and translation (``scale_and_translate`` under jit / grad).

The tap tables of :mod:`taps` need concrete positions. When the scale or translation is traced,
the same weights (kernel of the distance to each output's sample position, widened by
``1 / scale`` when antialiasing, renormalised, zero outside the input) are built in the trace as
an ``(out, in)`` matrix per axis, as jax.image builds them, so they are differentiable in the
scale and translation.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax

from resample_jax._src import validation as _v
from resample_jax._src.resize.taps import TINY_WEIGHT_SUM, Recipe


def dense_weights(n: int, m: int, scale: jax.Array, translation: jax.Array, r: Recipe) -> jax.Array:
    """The ``(m, n)`` weights of one axis; pixel ``j`` spans ``[j, j + 1]``."""
    inv = 1.0 / scale
    centre = (jnp.arange(m, dtype=inv.dtype) + 0.5 - translation) * inv
    j = jnp.arange(n, dtype=inv.dtype)[None, :]
    if r.kind == "area":
        left = (centre - 0.5 * inv)[:, None]
        w = jnp.maximum(0.0, jnp.minimum(left + inv, j + 1.0) - jnp.maximum(left, j))
    else:
        widen = jnp.maximum(inv, 1.0) if r.antialias else 1.0
        t = (j + 0.5 - centre[:, None]) / widen
        w = r.kernel.user.fn(t) if r.kernel.name == "user" else r.kernel(t)
    total = w.sum(axis=1)
    # In or out of the input as jax.image decides it (its rounding, so an edge sample agrees
    # with jax.image and with the concrete path's _samples_inside).
    sample = (jnp.arange(m, dtype=inv.dtype) + 0.5) * inv - translation * inv - 0.5
    keep = (jnp.abs(total) > TINY_WEIGHT_SUM) & (sample >= -0.5) & (sample <= n - 0.5)
    return jnp.where(keep[:, None], w / jnp.where(keep, total, 1.0)[:, None], 0.0)


def traced_scale_and_translate(
    x: jax.Array, size: tuple[int, ...], scale, translation, r: Recipe
) -> jax.Array:
    rank = len(size)
    dtype = jnp.result_type(float, scale, translation)
    per_axis = []
    for name, v in (("scale", scale), ("translation", translation)):
        v = jnp.asarray(v, dtype)
        if v.shape not in ((), (rank,)):
            raise ValueError(
                f"scale_and_translate: `{name}` must be a scalar or have {rank} entries (one per "
                f"spatial axis); got shape {v.shape}."
            )
        per_axis.append(jnp.broadcast_to(v, (rank,)))
    in_size = _v.spatial_shape(x, rank)
    y = x.astype(jnp.float32) if x.dtype in (jnp.float16, jnp.bfloat16) else x
    first = x.ndim - 1 - rank
    for i in range(rank):
        w = dense_weights(in_size[i], size[i], per_axis[0][i], per_axis[1][i], r).astype(y.dtype)
        y = jnp.moveaxis(
            jnp.tensordot(w, y, axes=((1,), (first + i,)), precision=lax.Precision.HIGHEST),
            0, first + i,
        )
    return y.astype(x.dtype)
