"""Inputs at the edges of what resize, scale_and_translate, grid_sample and affine_grid take:
complex arrays (against jax.image, and the identity f(a + ib) = f(a) + i f(b) of a real-weight
linear map), uint8 under the Pillow / OpenCV conventions (against Pillow and OpenCV on uint8),
zero-size arrays, and layouts that look channels-first or lack a channel axis."""

from __future__ import annotations

import warnings

import _util
import cv2
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from PIL import Image

from resample_jax import affine_grid, grid_sample, resize, scale_and_translate


def _complex(rng, shape):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex64)


# ---------------------------------------------------------------------------- complex inputs


@pytest.mark.parametrize("method", ["linear", "cubic", "lanczos3", "lanczos5", "area", "nearest"])
def test_complex_resize_matches_jax_image(rng, method):
    x = _complex(rng, (2, 5, 7, 3))
    got = resize(x, (9, 4), method)
    assert got.dtype == jnp.complex64
    _util.assert_close(got.real, jax.image.resize(x, (2, 9, 4, 3), method).real)
    _util.assert_close(got.imag, jax.image.resize(x, (2, 9, 4, 3), method).imag)


@pytest.mark.parametrize("convention,method", [
    ("pytorch", "cubic"), ("pytorch", "area"), ("pil", "lanczos3"), ("opencv", "area"),
    ("tensorflow", "gaussian"), ("opencv", "linear"),
])
def test_complex_resize_is_real_and_imaginary_parts(rng, convention, method):
    x = _complex(rng, (1, 6, 5, 2))
    got = resize(x, (4, 11), method, convention=convention)
    _util.assert_close(got.real, resize(x.real, (4, 11), method, convention=convention))
    _util.assert_close(got.imag, resize(x.imag, (4, 11), method, convention=convention))


def test_complex_scale_and_translate_matches_jax_image(rng):
    x = _complex(rng, (1, 6, 7, 2))
    s, t = jnp.array([0.6, 1.3]), jnp.array([0.25, -0.4])
    expected = jax.image.scale_and_translate(x, (1, 4, 9, 2), (1, 2), s, t, "cubic")
    got = scale_and_translate(x, (4, 9), (0.6, 1.3), (0.25, -0.4), "cubic")
    _util.assert_close(got.real, expected.real, atol=1e-5)
    _util.assert_close(got.imag, expected.imag, atol=1e-5)


@pytest.mark.parametrize("method", ["nearest", "linear", "cubic"])
def test_complex_grid_sample_is_real_and_imaginary_parts(rng, method):
    x = _complex(rng, (2, 5, 7, 3))
    grid = rng.uniform(-1.2, 1.2, (2, 4, 6, 2)).astype(np.float32)
    got = grid_sample(x, grid, method)
    assert got.dtype == jnp.complex64
    _util.assert_close(got.real, grid_sample(x.real, grid, method))
    _util.assert_close(got.imag, grid_sample(x.imag, grid, method))


def test_complex_gradient_is_the_real_gradient_on_each_part(rng):
    # For a real function of z = a + ib JAX returns dL/da - i dL/db; with real weights,
    # sum |R z|^2 = sum (R a)^2 + sum (R b)^2, so each part is the real gradient.
    x = _complex(rng, (1, 5, 7, 1))

    def loss(v):
        return jnp.sum(jnp.abs(resize(v, (9, 4), "cubic")) ** 2)

    def loss_real(v):
        return jnp.sum(resize(v, (9, 4), "cubic") ** 2)

    g = jax.grad(loss)(x)
    _util.assert_close(g.real, jax.grad(loss_real)(x.real), atol=1e-5)
    _util.assert_close(-g.imag, jax.grad(loss_real)(x.imag), atol=1e-5)


# ------------------------------------------------------------------------- uint8 (Pillow, OpenCV)

_RNG = np.random.default_rng(7)
_U8 = _RNG.integers(0, 256, (23, 31, 3), dtype=np.uint8)
_PIL = {"linear": Image.BILINEAR, "cubic": Image.BICUBIC, "lanczos3": Image.LANCZOS,
        "area": Image.BOX, "hamming": Image.HAMMING}
_CV = {"linear": cv2.INTER_LINEAR, "cubic": cv2.INTER_CUBIC, "lanczos4": cv2.INTER_LANCZOS4,
       "area": cv2.INTER_AREA}


def _assert_within_one_level(got, ref, exact_fraction):
    assert got.dtype == jnp.uint8 and got.shape == ref.shape
    diff = np.abs(np.asarray(got, np.int64) - ref.astype(np.int64))
    assert diff.max() <= 1, diff.max()
    assert (diff == 0).mean() >= exact_fraction, (diff == 0).mean()


@pytest.mark.parametrize("method", sorted(_PIL))
@pytest.mark.parametrize("size", [(11, 17), (23, 50)])
def test_uint8_pil_matches_pillow_on_uint8(method, size):
    # Pillow's 8-bit path (22-bit fixed-point weights, rounding after each pass) bit for bit.
    ref = np.asarray(Image.fromarray(_U8).resize(size[::-1], _PIL[method]))
    got = resize(_U8, size, method, convention="pil")
    assert got.dtype == jnp.uint8
    np.testing.assert_array_equal(got, ref)
    # A batch of images (and a single-channel one) goes through the same path.
    batch = resize(np.stack([_U8, _U8[::-1]]), size, method, convention="pil")
    np.testing.assert_array_equal(batch[0], ref)
    grey = np.asarray(Image.fromarray(_U8[..., 0]).resize(size[::-1], _PIL[method]))
    np.testing.assert_array_equal(resize(_U8[..., :1], size, method, convention="pil")[..., 0],
                                  grey)


@pytest.mark.parametrize("method", sorted(_PIL))
@pytest.mark.parametrize("size", [(3, 21), (2, 21), (5, 30), (9, 40), (17, 3)])
def test_uint8_pil_takes_pillow_13s_pass_order(method, size):
    # Pillow 13 resamples H first when the height loses more than twice as many rows as the width
    # loses columns: (23, 31) -> (3, 21) loses 20 rows and 10 columns (W first), -> (2, 21) 21
    # and 10 (H first); (5, 30) and (9, 40) go H first, (17, 3) W first. Each pass rounds, so
    # the other order is off by up to tens of grey levels on these shapes.
    ref = np.asarray(Image.fromarray(_U8).resize(size[::-1], _PIL[method]))
    np.testing.assert_array_equal(resize(_U8, size, method, convention="pil"), ref)


# (11, 17) and (47, 64) down and up; (12, 15) halves a 24 x 30 crop exactly, a case OpenCV's own
# bit-exact test leaves out ("different rounding"); the ones with fx / fy round 23 * 0.7 = 16.1
# and 31 * 1.3 = 40.3, and 23 * 2.5 = 57.5 -> 58 (half to even), 31 * 0.45 = 13.95 -> 14.
@pytest.mark.parametrize(
    "size, scale", [((11, 17), None), ((47, 64), None), ((12, 15), None),
                    (None, (0.7, 1.3)), (None, (2.5, 0.45))],
)
def test_uint8_opencv_linear_exact_is_bit_exact(size, scale):
    image = _U8[:24, :30] if size == (12, 15) else _U8
    if scale is None:
        ref = cv2.resize(image, size[::-1], interpolation=cv2.INTER_LINEAR_EXACT)
        got = resize(image, size, "linear-exact", convention="opencv")
    else:
        ref = cv2.resize(image, None, fx=scale[1], fy=scale[0],
                         interpolation=cv2.INTER_LINEAR_EXACT)
        got = resize(image, scale=scale, method="linear-exact", convention="opencv")
    assert got.dtype == jnp.uint8
    np.testing.assert_array_equal(got, ref)
    # Not a float32 sum rounded once: that differs from OpenCV here (as 'linear' does).
    fl = resize(image.astype(np.float32), got.shape[:2], "linear", convention="opencv")
    if scale is None:
        assert np.any(np.round(np.asarray(fl)) != ref)


@pytest.mark.parametrize("method", sorted(_CV))
@pytest.mark.parametrize("size", [(11, 17), (47, 64)])
def test_uint8_opencv_matches_cv2_on_uint8(method, size):
    ref = cv2.resize(_U8, size[::-1], interpolation=_CV[method])
    # OpenCV's uint8 paths are fixed point (INTER_LINEAR: 8-bit fraction weights, bit-exact mode;
    # cubic / lanczos4: 11-bit weights); we round once from float32: measured >= 87% equal.
    _assert_within_one_level(resize(_U8, size, method, convention="opencv"), ref, 0.85)


def test_uint8_saturates_instead_of_wrapping():
    # Cubic overshoots at a step edge: 0/255 steps ring below 0 and above 255.
    x = np.zeros((8, 8, 1), np.uint8)
    x[:, 4:] = 255
    got = np.asarray(resize(x, (8, 20), "cubic", convention="opencv"))
    ref = cv2.resize(x, (20, 8), interpolation=cv2.INTER_CUBIC)[..., None]
    np.testing.assert_array_equal(got, ref)
    assert got.min() == 0 and got.max() == 255


def test_uint8_other_conventions_still_need_floats():
    with pytest.raises(TypeError, match="floating"):
        resize(_U8, (11, 17), "linear", convention="jax")


# ---------------------------------------------------------------------------- zero-size arrays


@pytest.mark.parametrize("shape,out", [((0, 5, 7, 3), (0, 3, 9, 3)), ((2, 5, 7, 0), (2, 3, 9, 0)),
                                       ((0, 5, 7, 0), (0, 3, 9, 0))])
@pytest.mark.parametrize("method", ["linear", "nearest", "area"])
def test_empty_batch_or_channels_give_empty_results(shape, out, method):
    x = jnp.zeros(shape)
    assert resize(x, (3, 9), method).shape == out
    if method != "nearest":
        assert scale_and_translate(x, (3, 9), (0.6, 1.3), (0.0, 0.5), method).shape == out


def test_empty_batch_grid_sample_and_affine_grid():
    theta = jnp.zeros((0, 2, 3))
    grid = affine_grid(theta, (3, 4))
    assert grid.shape == (0, 3, 4, 2)
    assert grid_sample(jnp.zeros((0, 5, 7, 2)), grid).shape == (0, 3, 4, 2)
    assert grid_sample(jnp.zeros((2, 5, 7, 0)), jnp.zeros((2, 3, 4, 2))).shape == (2, 3, 4, 0)
    assert grid_sample(jnp.ones((2, 5, 7, 3)), jnp.zeros((2, 0, 4, 2))).shape == (2, 0, 4, 3)


def test_zero_spatial_sizes_raise_value_errors():
    x = jnp.ones((2, 0, 7, 3))
    with pytest.raises(ValueError, match="empty spatial axis"):
        resize(x, (3, 3))
    with pytest.raises(ValueError, match="empty spatial axis"):
        scale_and_translate(x, (3, 3), 1.0, 0.0)
    with pytest.raises(ValueError, match="non-empty spatial"):
        grid_sample(x, jnp.zeros((2, 4, 3, 2)))
    with pytest.raises(ValueError, match=">= 1"):
        resize(jnp.ones((2, 5, 7, 3)), (0, 3))
    with pytest.raises(ValueError, match=">= 1"):
        affine_grid(jnp.zeros((2, 2, 3)), (0, 3))


# ---------------------------------------------------------------------------- layout mistakes


def test_channels_first_input_warns():
    with pytest.warns(UserWarning, match="channels-first"):
        resize(jnp.zeros((1, 3, 64, 64)), (32, 32))
    with pytest.warns(UserWarning, match="channels-first"):
        scale_and_translate(jnp.zeros((2, 1, 32, 32)), (16, 16), 0.5, 0.0)


@pytest.mark.parametrize("shape", [(1, 64, 64, 3), (8, 4, 4, 64), (1, 3, 8, 64), (1, 5, 64, 64)])
def test_channels_last_inputs_do_not_warn(shape):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        resize(jnp.zeros(shape), (6, 6))


def test_greyscale_2d_image_error_says_add_a_channel_axis():
    with pytest.raises(ValueError, match=r"add a channel axis: x\[\.\.\., None\]"):
        resize(jnp.zeros((64, 64)), (32, 32))
