"""Polyphase components and adaptive polyphase sampling (APS), down and up.

Subsampling by ``f`` keeps one of the ``f**rank`` polyphase components of a feature map: the
grid ``x[f*i + a]`` for a fixed offset ``a``. A strided layer always keeps ``a = 0``, so shifting
the input by one pixel changes which samples survive and the output is not a shifted copy of the
old one. Adaptive polyphase sampling (Chaman & Dokmanic 2021) keeps instead the component of
largest norm: a circular shift of the input permutes (and circularly shifts) the components, so the
same samples win and the output is an exact circular shift of the unshifted output. APS-U puts the
kept values back at the offset that won, so an APS encoder-decoder with circular padding is
exactly shift-equivariant.

Phase numbering: a component is named by its offset ``a = (a_1, ..., a_rank)``, ``0 <= a_d < f_d``,
flattened row-major (the first spatial axis most significant): ``p = a_1 * f_2 * ... * f_rank + ...
+ a_rank``; ``jnp.unravel_index(p, factor)`` gives the offset back.
"""

from __future__ import annotations

import functools
import math
import numbers
from typing import Any

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from resample_jax._src import validation


def _split(x: jax.Array, factor: tuple[int, ...]) -> jax.Array:
    """``(N, *spatial, C) -> (N, P, *(spatial / factor), C)``; phase ``p`` row-major in offsets."""
    n, *spatial, c = x.shape
    rank = len(factor)
    small = [s // f for s, f in zip(spatial, factor, strict=True)]
    y = x.reshape((n, *[v for s, f in zip(small, factor, strict=True) for v in (s, f)], c))
    order = [0, *(2 + 2 * d for d in range(rank)), *(1 + 2 * d for d in range(rank)), 1 + 2 * rank]
    return y.transpose(order).reshape((n, math.prod(factor), *small, c))


def _merge(y: jax.Array, factor: tuple[int, ...]) -> jax.Array:
    """Inverse of :func:`_split`: ``(N, P, *small, C) -> (N, *(small * factor), C)``."""
    n, _, *small, c = y.shape
    rank = len(factor)
    y = y.reshape((n, *factor, *small, c))
    order = [0]
    for d in range(rank):
        order += [1 + rank + d, 1 + d]
    y = y.transpose([*order, 1 + 2 * rank])
    return y.reshape((n, *(s * f for s, f in zip(small, factor, strict=True)), c))


def place_components(weights: jax.Array, x: jax.Array, factor: tuple[int, ...]) -> jax.Array:
    """``sum_p weights[n, p] * (x[n] put at phase p, zeros elsewhere)`` for ``x`` of shape
    ``(N, *small, C)`` and ``weights`` ``(N, P)``: APS-U for one-hot weights, LPU for soft ones."""
    w = weights.astype(x.dtype).reshape((*weights.shape, *(1,) * (x.ndim - 1)))
    return _merge(w * x[:, None], factor)


def _check_factor_divides(fn: str, arr: jax.Array, factor: tuple[int, ...]) -> None:
    spatial = validation.spatial_shape(arr, len(factor))
    if any(s % f for s, f in zip(spatial, factor, strict=True)):
        raise ValueError(
            f"{fn}: every spatial size of `x` {spatial} (shape {tuple(arr.shape)}) must be "
            f"divisible by `factor` {factor}; crop or pad `x` (circularly, to keep shift "
            f"equivariance) first."
        )


def factor_option(factor: Any, *, fn: str = "polyphase_components") -> tuple[int, ...]:
    """Checks a polyphase ``factor`` (no array needed); returns one int per spatial axis."""
    return validation.int_tuple(fn, "factor", factor, validation.rank_of(fn, "factor", factor))


def _canonical(fn: str, x: Any, factor: Any) -> tuple[jax.Array, tuple[int, ...]]:
    f = factor_option(factor, fn=fn)
    arr = validation.check_array(fn, x, len(f))
    validation.check_floating(fn, arr)
    _check_factor_divides(fn, arr, f)
    return arr, f


def polyphase_components(x: ArrayLike, factor: int | tuple[int, ...] = 2) -> jax.Array:
    """All ``prod(factor)`` polyphase components of ``x``, stacked on a new axis before the spatial
    axes.

    ``out[*b, p, *i, c] = x[*b, *(factor * i + a), c]`` where ``a`` is the offset of phase ``p``
    (row-major: ``a = jnp.unravel_index(p, factor)``, the first spatial axis most significant).
    Component 0 is plain strided subsampling ``x[..., ::f, ::f, :]``. The same values as
    :func:`resample_jax.space_to_depth`, but on their own axis rather than mixed into the channels.

    Args:
      x: ``[*batch, *spatial, C]`` floating array; every spatial size divisible by its factor.
      factor: subsampling factor per spatial axis; an int means 2-D, a tuple of 1 to 3 ints sets the
        spatial rank.

    Returns:
      ``[*batch, prod(factor), *(spatial / factor), C]``, same dtype as ``x``.

    Raises:
      ValueError: if a factor is below 1 or does not divide its spatial size, or ``x`` has too few
        axes.
      TypeError: if ``factor`` is not an int / tuple of ints or ``x`` is not floating.

    Example:
      >>> import jax.numpy as jnp
      >>> from resample_jax import polyphase_components
      >>> polyphase_components(jnp.arange(6.0)[:, None], (2,))[..., 0]
      Array([[0., 2., 4.],
             [1., 3., 5.]], dtype=float32)

    References:
      Vaidyanathan, "Multirate Systems and Filter Banks", 1993 (polyphase decomposition); Chaman &
      Dokmanic, "Truly shift-invariant convolutional neural networks", CVPR 2021.
    """
    arr, f = _canonical("polyphase_components", x, factor)
    flat, batch = validation.flatten_batch(arr, len(f))
    return validation.unflatten_batch(_split(flat, f), batch)


def check_norm(fn: str, norm: Any) -> float:
    """Checks the ``norm`` option of APS (a real p > 0 or inf); returns it as a float."""
    if isinstance(norm, bool) or not isinstance(norm, numbers.Real):
        raise TypeError(f"{fn}: `norm` must be a real number p > 0 or inf; got {norm!r}.")
    if not norm > 0:  # also rejects nan
        raise ValueError(f"{fn}: `norm` must be a real number p > 0 or inf; got {norm!r}.")
    return float(norm)


def _scores(components: jax.Array, norm: float) -> jax.Array:
    """``(N, P, ...) -> (N, P)``: a quantity monotone in each component's ``norm``-norm."""
    a = jnp.abs(components.astype(validation.compute_dtype(components.dtype)))
    a = a.reshape((*components.shape[:2], math.prod(components.shape[2:])))
    if norm == math.inf:
        return a.max(axis=-1)
    if norm == 2.0:
        return jnp.sum(a * a, axis=-1)
    return jnp.sum(a**norm, axis=-1)  # the p-th power of the p-norm ranks the same


@functools.partial(jax.jit, static_argnames=("factor", "norm"))
def _aps_down(x: jax.Array, factor: tuple[int, ...], norm: float) -> tuple[jax.Array, jax.Array]:
    comps = _split(x, factor)
    # argmax returns the first maximum: ties go to the lowest phase index.
    phase = jnp.argmax(jax.lax.stop_gradient(_scores(comps, norm)), axis=1).astype(jnp.int32)
    idx = phase.reshape((phase.shape[0], *(1,) * (comps.ndim - 1)))
    return jnp.take_along_axis(comps, idx, axis=1)[:, 0], phase


def aps_downsample(
    x: ArrayLike,
    factor: int | tuple[int, ...] = 2,
    *,
    norm: float = 2,
    return_phase: bool = False,
) -> jax.Array | tuple[jax.Array, jax.Array]:
    """Adaptive polyphase sampling: keeps, per example, the polyphase component of largest norm.

    One example is one index of the leading batch axes: the norm of component ``p`` is taken over
    all its spatial positions and all channels together, ``||x[*b, p-th grid, :]||_norm``, and the
    whole example (every channel) keeps the same component. Ties go to the lowest phase index (so a
    constant input keeps component 0, like strided sampling).

    Shift identity (circular shifts, per axis ``d``): if ``x`` selects offset ``a_d``, then
    ``jnp.roll(x, s, axis)`` selects offset ``(a_d + s) mod f_d`` and its output is
    ``jnp.roll(out, (a_d + s) // f_d, axis)``, provided the winning norm is strictly largest. Use
    circular padding in the layers around APS to keep the whole network shift-invariant.

    Args:
      x: ``[*batch, *spatial, C]`` floating array; every spatial size divisible by its factor.
      factor: subsampling factor per spatial axis; an int means 2-D, a tuple of 1 to 3 ints sets the
        spatial rank.
      norm: the ``p`` of the p-norm ranking the components, ``p > 0`` or ``math.inf`` (default 2, as
        in the paper).
      return_phase: also return the selected phase per example.

    Returns:
      ``[*batch, *(spatial / factor), C]``, same dtype as ``x``; with ``return_phase``, also the
      phase, an int32 array of shape ``batch`` (row-major offset index, see
      :func:`polyphase_components`). The gradient flows to the selected samples only.

    Raises:
      ValueError: if a factor is below 1 or does not divide its spatial size, or ``norm <= 0``.
      TypeError: if ``factor`` or ``norm`` has the wrong type or ``x`` is not floating.

    Example:
      >>> import jax.numpy as jnp
      >>> from resample_jax import aps_downsample
      >>> x = jnp.array([[0.0, 1.0], [2.0, 0.0], [0.0, 3.0], [5.0, 0.0]])  # [L=4, C=2]
      >>> aps_downsample(x, (2,), return_phase=True)  # odd rows: 2**2 + 5**2 > 1**2 + 3**2
      (Array([[2., 0.],
             [5., 0.]], dtype=float32), Array(1, dtype=int32))

    References:
      Chaman & Dokmanic, "Truly shift-invariant convolutional neural networks", CVPR 2021.
    """
    fn = "aps_downsample"
    arr, f = _canonical(fn, x, factor)
    p = check_norm(fn, norm)
    return_phase = validation.check_bool(fn, "return_phase", return_phase)
    flat, batch = validation.flatten_batch(arr, len(f))
    y, phase = _aps_down(flat, f, p)
    y = validation.unflatten_batch(y, batch)
    return (y, phase.reshape(batch)) if return_phase else y


@functools.partial(jax.jit, static_argnames=("factor",))
def _aps_up(x: jax.Array, phase: jax.Array, factor: tuple[int, ...]) -> jax.Array:
    onehot = phase[:, None] == jnp.arange(math.prod(factor), dtype=phase.dtype)[None, :]
    mask = onehot.reshape((*onehot.shape, *(1,) * (x.ndim - 1)))
    # where(), not a product with the mask: an inf in x must not put nan in the zero phases.
    return _merge(jnp.where(mask, x[:, None], jnp.zeros((), x.dtype)), factor)


def aps_upsample(
    x: ArrayLike, phase: ArrayLike, factor: int | tuple[int, ...] = 2
) -> jax.Array:
    """APS-U: puts each example's values back at its polyphase component, zeros elsewhere.

    ``out[*b, *(factor * i + a), c] = x[*b, *i, c]`` where ``a`` is the offset of ``phase[*b]``, and
    every other position is 0. With the phase :func:`aps_downsample` returned, upsampling its output
    recovers exactly the samples it kept; an encoder-decoder pairing the two (and circular padding)
    is shift-equivariant. A phase outside ``[0, prod(factor))`` gives an all-zero example.

    Args:
      x: ``[*batch, *spatial, C]`` floating array.
      phase: integer array of shape ``batch`` (one phase per example), e.g. from
        ``aps_downsample(..., return_phase=True)``.
      factor: upsampling factor per spatial axis; an int means 2-D, a tuple of 1 to 3 ints sets the
        spatial rank.

    Returns:
      ``[*batch, *(spatial * factor), C]``, same dtype as ``x``.

    Raises:
      ValueError: if ``phase``'s shape is not the batch shape of ``x`` or a factor is below 1.
      TypeError: if ``phase`` is not an integer array, ``factor`` has the wrong type or ``x`` is
        not floating.

    Example:
      >>> import jax.numpy as jnp
      >>> from resample_jax import aps_upsample
      >>> aps_upsample(jnp.array([[1.0], [2.0]]), jnp.array(1), (2,))[:, 0]
      Array([0., 1., 0., 2.], dtype=float32)

    References:
      Chaman & Dokmanic, "Truly shift-invariant convolutional neural networks", CVPR 2021 (APS);
      Chaman & Dokmanic, "Truly shift-equivariant convolutional neural networks with adaptive
      polyphase upsampling", Asilomar 2021 (APS-U).
    """
    fn = "aps_upsample"
    f = factor_option(factor, fn=fn)
    rank = len(f)
    arr = validation.check_array(fn, x, rank)
    validation.check_floating(fn, arr)
    ph = validation.check_array(fn, phase, -1, name="phase")
    if not jnp.issubdtype(ph.dtype, jnp.integer):
        raise TypeError(f"{fn}: `phase` must be an integer array; got dtype {ph.dtype}.")
    flat, batch = validation.flatten_batch(arr, rank)
    if tuple(ph.shape) != batch:
        raise ValueError(
            f"{fn}: `phase` must have the batch shape of `x` {batch} (one phase per example, x of "
            f"shape {tuple(arr.shape)}); got shape {tuple(ph.shape)}."
        )
    phases = ph.reshape(ph.size).astype(jnp.int32)
    return validation.unflatten_batch(_aps_up(flat, phases, f), batch)
