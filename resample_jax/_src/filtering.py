"""Separable depthwise filtering with fixed 1-D taps (binomial blur), shared by blur pooling and
image pyramids."""

from __future__ import annotations

import math
from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np

PAD_MODES = ("zeros", "reflect", "replicate", "circular")
_JNP_PAD = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def binomial_taps(size: int) -> np.ndarray:
    """Normalised binomial filter of ``size`` taps: row ``size - 1`` of Pascal's triangle / 2**(size-1).

    size 1: [1]; 2: [1, 1]/2; 3: [1, 2, 1]/4; 5: [1, 4, 6, 4, 1]/16 (the Burt-Adelson pyramid filter);
    7: [1, 6, 15, 20, 15, 6, 1]/64.
    """
    row = np.array([math.comb(size - 1, k) for k in range(size)], dtype=np.float64)
    return row / row.sum()


def pad_spatial(
    x: jax.Array, pads: Sequence[tuple[int, int]], mode: str, *, value: float = 0.0
) -> jax.Array:
    """Pads the spatial axes of a ``(N, *spatial, C)`` array; ``mode`` is one of PAD_MODES."""
    widths = [(0, 0), *pads, (0, 0)]
    if all(lo == 0 and hi == 0 for lo, hi in pads):
        return x
    if mode == "zeros":
        return jnp.pad(x, widths, mode="constant", constant_values=value)
    return jnp.pad(x, widths, mode=_JNP_PAD[mode])


def separable_filter(
    x: jax.Array,
    taps: Sequence[np.ndarray],
    strides: Sequence[int],
    pads: Sequence[tuple[int, int]],
    mode: str,
) -> jax.Array:
    """Depthwise separable filtering of ``(N, *spatial, C)`` with per-axis 1-D taps and strides.

    Each axis is padded by ``pads`` with ``mode``, correlated with its taps (which are symmetric in
    every use here, so correlation equals convolution) and subsampled by its stride. Computation runs
    in ``x.dtype``, with float32 accumulation for half-precision inputs.
    """
    rank = x.ndim - 2
    x = pad_spatial(x, pads, mode)
    channels = x.shape[-1]
    compute = jnp.float32 if x.dtype in (jnp.float16, jnp.bfloat16) else x.dtype
    y = x.astype(compute)
    for axis in range(rank):
        t = np.asarray(taps[axis])
        shape = [1] * rank + [1, channels]
        shape[axis] = len(t)
        kernel = jnp.broadcast_to(jnp.asarray(t, compute).reshape([*shape[:-1], 1]), shape)
        window_strides = [1] * rank
        window_strides[axis] = strides[axis]
        spec = "N" + "DHW"[3 - rank :] + "C"
        kspec = "DHW"[3 - rank :] + "IO"
        y = jax.lax.conv_general_dilated(
            y,
            kernel,
            window_strides=window_strides,
            padding="VALID",
            dimension_numbers=(spec, kspec, spec),
            feature_group_count=channels,
            precision=jax.lax.Precision.HIGHEST,
        )
    return y.astype(x.dtype)
