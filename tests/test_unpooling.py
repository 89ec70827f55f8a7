"""max_unpool: parity with torch.nn.functional.max_unpool{1,2,3}d fed torch's own max_pool indices,
the duplicate-index rule, the adjoint of gathering, index validation, jit / vmap / gradients."""

import _util
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import resample_jax as rj

_TORCH_POOL = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_TORCH_UNPOOL = {1: F.max_unpool1d, 2: F.max_unpool2d, 3: F.max_unpool3d}


def _torch_pool_and_unpool(x, window, strides, padding):
    """Channels-last x -> (pooled values, int64 indices, torch's unpooled output), channels-last."""
    rank = x.ndim - 2
    t = torch.from_numpy(np.ascontiguousarray(_util.to_channels_first(x)))
    values, indices = _TORCH_POOL[rank](t, window, strides, padding, return_indices=True)
    out = _TORCH_UNPOOL[rank](
        values, indices, window, strides, padding, output_size=x.shape[1:-1]
    )
    return (
        _util.to_channels_last(values.numpy()),
        _util.to_channels_last(indices.numpy()),
        _util.to_channels_last(out.numpy()),
    )


def _distinct_values(rng, shape):
    return rng.permutation(int(np.prod(shape))).reshape(shape).astype(np.float32)


def _gather(y, indices):
    """take(y, indices) per batch element and channel: the adjoint of unpooling."""
    n, c = y.shape[0], y.shape[-1]
    flat_y = y.reshape(n, -1, c)
    flat_i = indices.reshape(n, -1, c)
    return np.take_along_axis(flat_y, flat_i, axis=1).reshape(indices.shape)


# (spatial size, window, strides, padding): odd sizes, overlap (window > stride), gaps
# (window < stride), uneven overlap (window % stride != 0) and padding, over 1-D, 2-D and 3-D;
# windows that do not overlap (stride >= window) take their own one-select path, with and without
# padding.
CASES = [
    ((9,), (2,), (2,), (0,)),
    ((10,), (3,), (2,), (1,)),
    ((7, 5), (2, 2), (2, 2), (0, 0)),
    ((8, 9), (3, 3), (2, 2), (1, 1)),
    ((7, 8), (3, 2), (2, 1), (1, 0)),
    ((9, 9), (2, 2), (3, 3), (0, 0)),
    ((9,), (2,), (2,), (1,)),
    ((6, 7), (2, 3), (2, 3), (1, 1)),
    ((5, 6, 7), (2, 2, 2), (2, 2, 2), (0, 0, 0)),
    ((5, 6, 5), (3, 3, 2), (2, 2, 1), (1, 1, 0)),
]


@pytest.mark.parametrize(("size", "window", "strides", "padding"), CASES, ids=str)
def test_matches_torch_max_unpool(rng, size, window, strides, padding):
    x = _distinct_values(rng, (2, *size, 3))
    values, indices, expected = _torch_pool_and_unpool(x, window, strides, padding)
    out = rj.max_unpool(
        values, indices, size, window_shape=window, strides=strides, padding=padding
    )
    np.testing.assert_array_equal(out, expected)
    # Integer values go through unchanged and keep their dtype.
    out_int = rj.max_unpool(
        values.astype(np.int32), indices, size, window_shape=window, strides=strides,
        padding=padding,
    )
    assert out_int.dtype == jnp.int32
    np.testing.assert_array_equal(out_int, expected.astype(np.int32))


def test_default_geometry_is_non_overlapping_with_odd_output_size(rng):
    x = _distinct_values(rng, (2, 7, 9, 2))
    values, indices, expected = _torch_pool_and_unpool(x, 2, 2, 0)
    np.testing.assert_array_equal(rj.max_unpool(values, indices, (7, 9)), expected)


def test_hand_computed_1d():
    # max_pool1d of [1, 5, 7, 2, 4, 3] with window 2 -> values [5, 7, 4] at indices [1, 2, 4].
    out = rj.max_unpool(np.array([[5], [7], [4]]), np.array([[1], [2], [4]]), (6,))
    np.testing.assert_array_equal(np.asarray(out)[:, 0], [0, 5, 7, 0, 4, 0])


def test_duplicates_last_window_in_row_major_order_wins_like_single_threaded_torch():
    # Three windows of width 3 (stride 1, padding 1) all name element 1.
    x, idx = np.array([[1.0], [2.0], [3.0]], np.float32), np.array([[1], [1], [1]])
    out = rj.max_unpool(x, idx, (3,), window_shape=3, strides=1, padding=1)
    np.testing.assert_array_equal(np.asarray(out)[:, 0], [0, 3, 0])
    # torch's CPU kernel is parallel and its winner varies run to run with several threads;
    # on one thread it writes the windows in order, so the last one wins.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        expected = F.max_unpool1d(
            torch.tensor(x.T[None]), torch.tensor(idx.T[None]), 3, 1, 1, output_size=(3,)
        )
    finally:
        torch.set_num_threads(threads)
    np.testing.assert_array_equal(np.asarray(out)[:, 0], expected.numpy()[0, 0])
    # 2-D: windows (0, 1) and (1, 0) (2x2 windows, stride 1) both name element (1, 1) = 4;
    # (1, 0) comes later in row-major order.
    x2 = np.array([[10.0, 20.0], [30.0, 40.0]], np.float32)[..., None]
    idx2 = np.array([[0, 4], [4, 8]])[..., None]
    out2 = np.asarray(rj.max_unpool(x2, idx2, (3, 3), window_shape=2, strides=1))[..., 0]
    np.testing.assert_array_equal(out2, [[10, 0, 0], [0, 30, 0], [0, 0, 40]])


def test_duplicates_losing_window_gets_zero_gradient():
    x = jnp.array([[1.0], [2.0], [3.0]])
    idx = np.array([[1], [1], [1]])
    y = jnp.array([[5.0], [7.0], [11.0]])
    grad = jax.grad(
        lambda v: jnp.vdot(rj.max_unpool(v, idx, (3,), window_shape=3, strides=1, padding=1), y)
    )(x)
    np.testing.assert_array_equal(np.asarray(grad)[:, 0], [0, 0, 7])


@pytest.mark.parametrize("case", [CASES[1], CASES[4], CASES[7]], ids=["1d", "2d", "3d"])
def test_is_the_adjoint_of_gathering_at_the_indices(rng, case):
    size, window, strides, padding = case
    # On a row-major ramp every (overlapping) window's maximum is its own last corner, so the
    # indices are distinct and unpooling is exactly the transpose of the gather.
    x = np.broadcast_to(np.arange(np.prod(size), dtype=np.float32).reshape(1, *size, 1),
                        (2, *size, 2))
    _, indices, _ = _torch_pool_and_unpool(x, window, strides, padding)
    flat = indices.reshape(2, -1, 2)
    assert all(len(np.unique(flat[n, :, c])) == flat.shape[1] for n in range(2) for c in range(2))
    kw = dict(window_shape=window, strides=strides, padding=padding)
    v = rng.standard_normal(indices.shape)
    y = rng.standard_normal(x.shape)
    fn = lambda t: rj.max_unpool(t, indices, size, **kw)
    lhs = np.vdot(np.asarray(fn(v.astype(np.float32)), np.float64), y)
    np.testing.assert_allclose(lhs, np.vdot(v, _gather(y, indices)), rtol=1e-5)
    _util.assert_adjoint(fn, v, rng)
    # The VJP is the gather itself, computed without a scatter.
    _, vjp = jax.vjp(fn, jnp.asarray(v, jnp.float32))
    np.testing.assert_allclose(vjp(jnp.asarray(y, jnp.float32))[0], _gather(y, indices), rtol=1e-6)
    jaxpr = str(jax.make_jaxpr(lambda t: jax.vjp(fn, t)[1](jnp.ones(x.shape)))(jnp.ones(v.shape)))
    assert "scatter" not in jaxpr


def test_round_trip_with_our_max_pool_with_indices(rng):
    x = _distinct_values(rng, (2, 7, 8, 3))
    for window, strides, padding in [(2, 2, 0), (3, 2, 1)]:
        values, indices = rj.max_pool_with_indices(x, window, strides, padding)
        _, _, expected = _torch_pool_and_unpool(x, window, strides, padding)
        out = rj.max_unpool(
            values, indices, (7, 8), window_shape=window, strides=strides, padding=padding
        )
        np.testing.assert_array_equal(out, expected)


def test_same_padding_round_trip_with_our_max_pool_with_indices(rng):
    x = _distinct_values(rng, (1, 7, 6, 2))
    values, indices = rj.max_pool_with_indices(x, 3, 2, "SAME")
    out = np.asarray(rj.max_unpool(values, indices, (7, 6), window_shape=3, strides=2,
                                   padding="SAME"))
    # Every pooled value reappears where it came from and nowhere else.
    expected = np.zeros_like(x)
    np.put_along_axis(
        expected.reshape(1, -1, 2), np.asarray(indices).reshape(1, -1, 2),
        np.asarray(values).reshape(1, -1, 2), axis=1,
    )
    np.testing.assert_array_equal(out, expected)


def test_leading_batch_axes_and_unbatched(rng):
    x = _distinct_values(rng, (2, 3, 6, 4, 2))
    values, indices, expected = _torch_pool_and_unpool(x.reshape(6, 6, 4, 2), 2, 2, 0)
    out = rj.max_unpool(values.reshape(2, 3, 3, 2, 2), indices.reshape(2, 3, 3, 2, 2), (6, 4))
    np.testing.assert_array_equal(out, expected.reshape(x.shape))
    np.testing.assert_array_equal(rj.max_unpool(values[0], indices[0], (6, 4)), expected[0])


def test_jit_matches_eager_and_vmap_matches_loop(rng):
    x = _distinct_values(rng, (3, 8, 9, 2))
    values, indices, _ = _torch_pool_and_unpool(x, 3, 2, 1)
    indices = jnp.asarray(indices, jnp.int32)
    fn = lambda v, i: rj.max_unpool(v, i, (8, 9), window_shape=3, strides=2, padding=1)
    mapped = jax.vmap(fn)(values, indices)
    looped = np.stack([fn(values[k], indices[k]) for k in range(3)])
    np.testing.assert_array_equal(mapped, looped)
    # Eager (op by op) evaluation is slow for many candidates: a 1-D overlapping case suffices.
    values1, indices1, _ = _torch_pool_and_unpool(x[:, 0], (3,), (2,), (1,))
    fn1 = lambda v, i: rj.max_unpool(v, i, (9,), window_shape=3, strides=2, padding=1)
    _util.assert_jit_matches_eager(fn1, values1, jnp.asarray(indices1, jnp.int32))


def test_gradients_with_respect_to_values(rng):
    x = _distinct_values(rng, (1, 6, 2))
    values, indices, _ = _torch_pool_and_unpool(x, (3,), (2,), (1,))
    fn = lambda v: rj.max_unpool(v, indices, (6,), window_shape=3, strides=2, padding=1) ** 2
    _util.check_grads_f64(fn, (values,))


@pytest.mark.parametrize("bad", [-1, 9, 5], ids=["negative", "past-output", "outside-window"])
def test_rejects_concrete_index_outside_its_window(bad):
    # Windows of 2 over 9 positions; entry 1 (window [2, 4)) gets a bad index.
    idx = np.array([[1], [bad], [4], [7]])
    with pytest.raises(ValueError, match="indices.*position \\(1, 0\\)"):
        rj.max_unpool(np.ones((4, 1), np.float32), idx, (9,))


def test_traced_index_outside_its_window_is_dropped():
    idx = jnp.array([[1], [5], [4], [7]])
    fn = jax.jit(lambda v, i: rj.max_unpool(v, i, (9,)))
    out = np.asarray(fn(jnp.array([[1.0], [2.0], [3.0], [4.0]]), idx))[:, 0]
    np.testing.assert_array_equal(out, [0, 1, 0, 0, 3, 0, 0, 4, 0])


def test_rejects_indices_of_wrong_shape_or_dtype():
    with pytest.raises(ValueError, match="indices.*shape"):
        rj.max_unpool(np.ones((2, 2, 1)), np.zeros((2, 2, 2), np.int32), (4, 4))
    with pytest.raises(TypeError, match="indices.*integer"):
        rj.max_unpool(np.ones((2, 2, 1)), np.zeros((2, 2, 1), np.float32), (4, 4))


def test_rejects_output_smaller_than_input_without_window():
    with pytest.raises(ValueError, match="output_size"):
        rj.max_unpool(np.ones((4, 4, 1)), np.zeros((4, 4, 1), np.int32), (3, 8))


def test_rejects_padding_not_smaller_than_window():
    with pytest.raises(ValueError, match="padding"):
        rj.max_unpool(
            np.ones((4, 1)), np.zeros((4, 1), np.int32), (8,), window_shape=2, padding=2
        )


def test_rejects_bad_window_and_output_size():
    with pytest.raises(ValueError, match="window_shape"):
        rj.max_unpool(np.ones((4, 1)), np.zeros((4, 1), np.int32), (8,), window_shape=0)
    with pytest.raises(ValueError, match="output_size"):
        rj.max_unpool(np.ones((4, 1)), np.zeros((4, 1), np.int32), (1, 2, 3, 4))
