"""resize: hand-computed cases, ONNX coordinate and rounding modes, jit = eager, vmap = loop,
float64 gradient checks to order 2 (forward and reverse), adjoint identities, invariants, the
scatter-free derivative, and bad input."""

from __future__ import annotations

import _util
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import resample_jax
from resample_jax import RESIZE_METHODS, Kernel, resize
from resample_jax._src import kernels

# Every kernel method, with a case that runs the periodic (slice) path and one that runs the
# gather path (23 output phases), spread over the methods.
METHOD_CASES = [
    ("nearest", (4,), {}),
    ("linear", (23,), {}),
    ("cubic", (4,), {}),
    ("lanczos3", (23,), {}),
    ("area", (9,), {}),
    ("gaussian", (9,), {}),
    ("mitchell", (23,), {}),
    ("lanczos2", (2,), {}),
    ("cubic", (9, 23), {"convention": "pytorch", "align_corners": True}),
    ("area", (23,), {"convention": "pytorch"}),
    ("area", (2, 3), {"convention": "opencv"}),
    (Kernel(kernels.triangle, 1.0), (9,), {}),
]
IDS = [f"{m if isinstance(m, str) else 'kernel'}-{s}-{kw.get('convention', 'jax')}"
       for m, s, kw in METHOD_CASES]


def _input(rng, batch, size):
    """Input of spatial shape (6,) or (5, 6) matching the rank of ``size``."""
    return rng.standard_normal((batch, *(5, 6)[2 - len(size):], 2)).astype(np.float32)


def _fn(method, size, kw):
    return lambda v: resize(v, size, method, **kw)


# ------------------------------------------------------------------------------ hand-computed


def test_hand_computed_linear_upsampling():
    x = jnp.array([0.0, 1.0, 2.0]).reshape(3, 1)
    # Half-pixel centres: out[o] samples (o + 0.5) / 2 - 0.5, clamped to the edge samples.
    np.testing.assert_allclose(resize(x, (6,), "linear")[:, 0], [0, 0.25, 0.75, 1.25, 1.75, 2])


def test_hand_computed_align_corners():
    x = jnp.array([0.0, 4.0, 8.0]).reshape(3, 1)
    np.testing.assert_allclose(resize(x, (5,), "linear", align_corners=True)[:, 0], [0, 2, 4, 6, 8])


def test_hand_computed_antialiased_area_downsampling():
    x = jnp.arange(6.0).reshape(6, 1)
    np.testing.assert_allclose(resize(x, (2,), "area")[:, 0], [1.0, 4.0])
    # PyTorch 'area' = adaptive average pooling, bins [floor(o*6/4), ceil((o+1)*6/4)):
    # [0, 2), [1, 3), [3, 5), [4, 6).
    np.testing.assert_allclose(resize(x, (4,), "area", convention="pytorch")[:, 0],
                               [0.5, 1.5, 3.5, 4.5])


@pytest.mark.parametrize(
    "mode,expected",
    [("round_prefer_floor", [0, 2]), ("round_prefer_ceil", [1, 3]), ("floor", [0, 2]),
     ("ceil", [1, 3])],
)
def test_onnx_nearest_modes_break_ties_as_named(mode, expected):
    # 4 -> 2 with half-pixel centres puts both samples exactly between two pixels (0.5 and 2.5).
    x = jnp.arange(4.0).reshape(4, 1)
    np.testing.assert_array_equal(resize(x, (2,), "nearest", nearest_mode=mode)[:, 0], expected)


@pytest.mark.parametrize(
    "coordinates,expected",
    [("asymmetric", [0, 0.5, 1, 1.5, 2, 2]), ("align_corners", [0, 0.4, 0.8, 1.2, 1.6, 2]),
     ("half_pixel", [0, 0.25, 0.75, 1.25, 1.75, 2]),
     ("half_pixel_symmetric", [0, 0.25, 0.75, 1.25, 1.75, 2]),
     ("tf_half_pixel_for_nn", [0.25, 0.75, 1.25, 1.75, 2, 2])],
)
def test_onnx_coordinate_modes(coordinates, expected):
    x = jnp.array([0.0, 1.0, 2.0]).reshape(3, 1)
    y = resize(x, (6,), "linear", coordinates=coordinates, antialias=False)
    np.testing.assert_allclose(y[:, 0], expected, atol=1e-6)


def test_pytorch_half_pixel_maps_a_single_output_to_the_first_pixel():
    x = jnp.arange(5.0).reshape(5, 1)
    y = resize(x, (1,), "linear", coordinates="pytorch_half_pixel", antialias=False)
    np.testing.assert_allclose(y[:, 0], [0.0])
    np.testing.assert_allclose(resize(x, (1,), "linear", antialias=False)[:, 0], [2.0])


def test_half_pixel_symmetric_keeps_the_centre_with_a_scale():
    # ONNX opset 19: 5 * 1.5 floors to 7; the offset keeps the image centre fixed.
    x = jnp.arange(5.0).reshape(5, 1)
    y = resize(x, scale=(1.5,), method="linear", coordinates="half_pixel_symmetric",
               antialias=False)
    np.testing.assert_allclose(y[:, 0] + y[::-1, 0], np.full(7, 4.0), atol=1e-6)


def test_user_kernel_equals_builtin_and_may_use_jax_numpy(rng):
    x = rng.standard_normal((2, 6, 5, 3)).astype(np.float32)
    tent = Kernel(lambda t: jnp.maximum(0.0, 1.0 - jnp.abs(t)), 1.0)
    expected = resize(x, (9, 3), "linear")
    _util.assert_close(resize(x, (9, 3), tent), expected)
    _util.assert_close(jax.jit(lambda v: resize(v, (9, 3), tent))(x), expected)


def test_method_table_aliases_resolve_to_the_same_result(rng):
    x = rng.standard_normal((5, 4, 2)).astype(np.float32)
    for name, info in RESIZE_METHODS.items():
        conv = info.conventions[0]  # jax, or the one library that has the method
        for alias in info.aliases:
            np.testing.assert_array_equal(
                resize(x, (7, 3), alias, convention=conv), resize(x, (7, 3), name, convention=conv)
            )


# -------------------------------------------------------------------------- transformations


@pytest.mark.parametrize("method,size,kw", METHOD_CASES[:6], ids=IDS[:6])
def test_jit_matches_eager(rng, method, size, kw):
    _util.assert_jit_matches_eager(_fn(method, size, kw), _input(rng, 2, size))


@pytest.mark.parametrize("method,size,kw", METHOD_CASES[:6], ids=IDS[:6])
def test_vmap_matches_loop(rng, method, size, kw):
    _util.assert_vmap_matches_loop(_fn(method, size, kw), _input(rng, 3, size))


@pytest.mark.parametrize("method,size,kw", METHOD_CASES, ids=IDS)
def test_gradients_order_2_forward_and_reverse(rng, method, size, kw):
    _util.check_grads_f64(_fn(method, size, kw), (_input(rng, 1, size),), order=2)


@pytest.mark.parametrize("method,size,kw", METHOD_CASES, ids=IDS)
def test_vjp_is_the_adjoint(rng, method, size, kw):
    _util.assert_adjoint(_fn(method, size, kw), _input(rng, 2, size), rng)


@pytest.mark.parametrize("method", ["linear", "nearest", "lanczos3"])
def test_gather_path_has_no_scatter_forward_or_backward(method):
    # 7 -> 37 (a prime) has 37 output phases: the gather path, with its custom JVP.
    f = lambda v: resize(v, (37, 4), method)
    x = jnp.ones((1, 7, 4, 2))
    fwd = str(jax.make_jaxpr(f)(x))
    bwd = str(jax.make_jaxpr(jax.grad(lambda v: jnp.sum(f(v) ** 2)))(x))
    assert "gather" in fwd and "scatter" not in fwd
    assert "scatter" not in bwd


# ------------------------------------------------------------------------------- properties

CONSTANT_CASES = [
    (m, conv) for conv, methods in {
        "jax": ["nearest", "linear", "cubic", "lanczos2", "lanczos3", "lanczos4", "lanczos5",
                "area", "gaussian", "mitchell"],
        "tensorflow": ["lanczos5", "gaussian"],
        "pytorch": ["nearest", "linear", "cubic", "area"],
        "pil": ["cubic", "area"],
        "opencv": ["cubic", "area", "lanczos4"],
    }.items() for m in methods
]


@pytest.mark.parametrize("method,convention", CONSTANT_CASES)
def test_constant_image_stays_constant(method, convention):
    x = jnp.full((6, 9, 2), 3.5, jnp.float32)
    for size in [(13, 4), (2, 20)]:
        np.testing.assert_allclose(resize(x, size, method, convention=convention), 3.5, rtol=1e-5)


def test_same_size_is_identity_for_interpolating_kernels(rng):
    x = rng.standard_normal((5, 7, 2)).astype(np.float32)
    for method in ["nearest", "linear", "cubic", "lanczos3", "area"]:
        np.testing.assert_array_equal(resize(x, (5, 7), method), x)


def test_any_leading_batch_axes(rng):
    x = rng.standard_normal((2, 3, 5, 6, 2)).astype(np.float32)
    y = resize(x, (7, 4), "cubic")
    assert y.shape == (2, 3, 7, 4, 2)
    np.testing.assert_allclose(y[1, 2], resize(x[1, 2], (7, 4), "cubic"), rtol=1e-6, atol=1e-6)


def test_empty_batch_gives_empty_output():
    y = resize(jnp.zeros((0, 5, 6, 3)), (7, 2), "linear")
    assert y.shape == (0, 7, 2, 3)


def test_scale_floors_the_output_size():
    assert resize(jnp.zeros((88, 3, 1)), scale=(120 / 88, 1.0)).shape == (119, 3, 1)
    assert resize(jnp.zeros((5, 5, 1)), scale=0.5).shape == (2, 2, 1)


# ------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(size=(4, 4, 4, 4)), ValueError, "size"),
        (dict(size=(4, 0)), ValueError, "size"),
        (dict(size=(4, -2)), ValueError, "size"),
        (dict(size=(4, 2.5)), TypeError, "size"),
        (dict(), ValueError, "exactly one of `size` and `scale`"),
        (dict(size=(4, 4), scale=2.0), ValueError, "exactly one of `size` and `scale`"),
        (dict(scale=(0.01, 1.0)), ValueError, "scale"),
        (dict(scale=(-1.0, 1.0)), ValueError, "scale"),
        (dict(size=(4, 4), method="bilinaer"), ValueError, "Did you mean 'bilinear'"),
        (dict(size=(4, 4), method=3), TypeError, "method"),
        (dict(size=(4, 4), convention="torch"), ValueError, "convention"),
        (dict(size=(4, 4), convention="pytorh"), ValueError, "Did you mean 'pytorch'"),
        (dict(size=(4, 4), coordinates="half"), ValueError, "coordinates"),
        (dict(size=(4, 4), align_corners=True, coordinates="asymmetric"), ValueError,
         "align_corners"),
        (dict(size=(4, 4), nearest_mode="floor"), ValueError, "nearest_mode"),
        (dict(size=(4, 4), cubic_a=-0.75), ValueError, "cubic_a"),
        (dict(size=(4, 4), method="nearest", border="clamp"), ValueError, "border"),
        (dict(size=(4, 4), align_corners=True, convention="pil"), ValueError,
         "PIL.*align_corners=True"),
        (dict(size=(4, 4), antialias=False, convention="pil"), ValueError, "antialias"),
        (dict(size=(4, 4), antialias=True, convention="opencv"), ValueError, "antialias"),
        (dict(size=(4, 4), method="lanczos3", convention="pytorch"), ValueError,
         "pytorch.*'lanczos3'.*mode='lanczos'.*convention='pil'"),
        (dict(size=(4, 4), method="nearest", antialias=True, convention="pytorch"), ValueError,
         "antialias"),
        (dict(size=(4, 4), method="nearest", align_corners=True, convention="pytorch"),
         ValueError, "align_corners"),
        (dict(size=(4, 4), method="gaussian", convention="opencv"), ValueError, "gaussian"),
        (dict(size=(4, 4), method=Kernel(kernels.triangle, 0.0)), ValueError, "radius"),
        (dict(size=(4, 4), antialias="yes"), TypeError, "antialias"),
        (dict(size=(4, 4), recompute_scale=True), ValueError, "recompute_scale.*size"),
    ],
)
def test_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        resize(jnp.zeros((1, 5, 6, 2)), **kwargs)


def test_rejects_input_of_too_low_rank():
    with pytest.raises(ValueError, match="x"):
        resize(jnp.zeros((5, 6)), (4, 4))


def test_rejects_empty_spatial_axis():
    with pytest.raises(ValueError, match="empty spatial axis"):
        resize(jnp.zeros((0, 6, 2)), (4, 4))


def test_rejects_zero_size_output_instead_of_dividing_by_zero():
    # jax#7586: a zero-size output is an error here, never a division by zero.
    with pytest.raises(ValueError, match="size"):
        resize(jnp.zeros((5, 6, 2)), (0, 4))
    with pytest.raises(ValueError, match="scale"):
        resize(jnp.zeros((5, 6, 2)), scale=0.1)


def test_rejects_3d_for_2d_only_libraries_and_integers_for_smooth_methods():
    with pytest.raises(ValueError, match="3-D"):
        resize(jnp.zeros((4, 5, 6, 2)), (2, 2, 2), convention="opencv")
    with pytest.raises(ValueError, match="bicubic"):
        resize(jnp.zeros((5, 6, 2)), (2,), "cubic", convention="pytorch")
    with pytest.raises(TypeError, match="floating"):
        resize(jnp.zeros((5, 6, 2), jnp.int32), (4, 4), "linear")


def test_public_exports():
    assert resample_jax.resize is resize and resample_jax.Kernel is Kernel


def test_gradient_traces_inside_shard_map():
    """Under ``jax.shard_map`` (type-checked varying axes) the custom derivative of the periodic
    resize path gives the same gradient as outside it (it once failed with 'cotangent type does
    not match'). A one-device mesh is enough to type-check."""
    from jax.sharding import Mesh, PartitionSpec

    mesh = Mesh(np.array(jax.devices()[:1]), ("s",))

    def loss(x):
        return jnp.sum(resample_jax.resize(x, (16, 16), "bilinear") ** 2)

    sharded = jax.shard_map(
        jax.grad(loss), mesh=mesh, in_specs=PartitionSpec("s"), out_specs=PartitionSpec("s")
    )
    x = jnp.arange(2 * 8 * 8 * 3, dtype=jnp.float32).reshape(2, 8, 8, 3) / 100
    np.testing.assert_allclose(sharded(x), jax.grad(loss)(x), rtol=1e-6)
