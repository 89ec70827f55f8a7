"""pyr_down / pyr_up against cv2.pyrDown / cv2.pyrUp (even and odd sizes, explicit dstsize), the
Gaussian pyramid against cv2.buildPyramid, Laplacian bands against cv2 arithmetic, exact
reconstruction, constants, separability in 1-D / 3-D, jit / vmap / gradients and bad input."""

import _util
import cv2
import jax.numpy as jnp
import numpy as np
import pytest

import resample_jax as rj

# Even, odd, tiny (reflect-101 of 1 and 2 samples) and mixed sizes, 1 and 3 channels.
SIZES = [(8, 8, 1), (7, 9, 3), (1, 4, 1), (2, 3, 3), (5, 2, 1)]


def _cv2(fn, x, **kw):
    """cv2 on an (H, W, C) float32 array, keeping the channel axis when C == 1."""
    out = fn(np.ascontiguousarray(x), **kw)
    return out.reshape(*out.shape[:2], x.shape[-1])


@pytest.mark.parametrize("shape", SIZES, ids=str)
def test_pyr_down_matches_cv2(rng, shape):
    x = rng.standard_normal(shape).astype(np.float32)
    out = rj.pyr_down(x)
    assert out.shape == ((shape[0] + 1) // 2, (shape[1] + 1) // 2, shape[2])
    _util.assert_close(out, _cv2(cv2.pyrDown, x))


@pytest.mark.parametrize("shape", SIZES, ids=str)
def test_pyr_up_matches_cv2_including_odd_dstsize(rng, shape):
    x = rng.standard_normal(shape).astype(np.float32)
    h, w = shape[:2]
    _util.assert_close(rj.pyr_up(x), _cv2(cv2.pyrUp, x))
    for size in [(2 * h - 1, 2 * w), (2 * h, 2 * w - 1), (2 * h - 1, 2 * w - 1)]:
        _util.assert_close(
            rj.pyr_up(x, size=size), _cv2(cv2.pyrUp, x, dstsize=(size[1], size[0]))
        )


def test_pyr_up_hand_computed_1d():
    # Even outputs (x[k-1] + 6 x[k] + x[k+1]) / 8, odd (x[k] + x[k+1]) / 2, x[-1] = x[2] = x[1].
    out = np.asarray(rj.pyr_up(np.array([[1.0], [3.0]]), rank=1))[:, 0]
    np.testing.assert_allclose(out, [12 / 8, 2.0, 22 / 8, 3.0])


def test_1d_matches_cv2_on_a_single_column(rng):
    x = rng.standard_normal((9, 2)).astype(np.float32)
    col = x[:, None, :]  # (H, W=1, C): reflect-101 of one column is that column
    _util.assert_close(rj.pyr_down(x, rank=1), _cv2(cv2.pyrDown, col)[:, 0])
    _util.assert_close(
        rj.pyr_up(x, size=(17,)), _cv2(cv2.pyrUp, col, dstsize=(2, 17))[:, 0]
    )


def test_3d_is_2d_then_1d_along_depth(rng):
    x = rng.standard_normal((5, 6, 7, 2)).astype(np.float32)
    planes = rj.pyr_down(x)  # the leading depth axis acts as a batch axis
    expected = jnp.moveaxis(rj.pyr_down(jnp.moveaxis(planes, 0, -2), rank=1), -2, 0)
    _util.assert_close(rj.pyr_down(x, rank=3), expected)
    up = rj.pyr_up(x, size=(9, 12, 13))
    planes = rj.pyr_up(x, size=(12, 13))
    expected = jnp.moveaxis(rj.pyr_up(jnp.moveaxis(planes, 0, -2), size=(9,)), -2, 0)
    _util.assert_close(up, expected)


def _cv2_gaussian_pyramid(x, levels):
    # cv::buildPyramid (not exposed in Python) is repeated pyrDown.
    out = [x]
    for _ in range(levels):
        out.append(cv2.pyrDown(out[-1]))
    return out


def test_gaussian_pyramid_matches_repeated_cv2_pyr_down(rng):
    x = rng.standard_normal((13, 10, 3)).astype(np.float32)
    ours = rj.gaussian_pyramid(x, 3)
    theirs = _cv2_gaussian_pyramid(x, 3)
    assert len(ours) == len(theirs) == 4
    for a, b in zip(ours, theirs, strict=True):
        _util.assert_close(a, b)


def test_laplacian_bands_match_cv2_arithmetic(rng):
    x = rng.standard_normal((13, 10, 3)).astype(np.float32)
    gauss = _cv2_gaussian_pyramid(x, 2)
    expected = [
        g - cv2.pyrUp(n, dstsize=(g.shape[1], g.shape[0]))
        for g, n in zip(gauss, gauss[1:], strict=False)
    ] + [gauss[-1]]
    ours = rj.laplacian_pyramid(x, 2)
    for a, b in zip(ours, expected, strict=True):
        _util.assert_close(a, b)


@pytest.mark.parametrize(
    ("rank", "shape"), [(1, (2, 11, 1)), (2, (13, 7, 2)), (3, (2, 5, 7, 9, 1))], ids=str
)
def test_reconstruction_inverts_laplacian_pyramid_for_odd_sizes(rng, rank, shape):
    x = rng.standard_normal(shape).astype(np.float32)
    bands = rj.laplacian_pyramid(x, 3, rank=rank)
    _util.assert_close(rj.reconstruct_laplacian(bands, rank=rank), x)
    assert rj.laplacian_pyramid(x, 0, rank=rank)[0] is not None


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_constant_stays_constant(rank):
    x = np.full((*(5, 6, 3)[:rank], 2), 2.5, np.float32)
    for out in (rj.pyr_down(x, rank=rank), rj.pyr_up(x, rank=rank)):
        _util.assert_close(out, np.full(out.shape, 2.5))
    bands = rj.laplacian_pyramid(x, 2, rank=rank)
    for band in bands[:-1]:
        np.testing.assert_allclose(band, 0.0, atol=1e-6)


def test_leading_batch_axes_and_unbatched(rng):
    x = rng.standard_normal((2, 3, 7, 6, 2)).astype(np.float32)
    down, up = rj.pyr_down(x), rj.pyr_up(x, size=(13, 12))
    _util.assert_close(down[1, 2], rj.pyr_down(x[1, 2]))
    _util.assert_close(up[1, 2], _cv2(cv2.pyrUp, x[1, 2], dstsize=(12, 13)))
    bands = rj.laplacian_pyramid(x, 2)
    _util.assert_close(bands[1][0, 1], rj.laplacian_pyramid(x[0, 1], 2)[1])


def test_jit_matches_eager_and_vmap_matches_loop(rng):
    x = rng.standard_normal((3, 7, 6, 2)).astype(np.float32)
    fn = lambda v: rj.pyr_up(rj.pyr_down(v), size=(7, 6))
    _util.assert_jit_matches_eager(fn, x)
    _util.assert_vmap_matches_loop(fn, x)
    _util.assert_vmap_matches_loop(lambda v: rj.laplacian_pyramid(v, 2), x)


def test_gradients_and_adjoint_consistency(rng):
    x = rng.standard_normal((5, 4, 1))
    # pyr_down is lax's strided depthwise convolution: first order checks our use of it; pyr_up's
    # polyphase arithmetic is ours and goes to order 2.
    _util.check_grads_f64(lambda v: rj.pyr_down(v) ** 2, (x,), order=1)
    _util.check_grads_f64(lambda v: rj.pyr_up(v, size=(9, 8)) ** 2, (x,))
    _util.assert_adjoint(lambda v: rj.pyr_up(v, size=(9, 7)), x, rng)
    _util.assert_adjoint(rj.pyr_down, x, rng)


def test_half_precision_keeps_dtype(rng):
    x = rng.standard_normal((6, 5, 2)).astype(np.float32)
    for dtype in (jnp.float16, jnp.bfloat16):
        for fn in (rj.pyr_down, rj.pyr_up):
            out = fn(jnp.asarray(x, dtype))
            assert out.dtype == dtype
            _util.assert_close(out, fn(x), dtype)


def test_rejects_integer_input():
    with pytest.raises(TypeError, match="x.*floating"):
        rj.pyr_down(np.zeros((4, 4, 1), np.uint8))


@pytest.mark.parametrize("size", [(10, 7), (8, 6), (3,)])
def test_pyr_up_rejects_size_not_2n_or_2n_minus_1(size):
    with pytest.raises(ValueError, match="size"):
        rj.pyr_up(np.zeros((4, 4, 1), np.float32), size=size, rank=2)


def test_rejects_negative_levels_and_bad_rank():
    with pytest.raises(ValueError, match="levels"):
        rj.gaussian_pyramid(np.zeros((4, 4, 1), np.float32), -1)
    with pytest.raises(TypeError, match="levels"):
        rj.laplacian_pyramid(np.zeros((4, 4, 1), np.float32), 1.5)
    with pytest.raises(ValueError, match="rank"):
        rj.pyr_down(np.zeros((4, 4, 1), np.float32), rank=4)


def test_reconstruct_rejects_inconsistent_levels():
    bands = rj.laplacian_pyramid(np.zeros((7, 6, 1), np.float32), 1)
    with pytest.raises(ValueError, match="pyramid\\[1\\].*shape \\(4, 3, 1\\)"):
        rj.reconstruct_laplacian([bands[0], np.zeros((3, 3, 1), np.float32)])
    with pytest.raises(ValueError, match="pyramid"):
        rj.reconstruct_laplacian([])
