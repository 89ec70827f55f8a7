"""Tests of blur pooling and max-blur pooling (Zhang 2019)."""

from __future__ import annotations

import math

import _util
import jax.numpy as jnp
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from resample_jax import blur_pool, max_blur_pool, max_pool

TORCH_PAD = {
    "reflect": "reflect",
    "replicate": "replicate",
    "circular": "circular",
    "zeros": "constant",
}
TORCH_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


def _binomial(k: int) -> np.ndarray:
    row = np.array([math.comb(k - 1, i) for i in range(k)], np.float64)
    return row / row.sum()


def _torch_blur_pool(t, factor, filter_size, padding):
    """Zhang's BlurPool written with PyTorch ops: pad, depthwise binomial conv, stride."""
    rank = len(factor)
    channels = t.shape[1]
    pads = []
    for k in reversed(filter_size):  # F.pad lists the last axis first
        pads += [(k - 1) // 2, k - 1 - (k - 1) // 2]
    t = F.pad(t, pads, mode=TORCH_PAD[padding])
    taps = _binomial(filter_size[0])
    for k in filter_size[1:]:
        taps = np.multiply.outer(taps, _binomial(k))
    w = torch.from_numpy(
        np.broadcast_to(taps, (channels, 1, *filter_size)).astype(np.float32).copy()
    )
    return TORCH_CONV[rank](t, w, stride=factor, groups=channels)


@pytest.mark.parametrize(
    "factor,filter_size,padding,spatial",
    [
        ((2,), (3,), "reflect", (9,)),
        ((3,), (7,), "zeros", (13,)),
        ((2, 2), (3, 3), "reflect", (8, 9)),
        ((2, 3), (4, 5), "replicate", (9, 10)),
        ((2, 2), (2, 1), "circular", (7, 6)),
        ((2, 1, 2), (3, 2, 5), "replicate", (5, 4, 7)),
    ],
)
def test_matches_torch_padded_depthwise_binomial_conv(factor, filter_size, padding, spatial, rng):
    x = rng.standard_normal((2, *spatial, 3)).astype(np.float32)
    expected = _util.torch_call(_torch_blur_pool, x, factor, filter_size, padding)
    got = blur_pool(x, factor, filter_size=filter_size, padding=padding)
    assert got.shape == expected.shape
    assert got.shape[1:-1] == tuple(-(-n // f) for n, f in zip(spatial, factor, strict=True))
    _util.assert_close(got, expected)


@pytest.mark.parametrize("k", range(1, 8))
def test_impulse_response_is_the_binomial_filter(k):
    x = np.zeros((15, 1), np.float32)
    x[7] = 1.0
    got = blur_pool(x, (1,), filter_size=k, padding="zeros")[:, 0]
    # out[i] = sum_t taps[t] x[i + t - (k - 1) // 2]: the (symmetric) filter placed around 7.
    expected = np.zeros(15)
    start = 7 - (k - 1 - (k - 1) // 2)
    expected[start : start + k] = _binomial(k)
    np.testing.assert_allclose(got, expected, atol=1e-7)


def test_hand_computed_2d_impulse_with_subsampling():
    x = np.zeros((6, 6, 1), np.float32)
    x[2, 2] = 16.0
    got = blur_pool(x, 2, padding="zeros")[..., 0]
    # Rows / columns 0, 2, 4 of the [1, 2, 1] x [1, 2, 1] / 16 blur centred on (2, 2).
    expected = np.zeros((3, 3))
    expected[1, 1] = 4.0
    np.testing.assert_allclose(got, expected, atol=1e-6)
    x[3, 3] = 16.0
    got = blur_pool(x, 2, padding="zeros")[..., 0]
    # Outputs (2, 2), (2, 4), (4, 2), (4, 4) are diagonal neighbours of (3, 3): weight 1/16 each.
    expected[1:, 1:] += 1.0
    np.testing.assert_allclose(got, expected, atol=1e-6)


@pytest.mark.parametrize("padding", ["reflect", "replicate", "circular"])
def test_constant_stays_constant(padding):
    x = np.full((2, 7, 9, 3), 2.5, np.float32)
    np.testing.assert_allclose(blur_pool(x, 2, filter_size=5, padding=padding), 2.5, rtol=1e-6)
    np.testing.assert_allclose(max_blur_pool(x, 2, padding=padding), 2.5, rtol=1e-6)


def test_filter_size_one_is_plain_subsampling(rng):
    x = rng.standard_normal((9, 8, 2)).astype(np.float32)
    np.testing.assert_array_equal(blur_pool(x, (3, 2), filter_size=1), x[::3, ::2])


def test_one_pixel_shift_changes_the_output_less_than_strided_subsampling(rng):
    # White noise, circularly shifted by one pixel: plain subsampling sees disjoint samples, the
    # blurred version neighbouring averages (relative change sqrt(2) vs about sqrt(4/6) in 1-D).
    x = rng.standard_normal((64, 64, 4)).astype(np.float32)
    shifted = np.roll(x, 1, axis=1)

    def relative_change(fn):
        a, b = np.asarray(fn(x)), np.asarray(fn(shifted))
        return np.linalg.norm(a - b) / np.linalg.norm(a)

    plain = relative_change(lambda v: v[::2, ::2])
    blurred = relative_change(lambda v: blur_pool(v, 2, padding="circular"))
    assert blurred < 0.75 * plain
    max_plain = relative_change(lambda v: max_pool(v, 2, 2))
    max_blurred = relative_change(lambda v: max_blur_pool(v, 2, padding="circular"))
    assert max_blurred < 0.75 * max_plain


def test_max_blur_pool_matches_torch_dense_max_then_blur(rng):
    x = rng.standard_normal((2, 9, 10, 3)).astype(np.float32)

    def reference(t):
        return _torch_blur_pool(F.max_pool2d(t, 2, stride=1), (2, 2), (3, 3), "reflect")

    expected = _util.torch_call(reference, x)
    got = max_blur_pool(x)
    assert got.shape == (2, 4, 5, 3)
    _util.assert_close(got, expected)
    got3 = max_blur_pool(x[0, ..., None], (2, 2, 1), window_shape=(3, 2, 2), filter_size=(5, 3, 1))
    assert got3.shape == (4, 5, 2, 1)


@pytest.mark.parametrize("fn", [blur_pool, max_blur_pool])
def test_jit_vmap_batch_axes_and_gradients(fn, rng):
    x = rng.standard_normal((3, 6, 7, 2)).astype(np.float32)
    call = lambda v: fn(v, 2, filter_size=4)
    _util.assert_jit_matches_eager(call, x)
    _util.assert_vmap_matches_loop(call, x)
    batched = call(x)
    _util.assert_close(call(x[0]), batched[0])
    _util.assert_close(call(x.reshape(3, 1, 6, 7, 2)).reshape(batched.shape), batched)
    # Max pooling is smooth away from ties; random data has none.
    _util.check_grads_f64(lambda v: fn(v, (2,), padding="replicate"), (x[:1, :, 0],), order=2)


def test_blur_pool_vjp_is_its_adjoint(rng):
    fn = lambda v: blur_pool(v, (2, 3), filter_size=(3, 4), padding="zeros")
    _util.assert_adjoint(fn, rng.standard_normal((2, 7, 8, 2)), rng)


@pytest.mark.parametrize("dtype", [jnp.bfloat16, jnp.float16])
def test_half_precision_keeps_dtype(dtype, rng):
    x = rng.standard_normal((1, 8, 8, 2)).astype(np.float32)
    _util.assert_half_precision(blur_pool, (jnp.asarray(x, dtype),), dtype)


def test_rejects_bad_arguments():
    x = jnp.ones((1, 6, 6, 2))
    with pytest.raises(ValueError, match="filter_size"):
        blur_pool(x, filter_size=8)
    with pytest.raises(ValueError, match="filter_size"):
        blur_pool(x, filter_size=0)
    with pytest.raises(ValueError, match="factor"):
        blur_pool(x, 0)
    with pytest.raises(ValueError, match="Did you mean 'reflect'"):
        blur_pool(x, padding="reflection")
    with pytest.raises(ValueError, match="reflect"):
        blur_pool(jnp.ones((1, 6, 1, 2)), filter_size=3)
    with pytest.raises(ValueError, match="factor"):
        blur_pool(x, (2, 2, 2, 2))
    with pytest.raises(ValueError, match="x"):
        blur_pool(jnp.ones((6, 6)), (2, 2, 2))
    with pytest.raises(TypeError, match="floating"):
        blur_pool(jnp.ones((1, 6, 6, 2), jnp.int32))
    with pytest.raises(ValueError, match="window_shape"):
        max_blur_pool(x, window_shape=7)
    with pytest.raises(ValueError, match="window_shape"):
        max_blur_pool(x, window_shape=0)
