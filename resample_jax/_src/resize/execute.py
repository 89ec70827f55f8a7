"""JAX execution of the per-axis plans, with derivatives whose transposes avoid pads and scatters.

Each plan's tangent map is written as the transpose of its transposed table (banded slices, or a
scatter-add that JAX transposes into a gather), so reverse mode runs slices or a gather over the
precomputed transposed table, instead of JAX's transpose of slices (one interior-padded array per
tap) or a scatter.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from resample_jax._src.resize.plan import (
    Banded,
    Gather,
    Identity,
    Periodic,
    Repeat,
    Row,
    axis_plan,
)
from resample_jax._src.resize.taps import Axis


def _with_len(shape: tuple[int, ...], axis: int, *sizes: int) -> tuple[int, ...]:
    return (*shape[:axis], *sizes, *shape[axis + 1 :])


def _apply_repeat(x: jax.Array, axis: int, plan: Repeat) -> jax.Array:
    n = x.shape[axis]
    y = jnp.broadcast_to(jnp.expand_dims(x, axis + 1), _with_len(x.shape, axis, n, plan.q))
    return lax.slice_in_dim(y.reshape(_with_len(x.shape, axis, n * plan.q)), 0, plan.m, axis=axis)


def _weighted_sum(terms: list[tuple[jax.Array, float]], zeros_shape, dtype) -> jax.Array:
    acc = None
    for term, wt in terms:
        term = term if wt == 1.0 else term * wt
        acc = term if acc is None else acc + term
    return jnp.zeros(zeros_shape, dtype) if acc is None else acc


def _rows(x: jax.Array, axis: int, rows: tuple[Row, ...]) -> list[jax.Array]:
    one = _with_len(x.shape, axis, 1)
    return [
        _weighted_sum([(lax.slice_in_dim(x, i, i + 1, axis=axis), wt) for i, wt in row],
                      one, x.dtype)
        for row in rows
    ]


def _apply_banded(x: jax.Array, axis: int, b: Banded) -> jax.Array:
    parts = _rows(x, axis, b.head)
    if b.periods:
        span = b.p * (b.periods - 1) + 1
        slices: dict[int, jax.Array] = {}  # phases share most of their taps: slice each start once

        def strided(first: int) -> jax.Array:
            if first not in slices:
                slices[first] = lax.slice_in_dim(x, first, first + span, b.p, axis)
            return slices[first]

        phases = [
            _weighted_sum(
                [(strided(b.lo[r] + tap), wt) for tap, wt in enumerate(b.w[r]) if wt != 0.0],
                _with_len(x.shape, axis, b.periods), x.dtype,
            )
            for r in range(b.q)
        ]
        y = phases[0] if b.q == 1 else jnp.stack(phases, axis=axis + 1)
        parts.append(y.reshape(_with_len(x.shape, axis, b.periods * b.q)))
    parts += _rows(x, axis, b.tail)
    return parts[0] if len(parts) == 1 else lax.concatenate(parts, axis)


def _apply_periodic(x: jax.Array, axis: int, plan: Periodic) -> jax.Array:
    """:func:`_apply_banded` with a derivative whose transpose is the banded transpose."""
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        return _apply_banded(x, axis, plan.fwd)

    @jax.custom_jvp
    def resample(v):
        return _apply_banded(v, axis, plan.fwd)

    @resample.defjvp
    def resample_jvp(primals, tangents):
        (v,), (dv,) = primals, tangents
        # The tangent map is written as the transpose of the banded transpose, so reverse mode
        # (which transposes the tangent map) runs the banded transpose: slices, no pads.
        y = resample(v)
        # The primal output (not a bare ShapeDtypeStruct) fixes the cotangent's type, including
        # its varying manual axes under shard_map.
        adjoint_t = jax.linear_transpose(lambda c: _apply_banded(c, axis, plan.bwd), y)
        return y, adjoint_t(dv)[0]

    return resample(x)


def _weighted_take(
    x: jax.Array, axis: int, idx: np.ndarray, w: np.ndarray, unit: bool
) -> jax.Array:
    acc = None
    for tap in range(idx.shape[1]):
        g = jnp.take(x, jnp.asarray(idx[:, tap]), axis=axis, mode="clip")
        if not unit:
            g = g * jnp.asarray(w[:, tap], x.dtype).reshape(_with_len((1,) * x.ndim, axis,
                                                                      idx.shape[0]))
        acc = g if acc is None else acc + g
    return acc


def _scatter_form(t: jax.Array, axis: int, idx_t: np.ndarray, w_t: np.ndarray, m: int) -> jax.Array:
    """The same linear map as the forward gather, written as a scatter-add over the transposed
    table. JAX transposes a scatter-add into a gather, so reverse mode runs a gather."""
    n, fan_in = idx_t.shape
    upd = jnp.expand_dims(t, axis + 1) * jnp.asarray(w_t, t.dtype).reshape(
        _with_len((1,) * t.ndim, axis, n, fan_in)
    )
    upd = upd.reshape(_with_len(t.shape, axis, n * fan_in))
    index = (slice(None),) * axis + (jnp.asarray(idx_t.ravel()),)
    return jnp.zeros(_with_len(t.shape, axis, m), t.dtype).at[index].add(upd)


def _apply_gather(x: jax.Array, axis: int, plan: Gather) -> jax.Array:
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        return _weighted_take(x, axis, plan.idx, plan.w, True)
    m = plan.idx.shape[0]

    @jax.custom_jvp
    def resample(v):
        return _weighted_take(v, axis, plan.idx, plan.w, plan.unit)

    @resample.defjvp
    def resample_jvp(primals, tangents):
        (v,), (dv,) = primals, tangents
        return resample(v), _scatter_form(dv, axis, plan.idx_t, plan.w_t, m)

    return resample(x)


_APPLY = {Repeat: _apply_repeat, Periodic: _apply_periodic, Gather: _apply_gather}


@functools.partial(jax.jit, static_argnames=("plan", "order"))
def resize_core(x: jax.Array, *, plan: tuple[Axis, ...], order: tuple[int, ...]) -> jax.Array:
    """Resamples ``x``, ``(N, *spatial, C)``, along spatial axis ``i`` by ``plan[i]`` for ``i`` in
    ``order``; half precision is computed in float32."""
    dtype = x.dtype
    y = x.astype(jnp.float32) if dtype in (jnp.float16, jnp.bfloat16) else x
    for i in order:
        step = axis_plan(plan[i])
        if not isinstance(step, Identity):
            y = _APPLY[type(step)](y, 1 + i, step)
    return y.astype(dtype)
