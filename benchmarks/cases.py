"""The benchmark cases: each resample_jax op, the peers that compute the same thing, shared inputs.

A case is one op at one size, dtype and mode (``fwd``, or ``fwd+bwd``: the output and the VJP of a
fixed random cotangent with respect to every differentiable input). Every contender of a case gets
the same input values: JAX contenders the arrays themselves, PyTorch contenders copies in
``torch.channels_last`` layout (kernels in PyTorch's ``(C_in, C_out, kH, kW)`` layout). A contender
whose values are not expected to equal ours carries the reason (``differs``); all others are
checked against resample_jax on the benchmark inputs themselves.

Roles: ``ours`` is resample_jax; ``peer`` is another library or a reference formulation of the same
computation (the fastest peer is the comparison point); ``floor`` is the memory floor, one XLA
fusion that reads the op's inputs once and writes an array of the op's output size.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import zlib
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

OURS, PEER, FLOOR = "ours", "peer", "floor"
FWD, FWD_BWD = "fwd", "fwd+bwd"
TORCH = "torch"
NUMPY = "numpy"  # backend of a contender that takes and returns NumPy arrays (scipy)
JAX_IMAGE = "jax.image.resize"


@dataclasses.dataclass(frozen=True)
class Size:
    """Input shapes of one size preset: feature maps for 2x resampling, images for downsampling."""

    feature_map: tuple[int, int, int, int]
    image: tuple[int, int, int, int]
    image_out: int


SIZES: dict[str, Size] = {
    "small": Size(feature_map=(8, 64, 64, 64), image=(16, 224, 224, 3), image_out=112),
    "large": Size(feature_map=(8, 256, 256, 64), image=(1, 1024, 1024, 3), image_out=256),
    # For the smoke test: every case, every contender, in well under a second each.
    "tiny": Size(feature_map=(2, 8, 8, 8), image=(2, 16, 16, 3), image_out=8),
}

DTYPES: dict[str, Any] = {"float32": jnp.float32, "bfloat16": jnp.bfloat16}


@dataclasses.dataclass(frozen=True)
class Contender:
    """One implementation timed on a case.

    ``fn`` takes the case's arguments in order: JAX arrays for ``backend="jax"``, torch tensors for
    ``backend="torch"``, and returns the forward output.
    """

    name: str
    role: str
    fn: Callable[..., Any]
    backend: str = "jax"
    differs: str | None = None


@dataclasses.dataclass
class Problem:
    """The inputs of a case and its contenders (forward functions; the runner derives fwd+bwd)."""

    args: tuple[np.ndarray, ...]
    kinds: tuple[str, ...]  # per argument: "image" (NHWC), "kernel" (*window, in, out), "index"
    diff: tuple[int, ...]  # arguments differentiated in fwd+bwd mode
    out_shape: tuple[int, ...]
    contenders: list[Contender]


@dataclasses.dataclass(frozen=True)
class Op:
    name: str
    family: str
    modes: tuple[str, ...]
    bandwidth_bound: bool  # reported as a fraction of peak memory bandwidth on a GPU
    ours: tuple[str, str]  # (module in resample_jax/_src, public name)
    build: Callable[[Callable, Size, Any, np.random.Generator], Problem]
    label: str


@dataclasses.dataclass(frozen=True)
class CaseSpec:
    op: Op
    size: str
    dtype: str
    mode: str

    @property
    def key(self) -> str:
        return f"{self.op.name}/{self.mode}/{self.size}/{self.dtype}"


def resolve_ours(module: str, name: str) -> tuple[Callable | None, str | None]:
    """The public resample_jax function, or (None, why not) while it does not exist yet."""
    try:
        import resample_jax

        fn = getattr(resample_jax, name, None)
        if fn is None:
            fn = getattr(importlib.import_module(f"resample_jax._src.{module}"), name, None)
    except Exception as e:  # a module being written may not import yet: report, do not crash
        return None, f"resample_jax.{name} does not import ({type(e).__name__}: {e})"
    if fn is None:
        return None, f"resample_jax has no `{name}` yet"
    return fn, None


# --- the memory floor -----------------------------------------------------------------------------


def copy_floor(x: jax.Array, out_shape: tuple[int, ...]) -> jax.Array:
    """Reads ``x`` once and writes an array of ``out_shape``: the least any resampling op can do.

    Larger outputs broadcast the flat input (one fusion, no intermediate); smaller ones reduce
    contiguous groups so the whole input is still read. The negation keeps XLA from forwarding
    the input buffer instead of writing an output.
    """
    n, m = x.size, math.prod(out_shape)
    flat = x.reshape(-1)
    if m >= n:
        y = jnp.broadcast_to(flat, (-(-m // n), n)).reshape(-1)[:m]
    else:
        g = n // m
        y = flat[: m * g].reshape(m, g).max(axis=1)
    return (-y).reshape(out_shape)


# --- input generators -----------------------------------------------------------------------------


def _normal(rng: np.random.Generator, shape, dtype) -> np.ndarray:
    return rng.standard_normal(shape, dtype=np.float32).astype(dtype)


def _planted_windows(rng: np.random.Generator, shape, dtype) -> np.ndarray:
    """Values in [0, 0.5) with one 1.x per 2x2 window: a unique max even in bfloat16.

    Tied maxima would make the max-pool gradient of each library route differently (first winner vs
    split), which is a convention and not an error; unique winners make every peer comparable.
    """
    n, h, w, c = shape
    x = rng.uniform(0.0, 0.5, size=shape).astype(np.float32)
    pick = rng.integers(0, 4, size=(n, h // 2, w // 2, c))
    blocks = x.reshape(n, h // 2, 2, w // 2, 2, c).transpose(0, 1, 3, 5, 2, 4).reshape(-1, 4)
    blocks[np.arange(blocks.shape[0]), pick.reshape(-1)] += 1.0
    x = blocks.reshape(n, h // 2, w // 2, c, 2, 2).transpose(0, 1, 4, 2, 5, 3).reshape(shape)
    return x.astype(dtype)


def _unpool_indices(rng: np.random.Generator, pooled_shape, out_hw) -> np.ndarray:
    """PyTorch-style indices of 2x2 / stride-2 pooling: flat ``h * W + w`` of a random cell."""
    n, h, w, c = pooled_shape
    di = rng.integers(0, 2, size=pooled_shape)
    dj = rng.integers(0, 2, size=pooled_shape)
    rows = 2 * np.arange(h).reshape(1, h, 1, 1) + di
    cols = 2 * np.arange(w).reshape(1, 1, w, 1) + dj
    return (rows * out_hw[1] + cols).astype(np.int32)


# --- PyTorch contenders ---------------------------------------------------------------------------


def _torch_f():
    import torch.nn.functional as F

    return F


def _torch_resize(mode: str, size: tuple[int, int], antialias: bool):
    def f(x):
        F = _torch_f()
        kwargs = {} if mode == "nearest-exact" else {"align_corners": False}
        return F.interpolate(x, size=size, mode=mode, antialias=antialias, **kwargs)

    return f


# --- resize ---------------------------------------------------------------------------------------

_TORCH_MODE = {"linear": "bilinear", "cubic": "bicubic", "nearest": "nearest-exact"}


def _resize_up(method: str, torch_differs: str | None = None):
    def build(ours, size: Size, dtype, rng) -> Problem:
        n, h, w, c = size.feature_map
        out = (n, 2 * h, 2 * w, c)
        x = _normal(rng, size.feature_map, dtype)
        contenders = [
            Contender("resample_jax", OURS, lambda x: ours(x, (2 * h, 2 * w), method)),
            Contender(JAX_IMAGE, PEER, lambda x: jax.image.resize(x, out, method)),
            Contender(
                TORCH,
                PEER,
                _torch_resize(_TORCH_MODE[method], (2 * h, 2 * w), False),
                backend="torch",
                differs=torch_differs,
            ),
        ]
        if method == "nearest":
            contenders.append(
                Contender("jnp.repeat", PEER, lambda x: jnp.repeat(jnp.repeat(x, 2, 1), 2, 2))
            )
        return Problem((x,), ("image",), (0,), out, contenders)

    return build


def _resize_aa_down(method: str):
    def build(ours, size: Size, dtype, rng) -> Problem:
        n, h, w, c = size.image
        s = size.image_out
        out = (n, s, s, c)
        # Images live in [0, 1]; the values do not change the speed but keep bfloat16 errors small.
        x = rng.uniform(0.0, 1.0, size=size.image).astype(np.float32).astype(dtype)
        contenders = [
            Contender("resample_jax", OURS, lambda x: ours(x, (s, s), method, antialias=True)),
            Contender(JAX_IMAGE, PEER, lambda x: jax.image.resize(x, out, method, antialias=True)),
        ]
        if method in _TORCH_MODE:  # torch has no lanczos mode
            contenders.append(
                Contender(
                    TORCH, PEER, _torch_resize(_TORCH_MODE[method], (s, s), True), backend="torch"
                )
            )
        return Problem((x,), ("image",), (0,), out, contenders)

    return build


# --- shuffling ------------------------------------------------------------------------------------

_CRD = "torch uses the CRD channel order (resample_jax default: DCR, as dm-pix / TF)"


def _shuffle(up: bool):
    """pixel_shuffle (``up``) or pixel_unshuffle by 2, beside dm-pix and torch."""

    def build(ours, size: Size, dtype, rng) -> Problem:
        n, h, w, c = size.feature_map
        x = _normal(rng, size.feature_map, dtype)
        pix_name = "depth_to_space" if up else "space_to_depth"

        def pix(x, factor):
            # Imported when timed, so a machine without dm-pix records that peer as an error
            # instead of stopping the suite (the GPU image has no dm-pix).
            return getattr(importlib.import_module("dm_pix"), pix_name)(x, factor)

        torch_name = "pixel_shuffle" if up else "pixel_unshuffle"
        contenders = [
            Contender("resample_jax", OURS, lambda x: ours(x, 2)),
            Contender("dm-pix", PEER, lambda x: pix(x, 2)),
            Contender(TORCH, PEER, lambda x: getattr(_torch_f(), torch_name)(x, 2), "torch", _CRD),
        ]
        out = (n, 2 * h, 2 * w, c // 4) if up else (n, h // 2, w // 2, 4 * c)
        return Problem((x,), ("image",), (0,), out, contenders)

    return build


def _bed_of_nails(ours, size: Size, dtype, rng) -> Problem:
    n, h, w, c = size.feature_map
    out = (n, 2 * h, 2 * w, c)
    x = _normal(rng, size.feature_map, dtype)

    def interior_pad(x):
        zero = jnp.zeros((), x.dtype)
        return lax.pad(x, zero, ((0, 0, 0), (0, 1, 1), (0, 1, 1), (0, 0, 0)))

    def torch_nails(x):
        import torch

        y = torch.empty((n, c, 2 * h, 2 * w), dtype=x.dtype, memory_format=torch.channels_last)
        y.zero_()
        y[:, :, ::2, ::2] = x
        return y

    contenders = [
        Contender("resample_jax", OURS, lambda x: ours(x, 2)),
        Contender("lax.pad", PEER, interior_pad),
        Contender("scatter", PEER, lambda x: jnp.zeros(out, x.dtype).at[:, ::2, ::2].set(x)),
        Contender(TORCH, PEER, torch_nails, backend="torch"),
    ]
    return Problem((x,), ("image",), (0,), out, contenders)


# --- pooling --------------------------------------------------------------------------------------


def _max_pool(ours, size: Size, dtype, rng) -> Problem:
    from flax import nnx

    n, h, w, c = size.feature_map
    x = _planted_windows(rng, size.feature_map, dtype)

    def reshape_max(x):
        return x.reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))

    def reduce_window(x):
        # A literal -inf init lets lax recognise the max monoid (reduce_window_max, differentiable
        # through select_and_scatter_add); an array init gives a generic reducer with no VJP.
        return lax.reduce_window(x, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")

    contenders = [
        Contender("resample_jax", OURS, lambda x: ours(x, (2, 2))),
        Contender("reshape+max", PEER, reshape_max),
        Contender("lax.reduce_window", PEER, reduce_window),
        Contender("flax.nnx.max_pool", PEER, lambda x: nnx.max_pool(x, (2, 2), strides=(2, 2))),
        Contender(TORCH, PEER, lambda x: _torch_f().max_pool2d(x, 2), backend="torch"),
    ]
    return Problem((x,), ("image",), (0,), (n, h // 2, w // 2, c), contenders)


def _max_unpool(ours, size: Size, dtype, rng) -> Problem:
    n, h, w, c = size.feature_map
    out_hw = (2 * h, 2 * w)
    out = (n, *out_hw, c)
    x = _normal(rng, size.feature_map, dtype)
    idx = _unpool_indices(rng, size.feature_map, out_hw)

    def scatter(x, idx):
        rows = lax.broadcasted_iota(jnp.int32, (n, 1, 1), 0)
        chans = lax.broadcasted_iota(jnp.int32, (1, 1, c), 2)
        y = jnp.zeros((n, out_hw[0] * out_hw[1], c), x.dtype)
        y = y.at[rows, idx.reshape(n, h * w, c), chans].set(x.reshape(n, h * w, c))
        return y.reshape(out)

    contenders = [
        Contender("resample_jax", OURS, lambda x, idx: ours(x, idx, out_hw)),
        Contender("scatter", PEER, scatter),
        Contender(
            TORCH,
            PEER,
            lambda x, idx: _torch_f().max_unpool2d(x, idx, 2, output_size=out_hw),
            backend="torch",
        ),
    ]
    return Problem((x, idx), ("image", "index"), (0,), out, contenders)


# --- transposed convolution -----------------------------------------------------------------------


def _conv_transpose(ours, size: Size, dtype, rng) -> Problem:
    n, h, w, c = size.feature_map
    x = _normal(rng, size.feature_map, dtype)
    # He-style scale keeps the output O(1), so bfloat16 comparisons stay meaningful.
    kernel = (rng.standard_normal((4, 4, c, c), dtype=np.float32) / math.sqrt(4 * c)).astype(dtype)

    def lax_transpose(x, k):
        # Kernel (kh, kw, in, out) read as HWOI with transpose_kernel=True is PyTorch's adjoint;
        # lax pads the zero-inserted input by K - 1 - p = 2 per side for PyTorch's padding 1.
        return lax.conv_transpose(
            x,
            k,
            (2, 2),
            ((2, 2), (2, 2)),
            dimension_numbers=("NHWC", "HWOI", "NHWC"),
            transpose_kernel=True,
        )

    contenders = [
        Contender("resample_jax", OURS, lambda x, k: ours(x, k, 2, 1)),
        Contender("lax.conv_transpose", PEER, lax_transpose),
        Contender(
            TORCH,
            PEER,
            lambda x, k: _torch_f().conv_transpose2d(x, k, stride=2, padding=1),
            backend="torch",
        ),
    ]
    return Problem((x, kernel), ("image", "kernel"), (0, 1), (n, 2 * h, 2 * w, c), contenders)


def _conv3x3(ours, size: Size, dtype, rng) -> Problem:
    """A stride-1 3x3 convolution C -> 2C: at the large size its im2col tangents (1.1 GiB of
    columns) pass both the 256 MiB cap and the layer's own activations, so they go by batch
    chunks (``conv._batch_chunk``)."""
    n, h, w, c = size.feature_map
    x = _normal(rng, size.feature_map, dtype)
    kernel = (rng.standard_normal((3, 3, c, 2 * c), dtype=np.float32) / math.sqrt(9 * c)).astype(
        dtype
    )

    def lax_conv(x, k):
        return lax.conv_general_dilated(
            x, k, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
        )

    contenders = [
        Contender("resample_jax", OURS, lambda x, k: ours(x, k, 1, "SAME")),
        Contender("lax.conv", PEER, lax_conv),
        # The suite hands kernels over as (in, out, h, w), conv_transpose2d's layout.
        Contender(
            TORCH,
            PEER,
            lambda x, k: _torch_f().conv2d(x, k.permute(1, 0, 2, 3), padding=1),
            backend="torch",
        ),
    ]
    return Problem((x, kernel), ("image", "kernel"), (0, 1), (n, h, w, 2 * c), contenders)


def _dwt(mode: str):
    """db2 in 2-D vs pywt.dwtn, called through jax.pure_callback (adds a host copy off CPU)."""

    def build(ours, size: Size, dtype, rng) -> Problem:
        from resample_jax._src.dwt import dwt_size

        n, h, w, c = size.feature_map
        out = (n, dwt_size(h, 4, mode), dwt_size(w, 4, mode), 4 * c)

        def host(x):
            bands = importlib.import_module("pywt").dwtn(
                np.asarray(x, np.float32), "db2", mode=mode, axes=(1, 2))
            return np.concatenate([bands[k] for k in ("aa", "ad", "da", "dd")], -1).astype(x.dtype)

        peer = lambda x: jax.pure_callback(host, jax.ShapeDtypeStruct(out, x.dtype), x)  # noqa: E731
        contenders = [Contender("resample_jax", OURS, lambda x: ours(x, "db2", mode=mode)),
                      Contender("pywt.dwtn", PEER, peer)]
        return Problem((_normal(rng, size.feature_map, dtype),), ("image",), (0,), out, contenders)

    return build


def _fft_resize(ours, size: Size, dtype, rng) -> Problem:
    import os

    import scipy.fft
    import scipy.signal

    n, h, w, c = size.feature_map
    x = _normal(rng, size.feature_map, dtype)

    def scipy_resample(x):
        with scipy.fft.set_workers(os.cpu_count() or 1):
            y = scipy.signal.resample(x.astype(np.float32), 2 * h, axis=1)
            return scipy.signal.resample(y, 2 * w, axis=2)

    contenders = [
        Contender("resample_jax", OURS, lambda x: ours(x, (2 * h, 2 * w))),
        Contender("scipy.signal.resample", PEER, scipy_resample, NUMPY),
    ]
    return Problem((x,), ("image",), (0,), (n, 2 * h, 2 * w, c), contenders)


def _resample_poly(ours, size: Size, dtype, rng) -> Problem:
    """3/2 rational upsampling along H and W, Kaiser-windowed sinc (61 taps), vs scipy."""
    import scipy.signal

    n, h, w, c = size.feature_map
    x = _normal(rng, size.feature_map, dtype)

    def scipy_resample_poly(x):
        y = scipy.signal.resample_poly(x.astype(np.float32), 3, 2, axis=1)
        return scipy.signal.resample_poly(y, 3, 2, axis=2)

    out = (n, -(-3 * h // 2), -(-3 * w // 2), c)
    contenders = [
        Contender("resample_jax", OURS, lambda x: ours(x, 3, 2)),
        Contender("scipy.signal.resample_poly", PEER, scipy_resample_poly, NUMPY),
    ]
    return Problem((x,), ("image",), (0,), out, contenders)


_BICUBIC_TORCH = "torch bicubic uses Keys a=-0.75 and clamps at borders (jax.image: a=-0.5)"

# fmt: off
OPS: dict[str, Op] = {
    op.name: op
    for op in (
        Op("bilinear_up", "resize", (FWD, FWD_BWD), True, ("resize", "resize"),
           _resize_up("linear"), "bilinear 2x up"),
        Op("bicubic_up", "resize", (FWD, FWD_BWD), False, ("resize", "resize"),
           _resize_up("cubic", _BICUBIC_TORCH), "bicubic 2x up"),
        Op("nearest_up", "resize", (FWD,), True, ("resize", "resize"),
           _resize_up("nearest"), "nearest 2x up"),
        Op("linear_aa_down", "resize", (FWD,), False, ("resize", "resize"),
           _resize_aa_down("linear"), "linear antialiased down"),
        Op("cubic_aa_down", "resize", (FWD,), False, ("resize", "resize"),
           _resize_aa_down("cubic"), "cubic antialiased down"),
        Op("lanczos3_aa_down", "resize", (FWD,), False, ("resize", "resize"),
           _resize_aa_down("lanczos3"), "lanczos3 antialiased down"),
        Op("pixel_shuffle", "shuffle", (FWD,), True, ("shuffle", "pixel_shuffle"),
           _shuffle(True), "pixel shuffle 2x"),
        Op("pixel_unshuffle", "shuffle", (FWD,), True, ("shuffle", "pixel_unshuffle"),
           _shuffle(False), "pixel unshuffle 2x"),
        Op("bed_of_nails", "shuffle", (FWD,), True, ("shuffle", "bed_of_nails"),
           _bed_of_nails, "bed of nails 2x"),
        Op("max_pool", "pooling", (FWD, FWD_BWD), True, ("pooling", "max_pool"),
           _max_pool, "max pool 2x2"),
        Op("max_unpool", "unpooling", (FWD, FWD_BWD), True, ("unpooling", "max_unpool"),
           _max_unpool, "max unpool 2x2"),
        Op("conv_transpose", "conv", (FWD, FWD_BWD), False, ("conv", "conv_transpose"),
           _conv_transpose, "conv transpose k4 s2"),
        Op("conv3x3", "conv", (FWD_BWD,), False, ("conv", "strided_conv"),
           _conv3x3, "conv 3x3 C -> 2C"),
        Op("dwt_periodization", "wavelets", (FWD,), False, ("dwt", "dwt"),
           _dwt("periodization"), "dwt db2 periodization"),
        Op("dwt_symmetric", "wavelets", (FWD,), False, ("dwt", "dwt"),
           _dwt("symmetric"), "dwt db2 symmetric"),
        Op("resample_poly", "fir", (FWD,), False, ("fir", "resample_poly"),
           _resample_poly, "polyphase FIR resample 3/2 up"),
        Op("fft_resize", "spectral", (FWD,), False, ("spectral", "fft_resize"),
           _fft_resize, "FFT (periodic sinc) resize 2x up"),
    )
}
# fmt: on


def select(ops: list[str] | None, sizes: list[str], dtypes: list[str]) -> list[CaseSpec]:
    """Cases in run order; ``ops`` entries are op names or family names (all ops when None)."""
    chosen = list(OPS.values())
    if ops:
        unknown = [o for o in ops if o not in OPS and o not in {op.family for op in OPS.values()}]
        if unknown:
            valid = sorted({*OPS, *(op.family for op in OPS.values())})
            raise ValueError(f"unknown op(s) {unknown}; valid names: {valid}")
        chosen = [op for op in chosen if op.name in ops or op.family in ops]
    for name in sizes:
        if name not in SIZES:
            raise ValueError(f"unknown size {name!r}; valid sizes: {sorted(SIZES)}")
    for name in dtypes:
        if name not in DTYPES:
            raise ValueError(f"unknown dtype {name!r}; valid dtypes: {sorted(DTYPES)}")
    return [
        CaseSpec(op, size, dtype, mode)
        for size in sizes
        for dtype in dtypes
        for op in chosen
        for mode in op.modes
    ]


def rng_for(spec: CaseSpec) -> np.random.Generator:
    """The same inputs for the fwd and fwd+bwd cases of an op, different inputs across ops."""
    return np.random.default_rng(zlib.crc32(f"{spec.op.name}/{spec.size}".encode()))


def build(spec: CaseSpec) -> tuple[Problem | None, str | None]:
    """The problem of a case, or (None, why) when resample_jax does not have the op yet."""
    ours, why = resolve_ours(*spec.op.ours)
    if ours is None:
        return None, why
    dtype = DTYPES[spec.dtype]
    return spec.op.build(ours, SIZES[spec.size], dtype, rng_for(spec)), None
