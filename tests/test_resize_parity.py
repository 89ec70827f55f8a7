"""resize against the peers themselves: jax.image.resize, torch.nn.functional.interpolate, Pillow,
OpenCV, and TensorFlow's published golden values.

Cases are a hand-picked covering set (up, down, mixed, integer and non-integer factors, odd and
prime sizes, 1 -> n and n -> 1, 1-D / 2-D / 3-D, several dtypes), not a cartesian product.
"""

from __future__ import annotations

import json
from pathlib import Path

import _util
import cv2
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from resample_jax import resize

# PyTorch and OpenCV compute source coordinates in float32; on inputs of a few dozen pixels that
# moves a sample by up to ~size * 6e-8 pixels, so parity with them is to 3e-5 instead of 1e-5.
_F32_COORDS = dict(rtol=3e-5, atol=3e-5)

# Shapes (in spatial, out spatial): mixed up/down non-integer, integer 2x up, integer 2x down,
# prime sizes, 1 -> n and n -> 1, a 20-phase ratio that takes the gather path.
PAIRS_2D = [
    ((5, 7), (11, 3)),
    ((8, 8), (16, 16)),
    ((8, 8), (4, 4)),
    ((13, 5), (6, 17)),
    ((1, 4), (5, 1)),
    ((7, 9), (7, 20)),
]


def _data(rng, shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


# ---------------------------------------------------------------------------- jax.image.resize


# Each method on three of the six shape pairs (rotating), antialias alternating.
JAX_CASES = [
    (PAIRS_2D[(j + 2 * i) % len(PAIRS_2D)], method, (i + j) % 2 == 0)
    for j, method in enumerate(["nearest", "linear", "cubic", "lanczos3", "lanczos5", "area"])
    for i in range(3)
]


@pytest.mark.parametrize("pair,method,antialias", JAX_CASES)
def test_matches_jax_image_resize_2d(rng, pair, method, antialias):
    (h, w), (oh, ow) = pair
    x = _data(rng, (2, h, w, 3))
    expected = jax.image.resize(x, (2, oh, ow, 3), method, antialias=antialias)
    _util.assert_close(resize(x, (oh, ow), method, antialias=antialias), expected)


@pytest.mark.parametrize(
    "shape,size,method",
    [((7, 2), (3,), "linear"), ((5, 2), (13,), "cubic"), ((4, 5, 3, 2), (7, 2, 6), "lanczos3"),
     ((4, 5, 3, 2), (2, 9, 3), "area")],
)
def test_matches_jax_image_resize_1d_3d(rng, shape, size, method):
    x = _data(rng, (2, *shape))
    expected = jax.image.resize(x, (2, *size, shape[-1]), method)
    _util.assert_close(resize(x, size, method), expected)


@pytest.mark.parametrize(
    "dtype,method",
    [(jnp.float16, "linear"), (jnp.bfloat16, "cubic"), (jnp.bfloat16, "lanczos3")],
)
def test_half_precision_matches_jax_float32_within_dtype_tolerance(rng, dtype, method):
    x = jnp.asarray(_data(rng, (2, 9, 6, 3)), dtype)
    y = resize(x, (5, 13), method)
    assert y.dtype == dtype
    expected = jax.image.resize(x.astype(jnp.float32), (2, 5, 13, 3), method)
    _util.assert_close(y, expected, dtype)


@pytest.mark.parametrize("dtype", [np.int32, np.uint8, np.bool_])
def test_nearest_on_integers_matches_jax_exactly_and_keeps_dtype(rng, dtype):
    x = (rng.integers(0, 200, (2, 7, 5, 3)) % (2 if dtype == np.bool_ else 200)).astype(dtype)
    y = resize(x, (11, 3), "nearest")
    assert y.dtype == dtype
    np.testing.assert_array_equal(y, jax.image.resize(x, (2, 11, 3, 3), "nearest"))


# --------------------------------------------------------------------------------- PyTorch


def _torch(x, **kw):
    return _util.torch_call(F.interpolate, x, **kw)


TORCH_2D = [
    # (pair, mode, align_corners, antialias)
    (((5, 7), (11, 3)), "nearest", None, False),
    (((8, 8), (16, 16)), "nearest", None, False),
    (((13, 5), (6, 17)), "nearest", None, False),
    (((5, 7), (11, 3)), "nearest-exact", None, False),
    (((13, 5), (6, 17)), "nearest-exact", None, False),
    (((5, 7), (11, 3)), "bilinear", False, False),
    (((5, 7), (11, 3)), "bilinear", True, False),
    (((13, 9), (6, 4)), "bilinear", False, True),
    (((13, 9), (6, 4)), "bilinear", True, True),
    (((1, 4), (5, 1)), "bilinear", True, False),
    (((5, 7), (11, 3)), "bicubic", False, False),
    (((7, 9), (7, 20)), "bicubic", True, False),
    (((13, 9), (6, 4)), "bicubic", False, True),
    (((8, 8), (16, 16)), "bicubic", True, True),
    (((13, 5), (6, 17)), "area", None, False),
    (((9, 10), (4, 3)), "area", None, False),
]


@pytest.mark.parametrize("pair,mode,align_corners,antialias", TORCH_2D)
def test_matches_torch_interpolate_2d(rng, pair, mode, align_corners, antialias):
    (h, w), size = pair
    x = _data(rng, (2, h, w, 3))
    kw = dict(size=size, mode=mode, antialias=antialias)
    if align_corners is not None:
        kw["align_corners"] = align_corners
    y = resize(x, size, mode, align_corners=bool(align_corners), antialias=antialias,
               convention="pytorch")
    _util.assert_close(y, _torch(x, **kw), **_F32_COORDS)


@pytest.mark.parametrize(
    "shape,size,mode,align_corners",
    [((7, 2), (3,), "linear", False), ((5, 2), (13,), "linear", True),
     ((7, 2), (3,), "nearest", None), ((5, 2), (13,), "nearest-exact", None),
     ((5, 2), (13,), "area", None),
     ((5, 4, 3, 2), (3, 7, 2), "trilinear", False), ((5, 4, 3, 2), (3, 7, 2), "trilinear", True),
     ((5, 4, 3, 2), (3, 7, 2), "nearest", None), ((5, 4, 3, 2), (3, 7, 2), "area", None)],
)
def test_matches_torch_interpolate_1d_3d(rng, shape, size, mode, align_corners):
    x = _data(rng, (2, *shape))
    kw = dict(size=size, mode=mode)
    if align_corners is not None:
        kw["align_corners"] = align_corners
    y = resize(x, size, mode, align_corners=bool(align_corners), convention="pytorch")
    _util.assert_close(y, _torch(x, **kw), **_F32_COORDS)


@pytest.mark.parametrize(
    "hw,factor,mode,recompute",
    [((5, 7), (1.5, 2.3), "bilinear", False), ((9, 10), (0.5, 0.7), "nearest", False),
     ((9, 10), (0.5, 0.7), "bicubic", True), ((7, 7), (3.0, 3.0), "nearest-exact", False),
     ((88, 3), (120 / 88, 1.0), "nearest", False)],
)
def test_matches_torch_scale_factor(rng, hw, factor, mode, recompute):
    x = _data(rng, (1, *hw, 2))
    expected = _torch(x, scale_factor=factor, mode=mode, recompute_scale_factor=recompute)
    y = resize(x, scale=factor, method=mode, convention="pytorch", recompute_scale=recompute)
    assert y.shape == expected.shape  # 88 * (120 / 88) floors to 119, as in PyTorch
    _util.assert_close(y, expected, **_F32_COORDS)


@pytest.mark.parametrize(
    "shape,factor,mode,antialias",
    [((5, 7), (1.0001, 1.5), "bilinear", False), ((7,), (1.1,), "linear", False),
     ((5, 3, 2), (1.0, 1.2, 2.5), "trilinear", False), ((5, 7), (1.0001, 0.5), "bilinear", True),
     ((5, 7), (1.1, 1.3), "bicubic", True), ((5, 7), (1.0001, 1.5), "bicubic", False)],
)
def test_scale_factor_on_an_axis_that_keeps_its_size_matches_torch(rng, shape, factor, mode,
                                                                   antialias):
    """PyTorch's linear and antialiased kernels copy an axis whose size does not change (5 * 1.0001
    floors to 5) instead of sampling it at 1 / 1.0001; its plain bicubic does sample it."""
    x = _data(rng, (1, *shape, 2))
    expected = _torch(x, scale_factor=factor, mode=mode, antialias=antialias)
    y = resize(x, scale=factor, method=mode, antialias=antialias, convention="pytorch")
    _util.assert_close(y, expected, **_F32_COORDS)


@pytest.mark.parametrize("factor", [1.0001, 2.0001])
def test_nearest_scale_that_keeps_or_doubles_the_size_copies_as_torch_2d_and_its_gradient(
    rng, factor
):
    """PyTorch's 1-D nearest forward samples at floor(o / f) here ([0, 1, 2] at 1.0001 gives
    [0, 0, 1]), but its 2-D forward and its 1-D backward copy the axis (known_gaps): ours is
    the copy, in 1-D and in 2-D, and its gradient is PyTorch's."""
    x = _data(rng, (1, 7, 2))
    y = resize(x, scale=(factor,), method="nearest", convention="pytorch")
    expected_2d = _torch(x[:, None], scale_factor=(1.0, factor), mode="nearest")[:, 0]
    np.testing.assert_array_equal(y, expected_2d)
    np.testing.assert_array_equal(
        resize(x[:, None], scale=(1.0, factor), method="nearest", convention="pytorch")[:, 0], y)
    cot = _data(rng, y.shape)
    tx = torch.from_numpy(np.moveaxis(x, -1, 1).copy()).requires_grad_(True)
    out = F.interpolate(tx, scale_factor=factor, mode="nearest")
    (out * torch.from_numpy(np.moveaxis(cot, -1, 1).copy())).sum().backward()
    grad = jax.grad(lambda v: jnp.sum(
        resize(v, scale=(factor,), method="nearest", convention="pytorch") * cot))(x)
    _util.assert_close(grad, np.moveaxis(tx.grad.numpy(), 1, -1))
    assert not np.array_equal(np.moveaxis(out.detach().numpy(), 1, -1), y)  # the torch defect


def test_cubic_a_and_clamp_overrides_reproduce_torch_bicubic(rng):
    x = _data(rng, (1, 6, 5, 2))
    y = resize(x, (13, 3), "cubic", antialias=False, cubic_a=-0.75, border="clamp")
    _util.assert_close(y, _torch(x, size=(13, 3), mode="bicubic", align_corners=False),
                       **_F32_COORDS)


# ---------------------------------------------------------------------------------- Pillow

PIL_FILTERS = {
    "nearest": Image.Resampling.NEAREST,
    "linear": Image.Resampling.BILINEAR,
    "cubic": Image.Resampling.BICUBIC,
    "lanczos3": Image.Resampling.LANCZOS,
    "area": Image.Resampling.BOX,
    "hamming": Image.Resampling.HAMMING,
}


def _pil(x, size, method):
    oh, ow = size
    chans = [
        np.asarray(Image.fromarray(x[..., c].astype(np.float32), mode="F").resize(
            (ow, oh), PIL_FILTERS[method]))
        for c in range(x.shape[-1])
    ]
    return np.stack(chans, axis=-1)


@pytest.mark.parametrize("method", list(PIL_FILTERS))
@pytest.mark.parametrize("pair", [((5, 7), (11, 3)), ((13, 5), (6, 17))])
def test_matches_pillow(rng, method, pair):
    (h, w), size = pair
    x = _data(rng, (h, w, 2))
    _util.assert_close(resize(x, size, method, convention="pil"), _pil(x, size, method))


# ---------------------------------------------------------------------------------- OpenCV

CV_FLAGS = {
    "nearest": cv2.INTER_NEAREST,
    "nearest-exact": cv2.INTER_NEAREST_EXACT,
    "linear": cv2.INTER_LINEAR,
    "linear-exact": cv2.INTER_LINEAR_EXACT,
    "cubic": cv2.INTER_CUBIC,
    "area": cv2.INTER_AREA,
    "lanczos4": cv2.INTER_LANCZOS4,
}


@pytest.mark.parametrize("method", list(CV_FLAGS))
# (5, 7) -> (11, 3) grows one axis (INTER_AREA's two-tap rule); (12, 9) -> (4, 6) shrinks both.
@pytest.mark.parametrize("pair", [((5, 7), (11, 3)), ((12, 9), (4, 6))])
def test_matches_opencv(rng, method, pair):
    (h, w), (oh, ow) = pair
    x = _data(rng, (h, w, 3))
    expected = cv2.resize(x, (ow, oh), interpolation=CV_FLAGS[method])
    _util.assert_close(resize(x, (oh, ow), method, convention="opencv"), expected, **_F32_COORDS)


# cv2.resize(a, None, fx=fx, fy=fy) == resize(x, scale=(fy, fx), convention="opencv"). Output
# sizes by hand, round(in * f) half to even (OpenCV's cvRound): 7 * 0.5 = 3.5 -> 4 and
# 5 * 0.5 = 2.5 -> 2 (OpenCV's integer-step area path); 5 * 0.55 = 2.75 -> 3, whose last cell
# runs past the input; 4 * 1.1 = 4.4 -> 4, an axis that keeps its size but whose step 1 / 1.1 < 1
# sends INTER_AREA to its two-tap rule on both axes; (6, 4) under (1.05, 1.1) keeps both sizes,
# which OpenCV copies whatever fx, fy are; 3 * 2.5 = 7.5 -> 8 and 5 * 1.7 = 8.5 -> 8.
CV_FX_CASES = [
    ((7, 5), (0.5, 0.5), (4, 2)),
    ((5, 11), (0.55, 0.3), (3, 3)),
    ((4, 9), (1.1, 0.45), (4, 4)),
    ((6, 4), (1.05, 1.1), (6, 4)),
    ((3, 5), (2.5, 1.7), (8, 8)),
]


@pytest.mark.parametrize("method", list(CV_FLAGS))
@pytest.mark.parametrize("case", CV_FX_CASES, ids=str)
def test_matches_opencv_fx_fy(rng, method, case):
    (h, w), (fy, fx), out = case
    x = _data(rng, (h, w, 3))
    expected = cv2.resize(x, None, fx=fx, fy=fy, interpolation=CV_FLAGS[method])
    assert expected.shape[:2] == out
    got = resize(x, scale=(fy, fx), method=method, convention="opencv")
    _util.assert_close(got, expected, **_F32_COORDS)
    if out == (h, w):
        np.testing.assert_array_equal(got, x)


def test_opencv_scale_rounds_to_zero_raises():
    with pytest.raises(ValueError, match=r"round\(in \* scale\), as cv2.resize's fx / fy"):
        resize(np.ones((4, 4, 1), np.float32), scale=0.1, convention="opencv")
    # The copy of an unchanged size does not skip the dtype check.
    with pytest.raises(TypeError, match="needs a floating"):
        resize(np.ones((4, 4, 1), np.int32), scale=1.1, convention="opencv")


# ------------------------------------------------------------------------------ TensorFlow

# TensorFlow is not a dependency. These are TF's own expected values, copied from
# tensorflow/python/ops/image_ops_test.py (class ResizeImagesV2Test, testResizeUp and
# testResizeDownArea; github.com/tensorflow/tensorflow, commit
# 057091db1ac347fe971c5defbf2fd41ca3a46a1c), where tf.image.resize (antialias=False) is checked
# against them with atol=1e-4 (1 for the uint8 area case). The values are printed to 4 decimals,
# hence the same tolerance here.
TF_INPUT = [64, 32, 32, 64, 50, 100]  # 3 x 2 image, resized to 6 x 4
TF_GOLDEN = {
    "bilinear": [64.0, 56.0, 40.0, 32.0, 56.0, 52.0, 44.0, 40.0, 40.0, 44.0, 52.0, 56.0, 36.5,
                 45.625, 63.875, 73.0, 45.5, 56.875, 79.625, 91.0, 50.0, 62.5, 87.5, 100.0],
    "nearest": [64.0, 64.0, 32.0, 32.0, 64.0, 64.0, 32.0, 32.0, 32.0, 32.0, 64.0, 64.0, 32.0, 32.0,
                64.0, 64.0, 50.0, 50.0, 100.0, 100.0, 50.0, 50.0, 100.0, 100.0],
    "area": [64.0, 64.0, 32.0, 32.0, 64.0, 64.0, 32.0, 32.0, 32.0, 32.0, 64.0, 64.0, 32.0, 32.0,
             64.0, 64.0, 50.0, 50.0, 100.0, 100.0, 50.0, 50.0, 100.0, 100.0],
    "lanczos3": [75.8294, 59.6281, 38.4313, 22.23, 60.6851, 52.0037, 40.6454, 31.964, 35.8344,
                 41.0779, 47.9383, 53.1818, 24.6968, 43.0769, 67.1244, 85.5045, 35.7939, 56.4713,
                 83.5243, 104.2017, 44.8138, 65.1949, 91.8603, 112.2413],
    "lanczos5": [77.5699, 60.0223, 40.6694, 23.1219, 61.8253, 51.2369, 39.5593, 28.9709, 35.7438,
                 40.8875, 46.5604, 51.7041, 21.5942, 43.5299, 67.7223, 89.658, 32.1213, 56.784,
                 83.984, 108.6467, 44.5802, 66.183, 90.0082, 111.6109],
    "gaussian": [61.1087, 54.6926, 41.3074, 34.8913, 54.6926, 51.4168, 44.5832, 41.3074, 41.696,
                 45.2456, 52.6508, 56.2004, 39.4273, 47.0526, 62.9602, 70.5855, 47.3008, 57.3042,
                 78.173, 88.1764, 51.4771, 62.3638, 85.0752, 95.9619],
    "bicubic": [70.1453, 59.0252, 36.9748, 25.8547, 59.3195, 53.3386, 41.4789, 35.4981, 36.383,
                41.285, 51.0051, 55.9071, 30.2232, 42.151, 65.8032, 77.731, 41.6492, 55.823,
                83.9288, 98.1026, 47.0363, 62.2744, 92.4903, 107.7284],
    "mitchellcubic": [66.0382, 56.6079, 39.3921, 29.9618, 56.7255, 51.9603, 43.2611, 38.4959,
                      39.1828, 43.4664, 51.2864, 55.57, 34.6287, 45.1812, 64.4458, 74.9983,
                      43.8523, 56.8078, 80.4594, 93.4149, 48.9943, 63.026, 88.6422, 102.6739],
}


@pytest.mark.parametrize("method", list(TF_GOLDEN))
def test_matches_tensorflow_golden_resize_up(method):
    x = np.array(TF_INPUT, np.float32).reshape(3, 2, 1)
    y = resize(x, (6, 4), method, convention="tensorflow")
    np.testing.assert_allclose(np.asarray(y).ravel(), TF_GOLDEN[method], rtol=0, atol=1e-4)


def test_matches_tensorflow_golden_resize_down_area():
    data = [128, 64, 32, 16, 8, 4, 4, 8, 16, 32, 64, 128, 128, 64, 32, 16, 8, 4, 5, 10, 15, 20, 25,
            30, 30, 25, 20, 15, 10, 5, 5, 10, 15, 20, 25, 30]
    expected = [73, 33, 23, 39, 73, 33, 23, 39, 14, 16, 19, 21, 14, 16, 19, 21]
    y = resize(np.array(data, np.float32).reshape(6, 6, 1), (4, 4), "area", convention="tensorflow")
    np.testing.assert_allclose(np.asarray(y).ravel(), expected, rtol=0, atol=1)


# tf.image.resize's own outputs (TensorFlow 2.21.0's CPU kernels), recorded by
# tests/data/make_tf_resize_cases.py: 117 cases, every method x antialias on up / down / mixed /
# edge sizes, uint8 inputs, and the smallest inputs on which TF's float32 arithmetic decides the
# result (found in a 3,688-case sweep against TensorFlow): nearest ties, ResizeBicubic's 1/1024
# position table and gaussian taps exactly at its 1.5 cut-off. Before this convention followed
# that arithmetic, 22 of them differed (bicubic by up to 7.5e-4, gaussian by 9e-3, nearest by a
# pixel) and uint8 raised.
_TF_CASES = np.load(Path(__file__).parent / "data" / "tf_resize_cases.npz")
_TF_META = json.loads(str(_TF_CASES["meta"]))
_TF_CHUNKS = 4


@pytest.mark.parametrize("chunk", range(_TF_CHUNKS))
def test_matches_tensorflow_recorded_cases(chunk):
    assert _TF_META["tf_version"].startswith("2.") and len(_TF_META["cases"]) == 117
    for c in _TF_META["cases"][chunk::_TF_CHUNKS]:
        x = _TF_CASES[f"case{c['i']}_x"].astype(c["input_dtype"])
        want = _TF_CASES[f"case{c['i']}_y"]
        got = np.asarray(resize(x, tuple(c["size"]), c["method"], antialias=c["antialias"],
                                convention="tensorflow"))
        what = f"case {c['i']} ({c['tag']}, {c['method']}, antialias={c['antialias']})"
        assert got.dtype == np.dtype(c["tf_output_dtype"]), what
        if c["method"] == "nearest":
            np.testing.assert_array_equal(got, want, err_msg=what)
        else:
            # Values in [0, 1] (uint8: [0, 255]); float32 rounding differs, nothing else.
            atol = 1e-5 * (255 if c["input_dtype"] == "uint8" else 1)
            np.testing.assert_allclose(got, want, rtol=0, atol=atol, err_msg=what)


@pytest.mark.parametrize("dtype", [np.int32, np.uint8, np.float16])
def test_tensorflow_convention_returns_float32_as_tf_image_resize(dtype):
    # tf.image.resize's documented rule: "The return value has type float32, unless the method is
    # NEAREST_NEIGHBOR"; it accepts integer images. Values are those of the float32 input.
    x = np.arange(20).reshape(4, 5, 1).astype(dtype)
    y = resize(x, (7, 3), "cubic", convention="tensorflow")
    assert y.dtype == jnp.float32
    _util.assert_close(y, resize(x.astype(np.float32), (7, 3), "cubic", convention="tensorflow"))
    assert resize(x, (7, 3), "nearest", convention="tensorflow").dtype == x.dtype
    with pytest.raises(TypeError, match="needs a floating"):
        resize(x.astype(np.int32), (7, 3), "cubic", convention="jax")


# ------------------------------------------------------------------ NaN inputs against PyTorch


@pytest.mark.parametrize(
    "n,m,mode,align_corners,antialias",
    [(6, 11, "bilinear", True, False), (6, 12, "bilinear", False, False),
     (6, 3, "bilinear", False, False), (13, 7, "bilinear", False, True),
     (6, 11, "bicubic", True, False), (7, 17, "bicubic", False, False),
     (13, 4, "area", None, False), (6, 12, "nearest", None, False)],
)
def test_nan_reaches_exactly_the_outputs_whose_nonzero_taps_read_it(n, m, mode, align_corners,
                                                                    antialias):
    """Our rule for NaN inputs: an output is NaN iff a tap of nonzero weight reads a NaN (and in
    reverse mode, an input's gradient is NaN iff it weighs in an output whose cotangent is). The
    weights are PyTorch's own, read off one-hot inputs (column j of the resize matrix is the
    resize of e_j). Where PyTorch's output is finite, ours equals it; PyTorch also turns NaN the
    outputs whose weight on the NaN is exactly 0 (0 * NaN), a difference documented in
    docs/known_gaps.md."""
    kw = dict(size=(m, 2), mode=mode, antialias=antialias)
    if align_corners is not None:
        kw["align_corners"] = align_corners
    # Width 2, not 1: PyTorch 2.13's antialiased bilinear gives every output row the first row's
    # weights when the width goes 1 -> 1.
    eye = np.repeat(np.eye(n, dtype=np.float32)[:, :, None, None], 2, axis=2)
    weights = _torch(eye, **kw)[:, :, 0, 0].T  # (m, n)
    x = np.arange(1.0, n + 1.0, dtype=np.float32)
    nan_at = [1, n - 2]
    x[nan_at] = np.nan
    x = np.repeat(x[None, :, None, None], 2, axis=2)
    ours = np.asarray(resize(x, (m, 2), mode, align_corners=bool(align_corners),
                             antialias=antialias, convention="pytorch"))[0, :, 0, 0]
    expected_nan = (weights[:, nan_at] != 0).any(axis=1)
    assert expected_nan.any() and not expected_nan.all()  # the case exercises both sides
    np.testing.assert_array_equal(np.isnan(ours), expected_nan)
    theirs = _torch(x, **kw)[0, :, 0, 0]
    assert np.isnan(theirs)[expected_nan].all()  # PyTorch's NaNs are a superset of ours
    finite = ~np.isnan(theirs)
    _util.assert_close(ours[finite], theirs[finite], **_F32_COORDS)
    # The same rule backwards: a NaN cotangent at output o reaches the inputs o weighs.
    o = m // 2
    ct = np.ones((1, m, 2, 1), np.float32)
    ct[0, o] = np.nan
    _, vjp = jax.vjp(lambda v: resize(v, (m, 2), mode, align_corners=bool(align_corners),
                                      antialias=antialias, convention="pytorch"),
                     np.nan_to_num(x, nan=0.0))
    grad = np.asarray(vjp(jnp.asarray(ct))[0])[0, :, 0, 0]
    np.testing.assert_array_equal(np.isnan(grad), weights[o] != 0)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_antialiased_resize_of_a_single_column_follows_torchs_two_column_result(rng, mode):
    """PyTorch 2.13's antialiased kernel is wrong when the width stays 1 (every output row gets the
    first row's value); with two identical columns it is right, and resizing a column must not
    depend on how many identical columns sit beside it. Ours follows the two-column result."""
    x = _data(rng, (1, 13, 1, 1))
    two = np.repeat(x, 2, axis=2)
    expected = _torch(two, size=(7, 2), mode=mode, antialias=True, align_corners=False)[:, :, :1]
    one = _torch(x, size=(7, 1), mode=mode, antialias=True, align_corners=False)
    assert not np.allclose(one, expected, atol=1e-3)  # the peer's defect, still present
    y = resize(x, (7, 1), mode, antialias=True, convention="pytorch")
    _util.assert_close(y, expected, **_F32_COORDS)
