"""The table of every downsampling and upsampling method, and factories that build them as modules.

:data:`METHODS` holds one frozen :class:`Method` record per method and direction: its name and
aliases, direction, whether it has learned parameters, the factors it can do, how it treats
channels, the module that implements it (a :class:`Build`: class name and arguments, valid for
:mod:`resample_jax.nnx` and :mod:`resample_jax.linen` alike), a one-line description and the paper
or peer behaviour it follows. Everything else reads the records: :data:`UPSAMPLERS` /
:data:`DOWNSAMPLERS`, the name lists, :func:`make_upsampler` / :func:`make_downsampler` (which map
``(*batch, *spatial, in_features)`` to ``(*batch, *(spatial * factor), out_features)``, or
``spatial // factor`` when downsampling), the experiment runner and the tests.

Channels (``Method.channels``): ``"any"`` methods (learned convolutions) map ``in_features`` to
``out_features`` themselves. The others change channels in a fixed way: ``"keep"`` (fixed
resamplers, CARAFE, DySample), ``"multiply"`` (``pixel_unshuffle`` and ``haar`` downsampling give
``prod(factor)`` times the channels) or ``"divide"`` (``haar`` upsampling reads ``prod(factor)``
subbands per output channel); a 1x1 convolution ("projection", with bias) is added where the
counts do not match, at the lower resolution: before an upsampler, after a downsampler. So a fixed
method has parameters exactly when a projection was needed; ``count_weights`` in
:mod:`resample_jax.models` counts them.

Adding a method is one record here (plus its pure function and its NNX module): the factories,
name lists, Linen twin and the table-walking tests pick it up.

Example:
  >>> from flax import nnx
  >>> import jax.numpy as jnp
  >>> up = make_upsampler("bilinear", 8, 4, 2, rngs=nnx.Rngs(0))
  >>> up(jnp.ones((1, 5, 5, 8))).shape
  (1, 10, 10, 4)
  >>> "pixel_shuffle" in upsampler_names(learned=True)
  True
  >>> get_method("subpixel", "up").name
  'pixel_shuffle'
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, NamedTuple

import jax
from flax import nnx

from resample_jax import nnx as rnnx
from resample_jax._src import validation

__all__ = [
    "Build",
    "BuildArgs",
    "DOWNSAMPLERS",
    "Pairing",
    "METHODS",
    "Method",
    "Resampler",
    "UPSAMPLERS",
    "check_pair",
    "downsampler_names",
    "get_method",
    "make_downsampler",
    "make_upsampler",
    "upsampler_names",
]


class BuildArgs(NamedTuple):
    """What a record's ``build`` receives: the channels at the method's module (``in_features`` /
    ``out_features``; equal unless ``channels == "any"``), the factor per axis, the rank and the
    optional ``kernel_size`` of :func:`make_upsampler` / :func:`make_downsampler`."""

    in_features: int
    out_features: int
    factor: tuple[int, ...]
    rank: int
    kernel_size: int | None


class Build(NamedTuple):
    """A module to build: a class name of :mod:`resample_jax.nnx` (and :mod:`resample_jax.linen`)
    with its arguments, ``rngs`` left out (added for modules with parameters)."""

    module: str
    args: tuple = ()
    kwargs: Mapping[str, Any] = MappingProxyType({})

    def nnx(self, rngs: nnx.Rngs) -> nnx.Module:
        """The NNX module."""
        cls = getattr(rnnx, self.module)
        if "rngs" in inspect.signature(cls.__init__).parameters:
            return cls(*self.args, **self.kwargs, rngs=rngs)
        return cls(*self.args, **self.kwargs)

    def linen(self) -> Any:
        """The Linen module (:mod:`resample_jax.linen` derives it from the NNX one)."""
        from resample_jax import linen

        return getattr(linen, self.module)(*self.args, **self.kwargs)


def _b(module: str, *args: Any, **kwargs: Any) -> Build:
    return Build(module, args, MappingProxyType(kwargs))


class Pairing(NamedTuple):
    """How an upsampler consumes the side information of the downsampler it pairs with.

    Attributes:
      down: the name of the paired downsampler (its record in the ``"down"`` table).
      option: the boolean option of the downsampler's module that makes it return ``(y, side)``
        (``return_indices``, ``return_phase``, ``return_weights``).
      side: what ``side`` is, in words (max-pool indices, APS phase, LPS weights).
      output_size: whether the upsampler also takes the downsampler's input size,
        ``up(x, side, output_size)`` (``max_unpool``); otherwise ``up(x, side)``.
    """

    down: str
    option: str
    side: str
    output_size: bool = False


@dataclasses.dataclass(frozen=True)
class Method:
    """One resampling method of the table.

    Attributes:
      name: the name ``make_upsampler`` / ``make_downsampler`` take.
      direction: ``"up"`` or ``"down"``.
      learned: whether the method itself has trained parameters (a channel projection added by the
        factories does not count).
      build: ``BuildArgs -> Build``, the module that implements the method.
      description: what it does, in one line.
      reference: the paper or peer behaviour it follows.
      factors: ``"integer"`` (any integer factor >= 1 per axis) or ``"2"`` (exactly 2 per axis).
      channels: ``"any"``, ``"keep"``, ``"multiply"`` or ``"divide"`` (see the module docstring).
      aliases: other names that :func:`get_method` accepts.
      pair: for an upsampler that needs side information from its downsampler (``max_unpool``,
        ``aps_upsample``, ``lpu``), the :class:`Pairing` naming that downsampler and what the
        upsampler consumes; ``make_downsampler(..., paired=True)`` builds the downsampler so it
        returns the side information. None for stand-alone methods.
    """

    name: str
    direction: str
    learned: bool
    build: Callable[[BuildArgs], Build]
    description: str
    reference: str
    factors: str = "integer"
    channels: str = "keep"
    aliases: tuple[str, ...] = ()
    pair: Pairing | None = None

    def supports(self, factor: Sequence[int]) -> bool:
        """Whether the method can resample by ``factor`` (a tuple of ints, one per axis)."""
        if self.factors == "2":
            return all(f == 2 for f in factor)
        return all(f >= 1 for f in factor)


def _transpose_padding(k: int, s: int) -> tuple[int, int]:
    # Padding p and output_padding a with (n - 1) * s - 2p + k + a = n * s, 0 <= a < s: the kernel
    # centre of input pixel i lands on the half-pixel centre of its output block.
    p = max(-(-(k - s) // 2), 0)
    return p, 2 * p - (k - s)


def _conv_transpose(a: BuildArgs) -> Build:
    window = tuple(a.kernel_size or 2 * f - f % 2 for f in a.factor)
    pads = [_transpose_padding(k, f) for k, f in zip(window, a.factor, strict=True)]
    return _b("ConvTranspose", a.in_features, a.out_features, window, a.factor,
              tuple(p for p, _ in pads), output_padding=tuple(q for _, q in pads))


def _wavelet(wavelet: str, direction: str) -> Method:
    """A wavelet transform (:func:`resample_jax.dwt`, periodization) down, its inverse up."""
    up = direction == "up"
    what = f"{wavelet} wavelet transform, 2^rank subbands, periodization"
    return Method(
        wavelet, direction, up, lambda a: _b("IDWT" if up else "DWT", wavelet, rank=a.rank),
        f"1x1 projection to the subbands of each output channel, then the inverse {what}."
        if up else f"{what}, then a 1x1 projection.",
        "Daubechies, Ten Lectures on Wavelets, 1992; pywt.idwtn / pywt.dwtn.",
        factors="2", channels="divide" if up else "multiply",
        aliases=(f"{'idwt' if up else 'dwt'}_{wavelet}",),
    )


def _resize(method: str, direction: str, description: str, reference: str, **kw: Any) -> Method:
    module = "Upsample" if direction == "up" else "Downsample"
    resize_name = {"bilinear": "linear", "bicubic": "cubic"}.get(method, method)
    return Method(method, direction, False, lambda a: _b(module, a.factor, resize_name),
                  description, reference, **kw)


METHODS: tuple[Method, ...] = (
    # Upsampling.
    _resize("nearest", "up", "Nearest-neighbour resize (each pixel repeated).",
            "jax.image.resize 'nearest'; torch interpolate 'nearest-exact'."),
    _resize("bilinear", "up",
            "Linear interpolation per axis, half-pixel centres (bi-/trilinear in 2-D / 3-D).",
            "jax.image.resize 'linear'; torch interpolate 'bilinear', align_corners=False.",
            aliases=("linear", "trilinear")),
    _resize("bicubic", "up", "Keys cubic convolution (a = -0.5), half-pixel centres.",
            "Keys 1981; jax.image.resize 'cubic'; Pillow BICUBIC.", aliases=("cubic",)),
    _resize("lanczos3", "up", "Lanczos windowed sinc with 3 lobes.",
            "Duchon 1979; jax.image.resize 'lanczos3'; Pillow LANCZOS.", aliases=("lanczos",)),
    Method("bed_of_nails", "up", False, lambda a: _b("BedOfNails", a.factor),
           "Zero insertion: each pixel at the top-left of its block, zeros elsewhere.",
           "Zeiler & Fergus 2014 (unpooling without switches); Dumoulin & Visin 2016.",
           aliases=("zero_insertion",)),
    Method("max_unpool", "up", False, lambda a: _b("MaxUnpool", a.factor, a.factor, 0),
           "Writes values back at the argmax positions recorded by the paired max pooling.",
           "Badrinarayanan et al., SegNet, TPAMI 2017; torch max_unpool2d.",
           aliases=("unpool",),
           pair=Pairing("max_pool", "return_indices", "max-pool indices", output_size=True)),
    Method("aps_upsample", "up", False, lambda a: _b("ApsUpsample", a.factor),
           "APS-U: each example's values back at the polyphase component its APS layer kept, "
           "zeros elsewhere (shift-equivariant encoder-decoders).",
           "Chaman & Dokmanic, Truly shift-equivariant CNNs with adaptive polyphase upsampling, "
           "Asilomar 2021.",
           aliases=("apsu", "aps_u"), pair=Pairing("aps", "return_phase", "APS phase")),
    Method("lpu", "up", False, lambda a: _b("LearnablePolyphaseUpsample", a.factor),
           "Learnable polyphase upsampling: values placed at the components its LPS layer "
           "selected (soft weights in training, one-hot in evaluation).",
           "Rojas-Gomez et al., Learnable polyphase sampling, NeurIPS 2022.",
           aliases=("lps_upsample", "learnable_polyphase_upsample"),
           pair=Pairing("lps", "return_weights", "LPS weights")),
    Method("haar", "up", True, lambda a: _b("HaarUpsample", rank=a.rank),
           "1x1 projection to 2^rank subbands per output channel, then the inverse orthonormal "
           "Haar transform.",
           "Haar 1910; Xu et al., Haar wavelet downsampling, Pattern Recognition 2023.",
           factors="2", channels="divide"),
    _wavelet("db2", "up"),
    Method("pixel_shuffle", "up", True,
           lambda a: _b("SubPixelConv", a.in_features, a.out_features, a.factor,
                        a.kernel_size or 3),
           "Sub-pixel convolution: 3x3 conv to out * prod(factor) channels, pixel shuffle; "
           "ICNR init.",
           "Shi et al., ESPCN, CVPR 2016; Aitken et al. 2017 (ICNR).",
           channels="any", aliases=("subpixel", "subpixel_conv", "espcn")),
    Method("conv_transpose", "up", True, _conv_transpose,
           "Transposed convolution, window 2f - f % 2, padding f // 2 (exact f * size output).",
           "Long et al., FCN, CVPR 2015; torch ConvTranspose2d.",
           channels="any", aliases=("transposed", "deconv", "deconvolution")),
    Method("resize_conv", "up", True,
           lambda a: _b("ResizeConv", a.in_features, a.out_features, a.factor,
                        a.kernel_size or 3),
           "Nearest upsampling, then a 3x3 convolution.",
           "Odena, Dumoulin & Olah, Deconvolution and Checkerboard Artifacts, Distill 2016.",
           channels="any"),
    Method("carafe", "up", True,
           lambda a: _b("CARAFE", a.in_features, a.factor,
                        compressed_features=min(64, a.in_features)),
           "Content-aware reassembly: predicted, softmax-normalised 5x5 kernels per output pixel.",
           "Wang et al., CARAFE, ICCV 2019."),
    Method("dysample", "up", True,
           lambda a: _b("DySample", a.in_features, a.factor, groups=math.gcd(4, a.in_features)),
           "Learned point sampling: predicted offsets around bilinear positions, then grid_sample.",
           "Liu et al., Learning to Upsample by Learning to Sample, ICCV 2023."),
    Method("fft", "up", False, lambda a: _b("FftUpsample", a.factor),
           "Band-limited (periodic sinc) interpolation: the DFT zero-padded (scipy's Nyquist "
           "split).",
           "scipy.signal.resample; Oppenheim & Schafer, Discrete-Time Signal Processing.",
           aliases=("fft_resize", "fourier", "sinc")),
    # Downsampling.
    Method("resample_poly", "up", False,
           lambda a: _b("ResamplePoly", a.factor, 1, rank=a.rank),
           "Zero insertion, Kaiser-windowed sinc low-pass (20 f + 1 taps), polyphase.",
           "scipy.signal.resample_poly; Crochiere & Rabiner 1983.", aliases=("polyphase_fir",)),
    Method("max_pool", "down", False, lambda a: _b("MaxPool", a.factor),
           "Max over non-overlapping factor-sized windows.",
           "torch max_pool2d(kernel=f, stride=f); flax.linen.max_pool.", aliases=("max",)),
    Method("avg_pool", "down", False, lambda a: _b("AvgPool", a.factor),
           "Mean over non-overlapping factor-sized windows.",
           "torch avg_pool2d(kernel=f, stride=f); flax.linen.avg_pool.",
           aliases=("avg", "average", "mean_pool")),
    Method("lp_pool", "down", False, lambda a: _b("LPPool", 2.0, a.factor),
           "Power-average pooling (sum x^2)^(1/2) over factor-sized windows.",
           "Sermanet et al. 2012; torch lp_pool2d(norm_type=2).", aliases=("l2_pool",)),
    Method("soft_pool", "down", False, lambda a: _b("SoftPool", a.factor),
           "Softmax-weighted mean of each factor-sized window (between mean and max).",
           "Stergiou, Poppe & Kalliatakis, Refining activation downsampling with SoftPool, "
           "ICCV 2021."),
    Method("blur_pool", "down", False, lambda a: _b("BlurPool", a.factor),
           "Binomial [1, 2, 1] blur (reflect padding), then subsample: antialiased pooling.",
           "Zhang, Making Convolutional Networks Shift-Invariant Again, ICML 2019."),
    Method("max_blur_pool", "down", False,
           lambda a: _b("MaxBlurPool", a.factor, window_shape=a.factor),
           "Dense (stride 1) max over factor-sized windows, then blur pooling.",
           "Zhang, ICML 2019 (MaxBlurPool)."),
    Method("strided_conv", "down", True,
           lambda a: _b("StridedConv", a.in_features, a.out_features,
                        tuple(a.kernel_size or 2 * f - 1 for f in a.factor), a.factor, "SAME"),
           "Learned convolution, window 2f - 1, stride f, 'SAME' padding.",
           "Springenberg et al., Striving for Simplicity: The All Convolutional Net, 2015.",
           channels="any", aliases=("conv",)),
    Method("pixel_unshuffle", "down", False, lambda a: _b("PixelUnshuffle", a.factor),
           "Space to depth (channels * prod(factor)), then a 1x1 projection.",
           "Shi et al. 2016; tf.nn.space_to_depth; torch pixel_unshuffle.",
           channels="multiply", aliases=("space_to_depth",)),
    Method("resample_poly", "down", False,
           lambda a: _b("ResamplePoly", 1, a.factor, rank=a.rank),
           "Kaiser-windowed sinc low-pass (20 f + 1 taps), then every f-th sample, polyphase.",
           "scipy.signal.resample_poly; Crochiere & Rabiner 1983.", aliases=("polyphase_fir",)),
    Method("haar", "down", False, lambda a: _b("HaarDownsample", rank=a.rank),
           "Orthonormal Haar transform (2^rank subbands), then a 1x1 projection; even sizes only.",
           "Xu et al., Haar wavelet downsampling, Pattern Recognition 2023.",
           factors="2", channels="multiply"),
    _wavelet("db2", "down"),
    Method("wavelet_pool", "down", False, lambda a: _b("WaveletPool", rank=a.rank),
           "Haar approximation subband: the paper's second-level reconstruction (2x the mean).",
           "Williams & Li, Wavelet pooling for convolutional neural networks, ICLR 2018.",
           factors="2"),
    Method("aps", "down", False, lambda a: _b("ApsDownsample", a.factor),
           "Adaptive polyphase sampling: keeps the polyphase component of largest l2 norm per "
           "example (shift-invariant under circular shifts); sizes divisible by the factor.",
           "Chaman & Dokmanic, Truly shift-invariant CNNs, CVPR 2021.",
           aliases=("aps_downsample", "adaptive_polyphase")),
    Method("lps", "down", True,
           lambda a: _b("LearnablePolyphaseDownsample", a.in_features, a.factor),
           "Learnable polyphase sampling: a circular-conv scorer picks the polyphase component "
           "(Gumbel-softmax in training, argmax in evaluation); sizes divisible by the factor.",
           "Rojas-Gomez et al., Learnable polyphase sampling, NeurIPS 2022.",
           aliases=("learnable_polyphase",)),
    Method("spectral_pool", "down", False, lambda a: _b("SpectralPool", a.factor),
           "Spectral pooling: the centred low-frequency DFT crop, made real (the +-m/2 bins "
           "averaged).",
           "Rippel, Snoek & Adams, Spectral representations for CNNs, NeurIPS 2015.",
           aliases=("spectral",)),
    Method("fft", "down", False, lambda a: _b("FftDownsample", a.factor),
           "Band-limited downsampling: the DFT truncated, scipy's Nyquist fold.",
           "scipy.signal.resample; Oppenheim & Schafer, Discrete-Time Signal Processing.",
           aliases=("fft_resize", "fourier", "sinc")),
    _resize("nearest", "down", "Nearest resize: keeps one pixel per block (no filter).",
            "jax.image.resize 'nearest'."),
    _resize("bilinear", "down", "Antialiased linear resize (tent widened by f).",
            "jax.image.resize 'linear', antialias=True; Pillow BILINEAR.",
            aliases=("linear", "trilinear")),
    _resize("bicubic", "down", "Antialiased Keys cubic resize (kernel widened by f).",
            "jax.image.resize 'cubic', antialias=True; Pillow BICUBIC.", aliases=("cubic",)),
    _resize("area", "down",
            "Box-filter resize (pixel-area average; equals avg_pool for integer factors).",
            "jax.image.resize 'area'; OpenCV INTER_AREA; torch interpolate 'area'."),
    _resize("lanczos3", "down", "Antialiased Lanczos-3 resize.",
            "jax.image.resize 'lanczos3', antialias=True; Pillow LANCZOS.", aliases=("lanczos",)),
)
"""Every method, one record per name and direction."""


def _table(direction: str) -> Mapping[str, Method]:
    return MappingProxyType({m.name: m for m in METHODS if m.direction == direction})


UPSAMPLERS: Mapping[str, Method] = _table("up")
"""Upsampling methods by name."""

DOWNSAMPLERS: Mapping[str, Method] = _table("down")
"""Downsampling methods by name."""


def _names(table: Mapping[str, Method], learned: bool | None, paired: bool) -> list[str]:
    return sorted(
        m.name
        for m in table.values()
        if (learned is None or m.learned == learned) and (paired or m.pair is None)
    )


def upsampler_names(learned: bool | None = None, *, include_paired: bool = False) -> list[str]:
    """Names of the upsampling methods, sorted.

    Args:
      learned: True for methods with learned parameters only, False for fixed ones only, None
        for all.
      include_paired: also list the paired upsamplers (``max_unpool``, ``aps_upsample``,
        ``lpu``), whose modules need side information from their downsampler (``Method.pair``),
        so they cannot stand alone as ``up(x)``.

    Returns:
      A sorted list of names, each accepted by :func:`make_upsampler`.

    Example:
      >>> names = upsampler_names(learned=False)
      >>> "bilinear" in names, "pixel_shuffle" in names, "max_unpool" in names
      (True, False, False)
    """
    return _names(UPSAMPLERS, learned, include_paired)


def downsampler_names(learned: bool | None = None) -> list[str]:
    """Names of the downsampling methods, sorted.

    Args:
      learned: True for methods with learned parameters only, False for fixed ones only, None
        for all.

    Returns:
      A sorted list of names, each accepted by :func:`make_downsampler`.

    Example:
      >>> downsampler_names(learned=True)
      ['lps', 'strided_conv']
    """
    return _names(DOWNSAMPLERS, learned, True)


def get_method(name: str, direction: str) -> Method:
    """The :class:`Method` record of ``name`` (or one of its aliases) in the ``"up"`` or
    ``"down"`` table.

    Args:
      name: a method name or alias (case-insensitive).
      direction: ``"up"`` or ``"down"``.

    Returns:
      The frozen record.

    Raises:
      ValueError: unknown name (the message lists the valid ones and suggests the closest).

    Example:
      >>> get_method("haar", "down").factors
      '2'
      >>> get_method("transposed", "up").name
      'conv_transpose'
    """
    direction = validation.check_choice("get_method", "direction", direction, ("up", "down"))
    table = UPSAMPLERS if direction == "up" else DOWNSAMPLERS
    names = {n: m for m in table.values() for n in (m.name, *m.aliases)}
    fn = "make_upsampler" if direction == "up" else "make_downsampler"
    return names[validation.check_choice(fn, f"{direction}sampling method", name, tuple(names))]


class Resampler(nnx.Module):
    """A resampling module with optional 1x1 projections before and after it.

    Built by :func:`make_upsampler` / :func:`make_downsampler`: ``pre`` and ``post`` are
    ``StridedConv`` 1x1 projections (stride 1) or None, ``op`` the method's module. Calling it runs
    ``post(op(pre(x), *args))``; extra arguments go to ``op`` (a paired upsampler takes the side
    information of its downsampler, see :class:`Pairing`). A paired downsampler
    (``paired=True``) returns ``(post(y), side)``.

    Example:
      >>> from flax import nnx
      >>> r = make_downsampler("max_pool", 3, 3, 2, rngs=nnx.Rngs(0))
      >>> r.pre is None and r.post is None
      True
    """

    def __init__(
        self, method: Method, op: nnx.Module, pre: nnx.Module | None, post: nnx.Module | None
    ):
        self.method = method
        self.op = op
        self.pre = pre
        self.post = post

    def __call__(self, x: jax.typing.ArrayLike, *args: Any) -> Any:
        if self.pre is not None:
            x = self.pre(x)
        y = self.op(x, *args)
        if self.post is None:
            return y
        if isinstance(y, tuple):  # a paired downsampler's (y, side): only y is projected
            return (self.post(y[0]), *y[1:])
        return self.post(y)


def _side_option(method: Method) -> str:
    """The option that makes the downsampler ``method`` return its paired upsampler's side
    information."""
    for up in UPSAMPLERS.values():
        if up.pair is not None and up.pair.down == method.name:
            return up.pair.option
    have = sorted(m.pair.down for m in UPSAMPLERS.values() if m.pair is not None)
    raise ValueError(
        f"make_downsampler: `paired=True` needs a downsampler that a paired upsampler consumes; "
        f"{method.name!r} has none (valid: {have})."
    )


def check_pair(down: str, up: str, *, fn: str = "check_pair") -> Pairing | None:
    """Checks that the upsampler ``up`` can follow the downsampler ``down`` in an encoder-decoder.

    A paired upsampler (``Method.pair`` set: ``max_unpool``, ``aps_upsample``, ``lpu``) consumes
    side information of one downsampler (``max_pool``, ``aps``, ``lps``) and needs exactly that
    one; every other upsampler goes with any downsampler.

    Args:
      down: a downsampling method name or alias.
      up: an upsampling method name or alias.
      fn: the caller's name for the error message.

    Returns:
      The upsampler's :class:`Pairing`, or None when it stands alone.

    Raises:
      ValueError: an unknown name, or a paired upsampler without its downsampler.

    Example:
      >>> check_pair("aps", "aps_upsample").option
      'return_phase'
      >>> check_pair("max_pool", "bilinear") is None
      True
    """
    d, u = get_method(down, "down"), get_method(up, "up")
    if u.pair is not None and u.pair.down != d.name:
        raise ValueError(
            f"{fn}: upsampler {u.name!r} consumes the {u.pair.side} of its paired downsampler "
            f"{u.pair.down!r}, so `down` must be {u.pair.down!r}; got `down` = {down!r}."
        )
    return u.pair


def _make(
    direction: str,
    name: str,
    in_features: int,
    out_features: int,
    factor: Any,
    rank: int,
    kernel_size: int | None,
    rngs: nnx.Rngs,
    paired: bool = False,
) -> Resampler:
    fn = "make_upsampler" if direction == "up" else "make_downsampler"
    method = get_method(name, direction)
    paired = validation.check_bool(fn, "paired", paired)
    side_option = _side_option(method) if paired else None
    rank = validation.check_rank(fn, rank)
    for arg, value in (("in_features", in_features), ("out_features", out_features)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{fn}: `{arg}` must be a positive int; got {value!r}.")
    factors = validation.int_tuple(fn, "factor", factor, rank)
    if not method.supports(factors):
        raise ValueError(
            f"{fn}: method {method.name!r} can only {direction}sample by 2 per axis; got factor "
            f"{factor!r}."
        )
    if kernel_size is not None and (
        not isinstance(kernel_size, int) or isinstance(kernel_size, bool) or kernel_size < 1
    ):
        raise ValueError(
            f"{fn}: `kernel_size` must be a positive int or None; got {kernel_size!r}."
        )

    def projection(c_in: int, c_out: int) -> rnnx.StridedConv | None:
        if c_in == c_out:
            return None
        return rnnx.StridedConv(c_in, c_out, (1,) * rank, 1, 0, rngs=rngs)

    block = math.prod(factors)
    if method.channels == "any":
        c_in, c_out = in_features, out_features
    elif direction == "up":
        c_in = c_out = out_features
        if method.channels == "divide":
            c_in = out_features * block
    else:
        c_in = c_out = in_features
        if method.channels == "multiply":
            c_out = in_features * block
    build = method.build(BuildArgs(c_in, c_out, factors, rank, kernel_size))
    if side_option is not None:
        build = build._replace(kwargs=MappingProxyType({**build.kwargs, side_option: True}))
    op = build.nnx(rngs)
    if direction == "up":
        return Resampler(method, op, projection(in_features, c_in), None)
    return Resampler(method, op, None, projection(c_out, out_features))


def make_upsampler(
    name: str,
    in_features: int,
    out_features: int,
    factor: int | Sequence[int],
    *,
    rank: int = 2,
    kernel_size: int | None = None,
    rngs: nnx.Rngs,
) -> Resampler:
    """Builds the upsampling method ``name`` as an NNX module.

    ``(*batch, *spatial, in_features) -> (*batch, *(spatial * factor), out_features)``. Defaults of
    the learned methods: ``pixel_shuffle`` 3x3 kernel with ICNR initialisation; ``conv_transpose``
    window ``2f - f % 2`` with padding ``f // 2`` (``kernel_size=k`` sets another window; padding
    and output padding are then chosen so the output is exactly ``f * n`` and centred);
    ``resize_conv`` nearest + 3x3; ``carafe`` compressor to ``min(64, in)`` channels, 3x3 encoder,
    5x5 reassembly kernels; ``dysample`` "lp" style with ``gcd(4, in)`` groups. ``kernel_size``
    replaces the 3x3 of ``pixel_shuffle`` / ``resize_conv`` and the window of ``conv_transpose``,
    and is ignored by the other methods. A paired method (``Method.pair``) builds a module called
    with its downsampler's side information: ``max_unpool`` as ``up(x, indices, output_size)``,
    ``aps_upsample`` as ``up(x, phase)``, ``lpu`` as ``up(x, weights)``.

    Args:
      name: an upsampling method (:func:`upsampler_names`) or one of its aliases.
      in_features: input channels.
      out_features: output channels (a 1x1 projection is added where the method cannot change
        them; see the module docstring).
      factor: an int (every axis) or ``rank`` ints.
      rank: spatial rank, 1, 2 or 3.
      kernel_size: optional window of the learned convolution (see above).
      rngs: random streams for the parameters.

    Returns:
      A :class:`Resampler`.

    Raises:
      ValueError: unknown name (with the valid ones and a suggestion), a factor the method cannot
        do (``haar``: 2 only), non-positive channels or factor.

    Example:
      >>> from flax import nnx
      >>> import jax.numpy as jnp
      >>> up = make_upsampler("dysample", 8, 8, 2, rngs=nnx.Rngs(0))
      >>> up(jnp.ones((2, 4, 4, 8))).shape
      (2, 8, 8, 8)

    References:
      See each :class:`Method`'s ``reference``.
    """
    return _make("up", name, in_features, out_features, factor, rank, kernel_size, rngs)


def make_downsampler(
    name: str,
    in_features: int,
    out_features: int,
    factor: int | Sequence[int],
    *,
    rank: int = 2,
    kernel_size: int | None = None,
    paired: bool = False,
    rngs: nnx.Rngs,
) -> Resampler:
    """Builds the downsampling method ``name`` as an NNX module.

    ``(*batch, *spatial, in_features) -> (*batch, *(spatial // factor), out_features)`` when the
    factor divides the size. Otherwise pooling and resize methods floor (``n // f``) while
    ``blur_pool``, ``max_blur_pool`` and ``strided_conv`` ('SAME') give ``ceil(n / f)`` samples,
    as their peers do; ``haar`` needs even sizes. Pooling methods use non-overlapping windows of
    size ``factor``; ``blur_pool`` / ``max_blur_pool`` a 3-tap binomial blur (the latter after a
    stride-1 max over ``factor``-sized windows); ``strided_conv`` a window ``2f - 1`` (or
    ``kernel_size``); resize methods are antialiased.

    Args:
      name: a downsampling method (:func:`downsampler_names`) or one of its aliases.
      in_features, out_features, factor, rank, rngs: as for :func:`make_upsampler`.
      kernel_size: optional window of ``strided_conv``; ignored by the other methods.
      paired: build the module so it returns ``(y, side)``, the side information its paired
        upsampler consumes (:class:`Pairing`: ``max_pool`` indices, ``aps`` phase, ``lps``
        weights).

    Returns:
      A :class:`Resampler`.

    Raises:
      ValueError: as :func:`make_upsampler` raises it; ``paired=True`` for a downsampler that no
        upsampler pairs with.

    Example:
      >>> from flax import nnx
      >>> import jax.numpy as jnp
      >>> down = make_downsampler("haar", 3, 8, 2, rngs=nnx.Rngs(0))
      >>> down(jnp.ones((4, 4, 3))).shape
      (2, 2, 8)

    References:
      See each :class:`Method`'s ``reference``.
    """
    return _make("down", name, in_features, out_features, factor, rank, kernel_size, rngs, paired)
