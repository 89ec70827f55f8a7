"""Tests of CARAFE's content-aware reassembly (Wang et al. 2019)."""

from __future__ import annotations

import _util
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch.nn.functional as F

from resample_jax import carafe

TORCH_AVG = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


def _nearest(x: np.ndarray, factor: tuple[int, ...]) -> np.ndarray:
    """Nearest upsampling of (N, *spatial, C) by integer factors, by repetition."""
    for axis, f in enumerate(factor):
        x = np.repeat(x, f, axis=1 + axis)
    return x


def _reference(x: np.ndarray, kernels: np.ndarray, factor: tuple[int, ...], k: int) -> np.ndarray:
    """The paper's definition, output position by output position (zero outside the input)."""
    rank = len(factor)
    n, size, c = x.shape[0], x.shape[1 : 1 + rank], x.shape[-1]
    out = np.zeros((n, *kernels.shape[1:-1], c))
    for o in np.ndindex(*kernels.shape[1:-1]):
        src = [p // f for p, f in zip(o, factor, strict=True)]
        for t, off in enumerate(np.ndindex(*(k,) * rank)):
            q = [s + d - k // 2 for s, d in zip(src, off, strict=True)]
            if all(0 <= a < m for a, m in zip(q, size, strict=True)):
                out[(slice(None), *o)] += (
                    kernels[(slice(None), *o, t)][:, None] * x[(slice(None), *q)]
                )
    return out


def _input(rng, spatial: tuple[int, ...], factor: tuple[int, ...]):
    """A random ``(2, *spatial, 3)`` input and the output's spatial size ``spatial * factor``."""
    x = rng.standard_normal((2, *spatial, 3)).astype(np.float32)
    return x, tuple(s * f for s, f in zip(spatial, factor, strict=True))


@pytest.mark.parametrize(
    "factor,k,spatial", [((2,), 3, (6,)), ((2, 3), 5, (4, 3)), ((2, 1, 2), 3, (3, 4, 2))]
)
def test_matches_the_definition_with_random_kernels(factor, k, spatial, rng):
    x, up = _input(rng, spatial, factor)
    kernels = rng.standard_normal((2, *up, k ** len(factor))).astype(np.float32)
    _util.assert_close(carafe(x, kernels, factor), _reference(x, kernels, factor, k))


@pytest.mark.parametrize("factor,k", [((3,), 3), ((2, 2), 5), ((2, 1, 3), 3)])
def test_uniform_kernels_are_nearest_upsampling_of_a_box_filter(factor, k, rng):
    rank = len(factor)
    x, up = _input(rng, (5, 4, 3)[:rank], factor)
    kernels = np.full((2, *up, k**rank), 1.0 / k**rank, np.float32)
    box = _util.torch_call(TORCH_AVG[rank], x, k, stride=1, padding=k // 2, count_include_pad=True)
    _util.assert_close(carafe(x, kernels, factor), _nearest(box, factor))


@pytest.mark.parametrize("factor,k", [((2,), 5), ((3, 2), 3), ((2, 2, 2), 3)])
def test_one_hot_centre_kernels_are_nearest_upsampling(factor, k, rng):
    rank = len(factor)
    x, up = _input(rng, (4, 3, 2)[:rank], factor)
    kernels = np.zeros((2, *up, k**rank), np.float32)
    kernels[..., k**rank // 2] = 1.0
    expected = _util.torch_call(F.interpolate, x, scale_factor=factor, mode="nearest")
    np.testing.assert_array_equal(carafe(x, kernels, factor, kernel_size=k), expected)


def test_jit_vmap_and_batch_axes(rng):
    x = rng.standard_normal((3, 4, 5, 2)).astype(np.float32)
    kernels = rng.standard_normal((3, 8, 10, 9)).astype(np.float32)
    _util.assert_jit_matches_eager(carafe, x, kernels)
    batched = carafe(x, kernels)
    _util.assert_close(jax.vmap(carafe)(x, kernels), batched)
    _util.assert_close(jnp.stack([carafe(x[i], kernels[i]) for i in range(3)]), batched)
    _util.assert_close(
        carafe(x.reshape(1, 3, 4, 5, 2), kernels.reshape(1, 3, 8, 10, 9)).reshape(batched.shape),
        batched,
    )


def test_gradients_wrt_input_and_kernels(rng):
    x = rng.standard_normal((1, 3, 2))
    kernels = rng.standard_normal((1, 6, 3))
    _util.check_grads_f64(lambda a, b: carafe(a, b, (2,)), (x, kernels), order=2)
    w = jnp.asarray(rng.standard_normal((2, 6, 4, 9)))
    _util.assert_adjoint(lambda a: carafe(a, w, (2, 2)), rng.standard_normal((2, 3, 2, 2)), rng)


@pytest.mark.parametrize("dtype", [jnp.bfloat16, jnp.float16])
def test_half_precision_keeps_dtype(dtype, rng):
    x = jnp.asarray(rng.standard_normal((4, 4, 2)), dtype)
    kernels = jnp.asarray(jax.nn.softmax(rng.standard_normal((8, 8, 9))), dtype)
    _util.assert_half_precision(carafe, (x, kernels), dtype)


def test_rejects_bad_arguments():
    x = jnp.ones((1, 4, 4, 2))
    with pytest.raises(ValueError, match="kernels"):
        carafe(x, jnp.ones((1, 8, 7, 9)))
    with pytest.raises(ValueError, match="kernels"):
        carafe(x, jnp.ones((2, 8, 8, 9)))
    with pytest.raises(ValueError, match="k\\*\\*2"):
        carafe(x, jnp.ones((1, 8, 8, 10)))
    with pytest.raises(ValueError, match="odd"):
        carafe(x, jnp.ones((1, 8, 8, 16)))
    with pytest.raises(ValueError, match="kernel_size"):
        carafe(x, jnp.ones((1, 8, 8, 9)), kernel_size=5)
    with pytest.raises(ValueError, match="factor"):
        carafe(x, jnp.ones((1, 4, 4, 9)), 0)
    with pytest.raises(TypeError, match="floating"):
        carafe(x.astype(jnp.int32), jnp.ones((1, 8, 8, 9)))
    with pytest.raises(ValueError, match="x"):
        carafe(jnp.ones((4, 2)), jnp.ones((8, 8, 9)))
