"""dwt / idwt / wavelet_pool: filter taps and filter-bank identities, parity with pywt.dwtn /
pywt.idwtn over the spatial axes on a sampled grid (wavelets x modes x sizes x ranks x dtypes),
perfect reconstruction and the output-length rule, orthogonality and adjoints in periodization,
the Haar special case, wavelet pooling as the paper's two-level procedure, jit / vmap / grad, and
errors."""

import itertools

import _util
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import pywt
import torch

import resample_jax as rj
from resample_jax._src import dwt as dwt_mod
from resample_jax._src import wavelet_filters as wf

MODES = dwt_mod.MODES


def _keys(rank):
    """PyWavelets' subband keys in our channel order: 'a' = bit 0, first axis most significant."""
    return ["".join(k) for k in itertools.product("ad", repeat=rank)]


def _pywt_dwt(x, wavelet, mode, rank):
    """pywt.dwtn over the spatial axes of a (N, *spatial, C) array, stacked as our layout."""
    axes = tuple(range(1, 1 + rank))
    bands = pywt.dwtn(np.asarray(x, np.float64), wavelet, mode=mode, axes=axes)
    return np.concatenate([bands[k] for k in _keys(rank)], axis=-1)


def _pywt_idwt(coeffs, wavelet, mode, rank):
    c = np.asarray(coeffs, np.float64)
    split = np.split(c, 2**rank, axis=-1)
    axes = tuple(range(1, 1 + rank))
    return pywt.idwtn(dict(zip(_keys(rank), split, strict=True)), wavelet, mode=mode, axes=axes)


# --- filters --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", wf.WAVELET_NAMES)
def test_filters_match_pywavelets_tables(name):
    ours, ref = wf.get_wavelet(name), pywt.Wavelet(name)
    # pywt's sym tables carry ~11 digits (its sym2 and db2 differ by 3e-13), as do our coif4 taps
    # (its defining equations have condition number ~3e7); db, bior and coif1-3 agree to 2e-13.
    atol = 2e-10 if name.startswith(("sym", "coif")) else 1e-12
    for attr in ("dec_lo", "dec_hi", "rec_lo", "rec_hi"):
        np.testing.assert_allclose(getattr(ours, attr), getattr(ref, attr), atol=atol, err_msg=attr)


@pytest.mark.parametrize(("name", "n"), [("db1", 1), ("db4", 4), ("db12", 12), ("db20", 20),
                                         ("sym5", 5), ("sym13", 13), ("sym20", 20),
                                         ("coif2", 4), ("coif4", 8)])
def test_orthogonal_filters_are_orthonormal_with_n_vanishing_moments(name, n):
    w = wf.get_wavelet(name)
    h = w.rec_lo
    for m in range(len(h) // 2):  # sum_k h[k] h[k + 2m] = delta_m
        np.testing.assert_allclose(np.dot(h[: len(h) - 2 * m], h[2 * m :]), float(m == 0),
                                   atol=1e-11)
    k = np.arange(len(h)) / len(h)  # scaled to keep the moments well conditioned
    for ell in range(n):  # the wavelet annihilates polynomials of degree < N
        assert abs(np.sum(w.rec_hi * k**ell)) < 1e-10


@pytest.mark.parametrize("name", ["bior1.3", "bior2.8", "bior3.9", "bior4.4", "bior5.5",
                                  "bior6.8", "rbio3.1"])
def test_biorthogonal_filters_are_dual(name):
    """sum_k dec_lo[k] rec_lo[k + 2m] = delta_m, up to the standard tables' alignment."""
    w = wf.get_wavelet(name)
    corr = np.correlate(w.rec_lo, w.dec_lo[::-1], mode="full")
    centre = len(w.dec_lo) - 1
    even = corr[centre % 2 :: 2]
    expected = np.zeros_like(even)
    expected[centre // 2] = 1.0
    np.testing.assert_allclose(even, expected, atol=1e-12)


# --- parity with PyWavelets -----------------------------------------------------------------------

# (wavelet, mode, spatial shape, channels, dtype): odd, even and tiny sizes (shorter than the
# filter, where the extension wraps or mirrors more than once), every mode, ranks 1 to 3.
PARITY = [
    ("db2", "periodization", (6, 7), 2, np.float32),
    ("db2", "symmetric", (5, 8), 1, np.float32),
    ("db2", "zero", (9,), 3, np.float64),
    ("haar", "periodization", (3, 4, 5), 1, np.float32),
    ("sym4", "symmetric", (3, 10), 1, np.float32),
    ("sym8", "periodization", (5,), 2, np.float32),
    ("db5", "reflect", (7, 4), 1, np.float32),
    ("coif2", "periodization", (9, 12), 1, np.float32),
    ("coif1", "symmetric", (5, 4), 1, np.float32),
    ("bior2.2", "periodic", (9, 6), 1, np.float32),
    ("bior4.4", "constant", (4, 5, 3), 1, np.float32),
    ("rbio3.5", "smooth", (6, 5), 2, np.float32),
    ("bior6.8", "antisymmetric", (11,), 1, np.float32),
    ("sym3", "antireflect", (2, 9), 1, np.float32),
    ("db20", "zero", (13,), 1, np.float64),
    ("bior1.5", "symmetric", (1, 4), 1, np.float32),
    ("rbio2.4", "periodization", (2, 2, 2), 1, np.float32),
]


@pytest.mark.parametrize(("wavelet", "mode", "spatial", "channels", "dtype"), PARITY)
def test_dwt_and_idwt_match_pywavelets(rng, wavelet, mode, spatial, channels, dtype):
    rank = len(spatial)
    x = rng.standard_normal((2, *spatial, channels))
    with jax.enable_x64(dtype == np.float64):
        out = rj.dwt(x.astype(dtype), wavelet, mode=mode, rank=rank)
        ref = _pywt_dwt(x, wavelet, mode, rank)
        assert out.shape == ref.shape and out.dtype == dtype
        # Absolute error in units of the largest coefficient: "smooth" extrapolates linearly, so
        # its coefficients grow to ~100 and cancel to ~0 in the detail bands.
        scale = max(1.0, float(np.abs(ref).max()))
        _util.assert_close(out, ref, dtype, atol=_util.tol(dtype)["atol"] * scale)
        rec = rj.idwt(ref.astype(dtype), wavelet, mode=mode, rank=rank)
        _util.assert_close(rec, _pywt_idwt(ref, wavelet, mode, rank), dtype,
                           atol=_util.tol(dtype)["atol"] * scale)


@pytest.mark.parametrize("mode", MODES)
def test_perfect_reconstruction_and_length_rule(rng, mode):
    wavelet, f = "bior3.3", 8
    spatial = (7, 10)
    x = rng.standard_normal((*spatial, 2)).astype(np.float32)
    c = rj.dwt(x, wavelet, mode=mode)
    per_axis = [(-(-n // 2)) if mode == "periodization" else (n + f - 1) // 2 for n in spatial]
    assert c.shape == (*per_axis, 8)
    y = rj.idwt(c, wavelet, mode=mode)
    out_axis = [2 * m if mode == "periodization" else 2 * m - f + 2 for m in per_axis]
    assert y.shape == (*out_axis, 2)
    # Odd axes come back one sample longer; the first `n` samples are x.
    _util.assert_close(y[: spatial[0], : spatial[1]], x)


@pytest.mark.parametrize(("wavelet", "rank"), [("db3", 1), ("sym4", 2), ("db2", 3)])
def test_periodization_is_orthogonal_and_idwt_is_its_transpose(rng, wavelet, rank):
    x = rng.standard_normal((2, *(8, 6, 4)[:rank], 2))
    c = rj.dwt(x.astype(np.float32), wavelet, rank=rank)
    np.testing.assert_allclose(np.sum(np.square(c)), np.sum(np.square(x)), rtol=1e-5)
    fwd = lambda v: rj.dwt(v, wavelet, rank=rank)  # noqa: E731
    _util.assert_adjoint(fwd, x, rng)
    with jax.enable_x64(True):
        out, vjp = jax.vjp(fwd, jnp.asarray(x))
        y = jnp.asarray(rng.standard_normal(out.shape))
        _util.assert_close(vjp(y)[0], rj.idwt(y, wavelet, rank=rank), np.float64)


def test_biorthogonal_adjoint_is_the_reverse_biorthogonal_inverse(rng):
    """The transpose of analysis with bior's filters is synthesis with them reversed: rbio."""
    x = rng.standard_normal((6, 4, 1))
    with jax.enable_x64(True):
        out, vjp = jax.vjp(lambda v: rj.dwt(v, "bior2.4"), jnp.asarray(x))
        y = jnp.asarray(rng.standard_normal(out.shape))
        _util.assert_close(vjp(y)[0], rj.idwt(y, "rbio2.4"), np.float64)


def test_haar_is_haar_downsample(rng):
    x = rng.standard_normal((2, 4, 6, 3)).astype(np.float32)
    np.testing.assert_array_equal(rj.dwt(x, "haar"), rj.haar_downsample(x))
    np.testing.assert_array_equal(rj.idwt(rj.dwt(x, "HAAR"), "db1"), rj.haar_upsample(
        rj.haar_downsample(x)))


def test_half_precision_keeps_dtype(rng):
    x = rng.standard_normal((6, 5, 2)).astype(np.float32)
    ref = rj.dwt(x, "sym3", mode="symmetric")
    for dtype in (jnp.bfloat16, jnp.float16):
        y = rj.dwt(jnp.asarray(x, dtype), "sym3", mode="symmetric")
        assert y.dtype == dtype
        _util.assert_close(y, ref, dtype, atol=4 * _util.tol(dtype)["atol"])


# --- wavelet pooling ------------------------------------------------------------------------------


@pytest.mark.parametrize(("wavelet", "mode"), [("haar", "periodization"), ("db2", "symmetric")])
def test_wavelet_pool_is_the_papers_second_level_reconstruction(rng, wavelet, mode):
    """Williams & Li: decompose twice, drop the level-1 details, reconstruct from level 2."""
    x = rng.standard_normal((12, 10))
    level1 = pywt.dwtn(x, wavelet, mode=mode)["aa"]
    recon = pywt.idwtn(pywt.dwtn(level1, wavelet, mode=mode), wavelet, mode=mode)
    recon = recon[: level1.shape[0], : level1.shape[1]]
    pooled = rj.wavelet_pool(x[..., None].astype(np.float32), wavelet, mode=mode)[..., 0]
    _util.assert_close(pooled, recon)


def test_wavelet_pool_haar_is_twice_average_pool(rng):
    x = rng.standard_normal((2, 6, 4, 3)).astype(np.float32)
    avg = _util.torch_call(torch.nn.functional.avg_pool2d, x, 2)
    _util.assert_close(rj.wavelet_pool(x), 2 * avg)
    _util.assert_close(rj.wavelet_pool(x, "sym4", rank=2), rj.dwt(x, "sym4")[..., :3])


# --- transformations ------------------------------------------------------------------------------


def test_gradients_jit_and_vmap(rng):
    x = rng.standard_normal((3, 5, 4, 1)).astype(np.float32)
    _util.check_grads_f64(lambda v: rj.dwt(v, "db2", mode="symmetric") ** 2, (x[0],))
    _util.check_grads_f64(lambda v: rj.idwt(v, "bior2.2", mode="zero", rank=1) ** 2,
                          (x[0].repeat(2, axis=-1),))
    _util.check_grads_f64(lambda v: rj.wavelet_pool(v, "db2") ** 2, (x[0],))
    _util.assert_jit_matches_eager(lambda v: rj.dwt(v, "db2", mode="smooth"), x)
    _util.assert_vmap_matches_loop(lambda v: rj.dwt(v, "sym2", mode="periodic"), x)
    _util.assert_vmap_matches_loop(lambda v: rj.idwt(v, "db2", rank=1), x.repeat(2, axis=-1))


def test_unbatched_and_several_leading_axes(rng):
    x = rng.standard_normal((2, 3, 5, 4, 1)).astype(np.float32)
    out = rj.dwt(x, "db2", mode="reflect")
    np.testing.assert_allclose(out[1, 2], rj.dwt(x[1, 2], "db2", mode="reflect"), rtol=1e-6)


# --- errors ---------------------------------------------------------------------------------------


def test_unknown_wavelet_suggests_the_closest_name():
    with pytest.raises(ValueError, match="unknown `wavelet` 'sym44'.*Did you mean 'sym4'"):
        rj.dwt(np.zeros((4, 4, 1), np.float32), "sym44")
    with pytest.raises(ValueError, match="'db1'..'db20'"):
        rj.idwt(np.zeros((4, 4, 4), np.float32), "db30")
    with pytest.raises(TypeError, match="wavelet"):
        rj.wavelet_pool(np.zeros((4, 4, 1), np.float32), 2)


def test_coiflet_scaling_function_has_vanishing_moments():
    """coifN: sum_k (k - 2N)**l h[k] = 0 for 1 <= l < 2N (Daubechies 1992, sec. 8.2)."""
    for n in (1, 3):
        h = wf.get_wavelet(f"coif{n}").rec_lo
        k = (np.arange(len(h)) - 2 * n) / (4 * n)
        for ell in range(1, 2 * n):
            assert abs(np.sum(k**ell * h)) < 1e-10


def test_bad_mode_names_the_valid_ones():
    with pytest.raises(ValueError, match="`mode` 'periodisation'.*Did you mean 'periodization'"):
        rj.dwt(np.zeros((4, 4, 1), np.float32), mode="periodisation")


def test_too_small_inputs():
    with pytest.raises(ValueError, match="must be >= 2 in mode 'reflect'"):
        rj.dwt(np.zeros((1, 4, 1), np.float32), mode="reflect")
    with pytest.raises(ValueError, match="must be >= 1"):
        rj.wavelet_pool(np.zeros((0, 4, 1), np.float32))
    # sym4 has 8 taps: 3 coefficients would reconstruct 2*3 - 8 + 2 = 0 samples.
    with pytest.raises(ValueError, match="at least 4 coefficients"):
        rj.idwt(np.zeros((3, 5, 4), np.float32), "sym4", mode="zero")


def test_channels_dtype_and_rank_errors():
    with pytest.raises(ValueError, match="channel count.*2\\*\\*rank = 8"):
        rj.idwt(np.zeros((2, 2, 2, 4), np.float32), rank=3)
    with pytest.raises(TypeError, match="coeffs.*floating"):
        rj.idwt(np.zeros((2, 2, 4), np.int32))
    with pytest.raises(ValueError, match="rank"):
        rj.dwt(np.zeros((4, 1), np.float32), rank=4)


def test_method_records_build_the_wavelet_modules(rng):
    from flax import nnx

    from resample_jax import methods

    x = rng.standard_normal((2, 6, 4, 3)).astype(np.float32)
    pool = methods.make_downsampler("wavelet_pool", 3, 3, 2, rngs=nnx.Rngs(0))
    _util.assert_close(pool(x), 2 * _util.torch_call(torch.nn.functional.avg_pool2d, x, 2))
    down = methods.make_downsampler("dwt_db2", 3, 5, 2, rngs=nnx.Rngs(0))
    up = methods.make_upsampler("db2", 5, 3, 2, rngs=nnx.Rngs(0))
    assert down(x).shape == (2, 3, 2, 5) and up(down(x)).shape == x.shape
