"""Separable image resize with the conventions of jax.image, TensorFlow, PyTorch, Pillow and OpenCV.

Every output sample is a short weighted sum over input samples along one axis at a time,
``y[o] = norm[o] * sum_k w[o, k] * x[lo[o] + k]``. The tap tables (``lo``, ``w``, ``norm``) are
computed in NumPy float64 (exact rational arithmetic where a peer's result hinges on ties) from the
static sizes, once per configuration, and never expanded into a dense (input x output) matrix.

Execution per axis, chosen from the tables:
  * identity: the axis is skipped;
  * periodic: when the tap pattern repeats every ``q`` outputs while advancing ``p`` inputs (every
    rational ratio with a small denominator: integer up- and down-factors, 2/3, 3/2, ...), each of
    the ``q`` output phases is a fixed stencil of strided slices of the input, interleaved by
    stack + reshape (a plain broadcast + reshape for nearest integer upsampling). The few border
    outputs whose taps leave the input are written out as explicit rows with the border rule folded
    into their weights, so nothing is padded and XLA emits one loop fusion per axis. A custom JVP
    makes reverse mode run the transposed table in the same form (strided slices of the
    cotangent), instead of JAX's transpose of slices (one interior-padded array per tap);
  * gather: any other ratio gathers the taps. Its derivative is a custom JVP written so that
    reverse mode transposes it into a gather over a precomputed transposed tap table (for each input
    sample, the outputs and weights that touch it), so no scatter runs forward or backward.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from fractions import Fraction
from types import MappingProxyType
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from resample_jax._src import kernels as _kernels
from resample_jax._src import validation as _v
from resample_jax._src.kernels import Kernel

_FN = "resize"
_HALF = Fraction(1, 2)
# jax.image.resize zeroes an output whose kernel weights sum to less than this (instead of
# dividing by ~0); every convention here uses the same guard.
_TINY_WEIGHT_SUM = 1000.0 * float(np.finfo(np.float32).eps)
# Periodic (slice-based) execution is used up to this many output phases per axis.
_MAX_PHASES = 8


class ResizeMethodInfo(NamedTuple):
    """One row of :data:`RESIZE_METHODS`."""

    name: str
    aliases: tuple[str, ...]
    radius: float | None
    summary: str
    conventions: tuple[str, ...]


CONVENTIONS = ("jax", "tensorflow", "pytorch", "pil", "opencv")

RESIZE_METHODS: Mapping[str, ResizeMethodInfo] = MappingProxyType(
    {
        info.name: info
        for info in (
            ResizeMethodInfo(
                "nearest", (), None,
                "Nearest neighbour; the index rule is the convention's (half-pixel rounding in "
                "jax/TF/Pillow, PyTorch's and OpenCV's legacy floor(dst * in / out)).",
                CONVENTIONS,
            ),
            ResizeMethodInfo(
                "nearest-exact", ("nearest_exact",), None,
                "Nearest neighbour with half-pixel centres, floor((dst + 0.5) * in / out).",
                ("jax", "pytorch"),
            ),
            ResizeMethodInfo(
                "linear", ("bilinear", "trilinear", "triangle"), 1.0,
                "Linear interpolation (tent kernel).", CONVENTIONS,
            ),
            ResizeMethodInfo(
                "cubic", ("bicubic", "tricubic"), 2.0,
                "Keys cubic convolution; a = -0.5 (jax, TF, Pillow, PyTorch antialiased) or "
                "-0.75 (PyTorch, OpenCV); `cubic_a` overrides.",
                CONVENTIONS,
            ),
            *(
                ResizeMethodInfo(
                    f"lanczos{n}", ("lanczos",) if n == 3 else (), float(n),
                    f"Lanczos windowed sinc with {n} lobes.",
                    {2: ("jax",), 3: ("jax", "tensorflow", "pil"), 4: ("jax", "opencv"),
                     5: ("jax", "tensorflow")}[n],
                )
                for n in (2, 3, 4, 5)
            ),
            ResizeMethodInfo(
                "area", ("box",), None,
                "Pixel-area average: fractional overlap (jax, TF, OpenCV INTER_AREA), adaptive "
                "average pooling bins (PyTorch), Pillow's BOX filter.",
                CONVENTIONS,
            ),
            ResizeMethodInfo(
                "gaussian", (), 1.5,
                "Gaussian, sigma 0.5, truncated at radius 1.5 (TensorFlow's kernel).",
                ("jax", "tensorflow"),
            ),
            ResizeMethodInfo(
                "mitchell", ("mitchellcubic",), 2.0,
                "Mitchell-Netravali cubic, B = C = 1/3.", ("jax", "tensorflow"),
            ),
        )
    }
)
"""Canonical resize methods: name -> (aliases, kernel radius, summary, conventions that have it).
A :class:`Kernel` instance is accepted as ``method`` too (convention ``"jax"`` only)."""

_ALIASES = {
    **{name: name for name in RESIZE_METHODS},
    **{alias: info.name for info in RESIZE_METHODS.values() for alias in info.aliases},
}

COORDINATES = (
    "half_pixel",
    "half_pixel_symmetric",
    "pytorch_half_pixel",
    "align_corners",
    "asymmetric",
    "tf_half_pixel_for_nn",
)
NEAREST_MODES = ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")
BORDERS = ("renormalize", "clamp")

_LIBRARY = {
    "jax": "jax.image.resize",
    "tensorflow": "tf.image.resize (TF2)",
    "pytorch": "torch.nn.functional.interpolate",
    "pil": "PIL.Image.resize",
    "opencv": "cv2.resize",
}


# ----------------------------------------------------------------------------------------------
# Kernels, hashable by value so that equal configurations share one compilation.


class _KernelSpec(NamedTuple):
    name: str  # triangle | keys | lanczos | gaussian | mitchell | pil_box | user
    param: float = 0.0
    user: Kernel | None = None

    @property
    def radius(self) -> float:
        if self.name == "user":
            return float(self.user.radius)
        return {"triangle": 1.0, "keys": 2.0, "lanczos": self.param, "gaussian": 1.5,
                "mitchell": 2.0, "pil_box": 0.5}[self.name]

    def __call__(self, t: np.ndarray) -> np.ndarray:
        if self.name == "triangle":
            return _kernels.triangle(t)
        if self.name == "keys":
            return _kernels.keys_cubic(t, self.param)
        if self.name == "lanczos":
            return _kernels.lanczos(t, int(self.param))
        if self.name == "gaussian":
            return _kernels.gaussian(t, 0.5)
        if self.name == "mitchell":
            return _kernels.mitchell_netravali(t)
        if self.name == "pil_box":
            # Pillow's box filter is 1 on (-0.5, 0.5]: the mirror image of kernels.box.
            return _kernels.box(-t)
        # A user kernel may be written with jax.numpy: evaluate it eagerly even under a trace.
        with jax.ensure_compile_time_eval():
            out = self.user.fn(t)
        return np.asarray(out, dtype=np.float64)


def _method_kernel(method: str, cubic_a: float) -> _KernelSpec:
    if method == "linear":
        return _KernelSpec("triangle")
    if method == "cubic":
        return _KernelSpec("keys", cubic_a)
    if method.startswith("lanczos"):
        return _KernelSpec("lanczos", float(method[-1]))
    return _KernelSpec(method)


# ----------------------------------------------------------------------------------------------
# Per-axis configuration and tap tables (NumPy, static).


class _Axis(NamedTuple):
    n_in: int
    n_out: int
    kind: str  # nearest | kernel | area | adaptive | cv_area | cv_area_up
    coordinates: str
    step: Fraction  # input pixels per output pixel (in/out, or 1/scale when a scale is used)
    scale: float | None  # the user's scale factor when coordinates use it
    nearest_mode: str
    arith: str  # how nearest indices are computed: exact | jax | pytorch | pil | opencv
    kernel: _KernelSpec | None
    antialias: bool
    border: str


class _Taps(NamedTuple):
    lo: np.ndarray  # (m,) first input index of each output's window (may lie outside the input)
    w: np.ndarray  # (m, K) weights on the window, before border handling
    norm: np.ndarray | None  # (m,) factor applied after the sum (None: all ones)
    pad: str  # "zeros": out-of-range taps read 0 (renormalize); "edge": they read the edge


def _coordinate_step(a: _Axis) -> Fraction:
    if a.coordinates in ("align_corners", "align_corners_half_pixel"):
        return Fraction(a.n_in - 1, a.n_out - 1) if a.n_out > 1 else Fraction(0)
    return a.step


def _centres(a: _Axis) -> list[Fraction]:
    """Exact position of each output sample in input coordinates where pixel j spans [j, j+1]."""
    m, s = a.n_out, _coordinate_step(a)
    mode = a.coordinates
    if mode == "align_corners":
        return [o * s + _HALF for o in range(m)]
    if mode == "asymmetric":
        return [o * s + _HALF for o in range(m)]
    if mode == "tf_half_pixel_for_nn":
        return [(o + _HALF) * s + _HALF for o in range(m)]
    if mode == "pytorch_half_pixel" and m == 1:
        return [_HALF]
    if mode == "half_pixel_symmetric":
        # ONNX Resize (opset 19): keep the image centre fixed when out != in * scale.
        adjustment = m * s / a.n_in
        offset = Fraction(a.n_in, 2) * (1 - adjustment)
        return [offset + (o + _HALF) * s for o in range(m)]
    # half_pixel, pytorch_half_pixel (m > 1), align_corners_half_pixel (PyTorch antialiased path).
    return [(o + _HALF) * s for o in range(m)]


def _nearest_indices(a: _Axis) -> np.ndarray:
    n, m = a.n_in, a.n_out
    o = np.arange(m)
    if a.arith == "jax":
        # jax.image.resize: floor((o + 0.5) * in / out) in float32.
        f = (o.astype(np.float32) + np.float32(0.5)) * np.float32(n) / np.float32(m)
        idx = np.floor(f)
    elif a.arith == "pytorch":
        # PyTorch computes the scale and the source index in float32 (pytorch#34808).
        s32 = np.float32(1.0 / a.scale) if a.scale is not None else np.float32(n) / np.float32(m)
        if a.nearest_mode == "floor":  # legacy 'nearest'
            if m == n:
                idx = o
            elif m == 2 * n:
                idx = o >> 1
            else:
                idx = np.floor(o.astype(np.float32) * s32)
        else:  # 'nearest-exact': floorf((o + 0.5) * scale), the product in double
            idx = np.floor(((o + 0.5) * np.float64(s32)).astype(np.float32))
    elif a.arith == "pil":
        # Pillow's affine nearest walks the source position by repeated addition in double.
        step = float(a.step)
        pos = np.cumsum(np.concatenate([[step * 0.5], np.full(m - 1, step)]))
        idx = np.floor(pos)
    elif a.arith == "opencv":
        ifx = 1.0 / (m / n) if a.scale is None else 1.0 / a.scale
        idx = np.floor(o * ifx)
    else:
        c = _centres(a)
        rule = {
            "round_prefer_floor": lambda v: math.ceil(v - 1),
            "round_prefer_ceil": math.floor,
            "floor": lambda v: math.floor(v - _HALF),
            "ceil": lambda v: math.ceil(v - _HALF),
        }[a.nearest_mode]
        idx = np.array([rule(v) for v in c])
    return np.clip(idx.astype(np.int64), 0, n - 1)


def _kernel_taps(a: _Axis) -> _Taps:
    n, m = a.n_in, a.n_out
    spec = a.kernel
    step = _coordinate_step(a)
    ks = max(1.0, float(step)) if a.antialias else 1.0
    reach = Fraction(spec.radius) * Fraction(ks)
    centres = _centres(a)
    lo = np.array([math.floor(c - _HALF - reach) for c in centres], dtype=np.int64)
    hi = np.array([math.ceil(c - _HALF + reach) for c in centres], dtype=np.int64)
    k = int((hi - lo).max()) + 1
    if a.arith == "pil":
        # Pillow's own double arithmetic, so that its box filter's ties fall the same way.
        c = (np.arange(m) + 0.5) * (n / m)
    else:
        c = np.array([float(v) for v in centres])
    j = lo[:, None] + np.arange(k)
    t = ((j - c[:, None]) + 0.5) * (1.0 / ks)
    w = np.asarray(spec(t), dtype=np.float64).reshape(m, k)
    if a.arith == "pil":
        # Pillow only visits [int(c - support + 0.5), int(c + support + 0.5)); at a tie of its box
        # filter that range, not the filter, decides.
        support = spec.radius * ks
        first = np.trunc(c - support + 0.5)[:, None]
        stop = np.trunc(c + support + 0.5)[:, None]
        w = np.where((j >= first) & (j < stop), w, 0.0)
    return _finish(a, lo, w)


def _finish(a: _Axis, lo: np.ndarray, w: np.ndarray) -> _Taps:
    """Trims all-zero tap columns and computes the normalisation for the border rule."""
    n = a.n_in
    nonzero = np.flatnonzero(np.any(w != 0, axis=0))
    if nonzero.size == 0:
        nonzero = np.array([0])
    first, last = int(nonzero[0]), int(nonzero[-1])
    w = w[:, first : last + 1]
    lo = lo + first
    j = lo[:, None] + np.arange(w.shape[1])
    if a.border == "renormalize":
        total = np.where((j >= 0) & (j < n), w, 0.0).sum(axis=1)
        pad = "zeros"
    else:
        total = w.sum(axis=1)
        pad = "edge"
    safe = np.abs(total) > _TINY_WEIGHT_SUM
    norm = np.where(safe, 1.0 / np.where(safe, total, 1.0), 0.0)
    return _Taps(lo, w, norm, pad)


def _area_taps(a: _Axis) -> _Taps:
    """Fractional overlap of each output pixel's footprint with the input pixels (jax, TF)."""
    s = _coordinate_step(a)
    centres = _centres(a)
    left = [c - s / 2 for c in centres]
    right = [c + s / 2 for c in centres]
    lo = np.array([math.floor(v) for v in left], dtype=np.int64)
    hi = np.array([math.ceil(v) for v in right], dtype=np.int64)
    k = int((hi - lo).max())
    j = lo[:, None] + np.arange(k)
    lf = np.array([float(v) for v in left])[:, None]
    rf = np.array([float(v) for v in right])[:, None]
    w = np.maximum(0.0, np.minimum(rf, j + 1.0) - np.maximum(lf, j))
    return _finish(a, lo, w)


def _adaptive_taps(a: _Axis) -> _Taps:
    """PyTorch 'area': adaptive average pooling bins [floor(o*n/m), ceil((o+1)*n/m))."""
    n, m = a.n_in, a.n_out
    o = np.arange(m)
    start = (o * n) // m
    end = ((o + 1) * n + m - 1) // m
    k = int((end - start).max())
    w = (np.arange(k)[None, :] < (end - start)[:, None]).astype(np.float64)
    return _Taps(start, w, 1.0 / (end - start), "edge")


def _cv_area_taps(a: _Axis) -> _Taps:
    """OpenCV INTER_AREA when no axis grows: fractional coverage, pieces under 1e-3 dropped."""
    n, m = a.n_in, a.n_out
    scale = 1.0 / (m / n)
    rows = []
    for dx in range(m):
        f1 = dx * scale
        f2 = f1 + scale
        cell = min(scale, n - f1)
        s1, s2 = math.ceil(f1), math.floor(f2)
        s2 = min(s2, n - 1)
        s1 = min(s1, s2)
        taps = []
        if s1 - f1 > 1e-3:
            taps.append((s1 - 1, (s1 - f1) / cell))
        taps.extend((sx, 1.0 / cell) for sx in range(s1, s2))
        if f2 - s2 > 1e-3:
            taps.append((s2, min(min(f2 - s2, 1.0), cell) / cell))
        rows.append(taps)
    lo = np.array([r[0][0] for r in rows], dtype=np.int64)
    k = max(r[-1][0] - r[0][0] + 1 for r in rows)
    w = np.zeros((m, k))
    for o, taps in enumerate(rows):
        for sx, wt in taps:
            w[o, sx - lo[o]] += wt
    return _Taps(lo, w, None, "edge")


def _cv_area_up_taps(a: _Axis) -> _Taps:
    """OpenCV INTER_AREA when some axis grows: two taps, fx = frac((dx+1) - (sx+1) * out/in)."""
    n, m = a.n_in, a.n_out
    inv_scale = m / n
    scale = 1.0 / inv_scale
    lo = np.zeros(m, dtype=np.int64)
    w = np.zeros((m, 2))
    for dx in range(m):
        sx = math.floor(dx * scale)
        fx = float(np.float32((dx + 1) - (sx + 1) * inv_scale))
        fx = 0.0 if fx <= 0 else fx - math.floor(fx)
        if sx < 0:
            sx, fx = 0, 0.0
        if sx >= n - 1:
            sx, fx = n - 1, 0.0
        lo[dx] = sx
        w[dx] = (1.0 - fx, fx)
    return _Taps(lo, w, None, "edge")


def _taps(a: _Axis) -> _Taps:
    if a.kind == "nearest":
        return _Taps(_nearest_indices(a), np.ones((a.n_out, 1)), None, "edge")
    return {
        "kernel": _kernel_taps,
        "area": _area_taps,
        "adaptive": _adaptive_taps,
        "cv_area": _cv_area_taps,
        "cv_area_up": _cv_area_up_taps,
    }[a.kind](a)


# ----------------------------------------------------------------------------------------------
# Execution plans per axis.


class _Identity(NamedTuple):
    pass


class _Periodic(NamedTuple):
    p: int  # input advance per period
    q: int  # outputs per period (phases)
    lo: tuple[int, ...]  # window start of each phase in the first period
    w: tuple[tuple[float, ...], ...]  # (q, K) weights per phase
    norm: np.ndarray | None
    pad: str
    m: int


class _Gather(NamedTuple):
    idx: np.ndarray  # (m, K) int32, in range
    w: np.ndarray  # (m, K) effective weights
    idx_t: np.ndarray  # (n, F) outputs that read each input
    w_t: np.ndarray  # (n, F)
    unit: bool  # all forward weights are 1 (nearest): skip the multiply


class _Banded(NamedTuple):
    """A per-axis linear map, every input index in range (borders resolved into the weights).

    Outputs ``[start, start + q * periods)`` repeat every ``q`` outputs while advancing ``p``
    inputs: phase ``r`` is ``sum_t w[r][t] * x[lo[r] + t + p * b]``, a few strided slices with no
    pad. The rows before and after that interior (``head``, ``tail``) are written out as weighted
    sums of single samples, so that neither the map nor its transpose pads or renormalises.
    """

    p: int
    q: int
    start: int
    periods: int
    lo: tuple[int, ...]
    w: tuple[tuple[float, ...], ...]
    head: tuple[tuple[tuple[int, float], ...], ...]
    tail: tuple[tuple[tuple[int, float], ...], ...]


class _PeriodicPair(NamedTuple):
    fwd: _Banded
    bwd: _Banded  # the transpose, run by reverse mode


def _banded(idx: np.ndarray, w: np.ndarray, p: int, q: int) -> _Banded:
    """Splits the rows of an in-range tap table into a periodic interior and explicit borders."""
    rows = []
    for o in range(idx.shape[0]):
        acc: dict[int, float] = {}
        for i, wt in zip(idx[o].tolist(), w[o].tolist(), strict=True):
            if wt != 0.0:
                acc[i] = acc.get(i, 0.0) + wt
        if acc:
            first, last = min(acc), max(acc)
            rows.append((first, tuple(acc.get(i, 0.0) for i in range(first, last + 1))))
        else:
            rows.append((None, ()))
    scale = max(float(np.abs(w).max()) if w.size else 0.0, 1.0)

    def repeats(o: int) -> bool:
        (a, wa), (b, wb) = rows[o - q], rows[o]
        return (a is not None and b is not None and b == a + p and len(wa) == len(wb)
                and np.allclose(wa, wb, rtol=0.0, atol=1e-12 * scale))

    # The longest run of outputs that repeat the output one period earlier.
    best, run_start = (0, 0), None
    for o in range(q, len(rows) + 1):
        if o < len(rows) and repeats(o):
            run_start = o if run_start is None else run_start
        elif run_start is not None:
            best = max(best, (o - run_start, run_start), key=lambda v: v[0])
            run_start = None
    length, first_repeat = best
    if length == 0:
        start, periods = 0, 0
    else:
        start = first_repeat - q
        periods = (length + q) // q
    k = max((len(rows[start + r][1]) for r in range(q)), default=0) if periods else 0
    lo = tuple(rows[start + r][0] for r in range(q)) if periods else ()
    wt = tuple(rows[start + r][1] + (0.0,) * (k - len(rows[start + r][1])) for r in range(q)) \
        if periods else ()

    def explicit(sel: range) -> tuple[tuple[tuple[int, float], ...], ...]:
        return tuple(
            tuple((rows[o][0] + t, v) for t, v in enumerate(rows[o][1]) if v != 0.0) for o in sel
        )

    return _Banded(p, q, start, periods, lo, wt, explicit(range(start)),
                   explicit(range(start + q * periods, len(rows))))


def _gather_tables(t: _Taps, n: int) -> tuple[np.ndarray, np.ndarray]:
    m, k = t.w.shape
    j = t.lo[:, None] + np.arange(k)
    w = t.w if t.norm is None else t.w * t.norm[:, None]
    if t.pad == "zeros":
        w = np.where((j >= 0) & (j < n), w, 0.0)
    return np.clip(j, 0, n - 1), w


def _transpose_tables(idx: np.ndarray, w: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """For each input index, the (output, weight) pairs that read it, padded to a common fan-in."""
    m = idx.shape[0]
    out = np.repeat(np.arange(m), idx.shape[1])
    key = idx.ravel() * m + out
    keep = w.ravel() != 0
    key, inverse = np.unique(key[keep], return_inverse=True)
    weight = np.bincount(inverse, weights=w.ravel()[keep], minlength=key.size)
    src, dst = key // m, key % m
    counts = np.bincount(src, minlength=n)
    fan_in = max(int(counts.max()) if counts.size else 0, 1)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    slot = np.arange(key.size) - first[src]
    idx_t = np.zeros((n, fan_in), np.int32)
    w_t = np.zeros((n, fan_in))
    idx_t[src, slot] = dst
    w_t[src, slot] = weight
    return idx_t, w_t


def _clamp_equivalent(t: _Taps, n: int) -> bool:
    """Whether renormalising the border rows gives the same weights as replicating the edge (true
    for linear upsampling, for instance), so that the cheaper edge-padded form can be used."""
    j = t.lo[:, None] + np.arange(t.w.shape[1])
    total = t.w.sum(axis=1)
    if np.any(np.abs(total) <= _TINY_WEIGHT_SUM):
        return False
    for r in np.flatnonzero(np.any((j < 0) | (j >= n), axis=1)):
        jr = np.clip(j[r], 0, n - 1)
        renorm = np.bincount(jr, np.where(j[r] == jr, t.w[r], 0.0) * t.norm[r], minlength=n)
        clamp = np.bincount(jr, t.w[r] / total[r], minlength=n)
        if not np.allclose(renorm, clamp, rtol=0, atol=1e-12):
            return False
    return True


def _find_period(a: _Axis, t: _Taps) -> tuple[int, int] | None:
    m = a.n_out
    step = _coordinate_step(a)
    if a.kind == "adaptive":
        step = Fraction(a.n_in, m)
    cand = step.limit_denominator(_MAX_PHASES)
    p, q = cand.numerator, cand.denominator
    if p == 0 or q > _MAX_PHASES or q > m:
        return None
    o = np.arange(m)
    r, b = o % q, o // q
    if not np.array_equal(t.lo, t.lo[r] + p * b):
        return None
    scale = max(float(np.abs(t.w).max()), 1.0)
    if not np.allclose(t.w, t.w[r], rtol=0.0, atol=1e-12 * scale):
        return None
    return p, q


@functools.lru_cache(maxsize=512)
def _axis_plan(a: _Axis) -> _Identity | _Periodic | _PeriodicPair | _Gather:
    t = _taps(a)
    n, m = a.n_in, a.n_out
    idx, w = _gather_tables(t, n)
    if m == n:
        on_diag = idx == np.arange(m)[:, None]
        if np.allclose(np.where(on_diag, w, 0.0).sum(1), 1.0, rtol=0, atol=1e-12) and np.all(
            np.abs(np.where(on_diag, 0.0, w)).sum(1) < 1e-12
        ):
            return _Identity()
    period = _find_period(a, t)
    if period is not None:
        p, q = period
        pad, norm, w_phase = t.pad, t.norm, t.w[:q]
        if pad == "zeros" and _clamp_equivalent(t, n):
            pad = "edge"
        if pad == "edge" and t.norm is not None:
            # With edge padding every row normalises by the sum of all its taps, which is periodic:
            # fold it into the phase weights and skip the extra pass over the output.
            total = w_phase.sum(axis=1, keepdims=True)
            safe = np.abs(total) > _TINY_WEIGHT_SUM
            w_phase, norm = np.where(safe, w_phase / np.where(safe, total, 1.0), 0.0), None
        if norm is not None and np.allclose(norm, 1.0, rtol=0, atol=1e-13):
            norm = None
        plan = _Periodic(
            p, q, tuple(int(v) for v in t.lo[:q]),
            tuple(tuple(float(v) for v in row) for row in w_phase), norm, pad, m,
        )
        if _is_repeat(plan):
            return plan
        idx_t, w_t = _transpose_tables(idx, w, n)
        return _PeriodicPair(_banded(idx, w, p, q), _banded(idx_t, w_t, q, p))
    idx_t, w_t = _transpose_tables(idx, w, n)
    unit = bool(np.all(w == 1.0))
    return _Gather(idx.astype(np.int32), w, idx_t, w_t, unit)


def _bshape(ndim: int, axis: int, *sizes: int) -> tuple[int, ...]:
    shape = [1] * ndim
    shape[axis : axis + 1] = sizes
    return tuple(shape)


def _apply_periodic(x: jax.Array, axis: int, plan: _Periodic) -> jax.Array:
    """Nearest integer upsampling (see :func:`_is_repeat`): repeat each sample q times."""
    n, q = x.shape[axis], plan.q
    y = jnp.broadcast_to(jnp.expand_dims(x, axis + 1), _bshape_full(x.shape, axis, q))
    y = y.reshape((*x.shape[:axis], n * q, *x.shape[axis + 1 :]))
    return lax.slice_in_dim(y, 0, plan.m, axis=axis)


def _is_repeat(plan: _Periodic) -> bool:
    """Nearest integer upsampling: each sample repeated q times (a broadcast and a reshape)."""
    return (plan.p == 1 and len(plan.w[0]) == 1 and all(v == 0 for v in plan.lo)
            and all(r[0] == 1.0 for r in plan.w))


def _weighted_rows(x: jax.Array, axis: int, rows) -> list[jax.Array]:
    out = []
    for row in rows:
        acc = None
        for i, wt in row:
            sl = lax.slice_in_dim(x, i, i + 1, axis=axis)
            term = sl if wt == 1.0 else sl * wt
            acc = term if acc is None else acc + term
        if acc is None:
            acc = jnp.zeros_like(lax.slice_in_dim(x, 0, 1, axis=axis))
        out.append(acc)
    return out


def _apply_banded(x: jax.Array, axis: int, b: _Banded) -> jax.Array:
    parts = _weighted_rows(x, axis, b.head)
    if b.periods:
        span = b.p * (b.periods - 1) + 1
        slices: dict[int, jax.Array] = {}  # phases share most of their taps: slice each start once
        phases = []
        for r in range(b.q):
            acc = None
            for tap, wt in enumerate(b.w[r]):
                if wt == 0.0:
                    continue
                first = b.lo[r] + tap
                if first not in slices:
                    slices[first] = lax.slice_in_dim(x, first, first + span, b.p, axis)
                term = slices[first] if wt == 1.0 else slices[first] * wt
                acc = term if acc is None else acc + term
            if acc is None:
                shape = list(x.shape)
                shape[axis] = b.periods
                acc = jnp.zeros(shape, x.dtype)
            phases.append(acc)
        if b.q == 1:
            parts.append(phases[0])
        else:
            y = jnp.stack(phases, axis=axis + 1)
            parts.append(y.reshape((*x.shape[:axis], b.periods * b.q, *x.shape[axis + 1 :])))
    parts += _weighted_rows(x, axis, b.tail)
    return parts[0] if len(parts) == 1 else lax.concatenate(parts, axis)


def _apply_pair(x: jax.Array, axis: int, plan: _PeriodicPair) -> jax.Array:
    """:func:`_apply_banded` with a derivative whose transpose is the banded transpose."""
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        return _apply_banded(x, axis, plan.fwd)
    m = len(plan.fwd.head) + plan.fwd.q * plan.fwd.periods + len(plan.fwd.tail)
    out_shape = (*x.shape[:axis], m, *x.shape[axis + 1 :])

    @jax.custom_jvp
    def resample(v):
        return _apply_banded(v, axis, plan.fwd)

    @resample.defjvp
    def resample_jvp(primals, tangents):
        (v,), (dv,) = primals, tangents
        # The tangent map is written as the transpose of the banded transpose, so reverse mode
        # (which transposes the tangent map) runs the banded transpose: slices, no pads.
        adjoint_t = jax.linear_transpose(
            lambda c: _apply_banded(c, axis, plan.bwd), jax.ShapeDtypeStruct(out_shape, dv.dtype)
        )
        return resample(v), adjoint_t(dv)[0]

    return resample(x)


def _bshape_full(shape: tuple[int, ...], axis: int, reps: int) -> tuple[int, ...]:
    return (*shape[: axis + 1], reps, *shape[axis + 1 :])


def _weighted_take(
    x: jax.Array, axis: int, idx: np.ndarray, w: np.ndarray, unit: bool
) -> jax.Array:
    acc = None
    for tap in range(idx.shape[1]):
        g = jnp.take(x, jnp.asarray(idx[:, tap]), axis=axis, mode="clip")
        if not unit:
            g = g * jnp.asarray(w[:, tap], x.dtype).reshape(_bshape(x.ndim, axis, idx.shape[0]))
        acc = g if acc is None else acc + g
    return acc


def _scatter_form(t: jax.Array, axis: int, idx_t: np.ndarray, w_t: np.ndarray, m: int) -> jax.Array:
    """The same linear map as the forward gather, written as a scatter-add over the transposed
    table. JAX transposes a scatter-add into a gather, so reverse mode runs a gather."""
    n, fan_in = idx_t.shape
    upd = jnp.expand_dims(t, axis + 1) * jnp.asarray(w_t, t.dtype).reshape(
        _bshape(t.ndim, axis, n, fan_in)
    )
    upd = upd.reshape((*t.shape[:axis], n * fan_in, *t.shape[axis + 1 :]))
    out_shape = (*t.shape[:axis], m, *t.shape[axis + 1 :])
    index = (slice(None),) * axis + (jnp.asarray(idx_t.ravel()),)
    return jnp.zeros(out_shape, t.dtype).at[index].add(upd)


def _apply_gather(x: jax.Array, axis: int, plan: _Gather) -> jax.Array:
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        return _weighted_take(x, axis, plan.idx, plan.w, True)
    m = plan.idx.shape[0]

    @jax.custom_jvp
    def resample(v):
        return _weighted_take(v, axis, plan.idx, plan.w, plan.unit)

    @resample.defjvp
    def resample_jvp(primals, tangents):
        (v,), (dv,) = primals, tangents
        return resample(v), _scatter_form(dv, axis, plan.idx_t, plan.w_t, m)

    return resample(x)


@functools.partial(jax.jit, static_argnames=("plan", "order"))
def _resize_core(x: jax.Array, *, plan: tuple[_Axis, ...], order: tuple[int, ...]) -> jax.Array:
    dtype = x.dtype
    floating = jnp.issubdtype(dtype, jnp.floating)
    y = x.astype(jnp.float32) if dtype in (jnp.float16, jnp.bfloat16) else x
    for i in order:
        step = _axis_plan(plan[i])
        if isinstance(step, _Identity):
            continue
        if isinstance(step, _Periodic):
            y = _apply_periodic(y, 1 + i, step)
        elif isinstance(step, _PeriodicPair):
            y = _apply_pair(y, 1 + i, step)
        else:
            y = _apply_gather(y, 1 + i, step)
    return y.astype(dtype) if floating else y


# ----------------------------------------------------------------------------------------------
# Conventions and argument resolution.


def _canonical_method(method: Any) -> str | _KernelSpec:
    if isinstance(method, Kernel):
        if not callable(method.fn):
            raise TypeError(f"{_FN}: Kernel.fn must be callable; got {method.fn!r}.")
        if not (isinstance(method.radius, (int, float)) and 0 < float(method.radius) < math.inf):
            raise ValueError(
                f"{_FN}: Kernel.radius must be a positive finite number; got {method.radius!r}."
            )
        return _KernelSpec("user", 0.0, Kernel(method.fn, float(method.radius)))
    if not isinstance(method, str):
        raise TypeError(
            f"{_FN}: `method` must be a method name or a resample_jax.Kernel; got {method!r}."
        )
    key = method.lower()
    if key not in _ALIASES:
        raise ValueError(
            f"{_FN}: unknown method {method!r}; valid names are {sorted(_ALIASES)}."
            f"{_v.suggest(key, _ALIASES)}"
        )
    return _ALIASES[key]


class _Recipe(NamedTuple):
    kind: str
    coordinates: str
    nearest_mode: str
    arith: str
    kernel: _KernelSpec | None
    antialias: bool
    border: str


def _lacks(convention: str, what: str, hint: str = "") -> ValueError:
    return ValueError(
        f"{_FN}: convention={convention!r} ({_LIBRARY[convention]}) has no {what}.{hint}"
    )


def _recipe(
    convention: str,
    method: str | _KernelSpec,
    rank: int,
    antialias: bool | None,
    align_corners: bool,
) -> _Recipe:
    """What ``convention`` does for ``method``; raises for combinations the library lacks."""
    name = method if isinstance(method, str) else "a user Kernel"
    have = RESIZE_METHODS[method].conventions if isinstance(method, str) else ("jax",)
    if convention not in have:
        others = [c for c in CONVENTIONS if c in have]
        raise _lacks(convention, f"method {name!r}", f" Conventions that have it: {others}.")
    kernel = method if isinstance(method, _KernelSpec) else None
    coords = "align_corners" if align_corners else "half_pixel"

    if convention in ("pil", "opencv") and rank != 2:
        raise _lacks(convention, f"{rank}-D resize", " It resizes 2-D images only.")
    if convention in ("tensorflow", "pil", "opencv") and align_corners:
        raise _lacks(convention, "align_corners=True", " It always uses half-pixel centres.")

    if convention == "jax":
        aa = True if antialias is None else antialias
        if method in ("nearest", "nearest-exact"):
            return _Recipe("nearest", coords, "round_prefer_ceil", "jax", None, aa, "renormalize")
        if method == "area":
            return _Recipe("area", coords, "", "exact", None, aa, "renormalize")
        kernel = kernel or _method_kernel(method, -0.5)
        return _Recipe("kernel", coords, "", "exact", kernel, aa, "renormalize")

    if convention == "tensorflow":
        aa = False if antialias is None else antialias
        if method == "nearest":
            return _Recipe("nearest", coords, "round_prefer_ceil", "exact", None, aa, "renormalize")
        if method == "area":
            return _Recipe("area", coords, "", "exact", None, aa, "renormalize")
        kernel = _method_kernel(method, -0.5)
        return _Recipe("kernel", coords, "", "exact", kernel, aa, "renormalize")

    if convention == "pytorch":
        aa = False if antialias is None else antialias
        if method == "cubic" and rank != 2:
            raise _lacks(convention, f"{rank}-D bicubic", " Bicubic is 2-D only in PyTorch.")
        if aa and (method not in ("linear", "cubic") or rank != 2):
            raise _lacks(
                convention, f"antialias=True for {rank}-D {method!r}",
                " PyTorch antialiases 2-D bilinear and bicubic only.",
            )
        if align_corners and method not in ("linear", "cubic"):
            raise _lacks(
                convention, f"align_corners=True for {method!r}",
                " PyTorch accepts align_corners for linear, bilinear, bicubic and trilinear only.",
            )
        if method == "nearest":
            return _Recipe("nearest", "asymmetric", "floor", "pytorch", None, False, "clamp")
        if method == "nearest-exact":
            return _Recipe("nearest", "half_pixel", "round_prefer_ceil", "pytorch", None, False,
                           "clamp")
        if method == "area":
            return _Recipe("adaptive", "half_pixel", "", "exact", None, False, "clamp")
        if aa:
            # The antialiased path (Pillow's algorithm): a = -0.5, renormalised at the borders; with
            # align_corners it keeps half-pixel centres but scales by (in - 1) / (out - 1).
            coords = "align_corners_half_pixel" if align_corners else "half_pixel"
            return _Recipe("kernel", coords, "", "exact", _method_kernel(method, -0.5), True,
                           "renormalize")
        return _Recipe("kernel", coords, "", "exact", _method_kernel(method, -0.75), False, "clamp")

    if convention == "pil":
        if antialias is False:
            raise _lacks(convention, "antialias=False", " Pillow always antialiases.")
        if method == "nearest":
            return _Recipe("nearest", "half_pixel", "round_prefer_ceil", "pil", None, True,
                           "renormalize")
        kernel = _KernelSpec("pil_box") if method == "area" else _method_kernel(method, -0.5)
        return _Recipe("kernel", "half_pixel", "", "pil", kernel, True, "renormalize")

    # opencv
    if antialias:
        raise _lacks(convention, "antialias=True", " OpenCV never antialiases (use 'area').")
    if method == "nearest":
        return _Recipe("nearest", "asymmetric", "floor", "opencv", None, False, "clamp")
    if method == "area":
        return _Recipe("cv_area", "half_pixel", "", "exact", None, False, "clamp")
    return _Recipe("kernel", "half_pixel", "", "exact", _method_kernel(method, -0.75), False,
                   "clamp")


def _apply_overrides(
    recipe: _Recipe,
    method: str | _KernelSpec,
    convention: str,
    align_corners: bool,
    coordinates: str | None,
    nearest_mode: str | None,
    border: str | None,
    cubic_a: float | None,
) -> _Recipe:
    r = recipe
    if coordinates is not None:
        coordinates = _v.check_choice(_FN, "coordinates", coordinates, COORDINATES)
        if align_corners and coordinates != "align_corners":
            raise ValueError(
                f"{_FN}: align_corners=True conflicts with coordinates={coordinates!r}; "
                "align_corners=True is shorthand for coordinates='align_corners'."
            )
        if r.kind not in ("nearest", "kernel", "area"):
            raise ValueError(
                f"{_FN}: `coordinates` does not apply to {method!r} under convention="
                f"{convention!r} (its bins are fixed by the sizes)."
            )
        arith = "exact" if r.kind == "nearest" else r.arith
        r = r._replace(coordinates=coordinates, arith=arith)
    if nearest_mode is not None:
        nearest_mode = _v.check_choice(_FN, "nearest_mode", nearest_mode, NEAREST_MODES)
        if r.kind != "nearest":
            raise ValueError(
                f"{_FN}: `nearest_mode` applies to method='nearest' only; got method={method!r}."
            )
        r = r._replace(nearest_mode=nearest_mode, arith="exact")
    if border is not None:
        border = _v.check_choice(_FN, "border", border, BORDERS)
        if r.kind != "kernel":
            raise ValueError(
                f"{_FN}: `border` applies to kernel methods (linear, cubic, lanczos*, gaussian, "
                f"mitchell, a Kernel); got method={method!r}."
            )
        r = r._replace(border=border)
    if cubic_a is not None:
        if isinstance(cubic_a, bool) or not isinstance(cubic_a, (int, float)):
            raise TypeError(f"{_FN}: `cubic_a` must be a real number; got {cubic_a!r}.")
        if not math.isfinite(cubic_a):
            raise ValueError(f"{_FN}: `cubic_a` must be finite; got {cubic_a!r}.")
        if method != "cubic":
            raise ValueError(f"{_FN}: `cubic_a` applies to method='cubic' only; got {method!r}.")
        r = r._replace(kernel=_KernelSpec("keys", float(cubic_a)))
    return r


def resize_options(
    size: Any = None,
    method: str | Kernel = "linear",
    *,
    scale: Any = None,
    antialias: bool | None = None,
    align_corners: bool = False,
    convention: str = "jax",
    coordinates: str | None = None,
    nearest_mode: str | None = None,
    border: str | None = None,
    cubic_a: float | None = None,
    recompute_scale: bool | None = None,
) -> tuple[int, tuple[int, ...] | None, tuple[float, ...] | None, _Recipe, bool]:
    """Every check of :func:`resize` that needs no array (modules run it at construction).

    Returns ``(rank, size, scale, recipe, recompute_scale)`` canonical: ``size`` or ``scale`` is
    None, as given.
    """
    convention = _v.check_choice(_FN, "convention", convention, CONVENTIONS)
    canon = _canonical_method(method)
    if (size is None) == (scale is None):
        raise ValueError(
            f"{_FN}: pass exactly one of `size` and `scale`; got size={size!r}, scale={scale!r}."
        )
    for flag, value in (("align_corners", align_corners), ("antialias", antialias),
                        ("recompute_scale", recompute_scale)):
        if value is not None and not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{_FN}: `{flag}` must be a bool; got {value!r}.")
    align_corners = bool(align_corners)
    out_size = scales = None
    if size is not None:
        rank = _v.rank_of(_FN, "size", size)
        out_size = _v.int_tuple(_FN, "size", size, rank, minimum=1)
    else:
        rank = _v.rank_of(_FN, "scale", scale)
        scales = _v.float_tuple(_FN, "scale", scale, rank)
    recipe = _recipe(convention, canon, rank, antialias, align_corners)
    recipe = _apply_overrides(recipe, canon, convention, align_corners, coordinates, nearest_mode,
                              border, cubic_a)
    if recompute_scale is None:
        recompute_scale = convention not in ("pytorch", "opencv")
    return rank, out_size, scales, recipe, recompute_scale


def resize(
    x: jax.typing.ArrayLike,
    size: int | tuple[int, ...] | None = None,
    method: str | Kernel = "linear",
    *,
    scale: float | tuple[float, ...] | None = None,
    antialias: bool | None = None,
    align_corners: bool = False,
    convention: str = "jax",
    coordinates: str | None = None,
    nearest_mode: str | None = None,
    border: str | None = None,
    cubic_a: float | None = None,
    recompute_scale: bool | None = None,
) -> jax.Array:
    """Resizes the spatial axes of a channels-last array, with any peer library's conventions.

    Shapes: ``[*batch, W, C] -> [*batch, W', C]``, ``[*batch, H, W, C] -> [*batch, H', W', C]``,
    ``[*batch, D, H, W, C] -> [*batch, D', H', W', C]``; the length of ``size`` (or ``scale``) sets
    the spatial rank, a bare int or float means 2-D.

    The operation is separable: each axis in turn, every output sample a weighted sum over a few
    input samples, with per-axis tap tables computed from the static sizes. It works under ``jit``,
    ``vmap`` and ``grad`` (forward and reverse mode, any order). Half-precision inputs are computed
    in float32 and cast back; integer inputs are accepted by the nearest methods and keep their
    dtype.

    ``convention`` picks a library's complete set of conventions, so one keyword reproduces it:

    ==============  ==========================================================================
    peer            exact call that reproduces it
    ==============  ==========================================================================
    jax.image       ``jax.image.resize(x, shape, m, antialias=aa)`` for m in nearest, linear,
                    cubic, lanczos3, lanczos5, area ==
                    ``resize(x, size, m, antialias=aa)`` (convention="jax", the default)
    TensorFlow 2    ``tf.image.resize(x, size, m, antialias=aa)`` for m in nearest, bilinear,
                    bicubic, area, lanczos3, lanczos5, gaussian, mitchellcubic ==
                    ``resize(x, size, m, antialias=aa, convention="tensorflow")``
    PyTorch         ``F.interpolate(t, size=s, mode=m, align_corners=ac, antialias=aa)`` for m in
                    nearest, nearest-exact, linear, bilinear, trilinear, bicubic, area ==
                    ``resize(x, s, m, align_corners=ac, antialias=aa, convention="pytorch")``;
                    ``scale_factor=f`` == ``scale=f`` (``recompute_scale_factor=True`` ==
                    ``recompute_scale=True``)
    Pillow          ``Image.fromarray(a, "F").resize((w, h), R)`` per channel, for R in NEAREST,
                    BILINEAR, BICUBIC, LANCZOS, BOX ==
                    ``resize(x, (h, w), m, convention="pil")`` with m = nearest, linear,
                    cubic, lanczos3, area
    OpenCV          ``cv2.resize(a, (w, h), interpolation=I)`` for I in INTER_NEAREST,
                    INTER_LINEAR, INTER_CUBIC, INTER_AREA, INTER_LANCZOS4 ==
                    ``resize(x, (h, w), m, convention="opencv")`` with m = nearest, linear,
                    cubic, area, lanczos4
    ==============  ==========================================================================

    What each convention implies:

    * ``"jax"``: half-pixel centres, kernel weights renormalised over the in-range taps, antialias
      on by default, Keys a = -0.5, nearest = floor((dst + 0.5) * in / out). It is also the native
      convention: every method (lanczos2/4, gaussian, mitchell, a user :class:`Kernel`) and every
      option is available under it.
    * ``"tensorflow"``: as jax, but antialias off by default; lanczos/gaussian/mitchell follow
      ``tf.image.resize``'s scale_and_translate path.
    * ``"pytorch"``: 'nearest' is the legacy floor(dst * in / out) rule in float32 (pytorch#34808),
      'nearest-exact' the half-pixel one; linear/bicubic clamp indices at the edges (edge
      replication), bicubic a = -0.75; with ``antialias=True`` the antialiased path's kernel
      (a = -0.5, renormalised); 'area' is adaptive average pooling (bins floor(o*in/out) to
      ceil((o+1)*in/out)).
    * ``"pil"``: half-pixel, always antialiased, renormalised; BOX is the box filter on (-0.5, 0.5].
    * ``"opencv"``: never antialiased; edge clamping; cubic a = -0.75; lanczos4 normalised; 'area'
      is fractional pixel coverage when no axis grows, OpenCV's two-tap rule otherwise.

    Explicit keywords override what a convention implies: ``antialias`` and ``align_corners`` are
    checked against what the library has (a combination it lacks is a ValueError naming both), while
    ``coordinates``, ``nearest_mode``, ``border`` and ``cubic_a`` are expert overrides (ONNX Resize
    names) whose result no longer claims to reproduce the peer.

    Args:
      x: input, ``[*batch, *spatial, C]``; floating for all methods, integer/bool for the nearest
        methods.
      size: output spatial size, an int (2-D square) or a tuple of 1 to 3 positive ints. Exactly one
        of ``size`` and ``scale``.
      method: a name from :data:`RESIZE_METHODS` or an alias (bilinear, trilinear, bicubic, box,
        lanczos, mitchellcubic, ...), or a :class:`Kernel` (convention "jax").
      scale: per-axis scale factors, a float (2-D) or a tuple of 1 to 3 positive floats. The output
        size is ``floor(in * scale)``, as PyTorch computes it (88 * (120 / 88) gives 119; pass
        ``size`` to be exact). Coordinates then use ``1 / scale`` as PyTorch's and ONNX's do,
        unless ``recompute_scale`` is True.
      antialias: widen the kernel by ``in / out`` when downsampling (and renormalise). Default: the
        convention's (jax True, tensorflow False, pytorch False, pil True, opencv False). No effect
        on nearest and area.
      align_corners: map the corner pixel centres onto each other, ``src = dst * (in-1)/(out-1)``.
      convention: one of "jax", "tensorflow", "pytorch", "pil", "opencv".
      coordinates: ONNX ``coordinate_transformation_mode``: "half_pixel", "half_pixel_symmetric",
        "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn".
      nearest_mode: ONNX rounding for nearest: "round_prefer_floor", "round_prefer_ceil", "floor",
        "ceil" (computed exactly, in rational arithmetic).
      border: "renormalize" (drop out-of-range taps and renormalise, jax/TF/Pillow) or "clamp"
        (clamp their indices, i.e. replicate the edge, PyTorch/OpenCV).
      cubic_a: the Keys parameter ``a`` for method "cubic".
      recompute_scale: with ``scale``, use ``in / out`` of the floored size in the coordinates
        instead of ``1 / scale`` (PyTorch's ``recompute_scale_factor=True``). Default: False for
        pytorch and opencv, True for the size-only libraries (jax, tensorflow, pil).

    Returns:
      The resized array, ``[*batch, *size, C]``, with the dtype of ``x``.

    Raises:
      ValueError: both or neither of ``size``/``scale``; a size or scale of the wrong length, or
        not positive, or an output size of 0 (``floor(in * scale) == 0``; zero-size outputs are an
        error, not an empty array); an input with a zero-size spatial axis; an unknown method,
        convention or option (with the closest valid name); a combination the chosen library lacks;
        conflicting options.
      TypeError: non-integer sizes, a non-array input, an integer input with a smoothing method.

    Example:
      >>> import jax.numpy as jnp
      >>> from resample_jax import resize
      >>> x = jnp.array([0.0, 1.0, 2.0]).reshape(3, 1)
      >>> resize(x, (6,), "linear").ravel().tolist()
      [0.0, 0.25, 0.75, 1.25, 1.75, 2.0]
      >>> resize(x, (5,), "nearest", convention="pytorch").ravel().tolist()
      [0.0, 0.0, 1.0, 1.0, 2.0]

    References:
      ONNX Resize operator, opset 19 (coordinate_transformation_mode, nearest_mode).
      Keys, "Cubic convolution interpolation for digital image processing", IEEE TASSP 1981.
      Mitchell & Netravali, "Reconstruction filters in computer graphics", SIGGRAPH 1988.
      PyTorch issues #34808 (nearest in float32), #62396 (output size from a scale); jax#7586
      (zero-size outputs), jax#15768 and pytorch#19650 (cubic a = -0.5 vs -0.75); opencv#21472
      (INTER_AREA when one axis grows).
    """
    rank, out_size, scales, recipe, recompute_scale = resize_options(
        size, method, scale=scale, antialias=antialias, align_corners=align_corners,
        convention=convention, coordinates=coordinates, nearest_mode=nearest_mode, border=border,
        cubic_a=cubic_a, recompute_scale=recompute_scale,
    )
    arr = _v.check_array(_FN, x, rank)
    in_size = _v.spatial_shape(arr, rank)
    if any(v == 0 for v in in_size):
        raise ValueError(
            f"{_FN}: `x` has an empty spatial axis (shape {tuple(arr.shape)}); there is nothing to "
            "interpolate from."
        )
    if scales is not None:
        out_size = tuple(math.floor(float(n) * s) for n, s in zip(in_size, scales, strict=True))
        if any(v < 1 for v in out_size):
            raise ValueError(
                f"{_FN}: `scale`={scale!r} gives an output size {out_size} for input size "
                f"{in_size} (floor(in * scale)); every output size must be >= 1."
            )
    if recipe.kind != "nearest" and not jnp.issubdtype(arr.dtype, jnp.floating):
        raise TypeError(
            f"{_FN}: method {method!r} needs a floating input; got dtype {arr.dtype}. Cast it, or "
            "use method='nearest' (which keeps integer dtypes)."
        )
    kinds = [recipe.kind] * rank
    if recipe.kind == "cv_area" and any(o > n for n, o in zip(in_size, out_size, strict=True)):
        kinds = ["cv_area_up"] * rank
    plan = []
    for i in range(rank):
        n, m = in_size[i], out_size[i]
        use_scale = scales is not None and not recompute_scale
        step = Fraction(1.0 / scales[i]) if use_scale else Fraction(n, m)
        arith = recipe.arith
        if arith == "jax" and use_scale:
            arith = "exact"
        plan.append(
            _Axis(n, m, kinds[i], recipe.coordinates, step, scales[i] if use_scale else None,
                  recipe.nearest_mode, arith, recipe.kernel, bool(recipe.antialias), recipe.border)
        )
    # Shrink first, grow last: the intermediate arrays stay small.
    order = tuple(sorted(range(rank), key=lambda i: out_size[i] / in_size[i]))
    flat, batch = _v.flatten_batch(arr, rank)
    y = _resize_core(flat, plan=tuple(plan), order=order)
    return _v.unflatten_batch(y, batch)
