"""pixel_shuffle / pixel_unshuffle (depth_to_space / space_to_depth) and bed_of_nails.

Oracles: torch.nn.functional.pixel_(un)shuffle (convention="pytorch"), dm_pix.depth_to_space /
space_to_depth (default convention), and the DCR / CRD index formulas evaluated by plain loops on
iota inputs, where every output value names the input position it came from.
"""

import itertools

import _util
import dm_pix
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

import resample_jax as rj


def _shuffle_by_formula(x: np.ndarray, factor: tuple[int, ...], convention: str) -> np.ndarray:
    """out[s*f + i, c] = x[s, depth(i, c)] with the block offset i flattened row-major."""
    rank = len(factor)
    batch, spatial, depth = x.shape[: -1 - rank], x.shape[-1 - rank : -1], x.shape[-1]
    block = int(np.prod(factor))
    channels = depth // block
    fine = tuple(s * f for s, f in zip(spatial, factor, strict=True))
    out = np.zeros((*batch, *fine, channels), x.dtype)
    for s in itertools.product(*map(range, spatial)):
        for i in itertools.product(*map(range, factor)):
            offset = int(np.ravel_multi_index(i, factor))
            for c in range(channels):
                d = offset * channels + c if convention == "jax" else c * block + offset
                pos = tuple(si * f + ii for si, f, ii in zip(s, factor, i, strict=True))
                out[(..., *pos, c)] = x[(..., *s, d)]
    return out


# ---------------------------------------------------------------------------- pixel_shuffle


@pytest.mark.parametrize("block", [2, 3])
def test_default_matches_dm_pix_depth_to_space(rng, block):
    x = rng.standard_normal((2, 3, 4, 2 * block * block)).astype(np.float32)
    np.testing.assert_array_equal(
        rj.pixel_shuffle(x, block), dm_pix.depth_to_space(jnp.asarray(x), block)
    )
    y = rng.standard_normal((2, 3 * block, 4 * block, 2)).astype(np.float32)
    np.testing.assert_array_equal(
        rj.pixel_unshuffle(y, block), dm_pix.space_to_depth(jnp.asarray(y), block)
    )


@pytest.mark.parametrize("block", [2, 3])
def test_pytorch_convention_matches_torch_pixel_shuffle(rng, block):
    x = rng.standard_normal((2, 3, 4, 3 * block * block)).astype(np.float32)
    expected = _util.torch_call(torch.nn.functional.pixel_shuffle, x, block)
    np.testing.assert_array_equal(rj.pixel_shuffle(x, block, convention="pytorch"), expected)
    y = rng.standard_normal((2, 3 * block, 2 * block, 3)).astype(np.float32)
    expected = _util.torch_call(torch.nn.functional.pixel_unshuffle, y, block)
    np.testing.assert_array_equal(rj.pixel_unshuffle(y, block, convention="pytorch"), expected)


def test_conventions_differ_only_when_several_channels():
    x = np.arange(2 * 3 * 4).reshape(2, 3, 4)
    np.testing.assert_array_equal(
        rj.pixel_shuffle(x, 2), rj.pixel_shuffle(x, 2, convention="pytorch")
    )
    x = np.arange(2 * 3 * 8).reshape(2, 3, 8)
    assert not np.array_equal(rj.pixel_shuffle(x, 2), rj.pixel_shuffle(x, 2, convention="pytorch"))


def test_dcr_formula_on_hand_built_2x2_block():
    # Two channels, depth index (i*2 + j)*C + c: channel 0 holds 0, 2, 4, 6 and channel 1 the odd.
    x = np.arange(8, dtype=np.int32).reshape(1, 1, 8)
    out = np.asarray(rj.pixel_shuffle(x, 2))
    np.testing.assert_array_equal(out[..., 0], [[0, 2], [4, 6]])
    np.testing.assert_array_equal(out[..., 1], [[1, 3], [5, 7]])
    out = np.asarray(rj.pixel_shuffle(x, 2, convention="pytorch"))
    np.testing.assert_array_equal(out[..., 0], [[0, 1], [2, 3]])
    np.testing.assert_array_equal(out[..., 1], [[4, 5], [6, 7]])


@pytest.mark.parametrize("convention", ["jax", "pytorch"])
@pytest.mark.parametrize(
    ("factor", "spatial"),
    [((3,), (4,)), ((2, 3), (2, 3)), ((2, 1, 3), (2, 3, 1))],
    ids=["1d", "2d-nonsquare", "3d"],
)
def test_matches_index_formula_on_iota(factor, spatial, convention):
    depth = 2 * int(np.prod(factor))
    x = np.arange(2 * int(np.prod(spatial)) * depth, dtype=np.int32).reshape(2, *spatial, depth)
    out = rj.pixel_shuffle(x, factor, convention=convention)
    assert out.dtype == jnp.int32
    np.testing.assert_array_equal(out, _shuffle_by_formula(x, factor, convention))
    np.testing.assert_array_equal(rj.pixel_unshuffle(out, factor, convention=convention), x)


@pytest.mark.parametrize("convention", ["jax", "pytorch"])
def test_unshuffle_inverts_shuffle_and_back(rng, convention):
    x = rng.integers(-100, 100, (3, 2, 4, 6, 8)).astype(np.int16)
    y = rj.pixel_shuffle(x, (2, 2), convention=convention)
    assert y.shape == (3, 2, 8, 12, 2) and y.dtype == jnp.int16
    np.testing.assert_array_equal(rj.pixel_unshuffle(y, (2, 2), convention=convention), x)
    np.testing.assert_array_equal(
        rj.pixel_shuffle(rj.pixel_unshuffle(y, 2, convention=convention), 2, convention=convention),
        y,
    )


def test_aliases_are_the_same_functions():
    assert rj.depth_to_space is rj.pixel_shuffle
    assert rj.space_to_depth is rj.pixel_unshuffle


def test_unbatched_input_and_factor_one():
    x = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    assert rj.pixel_shuffle(x, 2).shape == (4, 6, 1)
    np.testing.assert_array_equal(rj.pixel_shuffle(x, 1), x)


@pytest.mark.parametrize("convention", ["jax", "pytorch"])
def test_unshuffle_is_the_vjp_of_shuffle(rng, convention):
    x = rng.standard_normal((2, 3, 2, 8))
    fn = lambda v: rj.pixel_shuffle(v, (2, 2), convention=convention)
    _util.assert_adjoint(fn, x, rng)
    out, vjp = jax.vjp(fn, jnp.asarray(x, jnp.float32))
    y = jnp.asarray(rng.standard_normal(out.shape), jnp.float32)
    np.testing.assert_array_equal(
        vjp(y)[0], rj.pixel_unshuffle(y, (2, 2), convention=convention)
    )


def test_shuffle_gradients():
    x = np.random.default_rng(1).standard_normal((1, 2, 2, 4))
    _util.check_grads_f64(lambda v: rj.pixel_shuffle(v, 2) ** 2, (x,))


def test_jit_matches_eager_and_vmap_matches_loop(rng):
    x = rng.standard_normal((3, 2, 3, 8)).astype(np.float32)
    fn = lambda v: rj.pixel_shuffle(v, (1, 2), convention="pytorch")
    _util.assert_jit_matches_eager(fn, x)
    _util.assert_vmap_matches_loop(fn, x)
    _util.assert_vmap_matches_loop(lambda v: rj.pixel_unshuffle(v, (3,)), x[:, 0])


def test_shuffle_rejects_channels_not_divisible():
    with pytest.raises(ValueError, match="channel count.*prod\\(factor\\) = 4"):
        rj.pixel_shuffle(np.zeros((2, 2, 6)), 2)


def test_unshuffle_rejects_sizes_not_divisible():
    with pytest.raises(ValueError, match="divisible by factor"):
        rj.pixel_unshuffle(np.zeros((4, 5, 1)), 2)


def test_rejects_unknown_convention_with_suggestion():
    with pytest.raises(ValueError, match="convention.*Did you mean 'pytorch'"):
        rj.pixel_shuffle(np.zeros((1, 1, 4)), 2, convention="pytorh")


@pytest.mark.parametrize("factor", [0, (2, 0), (1, 1, 1, 1)])
def test_rejects_bad_factor(factor):
    with pytest.raises(ValueError, match="factor"):
        rj.pixel_shuffle(np.zeros((1, 1, 1, 1, 4)), factor)
    with pytest.raises(ValueError, match="factor"):
        rj.pixel_unshuffle(np.zeros((1, 1, 1, 1, 4)), factor)


def test_rejects_too_few_dims():
    with pytest.raises(ValueError, match="x.*3 dims"):
        rj.pixel_shuffle(np.zeros((4, 4)), 2)


# ---------------------------------------------------------------------------- bed_of_nails


def _nails_by_strided_assignment(x, factor, offset):
    rank = len(factor)
    spatial = x.shape[-1 - rank : -1]
    fine = tuple(s * f for s, f in zip(spatial, factor, strict=True))
    out = np.zeros((*x.shape[: -1 - rank], *fine, x.shape[-1]), x.dtype)
    out[(..., *(slice(o, None, f) for o, f in zip(offset, factor, strict=True)), slice(None))] = x
    return out


def test_bed_of_nails_hand_computed_2d():
    x = np.array([[1, 2], [3, 4]], np.int32)[..., None]
    out = np.asarray(rj.bed_of_nails(x, 2, offset=(1, 0)))[..., 0]
    np.testing.assert_array_equal(
        out, [[0, 0, 0, 0], [1, 0, 2, 0], [0, 0, 0, 0], [3, 0, 4, 0]]
    )


@pytest.mark.parametrize(
    ("factor", "offset"),
    [((3,), (2,)), ((2, 3), (0, 1)), ((2, 1, 2), (1, 0, 1))],
    ids=["1d", "2d", "3d"],
)
def test_bed_of_nails_matches_strided_assignment(rng, factor, offset):
    x = rng.integers(1, 100, (2, *(3,) * len(factor), 2)).astype(np.int32)
    out = rj.bed_of_nails(x, factor, offset=offset)
    assert out.dtype == jnp.int32
    np.testing.assert_array_equal(out, _nails_by_strided_assignment(x, factor, offset))


def test_bed_of_nails_vjp_is_strided_subsampling(rng):
    x = rng.standard_normal((2, 3, 2, 2))
    fn = lambda v: rj.bed_of_nails(v, (2, 3), offset=(1, 2))
    _util.assert_adjoint(fn, x, rng)
    out, vjp = jax.vjp(fn, jnp.asarray(x, jnp.float32))
    y = rng.standard_normal(out.shape).astype(np.float32)
    np.testing.assert_array_equal(vjp(jnp.asarray(y))[0], y[:, 1::2, 2::3, :])


def test_bed_of_nails_gradients_jit_and_vmap(rng):
    x = rng.standard_normal((3, 2, 2, 1)).astype(np.float32)
    fn = lambda v: rj.bed_of_nails(v, 2, offset=1)
    _util.check_grads_f64(lambda v: fn(v) ** 2, (x[0],))
    _util.assert_jit_matches_eager(fn, x)
    _util.assert_vmap_matches_loop(fn, x)


@pytest.mark.parametrize("offset", [2, -1, (0, 3)])
def test_bed_of_nails_rejects_offset_outside_cell(offset):
    with pytest.raises(ValueError, match="offset"):
        rj.bed_of_nails(np.zeros((2, 2, 1)), (2, 3), offset=offset)


# --- zero-size arrays (PyTorch's OpInfo samples use factor 1 with a zero C, H or W) ------------


@pytest.mark.parametrize(
    "shape,factor",
    [
        ((0, 3, 4, 8), 2),  # empty batch
        ((2, 0, 4, 8), 2),  # zero height
        ((2, 3, 0, 8), (2,) * 2),  # zero width
        ((2, 3, 4, 0), 2),  # no channels
        ((1, 1, 0, 1), 1),
        ((0, 5, 0, 2, 6), (1, 2, 3)),  # 3-D, empty batch and height
    ],
)
@pytest.mark.parametrize("convention", ["jax", "pytorch"])
def test_zero_size_shapes_and_round_trip(shape, factor, convention):
    x = jnp.zeros(shape, jnp.float32)
    f = (factor,) * 2 if isinstance(factor, int) else factor
    rank = len(f)
    up = rj.pixel_shuffle(x, factor, convention=convention)
    spatial = tuple(s * k for s, k in zip(shape[-1 - rank : -1], f, strict=True))
    assert up.shape == (*shape[: -1 - rank], *spatial, shape[-1] // int(np.prod(f)))
    assert rj.pixel_unshuffle(up, factor, convention=convention).shape == shape
