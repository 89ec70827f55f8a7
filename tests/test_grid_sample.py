"""grid_sample and affine_grid: parity with torch.nn.functional (values and autograd gradients
w.r.t. input and grid), hand-computed samples, identities, jit / vmap / float64 gradient checks, and
bad input."""

import functools
import itertools

import _util
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from resample_jax import affine_grid, grid_sample

TORCH_MODE = {"nearest": "nearest", "linear": "bilinear", "cubic": "bicubic"}
PADDING_MODES = ("zeros", "border", "reflection")

# Our float32 against torch in float64. Values are sums of a few products (within 1e-5); a grid
# gradient is a difference of taps times size / 2 and loses a few more bits.
VALUE_TOL = dict(rtol=1e-5, atol=2e-5)
GRAD_TOL = dict(rtol=1e-4, atol=1e-4)


def _torch_grid_sample(x, grid, cotangent, method, padding_mode, align_corners):
    """torch's output and the autograd gradients w.r.t. x and grid, all channels-last, float64."""
    xt = torch.tensor(_util.to_channels_first(x), dtype=torch.float64, requires_grad=True)
    gt = torch.tensor(np.asarray(grid), dtype=torch.float64, requires_grad=True)
    out = F.grid_sample(
        xt, gt, mode=TORCH_MODE[method], padding_mode=padding_mode, align_corners=align_corners
    )
    out.backward(torch.tensor(_util.to_channels_first(cotangent), dtype=torch.float64))
    return (
        _util.to_channels_last(out.detach().numpy()),
        _util.to_channels_last(xt.grad.numpy()),
        gt.grad.numpy(),
    )


def _ours_with_grads(x, grid, cotangent, method, padding_mode, align_corners):
    """Our output and the gradients w.r.t. x and grid, under one jit (one compilation)."""

    def value_and_vjp(x, grid, cotangent):
        out, vjp = jax.vjp(
            lambda x, g: grid_sample(
                x, g, method, padding_mode=padding_mode, align_corners=align_corners
            ),
            x,
            grid,
        )
        return (out, *vjp(cotangent))

    return jax.jit(value_and_vjp)(x, grid, cotangent)


def _inputs(rng, spatial, out_spatial, channels=3, batch=2, spread=1.5):
    """Random image, grid (with points up to `spread` outside [-1, 1]) and output cotangent."""
    rank = len(spatial)
    x = rng.standard_normal((batch, *spatial, channels)).astype(np.float32)
    grid = rng.uniform(-spread, spread, (batch, *out_spatial, rank)).astype(np.float32)
    cot = rng.standard_normal((batch, *out_spatial, channels)).astype(np.float32)
    return x, grid, cot


def _assert_matches_torch(x, grid, cot, method, padding_mode, align_corners):
    ours = _ours_with_grads(x, grid, cot, method, padding_mode, align_corners)
    ref = _torch_grid_sample(x, grid, cot, method, padding_mode, align_corners)
    for name, a, b, tol in zip(
        ("value", "d/dx", "d/dgrid"), ours, ref, (VALUE_TOL,) + (GRAD_TOL,) * 2, strict=True
    ):
        np.testing.assert_allclose(np.asarray(a, np.float64), b, err_msg=name, **tol)


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", PADDING_MODES)
@pytest.mark.parametrize("method", ["nearest", "linear", "cubic"])
def test_matches_torch_2d_values_and_gradients(method, padding_mode, align_corners):
    rng = np.random.default_rng(1)
    x, grid, cot = _inputs(rng, (5, 7), (4, 6))
    _assert_matches_torch(x, grid, cot, method, padding_mode, align_corners)


@pytest.mark.parametrize(
    "method,padding_mode,align_corners",
    # Every method and padding mode, each align_corners value, without the full product.
    [
        ("nearest", "zeros", False),
        ("nearest", "border", True),
        ("nearest", "reflection", False),
        ("linear", "zeros", True),
        ("linear", "border", False),
        ("linear", "reflection", True),
        ("linear", "reflection", False),
    ],
)
def test_matches_torch_3d_values_and_gradients(method, padding_mode, align_corners):
    rng = np.random.default_rng(3)
    x, grid, cot = _inputs(rng, (4, 5, 6), (3, 4, 5))
    _assert_matches_torch(x, grid, cot, method, padding_mode, align_corners)


@pytest.mark.parametrize("method", ["nearest", "linear", "cubic"])
def test_1d_matches_torch_2d_on_a_single_row(method):
    # A height-1 image sampled at y = 0 reads row 0 with weight exactly 1 in both conventions.
    rng = np.random.default_rng(4)
    x, grid, _ = _inputs(rng, (9,), (7,))
    for padding_mode, align_corners in [("zeros", False), ("reflection", True), ("border", False)]:
        ours = grid_sample(x, grid, method, padding_mode=padding_mode, align_corners=align_corners)
        grid2 = np.stack([grid[..., 0], np.zeros_like(grid[..., 0])], -1)[:, None]
        ref = _util.torch_call(
            F.grid_sample,
            x[:, None],
            torch.from_numpy(grid2),
            mode=TORCH_MODE[method],
            padding_mode=padding_mode,
            align_corners=align_corners,
        )
        _util.assert_close(ours, ref[:, 0], **VALUE_TOL)


@pytest.mark.parametrize("padding_mode", PADDING_MODES)
def test_3d_cubic_on_depth_constant_data_equals_torch_2d_bicubic(padding_mode):
    # torch has no 3-D bicubic. On data constant along depth, with depth taps that all read the
    # image, the depth weights (Keys cubic, partition of unity) sum to 1 and 3-D cubic reduces to
    # 2-D bicubic of one slice.
    rng = np.random.default_rng(5)
    x2, grid2, _ = _inputs(rng, (5, 6), (4, 5))
    depth = 7
    x3 = np.repeat(x2[:, None], depth, axis=1)
    # align_corners=True: z in [-1/3, 1/3) puts the depth coordinate in [2, 4), taps 1..5 in range.
    z = rng.uniform(-1 / 3, 1 / 3, (2, 3, 4, 5, 1)).astype(np.float32)
    grid3 = np.concatenate([np.repeat(grid2[:, None], 3, axis=1), z], -1)
    ours = grid_sample(x3, grid3, "cubic", padding_mode=padding_mode, align_corners=True)
    ref = _util.torch_call(
        F.grid_sample,
        x2,
        torch.from_numpy(grid2),
        mode="bicubic",
        padding_mode=padding_mode,
        align_corners=True,
    )
    _util.assert_close(ours, np.repeat(ref[:, None], 3, axis=1), **VALUE_TOL)


# torch warns that unit-size grids with align_corners=True changed in 1.3 (now: coordinate 0).
@pytest.mark.filterwarnings("ignore:Since version 1.3.0, affine_grid")
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("size", [(3, 5), (2, 3, 4)])
def test_affine_grid_matches_torch(size, align_corners):
    rank = len(size)
    rng = np.random.default_rng(rank)
    theta = rng.standard_normal((2, rank, rank + 1)).astype(np.float32)
    ours = affine_grid(theta, size, align_corners=align_corners)
    ref = F.affine_grid(torch.from_numpy(theta), (2, 1, *size), align_corners=align_corners)
    assert ours.shape == (2, *size, rank)
    _util.assert_close(ours, ref.numpy())
    # Unbatched theta and a size-1 axis (torch puts its single coordinate at 0).
    ours = affine_grid(theta[0], (1, *size[1:]), align_corners=align_corners)
    ref = F.affine_grid(
        torch.from_numpy(theta[:1]), (1, 1, 1, *size[1:]), align_corners=align_corners
    )
    _util.assert_close(ours, ref.numpy()[0])


@pytest.mark.parametrize(
    "method,align_corners",
    [("nearest", False), ("nearest", True), ("linear", False), ("linear", True), ("cubic", True)],
)
def test_identity_affine_grid_reproduces_input(method, align_corners):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 5, 6, 3)).astype(np.float32)
    identity = np.broadcast_to(np.eye(2, 3, dtype=np.float32), (2, 2, 3))
    grid = affine_grid(identity, (5, 6), align_corners=align_corners)
    out = grid_sample(x, grid, method, align_corners=align_corners)
    if method == "nearest":
        np.testing.assert_array_equal(out, x)
    else:
        # The round trip through [-1, 1] is exact up to float32 rounding of the pixel positions.
        _util.assert_close(out, x, rtol=1e-6, atol=1e-6)


def test_hand_computed_2x2_samples():
    # x = [[1, 2], [3, 4]]; align_corners=False: pixel position = c + 0.5, centres at 0 and 1.
    x = jnp.array([[1.0, 2.0], [3.0, 4.0]])[..., None]
    points = jnp.array([[0.0, 0.0], [0.5, -0.5], [-1.0, -1.0], [1.75, 0.5], [0.75, 0.0]])[None]
    expected = {
        # (0, 0): mean of all four. (0.5, -0.5): the centre of pixel (0, 1). (-1, -1): position
        # (-0.5, -0.5), weight 1/4 on pixel (0, 0) and 3/4 on padding. (1.75, 0.5): position
        # (2.25, 1), outside. (0.75, 0): position (1.25, 0.5), weight 3/4 on column 1.
        "zeros": [2.5, 2.0, 0.25, 0.0, 0.75 * 3.0],
        # Positions clamp to [0, 1]: pixel (0, 0); pixel (1, 1); column 1.
        "border": [2.5, 2.0, 1.0, 4.0, 3.0],
        # Mirroring about the edges -0.5 and 1.5: -0.5 stays (then clamps to 0); 2.25 -> 0.75,
        # so row 1 at column 0.75 is 3 / 4 + 3 * 4 / 4; 1.25 is inside, clamped to column 1.
        "reflection": [2.5, 2.0, 1.0, 3.75, 3.0],
    }
    for padding_mode, want in expected.items():
        out = grid_sample(x, points, padding_mode=padding_mode)
        np.testing.assert_allclose(out[0, :, 0], want, rtol=1e-6, atol=1e-6, err_msg=padding_mode)


def test_nearest_rounds_half_to_even_like_torch():
    # align_corners=True on width 5: pixel position = 2 (c + 1); these c land on exact halves.
    x = jnp.arange(5.0)[:, None]
    grid = jnp.array([-0.75, -0.25, 0.25, 0.75])[:, None]
    out = grid_sample(x, grid, "nearest", align_corners=True)
    np.testing.assert_array_equal(out[:, 0], [0.0, 2.0, 2.0, 4.0])
    ref = F.grid_sample(
        torch.arange(5.0).reshape(1, 1, 1, 5),
        torch.tensor([[[[-0.75, 0.0], [-0.25, 0.0], [0.25, 0.0], [0.75, 0.0]]]]),
        mode="nearest",
        align_corners=True,
    )
    np.testing.assert_array_equal(out[:, 0], ref.numpy().ravel())


def test_nearest_keeps_integer_dtype():
    rng = np.random.default_rng(7)
    x = rng.integers(-100, 100, (2, 5, 6, 3)).astype(np.int32)
    _, grid, _ = _inputs(rng, (5, 6), (4, 4))
    out = grid_sample(x, grid, "nearest", padding_mode="reflection")
    assert out.dtype == jnp.int32
    ref = grid_sample(x.astype(np.float32), grid, "nearest", padding_mode="reflection")
    np.testing.assert_array_equal(out, ref)


@pytest.mark.parametrize("dtype", [jnp.float16, jnp.bfloat16])
def test_half_precision_computes_in_float32_and_keeps_dtype(dtype):
    rng = np.random.default_rng(8)
    x, grid, _ = _inputs(rng, (5, 6), (4, 4))
    x_half = jnp.asarray(x, dtype)
    out = grid_sample(x_half, grid, "cubic", padding_mode="border")
    assert out.dtype == dtype
    ref = grid_sample(x_half.astype(jnp.float32), grid, "cubic", padding_mode="border")
    _util.assert_close(out, ref, dtype=dtype)


def test_non_finite_coordinates_sample_zero_with_zero_gradient():
    rng = np.random.default_rng(9)
    x = jnp.asarray(rng.standard_normal((4, 5, 2)), jnp.float32)
    bad = jnp.array([[np.nan, 0.1], [0.2, np.inf], [-np.inf, 0.0], [0.3, -0.4]], jnp.float32)[None]
    for method, padding_mode in [
        ("nearest", "border"),
        ("linear", "reflection"),
        ("cubic", "zeros"),
        ("cubic", "reflection"),
    ]:
        fn = functools.partial(grid_sample, x, method=method, padding_mode=padding_mode)
        out = fn(bad)
        np.testing.assert_array_equal(out[0, :3], 0.0)
        assert np.all(np.isfinite(out))
        grad = jax.grad(lambda g, fn=fn: fn(g).sum())(bad)
        assert np.all(np.isfinite(grad)) and np.all(grad[0, :3] == 0.0)
    # torch's generic (3-D) kernel also treats NaN as out of range under zeros padding.
    x3 = rng.standard_normal((1, 3, 3, 3, 1)).astype(np.float32)
    grid3 = np.zeros((1, 1, 1, 2, 3), np.float32)
    grid3[..., 0, 0] = np.nan
    ref = _util.torch_call(F.grid_sample, x3, torch.from_numpy(grid3), align_corners=False)
    np.testing.assert_array_equal(grid_sample(x3, grid3), ref)


def test_gradient_wrt_x_is_the_adjoint(rng):
    _, grid, _ = _inputs(rng, (5, 6), (4, 4))
    x = rng.standard_normal((2, 5, 6, 3))
    _util.assert_adjoint(lambda x: grid_sample(x, grid, "cubic", padding_mode="reflection"), x, rng)


def _off_kink_grid(rng, spatial, out_spatial, align_corners):
    """Grid points whose pixel positions are 0.2-0.4 or 0.6-0.8 past an integer, inside and outside
    the image: no floor, clip, reflection or cubic-kernel kink within a finite-difference step."""
    rank = len(spatial)
    sizes = np.array(spatial[::-1], np.float64)  # (x, y, z) order
    shape = (*out_spatial, rank)
    frac = rng.uniform(0.2, 0.4, shape) + 0.4 * rng.integers(0, 2, shape)
    pos = rng.integers(-2, spatial[-1] + 1, shape) + frac
    if align_corners:
        return pos / (sizes - 1) * 2 - 1
    return (2 * pos + 1) / sizes - 1


@pytest.mark.parametrize(
    "method,padding_mode,align_corners",
    [("linear", "reflection", True), ("cubic", "reflection", False)],
)
def test_gradients_to_second_order(method, padding_mode, align_corners):
    rng = np.random.default_rng(10)
    x = rng.standard_normal((4, 5, 2))
    grid = _off_kink_grid(rng, (4, 5), (2, 3), align_corners)
    fn = lambda x, g: grid_sample(
        x, g, method, padding_mode=padding_mode, align_corners=align_corners
    )
    _util.check_grads_f64(fn, (x, grid), order=2)


def test_affine_grid_gradient():
    rng = np.random.default_rng(11)
    theta = rng.standard_normal((2, 3))
    _util.check_grads_f64(lambda t: affine_grid(t, (3, 4)), (theta,), order=1)


def test_jit_matches_eager(rng):
    x, grid, _ = _inputs(rng, (5, 6), (4, 4))
    fn = lambda x, g: grid_sample(x, g, "cubic", padding_mode="reflection", align_corners=True)
    # In float64: a 16-tap cubic sum in float32 legitimately differs by a few ulps between fused
    # (jit) and op-by-op evaluation, more than the helper's 1e-6 absolute tolerance.
    with jax.enable_x64(True):
        _util.assert_jit_matches_eager(fn, x.astype(np.float64), grid.astype(np.float64))
    theta = rng.standard_normal((2, 2, 3)).astype(np.float32)
    _util.assert_jit_matches_eager(lambda t: affine_grid(t, (3, 4)), theta)


def test_vmap_matches_loop_over_images_and_over_grids(rng):
    x, grid, _ = _inputs(rng, (5, 6), (4, 4))
    _util.assert_vmap_matches_loop(lambda xi, g: grid_sample(xi, g), x, grid[0])
    _util.assert_vmap_matches_loop(lambda g, xi: grid_sample(xi, g, "cubic"), grid, x[0])
    theta = rng.standard_normal((3, 2, 3)).astype(np.float32)
    _util.assert_vmap_matches_loop(lambda t: affine_grid(t, (3, 4)), theta)


def test_unbatched_and_several_batch_axes_match_per_image_calls(rng):
    x = rng.standard_normal((2, 3, 5, 6, 2)).astype(np.float32)
    grid = rng.uniform(-1.2, 1.2, (2, 3, 4, 4, 2)).astype(np.float32)
    out = grid_sample(x, grid, padding_mode="border")
    assert out.shape == (2, 3, 4, 4, 2)
    for i, j in itertools.product(range(2), range(3)):
        single = grid_sample(x[i, j], grid[i, j], padding_mode="border")
        assert single.shape == (4, 4, 2)
        _util.assert_close(out[i, j], single)


def test_rejects_bad_arguments():
    x = jnp.zeros((2, 5, 6, 3))
    grid = jnp.zeros((2, 4, 4, 2))
    with pytest.raises(ValueError, match="padding_mode.*Did you mean 'reflection'"):
        grid_sample(x, grid, padding_mode="reflect")
    with pytest.raises(ValueError, match="method"):
        grid_sample(x, grid, "lanczos")
    with pytest.raises(ValueError, match=r"grid.*\(2, 4, 4, 4\)"):
        grid_sample(x, jnp.zeros((2, 4, 4, 4)))
    with pytest.raises(ValueError, match=r"\(2, 5, 6, 3\).*\(3, 4, 4, 2\)"):
        grid_sample(x, jnp.zeros((3, 4, 4, 2)))
    with pytest.raises(ValueError, match=r"x.*\(5, 3\)"):  # 3-D grid, 1-D image
        grid_sample(jnp.zeros((5, 3)), jnp.zeros((2, 2, 2, 3)))
    with pytest.raises(ValueError, match="3 output spatial axes"):
        grid_sample(x, jnp.zeros((4, 3)))
    with pytest.raises(TypeError, match="floating"):
        grid_sample(x.astype(jnp.int32), grid, "linear")
    with pytest.raises(TypeError, match="grid"):
        grid_sample(x, grid.astype(jnp.int32))
    with pytest.raises(TypeError, match="align_corners"):
        grid_sample(x, grid, align_corners=1)
    with pytest.raises(ValueError, match="non-empty"):
        grid_sample(jnp.zeros((0, 6, 3)), jnp.zeros((4, 4, 2)))
    with pytest.raises(ValueError, match=r"theta.*\(\*batch, 3, 4\)"):
        affine_grid(jnp.zeros((2, 3)), (2, 3, 4))
    with pytest.raises(ValueError, match="size"):
        affine_grid(jnp.zeros((2, 3)), (0, 3))
    with pytest.raises(ValueError, match=r"theta.*\(6,\)"):
        affine_grid(jnp.zeros(6), 4)
    with pytest.raises(TypeError, match="theta"):
        affine_grid(jnp.zeros((2, 3), jnp.int32), (2, 3))


@pytest.mark.parametrize("n,align_corners", [(48, True), (42, True), (47, False), (7, False)])
def test_reflection_folds_to_the_side_torch_reads_at_the_fold_points(n, align_corners):
    # Coordinates at and one float32 step inside the right edge: PyTorch reads the last pixels.
    # Deciding the side from floor(c / span) under jit (a multiply by the rounded reciprocal)
    # mirrored some of these to pixel 0 (n = 48 with align_corners: 1.0 read pixel 0, not 47).
    x = np.arange(n, dtype=np.float32).reshape(1, n, 1)
    coords = np.array([1.0, np.nextafter(np.float32(1.0), np.float32(0.0)), -1.0, 0.999,
                       1.0 + 2.0 / n, 3.0, -3.0], np.float32)
    grid = coords.reshape(1, -1, 1)
    for method, torch_mode in (("linear", "bilinear"), ("nearest", "nearest"),
                               ("cubic", "bicubic")):
        ref = F.grid_sample(
            torch.from_numpy(x.reshape(1, 1, 1, n)),
            torch.from_numpy(np.stack([coords, np.zeros_like(coords)], -1).reshape(1, 1, -1, 2)),
            torch_mode, "reflection", align_corners)
        got = jax.jit(functools.partial(grid_sample, method=method, padding_mode="reflection",
                                        align_corners=align_corners))(x, grid)
        _util.assert_close(np.asarray(got)[0, :, 0], ref.numpy()[0, 0, 0], rtol=1e-5, atol=1e-4)


def test_identity_grid_with_reflection_reproduces_every_size():
    # affine_grid's identity then reflection sampling is the identity, as in PyTorch, for every
    # size up to 128 (38 sizes up to 256 failed at the last row / column before).
    for n in range(2, 129):
        x = np.random.default_rng(n).standard_normal((1, n, 2, 1)).astype(np.float32)
        grid = affine_grid(np.array([[[1.0, 0, 0], [0, 1.0, 0]]], np.float32), (n, 2),
                           align_corners=True)
        y = grid_sample(x, grid, "linear", padding_mode="reflection", align_corners=True)
        # float32 grid points sit within a few ulps of the centres: interpolation error ~1e-5;
        # a wrong fold reads another pixel (errors of order 1).
        _util.assert_close(y, x, rtol=1e-4, atol=1e-4)
