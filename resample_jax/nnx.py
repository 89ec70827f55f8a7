"""Flax NNX modules for every resampling method, as thin layers over the pure functions.

A module here holds its options and its ``nnx.Param`` s and nothing else; its ``__call__`` is one
call of the pure function of the same name (plus a bias, and for CARAFE / DySample the small layers
that predict kernels or offsets), so ``Module(...)(x)`` equals the function applied to the same
parameters. Arrays are channels-last ``(*batch, *spatial, C)`` with any number of leading batch
axes; the spatial rank is the length of the window / size / factor / kernel_size argument (an int
means 2-D).

Modules with parameters take ``rngs: nnx.Rngs`` as their last, keyword-only argument. Options are
checked when the module is built, so a bad factor or channel count fails at construction rather than
at the first call. :mod:`resample_jax.linen` has the same classes with the same arguments; parameter
names (``kernel``, ``bias`` and the sub-module names) are shared so parameters copy across.

Example:
  >>> import jax.numpy as jnp
  >>> from flax import nnx
  >>> from resample_jax import nnx as rnnx
  >>> up = rnnx.SubPixelConv(3, 8, factor=2, rngs=nnx.Rngs(0))
  >>> up(jnp.ones((1, 5, 5, 3))).shape
  (1, 10, 10, 8)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import jax
import jax.numpy as jnp
from flax import nnx
from jax.typing import ArrayLike

from resample_jax import initializers
from resample_jax._src import polyphase, spectral, validation
from resample_jax._src.adaptive import adaptive_avg_pool, adaptive_max_pool
from resample_jax._src.blur import blur_pool, max_blur_pool
from resample_jax._src.carafe import carafe
from resample_jax._src.conv import (
    conv_transpose,
    fractional_strided_conv,
    resize_conv,
    strided_conv,
    subpixel_conv,
)
from resample_jax._src.fusion import FUSE_MODES, MATCH_MODES, fuse
from resample_jax._src.grid_sample import grid_sample
from resample_jax._src.pooling import avg_pool, lp_pool, max_pool, max_pool_with_indices
from resample_jax._src.resize import resize
from resample_jax._src.shuffle import bed_of_nails, pixel_shuffle, pixel_unshuffle
from resample_jax._src.stochastic import soft_pool
from resample_jax._src.unpooling import max_unpool
from resample_jax._src.wavelets import haar_downsample, haar_upsample

Initializer = Callable[..., jax.Array]
default_kernel_init = initializers.lecun_normal()
default_bias_init = nnx.initializers.zeros_init()

__all__ = [
    "AdaptiveAvgPool",
    "ApsDownsample",
    "ApsUpsample",
    "AdaptiveMaxPool",
    "AvgPool",
    "BedOfNails",
    "BlurPool",
    "CARAFE",
    "ConvTranspose",
    "Downsample",
    "DySample",
    "FftDownsample",
    "FftResize",
    "FftUpsample",
    "FractionalStridedConv",
    "Fuse",
    "HaarDownsample",
    "HaarUpsample",
    "LPPool",
    "LearnablePolyphaseDownsample",
    "LearnablePolyphaseUpsample",
    "MaxBlurPool",
    "MaxPool",
    "MaxUnpool",
    "PixelShuffle",
    "PixelUnshuffle",
    "Resize",
    "SoftPool",
    "SpectralPool",
    "ResizeConv",
    "StridedConv",
    "SubPixelConv",
    "Upsample",
]


# --------------------------------------------------------------------------------------------------
# Configuration helpers shared with resample_jax.linen.


def _rank(*values: Any) -> int:
    """The spatial rank given by the first sequence among ``values`` (2 when all are ints)."""
    for v in values:
        if isinstance(v, (tuple, list)):
            return len(v)
    return validation.DEFAULT_RANK


def _factors(fn: str, factor: Any, rank: int | None = None) -> tuple[int, ...]:
    rank = validation.rank_of(fn, "factor", factor) if rank is None else rank
    return validation.int_tuple(fn, "factor", factor, rank)


def _probe(f: Callable[[jax.Array], Any], rank: int, channels: int = 1, size: int = 16) -> None:
    """Traces ``f`` on an abstract ``(*(size,) * rank, channels)`` input, so the pure function's
    own checks of the options (method names, conventions, filter sizes) run at construction."""
    jax.eval_shape(f, jax.ShapeDtypeStruct((size,) * rank + (channels,), jnp.float32))


def _crop_to_multiple(x: jax.Array, factor: tuple[int, ...]) -> jax.Array:
    """Drops the trailing ``n % f`` samples of each spatial axis (as pooling with stride f does), so
    a resize to ``n // f`` has scale exactly ``1 / f``."""
    rank = len(factor)
    spatial = validation.spatial_shape(x, rank)
    index = tuple(slice(0, s - s % f) for s, f in zip(spatial, factor, strict=False))
    return x[(..., *index, slice(None))]


def _check_features(fn: str, name: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{fn}: `{name}` must be a positive int; got {value!r}.")
    return value


def _check_groups(fn: str, in_features: int, out_features: int, groups: int) -> int:
    _check_features(fn, "groups", groups)
    if in_features % groups or out_features % groups:
        raise ValueError(
            f"{fn}: `groups` ({groups}) must divide in_features ({in_features}) and out_features "
            f"({out_features})."
        )
    return groups


def _check_in(fn: str, x: jax.Array, in_features: int) -> None:
    if x.shape[-1] != in_features:
        raise ValueError(
            f"{fn}: expected {in_features} input channels (last axis); got shape {tuple(x.shape)}."
        )


def _cast(param: jax.Array, x: jax.Array) -> jax.Array:
    # Parameters are stored in param_dtype; the computation runs in the input's floating dtype so
    # the pure functions never see mixed dtypes (strict promotion).
    if jnp.issubdtype(x.dtype, jnp.floating):
        return param.astype(x.dtype)
    return param


def _bias(bias: nnx.Param | None, x: jax.Array) -> jax.Array | None:
    return None if bias is None else _cast(bias[...], x)


def _add_bias(y: jax.Array, bias: jax.Array | None) -> jax.Array:
    if bias is None:
        return y
    return y + _cast(bias, y).reshape((1,) * (y.ndim - 1) + bias.shape)


def _dense(x: jax.Array, kernel: jax.Array, bias: jax.Array | None) -> jax.Array:
    """Per-pixel linear map ``(..., C_in) @ (C_in, C_out)`` (a 1x1 convolution)."""
    return _add_bias(jnp.matmul(x, _cast(kernel, x), precision=jax.lax.Precision.HIGHEST), bias)


def _dysample_grid(
    offsets: jax.Array, spatial: tuple[int, ...], factors: tuple[int, ...], groups: int
) -> jax.Array:
    """Sampling grid of DySample from pixel-shuffled offsets.

    ``offsets``: ``[*batch, *(spatial * factor), groups * rank]`` in input-pixel units, axis order
    (D, H, W). Returns the grid ``[*batch, groups, *(spatial * factor), rank]`` in
    ``grid_sample``'s normalised (x, y, z) order with ``align_corners=False``.
    """
    rank = len(spatial)
    out_spatial = offsets.shape[offsets.ndim - 1 - rank : -1]
    batch = offsets.shape[: offsets.ndim - 1 - rank]
    off = offsets.reshape((*batch, *out_spatial, groups, rank))
    off = jnp.moveaxis(off, -2, len(batch))
    coords = []
    for axis in range(rank):
        # Half-pixel source position of each output sample in input pixel indices: DySample's
        # "initial sampling position" (its init_pos plus the pixel-centre coordinates).
        pos = (jnp.arange(out_spatial[axis], dtype=off.dtype) + 0.5) / factors[axis] - 0.5
        shape = [1] * off.ndim
        shape[len(batch) + 1 + axis] = out_spatial[axis]
        pos = pos.reshape(shape[:-1])
        p = off[..., axis] + pos
        coords.append((2.0 * p + 1.0) / spatial[axis] - 1.0)
    return jnp.stack(coords[::-1], axis=-1)


def _grouped_grid_sample(x: jax.Array, grid: jax.Array, groups: int, rank: int) -> jax.Array:
    """Samples channel group ``g`` of ``x`` at ``grid[..., g, ...]`` (border padding, bilinear)."""
    batch = x.shape[: x.ndim - 1 - rank]
    xg = x.reshape((*x.shape[:-1], groups, x.shape[-1] // groups))
    xg = jnp.moveaxis(xg, -2, len(batch))
    y = grid_sample(xg, grid, "linear", padding_mode="border", align_corners=False)
    y = jnp.moveaxis(y, len(batch), -2)
    return y.reshape((*y.shape[:-2], x.shape[-1]))


def _carafe_kernels(logits: jax.Array, factors: tuple[int, ...]) -> jax.Array:
    """Content-encoder output ``[*b, *spatial, prod(factor) * k^rank]`` -> softmax-normalised
    reassembly kernels ``[*b, *(spatial * factor), k^rank]`` on the output grid."""
    return jax.nn.softmax(pixel_shuffle(logits, factors), axis=-1)


# --------------------------------------------------------------------------------------------------
# Parameter-free modules.


class Resize(nnx.Module):
    """Resizes to a fixed ``size`` (or by ``scale``) with :func:`resample_jax.resize`.

    ``[*batch, *spatial, C] -> [*batch, *size, C]``; the arguments are those of ``resize``.

    Example:
      >>> import jax.numpy as jnp
      >>> Resize((4, 6), "cubic")(jnp.ones((2, 3, 3))).shape
      (4, 6, 3)
    """

    def __init__(
        self,
        size: int | Sequence[int] | None = None,
        method: str = "linear",
        *,
        scale: float | Sequence[float] | None = None,
        antialias: bool | None = None,
        align_corners: bool = False,
        convention: str = "jax",
    ):
        self.size = tuple(size) if isinstance(size, (list, tuple)) else size
        self.method = method
        self.scale = tuple(scale) if isinstance(scale, (list, tuple)) else scale
        self.antialias = antialias
        self.align_corners = align_corners
        self.convention = convention
        rank = _rank(self.size, self.scale)
        _probe(self.__call__, rank)

    def __call__(self, x: ArrayLike) -> jax.Array:
        return resize(
            x,
            self.size,
            self.method,
            scale=self.scale,
            antialias=self.antialias,
            align_corners=self.align_corners,
            convention=self.convention,
        )


class Upsample(nnx.Module):
    """Upsamples by an integer ``factor`` per axis with any ``resize`` method.

    ``[*batch, *spatial, C] -> [*batch, *(spatial * factor), C]``: ``resize`` to the size
    ``spatial * factor``, so the output size is exact and the half-pixel convention of ``resize``
    applies (``align_corners`` as in PyTorch).

    Example:
      >>> import jax.numpy as jnp
      >>> Upsample(2, "nearest")(jnp.ones((1, 3, 3, 1))).shape
      (1, 6, 6, 1)
    """

    def __init__(
        self,
        factor: int | Sequence[int] = 2,
        method: str = "nearest",
        *,
        align_corners: bool = False,
        convention: str = "jax",
    ):
        self.factor = _factors("Upsample", factor)
        self.method = method
        self.align_corners = align_corners
        self.convention = convention
        _probe(self.__call__, len(self.factor))

    def __call__(self, x: ArrayLike) -> jax.Array:
        x = validation.check_array("Upsample", x, len(self.factor))
        spatial = validation.spatial_shape(x, len(self.factor))
        size = tuple(s * f for s, f in zip(spatial, self.factor, strict=False))
        return resize(
            x,
            size,
            self.method,
            antialias=False,
            align_corners=self.align_corners,
            convention=self.convention,
        )


class Downsample(nnx.Module):
    """Downsamples by an integer ``factor`` per axis with an antialiased ``resize``.

    ``[*batch, *spatial, C] -> [*batch, *(spatial // factor), C]``. The trailing ``n % f`` samples
    of an axis the factor does not divide are dropped first (as pooling with stride ``f`` does), so
    the resize scale is exactly ``1 / f`` and ``"area"`` equals average pooling. ``antialias=True``
    widens the kernel by the factor (what jax.image / Pillow do); it has no effect for
    ``"nearest"``, which picks one pixel per block.

    Example:
      >>> import jax.numpy as jnp
      >>> Downsample(2, "cubic")(jnp.ones((1, 7, 8, 1))).shape
      (1, 3, 4, 1)
    """

    def __init__(
        self,
        factor: int | Sequence[int] = 2,
        method: str = "linear",
        *,
        antialias: bool = True,
        convention: str = "jax",
    ):
        self.factor = _factors("Downsample", factor)
        self.method = method
        self.antialias = antialias
        self.convention = convention
        _probe(self.__call__, len(self.factor), size=16 * max(self.factor))

    def __call__(self, x: ArrayLike) -> jax.Array:
        x = _crop_to_multiple(
            validation.check_array("Downsample", x, len(self.factor)), self.factor
        )
        spatial = validation.spatial_shape(x, len(self.factor))
        return resize(
            x,
            tuple(s // f for s, f in zip(spatial, self.factor, strict=False)),
            self.method,
            antialias=self.antialias and self.method != "nearest",
            convention=self.convention,
        )


class MaxPool(nnx.Module):
    """Max pooling (:func:`resample_jax.max_pool`); ``return_indices=True`` also returns
    PyTorch-style flat indices (:func:`resample_jax.max_pool_with_indices`) for :class:`MaxUnpool`.

    Example:
      >>> import jax.numpy as jnp
      >>> v, i = MaxPool(2, return_indices=True)(jnp.ones((1, 4, 4, 1)))
      >>> v.shape, i.dtype
      ((1, 2, 2, 1), dtype('int32'))
    """

    def __init__(
        self,
        window_shape: int | Sequence[int] = 2,
        strides: int | Sequence[int] | None = None,
        padding: Any = "VALID",
        *,
        dilation: int | Sequence[int] = 1,
        ceil_mode: bool = False,
        return_indices: bool = False,
    ):
        self.window_shape = _tuple_or(window_shape)
        self.strides = _tuple_or(strides)
        self.padding = _tuple_or(padding)
        self.dilation = _tuple_or(dilation)
        self.ceil_mode = ceil_mode
        self.return_indices = return_indices

    def __call__(self, x: ArrayLike) -> jax.Array | tuple[jax.Array, jax.Array]:
        fn = max_pool_with_indices if self.return_indices else max_pool
        return fn(
            x,
            self.window_shape,
            self.strides,
            self.padding,
            dilation=self.dilation,
            ceil_mode=self.ceil_mode,
        )


def _tuple_or(value: Any) -> Any:
    """Lists become tuples (static, hashable module fields); anything else is kept."""
    if isinstance(value, list):
        return tuple(_tuple_or(v) for v in value)
    return value


class AvgPool(nnx.Module):
    """Average pooling with PyTorch's divisors (:func:`resample_jax.avg_pool`).

    Example:
      >>> import jax.numpy as jnp
      >>> AvgPool(2)(jnp.ones((1, 4, 4, 1))).shape
      (1, 2, 2, 1)
    """

    def __init__(
        self,
        window_shape: int | Sequence[int] = 2,
        strides: int | Sequence[int] | None = None,
        padding: Any = "VALID",
        *,
        dilation: int | Sequence[int] = 1,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ):
        self.window_shape = _tuple_or(window_shape)
        self.strides = _tuple_or(strides)
        self.padding = _tuple_or(padding)
        self.dilation = _tuple_or(dilation)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def __call__(self, x: ArrayLike) -> jax.Array:
        return avg_pool(
            x,
            self.window_shape,
            self.strides,
            self.padding,
            dilation=self.dilation,
            ceil_mode=self.ceil_mode,
            count_include_pad=self.count_include_pad,
            divisor_override=self.divisor_override,
        )


class LPPool(nnx.Module):
    """Power-average pooling ``(sum x^p)^(1/p)`` (:func:`resample_jax.lp_pool`).

    Example:
      >>> import jax.numpy as jnp
      >>> LPPool(2.0, 2)(jnp.ones((1, 4, 4, 1))).shape
      (1, 2, 2, 1)
    """

    def __init__(
        self,
        p: float = 2.0,
        window_shape: int | Sequence[int] = 2,
        strides: int | Sequence[int] | None = None,
        padding: Any = "VALID",
        *,
        dilation: int | Sequence[int] = 1,
        ceil_mode: bool = False,
    ):
        self.p = p
        self.window_shape = _tuple_or(window_shape)
        self.strides = _tuple_or(strides)
        self.padding = _tuple_or(padding)
        self.dilation = _tuple_or(dilation)
        self.ceil_mode = ceil_mode

    def __call__(self, x: ArrayLike) -> jax.Array:
        return lp_pool(
            x,
            self.p,
            self.window_shape,
            self.strides,
            self.padding,
            dilation=self.dilation,
            ceil_mode=self.ceil_mode,
        )


class SoftPool(nnx.Module):
    """SoftPool: softmax-weighted mean of each window (:func:`resample_jax.soft_pool`).

    Example:
      >>> import jax.numpy as jnp
      >>> SoftPool(2)(jnp.ones((1, 4, 4, 1))).shape
      (1, 2, 2, 1)
    """

    def __init__(
        self,
        window_shape: int | Sequence[int] = 2,
        strides: int | Sequence[int] | None = None,
        padding: Any = "VALID",
        *,
        dilation: int | Sequence[int] = 1,
    ):
        self.window_shape = _tuple_or(window_shape)
        self.strides = _tuple_or(strides)
        self.padding = _tuple_or(padding)
        self.dilation = _tuple_or(dilation)

    def __call__(self, x: ArrayLike) -> jax.Array:
        return soft_pool(x, self.window_shape, self.strides, self.padding, dilation=self.dilation)


class AdaptiveAvgPool(nnx.Module):
    """Adaptive average pooling to ``output_size`` (:func:`resample_jax.adaptive_avg_pool`).

    Example:
      >>> import jax.numpy as jnp
      >>> AdaptiveAvgPool((1, 1))(jnp.ones((2, 5, 7, 3))).shape
      (2, 1, 1, 3)
    """

    def __init__(self, output_size: int | Sequence[int]):
        self.output_size = _tuple_or(output_size)

    def __call__(self, x: ArrayLike) -> jax.Array:
        return adaptive_avg_pool(x, self.output_size)


class AdaptiveMaxPool(nnx.Module):
    """Adaptive max pooling to ``output_size`` (:func:`resample_jax.adaptive_max_pool`).

    Example:
      >>> import jax.numpy as jnp
      >>> AdaptiveMaxPool(2)(jnp.ones((5, 7, 3))).shape
      (2, 2, 3)
    """

    def __init__(self, output_size: int | Sequence[int], *, return_indices: bool = False):
        self.output_size = _tuple_or(output_size)
        self.return_indices = return_indices

    def __call__(self, x: ArrayLike) -> jax.Array | tuple[jax.Array, jax.Array]:
        return adaptive_max_pool(x, self.output_size, return_indices=self.return_indices)


class BlurPool(nnx.Module):
    """Anti-aliased downsampling: binomial blur, then subsample (:func:`resample_jax.blur_pool`).

    Example:
      >>> import jax.numpy as jnp
      >>> BlurPool(2)(jnp.ones((1, 8, 8, 2))).shape
      (1, 4, 4, 2)
    """

    def __init__(
        self, factor: int | Sequence[int] = 2, *, filter_size: int = 3, padding: str = "reflect"
    ):
        self.factor = _factors("BlurPool", factor)
        self.filter_size = _tuple_or(filter_size)
        self.padding = padding
        _probe(self.__call__, len(self.factor))

    def __call__(self, x: ArrayLike) -> jax.Array:
        return blur_pool(x, self.factor, filter_size=self.filter_size, padding=self.padding)


class MaxBlurPool(nnx.Module):
    """Dense max (stride 1), then blur pooling (:func:`resample_jax.max_blur_pool`).

    Example:
      >>> import jax.numpy as jnp
      >>> MaxBlurPool(2)(jnp.ones((1, 8, 8, 2))).shape
      (1, 4, 4, 2)
    """

    def __init__(
        self,
        factor: int | Sequence[int] = 2,
        *,
        filter_size: int | Sequence[int] = 3,
        window_shape: int | Sequence[int] = 2,
        padding: str = "reflect",
    ):
        self.factor = _factors("MaxBlurPool", factor)
        self.filter_size = _tuple_or(filter_size)
        self.window_shape = _tuple_or(window_shape)
        self.padding = padding
        _probe(self.__call__, len(self.factor))

    def __call__(self, x: ArrayLike) -> jax.Array:
        return max_blur_pool(
            x,
            self.factor,
            filter_size=self.filter_size,
            window_shape=self.window_shape,
            padding=self.padding,
        )


class PixelShuffle(nnx.Module):
    """Depth to space (:func:`resample_jax.pixel_shuffle`).

    Example:
      >>> import jax.numpy as jnp
      >>> PixelShuffle(2)(jnp.ones((1, 3, 3, 8))).shape
      (1, 6, 6, 2)
    """

    def __init__(self, factor: int | Sequence[int] = 2, *, convention: str = "jax"):
        self.factor = _factors("PixelShuffle", factor)
        self.convention = convention
        _probe(self.__call__, len(self.factor), channels=math.prod(self.factor))

    def __call__(self, x: ArrayLike) -> jax.Array:
        return pixel_shuffle(x, self.factor, convention=self.convention)


class PixelUnshuffle(nnx.Module):
    """Space to depth (:func:`resample_jax.pixel_unshuffle`).

    Example:
      >>> import jax.numpy as jnp
      >>> PixelUnshuffle(2)(jnp.ones((1, 6, 6, 2))).shape
      (1, 3, 3, 8)
    """

    def __init__(self, factor: int | Sequence[int] = 2, *, convention: str = "jax"):
        self.factor = _factors("PixelUnshuffle", factor)
        self.convention = convention
        _probe(self.__call__, len(self.factor), size=16 * max(self.factor))

    def __call__(self, x: ArrayLike) -> jax.Array:
        return pixel_unshuffle(x, self.factor, convention=self.convention)


class BedOfNails(nnx.Module):
    """Zero-insertion upsampling (:func:`resample_jax.bed_of_nails`).

    Example:
      >>> import jax.numpy as jnp
      >>> BedOfNails(2)(jnp.ones((1, 3, 3, 1))).shape
      (1, 6, 6, 1)
    """

    def __init__(self, factor: int | Sequence[int] = 2, *, offset: int | Sequence[int] = 0):
        self.factor = _factors("BedOfNails", factor)
        self.offset = _tuple_or(offset)
        _probe(self.__call__, len(self.factor))

    def __call__(self, x: ArrayLike) -> jax.Array:
        return bed_of_nails(x, self.factor, offset=self.offset)


class HaarDownsample(nnx.Module):
    """One level of the orthonormal Haar transform (:func:`resample_jax.haar_downsample`).

    Example:
      >>> import jax.numpy as jnp
      >>> HaarDownsample()(jnp.ones((1, 4, 4, 3))).shape
      (1, 2, 2, 12)
    """

    def __init__(self, *, rank: int = 2):
        self.rank = validation.check_rank("HaarDownsample", rank)

    def __call__(self, x: ArrayLike) -> jax.Array:
        return haar_downsample(x, rank=self.rank)


class HaarUpsample(nnx.Module):
    """Inverse of :class:`HaarDownsample` (:func:`resample_jax.haar_upsample`).

    Example:
      >>> import jax.numpy as jnp
      >>> HaarUpsample()(jnp.ones((1, 2, 2, 12))).shape
      (1, 4, 4, 3)
    """

    def __init__(self, *, rank: int = 2):
        self.rank = validation.check_rank("HaarUpsample", rank)

    def __call__(self, x: ArrayLike) -> jax.Array:
        return haar_upsample(x, rank=self.rank)


class Fuse(nnx.Module):
    """Merges a skip connection with a decoder feature map (:func:`resample_jax.fuse`).

    Example:
      >>> import jax.numpy as jnp
      >>> Fuse("concat")(jnp.ones((1, 7, 7, 2)), jnp.ones((1, 6, 6, 3))).shape
      (1, 7, 7, 5)
    """

    def __init__(self, mode: str = "concat", *, match: str = "crop_or_pad", rank: int = 2):
        self.mode = validation.check_choice("Fuse", "mode", mode, FUSE_MODES)
        self.match = validation.check_choice("Fuse", "match", match, MATCH_MODES)
        self.rank = validation.check_rank("Fuse", rank)

    def __call__(self, skip: ArrayLike, x: ArrayLike) -> jax.Array:
        return fuse(skip, x, mode=self.mode, match=self.match, rank=self.rank)


class MaxUnpool(nnx.Module):
    """Writes pooled values back at their max-pool indices (:func:`resample_jax.max_unpool`).

    Pair it with ``MaxPool(..., return_indices=True)`` of the same geometry: a SegNet decoder calls
    ``unpool(x, indices, output_size)`` with the indices and the pre-pooling size of its encoder.

    Example:
      >>> import jax.numpy as jnp
      >>> x = jnp.arange(25.0).reshape(1, 5, 5, 1)
      >>> v, i = MaxPool(2, return_indices=True)(x)
      >>> MaxUnpool(2)(v, i, (5, 5)).shape
      (1, 5, 5, 1)
    """

    def __init__(
        self,
        window_shape: int | Sequence[int] | None = None,
        strides: int | Sequence[int] | None = None,
        padding: Any = 0,
    ):
        self.window_shape = _tuple_or(window_shape)
        self.strides = _tuple_or(strides)
        self.padding = _tuple_or(padding)

    def __call__(
        self, x: ArrayLike, indices: ArrayLike, output_size: int | Sequence[int]
    ) -> jax.Array:
        return max_unpool(
            x,
            indices,
            _tuple_or(output_size),
            window_shape=self.window_shape,
            strides=self.strides,
            padding=self.padding,
        )


# --------------------------------------------------------------------------------------------------
# Learned modules.


def _param(init: Initializer, rngs: nnx.Rngs, shape: tuple[int, ...], dtype: Any) -> nnx.Param:
    return nnx.Param(init(rngs.params(), shape, dtype))


class StridedConv(nnx.Module):
    """Learned downsampling by a strided convolution (:func:`resample_jax.strided_conv`).

    Kernel ``[*kernel_size, in_features // groups, out_features]``, bias ``[out_features]``.
    ``[*batch, *spatial, in] -> [*batch, *spatial', out]``. The spatial rank is the length of the
    first tuple among ``kernel_size`` / ``strides`` (2 if both are ints).

    Example:
      >>> import jax.numpy as jnp
      >>> from flax import nnx
      >>> StridedConv(3, 8, 3, 2, rngs=nnx.Rngs(0))(jnp.ones((1, 8, 8, 3))).shape
      (1, 4, 4, 8)
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        kernel_size: int | Sequence[int] = 3,
        strides: int | Sequence[int] = 2,
        padding: Any = "SAME",
        *,
        dilation: int | Sequence[int] = 1,
        groups: int = 1,
        use_bias: bool = True,
        kernel_init: Initializer = default_kernel_init,
        bias_init: Initializer = default_bias_init,
        param_dtype: Any = jnp.float32,
        rngs: nnx.Rngs,
    ):
        fn = "StridedConv"
        rank = _rank(kernel_size, strides)
        self.in_features = _check_features(fn, "in_features", in_features)
        self.out_features = _check_features(fn, "out_features", out_features)
        self.kernel_size = validation.int_tuple(fn, "kernel_size", kernel_size, rank)
        self.strides = validation.int_tuple(fn, "strides", strides, rank)
        self.padding = validation.padding_pairs(fn, padding, rank)
        self.dilation = validation.int_tuple(fn, "dilation", dilation, rank)
        self.groups = _check_groups(fn, in_features, out_features, groups)
        shape = (*self.kernel_size, in_features // groups, out_features)
        self.kernel = _param(kernel_init, rngs, shape, param_dtype)
        self.bias = _param(bias_init, rngs, (out_features,), param_dtype) if use_bias else None

    def __call__(self, x: ArrayLike) -> jax.Array:
        x = jnp.asarray(x)
        _check_in("StridedConv", x, self.in_features)
        return strided_conv(
            x,
            _cast(self.kernel[...], x),
            self.strides,
            self.padding,
            dilation=self.dilation,
            groups=self.groups,
            bias=_bias(self.bias, x),
        )


class ConvTranspose(nnx.Module):
    """Transposed convolution with PyTorch's arithmetic (:func:`resample_jax.conv_transpose`).

    PyTorch-style padding, output_padding and groups.

    Kernel ``[*kernel_size, in_features, out_features // groups]`` (the adjoint of a convolution
    with the same kernel), bias ``[out_features]``. Output size per axis
    ``(n - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1``. Use
    ``kernel_init=initializers.bilinear_upsample_init(factor)`` with ``kernel_size = 2f - f % 2``,
    ``padding = f // 2`` for FCN's bilinear initialisation.

    Example:
      >>> import jax.numpy as jnp
      >>> from flax import nnx
      >>> ConvTranspose(3, 8, 4, 2, 1, rngs=nnx.Rngs(0))(jnp.ones((1, 5, 5, 3))).shape
      (1, 10, 10, 8)
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        kernel_size: int | Sequence[int] = 4,
        strides: int | Sequence[int] = 2,
        padding: int | Sequence[int] = 1,
        *,
        output_padding: int | Sequence[int] = 0,
        dilation: int | Sequence[int] = 1,
        groups: int = 1,
        use_bias: bool = True,
        kernel_init: Initializer = default_kernel_init,
        bias_init: Initializer = default_bias_init,
        param_dtype: Any = jnp.float32,
        rngs: nnx.Rngs,
    ):
        fn = "ConvTranspose"
        rank = _rank(kernel_size, strides, padding)
        self.in_features = _check_features(fn, "in_features", in_features)
        self.out_features = _check_features(fn, "out_features", out_features)
        self.kernel_size = validation.int_tuple(fn, "kernel_size", kernel_size, rank)
        self.strides = validation.int_tuple(fn, "strides", strides, rank)
        self.padding = _tuple_or(padding)
        self.output_padding = validation.int_tuple(
            fn, "output_padding", output_padding, rank, minimum=0
        )
        self.dilation = validation.int_tuple(fn, "dilation", dilation, rank)
        self.groups = _check_groups(fn, in_features, out_features, groups)
        shape = (*self.kernel_size, in_features, out_features // groups)
        self.kernel = _param(kernel_init, rngs, shape, param_dtype)
        self.bias = _param(bias_init, rngs, (out_features,), param_dtype) if use_bias else None

    def __call__(self, x: ArrayLike) -> jax.Array:
        x = jnp.asarray(x)
        _check_in("ConvTranspose", x, self.in_features)
        return conv_transpose(
            x,
            _cast(self.kernel[...], x),
            self.strides,
            self.padding,
            output_padding=self.output_padding,
            dilation=self.dilation,
            groups=self.groups,
            bias=_bias(self.bias, x),
        )


class FractionalStridedConv(nnx.Module):
    """Convolution with a rational stride ``p / q`` (:func:`resample_jax.fractional_strided_conv`):
    ``Fraction(1, 2)`` upsamples by 2 (zero insertion, then a convolution), an int downsamples.

    Kernel ``[*kernel_size, in_features // groups, out_features]``, bias ``[out_features]``.

    Example:
      >>> import jax.numpy as jnp
      >>> from fractions import Fraction
      >>> from flax import nnx
      >>> m = FractionalStridedConv(3, 8, 3, Fraction(1, 2), rngs=nnx.Rngs(0))
      >>> m(jnp.ones((1, 5, 5, 3))).shape
      (1, 10, 10, 8)
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        kernel_size: int | Sequence[int] = 3,
        stride: int | Fraction | Sequence[int | Fraction] = Fraction(1, 2),
        *,
        padding: Any = "SAME",
        dilation: int | Sequence[int] = 1,
        groups: int = 1,
        use_bias: bool = True,
        kernel_init: Initializer = default_kernel_init,
        bias_init: Initializer = default_bias_init,
        param_dtype: Any = jnp.float32,
        rngs: nnx.Rngs,
    ):
        fn = "FractionalStridedConv"
        rank = _rank(kernel_size, stride)
        self.in_features = _check_features(fn, "in_features", in_features)
        self.out_features = _check_features(fn, "out_features", out_features)
        self.kernel_size = validation.int_tuple(fn, "kernel_size", kernel_size, rank)
        self.stride = _tuple_or(stride)
        self.padding = _tuple_or(padding)
        self.dilation = validation.int_tuple(fn, "dilation", dilation, rank)
        self.groups = _check_groups(fn, in_features, out_features, groups)
        shape = (*self.kernel_size, in_features // groups, out_features)
        self.kernel = _param(kernel_init, rngs, shape, param_dtype)
        self.bias = _param(bias_init, rngs, (out_features,), param_dtype) if use_bias else None
        _probe(self.__call__, rank, channels=in_features)

    def __call__(self, x: ArrayLike) -> jax.Array:
        x = jnp.asarray(x)
        _check_in("FractionalStridedConv", x, self.in_features)
        return fractional_strided_conv(
            x,
            _cast(self.kernel[...], x),
            self.stride,
            padding=self.padding,
            dilation=self.dilation,
            groups=self.groups,
            bias=_bias(self.bias, x),
        )


class SubPixelConv(nnx.Module):
    """Sub-pixel convolution (ESPCN), ICNR-initialised by default.

    A convolution to ``out * prod(factor)`` channels, then a pixel shuffle
    (:func:`resample_jax.subpixel_conv`).

    Kernel ``[*kernel_size, in_features, out_features * prod(factor)]``; the bias
    ``[out_features]`` is added after the shuffle (a bias tied across sub-pixel positions, so the
    ICNR property holds at initialisation). With the default ICNR initialisation the output is
    exactly nearest upsampling of a convolution: constant within each ``factor``-sized block.
    ``kernel_init=None`` keeps ICNR with a LeCun-normal base; pass any initialiser to replace it.

    Example:
      >>> import jax.numpy as jnp
      >>> from flax import nnx
      >>> SubPixelConv(3, 2, factor=3, rngs=nnx.Rngs(0))(jnp.ones((1, 4, 4, 3))).shape
      (1, 12, 12, 2)

    References:
      Shi et al., "Real-Time Single Image and Video Super-Resolution Using an Efficient Sub-Pixel
      Convolutional Neural Network", CVPR 2016. Aitken et al., arXiv:1707.02937, 2017 (ICNR).
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        factor: int | Sequence[int] = 2,
        kernel_size: int | Sequence[int] = 3,
        *,
        use_bias: bool = True,
        kernel_init: Initializer | None = None,
        bias_init: Initializer = default_bias_init,
        param_dtype: Any = jnp.float32,
        rngs: nnx.Rngs,
    ):
        fn = "SubPixelConv"
        rank = _rank(factor, kernel_size)
        self.in_features = _check_features(fn, "in_features", in_features)
        self.out_features = _check_features(fn, "out_features", out_features)
        self.factor = _factors(fn, factor, rank)
        self.kernel_size = validation.int_tuple(fn, "kernel_size", kernel_size, rank)
        if kernel_init is None:
            kernel_init = initializers.icnr(default_kernel_init, self.factor)
        shape = (*self.kernel_size, in_features, out_features * math.prod(self.factor))
        self.kernel = _param(kernel_init, rngs, shape, param_dtype)
        self.bias = _param(bias_init, rngs, (out_features,), param_dtype) if use_bias else None

    def __call__(self, x: ArrayLike) -> jax.Array:
        x = jnp.asarray(x)
        _check_in("SubPixelConv", x, self.in_features)
        return _add_bias(
            subpixel_conv(x, _cast(self.kernel[...], x), self.factor), _bias(self.bias, x)
        )


class ResizeConv(nnx.Module):
    """Resize-convolution (Odena et al. 2016): fixed upsampling, then a stride-1 convolution.

    The math is :func:`resample_jax.resize_conv`.

    Kernel ``[*kernel_size, in_features, out_features]``, bias ``[out_features]``.

    Example:
      >>> import jax.numpy as jnp
      >>> from flax import nnx
      >>> ResizeConv(3, 4, factor=2, rngs=nnx.Rngs(0))(jnp.ones((1, 5, 5, 3))).shape
      (1, 10, 10, 4)

    References:
      Odena, Dumoulin & Olah, "Deconvolution and Checkerboard Artifacts", Distill 2016.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        factor: int | Sequence[int] = 2,
        kernel_size: int | Sequence[int] = 3,
        *,
        method: str = "nearest",
        use_bias: bool = True,
        kernel_init: Initializer = default_kernel_init,
        bias_init: Initializer = default_bias_init,
        param_dtype: Any = jnp.float32,
        rngs: nnx.Rngs,
    ):
        fn = "ResizeConv"
        rank = _rank(factor, kernel_size)
        self.in_features = _check_features(fn, "in_features", in_features)
        self.out_features = _check_features(fn, "out_features", out_features)
        self.factor = _factors(fn, factor, rank)
        self.kernel_size = validation.int_tuple(fn, "kernel_size", kernel_size, rank)
        self.method = method
        shape = (*self.kernel_size, in_features, out_features)
        self.kernel = _param(kernel_init, rngs, shape, param_dtype)
        self.bias = _param(bias_init, rngs, (out_features,), param_dtype) if use_bias else None

    def __call__(self, x: ArrayLike) -> jax.Array:
        x = jnp.asarray(x)
        _check_in("ResizeConv", x, self.in_features)
        return resize_conv(
            x, _cast(self.kernel[...], x), self.factor, self.method, bias=_bias(self.bias, x)
        )


class _Conv(nnx.Module):
    """Stride-1 'SAME' convolution with bias: the kernel predictors inside CARAFE and DySample."""

    def __init__(
        self,
        in_features: int,
        out_features: int,
        kernel_size: tuple[int, ...],
        *,
        use_bias: bool = True,
        kernel_init: Initializer = default_kernel_init,
        param_dtype: Any = jnp.float32,
        rngs: nnx.Rngs,
    ):
        self.kernel = _param(
            kernel_init, rngs, (*kernel_size, in_features, out_features), param_dtype
        )
        self.bias = (
            _param(default_bias_init, rngs, (out_features,), param_dtype) if use_bias else None
        )

    def __call__(self, x: jax.Array) -> jax.Array:
        rank = self.kernel.shape[:-2]
        if all(k == 1 for k in rank):
            kernel = self.kernel[...].reshape(self.kernel.shape[-2:])
            return _dense(x, kernel, _bias(self.bias, x))
        return strided_conv(x, _cast(self.kernel[...], x), 1, "SAME", bias=_bias(self.bias, x))


class CARAFE(nnx.Module):
    """CARAFE: content-aware reassembly of features (Wang et al. 2019).

    ``[*batch, *spatial, C] -> [*batch, *(spatial * factor), C]``. A 1x1 ``compressor`` maps C to
    ``compressed_features`` channels; a ``encoder_size`` convolution (the content ``encoder``)
    predicts ``prod(factor) * up_kernel_size^rank`` logits per input pixel; a pixel shuffle moves
    them to the output grid, a softmax over the ``up_kernel_size^rank`` taps normalises each output
    pixel's reassembly kernel, and :func:`resample_jax.carafe` applies the kernels to the
    ``up_kernel_size`` neighbourhood of the source pixel. The encoder starts at N(0, 0.001^2) (as
    the authors' code), so at initialisation the kernels are nearly uniform: a box filter followed
    by nearest upsampling.

    Example:
      >>> import jax.numpy as jnp
      >>> from flax import nnx
      >>> CARAFE(4, 2, compressed_features=8, rngs=nnx.Rngs(0))(jnp.ones((1, 5, 5, 4))).shape
      (1, 10, 10, 4)

    References:
      Wang et al., "CARAFE: Content-Aware ReAssembly of FEatures", ICCV 2019.
    """

    def __init__(
        self,
        in_features: int,
        factor: int | Sequence[int] = 2,
        *,
        compressed_features: int = 64,
        encoder_size: int = 3,
        up_kernel_size: int = 5,
        param_dtype: Any = jnp.float32,
        rngs: nnx.Rngs,
    ):
        fn = "CARAFE"
        rank = _rank(factor)
        self.in_features = _check_features(fn, "in_features", in_features)
        self.factor = _factors(fn, factor, rank)
        _check_features(fn, "compressed_features", compressed_features)
        self.encoder_size = _check_odd(fn, "encoder_size", encoder_size)
        self.up_kernel_size = _check_odd(fn, "up_kernel_size", up_kernel_size)
        taps = up_kernel_size**rank
        self.compressor = _Conv(
            in_features,
            compressed_features,
            (1,) * rank,
            kernel_init=initializers.xavier_uniform(),
            param_dtype=param_dtype,
            rngs=rngs,
        )
        self.encoder = _Conv(
            compressed_features,
            math.prod(self.factor) * taps,
            (encoder_size,) * rank,
            kernel_init=initializers.normal(1e-3),
            param_dtype=param_dtype,
            rngs=rngs,
        )

    def __call__(self, x: ArrayLike) -> jax.Array:
        x = jnp.asarray(x)
        _check_in("CARAFE", x, self.in_features)
        kernels = _carafe_kernels(self.encoder(self.compressor(x)), self.factor)
        return carafe(x, kernels, self.factor)


def _check_odd(fn: str, name: str, value: Any) -> int:
    _check_features(fn, name, value)
    if value % 2 == 0:
        raise ValueError(f"{fn}: `{name}` must be odd (a centred window); got {value}.")
    return value


class DySample(nnx.Module):
    """DySample: upsampling by learned point sampling (Liu et al. 2023), "lp" style.

    ``[*batch, *spatial, C] -> [*batch, *(spatial * factor), C]``. A linear layer (``offset``)
    predicts ``rank`` offsets per channel group and sub-pixel position; they are scaled by 0.25
    (static scope; with ``dyscope=True`` by ``0.5 * sigmoid(scope(x))``, a second linear layer
    initialised to zero), pixel-shuffled to the output grid, added to the initial (half-pixel)
    sampling positions, and :func:`resample_jax.grid_sample` samples each group of ``C / groups``
    channels bilinearly with border padding. With zero offsets this is exactly a bilinear
    half-pixel upsampling with edge clamping (``resize(..., "linear")``, PyTorch's
    ``interpolate(mode="bilinear", align_corners=False)``); the offset layer starts at
    N(0, 0.001^2), as the authors' code.

    Example:
      >>> import jax.numpy as jnp
      >>> from flax import nnx
      >>> DySample(8, 2, rngs=nnx.Rngs(0))(jnp.ones((1, 5, 5, 8))).shape
      (1, 10, 10, 8)

    References:
      Liu, Lu, Fu & Cao, "Learning to Upsample by Learning to Sample", ICCV 2023.
    """

    def __init__(
        self,
        in_features: int,
        factor: int | Sequence[int] = 2,
        *,
        groups: int = 4,
        dyscope: bool = False,
        param_dtype: Any = jnp.float32,
        rngs: nnx.Rngs,
    ):
        fn = "DySample"
        rank = _rank(factor)
        self.in_features = _check_features(fn, "in_features", in_features)
        self.factor = _factors(fn, factor, rank)
        _check_features(fn, "groups", groups)
        if in_features % groups:
            raise ValueError(f"{fn}: `groups` ({groups}) must divide in_features ({in_features}).")
        self.groups = groups
        self.dyscope = dyscope
        out = math.prod(self.factor) * groups * rank
        self.offset = _Conv(
            in_features,
            out,
            (1,) * rank,
            kernel_init=initializers.normal(1e-3),
            param_dtype=param_dtype,
            rngs=rngs,
        )
        self.scope = (
            _Conv(
                in_features,
                out,
                (1,) * rank,
                use_bias=False,
                kernel_init=nnx.initializers.zeros_init(),
                param_dtype=param_dtype,
                rngs=rngs,
            )
            if dyscope
            else None
        )

    def __call__(self, x: ArrayLike) -> jax.Array:
        x = jnp.asarray(x)
        _check_in("DySample", x, self.in_features)
        validation.check_floating("DySample", x)
        rank = len(self.factor)
        if self.scope is None:
            off = self.offset(x) * 0.25
        else:
            off = self.offset(x) * jax.nn.sigmoid(self.scope(x)) * 0.5
        grid = _dysample_grid(
            pixel_shuffle(off, self.factor),
            validation.spatial_shape(x, rank),
            self.factor,
            self.groups,
        )
        return _grouped_grid_sample(x, grid, self.groups, rank)


# --------------------------------------------------------------------------------------------------
# Shift-equivariant polyphase sampling: APS (parameter-free) and learnable polyphase sampling.


class ApsDownsample(nnx.Module):
    """Adaptive polyphase downsampling (:func:`resample_jax.aps_downsample`).

    With ``return_phase=True`` it returns ``(y, phase)``; pass the phase to the
    :class:`ApsUpsample` of the matching decoder level to keep the network shift-equivariant.

    Example:
      >>> import jax.numpy as jnp
      >>> y, phase = ApsDownsample(2, return_phase=True)(jnp.ones((3, 4, 4, 2)))
      >>> y.shape, phase.shape
      ((3, 2, 2, 2), (3,))
    """

    def __init__(
        self, factor: int | Sequence[int] = 2, *, norm: float = 2, return_phase: bool = False
    ):
        self.factor = polyphase.factor_option(_tuple_or(factor), fn="ApsDownsample")
        self.norm = polyphase.check_norm("ApsDownsample", norm)
        self.return_phase = return_phase

    def __call__(self, x: ArrayLike) -> Any:
        return polyphase.aps_downsample(
            x, self.factor, norm=self.norm, return_phase=self.return_phase
        )


class ApsUpsample(nnx.Module):
    """APS-U: values back at the phase their APS layer kept (:func:`resample_jax.aps_upsample`).

    Example:
      >>> import jax.numpy as jnp
      >>> x = jnp.ones((3, 4, 4, 2))
      >>> y, phase = ApsDownsample(2, return_phase=True)(x)
      >>> ApsUpsample(2)(y, phase).shape
      (3, 4, 4, 2)
    """

    def __init__(self, factor: int | Sequence[int] = 2):
        self.factor = polyphase.factor_option(_tuple_or(factor), fn="ApsUpsample")

    def __call__(self, x: ArrayLike, phase: ArrayLike) -> jax.Array:
        return polyphase.aps_upsample(x, phase, self.factor)


class LearnablePolyphaseDownsample(nnx.Module):
    """Learnable polyphase sampling (LPS, Rojas-Gomez et al. 2022): a small network scores each
    polyphase component and the layer keeps the best one.

    ``[*batch, *spatial, C] -> [*batch, *(spatial / factor), C]``. The score of a component is a
    two-layer convolutional network with circular padding (``C -> hidden_features -> 1``, ReLU
    between) averaged over all positions; because circular convolution followed by a global mean is
    invariant to circular shifts, a shifted input permutes the scores exactly as it permutes the
    components, and at evaluation the layer has the shift identity of
    :func:`resample_jax.aps_downsample` (APS is the special case of a score equal to the norm).

    Training (``deterministic=False``, set by ``model.train()``): the output is the mixture
    ``sum_p w_p * component_p`` with Gumbel-softmax weights
    ``w = softmax((logits + g) / temperature)``, ``g`` standard Gumbel noise drawn from the module's
    ``rngs`` stream ``"gumbel"`` (the default stream when there is none), so the scorer gets
    gradients. Evaluation (``model.eval()``): ``w`` is the one-hot of ``argmax(logits)`` (ties:
    lowest phase), the output one component exactly.
    With ``return_weights=True`` the call returns ``(y, w)``, ``w`` of shape ``[*batch, P]``, for
    :class:`LearnablePolyphaseUpsample`.

    Args:
      in_features: channel count ``C`` of the input.
      factor: subsampling factor per spatial axis; an int means 2-D.
      hidden_features: width of the scoring network's hidden layer (default ``in_features``).
      kernel_size: kernel size of the scoring convolutions.
      temperature: Gumbel-softmax temperature (> 0).
      return_weights: also return the selection weights.
      deterministic: evaluation mode (argmax) when True; ``model.eval()`` / ``model.train()``
        set it.
      rngs: initialises the scorer and draws the Gumbel noise.

    Example:
      >>> import jax.numpy as jnp
      >>> from flax import nnx
      >>> lps = LearnablePolyphaseDownsample(3, 2, return_weights=True, rngs=nnx.Rngs(0))
      >>> y, w = lps(jnp.ones((5, 8, 8, 3)))
      >>> y.shape, w.shape
      ((5, 4, 4, 3), (5, 4))

    References:
      Rojas-Gomez, Lim, Schwing, Do & Yeh, "Learnable polyphase sampling for shift invariant and
      equivariant convolutional networks", NeurIPS 2022; Jang, Gu & Poole, "Categorical
      reparameterization with Gumbel-softmax", ICLR 2017.
    """

    def __init__(
        self,
        in_features: int,
        factor: int | Sequence[int] = 2,
        *,
        hidden_features: int | None = None,
        kernel_size: int | Sequence[int] = 3,
        temperature: float = 1.0,
        return_weights: bool = False,
        deterministic: bool = False,
        rngs: nnx.Rngs,
    ):
        fn = "LearnablePolyphaseDownsample"
        self.factor = polyphase.factor_option(_tuple_or(factor), fn=fn)
        rank = len(self.factor)
        (self.in_features,) = validation.int_tuple(fn, "in_features", in_features, 1)
        hidden = in_features if hidden_features is None else hidden_features
        (hidden,) = validation.int_tuple(fn, "hidden_features", hidden, 1)
        kernel = validation.int_tuple(fn, "kernel_size", _tuple_or(kernel_size), rank)
        (self.temperature,) = validation.float_tuple(fn, "temperature", temperature, 1)
        self.return_weights = return_weights
        self.deterministic = deterministic
        self.score_hidden = nnx.Conv(self.in_features, hidden, kernel, padding="CIRCULAR",
                                     rngs=rngs)
        self.score_out = nnx.Conv(hidden, 1, kernel, padding="CIRCULAR", rngs=rngs)
        self.rngs = rngs["gumbel"].fork()

    def logits(self, x: ArrayLike) -> jax.Array:
        """The score of every polyphase component: ``[*batch, *spatial, C] -> [*batch, P]``."""
        comps = polyphase.polyphase_components(x, self.factor)
        _check_in("LearnablePolyphaseDownsample", comps, self.in_features)
        h = self.score_out(jax.nn.relu(self.score_hidden(comps)))
        return h.mean(axis=tuple(range(h.ndim - 1 - len(self.factor), h.ndim)))

    def __call__(self, x: ArrayLike, *, deterministic: bool | None = None) -> Any:
        comps = polyphase.polyphase_components(x, self.factor)
        logits = self.logits(x)
        if self.deterministic if deterministic is None else deterministic:
            w = jax.nn.one_hot(jnp.argmax(logits, axis=-1), logits.shape[-1], dtype=comps.dtype)
        else:
            g = jax.random.gumbel(self.rngs(), logits.shape, logits.dtype)
            w = jax.nn.softmax((logits + g) / self.temperature, axis=-1).astype(comps.dtype)
        axis = comps.ndim - 2 - len(self.factor)
        y = jnp.sum(w.reshape((*w.shape, *(1,) * (comps.ndim - axis - 1))) * comps, axis=axis)
        return (y, w) if self.return_weights else y


class LearnablePolyphaseUpsample(nnx.Module):
    """Learnable polyphase upsampling (LPU, Rojas-Gomez et al. 2022): places the input at the
    polyphase components its :class:`LearnablePolyphaseDownsample` layer selected.

    ``out = sum_p w[*b, p] * (x put at phase p, zeros elsewhere)``, ``[*batch, *spatial, C] ->
    [*batch, *(spatial * factor), C]``. The layer has no parameters of its own: the weights ``w``
    (``[*batch, P]``) come from the matching LPS layer (``return_weights=True``); at evaluation
    they are one-hot and this equals :func:`resample_jax.aps_upsample` with the argmax phase.

    Example:
      >>> import jax.numpy as jnp
      >>> w = jnp.array([0.0, 1.0])  # phase 1 of 2 (1-D)
      >>> LearnablePolyphaseUpsample((2,))(jnp.array([[1.0], [2.0]]), w)[:, 0]
      Array([0., 1., 0., 2.], dtype=float32)

    References:
      Rojas-Gomez et al., "Learnable polyphase sampling for shift invariant and equivariant
      convolutional networks", NeurIPS 2022.
    """

    def __init__(self, factor: int | Sequence[int] = 2):
        self.factor = polyphase.factor_option(_tuple_or(factor), fn="LearnablePolyphaseUpsample")

    def __call__(self, x: ArrayLike, weights: ArrayLike) -> jax.Array:
        fn = "LearnablePolyphaseUpsample"
        rank = len(self.factor)
        arr = validation.check_array(fn, x, rank)
        validation.check_floating(fn, arr)
        w = jnp.asarray(weights)
        flat, batch = validation.flatten_batch(arr, rank)
        if tuple(w.shape) != (*batch, math.prod(self.factor)):
            raise ValueError(
                f"{fn}: `weights` must have shape {(*batch, math.prod(self.factor))} (the batch "
                f"shape of `x` {tuple(arr.shape)} and one weight per phase); got {tuple(w.shape)}."
            )
        out = polyphase.place_components(w.reshape((-1, w.shape[-1])), flat, self.factor)
        return validation.unflatten_batch(out, batch)


# --------------------------------------------------------------------------------------------------
# Spectral resampling.


class FftResize(nnx.Module):
    """Band-limited resize to a fixed ``size`` (:func:`resample_jax.fft_resize`).

    Example:
      >>> import jax.numpy as jnp
      >>> FftResize((6, 9))(jnp.ones((2, 4, 4, 3))).shape
      (2, 6, 9, 3)
    """

    def __init__(self, size: int | Sequence[int], *, rank: int | None = None):
        self.size = _tuple_or(size)
        self.rank = rank
        spectral.resize_options(self.size, rank=rank, fn="FftResize")

    def __call__(self, x: ArrayLike) -> jax.Array:
        return spectral.fft_resize(x, self.size, rank=self.rank)


class _FftFactor(nnx.Module):
    """An ``fft_resize`` to ``spatial * factor`` (up) or ``spatial // factor`` (down)."""

    _up: bool

    def __init__(self, factor: int | Sequence[int] = 2):
        self.factor = polyphase.factor_option(_tuple_or(factor), fn=type(self).__name__)

    def __call__(self, x: ArrayLike) -> jax.Array:
        fn, rank = type(self).__name__, len(self.factor)
        x = validation.check_array(fn, x, rank)
        spatial = validation.spatial_shape(x, rank)
        pairs = list(zip(spatial, self.factor, strict=True))
        size = tuple(s * f if self._up else s // f for s, f in pairs)
        if min(size) < 1:
            raise ValueError(f"{fn}: `factor` {self.factor} empties an axis of `x` {spatial}.")
        return spectral.fft_resize(x, size)


class FftUpsample(_FftFactor):
    """Band-limited (periodic sinc) upsampling by an integer ``factor``:
    ``[*batch, *spatial, C] -> [*batch, *(spatial * factor), C]`` with
    :func:`resample_jax.fft_resize`.

    Example:
      >>> import jax.numpy as jnp
      >>> FftUpsample(2)(jnp.ones((1, 3, 5, 2))).shape
      (1, 6, 10, 2)
    """

    _up = True


class FftDownsample(_FftFactor):
    """Band-limited downsampling by an integer ``factor`` (DFT truncation, scipy's Nyquist rule):
    ``[*batch, *spatial, C] -> [*batch, *(spatial // factor), C]`` with
    :func:`resample_jax.fft_resize`; the size need not be divisible by the factor.

    Example:
      >>> import jax.numpy as jnp
      >>> FftDownsample(2)(jnp.ones((1, 7, 6, 2))).shape
      (1, 3, 3, 2)
    """

    _up = False


class SpectralPool(nnx.Module):
    """Spectral pooling (:func:`resample_jax.spectral_pool`, Rippel et al. 2015).

    Example:
      >>> import jax.numpy as jnp
      >>> SpectralPool(2)(jnp.ones((1, 7, 6, 2))).shape
      (1, 3, 3, 2)
    """

    def __init__(
        self,
        factor: float | Sequence[float] | None = None,
        *,
        size: int | Sequence[int] | None = None,
        rank: int | None = None,
    ):
        self.factor = _tuple_or(factor)
        self.size = _tuple_or(size)
        self.rank = rank
        spectral.pool_options(self.factor, size=self.size, rank=rank, fn="SpectralPool")

    def __call__(self, x: ArrayLike) -> jax.Array:
        return spectral.spectral_pool(x, self.factor, size=self.size, rank=self.rank)
