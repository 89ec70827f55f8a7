"""Separable depthwise filtering with fixed 1-D taps (binomial blur), shared by blur pooling and
image pyramids."""

from __future__ import annotations

import math
from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np

from resample_jax._src import validation

PAD_MODES = ("zeros", "reflect", "replicate", "circular")
_JNP_PAD = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def binomial_taps(size: int) -> np.ndarray:
    """Normalised binomial filter of ``size`` taps: row ``size - 1`` of Pascal's triangle.

    size 1: [1]; 2: [1, 1]/2; 3: [1, 2, 1]/4; 5: [1, 4, 6, 4, 1]/16 (the Burt-Adelson pyramid
    filter); 7: [1, 6, 15, 20, 15, 6, 1]/64.
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
    every use here, so correlation equals convolution) and subsampled by its stride. Each axis is a
    weighted sum of ``len(taps)`` strided slices: on CPU a depthwise ``conv_general_dilated`` is
    about 100x slower than this, forward and backward, and the slices' transposes are pads.
    Computation runs in float32 for half-precision inputs.
    """
    rank = x.ndim - 2
    compute = validation.compute_dtype(x.dtype)
    y = pad_spatial(x.astype(compute), pads, mode)
    for d in range(rank):
        axis = d + 1
        t = np.asarray(taps[d], np.float64)
        stride = strides[d]
        n_out = (y.shape[axis] - len(t)) // stride + 1
        acc = None
        for k, w in enumerate(t):
            piece = jax.lax.slice_in_dim(y, k, k + (n_out - 1) * stride + 1, stride, axis=axis)
            term = piece * jnp.asarray(w, compute)
            acc = term if acc is None else acc + term
        y = acc
    return y.astype(x.dtype)
