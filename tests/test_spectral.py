"""fft_resize / spectral_pool: parity with scipy.signal.resample along every axis (odd and even
sizes, up and down, real and complex, 1/2/3-D), exact resampling of band-limited cosines, the
up-then-down round trip, the adjoint relation, spectral pooling's Nyquist rule derived from scipy,
order-2 gradients, jit / vmap, dtypes and bad input."""

import itertools

import _util
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.signal

import resample_jax as rj
from resample_jax._src import spectral


@pytest.fixture(params=["dense", "fft"])
def path(request, monkeypatch):
    """Runs a test through both implementations: dense per-axis matrices and FFTs."""
    monkeypatch.setattr(spectral, "_DENSE_MAX", 10**9 if request.param == "dense" else 0)
    return request.param


def _scipy_resample(x: np.ndarray, size: tuple[int, ...]) -> np.ndarray:
    """scipy.signal.resample along each spatial axis of a (N, *spatial, C) array in turn."""
    for d, m in enumerate(size):
        x = scipy.signal.resample(x, m, axis=1 + d)
    return x


# Sizes sampled so every combination of odd / even input and output, up, down and equal occurs.
_1D = [(n, m) for n, m in itertools.product((5, 6, 7, 8), (3, 4, 6, 9, 10, 12)) if (n + m) % 3]


@pytest.mark.parametrize(("n", "m"), _1D)
def test_1d_matches_scipy_real_and_complex(path, rng, n, m):
    x = rng.standard_normal((2, n, 3))
    _util.assert_close(rj.fft_resize(x.astype(np.float32), (m,)), _scipy_resample(x, (m,)))
    z = x + 1j * rng.standard_normal(x.shape)
    got = np.asarray(rj.fft_resize(z.astype(np.complex64), (m,)))
    assert got.dtype == np.complex64
    want = _scipy_resample(z, (m,))
    _util.assert_close(got.real, want.real)
    _util.assert_close(got.imag, want.imag)


@pytest.mark.parametrize(
    ("spatial", "size"),
    [((6, 7), (4, 10)), ((7, 8), (9, 5)), ((8, 8), (8, 4)), ((5, 6), (12, 2)), ((4, 6), (1, 1)),
     ((6, 5, 4), (3, 8, 6)), ((3, 8, 7), (6, 4, 7))],
)
def test_nd_matches_scipy_along_every_axis(path, rng, spatial, size):
    x = rng.standard_normal((2, *spatial, 2))
    _util.assert_close(rj.fft_resize(x.astype(np.float32), size), _scipy_resample(x, size))
    z = x + 1j * rng.standard_normal(x.shape)
    got = np.asarray(rj.fft_resize(z.astype(np.complex64), size))
    want = _scipy_resample(z, size)
    _util.assert_close(got.real, want.real)
    _util.assert_close(got.imag, want.imag)


def test_float64_matches_scipy_to_rounding(path, rng):
    x = rng.standard_normal((1, 6, 9, 2))
    with jax.enable_x64(True):
        got = rj.fft_resize(jnp.asarray(x), (10, 4))
        assert got.dtype == jnp.float64
        _util.assert_close(got, _scipy_resample(x, (10, 4)), np.float64)


@pytest.mark.parametrize(("n", "m"), [(8, 12), (12, 8), (9, 7), (7, 16)])
def test_band_limited_cosine_is_resampled_exactly(n, m):
    # k cycles per period with k < min(n, m) / 2: the continuous cosine sampled on the new grid.
    k = (min(n, m) - 1) // 2
    x = np.cos(2 * np.pi * k * np.arange(n) / n + 0.3)
    want = np.cos(2 * np.pi * k * np.arange(m) / m + 0.3)
    _util.assert_close(rj.fft_resize(x[:, None].astype(np.float32), (m,))[:, 0], want)


def test_hand_computed_nyquist_split_and_fold():
    # [1, -1, 1, -1] is all Nyquist (X[2] = 4). Up to 8: Y[2] = Y[6] = 2, so the output is
    # (8 / 4) * (2 e^{i pi n/2} + 2 e^{-i pi n/2}) / 8 = cos(pi n / 2). Down to 2: bins +-1 of
    # [0, 1, 0, -1] (X[1] = -2j, X[3] = 2j) fold into bin 1 as 0, and X[0] = 0: all zero.
    up = rj.fft_resize(np.array([[1.0], [-1.0], [1.0], [-1.0]], np.float32), (8,))[:, 0]
    _util.assert_close(up, [1, 0, -1, 0, 1, 0, -1, 0])
    down = rj.fft_resize(np.array([[0.0], [1.0], [0.0], [-1.0]], np.float32), (2,))[:, 0]
    _util.assert_close(down, [0, 0])


@pytest.mark.parametrize(("spatial", "size"), [((5, 6), (9, 13)), ((6, 4), (12, 10)), ((3,), (8,))])
def test_up_then_down_is_the_identity(rng, spatial, size):
    x = rng.standard_normal((2, *spatial, 2)).astype(np.float32)
    _util.assert_close(rj.fft_resize(rj.fft_resize(x, size), spatial), x)


def test_down_vjp_is_scaled_up_for_odd_sizes(rng):
    # For odd sizes D = (m/n) F^-1 T F and U = (n/m) F^-1 T^* F (T truncation): D^T = (m/n) U.
    x = rng.standard_normal((7, 9, 2))
    _util.assert_adjoint(lambda v: rj.fft_resize(v, (5, 3)), x, rng)
    out, vjp = jax.vjp(lambda v: rj.fft_resize(v, (5, 3)), jnp.asarray(x, jnp.float32))
    y = rng.standard_normal(out.shape).astype(np.float32)
    _util.assert_close(vjp(jnp.asarray(y))[0], (15 / 63) * rj.fft_resize(y, (7, 9)))


def test_constant_is_preserved_and_mean_is_kept(rng):
    _util.assert_close(rj.fft_resize(np.full((5, 6, 1), 2.5, np.float32), (8, 3)), 2.5)
    x = rng.standard_normal((6, 10, 7, 2)).astype(np.float32)
    _util.assert_close(rj.fft_resize(x, (9, 4, 8)).mean(axis=(0, 1, 2)), x.mean(axis=(0, 1, 2)))


def _spectral_pool_1d(x: np.ndarray, m: int) -> np.ndarray:
    """From scipy: the +-m/2 pair enters with weight 1/2 instead of 1, i.e. subtract half of the
    term scipy adds at the output's Nyquist bin, Re(X[m/2] + X[-m/2]) / n * (-1)^t (axis 1)."""
    y = scipy.signal.resample(x, m, axis=1)
    n = x.shape[1]
    if m % 2 == 0 and m < n:
        spec = np.fft.fft(x, axis=1)
        pair = (spec[:, m // 2] + spec[:, n - m // 2]).real / n
        y = y - 0.5 * pair[:, None] * ((-1.0) ** np.arange(m))[None, :, None]
    return y


@pytest.mark.parametrize(("n", "m"), [(9, 4), (8, 6), (8, 5), (7, 2), (6, 6), (10, 1)])
def test_spectral_pool_1d_follows_rippel_nyquist_rule(path, rng, n, m):
    x = rng.standard_normal((2, n, 3))
    _util.assert_close(rj.spectral_pool(x.astype(np.float32), size=(m,)), _spectral_pool_1d(x, m))


def test_spectral_pool_nd_is_the_1d_rule_along_every_axis(path, rng):
    x = rng.standard_normal((2, 9, 8, 7, 2))
    want = x
    for axis, m in zip((1, 2, 3), (4, 6, 3), strict=True):
        moved = np.moveaxis(want, axis, 1)
        want = np.moveaxis(_spectral_pool_1d(moved.reshape(2, moved.shape[1], -1), m)
                           .reshape(2, m, *moved.shape[2:]), 1, axis)
    _util.assert_close(rj.spectral_pool(x.astype(np.float32), size=(4, 6, 3)), want)


def test_spectral_pool_equals_scipy_at_odd_sizes_and_factor_floors(rng):
    x = rng.standard_normal((2, 10, 7, 3)).astype(np.float32)
    out = rj.spectral_pool(x, 2)  # floor(10 / 2), floor(7 / 2) = (5, 3)
    assert out.shape == (2, 5, 3, 3)
    _util.assert_close(out, _scipy_resample(x.astype(np.float64), (5, 3)))
    assert rj.spectral_pool(x, (1.5, 2.4)).shape == (2, 6, 2, 3)
    assert rj.spectral_pool(x).shape == (2, 5, 3, 3)


def test_spectral_pool_keeps_a_low_cosine_and_removes_a_high_one():
    t = np.arange(16)
    low = np.cos(2 * np.pi * 2 * t / 16)
    high = np.cos(2 * np.pi * 6 * t / 16)  # above the Nyquist frequency of 8 samples: removed
    out = rj.spectral_pool((low + high)[:, None].astype(np.float32), (2,))[:, 0]
    _util.assert_close(out, np.cos(2 * np.pi * 2 * np.arange(8) / 8))


def test_gradients_to_order_two(path, rng):
    # Up and down on both axes (Nyquist split and fold) and spectral pooling, in one jitted check.
    def fn(v):
        return (rj.fft_resize(v, (6, 3)) ** 2).sum() + (rj.spectral_pool(v, size=(2, 3)) ** 3).sum()

    _util.check_grads_f64(jax.jit(fn), (rng.standard_normal((4, 5, 1)),))


def test_complex_gradient(path, rng):
    z = rng.standard_normal((5, 4, 1)) + 1j * rng.standard_normal((5, 4, 1))
    with jax.enable_x64(True):
        jax.test_util.check_grads(jax.jit(lambda v: rj.fft_resize(v, (8, 3))), (jnp.asarray(z),),
                                  order=2, modes=("fwd", "rev"), eps=1e-4, atol=1e-5, rtol=1e-5)


def test_jit_vmap_and_leading_axes(rng):
    x = rng.standard_normal((3, 2, 6, 5, 2)).astype(np.float32)
    _util.assert_jit_matches_eager(lambda v: rj.fft_resize(v, (4, 9)), x[0])
    _util.assert_vmap_matches_loop(lambda v: (rj.fft_resize(v, (4, 9)), rj.spectral_pool(v, 2)), x)
    # Batched and single FFTs may round differently (vectorised kernels): float32 tolerance.
    _util.assert_close(rj.fft_resize(x, (4, 9))[1, 0], rj.fft_resize(x[1, 0], (4, 9)), jnp.float32)
    # An int size with an explicit rank applies to every spatial axis.
    np.testing.assert_array_equal(rj.fft_resize(x, 4, rank=3), rj.fft_resize(x, (4, 4, 4)))
    np.testing.assert_array_equal(rj.spectral_pool(x, 2, rank=1), rj.spectral_pool(x, (2,)))


def test_half_precision_keeps_dtype(path, rng):
    x = rng.standard_normal((6, 6, 2)).astype(np.float32)
    for dtype, fn in ((jnp.bfloat16, lambda v: rj.fft_resize(v, (4, 9))),
                      (jnp.float16, lambda v: rj.spectral_pool(v, 2))):
        y = fn(jnp.asarray(x, dtype))
        assert y.dtype == dtype
        _util.assert_close(y, fn(jnp.asarray(x, dtype).astype(jnp.float32)), dtype)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda x: rj.fft_resize(x, (0, 4)), ValueError, "size.*>= 1"),
        (lambda x: rj.fft_resize(x, (4, 4), rank=1), ValueError, "2 entries but `rank` is 1"),
        (lambda x: rj.fft_resize(x, 4, rank=4), ValueError, "rank.*1, 2 or 3"),
        (lambda x: rj.fft_resize(x, 4.0), TypeError, "size"),
        (lambda x: rj.fft_resize(x.astype(np.int32), 4), TypeError, "x.*floating or complex"),
        (lambda x: rj.fft_resize(x[0, 0], (4, 4)), ValueError, "x.*at least 3 dims"),
        (lambda x: rj.spectral_pool(x, 2, size=(3, 3)), ValueError, "not both"),
        (lambda x: rj.spectral_pool(x, size=(7, 3)), ValueError, "size.*must not exceed"),
        (lambda x: rj.spectral_pool(x, 0.5), ValueError, "factor.*>= 1"),
        (lambda x: rj.spectral_pool(x, 7.0), ValueError, "factor.*empty"),
        (lambda x: rj.spectral_pool(x + 0j, 2), TypeError, "real floating"),
        (lambda x: rj.spectral_pool(x, "2"), TypeError, "factor"),
    ],
)
def test_rejects_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call(np.zeros((6, 6, 1), np.float32))


def test_nnx_modules_call_the_functions_and_check_options_at_construction(rng):
    from resample_jax import nnx as rnnx

    x = rng.standard_normal((2, 7, 6, 3)).astype(np.float32)
    np.testing.assert_array_equal(rnnx.FftResize([5, 9])(x), rj.fft_resize(x, (5, 9)))
    np.testing.assert_array_equal(rnnx.FftUpsample(2)(x), rj.fft_resize(x, (14, 12)))
    np.testing.assert_array_equal(rnnx.FftDownsample((2, 3))(x), rj.fft_resize(x, (3, 2)))
    np.testing.assert_array_equal(rnnx.SpectralPool(size=(4, 3))(x),
                                  rj.spectral_pool(x, size=(4, 3)))
    with pytest.raises(ValueError, match="not both"):
        rnnx.SpectralPool(2, size=3)
    with pytest.raises(ValueError, match="factor.*>= 1"):
        rnnx.SpectralPool(0.5)
    with pytest.raises(ValueError, match="rank"):
        rnnx.FftResize((4, 4), rank=3)
    with pytest.raises(ValueError, match="empties an axis"):
        rnnx.FftDownsample(8)(x)


def test_method_table_fft_records_match_scipy(rng):
    from flax import nnx

    from resample_jax import methods

    x = rng.standard_normal((2, 6, 5, 3))
    r = nnx.Rngs(0)
    up = methods.make_upsampler("fft", 3, 3, 2, rngs=r)(x.astype(np.float32))
    _util.assert_close(up, _scipy_resample(x, (12, 10)))
    down = methods.make_downsampler("fourier", 3, 3, 2, rngs=r)(x.astype(np.float32))
    _util.assert_close(down, _scipy_resample(x, (3, 2)))
    x = rng.standard_normal((2, 9, 5, 3))
    pooled = methods.make_downsampler("spectral_pool", 3, 3, (3, 1), rngs=r)(x.astype(np.float32))
    _util.assert_close(pooled, _scipy_resample(x, (3, 5)))  # odd sizes: scipy's rule


def _dropout_weights(m: int, h: int) -> np.ndarray:
    """Frequency dropout's weight of each DFT bin of a length-m axis cut to h bins (Rippel et al.
    2015, sec. 5.2): 1 for |k| < h/2, 1/2 for the pair |k| = h/2 (even h < m), 0 above."""
    k = np.abs(np.round(np.fft.fftfreq(m) * m))
    if h == m:
        return np.ones(m)
    return np.where(2 * k < h, 1.0, np.where(2 * k == h, 0.5, 0.0))


def _pooled_reference(x: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Spectral pooling of (N, H, W, C) along both axes by the 1-D rule derived from scipy."""
    y = _spectral_pool_1d(x.reshape(x.shape[0], x.shape[1], -1), size[0])
    y = y.reshape(x.shape[0], size[0], *x.shape[2:])
    y = np.moveaxis(y, 2, 1)
    z = _spectral_pool_1d(y.reshape(y.shape[0], y.shape[1], -1), size[1])
    return np.moveaxis(z.reshape(y.shape[0], size[1], size[0], -1), 1, 2)


def test_frequency_dropout_is_spectral_pool_cut_to_the_drawn_truncation(path, rng):
    x = rng.standard_normal((2, 12, 11, 3))
    size = (6, 5)
    pooled = _pooled_reference(x, size)
    spec = np.fft.fftn(pooled, axes=(1, 2))
    seen = set()
    for seed in range(6):
        key = jax.random.key(seed)
        # The documented draw: uniform over min_size .. size per axis, one draw per call.
        h = tuple(int(v) for v in jax.random.randint(
            key, (2,), jnp.asarray((2, 1), jnp.int32), jnp.asarray(size, jnp.int32) + 1,
            dtype=jnp.int32))
        seen.add(h)
        w = _dropout_weights(6, h[0])[:, None] * _dropout_weights(5, h[1])[None, :]
        want = np.fft.ifftn(spec * w[None, :, :, None], axes=(1, 2))
        assert np.abs(want.imag).max() < 1e-12  # even weights keep a real map real
        got = rj.spectral_pool(x.astype(np.float32), 2, key=key, min_size=(2, 1))
        _util.assert_close(got, want.real, err_msg=str(h))
        if h[0] % 2 and h[1] % 2:  # odd truncation: pooling to h, then band-limited back up
            _util.assert_close(got, rj.fft_resize(rj.spectral_pool(x.astype(np.float32),
                                                                   size=h), size))
    assert len(seen) > 1
    # A truncation as large as the output is plain spectral pooling.
    np.testing.assert_allclose(
        rj.spectral_pool(x.astype(np.float32), 2, key=jax.random.key(0), min_size=size),
        rj.spectral_pool(x.astype(np.float32), 2), atol=2e-6)


def test_frequency_dropout_gradients_and_jit(rng):
    key = jax.random.key(3)
    x = rng.standard_normal((4, 6, 1))
    _util.check_grads_f64(jax.jit(lambda v: (rj.spectral_pool(v, key=key) ** 2).sum()), (x,))
    g = jax.grad(lambda v: rj.spectral_pool(v, key=key, min_size=1).sum())(x.astype(np.float32))
    assert np.all(np.isfinite(g))
    jitted = jax.jit(lambda v, k: rj.spectral_pool(v, key=k))
    np.testing.assert_allclose(jitted(x.astype(np.float32), key),
                               rj.spectral_pool(x.astype(np.float32), key=key), atol=1e-6)


def test_spectral_pool_module_drops_frequencies_in_training_only(rng):
    from flax import nnx

    from resample_jax import nnx as rnnx

    x = rng.standard_normal((2, 8, 8, 3)).astype(np.float32)
    pool = rnnx.SpectralPool(2, frequency_dropout=True, min_size=1)
    key = nnx.Rngs(dropout=5)["dropout"]()  # the key the module draws from the same stream
    np.testing.assert_array_equal(pool(x, nnx.Rngs(dropout=5)),
                                  rj.spectral_pool(x, 2, key=key, min_size=1))
    with pytest.raises(ValueError, match="frequency dropout in training needs `rngs`"):
        pool(x)
    pool.eval()
    np.testing.assert_array_equal(pool(x), rj.spectral_pool(x, 2))
    np.testing.assert_array_equal(pool(x, nnx.Rngs(dropout=5)), rj.spectral_pool(x, 2))
    with pytest.raises(ValueError, match="min_size.*>= 1"):
        rnnx.SpectralPool(2, min_size=0)
    with pytest.raises(TypeError, match="frequency_dropout"):
        rnnx.SpectralPool(2, frequency_dropout=1)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda x: rj.spectral_pool(x, 2, key=jax.random.key(0), min_size=4), ValueError,
         "min_size.*at most the output size"),
        (lambda x: rj.spectral_pool(x, 2, key=jax.random.key(0), min_size=(1, 0)), ValueError,
         "min_size.*>= 1"),
        (lambda x: rj.spectral_pool(x, 2, key=0), TypeError, "key.*PRNG key"),
    ],
)
def test_frequency_dropout_rejects_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call(np.zeros((6, 6, 1), np.float32))
