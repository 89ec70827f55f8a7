"""Initialisers for learned upsamplers: ICNR (sub-pixel convolution), FCN's bilinear kernel.

ICNR serves sub-pixel convolutions, the bilinear kernel transposed convolutions.

Both return a Flax-style initialiser ``init(key, shape, dtype) -> jax.Array`` usable as
``kernel_init`` in :mod:`resample_jax.nnx`, :mod:`resample_jax.linen` and in Flax's own layers.
Kernel shapes are channels-last: ``(*window, in_features, out_features)``; the spatial rank is
``len(shape) - 2``.

The random initialisers here (:func:`variance_scaling`, :func:`lecun_normal`, :func:`normal`,
:func:`xavier_uniform`, the defaults of the modules) draw the same distributions as
``jax.nn.initializers`` but compile cheaply: the random numbers come from a flat draw whose length
is rounded up to a power of two, so building a network compiles the threefry generator once per size
bucket instead of once per parameter shape (each such compile takes seconds on a CPU).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from resample_jax._src import validation

Initializer = Callable[..., jax.Array]
"""An initializer: ``init(key, shape, dtype) -> jax.Array``, as in ``jax.nn.initializers``."""

__all__ = [
    "Initializer",
    "bilinear_upsample_init",
    "icnr",
    "lecun_normal",
    "normal",
    "variance_scaling",
    "xavier_uniform",
]

# Standard deviation of a standard normal truncated to [-2, 2] (jax.nn.initializers divides by it).
_TRUNCATED_STD = 0.87962566103423978
_MIN_BUCKET = 256


@functools.partial(jax.jit, static_argnames=("n", "distribution", "dtype"))
def _unit_draw(key: jax.Array, n: int, distribution: str, dtype: Any) -> jax.Array:
    """``n`` samples of unit variance from ``distribution``."""
    if distribution == "truncated_normal":
        return jax.random.truncated_normal(key, -2.0, 2.0, (n,), dtype) / _TRUNCATED_STD
    if distribution == "normal":
        return jax.random.normal(key, (n,), dtype)
    return jax.random.uniform(key, (n,), dtype, -1.0, 1.0) * math.sqrt(3.0)


def _draw(key: jax.Array, shape: Sequence[int], distribution: str, dtype: Any) -> jax.Array:
    size = math.prod(shape)
    bucket = max(_MIN_BUCKET, 1 << max(size - 1, 0).bit_length())
    flat = _unit_draw(key, bucket, distribution, np.dtype(dtype))
    return flat[:size].reshape(tuple(shape))


def variance_scaling(scale: float, mode: str, distribution: str) -> Initializer:
    """Variance-scaling initialiser, as ``jax.nn.initializers.variance_scaling``.

    With the default axes: receptive field = all but the last two axes, fan-in axis -2, fan-out
    axis -1.

    Samples have variance ``scale / n`` with ``n`` the fan-in, fan-out or their mean (``mode``).

    Args:
      scale: variance scale (> 0).
      mode: ``"fan_in"``, ``"fan_out"`` or ``"fan_avg"``.
      distribution: ``"truncated_normal"`` (at 2 standard deviations, rescaled to unit variance),
        ``"normal"`` or ``"uniform"``.

    Returns:
      An initialiser ``init(key, shape, dtype=jnp.float32)``.

    Raises:
      ValueError: unknown mode or distribution.

    Example:
      >>> import jax
      >>> k = variance_scaling(1.0, "fan_in", "normal")(jax.random.key(0), (3, 3, 16, 32))
      >>> k.shape, bool(abs(float(k.std()) * 12 - 1) < 0.1)
      ((3, 3, 16, 32), True)
    """
    mode = validation.check_choice(
        "variance_scaling", "mode", mode, ("fan_in", "fan_out", "fan_avg")
    )
    distribution = validation.check_choice(
        "variance_scaling", "distribution", distribution, ("truncated_normal", "normal", "uniform")
    )

    def init(key: jax.Array, shape: Sequence[int], dtype: Any = jnp.float32) -> jax.Array:
        receptive = math.prod(shape[:-2]) if len(shape) > 2 else 1
        fan_in = shape[-2] * receptive if len(shape) > 1 else shape[-1]
        fan_out = shape[-1] * receptive
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
        return _draw(key, shape, distribution, dtype) * jnp.asarray(math.sqrt(scale / n), dtype)

    return init


def lecun_normal() -> Initializer:
    """LeCun normal (truncated normal, variance 1 / fan_in): Flax's default kernel initialiser.

    Returns:
      An initialiser ``init(key, shape, dtype=jnp.float32)``.

    Example:
      >>> import jax
      >>> lecun_normal()(jax.random.key(0), (4, 8)).shape
      (4, 8)
    """
    return variance_scaling(1.0, "fan_in", "truncated_normal")


def xavier_uniform() -> Initializer:
    """Glorot / Xavier uniform (variance 2 / (fan_in + fan_out)).

    Returns:
      An initialiser ``init(key, shape, dtype=jnp.float32)``.

    Example:
      >>> import jax
      >>> xavier_uniform()(jax.random.key(0), (4, 8)).shape
      (4, 8)
    """
    return variance_scaling(1.0, "fan_avg", "uniform")


def normal(stddev: float = 1e-2) -> Initializer:
    """Zero-mean normal with standard deviation ``stddev``.

    Args:
      stddev: standard deviation.

    Returns:
      An initialiser ``init(key, shape, dtype=jnp.float32)``.

    Example:
      >>> import jax
      >>> normal(1e-3)(jax.random.key(0), (2, 3)).shape
      (2, 3)
    """

    def init(key: jax.Array, shape: Sequence[int], dtype: Any = jnp.float32) -> jax.Array:
        return _draw(key, shape, "normal", dtype) * jnp.asarray(stddev, dtype)

    return init


def icnr(
    base_init: Initializer, factor: int | Sequence[int], *, convention: str = "jax"
) -> Initializer:
    """ICNR: initialises a sub-pixel convolution as nearest upsampling of a convolution.

    The returned initialiser takes a kernel shape ``(*window, in, out * prod(factor))``, draws one
    kernel of shape ``(*window, in, out)`` from ``base_init`` and copies it to every sub-pixel
    position, so after the pixel shuffle every ``factor``-sized output block is constant: the
    sub-pixel convolution starts out free of checkerboard artifacts.

    Args:
      base_init: initialiser for the ``(*window, in, out)`` base kernel, e.g.
        ``jax.nn.initializers.lecun_normal()``.
      factor: upsampling factor, an int (every spatial axis) or one int per spatial axis.
      convention: channel order of the pixel shuffle that follows: ``"jax"`` (depth-to-space / DCR,
        channel ``s * out + c`` goes to sub-position ``s``) or ``"pytorch"`` (CRD, channel
        ``c * prod(factor) + s``). It must match the ``convention`` of the shuffle.

    Returns:
      An initialiser ``init(key, shape, dtype=jnp.float32)``.

    Raises:
      ValueError: (when called) if the last dimension of ``shape`` is not a multiple of
        ``prod(factor)``, or ``convention`` is unknown (at once).

    Example:
      >>> import jax, jax.numpy as jnp
      >>> init = icnr(jax.nn.initializers.lecun_normal(), 2)
      >>> k = init(jax.random.key(0), (3, 3, 4, 2 * 4))
      >>> k.shape
      (3, 3, 4, 8)
      >>> bool(jnp.all(k[..., 0:2] == k[..., 6:8]))
      True

    References:
      Aitken et al., "Checkerboard artifact free sub-pixel convolution: A note on sub-pixel
      convolution, resize convolution and convolution resize", arXiv:1707.02937, 2017.
    """
    convention = validation.check_choice("icnr", "convention", convention, ("jax", "pytorch"))

    def init(key: jax.Array, shape: Sequence[int], dtype: Any = jnp.float32) -> jax.Array:
        rank = len(shape) - 2
        if rank not in validation.SUPPORTED_RANKS:
            raise ValueError(
                f"icnr: kernel shape must be (*window, in, out) with 1 to 3 spatial axes; got "
                f"{shape}."
            )
        factors = validation.int_tuple("icnr", "factor", factor, rank)
        blocks = math.prod(factors)
        if shape[-1] % blocks:
            raise ValueError(
                f"icnr: the output channels of the kernel ({shape[-1]}) must be a multiple of "
                f"prod(factor) = {blocks} for factor {factors}; got kernel shape {tuple(shape)}."
            )
        base = base_init(key, (*shape[:-1], shape[-1] // blocks), dtype)
        if convention == "jax":
            return jnp.tile(base, (1,) * (len(shape) - 1) + (blocks,))
        return jnp.repeat(base, blocks, axis=-1)

    return init


def _bilinear_taps(factor: int, size: int) -> np.ndarray:
    # Tent of half-width `factor` centred on the window: the transposed-convolution form of linear
    # interpolation with half-pixel centres.
    centre = (size - 1) / 2.0
    return 1.0 - np.abs(np.arange(size) - centre) / factor


def bilinear_upsample_init(factor: int | Sequence[int]) -> Initializer:
    """FCN's fixed bilinear kernel for a transposed convolution that upsamples by ``factor``.

    For kernel shape ``(*window, in, out_per_group)`` with ``window[i] == 2 * f_i - f_i % 2``, input
    channel ``i`` is connected to output channel ``i % out_per_group`` by the separable tent
    ``prod_i (1 - |t_i - centre_i| / f_i)`` and every other connection is zero. With
    ``out_per_group == in`` (``groups=1``) this is the identity on channels; with
    ``out_per_group == 1`` (depthwise, ``groups=in``) every channel gets the tent. A
    ``ConvTranspose`` with ``strides=f`` and ``padding=f // 2`` initialised this way maps ``H`` to
    ``f * H`` and equals a (half-pixel) bilinear resize away from the borders; at the borders it
    pads with zeros where a resize replicates the edge.

    Args:
      factor: upsampling factor, an int (every spatial axis) or one int per spatial axis.

    Returns:
      An initialiser ``init(key, shape, dtype=jnp.float32)``; the key is unused (the kernel is
      fixed).

    Raises:
      ValueError: (when called) if the window is not ``2 * f - f % 2`` on each axis, or ``in`` is
        not a multiple of ``out_per_group``.

    Example:
      >>> import jax
      >>> k = bilinear_upsample_init(2)(jax.random.key(0), (4, 4, 1, 1))
      >>> k[:, 0, 0, 0].tolist() == [0.0625, 0.1875, 0.1875, 0.0625]
      True

    References:
      Long, Shelhamer & Darrell, "Fully Convolutional Networks for Semantic Segmentation", CVPR 2015
      (``upsample_filt`` in their Caffe surgery code).
    """

    def init(key: jax.Array, shape: Sequence[int], dtype: Any = jnp.float32) -> jax.Array:
        del key
        rank = len(shape) - 2
        if rank not in validation.SUPPORTED_RANKS:
            raise ValueError(
                "bilinear_upsample_init: kernel shape must be (*window, in, out_per_group) with "
                f"1 to 3 spatial axes; got {tuple(shape)}."
            )
        factors = validation.int_tuple("bilinear_upsample_init", "factor", factor, rank)
        expected = tuple(2 * f - f % 2 for f in factors)
        if tuple(shape[:rank]) != expected:
            raise ValueError(
                f"bilinear_upsample_init: for factor {factors} the window must be 2 * f - f % 2 = "
                f"{expected} (use padding f // 2); got kernel shape {tuple(shape)}."
            )
        cin, cout = shape[-2], shape[-1]
        if cin % cout:
            raise ValueError(
                f"bilinear_upsample_init: input channels ({cin}) must be a multiple of the output "
                f"channels per group ({cout}); got kernel shape {tuple(shape)}."
            )
        tent = np.ones((), np.float64)
        for f, k in zip(factors, expected, strict=False):
            tent = np.multiply.outer(tent, _bilinear_taps(f, k))
        connect = (np.arange(cin)[:, None] % cout == np.arange(cout)[None, :]).astype(np.float64)
        return jnp.asarray(np.multiply.outer(tent, connect), dtype)

    return init
