"""Per-axis tap tables in NumPy, from static sizes.

Every output sample is a short weighted sum over input samples along one axis,
``y[o] = norm[o] * sum_k w[o, k] * x[lo[o] + k]``. The tables are computed in float64 (exact
rational arithmetic where a peer's result hinges on ties), once per configuration, and never
expanded into a dense (input x output) matrix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from resample_jax._src.resize.methods import KernelSpec

HALF = Fraction(1, 2)
# jax.image.resize zeroes an output whose kernel weights sum to less than this (instead of
# dividing by ~0); every convention here uses the same guard.
TINY_WEIGHT_SUM = 1000.0 * float(np.finfo(np.float32).eps)


@dataclass(frozen=True)
class Recipe:
    """How a convention resamples every axis with one method."""

    kind: str  # nearest | kernel | area | adaptive | cv_area | cv_area_up
    # ONNX coordinate_transformation_mode, or align_corners_half_pixel (PyTorch antialiased).
    coordinates: str = "half_pixel"
    nearest_mode: str | None = None  # ONNX nearest_mode, for kind "nearest"
    # How positions are computed: exact | jax | pytorch | pil | opencv | opencv_exact | tf (TF's
    # float32 ScaleAndTranslate and nearest arithmetic) | tf_cubic_table (TF's ResizeBicubic).
    arith: str = "exact"
    kernel: KernelSpec | None = None  # for kind "kernel"
    antialias: bool = False  # widen the kernel by in / out when downsampling
    border: str = "renormalize"  # renormalize (drop out-of-range taps) | clamp (edge replicate)


@dataclass(frozen=True)
class Axis:
    """One axis to resample: sizes, the input step per output sample, and the recipe."""

    n_in: int
    n_out: int
    step: Fraction  # input pixels per output pixel (in/out, or 1/scale when a scale is used)
    scale: float | None  # the user's scale factor when coordinates use it
    recipe: Recipe
    # scale_and_translate: output o samples the input at (o + 1/2 - translation) / scale (pixel j
    # spans [j, j+1]), and the outputs whose sample lies outside the input are zero; `inside`
    # says which are in, decided as jax.image does (in the floating dtype of scale and
    # translation), so a sample on the edge counts as in jax.image. Both set, or neither.
    translation: Fraction | None = None
    inside: tuple[bool, ...] | None = None


@dataclass(frozen=True)
class Taps:
    lo: np.ndarray  # (m,) first input index of each output's window (may lie outside the input)
    w: np.ndarray  # (m, K) weights on the window, before border handling
    norm: np.ndarray | None  # (m,) factor applied after the sum (None: all ones)
    pad: str  # "zeros": out-of-range taps read 0 (renormalize); "edge": they read the edge


def coordinate_step(a: Axis) -> Fraction:
    if a.recipe.coordinates in ("align_corners", "align_corners_half_pixel"):
        return Fraction(a.n_in - 1, a.n_out - 1) if a.n_out > 1 else Fraction(0)
    return a.step


def _tf_scale(a: Axis) -> np.float32:
    """TensorFlow's ``in / out`` of an axis in float32 (``CalculateResizeScale``)."""
    return np.float32(a.n_in) / np.float32(a.n_out)


def centres(a: Axis) -> list[Fraction]:
    """Exact position of each output sample in input coordinates where pixel j spans [j, j+1]."""
    m, s = a.n_out, coordinate_step(a)
    mode = a.recipe.coordinates
    if a.recipe.arith == "tf_cubic_table":
        # TF's ResizeBicubic (resize_bicubic_op.cc): the position (o + 0.5f) * scale - 0.5f in
        # float32, its fraction rounded (lrintf, half to even) to a multiple of 1/1024, the step
        # of its table of Keys weights; the kernel is then exact at that position.
        f = (np.arange(m, dtype=np.float32) + np.float32(0.5)) * _tf_scale(a) - np.float32(0.5)
        loc = np.floor(f)
        offset = np.rint((f - loc) * np.float32(1024))
        return [int(p) + Fraction(int(q), 1024) + HALF for p, q in zip(loc, offset, strict=True)]
    if a.translation is not None:
        return [(o + HALF - a.translation) * s for o in range(m)]
    if mode in ("align_corners", "asymmetric"):
        return [o * s + HALF for o in range(m)]
    if mode == "tf_half_pixel_for_nn":
        return [(o + HALF) * s + HALF for o in range(m)]
    if mode == "pytorch_half_pixel" and m == 1:
        return [HALF]
    if mode == "half_pixel_symmetric":
        # ONNX Resize (opset 19): keep the image centre fixed when out != in * scale.
        adjustment = m * s / a.n_in
        offset = Fraction(a.n_in, 2) * (1 - adjustment)
        return [offset + (o + HALF) * s for o in range(m)]
    # half_pixel, pytorch_half_pixel (m > 1), align_corners_half_pixel (PyTorch antialiased path).
    return [(o + HALF) * s for o in range(m)]


_ROUNDING = {
    "round_prefer_floor": lambda v: math.ceil(v - 1),
    "round_prefer_ceil": math.floor,
    "floor": lambda v: math.floor(v - HALF),
    "ceil": lambda v: math.ceil(v - HALF),
}


def opencv_inv_scale(a: Axis) -> float:
    """OpenCV's ``inv_scale`` of an axis, in double: the user's ``fx`` when a scale is used, else
    ``out / in``. Its step through the input is ``1 / inv_scale`` (not ``in / out``)."""
    return a.n_out / a.n_in if a.scale is None else a.scale


def nearest_indices(a: Axis) -> np.ndarray:
    n, m, r = a.n_in, a.n_out, a.recipe
    o = np.arange(m)
    if r.arith == "jax":
        # jax.image.resize: floor((o + 0.5) * in / out) in float32.
        f = (o.astype(np.float32) + np.float32(0.5)) * np.float32(n) / np.float32(m)
        idx = np.floor(f)
    elif r.arith == "tf":
        # TF's ResizeNearestNeighbor (half_pixel_centers): floorf((o + 0.5f) * (in / (float)out)),
        # the scale rounded to float32 first (not jax's order): 14 -> 23 reads pixel 6 at output
        # 11, where the exact rule (and jax) read 7.
        idx = np.floor((o.astype(np.float32) + np.float32(0.5)) * _tf_scale(a))
    elif r.arith == "pytorch":
        # PyTorch computes the scale and the source index in float32 (pytorch#34808).
        s32 = np.float32(1.0 / a.scale) if a.scale is not None else np.float32(n) / np.float32(m)
        if r.nearest_mode == "floor":  # legacy 'nearest'
            if m == n:
                idx = o
            elif m == 2 * n:
                idx = o >> 1
            else:
                idx = np.floor(o.astype(np.float32) * s32)
        else:  # 'nearest-exact': floorf((o + 0.5) * scale), the product in double
            idx = np.floor(((o + 0.5) * np.float64(s32)).astype(np.float32))
    elif r.arith == "pil":
        # Pillow's affine nearest walks the source position by repeated addition in double.
        step = float(a.step)
        pos = np.cumsum(np.concatenate([[step * 0.5], np.full(m - 1, step)]))
        idx = np.floor(pos)
    elif r.arith == "opencv":
        idx = np.floor(o * (1.0 / opencv_inv_scale(a)))
    else:
        rule = _ROUNDING[r.nearest_mode]
        idx = np.array([rule(v) for v in centres(a)])
    return np.clip(idx.astype(np.int64), 0, n - 1)


def kernel_taps(a: Axis) -> Taps:
    n, m, spec = a.n_in, a.n_out, a.recipe.kernel
    step = coordinate_step(a)
    ks = max(1.0, float(step)) if a.recipe.antialias else 1.0
    reach = Fraction(spec.radius) * Fraction(ks)
    cs = centres(a)
    lo = np.array([math.floor(c - HALF - reach) for c in cs], dtype=np.int64)
    hi = np.array([math.ceil(c - HALF + reach) for c in cs], dtype=np.int64)
    tf = a.recipe.arith == "tf"
    if tf:
        # Float32 positions may bring within reach a tap that lies just outside it exactly.
        lo, hi = lo - 1, hi + 1
    k = int((hi - lo).max()) + 1
    pil = a.recipe.arith == "pil"
    # Pillow's own double arithmetic, so that its box filter's ties fall the same way.
    c = (np.arange(m) + 0.5) * (n / m) if pil else np.array([float(v) for v in cs])
    j = lo[:, None] + np.arange(k)
    if tf:
        # TF's ScaleAndTranslate (scale_and_translate_op.cc, ComputeSpansCore) in its float32:
        # scale = out / in, sample (o + 0.5f) / scale, tap distance (j + 0.5f - sample) / kernel
        # scale. A tap exactly at the radius of a kernel with a jump there (gaussian's, at 1.5)
        # then falls inside or outside as TF's rounding decides.
        f32 = np.float32
        inv = f32(1.0 / float(f32(m) / f32(n)))
        kernel_scale = max(inv, f32(1.0)) if a.recipe.antialias else f32(1.0)
        sample = (np.arange(m, dtype=f32) + f32(0.5)) * inv
        t32 = (j.astype(f32) + f32(0.5) - sample[:, None]) * (f32(1.0) / kernel_scale)
        t = t32.astype(np.float64)
    else:
        t = ((j - c[:, None]) + 0.5) * (1.0 / ks)
    w = np.asarray(spec(t), dtype=np.float64).reshape(m, k)
    if pil:
        # Pillow only visits [int(c - support + 0.5), int(c + support + 0.5)); at a tie of its box
        # filter that range, not the filter, decides.
        support = spec.radius * ks
        first = np.trunc(c - support + 0.5)[:, None]
        stop = np.trunc(c + support + 0.5)[:, None]
        w = np.where((j >= first) & (j < stop), w, 0.0)
    return _finish(a, lo, w)


def _finish(a: Axis, lo: np.ndarray, w: np.ndarray) -> Taps:
    """Trims all-zero tap columns and computes the normalisation for the border rule."""
    n = a.n_in
    nonzero = np.flatnonzero(np.any(w != 0, axis=0))
    if nonzero.size == 0:
        nonzero = np.array([0])
    first, last = int(nonzero[0]), int(nonzero[-1])
    w = w[:, first : last + 1]
    lo = lo + first
    j = lo[:, None] + np.arange(w.shape[1])
    if a.recipe.border == "renormalize":
        total = np.where((j >= 0) & (j < n), w, 0.0).sum(axis=1)
        pad = "zeros"
    else:
        total = w.sum(axis=1)
        pad = "edge"
    safe = np.abs(total) > TINY_WEIGHT_SUM
    if a.inside is not None:
        # jax.image.scale_and_translate zeroes outputs that sample outside the input.
        safe &= np.array(a.inside, dtype=bool)
    norm = np.where(safe, 1.0 / np.where(safe, total, 1.0), 0.0)
    return Taps(lo, w, norm, pad)


def area_taps(a: Axis) -> Taps:
    """Fractional overlap of each output pixel's footprint with the input pixels (jax, TF)."""
    s = coordinate_step(a)
    cs = centres(a)
    left = [c - s / 2 for c in cs]
    right = [c + s / 2 for c in cs]
    lo = np.array([math.floor(v) for v in left], dtype=np.int64)
    hi = np.array([math.ceil(v) for v in right], dtype=np.int64)
    k = int((hi - lo).max())
    j = lo[:, None] + np.arange(k)
    lf = np.array([float(v) for v in left])[:, None]
    rf = np.array([float(v) for v in right])[:, None]
    w = np.maximum(0.0, np.minimum(rf, j + 1.0) - np.maximum(lf, j))
    return _finish(a, lo, w)


def adaptive_taps(a: Axis) -> Taps:
    """PyTorch 'area': adaptive average pooling bins [floor(o*n/m), ceil((o+1)*n/m))."""
    n, m = a.n_in, a.n_out
    o = np.arange(m)
    start = (o * n) // m
    end = ((o + 1) * n + m - 1) // m
    k = int((end - start).max())
    w = (np.arange(k)[None, :] < (end - start)[:, None]).astype(np.float64)
    return Taps(start, w, 1.0 / (end - start), "edge")


def cv_area_taps(a: Axis) -> Taps:
    """OpenCV INTER_AREA when no axis grows: fractional coverage, pieces under 1e-3 dropped."""
    n, m = a.n_in, a.n_out
    scale = 1.0 / opencv_inv_scale(a)
    lo = np.zeros(m, dtype=np.int64)
    rows = []
    for dx in range(m):
        f1 = dx * scale
        f2 = f1 + scale
        cell = min(scale, n - f1)
        s2 = min(math.floor(f2), n - 1)
        s1 = min(math.ceil(f1), s2)
        taps = [(s1 - 1, (s1 - f1) / cell)] if s1 - f1 > 1e-3 else []
        taps.extend((sx, 1.0 / cell) for sx in range(s1, s2))
        if f2 - s2 > 1e-3:
            taps.append((s2, min(min(f2 - s2, 1.0), cell) / cell))
        lo[dx] = taps[0][0]
        rows.append(taps)
    w = np.zeros((m, max(r[-1][0] - r[0][0] + 1 for r in rows)))
    for o, taps in enumerate(rows):
        for sx, wt in taps:
            w[o, sx - lo[o]] += wt
    return Taps(lo, w, None, "edge")


def cv_area_up_taps(a: Axis) -> Taps:
    """OpenCV INTER_AREA when some axis grows: two taps, fx = frac((dx+1) - (sx+1) * out/in)."""
    n, m = a.n_in, a.n_out
    inv_scale = opencv_inv_scale(a)
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
    return Taps(lo, w, None, "edge")


def taps(a: Axis) -> Taps:
    if a.recipe.kind == "nearest":
        return Taps(nearest_indices(a), np.ones((a.n_out, 1)), None, "edge")
    return {
        "kernel": kernel_taps,
        "area": area_taps,
        "adaptive": adaptive_taps,
        "cv_area": cv_area_taps,
        "cv_area_up": cv_area_up_taps,
    }[a.recipe.kind](a)
