"""The table of every downsampling and upsampling method, and factories that build them as modules.

Each entry of :data:`UPSAMPLERS` / :data:`DOWNSAMPLERS` is a frozen :class:`Method` record: its
name, direction, whether it has learned parameters, the factors it can do, a one-line description
and the paper or peer behaviour it follows. :func:`make_upsampler` / :func:`make_downsampler` turn
a name into an NNX module mapping ``(*batch, *spatial, in_features)`` to
``(*batch, *(spatial * factor), out_features)`` (``spatial // factor`` when downsampling; see
:func:`make_downsampler` for sizes the factor does not divide).

Channel changes: learned convolutional methods map ``in_features`` to ``out_features`` themselves.
Every other method (fixed ones, and CARAFE / DySample which keep the channel count) is combined
with a 1x1 convolution ("projection", with bias) when ``in_features != out_features`` or when the
method changes the channel count itself (``pixel_unshuffle`` and ``haar`` multiply it by
``prod(factor)``). The projection runs at the lower resolution: before an upsampler, after a
downsampler. So a "fixed" method has parameters exactly when a projection was needed;
``count_weights`` in :mod:`resample_jax.models` counts them.

Example:
  >>> from flax import nnx
  >>> import jax.numpy as jnp
  >>> up = make_upsampler("bilinear", 8, 4, 2, rngs=nnx.Rngs(0))
  >>> up(jnp.ones((1, 5, 5, 8))).shape
  (1, 10, 10, 4)
  >>> "pixel_shuffle" in upsampler_names(learned=True)
  True
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import jax
from flax import nnx

from resample_jax import nnx as rnnx
from resample_jax._src import validation

__all__ = [
    "DOWNSAMPLERS",
    "Method",
    "Resampler",
    "UPSAMPLERS",
    "downsampler_names",
    "get_method",
    "make_downsampler",
    "make_upsampler",
    "upsampler_names",
]


@dataclasses.dataclass(frozen=True)
class Method:
    """One resampling method of the table.

    Attributes:
      name: the name ``make_upsampler`` / ``make_downsampler`` take.
      direction: ``"up"`` or ``"down"``.
      learned: whether the method itself has trained parameters (a channel projection added by the
        factories does not count).
      factors: ``"integer"`` (any integer factor >= 1 per axis) or ``"2"`` (exactly 2 per axis).
      description: what it does, in one line.
      reference: the paper or peer behaviour it follows.
      needs_indices: True for ``max_unpool``, whose module is called as ``up(x, indices,
        output_size)`` with the indices of a paired ``MaxPool(return_indices=True)``.
    """

    name: str
    direction: str
    learned: bool
    factors: str
    description: str
    reference: str
    needs_indices: bool = False

    def supports(self, factor: Sequence[int]) -> bool:
        """Whether the method can resample by ``factor`` (a tuple of ints, one per axis)."""
        if self.factors == "2":
            return all(f == 2 for f in factor)
        return all(f >= 1 for f in factor)


def _m(name, direction, learned, factors, description, reference, **kw) -> tuple[str, Method]:
    return name, Method(name, direction, learned, factors, description, reference, **kw)


UPSAMPLERS: Mapping[str, Method] = MappingProxyType(
    dict(
        [
            _m(
                "nearest",
                "up",
                False,
                "integer",
                "Nearest-neighbour resize (each pixel repeated).",
                "jax.image.resize 'nearest'; torch interpolate 'nearest-exact'.",
            ),
            _m(
                "bilinear",
                "up",
                False,
                "integer",
                "Linear interpolation per axis, half-pixel centres (bi-/trilinear in 2-D / 3-D).",
                "jax.image.resize 'linear'; torch interpolate 'bilinear', align_corners=False.",
            ),
            _m(
                "bicubic",
                "up",
                False,
                "integer",
                "Keys cubic convolution (a = -0.5), half-pixel centres.",
                "Keys 1981; jax.image.resize 'cubic'; Pillow BICUBIC.",
            ),
            _m(
                "lanczos3",
                "up",
                False,
                "integer",
                "Lanczos windowed sinc with 3 lobes.",
                "Duchon 1979; jax.image.resize 'lanczos3'; Pillow LANCZOS.",
            ),
            _m(
                "bed_of_nails",
                "up",
                False,
                "integer",
                "Zero insertion: each pixel at the top-left of its block, zeros elsewhere.",
                "Zeiler & Fergus 2014 (unpooling without switches); Dumoulin & Visin 2016.",
            ),
            _m(
                "max_unpool",
                "up",
                False,
                "integer",
                "Writes values back at the argmax positions recorded by the paired max pooling.",
                "Badrinarayanan et al., SegNet, TPAMI 2017; torch max_unpool2d.",
                needs_indices=True,
            ),
            _m(
                "haar",
                "up",
                True,
                "2",
                "1x1 projection to 2^rank subbands per output channel, then the inverse "
                "orthonormal Haar "
                "transform.",
                "Haar 1910; Xu et al., Haar wavelet downsampling, Pattern Recognition 2023.",
            ),
            _m(
                "pixel_shuffle",
                "up",
                True,
                "integer",
                "Sub-pixel convolution: 3x3 conv to out * prod(factor) channels, pixel shuffle; "
                "ICNR init.",
                "Shi et al., ESPCN, CVPR 2016; Aitken et al. 2017 (ICNR).",
            ),
            _m(
                "conv_transpose",
                "up",
                True,
                "integer",
                "Transposed convolution, window 2f - f % 2, padding f // 2 (exact f * size "
                "output).",
                "Long et al., FCN, CVPR 2015; torch ConvTranspose2d.",
            ),
            _m(
                "resize_conv",
                "up",
                True,
                "integer",
                "Nearest upsampling, then a 3x3 convolution.",
                "Odena, Dumoulin & Olah, Deconvolution and Checkerboard Artifacts, Distill 2016.",
            ),
            _m(
                "carafe",
                "up",
                True,
                "integer",
                "Content-aware reassembly: predicted, softmax-normalised 5x5 kernels per output "
                "pixel.",
                "Wang et al., CARAFE, ICCV 2019.",
            ),
            _m(
                "dysample",
                "up",
                True,
                "integer",
                "Learned point sampling: predicted offsets around bilinear positions, then "
                "grid_sample.",
                "Liu et al., Learning to Upsample by Learning to Sample, ICCV 2023.",
            ),
        ]
    )
)
"""Upsampling methods by name."""

DOWNSAMPLERS: Mapping[str, Method] = MappingProxyType(
    dict(
        [
            _m(
                "max_pool",
                "down",
                False,
                "integer",
                "Max over non-overlapping factor-sized windows.",
                "torch max_pool2d(kernel=f, stride=f); flax.linen.max_pool.",
            ),
            _m(
                "avg_pool",
                "down",
                False,
                "integer",
                "Mean over non-overlapping factor-sized windows.",
                "torch avg_pool2d(kernel=f, stride=f); flax.linen.avg_pool.",
            ),
            _m(
                "lp_pool",
                "down",
                False,
                "integer",
                "Power-average pooling (sum x^2)^(1/2) over factor-sized windows.",
                "Sermanet et al. 2012; torch lp_pool2d(norm_type=2).",
            ),
            _m(
                "soft_pool",
                "down",
                False,
                "integer",
                "Softmax-weighted mean of each factor-sized window (between mean and max).",
                "Stergiou, Poppe & Kalliatakis, Refining activation downsampling with SoftPool, "
                "ICCV 2021.",
            ),
            _m(
                "blur_pool",
                "down",
                False,
                "integer",
                "Binomial [1, 2, 1] blur (reflect padding), then subsample: antialiased pooling.",
                "Zhang, Making Convolutional Networks Shift-Invariant Again, ICML 2019.",
            ),
            _m(
                "max_blur_pool",
                "down",
                False,
                "integer",
                "Dense (stride 1) max over factor-sized windows, then blur pooling.",
                "Zhang, ICML 2019 (MaxBlurPool).",
            ),
            _m(
                "strided_conv",
                "down",
                True,
                "integer",
                "Learned convolution, window 2f - 1, stride f, 'SAME' padding.",
                "Springenberg et al., Striving for Simplicity: The All Convolutional Net, 2015.",
            ),
            _m(
                "pixel_unshuffle",
                "down",
                False,
                "integer",
                "Space to depth (channels * prod(factor)), then a 1x1 projection.",
                "Shi et al. 2016; tf.nn.space_to_depth; torch pixel_unshuffle.",
            ),
            _m(
                "haar",
                "down",
                False,
                "2",
                "Orthonormal Haar transform (2^rank subbands), then a 1x1 projection; even sizes "
                "only.",
                "Xu et al., Haar wavelet downsampling, Pattern Recognition 2023.",
            ),
            _m(
                "nearest",
                "down",
                False,
                "integer",
                "Nearest resize: keeps one pixel per block (no filter).",
                "jax.image.resize 'nearest'.",
            ),
            _m(
                "bilinear",
                "down",
                False,
                "integer",
                "Antialiased linear resize (tent widened by f).",
                "jax.image.resize 'linear', antialias=True; Pillow BILINEAR.",
            ),
            _m(
                "bicubic",
                "down",
                False,
                "integer",
                "Antialiased Keys cubic resize (kernel widened by f).",
                "jax.image.resize 'cubic', antialias=True; Pillow BICUBIC.",
            ),
            _m(
                "area",
                "down",
                False,
                "integer",
                "Box-filter resize (pixel-area average; equals avg_pool for integer factors).",
                "jax.image.resize 'area'; OpenCV INTER_AREA; torch interpolate 'area'.",
            ),
            _m(
                "lanczos3",
                "down",
                False,
                "integer",
                "Antialiased Lanczos-3 resize.",
                "jax.image.resize 'lanczos3', antialias=True; Pillow LANCZOS.",
            ),
        ]
    )
)
"""Downsampling methods by name."""

_RESIZE_METHOD = {
    "nearest": "nearest",
    "bilinear": "linear",
    "bicubic": "cubic",
    "lanczos3": "lanczos3",
    "area": "area",
}


def _names(table: Mapping[str, Method], learned: bool | None, paired: bool) -> list[str]:
    return sorted(
        m.name
        for m in table.values()
        if (learned is None or m.learned == learned) and (paired or not m.needs_indices)
    )


def upsampler_names(learned: bool | None = None, *, include_paired: bool = False) -> list[str]:
    """Names of the upsampling methods, sorted.

    Args:
      learned: True for methods with learned parameters only, False for fixed ones only, None
        for all.
      include_paired: also list ``max_unpool``, whose module needs the indices of a paired max
        pooling (``up(x, indices, output_size)``), so it cannot stand alone as ``up(x)``.

    Returns:
      A sorted list of names, each accepted by :func:`make_upsampler`.

    Example:
      >>> upsampler_names(learned=False)
      ['bed_of_nails', 'bicubic', 'bilinear', 'lanczos3', 'nearest']
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
      ['strided_conv']
    """
    return _names(DOWNSAMPLERS, learned, True)


def get_method(name: str, direction: str) -> Method:
    """The :class:`Method` record of ``name`` in the ``"up"`` or ``"down"`` table.

    Args:
      name: a method name (case-insensitive).
      direction: ``"up"`` or ``"down"``.

    Returns:
      The frozen record.

    Raises:
      ValueError: unknown name (the message lists the valid ones and suggests the closest).

    Example:
      >>> get_method("haar", "down").factors
      '2'
    """
    direction = validation.check_choice("get_method", "direction", direction, ("up", "down"))
    table = UPSAMPLERS if direction == "up" else DOWNSAMPLERS
    fn = "make_upsampler" if direction == "up" else "make_downsampler"
    return table[validation.check_choice(fn, f"{direction}sampling method", name, tuple(table))]


class Resampler(nnx.Module):
    """A resampling module with optional 1x1 projections before and after it.

    Built by :func:`make_upsampler` / :func:`make_downsampler`: ``pre`` and ``post`` are
    ``StridedConv`` 1x1 projections (stride 1) or None, ``op`` the method's module. Calling it runs
    ``post(op(pre(x), *args))``; extra arguments go to ``op`` (``max_unpool`` takes
    ``indices, output_size``).

    Example:
      >>> from flax import nnx
      >>> import jax.numpy as jnp
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

    def __call__(self, x: jax.typing.ArrayLike, *args: Any) -> jax.Array:
        if self.pre is not None:
            x = self.pre(x)
        y = self.op(x, *args)
        if self.post is not None:
            y = self.post(y)
        return y


def _projection(in_features: int, out_features: int, rank: int, rngs: nnx.Rngs) -> rnnx.StridedConv:
    return rnnx.StridedConv(in_features, out_features, (1,) * rank, 1, 0, rngs=rngs)


def _canonical(
    fn: str,
    direction: str,
    name: str,
    in_features: int,
    out_features: int,
    factor: Any,
    rank: int,
    kernel_size: int | None,
) -> tuple[Method, tuple[int, ...], int | None]:
    method = get_method(name, direction)
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
    if kernel_size is not None:
        if not isinstance(kernel_size, int) or isinstance(kernel_size, bool) or kernel_size < 1:
            raise ValueError(
                f"{fn}: `kernel_size` must be a positive int or None; got {kernel_size!r}."
            )
    return method, factors, kernel_size


def _transpose_padding(k: int, s: int) -> tuple[int, int]:
    # Padding p and output_padding a with (n - 1) * s - 2p + k + a = n * s, 0 <= a < s: the kernel
    # centre of input pixel i lands on the half-pixel centre of its output block.
    p = max(-(-(k - s) // 2), 0)
    return p, 2 * p - (k - s)


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
    and is ignored by the other methods. ``max_unpool`` builds a module called as
    ``up(x, indices, output_size)``.

    Args:
      name: an upsampling method (:func:`upsampler_names`).
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
    fn = "make_upsampler"
    method, factors, ks = _canonical(
        fn, "up", name, in_features, out_features, factor, rank, kernel_size
    )
    n = method.name
    pre = None
    if n in ("pixel_shuffle", "conv_transpose", "resize_conv", "haar"):
        if n == "pixel_shuffle":
            op = rnnx.SubPixelConv(in_features, out_features, factors, ks or 3, rngs=rngs)
        elif n == "resize_conv":
            op = rnnx.ResizeConv(in_features, out_features, factors, ks or 3, rngs=rngs)
        elif n == "haar":
            pre = _projection(in_features, out_features * 2**rank, rank, rngs)
            op = rnnx.HaarUpsample(rank=rank)
        else:
            window = tuple(ks or 2 * f - f % 2 for f in factors)
            pads = [_transpose_padding(k, f) for k, f in zip(window, factors, strict=False)]
            op = rnnx.ConvTranspose(
                in_features,
                out_features,
                window,
                factors,
                tuple(p for p, _ in pads),
                output_padding=tuple(a for _, a in pads),
                rngs=rngs,
            )
        return Resampler(method, op, pre, None)
    if in_features != out_features:
        pre = _projection(in_features, out_features, rank, rngs)
    c = out_features
    if n in _RESIZE_METHOD:
        op = rnnx.Upsample(factors, _RESIZE_METHOD[n])
    elif n == "bed_of_nails":
        op = rnnx.BedOfNails(factors)
    elif n == "max_unpool":
        op = rnnx.MaxUnpool(factors, factors, 0)
    elif n == "carafe":
        op = rnnx.CARAFE(c, factors, compressed_features=min(64, c), rngs=rngs)
    else:
        op = rnnx.DySample(c, factors, groups=math.gcd(4, c), rngs=rngs)
    return Resampler(method, op, pre, None)


def make_downsampler(
    name: str,
    in_features: int,
    out_features: int,
    factor: int | Sequence[int],
    *,
    rank: int = 2,
    kernel_size: int | None = None,
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
      name: a downsampling method (:func:`downsampler_names`).
      in_features: input channels.
      out_features: output channels (a 1x1 projection is added where the method cannot change
        them; see the module docstring).
      factor: an int (every axis) or ``rank`` ints.
      rank: spatial rank, 1, 2 or 3.
      kernel_size: optional window of ``strided_conv``; ignored by the other methods.
      rngs: random streams for the parameters.

    Returns:
      A :class:`Resampler`.

    Raises:
      ValueError: unknown name (with the valid ones and a suggestion), a factor the method cannot
        do (``haar``: 2 only), non-positive channels or factor.

    Example:
      >>> from flax import nnx
      >>> import jax.numpy as jnp
      >>> down = make_downsampler("haar", 3, 8, 2, rngs=nnx.Rngs(0))
      >>> down(jnp.ones((4, 4, 3))).shape
      (2, 2, 8)

    References:
      See each :class:`Method`'s ``reference``.
    """
    fn = "make_downsampler"
    method, factors, ks = _canonical(
        fn, "down", name, in_features, out_features, factor, rank, kernel_size
    )
    n = method.name
    channels = in_features
    if n == "strided_conv":
        window = tuple(ks or 2 * f - 1 for f in factors)
        op = rnnx.StridedConv(in_features, out_features, window, factors, "SAME", rngs=rngs)
        return Resampler(method, op, None, None)
    builders: dict[str, Callable[[], nnx.Module]] = {
        "max_pool": lambda: rnnx.MaxPool(factors),
        "avg_pool": lambda: rnnx.AvgPool(factors),
        "lp_pool": lambda: rnnx.LPPool(2.0, factors),
        "blur_pool": lambda: rnnx.BlurPool(factors),
        "max_blur_pool": lambda: rnnx.MaxBlurPool(factors, window_shape=factors),
        "soft_pool": lambda: rnnx.SoftPool(factors),
        "pixel_unshuffle": lambda: rnnx.PixelUnshuffle(factors),
        "haar": lambda: rnnx.HaarDownsample(rank=rank),
    }
    if n in builders:
        op = builders[n]()
    else:
        op = rnnx.Downsample(factors, _RESIZE_METHOD[n])
    if n in ("pixel_unshuffle", "haar"):
        channels = in_features * math.prod(factors)
    post = _projection(channels, out_features, rank, rngs) if channels != out_features else None
    return Resampler(method, op, None, post)
