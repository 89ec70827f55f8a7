"""Small NNX networks whose resampling stages are any method of :mod:`resample_jax.methods`.

Super-resolution heads (:class:`SRNet`: SRCNN, FSRCNN, ESPCN with their papers' weight counts),
segmentation nets (:class:`UNet`, :class:`FCN`, :class:`SegNet`) and :func:`count_weights`. The nets
are tiny by default so they train on a CPU; every size that the papers fix is an argument.
Arrays are channels-last ``(*batch, *spatial, C)``.

Example:
  >>> import jax.numpy as jnp
  >>> from flax import nnx
  >>> net = UNet(1, 3, widths=(4, 8, 16), rngs=nnx.Rngs(0))
  >>> net(jnp.ones((2, 13, 11, 1))).shape
  (2, 13, 11, 3)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
from flax import nnx

from resample_jax import initializers, methods
from resample_jax import nnx as rnnx
from resample_jax._src import validation
from resample_jax._src.fusion import FUSE_MODES, fuse, match_size
from resample_jax._src.layers import _check_rngs

__all__ = ["FCN", "SRNet", "SegNet", "UNet", "count_weights"]


def count_weights(module: nnx.Module, include_bias: bool = False) -> int:
    """Number of scalar parameters of ``module``, counted as papers count weights.

    Args:
      module: an NNX module.
      include_bias: False counts only the parameters named ``kernel`` (convolution and linear
        weights: what SRCNN / FSRCNN / ESPCN report); True counts every ``nnx.Param`` (biases,
        PReLU slopes too).

    Returns:
      The count, a Python int.

    Example:
      >>> from flax import nnx
      >>> count_weights(SRNet("srcnn", 3, rngs=nnx.Rngs(0)))
      8032
    """
    total = 0
    for path, node in nnx.iter_graph(module):
        if isinstance(node, nnx.Param) and (include_bias or (path and path[-1] == "kernel")):
            total += int(node.size)
    return total


PADDINGS = ("zeros", "circular")


def _conv(
    in_features: int,
    out_features: int,
    kernel: int,
    rank: int,
    rngs: nnx.Rngs,
    *,
    bias: bool = True,
    padding: str | int = "SAME",
) -> rnnx.StridedConv:
    """Stride-1 convolution (the plain layers between resampling stages), 'SAME' by default."""
    return rnnx.StridedConv(
        in_features, out_features, (kernel,) * rank, 1, padding, use_bias=bias, rngs=rngs
    )


def _draws_noise(module: nnx.Module) -> bool:
    """Whether ``module`` (or the method a :class:`resample_jax.methods.Resampler` wraps) takes
    a random key when called (an ``rng_stream`` attribute: LPS's Gumbel noise, spectral pooling's
    frequency dropout)."""
    return getattr(getattr(module, "op", module), "rng_stream", None) is not None


def _resample(module: nnx.Module, x: jax.Array, *args: Any, rngs: Any, stage: int) -> Any:
    """Calls a resampling stage, handing it the noise source of stage number ``stage`` when it
    draws noise: ``rngs`` itself when an ``nnx.Rngs`` (each stage draws the next key of its
    stream), ``jax.random.fold_in(rngs, stage)`` when a key."""
    if rngs is None or not _draws_noise(module):
        return module(x, *args)
    key = rngs if isinstance(rngs, nnx.Rngs) else jax.random.fold_in(rngs, stage)
    return module(x, *args, rngs=key)


class _ConvBlock(nnx.Module):
    """Two 3x3 convolutions with ReLU (the U-Net / SegNet stage); ``padding="circular"`` pads
    each convolution's input periodically (so the block commutes with circular shifts) instead of
    with zeros."""

    def __init__(
        self,
        in_features: int,
        out_features: int,
        rank: int,
        rngs: nnx.Rngs,
        padding: str = "zeros",
    ):
        self.rank, self.circular = rank, padding == "circular"
        pad = 0 if self.circular else "SAME"
        self.conv1 = _conv(in_features, out_features, 3, rank, rngs, padding=pad)
        self.conv2 = _conv(out_features, out_features, 3, rank, rngs, padding=pad)

    def _pad(self, x: jax.Array) -> jax.Array:
        if not self.circular:
            return x
        width = [(0, 0)] * (x.ndim - self.rank - 1) + [(1, 1)] * self.rank + [(0, 0)]
        return jnp.pad(x, width, mode="wrap")

    def __call__(self, x: jax.Array) -> jax.Array:
        h = jax.nn.relu(self.conv1(self._pad(x)))
        return jax.nn.relu(self.conv2(self._pad(h)))


def _fused_features(fusion: str, skip: int, x: int) -> int:
    return skip + x if fusion == "concat" else x


def _check_widths(fn: str, widths: Any, depth: int) -> tuple[int, ...]:
    if not isinstance(widths, (tuple, list)) or not all(
        isinstance(w, int) and not isinstance(w, bool) and w >= 1 for w in widths
    ):
        raise ValueError(f"{fn}: `widths` must be a sequence of positive ints; got {widths!r}.")
    if len(widths) < depth:
        raise ValueError(
            f"{fn}: `widths` needs at least `depth` = {depth} entries (one per level); got "
            f"{widths!r}."
        )
    return tuple(widths[:depth])


class UNet(nnx.Module):
    """U-Net with any downsampler, upsampler and skip fusion from the method table.

    ``(*batch, *spatial, in_features) -> (*batch, *spatial, out_features)``. ``depth`` levels of
    two 3x3 conv + ReLU with ``widths[i]`` channels; between levels ``make_downsampler(down, w, w,
    2)``; on the way up ``make_upsampler(up, widths[i + 1], widths[i], 2)``, then
    :func:`resample_jax.fuse` with the skip (which first matches the upsampled map's size to the
    skip's, so odd input sizes work), then a conv block; a final 1x1 convolution. 1-D, 2-D or
    3-D by ``rank``.

    Paired methods (:func:`resample_jax.methods.check_pair`): when ``up`` consumes side
    information of its downsampler (``max_pool`` -> ``max_unpool`` indices, ``aps`` ->
    ``aps_upsample`` phase, ``lps`` -> ``lpu`` weights), each encoder stage's downsampler hands it
    to the decoder stage at the same resolution. With ``padding="circular"`` and the APS or LPS
    pair (at evaluation) the whole net commutes with every integer circular shift of an input
    whose sizes are divisible by ``2 ** (depth - 1)`` (Chaman & Dokmanic 2021; Rojas-Gomez et al.
    2022), barring exact ties between polyphase norms or scores.

    Noise in training: ``net(x, rngs=...)`` hands a noise source to every resampling stage that
    draws noise when training (a module with an ``rng_stream``: ``lps`` draws the Gumbel noise of
    its Gumbel-softmax). ``rngs`` is an ``nnx.Rngs``, handed on whole (each stage draws the next
    key of its own stream, ``"gumbel"`` for LPS), or one PRNG key, of which stage ``s`` gets
    ``jax.random.fold_in(key, s)``; stages are numbered in call order, the downsamplers ``0 ..
    depth - 2`` from the top, then the upsamplers ``depth - 1 ..`` from the bottom. Without
    ``rngs`` (and at evaluation, ``net.eval()``) no noise is drawn: LPS then takes the softmax of
    its scores in training, the argmax at evaluation.

    Args:
      in_features: input channels.
      out_features: output channels (classes).
      depth: number of resolution levels (``depth - 1`` down / up steps).
      widths: channels per level; at least ``depth`` entries.
      down: a :func:`resample_jax.methods.downsampler_names` name.
      up: a :func:`resample_jax.methods.upsampler_names` name, or a paired upsampler
        (``upsampler_names(include_paired=True)``) after its own downsampler.
      fusion: a :func:`resample_jax.fuse` mode.
      padding: ``"zeros"`` ('SAME' zero padding) or ``"circular"`` (periodic) padding of the
        3x3 convolutions.
      rank: spatial rank.
      rngs: random streams of the parameters.

    Raises:
      ValueError: a bad ``depth``, ``widths``, ``fusion`` or ``padding``, an unknown method, or a
        paired upsampler without its downsampler; at call time a batch of keys as ``rngs``.
      TypeError: at call time, ``rngs`` neither None, an ``nnx.Rngs`` nor a PRNG key.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> from flax import nnx
      >>> net = UNet(1, 2, depth=2, widths=(4, 8), up="pixel_shuffle", rank=1, rngs=nnx.Rngs(0))
      >>> net(jnp.ones((9, 1))).shape
      (9, 2)
      >>> aps = UNet(1, 2, widths=(4, 8, 8), down="aps", up="aps_upsample", padding="circular",
      ...            rngs=nnx.Rngs(0))
      >>> aps(jnp.ones((2, 8, 8, 1))).shape
      (2, 8, 8, 2)
      >>> lps = UNet(1, 2, widths=(4, 8, 8), down="lps", up="lpu", rngs=nnx.Rngs(0))
      >>> x = jnp.ones((2, 8, 8, 1))
      >>> lps(x, rngs=jax.random.key(1)).shape  # training mode: Gumbel-softmax
      (2, 8, 8, 2)
      >>> lps.eval()  # argmax: no noise, the key changes nothing
      >>> bool((lps(x, rngs=jax.random.key(1)) == lps(x)).all())
      True

    References:
      Ronneberger, Fischer & Brox, "U-Net", MICCAI 2015. Chaman & Dokmanic, "Truly shift-invariant
      convolutional neural networks", CVPR 2021 (APS, APS-U). Rojas-Gomez et al., "Learnable
      polyphase sampling for shift invariant and equivariant convolutional networks", NeurIPS
      2022 (LPS, LPU).
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        depth: int = 3,
        widths: Sequence[int] = (16, 32, 64),
        down: str = "max_pool",
        up: str = "bilinear",
        fusion: str = "concat",
        padding: str = "zeros",
        rank: int = 2,
        rngs: nnx.Rngs,
    ):
        fn = "UNet"
        if not isinstance(depth, int) or isinstance(depth, bool) or depth < 1:
            raise ValueError(f"{fn}: `depth` must be a positive int; got {depth!r}.")
        widths = _check_widths(fn, widths, depth)
        self.pair = methods.check_pair(down, up, fn=fn)
        self.fusion = validation.check_choice(fn, "fusion", fusion, FUSE_MODES)
        padding = validation.check_choice(fn, "padding", padding, PADDINGS)
        self.rank = rank
        self.encoders = nnx.List(
            [
                _ConvBlock(c_in, w, rank, rngs, padding)
                for c_in, w in zip((in_features, *widths), widths, strict=False)
            ]
        )
        paired = self.pair is not None
        self.downs = nnx.List(
            [
                methods.make_downsampler(down, w, w, 2, rank=rank, paired=paired, rngs=rngs)
                for w in widths[:-1]
            ]
        )
        self.ups = nnx.List(
            [
                methods.make_upsampler(up, widths[i + 1], widths[i], 2, rank=rank, rngs=rngs)
                for i in reversed(range(depth - 1))
            ]
        )
        self.decoders = nnx.List(
            [
                _ConvBlock(
                    _fused_features(fusion, widths[i], widths[i]), widths[i], rank, rngs, padding
                )
                for i in reversed(range(depth - 1))
            ]
        )
        self.head = _conv(widths[0], out_features, 1, rank, rngs)

    def __call__(
        self, x: jax.typing.ArrayLike, *, rngs: nnx.Rngs | jax.Array | None = None
    ) -> jax.Array:
        """``x``: ``[*batch, *spatial, in_features]``; ``rngs``: the noise of the stages that
        draw it in training (see the class docstring)."""
        _check_rngs("UNet", rngs)
        h = jnp.asarray(x)
        skips, sides = [], []
        for i, encoder in enumerate(self.encoders):
            h = encoder(h)
            if i < len(self.downs):
                skips.append(h)
                h = _resample(self.downs[i], h, rngs=rngs, stage=i)
                if self.pair is not None:
                    h, side = h
                    size = validation.spatial_shape(skips[-1], self.rank)
                    sides.append((side, size) if self.pair.output_size else (side,))
        for j, (upsample, decoder, skip, side) in enumerate(zip(
            self.ups, self.decoders, reversed(skips), reversed(sides or [()] * len(skips)),
            strict=True,
        )):
            up = _resample(upsample, h, *side, rngs=rngs, stage=len(self.downs) + j)
            h = decoder(fuse(skip, up, mode=self.fusion, rank=self.rank))
        return self.head(h)


_SR_DEFAULT_UPSAMPLER = {
    "srcnn": "bicubic",
    "fsrcnn": "conv_transpose",
    "espcn": "pixel_shuffle",
    "edsr": "pixel_shuffle",
    "wdsr": "pixel_shuffle",
}
# Tiny EDSR (Lim et al. 2017) and WDSR (Yu et al. 2018): feature width and residual blocks;
# WDSR-B's expansion (6x) and low-rank width (0.8x) are the paper's.
_EDSR_WIDTH, _EDSR_BLOCKS = 32, 4
_WDSR_EXPAND, _WDSR_LOW_RANK = 6, 0.8


class SRNet(nnx.Module):
    """Single-image super-resolution nets (SRCNN, FSRCNN, ESPCN, a tiny EDSR and a tiny WDSR) with a
    swappable upsampler.

    ``(*batch, H, W, channels) -> (*batch, scale * H, scale * W, channels)``. Architectures, with
    the weight counts of the papers (``count_weights``, 1 channel, default upsampler, biases and
    PReLU slopes excluded as the papers count them):

    * ``"srcnn"`` (Dong et al. 2014, 9-1-5): upsample first (default bicubic), then
      conv 9x9 -> 64, ReLU, 1x1 -> 32, ReLU, 5x5 -> channels. 8,032 weights.
    * ``"fsrcnn"`` (Dong et al. 2016, d=56, s=12, m=4): conv 5x5 -> 56, 1x1 -> 12, 4 x 3x3 12 -> 12,
      1x1 -> 56 (PReLU after each), then the upsampler 56 -> channels (default: a 9x9 transposed
      convolution, stride ``scale``). 12,464 weights (the paper's count: convolution weights only).
    * ``"espcn"`` (Shi et al. 2016, 5-3-3): conv 5x5 -> 64, tanh, 3x3 -> 32, tanh, then the
      upsampler 32 -> channels (default: 3x3 sub-pixel convolution, ICNR-initialised).
      22,624 weights at scale 3.
    * ``"edsr"`` (Lim et al. 2017, shrunk to 32 features and 4 blocks): conv 3x3 -> 32, four
      residual blocks (3x3, ReLU, 3x3, plus the block's input; no batch norm, as EDSR), a 3x3 conv
      and a skip from the first conv's output, then the upsampler 32 -> channels (default: 3x3
      sub-pixel convolution). 85,824 weights at scale 3.
    * ``"wdsr"`` (Yu et al. 2018, WDSR-B blocks in the tiny EDSR's frame): as ``"edsr"``, but each
      residual block is "wide activation" with a linear low-rank projection: 1x1 conv 32 -> 192,
      ReLU, 1x1 conv 192 -> 25, 3x3 conv 25 -> 32, plus the block's input (no weight
      normalisation). About the same weights and multiply-adds per block as EDSR's; 84,672
      weights at scale 3.

    ``upsampler`` names any :func:`resample_jax.methods.upsampler_names` method for the upsampling
    stage (built with ``make_upsampler``; ESPCN uses 3x3 windows; FSRCNN gives ``conv_transpose``
    the paper's 9x9 window, ``pixel_shuffle`` the sub-pixel window with the same weights and field
    of view, ``ceil(9 / scale)``, and every other method 3x3); a fixed method in
    FSRCNN / ESPCN is preceded by a 1x1 projection to ``channels``. ``residual=True`` adds a fixed
    bicubic upsampling of the input to the output, so the net learns the residual over bicubic
    (what makes short-run comparisons between upsamplers fair). The learned branch is multiplied
    by a scalar ``gain`` (an ``nnx.Param``, not counted by :func:`count_weights`) that starts at
    ``residual_gain``; the default 0 makes the untrained net exactly bicubic, as ReZero starts
    every residual branch (Bachlechner et al. 2021). With 1 the untrained branch adds its random
    output to bicubic: a residual of std 0.6 and mean -0.5 for the tiny EDSR on Y in [0, 1],
    against a target residual of std ~0.03, which Adam spends its first thousands of steps
    undoing (measured in docs/experiments.md).

    Args:
      arch: ``"srcnn"``, ``"fsrcnn"``, ``"espcn"``, ``"edsr"`` or ``"wdsr"``.
      scale: integer upscaling factor.
      upsampler: method name, or None for the architecture's own.
      channels: image channels (1 for the Y channel, as the papers).
      residual: add a bicubic upsampling of the input.
      residual_gain: initial value of the learned scalar gain of the branch added to bicubic
        (``residual=True`` only); 0 starts the net at bicubic.
      rngs: random streams.

    Example:
      >>> import jax.numpy as jnp
      >>> from flax import nnx
      >>> net = SRNet("espcn", 3, rngs=nnx.Rngs(0))
      >>> net(jnp.ones((1, 8, 8, 1))).shape, count_weights(net)
      ((1, 24, 24, 1), 22624)

    References:
      Dong et al., "Learning a Deep Convolutional Network for Image Super-Resolution", ECCV 2014.
      Dong, Loy & Tang, "Accelerating the Super-Resolution Convolutional Neural Network", ECCV 2016.
      Shi et al., "Real-Time Single Image and Video Super-Resolution Using an Efficient Sub-Pixel
      Convolutional Neural Network", CVPR 2016.
      Lim et al., "Enhanced Deep Residual Networks for Single Image Super-Resolution", CVPRW 2017.
      Yu et al., "Wide Activation for Efficient and Accurate Image Super-Resolution",
      arXiv:1808.08718, 2018.
    """

    def __init__(
        self,
        arch: str,
        scale: int,
        *,
        upsampler: str | None = None,
        channels: int = 1,
        residual: bool = False,
        residual_gain: float = 0.0,
        rngs: nnx.Rngs,
    ):
        fn = "SRNet"
        gain = validation.real_scalar(fn, "residual_gain", residual_gain)
        if gain is None:
            raise TypeError(
                f"{fn}: `residual_gain` must be a real number (a Python or NumPy float); got "
                f"{type(residual_gain).__name__}."
            )
        residual_gain = gain
        if not math.isfinite(residual_gain):
            raise ValueError(f"{fn}: `residual_gain` must be finite; got {residual_gain!r}.")
        if not residual and residual_gain != 0.0:
            raise ValueError(
                f"{fn}: `residual_gain` {residual_gain!r} needs residual=True (it scales the "
                "branch added to bicubic)."
            )
        arch = validation.check_choice(fn, "arch", arch, tuple(_SR_DEFAULT_UPSAMPLER))
        if not isinstance(scale, int) or isinstance(scale, bool) or scale < 1:
            raise ValueError(f"{fn}: `scale` must be a positive int; got {scale!r}.")
        name = _SR_DEFAULT_UPSAMPLER[arch] if upsampler is None else upsampler
        if (pair := methods.get_method(name, "up").pair) is not None:
            raise ValueError(
                f"{fn}: upsampler {name!r} needs the {pair.side} of a paired downsampler; SRNet "
                "has none."
            )
        self.arch = arch
        self.scale = scale
        self.residual = residual
        c = channels
        self.upsample_first = arch == "srcnn"
        if arch == "srcnn":
            self.upsampler = methods.make_upsampler(name, c, c, scale, rngs=rngs)
            self.body = nnx.List(
                [_conv(c, 64, 9, 2, rngs), _conv(64, 32, 1, 2, rngs), _conv(32, c, 5, 2, rngs)]
            )
            self.activations = nnx.List([_ReLU(), _ReLU()])
        elif arch == "fsrcnn":
            d, s, m = 56, 12, 4
            layers = [_conv(c, d, 5, 2, rngs), _conv(d, s, 1, 2, rngs)]
            layers += [_conv(s, s, 3, 2, rngs) for _ in range(m)]
            layers += [_conv(s, d, 1, 2, rngs)]
            self.body = nnx.List(layers)
            self.activations = nnx.List([nnx.PReLU(0.25) for _ in layers])
            # A k x k transposed conv with stride s is a ceil(k / s)-wide sub-pixel conv (Shi et
            # al. 2016, sec. 2.2); a 9x9 sub-pixel window would cost (9 / 3)^2 = 9x the weights.
            k = {"conv_transpose": 9, "pixel_shuffle": -(-9 // scale)}.get(name, 3)
            self.upsampler = methods.make_upsampler(name, d, c, scale, kernel_size=k, rngs=rngs)
        elif arch in ("edsr", "wdsr"):
            f = _EDSR_WIDTH
            self.head = _conv(c, f, 3, 2, rngs)
            # Each block's layers as (in, out, window); ReLU follows the first layer only.
            wide, low = _WDSR_EXPAND * f, int(_WDSR_LOW_RANK * f)
            layers = (
                [(f, f, 3), (f, f, 3)] if arch == "edsr"
                else [(f, wide, 1), (wide, low, 1), (low, f, 3)]
            )
            self.blocks = nnx.List([
                nnx.List([_conv(i, o, k, 2, rngs) for i, o, k in layers])
                for _ in range(_EDSR_BLOCKS)
            ])
            self.tail = _conv(f, f, 3, 2, rngs)
            self.upsampler = methods.make_upsampler(name, f, c, scale, kernel_size=3, rngs=rngs)
        else:
            self.body = nnx.List([_conv(c, 64, 5, 2, rngs), _conv(64, 32, 3, 2, rngs)])
            self.activations = nnx.List([_Tanh(), _Tanh()])
            self.upsampler = methods.make_upsampler(name, 32, c, scale, kernel_size=3, rngs=rngs)
        self.bicubic = rnnx.Upsample(scale, "cubic") if residual else None
        self.gain = nnx.Param(jnp.asarray(residual_gain, jnp.float32)) if residual else None

    def __call__(self, lr: jax.typing.ArrayLike) -> jax.Array:
        lr = jnp.asarray(lr)
        h = self.upsampler(lr) if self.upsample_first else lr
        if self.arch in ("edsr", "wdsr"):
            h = skip = self.head(h)
            for first, *rest in self.blocks:
                branch = jax.nn.relu(first(h))
                for layer in rest:
                    branch = layer(branch)
                h = h + branch
            h = skip + self.tail(h)
        else:
            for i, layer in enumerate(self.body):
                h = layer(h)
                if i < len(self.activations):
                    h = self.activations[i](h)
        if not self.upsample_first:
            h = self.upsampler(h)
        if self.bicubic is not None:
            h = self.gain[...].astype(h.dtype) * h + self.bicubic(lr)
        return h


class _ReLU(nnx.Module):
    def __call__(self, x: jax.Array) -> jax.Array:
        return jax.nn.relu(x)


class _Tanh(nnx.Module):
    def __call__(self, x: jax.Array) -> jax.Array:
        return jnp.tanh(x)


def _fcn_upsampler(up: str, features: int, factor: int, rank: int, rngs: nnx.Rngs) -> nnx.Module:
    if methods.get_method(up, "up").name == "conv_transpose":
        # FCN initialises its transposed convolutions to bilinear interpolation.
        return rnnx.ConvTranspose(
            features,
            features,
            (2 * factor - factor % 2,) * rank,
            (factor,) * rank,
            factor // 2,
            kernel_init=initializers.bilinear_upsample_init(factor),
            rngs=rngs,
        )
    return methods.make_upsampler(up, features, features, factor, rank=rank, rngs=rngs)


class FCN(nnx.Module):
    """Fully convolutional segmentation net with skip "score" layers: FCN-32s, -16s or -8s.

    ``(*batch, *spatial, in_features) -> (*batch, *spatial, num_classes)``. Five stages of a 3x3
    conv + ReLU and a downsampling by 2 (``down``), so the coarsest scores have stride 32; a 3x3
    conv + ReLU and a 1x1 classifier on them. ``"32s"`` upsamples those scores by 32; ``"16s"``
    upsamples by 2, adds 1x1 scores of stage 4 (stride 16), upsamples by 16; ``"8s"`` adds stage 3
    too (stride 8) and upsamples by 8. Upsampling uses ``up`` (``"conv_transpose"`` is initialised
    bilinearly, as in the paper); sizes are matched with :func:`resample_jax.match_size` (mode
    "crop_or_pad"), so any input size of at least 32 per axis works. ``net(x, rngs=...)`` hands
    a noise source to the stages that draw noise in training (``down="lps"``), as
    :class:`UNet` does; stages are numbered in call order: the five downsamplers ``0 .. 4``,
    the skip upsamplers, the final upsampler.

    Args:
      in_features: input channels.
      num_classes: output channels.
      variant: ``"32s"``, ``"16s"`` or ``"8s"``.
      widths: channels of the five stages.
      down: downsampling method name.
      up: upsampling method name.
      rank: spatial rank.
      rngs: random streams of the parameters.

    Raises:
      ValueError: a bad ``variant`` or ``widths``, an unknown method or a paired upsampler; at
        call time a batch of keys as ``rngs``.
      TypeError: at call time, ``rngs`` neither None, an ``nnx.Rngs`` nor a PRNG key.

    Example:
      >>> import jax.numpy as jnp
      >>> from flax import nnx
      >>> FCN(3, 4, variant="8s", rngs=nnx.Rngs(0))(jnp.ones((1, 37, 32, 3))).shape
      (1, 37, 32, 4)

    References:
      Long, Shelhamer & Darrell, "Fully Convolutional Networks for Semantic Segmentation", CVPR
      2015.
    """

    def __init__(
        self,
        in_features: int,
        num_classes: int,
        *,
        variant: str = "32s",
        widths: Sequence[int] = (8, 16, 32, 32, 64),
        down: str = "max_pool",
        up: str = "bilinear",
        rank: int = 2,
        rngs: nnx.Rngs,
    ):
        fn = "FCN"
        self.variant = validation.check_choice(fn, "variant", variant, ("32s", "16s", "8s"))
        widths = _check_widths(fn, widths, 5)
        if (pair := methods.get_method(up, "up").pair) is not None:
            raise ValueError(
                f"{fn}: `up` = {up!r} needs the {pair.side} of a paired downsampler at the same "
                "resolution, which FCN's skips do not have; use UNet (or SegNet)."
            )
        k = num_classes
        self.rank = rank
        self.stages = nnx.List(
            [
                _conv(c_in, w, 3, rank, rngs)
                for c_in, w in zip((in_features, *widths), widths, strict=False)
            ]
        )
        self.downs = nnx.List(
            [methods.make_downsampler(down, w, w, 2, rank=rank, rngs=rngs) for w in widths]
        )
        self.fc = _conv(widths[4], widths[4], 3, rank, rngs)
        self.score = _conv(widths[4], k, 1, rank, rngs)
        n_skips = {"32s": 0, "16s": 1, "8s": 2}[self.variant]
        self.skip_scores = nnx.List(
            [_conv(widths[3 - i], k, 1, rank, rngs) for i in range(n_skips)]
        )
        self.skip_ups = nnx.List([_fcn_upsampler(up, k, 2, rank, rngs) for _ in range(n_skips)])
        self.final_up = _fcn_upsampler(up, k, 32 // 2**n_skips, rank, rngs)

    def __call__(
        self, x: jax.typing.ArrayLike, *, rngs: nnx.Rngs | jax.Array | None = None
    ) -> jax.Array:
        """``x``: ``[*batch, *spatial, in_features]``; ``rngs``: the noise of the stages that
        draw it in training (see the class docstring)."""
        _check_rngs("FCN", rngs)
        x = jnp.asarray(x)
        h = x
        pooled = []
        for i, (conv, down) in enumerate(zip(self.stages, self.downs, strict=True)):
            h = _resample(down, jax.nn.relu(conv(h)), rngs=rngs, stage=i)
            pooled.append(h)
        s = self.score(jax.nn.relu(self.fc(h)))
        stage = len(self.downs)
        for i, (score, up) in enumerate(zip(self.skip_scores, self.skip_ups, strict=True)):
            skip = score(pooled[3 - i])
            s = skip + match_size(_resample(up, s, rngs=rngs, stage=stage + i), skip,
                                  mode="crop_or_pad", rank=self.rank)
        s = _resample(self.final_up, s, rngs=rngs, stage=stage + len(self.skip_ups))
        return match_size(s, x, mode="crop_or_pad", rank=self.rank)


class SegNet(nnx.Module):
    """SegNet: max pooling with indices on the way down, unpooling with them on the way up.

    An encoder of conv blocks and max pooling with indices, a decoder that unpools with those
    indices (no learned upsampling), conv blocks and a 3x3 classifier.

    ``(*batch, *spatial, in_features) -> (*batch, *spatial, num_classes)``; odd sizes work (each
    unpooling restores its encoder's pre-pooling size). Batch normalisation of the paper is left
    out (the nets here are tiny and train with small batches).

    Args:
      in_features: input channels.
      num_classes: output channels.
      widths: channels per encoder stage (one 2x pooling each).
      rank: spatial rank.
      rngs: random streams.

    Example:
      >>> import jax.numpy as jnp
      >>> from flax import nnx
      >>> SegNet(1, 3, widths=(4, 8), rngs=nnx.Rngs(0))(jnp.ones((1, 11, 9, 1))).shape
      (1, 11, 9, 3)

    References:
      Badrinarayanan, Kendall & Cipolla, "SegNet", TPAMI 2017.
    """

    def __init__(
        self,
        in_features: int,
        num_classes: int,
        *,
        widths: Sequence[int] = (16, 32, 64),
        rank: int = 2,
        rngs: nnx.Rngs,
    ):
        widths = _check_widths("SegNet", widths, 1)
        self.rank = rank
        self.encoders = nnx.List(
            [
                _ConvBlock(c_in, w, rank, rngs)
                for c_in, w in zip((in_features, *widths), widths, strict=False)
            ]
        )
        self.pool = rnnx.MaxPool((2,) * rank, return_indices=True)
        self.unpool = rnnx.MaxUnpool((2,) * rank)
        outs = (widths[0], *widths[:-1])
        self.decoders = nnx.List(
            [_ConvBlock(widths[i], outs[i], rank, rngs) for i in reversed(range(len(widths)))]
        )
        self.head = _conv(widths[0], num_classes, 3, rank, rngs)

    def __call__(
        self, x: jax.typing.ArrayLike, *, rngs: nnx.Rngs | jax.Array | None = None
    ) -> jax.Array:
        """``x``: ``[*batch, *spatial, in_features]``; ``rngs`` is checked and accepted so every
        segmentation net is called alike, but unused: max pooling draws no noise."""
        _check_rngs("SegNet", rngs)
        h = jnp.asarray(x)
        saved = []
        for encoder in self.encoders:
            h = encoder(h)
            size = validation.spatial_shape(h, self.rank)
            h, idx = self.pool(h)
            saved.append((idx, size))
        for decoder, (idx, size) in zip(self.decoders, reversed(saved), strict=False):
            h = decoder(self.unpool(h, idx, size))
        return self.head(h)
