"""Adaptive and global pooling: parity with PyTorch's adaptive pools (values, indices, gradients)
for sizes that do not divide, hand-computed bins, the first-maximum gradient rule, transformations
and bad input."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from _util import (
    assert_close,
    assert_jit_matches_eager,
    assert_vmap_matches_loop,
    check_grads_f64,
    to_channels_first,
    to_channels_last,
)
from jax.test_util import check_grads

from resample_jax import adaptive_avg_pool, adaptive_max_pool, global_avg_pool, global_max_pool

TORCH_AVG = {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d}
TORCH_MAX = {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d}


def _torch(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(to_channels_first(x)))


# Sizes that divide, that do not (overlapping bins), and outputs larger than inputs.
CASES = [
    ((2, 10, 3), (7,)),
    ((2, 9, 10, 3), (4, 7)),
    ((2, 9, 10, 3), (13, 5)),
    ((1, 5, 7, 6, 2), (2, 3, 4)),
]


@pytest.mark.parametrize("shape,out", CASES)
def test_matches_torch_adaptive_avg_pool(rng, shape, out):
    x = rng.standard_normal(shape).astype(np.float32)
    ref = TORCH_AVG[len(out)](_torch(x), out)
    assert_close(adaptive_avg_pool(x, out), to_channels_last(ref.numpy()))


@pytest.mark.parametrize("shape,out", CASES)
def test_matches_torch_adaptive_max_pool_values_indices_and_gradient(rng, shape, out):
    x = rng.standard_normal(shape).astype(np.float32)
    tx = _torch(x).requires_grad_(True)
    ref, ref_idx = TORCH_MAX[len(out)](tx, out, return_indices=True)
    values, indices = adaptive_max_pool(x, out, return_indices=True)
    np.testing.assert_array_equal(values, to_channels_last(ref.detach().numpy()))
    np.testing.assert_array_equal(indices, to_channels_last(ref_idx.numpy()))
    assert indices.dtype == jnp.int32
    cot = rng.standard_normal(values.shape).astype(np.float32)
    (ref * _torch(cot)).sum().backward()
    grad = jax.grad(lambda v: jnp.sum(adaptive_max_pool(v, out) * cot))(x)
    assert_close(grad, to_channels_last(tx.grad.numpy()))


def test_hand_computed_bins():
    x = jnp.array([3.0, 1.0, 4.0, 1.0, 5.0]).reshape(5, 1)
    # Bins of 5 -> 3: [0, 2), [1, 4), [3, 5).
    np.testing.assert_allclose(adaptive_avg_pool(x, (3,))[:, 0], [2.0, 2.0, 3.0])
    np.testing.assert_array_equal(adaptive_max_pool(x, (3,))[:, 0], [3.0, 4.0, 5.0])
    # Upsampling 2 -> 3: bins [0, 1), [0, 2), [1, 2).
    y = jnp.array([2.0, 6.0]).reshape(2, 1)
    np.testing.assert_allclose(adaptive_avg_pool(y, (3,))[:, 0], [2.0, 4.0, 6.0])


def test_none_keeps_input_size(rng):
    x = rng.standard_normal((2, 6, 5, 1)).astype(np.float32)
    ref = F.adaptive_avg_pool2d(_torch(x), (3, None))
    assert_close(adaptive_avg_pool(x, (3, None)), to_channels_last(ref.numpy()))


def test_tie_gradient_and_indices_match_torch(rng):
    x = rng.integers(0, 3, size=(2, 9, 7, 2)).astype(np.float32)
    tx = _torch(x).requires_grad_(True)
    ref, ref_idx = F.adaptive_max_pool2d(tx, (4, 3), return_indices=True)
    cot = rng.standard_normal(ref.shape).astype(np.float32)
    (ref * torch.from_numpy(cot)).sum().backward()
    cot = to_channels_last(cot)
    grad = jax.grad(lambda v: jnp.sum(adaptive_max_pool(v, (4, 3)) * cot))(x)
    assert_close(grad, to_channels_last(tx.grad.numpy()))
    _, idx = adaptive_max_pool(x, (4, 3), return_indices=True)
    np.testing.assert_array_equal(idx, to_channels_last(ref_idx.numpy()))
    # Global max of an all-tie input: the gradient goes to the first cell only.
    g = jax.grad(lambda v: global_max_pool(v).sum())(jnp.ones((2, 2, 1)))
    np.testing.assert_array_equal(g[..., 0], [[1.0, 0.0], [0.0, 0.0]])


def test_integer_adaptive_max_is_exact(rng):
    x = rng.integers(-128, 128, size=(2, 9, 7, 2)).astype(np.int8)
    out = adaptive_max_pool(x, (4, 3))
    ref = F.adaptive_max_pool2d(_torch(x.astype(np.float64)), (4, 3))
    assert out.dtype == np.int8
    np.testing.assert_array_equal(np.asarray(out, np.float64), to_channels_last(ref.numpy()))
    np.testing.assert_array_equal(global_max_pool(x), x.max(axis=(1, 2)))


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_global_pools_match_torch(rng, rank):
    shape = {1: (2, 7, 3), 2: (2, 5, 6, 3), 3: (2, 3, 4, 5, 3)}[rank]
    x = rng.standard_normal(shape).astype(np.float32)
    ref_avg = to_channels_last(TORCH_AVG[rank](_torch(x), 1).numpy())
    ref_max = to_channels_last(TORCH_MAX[rank](_torch(x), 1).numpy())
    assert_close(global_avg_pool(x, rank=rank, keepdims=True), ref_avg)
    np.testing.assert_array_equal(global_max_pool(x, rank=rank, keepdims=True), ref_max)
    assert_close(global_avg_pool(x, rank=rank), ref_avg.reshape(2, 3))
    assert global_max_pool(x, rank=rank).shape == (2, 3)


def test_jit_matches_eager_and_vmap_matches_loop(rng):
    # Eager mode compiles every primitive separately: a 1-D input keeps that cheap (the 2-D and
    # 3-D code runs in the parity tests); one function with every case as an output.
    x = rng.standard_normal((2, 10, 3)).astype(np.float32)

    def pools(v):
        return (
            adaptive_avg_pool(v, (7,)),
            adaptive_max_pool(v, (4,), return_indices=True),
            global_max_pool(v, rank=1),
        )

    assert_jit_matches_eager(pools, x[0])
    assert_vmap_matches_loop(pools, x)


def test_leading_batch_axes(rng):
    x = rng.standard_normal((2, 3, 9, 10, 2)).astype(np.float32)
    out = adaptive_avg_pool(x, (4, 7))
    np.testing.assert_array_equal(adaptive_avg_pool(x[1, 2], (4, 7)), out[1, 2])
    values, idx = adaptive_max_pool(x, (4, 7), return_indices=True)
    values01, idx01 = adaptive_max_pool(x[0, 1], (4, 7), return_indices=True)
    np.testing.assert_array_equal(values01, values[0, 1])
    np.testing.assert_array_equal(idx01, idx[0, 1])
    assert global_avg_pool(x).shape == (2, 3, 2)


def test_gradients_to_second_order(rng):
    x = rng.standard_normal((1, 7, 2))

    @jax.jit
    def pools(v):
        # Random normal inputs have no ties: max pooling is smooth around them.
        return adaptive_avg_pool(v, (3,)), adaptive_max_pool(v, (3,))

    check_grads_f64(pools, (x,))


def test_constant_input_stays_constant():
    x = jnp.full((2, 9, 10, 3), -1.5)
    for out in (
        adaptive_avg_pool(x, (4, 7)),
        adaptive_max_pool(x, (13, 3)),
        global_avg_pool(x),
        global_max_pool(x),
    ):
        np.testing.assert_allclose(out, -1.5, rtol=1e-6)


def test_divisible_sizes_equal_mean_of_reshaped_windows(rng):
    x = rng.standard_normal((2, 6, 9, 3)).astype(np.float32)
    assert_close(adaptive_avg_pool(x, (3, 3)), x.reshape(2, 3, 2, 3, 3, 3).mean(axis=(2, 4)))


def test_rejects_bad_input():
    x = jnp.zeros((1, 8, 8, 1))
    with pytest.raises(ValueError, match="output_size"):
        adaptive_avg_pool(x, (0, 2))
    with pytest.raises(ValueError, match="output_size"):
        adaptive_max_pool(x, (2, 2, 2, 2))
    with pytest.raises(ValueError, match="at least 4 dims"):
        adaptive_max_pool(jnp.zeros((8, 8, 1)), (2, 2, 2))
    with pytest.raises(TypeError, match="floating"):
        adaptive_avg_pool(jnp.zeros((8, 8, 1), jnp.int32), 2)
    with pytest.raises(ValueError, match="rank"):
        global_avg_pool(x, rank=4)
    with pytest.raises(ValueError, match="at least 4 dims"):
        global_max_pool(jnp.zeros((4, 4, 1)), rank=3)
    with pytest.raises(TypeError, match="return_indices"):
        adaptive_max_pool(x, 2, return_indices="yes")


# --- complex inputs to the means ---------------------------------------------------------------


def _complex(rng, shape, dtype):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


@pytest.mark.parametrize(
    "shape,out", [((2, 11, 3), (4,)), ((2, 9, 7, 3), (4, 5)), ((1, 5, 6, 7, 2), (2, 4, 3))]
)
@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_adaptive_avg_pool_complex_matches_torch_on_both_parts(rng, shape, out, dtype):
    # PyTorch's adaptive_avg_pool has no complex kernel (but for a 1 x 1 output); the mean is
    # linear, so its averages of the real and imaginary parts are the reference.
    x = _complex(rng, shape, dtype)
    with jax.enable_x64(dtype == np.complex128):
        got = adaptive_avg_pool(x, out)
        assert got.dtype == dtype
        got = np.asarray(got)
    part = lambda v: to_channels_last(TORCH_AVG[len(out)](_torch(v), out).numpy())  # noqa: E731
    expected = part(x.real.copy()) + 1j * part(x.imag.copy())
    tol = 1e-12 if dtype == np.complex128 else 1e-5
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_global_avg_pool_complex_matches_torch_complex(rng, dtype):
    # PyTorch averages complex tensors natively when the output is 1 x 1.
    x = _complex(rng, (2, 5, 6, 3), dtype)
    expected = F.adaptive_avg_pool2d(_torch(x), 1)[..., 0, 0].numpy()
    with jax.enable_x64(dtype == np.complex128):
        got = np.asarray(global_avg_pool(x))
        one = np.asarray(adaptive_avg_pool(x, 1))
    tol = 1e-12 if dtype == np.complex128 else 1e-5
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)
    np.testing.assert_allclose(one[:, 0, 0], expected, rtol=tol, atol=tol)
    assert got.dtype == dtype


def test_complex_mean_gradients():
    x = _complex(np.random.default_rng(2), (1, 5, 7, 2), np.complex128)
    with jax.enable_x64(True):
        x = jnp.asarray(x)
        for fn in (lambda v: adaptive_avg_pool(v, (3, 4)), global_avg_pool):
            check_grads(fn, (x,), order=2, modes=("fwd", "rev"))


def test_adaptive_max_pool_rejects_complex():
    with pytest.raises(TypeError, match="adaptive_max_pool: `x` must have a floating or integer"):
        adaptive_max_pool(np.zeros((4, 4, 1), np.complex64), 2)
