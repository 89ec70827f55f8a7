"""The method records behind :mod:`resample_jax.methods`: the record types and the table itself.

Kept apart from the lookups and factories so that each file stays short; everything here is
re-exported (and documented) by :mod:`resample_jax.methods`.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, NamedTuple

from flax import nnx

from resample_jax import nnx as rnnx


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
