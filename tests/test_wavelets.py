"""haar_downsample / haar_upsample: hand-computed blocks, the Hadamard-sign formula in 1/2/3-D,
orthonormality, exact inversion, the transpose relation, and the LL band as 2x average pooling."""

import itertools

import _util
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

import resample_jax as rj


def _haar_by_formula(x: np.ndarray, rank: int) -> np.ndarray:
    """Subband s (bits b, first axis most significant) = sum_i (-1)^(b . i) x[i] / 2^(rank/2)."""
    n, *spatial, c = x.shape
    half = [s // 2 for s in spatial]
    out = np.zeros((n, *half, 2**rank * c), np.float64)
    for s, bits in enumerate(itertools.product((0, 1), repeat=rank)):
        acc = np.zeros((n, *half, c))
        for pos in itertools.product((0, 1), repeat=rank):
            sign = (-1) ** sum(b * p for b, p in zip(bits, pos, strict=True))
            acc += sign * x[(slice(None), *(slice(p, None, 2) for p in pos), slice(None))]
        out[..., s * c : (s + 1) * c] = acc / 2 ** (rank / 2)
    return out


def test_hand_computed_2x2_block_with_subband_major_channels():
    block = np.array([[1.0, 2.0], [3.0, 4.0]])
    x = np.stack([block, 10 * block], axis=-1)  # two channels
    out = np.asarray(rj.haar_downsample(x))[0, 0]
    # LL = (a+b+c+d)/2, LH = (a-b+c-d)/2, HL = (a+b-c-d)/2, HH = (a-b-c+d)/2; channel inside band.
    np.testing.assert_allclose(out, [5, 50, -1, -10, -2, -20, 0, 0])


def test_hand_computed_1d_pair():
    out = np.asarray(rj.haar_downsample(np.array([[3.0], [1.0]]), rank=1))[0]
    np.testing.assert_allclose(out, [4 / np.sqrt(2), 2 / np.sqrt(2)], rtol=1e-6)


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_matches_hadamard_sign_formula(rng, rank):
    x = rng.standard_normal((2, *(4, 6, 2)[:rank], 3))
    _util.assert_close(rj.haar_downsample(x.astype(np.float32), rank=rank),
                       _haar_by_formula(x, rank))


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_upsample_inverts_downsample_and_preserves_energy(rng, rank):
    x = rng.standard_normal((2, *(4, 6, 2)[:rank], 3)).astype(np.float32)
    y = rj.haar_downsample(x, rank=rank)
    assert y.shape == (2, *(2, 3, 1)[:rank], 3 * 2**rank)
    _util.assert_close(rj.haar_upsample(y, rank=rank), x)
    _util.assert_close(rj.haar_downsample(rj.haar_upsample(y, rank=rank), rank=rank), y)
    np.testing.assert_allclose(np.sum(np.square(y)), np.sum(np.square(x)), rtol=1e-5)


def test_upsample_is_the_vjp_of_downsample(rng):
    x = rng.standard_normal((2, 4, 2, 1))
    _util.assert_adjoint(rj.haar_downsample, x, rng)
    _util.assert_adjoint(rj.haar_upsample, x[:, :2, :1, :].repeat(4, axis=-1), rng)
    out, vjp = jax.vjp(rj.haar_downsample, jnp.asarray(x, jnp.float32))
    y = jnp.asarray(rng.standard_normal(out.shape), jnp.float32)
    _util.assert_close(vjp(y)[0], rj.haar_upsample(y))


def test_ll_band_is_twice_torch_avg_pool(rng):
    x = rng.standard_normal((2, 6, 4, 3)).astype(np.float32)
    avg = _util.torch_call(torch.nn.functional.avg_pool2d, x, 2)
    _util.assert_close(np.asarray(rj.haar_downsample(x))[..., :3], 2 * avg)


@pytest.mark.parametrize("rank", [1, 3])
def test_constant_has_only_ll_energy(rank):
    x = np.full((*(4, 2, 2)[:rank], 2), 3.0, np.float32)
    out = np.asarray(rj.haar_downsample(x, rank=rank))
    np.testing.assert_allclose(out[..., :2], 3.0 * 2 ** (rank / 2), rtol=1e-6)
    np.testing.assert_allclose(out[..., 2:], 0.0, atol=1e-6)


def test_half_precision_keeps_dtype(rng):
    x = rng.standard_normal((4, 4, 2)).astype(np.float32)
    for dtype in (jnp.bfloat16, jnp.float16):
        y = rj.haar_downsample(jnp.asarray(x, dtype))
        assert y.dtype == dtype
        _util.assert_close(y, rj.haar_downsample(x), dtype)


def test_gradients_jit_and_vmap(rng):
    x = rng.standard_normal((3, 2, 4, 1)).astype(np.float32)
    _util.check_grads_f64(lambda v: rj.haar_downsample(v) ** 2, (x[0],))
    _util.assert_jit_matches_eager(rj.haar_downsample, x)
    _util.assert_vmap_matches_loop(rj.haar_downsample, x)
    _util.assert_vmap_matches_loop(lambda v: rj.haar_upsample(v, rank=1), x.repeat(2, axis=-1))


def test_unbatched_and_several_leading_axes(rng):
    x = rng.standard_normal((2, 3, 4, 2, 1)).astype(np.float32)
    out = rj.haar_downsample(x)
    np.testing.assert_array_equal(out[1, 2], rj.haar_downsample(x[1, 2]))


def test_rejects_odd_sizes():
    with pytest.raises(ValueError, match="x.*must be even"):
        rj.haar_downsample(np.zeros((4, 5, 1), np.float32))


def test_rejects_channels_not_divisible():
    with pytest.raises(ValueError, match="channel count.*2\\*\\*rank = 4"):
        rj.haar_upsample(np.zeros((2, 2, 6), np.float32))


def test_rejects_integer_input():
    with pytest.raises(TypeError, match="x.*floating"):
        rj.haar_downsample(np.zeros((4, 4, 1), np.int32))


@pytest.mark.parametrize(("rank", "error"), [(0, ValueError), (4, ValueError), (2.0, TypeError),
                                           (True, TypeError)])
def test_rejects_bad_rank(rank, error):
    with pytest.raises(error, match="rank"):
        rj.haar_downsample(np.zeros((4, 4, 4, 4, 1), np.float32), rank=rank)
