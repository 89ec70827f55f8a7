"""Fractional max pooling (parity with PyTorch given the same samples), stochastic pooling (forced
draws, expectations, sampling frequencies) and SoftPool (hand-computed values, stability), with
transformations, gradients and bad input."""

from __future__ import annotations

import math

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

from resample_jax import (
    avg_pool,
    fractional_max_pool,
    max_pool,
    soft_pool,
    stochastic_pool,
)


def _torch(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(to_channels_first(x)))


@pytest.mark.parametrize(
    "shape,out,window",
    [
        ((2, 9, 10, 3), (5, 7), (2, 2)),
        ((2, 11, 8, 2), (4, 5), (3, 2)),
        ((1, 7, 9, 8, 2), (4, 5, 6), (2, 3, 2)),
    ],
)
def test_fractional_matches_torch_given_samples(rng, shape, out, window):
    x = rng.standard_normal(shape).astype(np.float32)
    rank = len(out)
    torch_samples = rng.random((shape[0], shape[-1], rank)).astype(np.float32)
    tx = _torch(x).requires_grad_(True)
    torch_fn = F.fractional_max_pool2d if rank == 2 else F.fractional_max_pool3d
    ref, ref_idx = torch_fn(
        tx, window, output_size=out, return_indices=True,
        _random_samples=torch.from_numpy(torch_samples),
    )
    # torch orders a 2-D plane's samples (W, H); ours follow the spatial axes (H, W).
    samples = torch_samples[..., ::-1] if rank == 2 else torch_samples
    values, indices = fractional_max_pool(
        None, x, out, window, samples=samples, return_indices=True
    )
    np.testing.assert_array_equal(values, to_channels_last(ref.detach().numpy()))
    np.testing.assert_array_equal(indices, to_channels_last(ref_idx.numpy()))
    cot = rng.standard_normal(values.shape).astype(np.float32)
    (ref * _torch(cot)).sum().backward()
    grad = jax.grad(
        lambda v: jnp.sum(fractional_max_pool(None, v, out, window, samples=samples) * cot)
    )(x)
    assert_close(grad, to_channels_last(tx.grad.numpy()))


def test_fractional_with_unit_step_is_stride_one_max_pool(rng):
    # out = in - window + 1 makes alpha = 1, so start[i] = i whatever the samples.
    x = rng.standard_normal((2, 6, 7, 3)).astype(np.float32)
    out = fractional_max_pool(jax.random.key(3), x, (5, 6))
    np.testing.assert_array_equal(out, max_pool(x, 2, 1))


def test_fractional_with_key_picks_input_values_at_its_indices(rng):
    x = rng.standard_normal((2, 9, 10, 3)).astype(np.float32)
    values, idx = fractional_max_pool(jax.random.key(0), x, (6, 7), return_indices=True)
    planes = x.reshape(2, 90, 3)
    picked = np.take_along_axis(planes, np.asarray(idx).reshape(2, 42, 3), axis=1)
    np.testing.assert_array_equal(values, picked.reshape(values.shape))
    again = fractional_max_pool(jax.random.key(0), x, (6, 7))
    np.testing.assert_array_equal(values, again)


@pytest.mark.parametrize("u, expected, where", [(0.0, [1, 5, 4], [0, 1, 3]),
                                                (0.5, [5, 4, 3], [1, 3, 4])])
def test_fractional_disjoint_regions_by_hand(u, expected, where):
    # n = 5, out = 3, alpha = 5/3. u = 0: starts int(i * 5/3) = 0, 1, 3, regions [0, 1), [1, 3),
    # [3, 5). u = 0.5: int((i + 0.5) * 5/3) - int(0.5 * 5/3) = 0, 2, 4: [0, 2), [2, 4), [4, 5).
    x = jnp.array([1.0, 5.0, 2.0, 4.0, 3.0]).reshape(5, 1)
    values, idx = fractional_max_pool(
        None, x, (3,), samples=jnp.full((1, 1), u), return_indices=True, overlapping=False
    )
    np.testing.assert_array_equal(values[:, 0], expected)
    np.testing.assert_array_equal(idx[:, 0], where)


def test_fractional_disjoint_with_integer_ratio_is_max_pool(rng):
    # alpha = in / out an integer: start[i] = i * alpha whatever the samples.
    x = rng.standard_normal((2, 12, 9, 3)).astype(np.float32)
    values = fractional_max_pool(jax.random.key(1), x, (4, 3), overlapping=False)
    np.testing.assert_array_equal(values, max_pool(x, (3, 3)))
    x3 = rng.standard_normal((1, 4, 6, 8, 2)).astype(np.float32)
    values = fractional_max_pool(jax.random.key(2), x3, (2, 3, 2), overlapping=False)
    np.testing.assert_array_equal(values, max_pool(x3, (2, 2, 4)))


@pytest.mark.parametrize("n, out", [(10, 7), (23, 9), (7, 7), (9, 2)])
def test_fractional_disjoint_regions_tile_the_axis(n, out):
    # On an increasing input each region's maximum is its last cell, so the outputs are the region
    # ends minus one: they must end at n - 1 and step by floor(n / out) or ceil(n / out) from a
    # first region of that length too, for every sample.
    x = jnp.broadcast_to(jnp.arange(n, dtype=jnp.float32)[None, :, None], (64, n, 2))
    u = jax.random.uniform(jax.random.key(0), (64, 2, 1))
    ends = np.asarray(
        fractional_max_pool(None, x, (out,), samples=u, overlapping=False)
    ).astype(int) + 1
    lengths = np.diff(np.concatenate([np.zeros((64, 1, 2), int), ends], axis=1), axis=1)
    assert np.all(ends[:, -1] == n)
    assert set(np.unique(lengths)) <= {n // out, -(-n // out)}
    # The gradient of the sum sends 1 to each region's maximum and nothing elsewhere.
    grad = jax.grad(lambda v: jnp.sum(
        fractional_max_pool(None, v, (out,), samples=u, overlapping=False)))(x)
    np.testing.assert_array_equal(np.asarray(grad).sum(axis=1), out)


def test_fractional_disjoint_rejects_a_window_and_a_larger_output():
    x = jnp.ones((6, 6, 1))
    with pytest.raises(ValueError, match="`window_shape`=2 with overlapping=False"):
        fractional_max_pool(jax.random.key(0), x, (4, 4), 2, overlapping=False)
    with pytest.raises(ValueError, match=r"`output_size` \(7, 4\) is larger than the input"):
        fractional_max_pool(jax.random.key(0), x, (7, 4), overlapping=False)
    with pytest.raises(TypeError, match="`overlapping` must be a bool; got 'no'"):
        fractional_max_pool(jax.random.key(0), x, (4, 4), overlapping="no")


def test_stochastic_pool_single_nonzero_forces_the_draw():
    x = jnp.array([[0.0, 0.0, 5.0, 0.0], [0.0, 0.0, 0.0, 0.0]]).reshape(8, 1)
    for seed in range(3):
        out = stochastic_pool(jax.random.key(seed), x, (4,))
        np.testing.assert_array_equal(out[:, 0], [5.0, 0.0])


def test_stochastic_pool_inference_is_expectation():
    x = jnp.array([[1.0, 2.0], [3.0, 4.0]]).reshape(2, 2, 1)
    # p = x / 10: sum p x = (1 + 4 + 9 + 16) / 10.
    np.testing.assert_allclose(stochastic_pool(None, x, 2, training=False)[..., 0], [[3.0]])
    zeros = jnp.zeros((2, 2, 1))
    np.testing.assert_array_equal(stochastic_pool(None, zeros, 2, training=False), 0.0)


def test_stochastic_pool_frequencies_follow_probabilities():
    x = jnp.array([1.0, 2.0, 3.0, 4.0]).reshape(4, 1)
    keys = jax.random.split(jax.random.key(0), 4000)
    draws = jax.vmap(lambda k: stochastic_pool(k, x, (4,))[0, 0])(keys)
    freq = np.array([np.mean(np.asarray(draws) == v) for v in (1.0, 2.0, 3.0, 4.0)])
    # Binomial standard error for 4000 draws is at most 0.008; allow about 3 of them.
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.3, 0.4], atol=0.025)


def test_stochastic_pool_gradient_goes_to_the_drawn_activation(rng):
    x = jnp.asarray(rng.random((4, 6, 2)).astype(np.float32) + 0.1)
    key = jax.random.key(5)
    out = stochastic_pool(key, x, 2)
    grad = jax.grad(lambda v: stochastic_pool(key, v, 2).sum())(x)
    # Distinct activations: the gradient marks, per window, the one equal to the output.
    windows = np.asarray(x).reshape(2, 2, 3, 2, 2).transpose(0, 2, 4, 1, 3)
    g = np.asarray(grad).reshape(2, 2, 3, 2, 2).transpose(0, 2, 4, 1, 3)
    chosen = windows == np.asarray(out)[..., None, None]
    np.testing.assert_array_equal(g, chosen.astype(np.float32))


def test_soft_pool_hand_computed_and_stable():
    x = jnp.array([0.0, math.log(3.0), 1000.0, 1000.0, 1000.0, 0.0]).reshape(6, 1)
    out = soft_pool(x, (2,))[:, 0]
    np.testing.assert_allclose(out, [0.75 * math.log(3.0), 1000.0, 1000.0], rtol=1e-6)
    # Padding cells carry no weight: windows [pad, a] and [b, pad] give a and b.
    y = jnp.array([2.0, -1.0]).reshape(2, 1)
    np.testing.assert_allclose(soft_pool(y, (2,), 2, 1)[:, 0], [2.0, -1.0])


def test_soft_pool_lies_between_mean_and_max(rng):
    x = rng.standard_normal((2, 8, 9, 3)).astype(np.float32) * 3
    out = soft_pool(x, 3, 2)
    assert np.all(out >= avg_pool(x, 3, 2) - 1e-5)
    assert np.all(out <= max_pool(x, 3, 2) + 1e-5)


def test_constant_input_stays_constant():
    x = jnp.full((2, 8, 9, 3), 1.25)
    for out in (
        soft_pool(x, 3, 2, 1),
        stochastic_pool(jax.random.key(0), x, 2),
        stochastic_pool(None, x, 3, 2, training=False),
        fractional_max_pool(jax.random.key(0), x, (5, 6)),
    ):
        np.testing.assert_allclose(out, 1.25, rtol=1e-6)


def test_jit_matches_eager_and_vmap_matches_loop(rng):
    # Eager mode compiles every primitive separately: 1-D inputs keep that cheap (the multi-axis
    # code runs in the parity tests); one function with every case as an output compiles once.
    x = np.abs(rng.standard_normal((2, 9, 3))).astype(np.float32)
    samples = rng.random((3, 1)).astype(np.float32)
    key = jax.random.key(1)

    def pools(v):
        return (
            fractional_max_pool(None, v, (5,), samples=samples, return_indices=True),
            stochastic_pool(key, v, (2,)),
            stochastic_pool(None, v, (3,), 2, training=False),
            soft_pool(v, (3,), 2, 1),
        )

    assert_jit_matches_eager(pools, x[0])
    assert_vmap_matches_loop(pools, x)


def test_leading_batch_axes(rng):
    x = rng.random((2, 3, 6, 6, 2)).astype(np.float32)
    out = soft_pool(x, 2)
    np.testing.assert_allclose(soft_pool(x[1, 2], 2), out[1, 2], rtol=1e-6)
    samples = rng.random((2, 3, 2, 2)).astype(np.float32)
    frac = fractional_max_pool(None, x, (4, 4), samples=samples)
    np.testing.assert_array_equal(
        fractional_max_pool(None, x[1, 2], (4, 4), samples=samples[1, 2]), frac[1, 2]
    )
    assert stochastic_pool(jax.random.key(0), x, 2).shape == (2, 3, 3, 3, 2)


def test_gradients_to_second_order(rng):
    x = rng.random((1, 7, 2)) + 0.1
    samples = rng.random((1, 2, 1))

    @jax.jit
    def pools(v):
        # Random inputs have no ties: fractional max pooling is smooth around them.
        return (
            soft_pool(v, (3,), 2, 1),
            stochastic_pool(None, v, (2,), training=False),
            fractional_max_pool(None, v, (4,), samples=samples),
        )

    check_grads_f64(pools, (x,))


def test_rejects_bad_input():
    x = jnp.zeros((1, 8, 8, 1))
    key = jax.random.key(0)
    with pytest.raises(ValueError, match="output_size"):
        fractional_max_pool(key, x, (8, 4))
    with pytest.raises(ValueError, match="samples"):
        fractional_max_pool(None, x, (4, 4), samples=jnp.zeros((1, 1, 3)))
    with pytest.raises(TypeError, match="key"):
        fractional_max_pool(None, x, (4, 4))
    with pytest.raises(ValueError, match="window_shape"):
        fractional_max_pool(key, x, (4, 4), 0)
    with pytest.raises(TypeError, match="key"):
        stochastic_pool(None, x, 2)
    with pytest.raises(ValueError, match="strides"):
        stochastic_pool(key, x, 2, 0)
    with pytest.raises(TypeError, match="floating"):
        stochastic_pool(key, jnp.zeros((8, 8, 1), jnp.int32), 2)
    with pytest.raises(TypeError, match="floating"):
        soft_pool(jnp.zeros((8, 8, 1), jnp.int32), 2)
    with pytest.raises(ValueError, match="padding"):
        soft_pool(x, 2, padding=2)
    with pytest.raises(ValueError, match="Did you mean 'same'"):
        soft_pool(x, 2, padding="sme")
    with pytest.raises(ValueError, match="at least 4 dims"):
        soft_pool(jnp.zeros((8, 8, 1)), (2, 2, 2))


# --- output_ratio (PyTorch's int(input * ratio)) and the range of explicit samples ----------


@pytest.mark.parametrize(
    "shape,ratio,window",
    [
        # From PyTorch's OpInfo sample_inputs_fractional_max_pool2d / 3d (channels-last here).
        ((1, 9, 9, 3), (0.5, 0.5), (3, 3)),
        ((1, 16, 16, 1), (0.5, 0.5), (1, 1)),
        ((2, 5, 5, 5, 3), (0.5, 0.5, 0.5), (2, 2, 2)),
        ((1, 7, 6, 7, 1), (0.5, 0.5, 0.5), (2, 3, 4)),
        # 100 * 0.29 is 28.999999999999996 in double precision: the rule truncates to 28.
        ((1, 100, 6, 2), (0.29, 0.7), (2, 2)),
    ],
)
def test_fractional_output_ratio_matches_torch(rng, shape, ratio, window):
    x = rng.standard_normal(shape).astype(np.float32)
    rank = len(ratio)
    torch_samples = rng.random((shape[0], shape[-1], rank)).astype(np.float32)
    torch_fn = F.fractional_max_pool2d if rank == 2 else F.fractional_max_pool3d
    ref, ref_idx = torch_fn(
        _torch(x), window, output_ratio=ratio, return_indices=True,
        _random_samples=torch.from_numpy(torch_samples),
    )
    samples = torch_samples[..., ::-1] if rank == 2 else torch_samples
    values, indices = fractional_max_pool(
        None, x, window_shape=window, output_ratio=ratio, samples=samples, return_indices=True
    )
    np.testing.assert_array_equal(values, to_channels_last(ref.numpy()))
    np.testing.assert_array_equal(indices, to_channels_last(ref_idx.numpy()))


def test_fractional_output_ratio_scalar_is_square_2d(rng):
    x = rng.standard_normal((2, 11, 9, 3)).astype(np.float32)
    key = jax.random.key(1)
    # int(11 * 0.6) = 6, int(9 * 0.6) = 5: the ratio form is the size form of those sizes.
    np.testing.assert_array_equal(
        fractional_max_pool(key, x, output_ratio=0.6), fractional_max_pool(key, x, (6, 5))
    )


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(output_ratio=0.0), ValueError, r"output_ratio.*\(0, 1\).*0\.0"),
        (dict(output_ratio=1.0), ValueError, r"output_ratio.*\(0, 1\)"),
        (dict(output_ratio=(0.5, 1.5)), ValueError, r"output_ratio.*1\.5"),
        (dict(output_ratio=-0.5), ValueError, "output_ratio"),
        (dict(output_ratio=math.nan), ValueError, "output_ratio"),
        (dict(output_ratio=0.05), ValueError, r"output_ratio.*empty output \(0, 0\)"),
        (dict(output_ratio=(0.5, 0.5, 0.5, 0.5)), ValueError, "output_ratio"),
        (dict(output_ratio="half"), TypeError, "output_ratio"),
        (dict(output_ratio=True), TypeError, "output_ratio"),
        (dict(output_size=(4, 4), output_ratio=0.5), TypeError, "exactly one.*output_ratio"),
        (dict(), TypeError, "exactly one of `output_size` and `output_ratio`"),
    ],
)
def test_fractional_output_ratio_bad_input(kwargs, error, match):
    x = np.zeros((1, 9, 9, 2), np.float32)
    with pytest.raises(error, match=match):
        fractional_max_pool(jax.random.key(0), x, **kwargs)


@pytest.mark.parametrize("bad", [1.0, -0.25, 1.5, math.nan, math.inf])
def test_fractional_rejects_concrete_samples_outside_unit_interval(bad):
    x = np.zeros((2, 9, 9, 3), np.float32)
    samples = np.full((2, 3, 2), 0.5, np.float32)
    samples[1, 2, 0] = bad
    with pytest.raises(ValueError, match=r"fractional_max_pool: `samples` must lie in \[0, 1\)"):
        fractional_max_pool(None, x, (4, 4), samples=samples)


def test_fractional_samples_just_below_one_are_accepted_and_match_torch(rng):
    # The largest float32 below 1 is a valid sample (PyTorch draws from [0, 1)).
    x = rng.standard_normal((1, 9, 9, 2)).astype(np.float32)
    samples = np.full((1, 2, 2), np.nextafter(np.float32(1), np.float32(0)), np.float32)
    ref = F.fractional_max_pool2d(
        _torch(x), 2, output_size=(4, 5), _random_samples=torch.from_numpy(samples)
    )
    got = fractional_max_pool(None, x, (4, 5), samples=samples[..., ::-1])
    np.testing.assert_array_equal(got, to_channels_last(ref.numpy()))


def test_fractional_traced_samples_are_not_range_checked():
    # Under jit the values are unknown at trace time: the call traces (the check cannot run).
    x = jnp.arange(81.0).reshape(1, 9, 9, 1)
    fn = jax.jit(lambda s: fractional_max_pool(None, x, (4, 4), samples=s))
    samples = np.full((1, 1, 2), 0.25, np.float32)
    np.testing.assert_array_equal(
        fn(jnp.asarray(samples)), fractional_max_pool(None, x, (4, 4), samples=samples)
    )
