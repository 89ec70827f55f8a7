"""Sliding-window pooling: parity with PyTorch (values, indices, gradients) and Flax, hand-computed
cases, the first-maximum gradient rule, integer inputs, transformations and bad input."""

from __future__ import annotations

import math

import flax.linen as flax_nn
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

from resample_jax import (
    adaptive_max_pool,
    avg_pool,
    fractional_max_pool,
    lp_pool,
    max_pool,
    max_pool_with_indices,
    min_pool,
)
from resample_jax._src import windows

TORCH_MAX = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
TORCH_AVG = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}
TORCH_LP = {1: F.lp_pool1d, 2: F.lp_pool2d, 3: F.lp_pool3d}
SHAPES = {1: (2, 11, 3), 2: (2, 9, 10, 3), 3: (1, 7, 6, 8, 2)}


def _torch(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(to_channels_first(x)))


def _normal(rng, rank, dtype=np.float32):
    return rng.standard_normal(SHAPES[rank]).astype(dtype)


# (rank, window, strides, padding, dilation, ceil_mode): a covering set of the options, each value
# of each option appearing at least once with overlapping and with disjoint windows.
MAX_CASES = [
    (1, 3, 2, 1, 1, False),
    (1, 2, 3, 1, 2, True),
    (2, 2, None, 0, 1, False),
    (2, 3, 2, 1, 1, True),
    (2, (3, 2), (2, 1), (1, 0), (2, 1), True),
    (2, 2, 3, 1, 1, True),
    (3, 2, None, 0, 1, True),
    (3, (3, 2, 3), (2, 2, 1), (1, 1, 0), (1, 2, 1), True),
]


def _rank_tuple(v, rank):
    return v if isinstance(v, tuple) else (v,) * rank


@pytest.mark.parametrize("rank,window,strides,padding,dilation,ceil_mode", MAX_CASES)
def test_matches_torch_max_pool_values_indices_and_gradient(
    rng, rank, window, strides, padding, dilation, ceil_mode
):
    x = _normal(rng, rank)
    win = _rank_tuple(window, rank)
    kw = dict(dilation=dilation, ceil_mode=ceil_mode)
    tx = _torch(x).requires_grad_(True)
    ref, ref_idx = TORCH_MAX[rank](
        tx, win, strides, padding, dilation, ceil_mode, return_indices=True
    )
    values, indices = max_pool_with_indices(x, win, strides, padding, **kw)
    np.testing.assert_array_equal(values, to_channels_last(ref.detach().numpy()))
    np.testing.assert_array_equal(indices, to_channels_last(ref_idx.numpy()))
    assert indices.dtype == jnp.int32
    np.testing.assert_array_equal(max_pool(x, win, strides, padding, **kw), values)

    cot = rng.standard_normal(values.shape).astype(np.float32)
    (ref * _torch(cot)).sum().backward()
    grad = jax.grad(lambda v: jnp.sum(max_pool(v, win, strides, padding, **kw) * cot))(x)
    assert_close(grad, to_channels_last(tx.grad.numpy()))


@pytest.mark.parametrize(
    "rank,window,strides,padding,ceil_mode,count_include_pad,divisor_override",
    [
        (1, 3, 2, 1, True, True, None),
        (1, 4, 4, 2, False, False, None),
        (2, 3, 2, 1, True, False, None),
        (2, 3, 2, 1, True, True, None),
        (2, (2, 3), (2, 3), (1, 0), False, True, 5),
        (3, 3, 2, 1, True, True, None),
        (3, 2, None, 0, True, False, 3),
    ],
)
def test_matches_torch_avg_pool(
    rng, rank, window, strides, padding, ceil_mode, count_include_pad, divisor_override
):
    x = _normal(rng, rank)
    win = _rank_tuple(window, rank)
    ref = TORCH_AVG[rank](
        _torch(x), win, strides, padding, ceil_mode, count_include_pad,
        *(() if rank == 1 else (divisor_override,)),
    )
    kw = dict(ceil_mode=ceil_mode, count_include_pad=count_include_pad)
    if rank != 1:
        kw["divisor_override"] = divisor_override
    assert_close(avg_pool(x, win, strides, padding, **kw), to_channels_last(ref.numpy()))


@pytest.mark.parametrize(
    "rank,p,window,strides,ceil_mode,signed",
    [
        (1, 2.0, 3, 2, True, False),
        (2, 1.0, 2, None, False, True),  # p = 1 keeps negative sums, as torch
        (2, 3.0, 3, 2, True, True),  # odd p: negative sums give NaN, as torch
        (2, 1.5, (2, 3), (1, 2), False, False),
        (2, math.inf, 2, 1, True, True),
        (3, 2.0, 2, None, True, False),
    ],
)
def test_matches_torch_lp_pool(rng, rank, p, window, strides, ceil_mode, signed):
    x = _normal(rng, rank)
    x = x if signed else np.abs(x) + 0.1
    win = _rank_tuple(window, rank)
    # torch's lp_pool1d wants an int window (it multiplies by it).
    ref = TORCH_LP[rank](_torch(x), p, win[0] if rank == 1 else win, strides, ceil_mode)
    out = lp_pool(x, p, win, strides, ceil_mode=ceil_mode)
    np.testing.assert_allclose(out, to_channels_last(ref.numpy()), rtol=1e-5, atol=1e-5)


def test_lp_pool_with_padding_is_sum_of_powers_with_zero_cells():
    x = jnp.array([3.0, 4.0, 12.0]).reshape(3, 1)
    # Windows over [0, 3, 4, 12, 0] with stride 2: [0, 3], [4, 12] -> 3, sqrt(160).
    np.testing.assert_allclose(lp_pool(x, 2, (2,), 2, 1)[:, 0], [3.0, math.sqrt(160.0)], rtol=1e-6)


def test_min_pool_hand_computed():
    x = jnp.array([[4.0, 2.0, 7.0], [1.0, 9.0, 3.0], [8.0, 6.0, 5.0]]).reshape(3, 3, 1)
    np.testing.assert_array_equal(min_pool(x, 2, 1)[..., 0], [[1.0, 2.0], [1.0, 3.0]])
    # Padding holds +inf: the corners see only real cells.
    np.testing.assert_array_equal(min_pool(x, 3, 2, 1)[..., 0], [[1.0, 2.0], [1.0, 3.0]])
    np.testing.assert_array_equal(min_pool(x, (1, 3))[..., 0], [[2.0], [1.0], [5.0]])


@pytest.mark.parametrize("dtype", [np.int32, np.int8, np.uint8])
def test_integer_max_and_min_pool_are_exact(rng, dtype):
    info = np.iinfo(dtype)
    x = rng.integers(info.min, int(info.max) + 1, size=(2, 7, 6, 3)).astype(dtype)
    x64 = _torch(x.astype(np.float64))
    for padding, ceil_mode in [(0, False), (1, True)]:
        ref_max = to_channels_last(F.max_pool2d(x64, 3, 2, padding, 1, ceil_mode).numpy())
        ref_min = -to_channels_last(F.max_pool2d(-x64, 3, 2, padding, 1, ceil_mode).numpy())
        out_max = max_pool(x, 3, 2, padding, ceil_mode=ceil_mode)
        out_min = min_pool(x, 3, 2, padding, ceil_mode=ceil_mode)
        assert out_max.dtype == dtype and out_min.dtype == dtype
        np.testing.assert_array_equal(np.asarray(out_max, np.float64), ref_max)
        np.testing.assert_array_equal(np.asarray(out_min, np.float64), ref_min)
    _, idx = max_pool_with_indices(x, 2)
    _, ref_idx = F.max_pool2d(x64, 2, return_indices=True)
    np.testing.assert_array_equal(idx, to_channels_last(ref_idx.numpy()))


def test_tie_gradient_goes_to_first_maximum():
    # Every window is all ties: the whole gradient goes to its first cell (row-major), PyTorch's
    # rule; lax.reduce_window's VJP picks the same cell through select_and_scatter_add, while
    # jax.grad of jnp.max over a reshaped window would give each tie 1/4.
    x = jnp.ones((4, 4, 1))
    grad = jax.grad(lambda v: max_pool(v, 2).sum())(x)
    expected = np.zeros((4, 4))
    expected[::2, ::2] = 1.0
    np.testing.assert_array_equal(grad[..., 0], expected)
    _, idx = max_pool_with_indices(x, 2)
    np.testing.assert_array_equal(idx[..., 0], [[0, 2], [8, 10]])


def test_tie_gradient_and_indices_match_torch_on_overlapping_windows(rng):
    x = rng.integers(0, 3, size=(2, 8, 9, 2)).astype(np.float32)
    tx = _torch(x).requires_grad_(True)
    ref, ref_idx = F.max_pool2d(tx, 3, 2, 1, 1, True, return_indices=True)
    cot = rng.standard_normal(ref.shape).astype(np.float32)
    (ref * torch.from_numpy(cot)).sum().backward()
    cot = to_channels_last(cot)
    grad = jax.grad(lambda v: jnp.sum(max_pool(v, 3, 2, 1, ceil_mode=True) * cot))(x)
    assert_close(grad, to_channels_last(tx.grad.numpy()))
    _, idx = max_pool_with_indices(x, 3, 2, 1, ceil_mode=True)
    np.testing.assert_array_equal(idx, to_channels_last(ref_idx.numpy()))


def _ties_and_nans(rng, shape):
    """Small integers (many ties) with about one NaN in five cells (windows with 0, 1 and several
    NaNs)."""
    x = rng.integers(0, 3, size=shape).astype(np.float32)
    x[rng.random(shape) < 0.2] = np.nan
    return x


# (rank, window, strides, padding, whole-window selection expected): the two selection rules of
# windows.select_window_extreme, each on windows holding ties and NaNs.
NAN_CASES = [
    (2, 2, None, 0, True),  # 4 taps, one pass
    (3, 2, None, 0, True),  # 8 taps
    (2, (3, 2), (4, 2), (1, 0), True),  # disjoint with padding and a gap between windows
    (2, 9, None, 0, False),  # 81 taps > JOINT_TAPS_MAX: per axis
    (2, 3, 2, 1, False),  # overlapping: per axis, running comparison
]


@pytest.mark.parametrize("rank,window,strides,padding,joint", NAN_CASES)
def test_ties_and_nans_match_torch_on_both_selection_rules(
    rng, rank, window, strides, padding, joint
):
    # PyTorch's kernels take the first of equal maxima and every NaN they meet (`val > max ||
    # isnan(val)`), so in a window with several NaNs the last NaN is the index and gets the
    # gradient.
    shape = {2: (2, 18, 18, 3), 3: (1, 6, 8, 4, 2)}[rank]
    x = _ties_and_nans(rng, shape)
    win = _rank_tuple(window, rank)
    _, geom = windows.geometry("t", jnp.asarray(x), win, strides, padding, 1, False)
    assert windows.joint_selectable(geom) is joint
    tx = _torch(x).requires_grad_(True)
    ref, ref_idx = TORCH_MAX[rank](tx, win, strides, padding, return_indices=True)
    values, indices = max_pool_with_indices(x, win, strides, padding)
    np.testing.assert_array_equal(values, to_channels_last(ref.detach().numpy()))
    np.testing.assert_array_equal(indices, to_channels_last(ref_idx.numpy()))
    cot = rng.standard_normal(values.shape).astype(np.float32)
    (ref * _torch(cot)).sum().backward()
    grad = jax.grad(lambda v: jnp.sum(max_pool(v, win, strides, padding) * cot))(x)
    # Overlapping windows add several cotangents into one cell, in another order than torch.
    assert_close(grad, to_channels_last(tx.grad.numpy()))
    # min pooling is max pooling of the negation, NaN and ties included.
    np.testing.assert_array_equal(min_pool(-x, win, strides, padding), -values)
    grad_min = jax.grad(lambda v: jnp.sum(min_pool(-v, win, strides, padding) * cot))(x)
    np.testing.assert_array_equal(grad_min, -grad)


# (rank, window, strides, padding, dilation, ceil_mode): windows that start in the left padding,
# for both selection rules, with dilation and ceil mode (the last: windows with no input cell).
PAD_TIE_CASES = [
    (1, 2, 2, 1, 1, False),
    (2, 2, None, 1, 1, True),  # disjoint: whole-window rule
    (2, (3, 2), (4, 2), (1, 1), 1, False),  # disjoint with a gap
    (2, 3, 2, 1, 1, True),  # overlapping: per-axis rule
    (3, (2, 3, 2), (2, 2, 1), 1, 1, False),
    (2, 2, (2, 4), 1, (1, 2), True),  # the second axis's only window reads padding alone
]


@pytest.mark.parametrize("rank,window,strides,padding,dilation,ceil", PAD_TIE_CASES)
def test_a_maximum_equal_to_the_padding_value_points_inside_the_input_as_torch(
    rng, rank, window, strides, padding, dilation, ceil
):
    # -inf (float) or 0 (uint8) is also the padding value: PyTorch's kernels start from the first
    # tap at or after position 0 and move only on a strictly greater value, so such a window
    # points there (past the input's end when it holds no input cell), never at a padding tap.
    shape = {1: (2, 7, 2), 2: (2, 7, 6, 2), 3: (1, 5, 6, 4, 2)}[rank]
    if rank == 2 and dilation != 1:
        shape = (2, 1, 1, 1)
    win = _rank_tuple(window, rank)
    for x in (
        rng.choice(np.array([-np.inf, 0.0, 1.0], np.float32), shape, p=[0.6, 0.2, 0.2]),
        np.full(shape, -np.inf, np.float32),
        rng.choice(np.array([0, 1], np.uint8), shape, p=[0.8, 0.2]),
    ):
        args = (win, strides, padding, dilation, ceil)
        tx = _torch(x)
        if x.dtype == np.float32:
            tx.requires_grad_(True)
        ref, ref_idx = TORCH_MAX[rank](tx, *args, return_indices=True)
        values, indices = max_pool_with_indices(x, *args[:3], dilation=dilation, ceil_mode=ceil)
        np.testing.assert_array_equal(values, to_channels_last(ref.detach().numpy()))
        np.testing.assert_array_equal(indices, to_channels_last(ref_idx.numpy()))
        if x.dtype != np.float32:
            continue
        cot = rng.standard_normal(values.shape).astype(np.float32)
        kw = dict(dilation=dilation, ceil_mode=ceil)
        grad = jax.grad(lambda v, c, kw=kw: jnp.sum(max_pool(v, win, strides, padding, **kw) * c))(
            x, cot
        )
        if np.asarray(indices).max() >= math.prod(shape[1:-1]):
            # A window without an input cell depends on no input. PyTorch's backward writes its
            # cotangent at the past-the-end index, into the next plane's memory (the heap
            # corruption a fuzz run met), so it is no reference here.
            np.testing.assert_array_equal(grad, np.zeros_like(x))
            continue
        (ref * _torch(cot)).sum().backward()
        assert_close(grad, to_channels_last(tx.grad.numpy()))


def test_whole_window_rule_is_the_one_differentiated():
    # windows.select_window_extreme's two rules, seen in the gradient's jaxpr: the whole-window rule
    # keeps the chosen tap as one uint8 code; the per-axis rule as int32 taps.
    def jaxpr(*window_args):
        grad = jax.grad(lambda v: max_pool(v, *window_args).sum())
        return str(jax.make_jaxpr(grad)(jnp.zeros((2, 18, 18, 3))))

    assert "u8[" in jaxpr(2)
    assert "u8[" in jaxpr((3, 2), (4, 2), (1, 0))
    assert "u8[" not in jaxpr(9)
    assert "u8[" not in jaxpr(3, 2, 1)


def test_adaptive_and_fractional_take_the_last_nan_as_torch(rng):
    x = _ties_and_nans(rng, (2, 11, 9, 3))
    tx = _torch(x)
    ref, ref_idx = F.adaptive_max_pool2d(tx, (4, 3), return_indices=True)
    values, indices = adaptive_max_pool(x, (4, 3), return_indices=True)
    np.testing.assert_array_equal(values, to_channels_last(ref.numpy()))
    np.testing.assert_array_equal(indices, to_channels_last(ref_idx.numpy()))
    samples = rng.random((2, 3, 2)).astype(np.float32)
    ref, ref_idx = F.fractional_max_pool2d(
        tx, (3, 2), output_size=(5, 4), return_indices=True,
        _random_samples=torch.from_numpy(samples),
    )
    # torch orders a 2-D plane's samples (W, H); ours follow the spatial axes (H, W).
    values, indices = fractional_max_pool(
        None, x, (5, 4), (3, 2), samples=samples[..., ::-1], return_indices=True
    )
    np.testing.assert_array_equal(values, to_channels_last(ref.numpy()))
    np.testing.assert_array_equal(indices, to_channels_last(ref_idx.numpy()))


@pytest.mark.parametrize("count_include_pad", [True, False])
def test_same_padding_matches_flax(rng, count_include_pad):
    x = _normal(rng, 2)
    with jax.numpy_dtype_promotion("standard"):  # flax divides by an int32 count
        ref_avg = flax_nn.avg_pool(
            jnp.asarray(x), (3, 3), (2, 2), "SAME", count_include_pad=count_include_pad
        )
    out = avg_pool(x, 3, 2, "SAME", count_include_pad=count_include_pad)
    assert_close(out, ref_avg)
    ref_max = flax_nn.max_pool(jnp.asarray(x), (3, 3), (2, 2), "SAME")
    np.testing.assert_array_equal(max_pool(x, 3, 2, "same"), ref_max)


def test_half_precision_keeps_dtype(rng):
    x = _normal(rng, 2)
    for dtype in (jnp.float16, jnp.bfloat16):
        xh = jnp.asarray(x, dtype)
        ref = np.asarray(xh, np.float32)
        for fn in (max_pool, avg_pool):
            out = fn(xh, 3, 2, 1)
            assert out.dtype == dtype
            assert_close(out, fn(ref, 3, 2, 1), dtype=dtype)


def test_jit_matches_eager_and_vmap_matches_loop(rng):
    # One function with every case as an output: it compiles once under jit and once under vmap.
    x = rng.standard_normal((2, 7, 6, 3)).astype(np.float32)

    def pools(v):
        return (
            max_pool_with_indices(v, 3, 2, 1, ceil_mode=True),
            min_pool(v, 2),
            avg_pool(v, 3, 2, 1, count_include_pad=False),
            lp_pool(v, 2, 2),
        )

    assert_jit_matches_eager(pools, x[0])
    assert_vmap_matches_loop(pools, x)


def test_leading_batch_axes(rng):
    x = rng.standard_normal((2, 3, 6, 6, 2)).astype(np.float32)
    for fn in (max_pool, avg_pool):
        out = fn(x, 3, 2, 1)
        flat = fn(x.reshape(6, 6, 6, 2), 3, 2, 1)
        np.testing.assert_array_equal(out, np.asarray(flat).reshape(out.shape))
        np.testing.assert_array_equal(fn(x[1, 2], 3, 2, 1), out[1, 2])
    values, idx = max_pool_with_indices(x, 3, 2, 1)
    values01, idx01 = max_pool_with_indices(x[0, 1], 3, 2, 1)
    np.testing.assert_array_equal(values01, values[0, 1])
    np.testing.assert_array_equal(idx01, idx[0, 1])


def test_gradients_to_second_order(rng):
    x1 = rng.standard_normal((1, 7, 2))
    x2 = rng.standard_normal((1, 4, 5, 1))

    # One jitted function with every case as an output: the checks compile it once per derivative
    # and call it many times. Random normal inputs have no ties, so max pooling is smooth there.
    @jax.jit
    def pools(v1, v2):
        return (
            avg_pool(v1, (3,), 2, 1, ceil_mode=True, count_include_pad=False),
            lp_pool(v1 * v1 + 0.5, 2.5, (2,), 1),
            max_pool(v1, (3,), 2, 1),
            min_pool(v2, 2, 1),
        )

    check_grads_f64(pools, (x1, x2))


def test_constant_input_stays_constant():
    x = jnp.full((2, 7, 6, 3), 2.5)
    for out in (
        max_pool(x, 3, 2, 1, ceil_mode=True),
        avg_pool(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
        avg_pool(x, 2, 3, ceil_mode=True),
        lp_pool(x, 1, 3, 2) / 9.0,
    ):
        np.testing.assert_allclose(out, 2.5, rtol=1e-6)


def test_avg_pool_equals_mean_of_reshaped_windows(rng):
    x = rng.standard_normal((2, 6, 9, 4, 3)).astype(np.float32)
    expected = x.reshape(2, 3, 2, 3, 3, 2, 2, 3).mean(axis=(2, 4, 6))
    assert_close(avg_pool(x, (2, 3, 2)), expected)


def test_indices_are_int32_under_x64(rng):
    with jax.enable_x64(True):
        _, idx = max_pool_with_indices(rng.standard_normal((5, 5, 1)), 2)
        assert idx.dtype == jnp.int32


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(window_shape=0), "window_shape"),
        (dict(window_shape=(2, -1)), "window_shape"),
        (dict(window_shape=2, strides=0), "strides"),
        (dict(window_shape=2, dilation=(1, 0)), "dilation"),
        (dict(window_shape=2, padding=-1), "padding"),
        (dict(window_shape=3, padding=2), "padding"),
        (dict(window_shape=2, padding=((0, 2), (0, 0))), "padding"),
        (dict(window_shape=(9, 2)), "window"),
        (dict(window_shape=3, dilation=4), "window"),
        (dict(window_shape=(2, 2, 2, 2)), "window_shape"),
        (dict(window_shape=2, padding="vaild"), "Did you mean 'valid'"),
    ],
)
def test_rejects_bad_window_arguments(kwargs, match):
    x = jnp.zeros((1, 8, 8, 1))
    for fn in (max_pool, avg_pool, max_pool_with_indices):
        with pytest.raises(ValueError, match=match):
            fn(x, **kwargs)


# (rank, input spatial shape, window, strides, padding): in ceil mode the only window reaches past
# the padded input by less than a stride (a partial window), which PyTorch pools.
CEIL_OVERHANG_CASES = [
    (1, (1,), 2, 2, 0),
    (1, (3,), 4, 3, 0),
    (2, (2, 2), (5, 1), (6, 1), 0),
    (2, (1, 4), (3, 4), (4, 4), (1, 0)),
    (3, (3, 2, 4), (2, 3, 2), (2, 4, 2), (1, 0, 1)),
]


@pytest.mark.parametrize("rank,spatial,window,strides,padding", CEIL_OVERHANG_CASES)
def test_ceil_mode_pools_a_window_past_the_padded_input_as_torch(
    rng, rank, spatial, window, strides, padding
):
    win, st, pad = (_rank_tuple(v, rank) for v in (window, strides, padding))
    x = np.abs(rng.standard_normal((2, *spatial, 3))).astype(np.float32)
    tx = _torch(x)
    values, indices = max_pool_with_indices(x, win, st, pad, ceil_mode=True)
    ref, ref_idx = TORCH_MAX[rank](tx, win, st, pad, 1, True, return_indices=True)
    np.testing.assert_array_equal(values, to_channels_last(ref.numpy()))
    np.testing.assert_array_equal(indices, to_channels_last(ref_idx.numpy()))
    if rank < 3:  # PyTorch's 3-D average pooling refuses any input smaller than the window
        for include in (True, False):
            ref = TORCH_AVG[rank](tx, win, st, pad, True, include)
            out = avg_pool(x, win, st, pad, ceil_mode=True, count_include_pad=include)
            assert_close(out, to_channels_last(ref.numpy()))
    if not any(pad):  # PyTorch's LP pooling has no padding
        lp_args = (win[0], st[0]) if rank == 1 else (win, st)
        ref = TORCH_LP[rank](tx, 2.0, *lp_args, True)
        assert_close(lp_pool(x, 2.0, win, st, ceil_mode=True), to_channels_last(ref.numpy()))
    # A window a whole stride past the padded input leaves no output, in PyTorch and here.
    too_big = tuple(w + s + 2 * p for w, s, p in zip(win, st, pad, strict=True))
    with pytest.raises(RuntimeError, match="too small|output size"):
        TORCH_MAX[rank](tx, too_big, st, 0, 1, True)
    for fn in (max_pool, avg_pool):
        with pytest.raises(ValueError, match="leaves no output"):
            fn(x, too_big, st, ceil_mode=True)


def test_rejects_bad_inputs_and_options():
    x = jnp.zeros((1, 8, 8, 1))
    with pytest.raises(ValueError, match="at least 3 dims"):
        max_pool(jnp.zeros((8, 8)), 2)
    with pytest.raises(ValueError, match="at least 4 dims"):
        avg_pool(jnp.zeros((8, 8, 1)), (2, 2, 2))
    for p in (0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="`p`"):
            lp_pool(x, p, 2)
    with pytest.raises(TypeError, match="`p`"):
        lp_pool(x, "2", 2)
    with pytest.raises(TypeError, match="floating"):
        avg_pool(jnp.zeros((8, 8, 1), jnp.int32), 2)
    with pytest.raises(TypeError, match="floating or integer"):
        max_pool(jnp.zeros((8, 8, 1), bool), 2)
    with pytest.raises(ValueError, match="divisor_override"):
        avg_pool(x, 2, divisor_override=0)
    with pytest.raises(TypeError, match="ceil_mode"):
        max_pool(x, 2, ceil_mode=1)


# --- complex inputs to the mean (PyTorch has no complex avg_pool: it is linear, so the reference
# is PyTorch's average of the real part plus i times its average of the imaginary part) ---------


def _complex(rng, shape, dtype):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


@pytest.mark.parametrize(
    "rank,window,kwargs",
    [
        (1, (3,), dict(strides=(2,), padding=1)),
        (2, (3, 2), dict(strides=(2, 1), padding=(1, 1), ceil_mode=True, count_include_pad=False)),
        (2, (2, 2), dict(divisor_override=3)),
        (3, (2, 3, 2), dict(strides=(1, 2, 2), padding=(1, 1, 0))),
    ],
)
@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_avg_pool_complex_matches_torch_on_both_parts(rng, rank, window, kwargs, dtype):
    x = _complex(rng, SHAPES[rank], dtype)
    torch_kwargs = dict(kwargs)
    torch_kwargs["stride"] = torch_kwargs.pop("strides", window)
    with jax.enable_x64(dtype == np.complex128):
        got = avg_pool(x, window, **kwargs)
        assert got.dtype == dtype
        got = np.asarray(got)
    part = lambda v: to_channels_last(  # noqa: E731
        TORCH_AVG[rank](_torch(v), window, **torch_kwargs).numpy()
    )
    expected = part(x.real.copy()) + 1j * part(x.imag.copy())
    tol = 1e-12 if dtype == np.complex128 else 1e-5
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)


def test_avg_pool_complex_gradients():
    x = _complex(np.random.default_rng(1), (1, 5, 6, 2), np.complex128)
    with jax.enable_x64(True):
        check_grads(
            lambda v: avg_pool(v, 3, 2, 1, count_include_pad=False),
            (jnp.asarray(x),),
            order=2,
            modes=("fwd", "rev"),
        )


def test_lp_pool_rejects_complex():
    # (sum x**p) ** (1/p) picks a branch of a complex root: no meaning worth a default.
    with pytest.raises(TypeError, match="lp_pool: `x` must have a floating dtype; got complex64"):
        lp_pool(np.zeros((4, 4, 1), np.complex64), 2, 2)
