"""Lossless rearrangements between space and channels: pixel (un)shuffle, bed-of-nails upsampling.

All three are pure reshapes / transposes / pads: no arithmetic, any dtype (integers keep their
dtype), and their VJPs are the same kind of rearrangement (``pixel_unshuffle`` is the VJP of
``pixel_shuffle``; the VJP of ``bed_of_nails`` is strided subsampling).
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from resample_jax._src import validation

CONVENTIONS = ("jax", "pytorch")


def _factor(fn: str, factor) -> tuple[int, ...]:
    rank = validation.rank_of(fn, "factor", factor)
    return validation.int_tuple(fn, "factor", factor, rank)


def shuffle_options(fn: str, factor, convention) -> tuple[tuple[int, ...], str]:
    """The options of (un)shuffling, checked without an array; returns them canonical."""
    return _factor(fn, factor), validation.check_choice(fn, "convention", convention, CONVENTIONS)


def nails_options(fn: str, factor, offset) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The options of :func:`bed_of_nails`, checked without an array; returns them canonical."""
    factor_t = _factor(fn, factor)
    offset_t = validation.int_tuple(fn, "offset", offset, len(factor_t), minimum=0)
    if any(o >= f for o, f in zip(offset_t, factor_t, strict=True)):
        raise ValueError(
            f"{fn}: every entry of `offset` must be in [0, factor); got offset {offset!r} for "
            f"factor {factor_t}."
        )
    return factor_t, offset_t


def _interleave(rank: int) -> list[int]:
    """Axis order (N, s1, f1, ..., sk, fk, C) from (N, s1..sk, f1..fk, C)."""
    order = [0]
    for d in range(rank):
        order += [1 + d, 1 + rank + d]
    return [*order, 1 + 2 * rank]


@functools.partial(jax.jit, static_argnames=("factor", "convention"))
def _shuffle(x: jax.Array, factor: tuple[int, ...], convention: str) -> jax.Array:
    rank = len(factor)
    n, *spatial, depth = x.shape
    channels = depth // math.prod(factor)
    if convention == "jax":
        # DCR: depth index = (block offset, row-major) * C + c.
        x = x.reshape((n, *spatial, *factor, channels))
        order = _interleave(rank)
    else:
        # CRD: depth index = c * prod(factor) + (block offset, row-major).
        x = x.reshape((n, *spatial, channels, *factor))
        order = [0]
        for d in range(rank):
            order += [1 + d, 2 + rank + d]
        order.append(1 + rank)
    x = x.transpose(order)
    return x.reshape((n, *(s * f for s, f in zip(spatial, factor, strict=True)), channels))


@functools.partial(jax.jit, static_argnames=("factor", "convention"))
def _unshuffle(x: jax.Array, factor: tuple[int, ...], convention: str) -> jax.Array:
    rank = len(factor)
    n, *spatial, channels = x.shape
    coarse = [s // f for s, f in zip(spatial, factor, strict=True)]
    split = [v for pair in zip(coarse, factor, strict=True) for v in pair]
    x = x.reshape((n, *split, channels))
    spatial_axes = [1 + 2 * d for d in range(rank)]
    block_axes = [2 + 2 * d for d in range(rank)]
    if convention == "jax":
        order = [0, *spatial_axes, *block_axes, 1 + 2 * rank]
    else:
        order = [0, *spatial_axes, 1 + 2 * rank, *block_axes]
    x = x.transpose(order)
    return x.reshape((n, *coarse, channels * math.prod(factor)))


def pixel_shuffle(x: ArrayLike, factor, *, convention: str = "jax") -> jax.Array:
    """Moves channel blocks into space: ``[*batch, H, W, C*r*s] -> [*batch, H*r, W*s, C]``.

    Sub-pixel upsampling (Shi et al. 2016). 1-D and 3-D work the same way with a factor of 1 or 3
    entries: ``[*batch, *spatial, C * prod(factor)] -> [*batch, *(spatial * factor), C]``. A pure
    reshape / transpose: any dtype, values are moved, never computed.

    Channel order (the two ecosystems differ when C > 1, see ONNX DepthToSpace DCR / CRD):

    * ``convention="jax"`` (default; ``tf.nn.depth_to_space`` and ``dm_pix.depth_to_space``, "DCR"):
      ``out[h*r + i, w*s + j, c] = x[h, w, (i*s + j) * C + c]``.
    * ``convention="pytorch"`` (``torch.nn.functional.pixel_shuffle``, "CRD"):
      ``out[h*r + i, w*s + j, c] = x[h, w, c*r*s + i*s + j]``.

    In 1-D and 3-D the block offset ``(i, j[, k])`` is flattened row-major in the same way.

    Args:
      x: ``[*batch, *spatial, C * prod(factor)]``.
      factor: upsampling factor per spatial axis; an int means 2-D with a square factor, a tuple of
        1 to 3 ints gives the spatial rank.
      convention: ``"jax"`` or ``"pytorch"``, the channel order above.

    Returns:
      ``[*batch, *(spatial * factor), C]``, same dtype as ``x``.

    Raises:
      ValueError: if the channel count is not divisible by ``prod(factor)``, a factor is < 1, or
        ``convention`` is unknown.
      TypeError: if ``factor`` is not an int or a tuple of ints.

    Example:
      >>> import jax.numpy as jnp
      >>> from resample_jax import pixel_shuffle
      >>> x = jnp.arange(4).reshape(1, 1, 4)
      >>> pixel_shuffle(x, 2)[..., 0]
      Array([[0, 1],
             [2, 3]], dtype=int32)

    References:
      Shi et al., "Real-Time Single Image and Video Super-Resolution Using an Efficient Sub-Pixel
      Convolutional Neural Network", CVPR 2016. ``tf.nn.depth_to_space``;
      ``torch.nn.functional.pixel_shuffle``.
    """
    fn = "pixel_shuffle"
    factor_t, conv = shuffle_options(fn, factor, convention)
    rank = len(factor_t)
    arr = validation.check_array(fn, x, rank)
    depth = arr.shape[-1]
    block = math.prod(factor_t)
    if depth % block:
        raise ValueError(
            f"{fn}: the channel count of `x` ({depth}, shape {tuple(arr.shape)}) must be divisible "
            f"by prod(factor) = {block} for factor {factor!r}."
        )
    flat, batch = validation.flatten_batch(arr, rank)
    return validation.unflatten_batch(_shuffle(flat, factor_t, conv), batch)


def pixel_unshuffle(x: ArrayLike, factor, *, convention: str = "jax") -> jax.Array:
    """Moves space into channel blocks: ``[*batch, H*r, W*s, C] -> [*batch, H, W, C*r*s]``.

    The exact inverse of :func:`pixel_shuffle` with the same ``factor`` and ``convention`` (and,
    being a permutation, also its transpose: it is the VJP of ``pixel_shuffle``).

    * ``convention="jax"`` (``tf.nn.space_to_depth``, ``dm_pix.space_to_depth``):
      ``out[h, w, (i*s + j) * C + c] = x[h*r + i, w*s + j, c]``.
    * ``convention="pytorch"`` (``torch.nn.functional.pixel_unshuffle``):
      ``out[h, w, c*r*s + i*s + j] = x[h*r + i, w*s + j, c]``.

    Args:
      x: ``[*batch, *spatial, C]`` with every spatial size divisible by its factor.
      factor: downsampling factor per spatial axis; an int means 2-D, a tuple of 1 to 3 ints gives
        the spatial rank.
      convention: ``"jax"`` or ``"pytorch"``.

    Returns:
      ``[*batch, *(spatial // factor), C * prod(factor)]``, same dtype as ``x``.

    Raises:
      ValueError: if a spatial size is not divisible by its factor, a factor is < 1, or
        ``convention`` is unknown.
      TypeError: if ``factor`` is not an int or a tuple of ints.

    Example:
      >>> import jax.numpy as jnp
      >>> from resample_jax import pixel_unshuffle
      >>> pixel_unshuffle(jnp.arange(4).reshape(2, 2, 1), 2)
      Array([[[0, 1, 2, 3]]], dtype=int32)

    References:
      ``tf.nn.space_to_depth``; ``torch.nn.functional.pixel_unshuffle``.
    """
    fn = "pixel_unshuffle"
    factor_t, conv = shuffle_options(fn, factor, convention)
    rank = len(factor_t)
    arr = validation.check_array(fn, x, rank)
    spatial = validation.spatial_shape(arr, rank)
    if any(s % f for s, f in zip(spatial, factor_t, strict=True)):
        raise ValueError(
            f"{fn}: the spatial sizes of `x` {spatial} (shape {tuple(arr.shape)}) must be "
            f"divisible by factor {factor_t}; crop or pad `x` first."
        )
    flat, batch = validation.flatten_batch(arr, rank)
    return validation.unflatten_batch(_unshuffle(flat, factor_t, conv), batch)


depth_to_space = pixel_shuffle
space_to_depth = pixel_unshuffle


@functools.partial(jax.jit, static_argnames=("factor", "offset"))
def _bed_of_nails(x: jax.Array, factor: tuple[int, ...], offset: tuple[int, ...]) -> jax.Array:
    n, *spatial, channels = x.shape
    # A unit axis after each spatial axis, padded to the cell size, then merged: each value lands at
    # its offset inside its cell without a scatter.
    x = x.reshape((n, *[v for s in spatial for v in (s, 1)], channels))
    config = [(0, 0, 0)]
    for f, o in zip(factor, offset, strict=True):
        config += [(0, 0, 0), (o, f - 1 - o, 0)]
    config.append((0, 0, 0))
    x = jax.lax.pad(x, jnp.zeros((), x.dtype), config)
    return x.reshape((n, *(s * f for s, f in zip(spatial, factor, strict=True)), channels))


def bed_of_nails(x: ArrayLike, factor, *, offset=0) -> jax.Array:
    """Zero-insertion upsampling: ``[*batch, H, W, C] -> [*batch, H*r, W*s, C]``.

    Each input value is placed at position ``offset`` of its ``factor``-sized output cell and every
    other position is zero: ``out[h*r + oh, w*s + ow] = x[h, w]``. 1-D and 3-D by the length of
    ``factor``. Its adjoint (and VJP) is strided subsampling ``y[..., oh::r, ow::s, :]``.

    Args:
      x: ``[*batch, *spatial, C]``, any dtype.
      factor: upsampling factor per spatial axis; an int means 2-D, a tuple of 1 to 3 ints gives the
        spatial rank.
      offset: position of the value inside its cell, an int for every axis or one per axis, each in
        ``[0, factor)``.

    Returns:
      ``[*batch, *(spatial * factor), C]``, same dtype as ``x``.

    Raises:
      ValueError: if a factor is < 1 or an offset is outside ``[0, factor)``.
      TypeError: if ``factor`` or ``offset`` is not an int or a tuple of ints.

    Example:
      >>> import jax.numpy as jnp
      >>> from resample_jax import bed_of_nails
      >>> bed_of_nails(jnp.array([[1], [2]]), (2,), offset=1)[..., 0]
      Array([0, 1, 0, 2], dtype=int32)

    References:
      Zeiler & Fergus, "Visualizing and Understanding Convolutional Networks", ECCV 2014 (unpooling
      with fixed switch positions); Dumoulin & Visin, "A guide to convolution arithmetic", 2016.
    """
    fn = "bed_of_nails"
    factor_t, offset_t = nails_options(fn, factor, offset)
    rank = len(factor_t)
    arr = validation.check_array(fn, x, rank)
    flat, batch = validation.flatten_batch(arr, rank)
    return validation.unflatten_batch(_bed_of_nails(flat, factor_t, offset_t), batch)
