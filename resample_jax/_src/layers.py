"""The Flax NNX modules with parameters (re-exported by :mod:`resample_jax.nnx`, whose docstring
describes the conventions): convolutional resamplers, CARAFE and DySample, each one call of its
pure function on its parameters.
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
from resample_jax._src import conv, shuffle, transposed, validation
from resample_jax._src.carafe import carafe
from resample_jax._src.grid_sample import grid_sample
from resample_jax._src.resize import resize_options

Initializer = Callable[..., jax.Array]
default_kernel_init = initializers.lecun_normal()
default_bias_init = nnx.initializers.zeros_init()


def _rank(*values: Any) -> int:
    """The spatial rank given by the first sequence among ``values`` (2 when all are ints)."""
    for v in values:
        if isinstance(v, (tuple, list)):
            return len(v)
    return validation.DEFAULT_RANK


def _tuple_or(value: Any) -> Any:
    """Lists become tuples (static, hashable module fields); anything else is kept."""
    if isinstance(value, list):
        return tuple(_tuple_or(v) for v in value)
    return value


def _call_mode(fn: str, deterministic: bool, override: bool | None) -> bool:
    """The evaluation flag of one call of a module that trains with noise: the call's
    ``deterministic`` when given, else the module's (``model.train()`` / ``model.eval()``)."""
    value = deterministic if override is None else override
    return validation.check_bool(fn, "deterministic", value)


def _check_rngs(fn: str, rngs: Any) -> None:
    """``rngs`` of a call: None, an ``nnx.Rngs`` or one PRNG key (typed, or the raw ``uint32[2]``
    of ``jax.random.PRNGKey``); anything else raises, naming ``fn`` and ``rngs``."""
    if rngs is None or isinstance(rngs, nnx.Rngs):
        return
    try:
        validation.check_key(fn, rngs, "rngs")
    except TypeError as e:
        raise TypeError(f"{e} An nnx.Rngs is valid too.") from None


def _stream_key(fn: str, rngs: nnx.Rngs | jax.Array, stream: str) -> jax.Array:
    """The key a noisy module draws from the ``rngs`` of its call: the next key of the ``stream``
    of an ``nnx.Rngs``, or ``rngs`` itself when it is a key (checked: :func:`_check_rngs`)."""
    _check_rngs(fn, rngs)
    return rngs[stream]() if isinstance(rngs, nnx.Rngs) else rngs


def _factors(fn: str, factor: Any, rank: int | None = None) -> tuple[int, ...]:
    rank = validation.rank_of(fn, "factor", factor) if rank is None else rank
    return validation.int_tuple(fn, "factor", factor, rank)


def _check_features(fn: str, name: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{fn}: `{name}` must be a positive int; got {value!r}.")
    return value


def _check_odd(fn: str, name: str, value: Any) -> int:
    _check_features(fn, name, value)
    if value % 2 == 0:
        raise ValueError(f"{fn}: `{name}` must be odd (a centred window); got {value}.")
    return value


def _cast(param: jax.Array, x: jax.Array) -> jax.Array:
    # Parameters are stored in param_dtype; the computation runs in the input's floating dtype so
    # the pure functions never see mixed dtypes (strict promotion).
    if jnp.issubdtype(x.dtype, jnp.floating):
        return param.astype(x.dtype)
    return param


def _add_bias(y: jax.Array, bias: jax.Array | None) -> jax.Array:
    if bias is None:
        return y
    return y + _cast(bias, y).reshape((1,) * (y.ndim - 1) + bias.shape)


def _check_in(module: nnx.Module, x: ArrayLike) -> jax.Array:
    x = jnp.asarray(x)
    if x.shape[-1:] != (module.in_features,):
        raise ValueError(
            f"{type(module).__name__}: expected {module.in_features} input channels (last axis); "
            f"got shape {tuple(x.shape)}."
        )
    return x


class _Learned(nnx.Module):
    """Base of the modules with a ``kernel`` and an optional ``bias``: creates them, checks the
    channel count of an input and casts them to its dtype."""

    def _features(self, in_features: int, out_features: int) -> None:
        fn = type(self).__name__
        self.in_features = _check_features(fn, "in_features", in_features)
        self.out_features = _check_features(fn, "out_features", out_features)

    def _window(
        self, in_features: int, out_features: int, kernel_size: Any, rank: int
    ) -> tuple[int, ...]:
        """Checks and stores the channel counts; returns ``kernel_size`` as ``rank`` ints."""
        self._features(in_features, out_features)
        return validation.int_tuple(type(self).__name__, "kernel_size", kernel_size, rank)

    def _conv_options(self, rank: int, strides: Any, padding: Any, dilation: Any, groups: Any):
        """Checks and stores the options of a strided or transposed convolution."""
        self.strides, self.padding, self.dilation, self.groups = conv.conv_options(
            type(self).__name__, rank, strides, padding, dilation, groups, self.in_features,
            self.out_features,
        )

    def _params(
        self,
        kernel_shape: tuple[int, ...],
        use_bias: bool,
        kernel_init: Initializer,
        bias_init: Initializer,
        param_dtype: Any,
        rngs: nnx.Rngs,
    ) -> None:
        self.kernel = nnx.Param(kernel_init(rngs.params(), kernel_shape, param_dtype))
        bias = bias_init(rngs.params(), (self.out_features,), param_dtype) if use_bias else None
        self.bias = None if bias is None else nnx.Param(bias)

    def _inputs(self, x: ArrayLike) -> tuple[jax.Array, jax.Array, jax.Array | None]:
        x = _check_in(self, x)
        bias = None if self.bias is None else _cast(self.bias[...], x)
        return x, _cast(self.kernel[...], x), bias


class StridedConv(_Learned):
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
        rank = _rank(kernel_size, strides)
        window = self._window(in_features, out_features, kernel_size, rank)
        self._conv_options(rank, strides, padding, dilation, groups)
        shape = (*window, in_features // groups, out_features)
        self._params(shape, use_bias, kernel_init, bias_init, param_dtype, rngs)

    def __call__(self, x: ArrayLike) -> jax.Array:
        x, kernel, bias = self._inputs(x)
        return conv.strided_conv(x, kernel, self.strides, self.padding, dilation=self.dilation,
                                 groups=self.groups, bias=bias)


class ConvTranspose(_Learned):
    """Transposed convolution with PyTorch's arithmetic (:func:`resample_jax.conv_transpose`).

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
        rank = _rank(kernel_size, strides, padding)
        window = self._window(in_features, out_features, kernel_size, rank)
        self._conv_options(rank, strides, padding, dilation, groups)
        self.output_padding = transposed.output_padding_option(
            "ConvTranspose", output_padding, self.strides, self.dilation
        )
        shape = (*window, in_features, out_features // groups)
        self._params(shape, use_bias, kernel_init, bias_init, param_dtype, rngs)

    def __call__(self, x: ArrayLike) -> jax.Array:
        x, kernel, bias = self._inputs(x)
        return transposed.conv_transpose(
            x, kernel, self.strides, self.padding, output_padding=self.output_padding,
            dilation=self.dilation, groups=self.groups, bias=bias,
        )


class FractionalStridedConv(_Learned):
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
        window = self._window(in_features, out_features, kernel_size, rank)
        self.stride = transposed.fraction_tuple(fn, _tuple_or(stride), rank)
        _, self.padding, self.dilation, self.groups = conv.conv_options(
            fn, rank, 1, padding, dilation, groups, in_features, out_features
        )
        shape = (*window, in_features // groups, out_features)
        self._params(shape, use_bias, kernel_init, bias_init, param_dtype, rngs)

    def __call__(self, x: ArrayLike) -> jax.Array:
        x, kernel, bias = self._inputs(x)
        return transposed.fractional_strided_conv(
            x, kernel, self.stride, padding=self.padding, dilation=self.dilation,
            groups=self.groups, bias=bias,
        )


class SubPixelConv(_Learned):
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
        padding: Any = "SAME",
        convention: str = "jax",
        use_bias: bool = True,
        kernel_init: Initializer | None = None,
        bias_init: Initializer = default_bias_init,
        param_dtype: Any = jnp.float32,
        rngs: nnx.Rngs,
    ):
        fn = "SubPixelConv"
        rank = _rank(factor, kernel_size)
        window = self._window(in_features, out_features, kernel_size, rank)
        self.factor = _factors(fn, factor, rank)
        _, self.convention = shuffle.shuffle_options(fn, self.factor, convention)
        self.padding = validation.padding_pairs(fn, padding, rank)
        if kernel_init is None:
            kernel_init = initializers.icnr(
                default_kernel_init, self.factor, convention=self.convention
            )
        shape = (*window, in_features, out_features * math.prod(self.factor))
        self._params(shape, use_bias, kernel_init, bias_init, param_dtype, rngs)

    def __call__(self, x: ArrayLike) -> jax.Array:
        x, kernel, bias = self._inputs(x)
        y = conv.subpixel_conv(x, kernel, self.factor, padding=self.padding,
                               convention=self.convention)
        return _add_bias(y, bias)


class ResizeConv(_Learned):
    """Resize-convolution (Odena et al. 2016): fixed upsampling, then a stride-1 convolution.

    The math is :func:`resample_jax.resize_conv`. Kernel ``[*kernel_size, in_features,
    out_features]``, bias ``[out_features]``.

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
        padding: Any = "SAME",
        use_bias: bool = True,
        kernel_init: Initializer = default_kernel_init,
        bias_init: Initializer = default_bias_init,
        param_dtype: Any = jnp.float32,
        rngs: nnx.Rngs,
    ):
        fn = "ResizeConv"
        rank = _rank(factor, kernel_size)
        window = self._window(in_features, out_features, kernel_size, rank)
        self.factor = _factors(fn, factor, rank)
        resize_options(self.factor, method, antialias=False)
        self.method = method
        self.padding = validation.padding_pairs(fn, padding, rank)
        shape = (*window, in_features, out_features)
        self._params(shape, use_bias, kernel_init, bias_init, param_dtype, rngs)

    def __call__(self, x: ArrayLike) -> jax.Array:
        x, kernel, bias = self._inputs(x)
        return conv.resize_conv(x, kernel, self.factor, self.method, padding=self.padding,
                                bias=bias)


class _Conv(_Learned):
    """Stride-1 'SAME' convolution with bias: the kernel predictors inside CARAFE and DySample."""

    def __init__(
        self,
        in_features: int,
        out_features: int,
        kernel_size: tuple[int, ...],
        *,
        use_bias: bool = True,
        kernel_init: Initializer,
        param_dtype: Any,
        rngs: nnx.Rngs,
    ):
        shape = (*kernel_size, in_features, out_features)
        self._features(in_features, out_features)
        self._params(shape, use_bias, kernel_init, default_bias_init, param_dtype, rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        x, kernel, bias = self._inputs(x)
        if all(k == 1 for k in kernel.shape[:-2]):
            # A 1x1 convolution is a per-pixel matrix product.
            y = jnp.matmul(x, kernel.reshape(kernel.shape[-2:]),
                           precision=jax.lax.Precision.HIGHEST)
            return _add_bias(y, bias)
        return conv.strided_conv(x, kernel, 1, "SAME", bias=bias)


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
        self.in_features = _check_features(fn, "in_features", in_features)
        self.factor = _factors(fn, factor)
        rank = len(self.factor)
        _check_features(fn, "compressed_features", compressed_features)
        self.encoder_size = _check_odd(fn, "encoder_size", encoder_size)
        self.up_kernel_size = _check_odd(fn, "up_kernel_size", up_kernel_size)
        self.compressor = _Conv(in_features, compressed_features, (1,) * rank,
                                kernel_init=initializers.xavier_uniform(),
                                param_dtype=param_dtype, rngs=rngs)
        self.encoder = _Conv(compressed_features, math.prod(self.factor) * up_kernel_size**rank,
                             (encoder_size,) * rank, kernel_init=initializers.normal(1e-3),
                             param_dtype=param_dtype, rngs=rngs)

    def __call__(self, x: ArrayLike) -> jax.Array:
        x = _check_in(self, x)
        logits = self.encoder(self.compressor(x))
        # Logits [*b, *spatial, prod(factor) * k^rank] -> kernels on the output grid, normalised
        # over the k^rank taps.
        kernels = jax.nn.softmax(shuffle.pixel_shuffle(logits, self.factor), axis=-1)
        return carafe(x, kernels, self.factor)


class DySample(nnx.Module):
    """DySample: upsampling by learned point sampling (Liu et al. 2023), "lp" or "pl" style.

    ``[*batch, *spatial, C] -> [*batch, *(spatial * factor), C]``. In the "lp" style (linear,
    then pixel shuffle; the default) a linear layer (``offset``) predicts ``rank`` offsets per
    channel group and sub-pixel position on the input grid, and they are pixel-shuffled to the
    output grid. In the "pl" style (pixel shuffle, then linear) the input is first
    pixel-shuffled to ``C / prod(factor)`` channels on the output grid and the linear layer
    predicts each output sample's ``rank`` offsets per group there, with ``prod(factor) ** 2``
    times fewer weights. Offsets are scaled by 0.25 (static scope; with ``dyscope=True`` by
    ``0.5 * sigmoid(scope(.))``, a second linear layer initialised to zero), added to the
    initial (half-pixel) sampling positions, and :func:`resample_jax.grid_sample` samples each
    group of ``C / groups`` channels of the input bilinearly with border padding. With zero
    offsets this is exactly a bilinear half-pixel upsampling with edge clamping
    (``resize(..., "linear")``, PyTorch's ``interpolate(mode="bilinear", align_corners=False)``);
    the offset layer starts at N(0, 0.001^2), as the authors' code. Both pixel shuffles use
    :func:`resample_jax.pixel_shuffle`'s default (depth-to-space) channel order.

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
        style: str = "lp",
        param_dtype: Any = jnp.float32,
        rngs: nnx.Rngs,
    ):
        fn = "DySample"
        self.in_features = _check_features(fn, "in_features", in_features)
        self.factor = _factors(fn, factor)
        rank = len(self.factor)
        _check_features(fn, "groups", groups)
        if in_features % groups:
            raise ValueError(f"{fn}: `groups` ({groups}) must divide in_features ({in_features}).")
        self.groups = groups
        self.dyscope = validation.check_bool(fn, "dyscope", dyscope)
        self.style = validation.check_choice(fn, "style", style, ("lp", "pl"))
        cells = math.prod(self.factor)
        if self.style == "pl":
            if in_features % cells:
                raise ValueError(
                    f"{fn}: style='pl' pixel-shuffles the input first, so in_features "
                    f"({in_features}) must be a multiple of prod(factor) ({cells}); use "
                    "style='lp'."
                )
            width, out = in_features // cells, groups * rank
        else:
            width, out = in_features, cells * groups * rank
        self.offset = _Conv(width, out, (1,) * rank, kernel_init=initializers.normal(1e-3),
                            param_dtype=param_dtype, rngs=rngs)
        self.scope = (
            _Conv(width, out, (1,) * rank, use_bias=False,
                  kernel_init=nnx.initializers.zeros_init(), param_dtype=param_dtype, rngs=rngs)
            if dyscope
            else None
        )

    def __call__(self, x: ArrayLike) -> jax.Array:
        x = _check_in(self, x)
        validation.check_floating("DySample", x)
        pl = self.style == "pl"
        src = shuffle.pixel_shuffle(x, self.factor) if pl else x
        if self.scope is None:
            off = self.offset(src) * 0.25
        else:
            off = self.offset(src) * jax.nn.sigmoid(self.scope(src)) * 0.5
        off = off if pl else shuffle.pixel_shuffle(off, self.factor)
        return _dysample(x, off, self.factor, self.groups)


def _dysample(
    x: jax.Array, offsets: jax.Array, factors: tuple[int, ...], groups: int
) -> jax.Array:
    """Samples channel group ``g`` of ``x`` at its offsets around the half-pixel positions.

    ``offsets``: ``[*batch, *(spatial * factor), groups * rank]`` in input-pixel units, axis order
    (D, H, W). The grid handed to ``grid_sample`` is ``[*batch, groups, *out, rank]`` in its
    normalised (x, y, z) order with ``align_corners=False``; border padding, bilinear.
    """
    rank = len(factors)
    spatial = validation.spatial_shape(x, rank)
    out_spatial = offsets.shape[offsets.ndim - 1 - rank : -1]
    batch = offsets.shape[: offsets.ndim - 1 - rank]
    off = jnp.moveaxis(offsets.reshape((*batch, *out_spatial, groups, rank)), -2, len(batch))
    coords = []
    for axis in range(rank):
        # Half-pixel source position of each output sample in input pixel indices: DySample's
        # "initial sampling position" (its init_pos plus the pixel-centre coordinates).
        pos = (jnp.arange(out_spatial[axis], dtype=off.dtype) + 0.5) / factors[axis] - 0.5
        shape = [1] * (off.ndim - 1)
        shape[len(batch) + 1 + axis] = out_spatial[axis]
        coords.append((2.0 * (off[..., axis] + pos.reshape(shape)) + 1.0) / spatial[axis] - 1.0)
    grid = jnp.stack(coords[::-1], axis=-1)
    xg = jnp.moveaxis(x.reshape((*x.shape[:-1], groups, x.shape[-1] // groups)), -2, len(batch))
    y = grid_sample(xg, grid, "linear", padding_mode="border", align_corners=False)
    y = jnp.moveaxis(y, len(batch), -2)
    return y.reshape((*y.shape[:-2], x.shape[-1]))
