"""Example configurations of every module of :mod:`resample_jax.nnx`, shared by the NNX and Linen
tests: a module is named by its class name and built from the same arguments in either API."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np

import resample_jax as rj

RNG = np.random.default_rng(0)
X = jnp.asarray(RNG.standard_normal((2, 6, 6, 4)), jnp.float32)
X_POS = jnp.abs(X) + 0.1  # lp_pool with p = 2 on positive inputs is smooth
V, IDX = rj.max_pool_with_indices(X, 2)
PHASE = jnp.array([1, 3], jnp.int32)  # one APS phase per example of X


class Case(NamedTuple):
    """A module (class name and arguments, ``rngs`` left out), its inputs and, for a
    parameter-free module, the pure function call it must equal."""

    module: str
    args: tuple
    kwargs: dict[str, Any]
    inputs: tuple
    pure: Callable[[], Any] | None = None


PARAM_FREE = [
    Case("Resize", ((4, 9), "cubic"), {}, (X,), lambda: rj.resize(X, (4, 9), "cubic")),
    Case("Resize", (None, "linear"), dict(scale=1.5, convention="pytorch", align_corners=True),
         (X,), lambda: rj.resize(X, None, "linear", scale=1.5, convention="pytorch",
                                 align_corners=True)),
    Case("Upsample", (2, "linear"), {}, (X,), lambda: rj.resize(X, (12, 12), "linear")),
    Case("Downsample", (3, "linear"), {}, (X,),
         lambda: rj.resize(X, (2, 2), "linear", antialias=True)),
    Case("MaxPool", (3, 2, 1), {}, (X,), lambda: rj.max_pool(X, 3, 2, 1)),
    Case("MaxPool", (2,), dict(return_indices=True), (X,), lambda: (V, IDX)),
    Case("AvgPool", (3, 2, 1), dict(count_include_pad=False), (X,),
         lambda: rj.avg_pool(X, 3, 2, 1, count_include_pad=False)),
    Case("LPPool", (2.0, 2), {}, (X_POS,), lambda: rj.lp_pool(X_POS, 2.0, 2)),
    Case("SoftPool", (2,), {}, (X,), lambda: rj.soft_pool(X, 2)),
    Case("AdaptiveAvgPool", ((4, 3),), {}, (X,), lambda: rj.adaptive_avg_pool(X, (4, 3))),
    Case("AdaptiveMaxPool", (4,), dict(return_indices=True), (X,),
         lambda: rj.adaptive_max_pool(X, 4, return_indices=True)),
    Case("BlurPool", (2,), dict(filter_size=5), (X,), lambda: rj.blur_pool(X, 2, filter_size=5)),
    Case("MaxBlurPool", (2,), {}, (X,), lambda: rj.max_blur_pool(X, 2)),
    Case("PixelShuffle", (2,), dict(convention="pytorch"), (X,),
         lambda: rj.pixel_shuffle(X, 2, convention="pytorch")),
    Case("PixelUnshuffle", (2,), {}, (X,), lambda: rj.pixel_unshuffle(X, 2)),
    Case("BedOfNails", (2,), dict(offset=1), (X,), lambda: rj.bed_of_nails(X, 2, offset=1)),
    Case("ResamplePoly", (3, 2), dict(padtype="edge"), (X,),
         lambda: rj.resample_poly(X, 3, 2, padtype="edge")),
    Case("FilteredActivation", (), dict(up=3, down=2, numtaps=7), (X,),
         lambda: rj.filtered_activation(X, up=3, down=2, numtaps=7)),
    Case("HaarDownsample", (), {}, (X,), lambda: rj.haar_downsample(X)),
    Case("HaarUpsample", (), {}, (X,), lambda: rj.haar_upsample(X)),
    Case("DWT", ("sym2",), dict(mode="symmetric"), (X,),
         lambda: rj.dwt(X, "sym2", mode="symmetric")),
    Case("IDWT", ("bior2.2",), {}, (X,), lambda: rj.idwt(X, "bior2.2")),
    Case("WaveletPool", (), dict(rank=2), (X,), lambda: rj.wavelet_pool(X)),
    Case("Fuse", ("concat",), {}, (X[..., :3], X[:, :5, :4]),
         lambda: rj.fuse(X[..., :3], X[:, :5, :4], mode="concat", match="crop_or_pad")),
    Case("Fuse", ("add",), dict(match="pad"), (X, X[:, :5, :4]),
         lambda: rj.fuse(X, X[:, :5, :4], mode="add", match="pad")),
    Case("MaxUnpool", (2,), {}, (V, IDX, (6, 6)), lambda: rj.max_unpool(V, IDX, (6, 6))),
    Case("ApsDownsample", (2,), dict(norm=1, return_phase=True), (X,),
         lambda: rj.aps_downsample(X, 2, norm=1, return_phase=True)),
    Case("ApsUpsample", (2,), {}, (X, PHASE), lambda: rj.aps_upsample(X, PHASE, 2)),
    Case("LearnablePolyphaseUpsample", (2,), {}, (X, jnp.eye(4)[PHASE]),
         lambda: rj.aps_upsample(X, PHASE, 2)),
    Case("FftResize", ((4, 9),), {}, (X,), lambda: rj.fft_resize(X, (4, 9))),
    Case("FftUpsample", (2,), {}, (X,), lambda: rj.fft_resize(X, (12, 12))),
    Case("FftDownsample", (4,), {}, (X,), lambda: rj.fft_resize(X, (1, 1))),
    Case("SpectralPool", (1.5,), dict(rank=2), (X,), lambda: rj.spectral_pool(X, 1.5)),
    Case("SpectralPool", (2,), dict(frequency_dropout=True, min_size=2, deterministic=True), (X,),
         lambda: rj.spectral_pool(X, 2)),
]

LEARNED = [
    Case("StridedConv", (4, 6, 3, 2, 1), dict(groups=2), (X,)),
    Case("ConvTranspose", (4, 6, 3, 2, 1), dict(output_padding=1, groups=2), (X,)),
    Case("FractionalStridedConv", (4, 3, 3, Fraction(2, 3)), {}, (X,)),
    Case("SubPixelConv", (4, 3, 2), {}, (X,)),
    Case("ResizeConv", (4, 3, 2), dict(method="linear"), (X,)),
    Case("CARAFE", (4, 2), dict(compressed_features=3, up_kernel_size=3), (X,)),
    Case("DySample", (4, 2), dict(groups=2, dyscope=True), (X,)),
    Case("LearnablePolyphaseDownsample", (4, 2), dict(hidden_features=3), (X,)),
]


def case_id(case: Case) -> str:
    return case.module + "".join(f"-{k}" for k in case.kwargs)
