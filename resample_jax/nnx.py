"""Flax NNX modules for every resampling method, as thin layers over the pure functions.

A module here holds its options and its ``nnx.Param`` s and nothing else; its ``__call__`` is one
call of the pure function of the same name (plus a bias, and for CARAFE / DySample the small layers
that predict kernels or offsets), so ``Module(...)(x)`` equals the function applied to the same
parameters. Arrays are channels-last ``(*batch, *spatial, C)`` with any number of leading batch
axes; the spatial rank is the length of the window / size / factor / kernel_size argument (an int
means 2-D).

Options are checked when the module is built, by the same option checks the pure function runs
(they need no array), so a bad factor, window or method name fails at construction rather than at
the first call. Modules with parameters take ``rngs: nnx.Rngs`` as their last, keyword-only
argument. :mod:`resample_jax.linen` derives a Linen class from each module here, with the same
arguments, checks, parameter tree and outputs.

Example:
  >>> import jax.numpy as jnp
  >>> from flax import nnx
  >>> from resample_jax import nnx as rnnx
  >>> up = rnnx.SubPixelConv(3, 8, factor=2, rngs=nnx.Rngs(0))
  >>> up(jnp.ones((1, 5, 5, 3))).shape
  (1, 10, 10, 8)
  >>> rnnx.MaxPool(2)(jnp.arange(16.0).reshape(4, 4, 1))[..., 0]
  Array([[ 5.,  7.],
         [13., 15.]], dtype=float32)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import jax
from flax import nnx
from jax.typing import ArrayLike

from resample_jax._src import (
    adaptive,
    alias_free,
    blur,
    fir,
    fusion,
    polyphase,
    pooling,
    shuffle,
    spectral,
    unpooling,
    validation,
    windows,
)
from resample_jax._src.dwt import dwt, dwt_options, idwt, wavelet_pool
from resample_jax._src.layers import (
    CARAFE,
    ConvTranspose,
    DySample,
    FractionalStridedConv,
    ResizeConv,
    StridedConv,
    SubPixelConv,
    _call_mode,
    _factors,
    _stream_key,
    _tuple_or,
)
from resample_jax._src.lps import LearnablePolyphaseDownsample, LearnablePolyphaseUpsample
from resample_jax._src.resize import resize, resize_options
from resample_jax._src.stochastic import soft_pool
from resample_jax._src.wavelets import haar_downsample, haar_upsample

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
    "DWT",
    "Downsample",
    "DySample",
    "FilteredActivation",
    "FftDownsample",
    "FftResize",
    "FftUpsample",
    "FractionalStridedConv",
    "Fuse",
    "HaarDownsample",
    "HaarUpsample",
    "IDWT",
    "LPPool",
    "LearnablePolyphaseDownsample",
    "LearnablePolyphaseUpsample",
    "MaxBlurPool",
    "MaxPool",
    "MaxUnpool",
    "PixelShuffle",
    "PixelUnshuffle",
    "ResamplePoly",
    "Resize",
    "ResizeConv",
    "SoftPool",
    "SpectralPool",
    "StridedConv",
    "SubPixelConv",
    "Upsample",
    "WaveletPool",
]


# --------------------------------------------------------------------------------------------------
# Parameter-free modules: one generic base, thin subclasses.


class _Op(nnx.Module):
    """A pure function with its options fixed, and checked, at construction.

    A subclass names the function in its class statement, ``class AvgPool(_Op, fn=avg_pool,
    checks=(...))``; its constructor then takes exactly the function's options: the parameters
    after its ``arrays`` array arguments, with their names, kinds and defaults. ``defaults`` gives
    a default to an option the function requires, ``positional`` makes its first keyword-only
    options positional too, ``extra`` adds keyword-only options that the module itself reads.
    Construction runs each of ``checks`` (the function's own option checks, which need no array;
    each receives the options its signature names, and ``fn`` the module name) and requires a bool
    for every option whose default is a bool; the options become attributes. ``module(*arrays)``
    is ``fn(*arrays, **options)``.
    """

    _fn: Callable[..., Any]
    _extra: tuple[str, ...] = ()

    def __init_subclass__(
        cls,
        fn: Callable[..., Any] | None = None,
        arrays: int = 1,
        positional: int = 0,
        checks: Sequence[Callable[..., Any]] = (),
        defaults: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
        **kwargs: Any,
    ):
        super().__init_subclass__(**kwargs)
        if fn is None:
            return
        defaults, extra = defaults or {}, extra or {}
        options = [
            p.replace(default=defaults.get(p.name, p.default),
                      kind=inspect.Parameter.POSITIONAL_OR_KEYWORD if i < positional else p.kind)
            for i, p in enumerate(list(inspect.signature(fn).parameters.values())[arrays:])
        ]
        options += [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=v)
                    for n, v in extra.items()]
        signature = inspect.Signature(
            [inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY), *options]
        )

        def __init__(self, *args: Any, **kw: Any) -> None:
            bound = signature.bind(self, *args, **kw)
            bound.apply_defaults()
            values = dict(list(bound.arguments.items())[1:])
            for p in options:
                if isinstance(p.default, bool):
                    validation.check_bool(cls.__name__, p.name, values[p.name])
            for check in checks:
                wanted = inspect.signature(check).parameters
                given = {k: v for k, v in values.items() if k in wanted}
                check(**given, **({"fn": cls.__name__} if "fn" in wanted else {}))
            self._names = tuple(values)
            for k, v in values.items():
                setattr(self, k, _tuple_or(v))

        __init__.__signature__ = signature
        cls.__init__ = __init__
        cls._fn = staticmethod(fn)
        cls._extra = tuple(extra)

    def _options(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self._names if k not in self._extra}

    def __call__(self, *arrays: Any) -> Any:
        return type(self)._fn(*map(_tuple_or, arrays), **self._options())


class Resize(_Op, fn=resize, checks=(resize_options,)):
    """Resizes to a fixed ``size`` (or by ``scale``) with :func:`resample_jax.resize`, which
    documents every option; ``[*batch, *spatial, C] -> [*batch, *size, C]``."""


class _Factor(_Op):
    """Base of :class:`Upsample` / :class:`Downsample`: a ``resize`` by an integer factor."""

    def __init__(self, factor: Any, method: str, antialias: bool, **options: Any):
        self.factor = _factors(type(self).__name__, factor)
        self.method = method
        resize_options(self.factor, method, antialias=antialias, **options)
        self._names = ("factor", "method", *options)
        for k, v in options.items():
            setattr(self, k, v)

    def _resize(self, x: ArrayLike, size: Any, **options: Any) -> jax.Array:
        return resize(x, size, self.method, convention=self.convention, **options)


class Upsample(_Factor):
    """Upsamples by an integer ``factor`` per axis with any ``resize`` method.

    ``[*batch, *spatial, C] -> [*batch, *(spatial * factor), C]``: ``resize`` to the size
    ``spatial * factor`` without antialiasing, so the output size is exact and the conventions of
    ``resize`` apply (``align_corners`` as in PyTorch).
    """

    def __init__(
        self,
        factor: int | Sequence[int] = 2,
        method: str = "nearest",
        *,
        align_corners: bool = False,
        convention: str = "jax",
    ):
        super().__init__(factor, method, False, align_corners=align_corners,
                         convention=convention)

    def __call__(self, x: ArrayLike) -> jax.Array:
        x = validation.check_array("Upsample", x, len(self.factor))
        spatial = validation.spatial_shape(x, len(self.factor))
        size = tuple(s * f for s, f in zip(spatial, self.factor, strict=True))
        return self._resize(x, size, antialias=False, align_corners=self.align_corners)


class Downsample(_Factor):
    """Downsamples by an integer ``factor`` per axis with an antialiased ``resize``.

    ``[*batch, *spatial, C] -> [*batch, *(spatial // factor), C]``. The trailing ``n % f`` samples
    of an axis the factor does not divide are dropped first (as pooling with stride ``f`` does), so
    the resize scale is exactly ``1 / f`` and ``"area"`` equals average pooling. ``antialias=True``
    widens the kernel by the factor (what jax.image / Pillow do); it has no effect for
    ``"nearest"``, which picks one pixel per block.
    """

    def __init__(
        self,
        factor: int | Sequence[int] = 2,
        method: str = "linear",
        *,
        antialias: bool = True,
        convention: str = "jax",
    ):
        antialias = validation.check_bool("Downsample", "antialias", antialias)
        super().__init__(factor, method, antialias and method != "nearest", convention=convention)
        self.antialias = antialias
        self._names += ("antialias",)

    def __call__(self, x: ArrayLike) -> jax.Array:
        rank = len(self.factor)
        x = validation.check_array("Downsample", x, rank)
        spatial = validation.spatial_shape(x, rank)
        x = x[(..., *(slice(0, s - s % f) for s, f in zip(spatial, self.factor, strict=True)),
               slice(None))]
        size = tuple(s // f for s, f in zip(spatial, self.factor, strict=True))
        return self._resize(x, size, antialias=self.antialias and self.method != "nearest")


_POOL = dict(checks=(windows.pool_options,), defaults={"window_shape": 2})


class MaxPool(_Op, fn=pooling.max_pool, extra={"return_indices": False}, **_POOL):
    """Max pooling (:func:`resample_jax.max_pool`); ``return_indices=True`` also returns
    PyTorch-style flat indices (:func:`resample_jax.max_pool_with_indices`) for :class:`MaxUnpool`.
    """

    def __call__(self, x: ArrayLike) -> jax.Array | tuple[jax.Array, jax.Array]:
        fn = pooling.max_pool_with_indices if self.return_indices else pooling.max_pool
        return fn(x, **self._options())


class AvgPool(_Op, fn=pooling.avg_pool, checks=(windows.pool_options, pooling.avg_options),
              defaults={"window_shape": 2}):
    """Average pooling with PyTorch's divisors (:func:`resample_jax.avg_pool`)."""


class LPPool(_Op, fn=pooling.lp_pool, checks=(pooling.lp_power, windows.pool_options),
             defaults={"p": 2.0, "window_shape": 2}):
    """Power-average pooling ``(sum x^p)^(1/p)`` (:func:`resample_jax.lp_pool`)."""


class SoftPool(_Op, fn=soft_pool, **_POOL):
    """SoftPool: softmax-weighted mean of each window (:func:`resample_jax.soft_pool`)."""


class AdaptiveAvgPool(_Op, fn=adaptive.adaptive_avg_pool, checks=(adaptive.check_output_size,)):
    """Adaptive average pooling to ``output_size`` (:func:`resample_jax.adaptive_avg_pool`)."""


class AdaptiveMaxPool(_Op, fn=adaptive.adaptive_max_pool, checks=(adaptive.check_output_size,)):
    """Adaptive max pooling to ``output_size`` (:func:`resample_jax.adaptive_max_pool`)."""


class BlurPool(_Op, fn=blur.blur_pool, checks=(blur.blur_options,)):
    """Anti-aliased downsampling: binomial blur, then subsample (:func:`resample_jax.blur_pool`)."""


class MaxBlurPool(_Op, fn=blur.max_blur_pool, checks=(blur.blur_options,)):
    """Dense max (stride 1), then blur pooling (:func:`resample_jax.max_blur_pool`)."""


class PixelShuffle(_Op, fn=shuffle.pixel_shuffle, checks=(shuffle.shuffle_options,),
                   defaults={"factor": 2}):
    """Depth to space (:func:`resample_jax.pixel_shuffle`)."""


class PixelUnshuffle(_Op, fn=shuffle.pixel_unshuffle, checks=(shuffle.shuffle_options,),
                     defaults={"factor": 2}):
    """Space to depth (:func:`resample_jax.pixel_unshuffle`)."""


class BedOfNails(_Op, fn=shuffle.bed_of_nails, checks=(shuffle.nails_options,),
                 defaults={"factor": 2}):
    """Zero-insertion upsampling (:func:`resample_jax.bed_of_nails`)."""


class ResamplePoly(_Op, fn=fir.resample_poly, checks=(fir.resample_poly_options,)):
    """Polyphase resampling by ``up / down`` with a Kaiser-windowed sinc
    (:func:`resample_jax.resample_poly`, ``scipy.signal.resample_poly``'s filter and alignment)."""


class FilteredActivation(
    _Op, fn=alias_free.filtered_activation, checks=(alias_free.filtered_activation_options,)
):
    """A nonlinearity applied at ``up`` times the sampling rate between low-pass filters
    (:func:`resample_jax.filtered_activation`, StyleGAN3's alias-free activation)."""


class HaarDownsample(_Op, fn=haar_downsample, checks=(validation.check_rank,)):
    """One level of the orthonormal Haar transform (:func:`resample_jax.haar_downsample`)."""


class HaarUpsample(_Op, fn=haar_upsample, checks=(validation.check_rank,)):
    """Inverse of :class:`HaarDownsample` (:func:`resample_jax.haar_upsample`)."""


class DWT(_Op, fn=dwt, checks=(dwt_options,)):
    """One level of the discrete wavelet transform, subbands on the channels
    (:func:`resample_jax.dwt`)."""


class IDWT(_Op, fn=idwt, checks=(dwt_options,)):
    """Inverse of :class:`DWT` (:func:`resample_jax.idwt`)."""


class WaveletPool(_Op, fn=wavelet_pool, checks=(dwt_options,)):
    """Wavelet pooling, Williams & Li 2018 (:func:`resample_jax.wavelet_pool`)."""


class Fuse(_Op, fn=fusion.fuse, arrays=2, positional=1, checks=(fusion.fuse_options,)):
    """Merges a skip connection with a decoder feature map: ``Fuse(...)(skip, x)`` is
    :func:`resample_jax.fuse`."""


class MaxUnpool(
    _Op, fn=unpooling.max_unpool, arrays=3, positional=3, checks=(unpooling.unpool_options,)
):
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


# --------------------------------------------------------------------------------------------------
# Shift-equivariant polyphase sampling and spectral resampling.


class ApsDownsample(_Op, fn=polyphase.aps_downsample,
                    checks=(polyphase.factor_option, polyphase.check_norm)):
    """Adaptive polyphase downsampling (:func:`resample_jax.aps_downsample`); with
    ``return_phase=True`` it returns ``(y, phase)`` for the :class:`ApsUpsample` of the matching
    decoder level, which keeps an encoder-decoder shift-equivariant.

    Example:
      >>> import jax.numpy as jnp
      >>> y, phase = ApsDownsample(2, return_phase=True)(jnp.ones((3, 4, 4, 2)))
      >>> y.shape, phase.shape
      ((3, 2, 2, 2), (3,))
    """


class ApsUpsample(_Op, fn=polyphase.aps_upsample, arrays=2, checks=(polyphase.factor_option,)):
    """APS-U: values back at the phase their APS layer kept, ``up(x, phase)``
    (:func:`resample_jax.aps_upsample`)."""


class FftResize(_Op, fn=spectral.fft_resize, checks=(spectral.resize_options,)):
    """Band-limited resize to a fixed ``size`` (:func:`resample_jax.fft_resize`)."""


class SpectralPool(nnx.Module):
    """Spectral pooling (:func:`resample_jax.spectral_pool`, Rippel et al. 2015), with optional
    frequency dropout in training.

    ``[*batch, *spatial, C] -> [*batch, *size, C]``. With ``frequency_dropout=True``, in training
    (``deterministic=False``, set by ``model.train()``) each call draws a truncation size in
    ``min_size .. size`` per axis from the ``"dropout"`` stream of the ``rngs`` given to the call
    (an ``nnx.Rngs``, or a key; the Linen form takes ``apply(..., rngs={"dropout": key})``),
    as ``nnx.Dropout`` does; at evaluation (``model.eval()``) it is plain spectral pooling.

    Args:
      factor, size, rank, min_size: as :func:`resample_jax.spectral_pool`.
      frequency_dropout: draw a random truncation in training.
      deterministic: evaluation mode (no dropout) when True.

    Example:
      >>> import jax.numpy as jnp
      >>> from flax import nnx
      >>> pool = SpectralPool(2, frequency_dropout=True, min_size=2)
      >>> pool(jnp.ones((1, 8, 8, 3)), nnx.Rngs(dropout=0)).shape
      (1, 4, 4, 3)
    """

    #: The random stream of the truncation draw (also the Linen ``apply(..., rngs=...)`` stream).
    rng_stream = "dropout"

    def __init__(
        self,
        factor: float | Sequence[float] | None = None,
        *,
        size: int | Sequence[int] | None = None,
        rank: int | None = None,
        frequency_dropout: bool = False,
        min_size: int | Sequence[int] = 1,
        deterministic: bool = False,
    ):
        fn = "SpectralPool"
        factor, size = _tuple_or(factor), _tuple_or(size)
        _, _, r = spectral.pool_options(factor, size=size, rank=rank, fn=fn)
        self.min_size = spectral.dropout_options(_tuple_or(min_size), r, fn)
        self.factor, self.size, self.rank = factor, size, rank
        self.frequency_dropout = validation.check_bool(fn, "frequency_dropout", frequency_dropout)
        self.deterministic = validation.check_bool(fn, "deterministic", deterministic)

    def __call__(
        self,
        x: ArrayLike,
        rngs: nnx.Rngs | jax.Array | None = None,
        *,
        deterministic: bool | None = None,
    ) -> jax.Array:
        """``x``: ``[*batch, *spatial, C]``; ``rngs``: the truncation draw in training mode;
        ``deterministic`` overrides the module's mode for this call."""
        fn = "SpectralPool"
        det = _call_mode(fn, self.deterministic, deterministic)
        key = None
        if self.frequency_dropout and not det:
            if rngs is None:
                raise ValueError(
                    f"{fn}: frequency dropout in training needs `rngs` (an nnx.Rngs with a "
                    f"{self.rng_stream!r} stream, or a key); got None. Call model.eval() for "
                    "evaluation."
                )
            key = _stream_key(fn, rngs, self.rng_stream)
        return spectral.spectral_pool(x, self.factor, size=self.size, rank=self.rank, key=key,
                                      min_size=self.min_size)


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
    """

    _up = False
