"""Flax Linen modules for every resampling method, twins of :mod:`resample_jax.nnx`.

The same classes and arguments, as Linen dataclasses.

A module holds configuration (dataclass fields) and declares its parameters in ``__call__``; the
math is the pure function of the same name. Parameter names match the NNX modules (``kernel``,
``bias``; CARAFE's ``compressor`` / ``encoder``, DySample's ``offset`` / ``scope``), so
``{"params": nnx.to_pure_dict(nnx.state(m, nnx.Param))}`` of an NNX module is a valid variable dict
of its Linen twin, and both give the same output. Options are checked when the module is constructed
(``__post_init__``), so a bad factor or channel count fails before ``init``.

Example:
  >>> import jax, jax.numpy as jnp
  >>> from resample_jax import linen as rlinen
  >>> m = rlinen.SubPixelConv(3, 8, factor=2)
  >>> x = jnp.ones((1, 5, 5, 3))
  >>> variables = m.init(jax.random.key(0), x)
  >>> m.apply(variables, x).shape
  (1, 10, 10, 8)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from resample_jax import initializers
from resample_jax import nnx as rnnx
from resample_jax._src import validation
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
from resample_jax._src.fusion import fuse
from resample_jax._src.pooling import avg_pool, lp_pool, max_pool, max_pool_with_indices
from resample_jax._src.resize import resize
from resample_jax._src.shuffle import bed_of_nails, pixel_shuffle, pixel_unshuffle
from resample_jax._src.stochastic import soft_pool
from resample_jax._src.unpooling import max_unpool
from resample_jax._src.wavelets import haar_downsample, haar_upsample

Initializer = Callable[..., jax.Array]
default_kernel_init = rnnx.default_kernel_init
default_bias_init = rnnx.default_bias_init

__all__ = rnnx.__all__

_tuple_or = rnnx._tuple_or
_cast = rnnx._cast
_add_bias = rnnx._add_bias
_rank = rnnx._rank


def _hashable(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return tuple(_hashable(v) for v in value)
    return value


@functools.lru_cache(maxsize=256)
def _validate_cached(cls_name: str, items: tuple[tuple[str, Any], ...]) -> None:
    getattr(rnnx, cls_name)(**dict(items))


class _Checked(nn.Module):
    """Base of the parameter-free modules: builds the NNX twin once per configuration, which runs
    every construction-time check (cached, since Linen re-creates modules on each apply)."""

    def __post_init__(self) -> None:
        items = tuple(
            (f, _hashable(getattr(self, f)))
            for f in self.__dataclass_fields__
            if f not in ("parent", "name")
        )
        _validate_cached(type(self).__name__, items)
        super().__post_init__()


# --------------------------------------------------------------------------------------------------
# Parameter-free modules.


class Resize(_Checked):
    """Resizes with :func:`resample_jax.resize` (see :class:`resample_jax.nnx.Resize`).

    Example:
      >>> import jax.numpy as jnp
      >>> Resize((4, 6), "cubic").apply({}, jnp.ones((2, 3, 3))).shape
      (4, 6, 3)
    """

    size: int | Sequence[int] | None = None
    method: str = "linear"
    scale: float | Sequence[float] | None = None
    antialias: bool | None = None
    align_corners: bool = False
    convention: str = "jax"

    def __call__(self, x: ArrayLike) -> jax.Array:
        return resize(
            x,
            _tuple_or(self.size),
            self.method,
            scale=_tuple_or(self.scale),
            antialias=self.antialias,
            align_corners=self.align_corners,
            convention=self.convention,
        )


class Upsample(_Checked):
    """Integer-factor upsampling with any resize method (see :class:`resample_jax.nnx.Upsample`).

    Example:
      >>> import jax.numpy as jnp
      >>> Upsample(2).apply({}, jnp.ones((1, 3, 3, 1))).shape
      (1, 6, 6, 1)
    """

    factor: int | Sequence[int] = 2
    method: str = "nearest"
    align_corners: bool = False
    convention: str = "jax"

    def __call__(self, x: ArrayLike) -> jax.Array:
        factor = rnnx._factors("Upsample", _tuple_or(self.factor))
        x = validation.check_array("Upsample", x, len(factor))
        spatial = validation.spatial_shape(x, len(factor))
        return resize(
            x,
            tuple(s * f for s, f in zip(spatial, factor, strict=False)),
            self.method,
            antialias=False,
            align_corners=self.align_corners,
            convention=self.convention,
        )


class Downsample(_Checked):
    """Integer-factor antialiased downsampling (see :class:`resample_jax.nnx.Downsample`).

    Example:
      >>> import jax.numpy as jnp
      >>> Downsample(2, "cubic").apply({}, jnp.ones((1, 7, 8, 1))).shape
      (1, 3, 4, 1)
    """

    factor: int | Sequence[int] = 2
    method: str = "linear"
    antialias: bool = True
    convention: str = "jax"

    def __call__(self, x: ArrayLike) -> jax.Array:
        factor = rnnx._factors("Downsample", _tuple_or(self.factor))
        x = rnnx._crop_to_multiple(validation.check_array("Downsample", x, len(factor)), factor)
        spatial = validation.spatial_shape(x, len(factor))
        return resize(
            x,
            tuple(s // f for s, f in zip(spatial, factor, strict=False)),
            self.method,
            antialias=self.antialias and self.method != "nearest",
            convention=self.convention,
        )


class MaxPool(_Checked):
    """Max pooling, optionally with indices (see :class:`resample_jax.nnx.MaxPool`).

    Example:
      >>> import jax.numpy as jnp
      >>> MaxPool(2).apply({}, jnp.ones((1, 4, 4, 1))).shape
      (1, 2, 2, 1)
    """

    window_shape: int | Sequence[int] = 2
    strides: int | Sequence[int] | None = None
    padding: Any = "VALID"
    dilation: int | Sequence[int] = 1
    ceil_mode: bool = False
    return_indices: bool = False

    def __call__(self, x: ArrayLike) -> jax.Array | tuple[jax.Array, jax.Array]:
        fn = max_pool_with_indices if self.return_indices else max_pool
        return fn(
            x,
            _tuple_or(self.window_shape),
            _tuple_or(self.strides),
            _tuple_or(self.padding),
            dilation=_tuple_or(self.dilation),
            ceil_mode=self.ceil_mode,
        )


class AvgPool(_Checked):
    """Average pooling (see :class:`resample_jax.nnx.AvgPool`).

    Example:
      >>> import jax.numpy as jnp
      >>> AvgPool(2).apply({}, jnp.ones((1, 4, 4, 1))).shape
      (1, 2, 2, 1)
    """

    window_shape: int | Sequence[int] = 2
    strides: int | Sequence[int] | None = None
    padding: Any = "VALID"
    dilation: int | Sequence[int] = 1
    ceil_mode: bool = False
    count_include_pad: bool = True
    divisor_override: int | None = None

    def __call__(self, x: ArrayLike) -> jax.Array:
        return avg_pool(
            x,
            _tuple_or(self.window_shape),
            _tuple_or(self.strides),
            _tuple_or(self.padding),
            dilation=_tuple_or(self.dilation),
            ceil_mode=self.ceil_mode,
            count_include_pad=self.count_include_pad,
            divisor_override=self.divisor_override,
        )


class LPPool(_Checked):
    """Power-average pooling (see :class:`resample_jax.nnx.LPPool`).

    Example:
      >>> import jax.numpy as jnp
      >>> LPPool(2.0, 2).apply({}, jnp.ones((1, 4, 4, 1))).shape
      (1, 2, 2, 1)
    """

    p: float = 2.0
    window_shape: int | Sequence[int] = 2
    strides: int | Sequence[int] | None = None
    padding: Any = "VALID"
    dilation: int | Sequence[int] = 1
    ceil_mode: bool = False

    def __call__(self, x: ArrayLike) -> jax.Array:
        return lp_pool(
            x,
            self.p,
            _tuple_or(self.window_shape),
            _tuple_or(self.strides),
            _tuple_or(self.padding),
            dilation=_tuple_or(self.dilation),
            ceil_mode=self.ceil_mode,
        )


class SoftPool(_Checked):
    """SoftPool (see :class:`resample_jax.nnx.SoftPool`).

    Example:
      >>> import jax.numpy as jnp
      >>> SoftPool(2).apply({}, jnp.ones((1, 4, 4, 1))).shape
      (1, 2, 2, 1)
    """

    window_shape: int | Sequence[int] = 2
    strides: int | Sequence[int] | None = None
    padding: Any = "VALID"
    dilation: int | Sequence[int] = 1

    def __call__(self, x: ArrayLike) -> jax.Array:
        return soft_pool(
            x,
            _tuple_or(self.window_shape),
            _tuple_or(self.strides),
            _tuple_or(self.padding),
            dilation=_tuple_or(self.dilation),
        )


class AdaptiveAvgPool(_Checked):
    """Adaptive average pooling (see :class:`resample_jax.nnx.AdaptiveAvgPool`).

    Example:
      >>> import jax.numpy as jnp
      >>> AdaptiveAvgPool(1).apply({}, jnp.ones((2, 5, 7, 3))).shape
      (2, 1, 1, 3)
    """

    output_size: int | Sequence[int] = 1

    def __call__(self, x: ArrayLike) -> jax.Array:
        return adaptive_avg_pool(x, _tuple_or(self.output_size))


class AdaptiveMaxPool(_Checked):
    """Adaptive max pooling (see :class:`resample_jax.nnx.AdaptiveMaxPool`).

    Example:
      >>> import jax.numpy as jnp
      >>> AdaptiveMaxPool(2).apply({}, jnp.ones((5, 7, 3))).shape
      (2, 2, 3)
    """

    output_size: int | Sequence[int] = 1
    return_indices: bool = False

    def __call__(self, x: ArrayLike) -> jax.Array | tuple[jax.Array, jax.Array]:
        return adaptive_max_pool(x, _tuple_or(self.output_size), return_indices=self.return_indices)


class BlurPool(_Checked):
    """Binomial blur, then subsample (see :class:`resample_jax.nnx.BlurPool`).

    Example:
      >>> import jax.numpy as jnp
      >>> BlurPool(2).apply({}, jnp.ones((1, 8, 8, 2))).shape
      (1, 4, 4, 2)
    """

    factor: int | Sequence[int] = 2
    filter_size: int | Sequence[int] = 3
    padding: str = "reflect"

    def __call__(self, x: ArrayLike) -> jax.Array:
        return blur_pool(
            x, _tuple_or(self.factor), filter_size=_tuple_or(self.filter_size), padding=self.padding
        )


class MaxBlurPool(_Checked):
    """Dense max, then blur pooling (see :class:`resample_jax.nnx.MaxBlurPool`).

    Example:
      >>> import jax.numpy as jnp
      >>> MaxBlurPool(2).apply({}, jnp.ones((1, 8, 8, 2))).shape
      (1, 4, 4, 2)
    """

    factor: int | Sequence[int] = 2
    filter_size: int | Sequence[int] = 3
    window_shape: int | Sequence[int] = 2
    padding: str = "reflect"

    def __call__(self, x: ArrayLike) -> jax.Array:
        return max_blur_pool(
            x,
            _tuple_or(self.factor),
            filter_size=_tuple_or(self.filter_size),
            window_shape=_tuple_or(self.window_shape),
            padding=self.padding,
        )


class PixelShuffle(_Checked):
    """Depth to space (see :class:`resample_jax.nnx.PixelShuffle`).

    Example:
      >>> import jax.numpy as jnp
      >>> PixelShuffle(2).apply({}, jnp.ones((1, 3, 3, 8))).shape
      (1, 6, 6, 2)
    """

    factor: int | Sequence[int] = 2
    convention: str = "jax"

    def __call__(self, x: ArrayLike) -> jax.Array:
        return pixel_shuffle(x, _tuple_or(self.factor), convention=self.convention)


class PixelUnshuffle(_Checked):
    """Space to depth (see :class:`resample_jax.nnx.PixelUnshuffle`).

    Example:
      >>> import jax.numpy as jnp
      >>> PixelUnshuffle(2).apply({}, jnp.ones((1, 6, 6, 2))).shape
      (1, 3, 3, 8)
    """

    factor: int | Sequence[int] = 2
    convention: str = "jax"

    def __call__(self, x: ArrayLike) -> jax.Array:
        return pixel_unshuffle(x, _tuple_or(self.factor), convention=self.convention)


class BedOfNails(_Checked):
    """Zero-insertion upsampling (see :class:`resample_jax.nnx.BedOfNails`).

    Example:
      >>> import jax.numpy as jnp
      >>> BedOfNails(2).apply({}, jnp.ones((1, 3, 3, 1))).shape
      (1, 6, 6, 1)
    """

    factor: int | Sequence[int] = 2
    offset: int | Sequence[int] = 0

    def __call__(self, x: ArrayLike) -> jax.Array:
        return bed_of_nails(x, _tuple_or(self.factor), offset=_tuple_or(self.offset))


class HaarDownsample(_Checked):
    """One orthonormal Haar level (see :class:`resample_jax.nnx.HaarDownsample`).

    Example:
      >>> import jax.numpy as jnp
      >>> HaarDownsample().apply({}, jnp.ones((1, 4, 4, 3))).shape
      (1, 2, 2, 12)
    """

    rank: int = 2

    def __call__(self, x: ArrayLike) -> jax.Array:
        return haar_downsample(x, rank=self.rank)


class HaarUpsample(_Checked):
    """Inverse Haar level (see :class:`resample_jax.nnx.HaarUpsample`).

    Example:
      >>> import jax.numpy as jnp
      >>> HaarUpsample().apply({}, jnp.ones((1, 2, 2, 12))).shape
      (1, 4, 4, 3)
    """

    rank: int = 2

    def __call__(self, x: ArrayLike) -> jax.Array:
        return haar_upsample(x, rank=self.rank)


class Fuse(_Checked):
    """Skip fusion (see :class:`resample_jax.nnx.Fuse`).

    Example:
      >>> import jax.numpy as jnp
      >>> Fuse().apply({}, jnp.ones((1, 7, 7, 2)), jnp.ones((1, 6, 6, 3))).shape
      (1, 7, 7, 5)
    """

    mode: str = "concat"
    match: str = "crop_or_pad"
    rank: int = 2

    def __call__(self, skip: ArrayLike, x: ArrayLike) -> jax.Array:
        return fuse(skip, x, mode=self.mode, match=self.match, rank=self.rank)


class MaxUnpool(_Checked):
    """Max unpooling with a paired max pooling's indices (see :class:`resample_jax.nnx.MaxUnpool`).

    Example:
      >>> import jax.numpy as jnp
      >>> x = jnp.arange(25.0).reshape(1, 5, 5, 1)
      >>> v, i = MaxPool(2, return_indices=True).apply({}, x)
      >>> MaxUnpool(2).apply({}, v, i, (5, 5)).shape
      (1, 5, 5, 1)
    """

    window_shape: int | Sequence[int] | None = None
    strides: int | Sequence[int] | None = None
    padding: Any = 0

    def __call__(
        self, x: ArrayLike, indices: ArrayLike, output_size: int | Sequence[int]
    ) -> jax.Array:
        return max_unpool(
            x,
            indices,
            _tuple_or(output_size),
            window_shape=_tuple_or(self.window_shape),
            strides=_tuple_or(self.strides),
            padding=_tuple_or(self.padding),
        )


# --------------------------------------------------------------------------------------------------
# Learned modules.


def _bias(module: nn.Module, use_bias: bool, init: Initializer, n: int, dtype: Any, x: jax.Array):
    return _cast(module.param("bias", init, (n,), dtype), x) if use_bias else None


class StridedConv(nn.Module):
    """Strided convolution (see :class:`resample_jax.nnx.StridedConv`).

    Example:
      >>> import jax, jax.numpy as jnp
      >>> m, x = StridedConv(3, 8, 3, 2), jnp.ones((1, 8, 8, 3))
      >>> m.apply(m.init(jax.random.key(0), x), x).shape
      (1, 4, 4, 8)
    """

    in_features: int
    out_features: int
    kernel_size: int | Sequence[int] = 3
    strides: int | Sequence[int] = 2
    padding: Any = "SAME"
    dilation: int | Sequence[int] = 1
    groups: int = 1
    use_bias: bool = True
    kernel_init: Initializer = default_kernel_init
    bias_init: Initializer = default_bias_init
    param_dtype: Any = jnp.float32

    def __post_init__(self) -> None:
        fn = "StridedConv"
        rank = _rank(self.kernel_size, self.strides)
        rnnx._check_features(fn, "in_features", self.in_features)
        rnnx._check_features(fn, "out_features", self.out_features)
        validation.int_tuple(fn, "kernel_size", _tuple_or(self.kernel_size), rank)
        validation.int_tuple(fn, "strides", _tuple_or(self.strides), rank)
        validation.padding_pairs(fn, _tuple_or(self.padding), rank)
        rnnx._check_groups(fn, self.in_features, self.out_features, self.groups)
        super().__post_init__()

    @nn.compact
    def __call__(self, x: ArrayLike) -> jax.Array:
        x = jnp.asarray(x)
        rnnx._check_in("StridedConv", x, self.in_features)
        rank = _rank(self.kernel_size, self.strides)
        window = validation.int_tuple(
            "StridedConv", "kernel_size", _tuple_or(self.kernel_size), rank
        )
        shape = (*window, self.in_features // self.groups, self.out_features)
        kernel = self.param("kernel", self.kernel_init, shape, self.param_dtype)
        return strided_conv(
            x,
            _cast(kernel, x),
            _tuple_or(self.strides),
            _tuple_or(self.padding),
            dilation=_tuple_or(self.dilation),
            groups=self.groups,
            bias=_bias(self, self.use_bias, self.bias_init, self.out_features, self.param_dtype, x),
        )


class ConvTranspose(nn.Module):
    """Transposed convolution, PyTorch arithmetic (see :class:`resample_jax.nnx.ConvTranspose`).

    Example:
      >>> import jax, jax.numpy as jnp
      >>> m, x = ConvTranspose(3, 8, 4, 2, 1), jnp.ones((1, 5, 5, 3))
      >>> m.apply(m.init(jax.random.key(0), x), x).shape
      (1, 10, 10, 8)
    """

    in_features: int
    out_features: int
    kernel_size: int | Sequence[int] = 4
    strides: int | Sequence[int] = 2
    padding: Any = 1
    output_padding: int | Sequence[int] = 0
    dilation: int | Sequence[int] = 1
    groups: int = 1
    use_bias: bool = True
    kernel_init: Initializer = default_kernel_init
    bias_init: Initializer = default_bias_init
    param_dtype: Any = jnp.float32

    def __post_init__(self) -> None:
        fn = "ConvTranspose"
        rank = _rank(self.kernel_size, self.strides, self.padding)
        rnnx._check_features(fn, "in_features", self.in_features)
        rnnx._check_features(fn, "out_features", self.out_features)
        validation.int_tuple(fn, "kernel_size", _tuple_or(self.kernel_size), rank)
        validation.int_tuple(fn, "strides", _tuple_or(self.strides), rank)
        rnnx._check_groups(fn, self.in_features, self.out_features, self.groups)
        super().__post_init__()

    @nn.compact
    def __call__(self, x: ArrayLike) -> jax.Array:
        x = jnp.asarray(x)
        rnnx._check_in("ConvTranspose", x, self.in_features)
        rank = _rank(self.kernel_size, self.strides, self.padding)
        window = validation.int_tuple(
            "ConvTranspose", "kernel_size", _tuple_or(self.kernel_size), rank
        )
        shape = (*window, self.in_features, self.out_features // self.groups)
        kernel = self.param("kernel", self.kernel_init, shape, self.param_dtype)
        return conv_transpose(
            x,
            _cast(kernel, x),
            _tuple_or(self.strides),
            _tuple_or(self.padding),
            output_padding=_tuple_or(self.output_padding),
            dilation=_tuple_or(self.dilation),
            groups=self.groups,
            bias=_bias(self, self.use_bias, self.bias_init, self.out_features, self.param_dtype, x),
        )


class FractionalStridedConv(nn.Module):
    """Convolution with a rational stride (see :class:`resample_jax.nnx.FractionalStridedConv`).

    Example:
      >>> import jax, jax.numpy as jnp
      >>> from fractions import Fraction
      >>> m, x = FractionalStridedConv(3, 8, 3, Fraction(1, 2)), jnp.ones((1, 5, 5, 3))
      >>> m.apply(m.init(jax.random.key(0), x), x).shape
      (1, 10, 10, 8)
    """

    in_features: int
    out_features: int
    kernel_size: int | Sequence[int] = 3
    stride: int | Fraction | Sequence[int | Fraction] = Fraction(1, 2)
    padding: Any = "SAME"
    dilation: int | Sequence[int] = 1
    groups: int = 1
    use_bias: bool = True
    kernel_init: Initializer = default_kernel_init
    bias_init: Initializer = default_bias_init
    param_dtype: Any = jnp.float32

    def __post_init__(self) -> None:
        fn = "FractionalStridedConv"
        rank = _rank(self.kernel_size, self.stride)
        rnnx._check_features(fn, "in_features", self.in_features)
        rnnx._check_features(fn, "out_features", self.out_features)
        validation.int_tuple(fn, "kernel_size", _tuple_or(self.kernel_size), rank)
        rnnx._check_groups(fn, self.in_features, self.out_features, self.groups)
        super().__post_init__()

    @nn.compact
    def __call__(self, x: ArrayLike) -> jax.Array:
        x = jnp.asarray(x)
        rnnx._check_in("FractionalStridedConv", x, self.in_features)
        rank = _rank(self.kernel_size, self.stride)
        window = validation.int_tuple(
            "FractionalStridedConv", "kernel_size", _tuple_or(self.kernel_size), rank
        )
        shape = (*window, self.in_features // self.groups, self.out_features)
        kernel = self.param("kernel", self.kernel_init, shape, self.param_dtype)
        return fractional_strided_conv(
            x,
            _cast(kernel, x),
            _tuple_or(self.stride),
            padding=_tuple_or(self.padding),
            dilation=_tuple_or(self.dilation),
            groups=self.groups,
            bias=_bias(self, self.use_bias, self.bias_init, self.out_features, self.param_dtype, x),
        )


class SubPixelConv(nn.Module):
    """Sub-pixel convolution with ICNR initialisation (see :class:`resample_jax.nnx.SubPixelConv`).

    Example:
      >>> import jax, jax.numpy as jnp
      >>> m, x = SubPixelConv(3, 2, factor=3), jnp.ones((1, 4, 4, 3))
      >>> m.apply(m.init(jax.random.key(0), x), x).shape
      (1, 12, 12, 2)
    """

    in_features: int
    out_features: int
    factor: int | Sequence[int] = 2
    kernel_size: int | Sequence[int] = 3
    use_bias: bool = True
    kernel_init: Initializer | None = None
    bias_init: Initializer = default_bias_init
    param_dtype: Any = jnp.float32

    def _geometry(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        fn = "SubPixelConv"
        rank = _rank(self.factor, self.kernel_size)
        factor = rnnx._factors(fn, _tuple_or(self.factor), rank)
        window = validation.int_tuple(fn, "kernel_size", _tuple_or(self.kernel_size), rank)
        return factor, window

    def __post_init__(self) -> None:
        rnnx._check_features("SubPixelConv", "in_features", self.in_features)
        rnnx._check_features("SubPixelConv", "out_features", self.out_features)
        self._geometry()
        super().__post_init__()

    @nn.compact
    def __call__(self, x: ArrayLike) -> jax.Array:
        x = jnp.asarray(x)
        rnnx._check_in("SubPixelConv", x, self.in_features)
        factor, window = self._geometry()
        init = self.kernel_init or initializers.icnr(default_kernel_init, factor)
        shape = (*window, self.in_features, self.out_features * math.prod(factor))
        kernel = self.param("kernel", init, shape, self.param_dtype)
        bias = _bias(self, self.use_bias, self.bias_init, self.out_features, self.param_dtype, x)
        return _add_bias(subpixel_conv(x, _cast(kernel, x), factor), bias)


class ResizeConv(nn.Module):
    """Resize, then convolve (see :class:`resample_jax.nnx.ResizeConv`).

    Example:
      >>> import jax, jax.numpy as jnp
      >>> m, x = ResizeConv(3, 4, factor=2), jnp.ones((1, 5, 5, 3))
      >>> m.apply(m.init(jax.random.key(0), x), x).shape
      (1, 10, 10, 4)
    """

    in_features: int
    out_features: int
    factor: int | Sequence[int] = 2
    kernel_size: int | Sequence[int] = 3
    method: str = "nearest"
    use_bias: bool = True
    kernel_init: Initializer = default_kernel_init
    bias_init: Initializer = default_bias_init
    param_dtype: Any = jnp.float32

    def _geometry(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        fn = "ResizeConv"
        rank = _rank(self.factor, self.kernel_size)
        factor = rnnx._factors(fn, _tuple_or(self.factor), rank)
        window = validation.int_tuple(fn, "kernel_size", _tuple_or(self.kernel_size), rank)
        return factor, window

    def __post_init__(self) -> None:
        rnnx._check_features("ResizeConv", "in_features", self.in_features)
        rnnx._check_features("ResizeConv", "out_features", self.out_features)
        self._geometry()
        super().__post_init__()

    @nn.compact
    def __call__(self, x: ArrayLike) -> jax.Array:
        x = jnp.asarray(x)
        rnnx._check_in("ResizeConv", x, self.in_features)
        factor, window = self._geometry()
        shape = (*window, self.in_features, self.out_features)
        kernel = self.param("kernel", self.kernel_init, shape, self.param_dtype)
        bias = _bias(self, self.use_bias, self.bias_init, self.out_features, self.param_dtype, x)
        return resize_conv(x, _cast(kernel, x), factor, self.method, bias=bias)


class _Conv(nn.Module):
    """Stride-1 'SAME' convolution with bias (the predictors inside CARAFE and DySample)."""

    in_features: int
    out_features: int
    kernel_size: tuple[int, ...]
    use_bias: bool = True
    kernel_init: Initializer = default_kernel_init
    param_dtype: Any = jnp.float32

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        shape = (*self.kernel_size, self.in_features, self.out_features)
        kernel = self.param("kernel", self.kernel_init, shape, self.param_dtype)
        bias = _bias(self, self.use_bias, default_bias_init, self.out_features, self.param_dtype, x)
        if all(k == 1 for k in self.kernel_size):
            return rnnx._dense(x, kernel.reshape(shape[-2:]), bias)
        return strided_conv(x, _cast(kernel, x), 1, "SAME", bias=bias)


class CARAFE(nn.Module):
    """Content-aware reassembly of features (see :class:`resample_jax.nnx.CARAFE`).

    Example:
      >>> import jax, jax.numpy as jnp
      >>> m, x = CARAFE(4, 2, compressed_features=8), jnp.ones((1, 5, 5, 4))
      >>> m.apply(m.init(jax.random.key(0), x), x).shape
      (1, 10, 10, 4)
    """

    in_features: int
    factor: int | Sequence[int] = 2
    compressed_features: int = 64
    encoder_size: int = 3
    up_kernel_size: int = 5
    param_dtype: Any = jnp.float32

    def __post_init__(self) -> None:
        fn = "CARAFE"
        rnnx._check_features(fn, "in_features", self.in_features)
        rnnx._factors(fn, _tuple_or(self.factor))
        rnnx._check_features(fn, "compressed_features", self.compressed_features)
        rnnx._check_odd(fn, "encoder_size", self.encoder_size)
        rnnx._check_odd(fn, "up_kernel_size", self.up_kernel_size)
        super().__post_init__()

    @nn.compact
    def __call__(self, x: ArrayLike) -> jax.Array:
        x = jnp.asarray(x)
        rnnx._check_in("CARAFE", x, self.in_features)
        factor = rnnx._factors("CARAFE", _tuple_or(self.factor))
        rank = len(factor)
        compressed = _Conv(
            self.in_features,
            self.compressed_features,
            (1,) * rank,
            kernel_init=initializers.xavier_uniform(),
            param_dtype=self.param_dtype,
            name="compressor",
        )(x)
        logits = _Conv(
            self.compressed_features,
            math.prod(factor) * self.up_kernel_size**rank,
            (self.encoder_size,) * rank,
            kernel_init=initializers.normal(1e-3),
            param_dtype=self.param_dtype,
            name="encoder",
        )(compressed)
        return carafe(x, rnnx._carafe_kernels(logits, factor), factor)


class DySample(nn.Module):
    """Upsampling by learned point sampling, "lp" style (see :class:`resample_jax.nnx.DySample`).

    Example:
      >>> import jax, jax.numpy as jnp
      >>> m, x = DySample(8, 2), jnp.ones((1, 5, 5, 8))
      >>> m.apply(m.init(jax.random.key(0), x), x).shape
      (1, 10, 10, 8)
    """

    in_features: int
    factor: int | Sequence[int] = 2
    groups: int = 4
    dyscope: bool = False
    param_dtype: Any = jnp.float32

    def __post_init__(self) -> None:
        fn = "DySample"
        rnnx._check_features(fn, "in_features", self.in_features)
        rnnx._factors(fn, _tuple_or(self.factor))
        rnnx._check_features(fn, "groups", self.groups)
        if self.in_features % self.groups:
            raise ValueError(
                f"{fn}: `groups` ({self.groups}) must divide in_features ({self.in_features})."
            )
        super().__post_init__()

    @nn.compact
    def __call__(self, x: ArrayLike) -> jax.Array:
        x = jnp.asarray(x)
        rnnx._check_in("DySample", x, self.in_features)
        validation.check_floating("DySample", x)
        factor = rnnx._factors("DySample", _tuple_or(self.factor))
        rank = len(factor)
        out = math.prod(factor) * self.groups * rank
        off = _Conv(
            self.in_features,
            out,
            (1,) * rank,
            kernel_init=initializers.normal(1e-3),
            param_dtype=self.param_dtype,
            name="offset",
        )(x)
        if self.dyscope:
            scope = _Conv(
                self.in_features,
                out,
                (1,) * rank,
                use_bias=False,
                kernel_init=jax.nn.initializers.zeros,
                param_dtype=self.param_dtype,
                name="scope",
            )(x)
            off = off * jax.nn.sigmoid(scope) * 0.5
        else:
            off = off * 0.25
        grid = rnnx._dysample_grid(
            pixel_shuffle(off, factor), validation.spatial_shape(x, rank), factor, self.groups
        )
        return rnnx._grouped_grid_sample(x, grid, self.groups, rank)
