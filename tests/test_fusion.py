"""Tests of size matching and skip-connection fusion on odd sizes."""

from __future__ import annotations

import _util
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from resample_jax import fuse, match_size


def test_crop_is_centred_with_the_extra_sample_removed_high():
    x = np.arange(7 * 6, dtype=np.int32).reshape(7, 6, 1)
    got = match_size(x, (4, 5))
    # Rows: 3 too many -> drop 1 low, 2 high. Columns: 1 too many -> drop it at the high end.
    np.testing.assert_array_equal(got, x[1:5, 0:5])
    assert got.dtype == x.dtype


def test_pad_is_zero_with_the_extra_sample_added_high():
    x = np.arange(1.0, 7.0, dtype=np.float32).reshape(2, 3, 1)
    got = match_size(x, (5, 4), mode="pad")[..., 0]
    expected = np.zeros((5, 4), np.float32)
    expected[1:3, 0:3] = x[..., 0]
    np.testing.assert_array_equal(got, expected)


def test_crop_or_pad_handles_axes_in_both_directions():
    x = np.arange(8 * 3, dtype=np.float32).reshape(1, 8, 3, 1)
    got = match_size(x, (7, 4), mode="crop_or_pad")
    expected = np.zeros((1, 7, 4, 1), np.float32)
    expected[:, :, 0:3] = x[:, 0:7]
    np.testing.assert_array_equal(got, expected)


def test_resize_matches_jax_image_bilinear(rng):
    x = rng.standard_normal((2, 8, 8, 3)).astype(np.float32)
    expected = jax.image.resize(x, (2, 7, 9, 3), "linear")
    _util.assert_close(match_size(x, (7, 9), mode="resize"), expected)


def test_reference_array_and_shape_tuple_agree(rng):
    x = rng.standard_normal((2, 9, 5, 4, 3)).astype(np.float32)
    ref = np.zeros((2, 7, 6, 4, 1), np.float32)
    got = match_size(x, ref, mode="crop_or_pad", rank=3)
    np.testing.assert_array_equal(got, match_size(x, (7, 6, 4), mode="crop_or_pad"))
    assert got.shape == (2, 7, 6, 4, 3)
    # Default rank 2 for an array reference; several leading batch axes and none.
    assert match_size(x, np.zeros((3, 6, 2)), mode="crop_or_pad").shape == (2, 9, 3, 6, 3)
    assert match_size(x[0, 0], (3, 3)).shape == (3, 3, 3)


@pytest.mark.parametrize("skip_size", [7, 9])
def test_fuse_concat_after_upsampling_an_odd_size(skip_size, rng):
    # Encoder 7 -> pool -> 3 -> x2 -> 6 (one short); encoder 9 -> ceil-mode pool -> 5 -> 10.
    skip = rng.standard_normal((2, skip_size, skip_size, 4)).astype(np.float32)
    up = {7: 6, 9: 10}[skip_size]
    x = rng.standard_normal((2, up, up, 2)).astype(np.float32)
    got = fuse(skip, x)
    assert got.shape == (2, skip_size, skip_size, 6)
    np.testing.assert_array_equal(got[..., :4], skip)
    matched = np.asarray(got[..., 4:])
    if up < skip_size:
        np.testing.assert_array_equal(matched[:, :6, :6], x)
        np.testing.assert_array_equal(matched[:, 6:], 0.0)
    else:
        np.testing.assert_array_equal(matched, x[:, :9, :9])


def test_fuse_add_on_odd_sizes(rng):
    skip = rng.standard_normal((3, 5, 4)).astype(np.float32)
    x = rng.standard_normal((3, 6, 4)).astype(np.float32)
    got = fuse(skip, x, mode="add", rank=1)
    np.testing.assert_allclose(got, skip + x[:, :5])
    resized = fuse(skip, x, mode="add", match="resize", rank=1)
    _util.assert_close(resized, skip + np.asarray(jax.image.resize(x, (3, 5, 4), "linear")))


def test_jit_vmap_and_adjoint(rng):
    x = rng.standard_normal((3, 5, 6, 2)).astype(np.float32)
    for mode in ("crop_or_pad", "resize"):
        fn = lambda v, mode=mode: match_size(v, (4, 7), mode=mode)
        _util.assert_jit_matches_eager(fn, x)
        _util.assert_vmap_matches_loop(fn, x)
    _util.assert_adjoint(lambda v: match_size(v, (4, 7), mode="crop_or_pad"), x, rng)
    skip = jnp.asarray(rng.standard_normal((3, 4, 7, 3)).astype(np.float32))
    _util.assert_jit_matches_eager(fuse, skip, x)
    _util.assert_vmap_matches_loop(lambda v: fuse(skip[0], v), x)


def test_rejects_bad_arguments():
    x = jnp.ones((1, 5, 5, 2))
    with pytest.raises(ValueError, match="crop_or_pad"):
        match_size(x, (6, 4))
    with pytest.raises(ValueError, match="crop_or_pad"):
        match_size(x, (4, 6), mode="pad")
    with pytest.raises(ValueError, match="Did you mean 'crop'"):
        match_size(x, (4, 4), mode="crops")
    with pytest.raises(ValueError, match="rank"):
        match_size(x, (4, 4), rank=3)
    with pytest.raises(ValueError, match="reference"):
        match_size(x, (4, 4, 4, 4))
    with pytest.raises(ValueError, match="batch"):
        fuse(jnp.ones((2, 5, 5, 2)), x)
    with pytest.raises(TypeError, match="dtype"):
        fuse(x.astype(jnp.float16), x)
    with pytest.raises(ValueError, match="channel"):
        fuse(jnp.ones((1, 5, 5, 3)), x, mode="add")
    with pytest.raises(ValueError, match="Did you mean 'concat'"):
        fuse(x, x, mode="concatenate")
