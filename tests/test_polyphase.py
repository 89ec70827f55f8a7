"""polyphase_components / aps_downsample / aps_upsample: hand-computed cases, a NumPy slicing
reference, the exact circular-shift identity of APS, exact shift equivariance of an APS
encoder-decoder (and its failure with strided sampling and max pooling), the adjoint relation
between APS and APS-U, order-2 gradients, jit / vmap, and bad input."""

import itertools

import _util
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import resample_jax as rj


def _components_np(x: np.ndarray, factor: tuple[int, ...]) -> np.ndarray:
    """(N, *spatial, C) -> (N, P, *small, C) by NumPy slicing, offsets in row-major order."""
    comps = [
        x[(slice(None), *(slice(a, None, f) for a, f in zip(off, factor, strict=True)))]
        for off in itertools.product(*(range(f) for f in factor))
    ]
    return np.stack(comps, axis=1)


def _aps_np(x: np.ndarray, factor: tuple[int, ...], p: float) -> tuple[np.ndarray, np.ndarray]:
    comps = _components_np(x, factor)
    flat = np.abs(comps.reshape(*comps.shape[:2], -1))
    norms = flat.max(-1) if p == np.inf else (flat**p).sum(-1) ** (1 / p)
    phase = norms.argmax(axis=1)
    return comps[np.arange(len(x)), phase], phase


def test_hand_computed_2d_components():
    x = np.arange(16.0).reshape(4, 4, 1)
    out = np.asarray(rj.polyphase_components(x, 2))[..., 0]
    np.testing.assert_array_equal(out[0], [[0, 2], [8, 10]])  # offset (0, 0): strided sampling
    np.testing.assert_array_equal(out[1], [[1, 3], [9, 11]])  # offset (0, 1)
    np.testing.assert_array_equal(out[2], [[4, 6], [12, 14]])  # offset (1, 0)
    np.testing.assert_array_equal(out[3], [[5, 7], [13, 15]])  # offset (1, 1)


@pytest.mark.parametrize("factor", [(3,), (2, 3), (1, 2), (2, 1, 2)])
def test_components_match_numpy_slicing(rng, factor):
    x = rng.standard_normal((2, *(6, 6, 4)[: len(factor)], 3)).astype(np.float32)
    np.testing.assert_array_equal(rj.polyphase_components(x, factor), _components_np(x, factor))


def test_hand_computed_aps_and_tie_rule():
    x = np.zeros((4, 4, 1), np.float32)
    x[1, 1] = x[3, 3] = 2.0  # offset (1, 1): norm^2 8
    x[0, 1] = 2.5  # offset (0, 1): norm^2 6.25
    y, phase = rj.aps_downsample(x, return_phase=True)
    assert int(phase) == 3
    np.testing.assert_array_equal(y[..., 0], [[2, 0], [0, 2]])
    # Ties go to the lowest phase: a constant keeps component 0, equal norms at 1 and 2 keep 1.
    assert int(rj.aps_downsample(np.ones((4, 4, 2), np.float32), return_phase=True)[1]) == 0
    t = np.zeros((2, 2, 1), np.float32)
    t[0, 1] = t[1, 0] = -1.0
    assert int(rj.aps_downsample(t, return_phase=True)[1]) == 1


def test_norm_is_over_all_channels_of_an_example():
    # Channel 0 alone would pick offset 0, but channel 1 makes offset 1 win for the whole example.
    x = np.array([[1.0, 0.0], [0.0, 3.0]], np.float32)  # [L=2, C=2]
    y, phase = rj.aps_downsample(x, (2,), return_phase=True)
    assert int(phase) == 1
    np.testing.assert_array_equal(y, [[0.0, 3.0]])


@pytest.mark.parametrize(("factor", "p"), [((2, 2), 2), ((3,), 1), ((2, 3), np.inf),
                                           ((2, 2, 2), 2), ((2, 2), 0.5)])
def test_matches_numpy_reference(rng, factor, p):
    x = rng.standard_normal((3, *(6, 6, 4)[: len(factor)], 2)).astype(np.float32)
    y, phase = rj.aps_downsample(x, factor, norm=p, return_phase=True)
    want_y, want_phase = _aps_np(x.astype(np.float64), factor, p)
    np.testing.assert_array_equal(phase, want_phase)
    np.testing.assert_array_equal(y, want_y.astype(np.float32))


@pytest.mark.parametrize("factor", [(2,), (3,), (2, 2), (3, 2), (2, 2, 2)])
def test_circular_shift_identity(rng, factor):
    """If x keeps offset a, roll(x, s) keeps offset (a + s) mod f and its output is
    roll(aps(x), (a + s) // f), per spatial axis (strict maximum: random data has no ties)."""
    rank = len(factor)
    x = rng.standard_normal((3, *(6, 6, 4)[:rank], 2)).astype(np.float32)
    y, phase = rj.aps_downsample(x, factor, return_phase=True)
    offsets = np.stack(np.unravel_index(np.asarray(phase), factor), axis=-1)  # (N, rank)
    for shift in itertools.islice(itertools.product(range(4), repeat=rank), 1, None, 3):
        ys, phase_s = rj.aps_downsample(np.roll(x, shift, axis=tuple(range(1, 1 + rank))), factor,
                                        return_phase=True)
        for n in range(len(x)):
            moved = offsets[n] + np.asarray(shift)
            want_phase = np.ravel_multi_index(tuple(moved % np.asarray(factor)), factor)
            assert int(phase_s[n]) == want_phase
            want = np.roll(np.asarray(y[n]), tuple(moved // np.asarray(factor)),
                           axis=tuple(range(rank)))
            np.testing.assert_array_equal(ys[n], want)


def _circular_conv(x, w):
    """2-D convolution with circular padding ('SAME' size), x (N, H, W, C), w (3, 3, C, C')."""
    xp = jnp.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="wrap")
    return jax.lax.conv_general_dilated(xp, w, (1, 1), "VALID",
                                        dimension_numbers=("NHWC", "HWIO", "NHWC"))


def _encoder_decoder(x, ws, down):
    """conv -> relu -> down -> conv -> relu -> up (zeros at the other phases) -> conv."""
    h = jax.nn.relu(_circular_conv(x, ws[0]))
    h, phase = down(h)
    h = jax.nn.relu(_circular_conv(h, ws[1]))
    return _circular_conv(rj.aps_upsample(h, phase), ws[2])


def test_aps_encoder_decoder_is_exactly_shift_equivariant_and_strided_is_not(rng):
    x = rng.standard_normal((2, 8, 8, 2)).astype(np.float32)
    ws = [rng.standard_normal(s).astype(np.float32) / 3 for s in ((3, 3, 2, 4), (3, 3, 4, 4),
                                                                  (3, 3, 4, 1))]
    batch = (x.shape[0],)

    def aps(h):
        return rj.aps_downsample(h, return_phase=True)

    def strided(h):  # always phase 0, as a stride-2 layer
        return h[:, ::2, ::2], jnp.zeros(batch, jnp.int32)

    def max_pool(h):  # max pooling then APS-U at phase 0 (a max-unpool-like decoder)
        return rj.max_pool(h, 2), jnp.zeros(batch, jnp.int32)

    net = {name: jax.jit(lambda v, d=d: _encoder_decoder(v, ws, d))
           for name, d in (("aps", aps), ("strided", strided), ("max_pool", max_pool))}
    worst = {name: 0.0 for name in net}
    for shift in ((1, 0), (0, 1), (1, 1), (3, 2)):
        xs = np.roll(x, shift, axis=(1, 2))
        for name, f in net.items():
            diff = np.abs(np.asarray(f(xs)) - np.roll(np.asarray(f(x)), shift, axis=(1, 2)))
            worst[name] = max(worst[name], float(diff.max()))
    assert worst["aps"] < 1e-5, worst
    assert worst["strided"] > 0.1 and worst["max_pool"] > 0.1, worst


def test_upsample_hand_computed_and_round_trip(rng):
    y = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)[..., None]
    out = np.asarray(rj.aps_upsample(y, np.array(2)))[..., 0]  # offset (1, 0)
    np.testing.assert_array_equal(out, [[0, 0, 0, 0], [1, 0, 2, 0], [0, 0, 0, 0], [3, 0, 4, 0]])
    # APS of an APS-U output finds the same phase and gives the values back.
    v = rng.standard_normal((2, 3, 2, 1, 2, 2)).astype(np.float32)
    phase = np.array([[1, 0, 7], [5, 2, 3]], np.int32)
    up = rj.aps_upsample(v, phase, (2, 2, 2))
    back, found = rj.aps_downsample(up, (2, 2, 2), return_phase=True)
    np.testing.assert_array_equal(found, phase)
    np.testing.assert_array_equal(back, v)


def test_upsample_is_the_vjp_of_the_selection(rng):
    x = rng.standard_normal((3, 6, 4, 2)).astype(np.float32)
    (y, phase), vjp = jax.vjp(lambda v: rj.aps_downsample(v, return_phase=True), jnp.asarray(x))
    ct = rng.standard_normal(y.shape).astype(np.float32)
    (grad,) = vjp((jnp.asarray(ct), np.zeros(phase.shape, jax.dtypes.float0)))
    np.testing.assert_array_equal(grad, rj.aps_upsample(ct, phase))
    _util.assert_adjoint(lambda v: rj.aps_upsample(v, phase), ct, rng)


def test_upsample_of_inf_puts_no_nan_in_the_zero_phases():
    out = np.asarray(rj.aps_upsample(np.full((1, 1, 1), np.inf, np.float32), np.array(0)))
    np.testing.assert_array_equal(out[..., 0], [[np.inf, 0], [0, 0]])


def test_gradients_to_order_two(rng):
    x = rng.standard_normal((6, 4, 2))
    phase = np.array(3, np.int32)

    def fn(v):
        down = rj.aps_downsample(v, (3, 2), norm=1)
        return (down**3).sum() + (rj.aps_upsample(v[:2, :2], phase) ** 3).sum()

    _util.check_grads_f64(jax.jit(fn), (x,))


def test_jit_vmap_and_phase_per_example(rng):
    x = rng.standard_normal((4, 6, 4, 2)).astype(np.float32)
    x[1] = np.roll(x[0], 1, axis=0)  # same content, shifted: a different phase
    _util.assert_jit_matches_eager(lambda v: rj.aps_downsample(v, return_phase=True), x)
    _util.assert_vmap_matches_loop(lambda v: rj.aps_downsample(v, return_phase=True), x)
    phase = rj.aps_downsample(x, return_phase=True)[1]
    assert phase.shape == (4,) and phase[0] != phase[1]
    nested = rj.aps_downsample(x.reshape(2, 2, 6, 4, 2), return_phase=True)[1]
    np.testing.assert_array_equal(nested, np.asarray(phase).reshape(2, 2))
    ups = jax.vmap(lambda v, p: rj.aps_upsample(v, p))(x[:, :3, :2], phase)
    np.testing.assert_array_equal(ups, rj.aps_upsample(x[:, :3, :2], phase))


def test_half_precision_keeps_dtype(rng):
    x = rng.standard_normal((4, 4, 2)).astype(np.float32)
    for dtype in (jnp.bfloat16, jnp.float16):
        y, phase = rj.aps_downsample(jnp.asarray(x, dtype), return_phase=True)
        assert y.dtype == dtype and phase.dtype == jnp.int32
        assert rj.aps_upsample(y, phase).dtype == dtype


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda x: rj.aps_downsample(x[:5]), ValueError, "divisible by `factor`"),
        (lambda x: rj.polyphase_components(x, 0), ValueError, "factor.*>= 1"),
        (lambda x: rj.aps_downsample(x, 2.0), TypeError, "factor"),
        (lambda x: rj.aps_downsample(x, norm=0), ValueError, "norm.*p > 0"),
        (lambda x: rj.aps_downsample(x, norm="l2"), TypeError, "norm"),
        (lambda x: rj.aps_downsample(x, norm=True), TypeError, "norm"),
        (lambda x: rj.aps_downsample(x.astype(np.int32)), TypeError, "x.*floating"),
        (lambda x: rj.aps_upsample(x, np.zeros(2, np.int32)), ValueError, "phase.*batch shape"),
        (lambda x: rj.aps_upsample(x, np.array(0.0)), TypeError, "phase.*integer"),
        (lambda x: rj.aps_upsample(x, np.array(0), (2, 2, 2, 2)), ValueError, "factor"),
    ],
)
def test_rejects_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call(np.zeros((6, 4, 1), np.float32))


# --- NNX modules ----------------------------------------------------------------------------------


def test_aps_modules_call_the_functions(rng):
    from resample_jax import nnx as rnnx

    x = rng.standard_normal((2, 6, 6, 3)).astype(np.float32)
    y, phase = rnnx.ApsDownsample((3, 2), norm=1, return_phase=True)(x)
    want_y, want_phase = rj.aps_downsample(x, (3, 2), norm=1, return_phase=True)
    np.testing.assert_array_equal(y, want_y)
    np.testing.assert_array_equal(phase, want_phase)
    np.testing.assert_array_equal(rnnx.ApsUpsample([3, 2])(y, phase),
                                  rj.aps_upsample(y, phase, (3, 2)))


@pytest.fixture(scope="module")
def lps():
    from flax import nnx

    from resample_jax import nnx as rnnx

    return rnnx.LearnablePolyphaseDownsample(3, 2, hidden_features=4, return_weights=True,
                                             rngs=nnx.Rngs(0))


def test_lps_at_evaluation_has_the_aps_shift_identity(rng, lps):
    x = rng.standard_normal((3, 6, 8, 3)).astype(np.float32)
    lps.eval()
    y, w = lps(x)
    comps = np.asarray(rj.polyphase_components(x, 2))
    phase = np.asarray(lps.logits(x)).argmax(-1)
    np.testing.assert_array_equal(w, np.eye(4, dtype=np.float32)[phase])
    np.testing.assert_array_equal(y, comps[np.arange(3), phase])
    offsets = np.stack(np.unravel_index(phase, (2, 2)), axis=-1)
    for shift in ((1, 0), (0, 1), (1, 1), (2, 3)):
        ys, ws = lps(np.roll(x, shift, axis=(1, 2)))
        moved = offsets + np.asarray(shift)
        np.testing.assert_array_equal(np.asarray(ws).argmax(-1),
                                      np.ravel_multi_index(tuple((moved % 2).T), (2, 2)))
        for n in range(3):
            np.testing.assert_array_equal(ys[n], np.roll(np.asarray(y[n]), tuple(moved[n] // 2),
                                                         axis=(0, 1)))


def test_lpu_places_by_the_lps_weights(rng, lps):
    from resample_jax import nnx as rnnx

    x = rng.standard_normal((3, 6, 8, 3)).astype(np.float32)
    lpu = rnnx.LearnablePolyphaseUpsample(2)
    lps.eval()
    y, w = lps(x)
    np.testing.assert_array_equal(lpu(y, w), rj.aps_upsample(y, jnp.argmax(w, -1)))
    # Soft weights: the weighted sum of the placements at each phase.
    soft = jax.nn.softmax(jnp.asarray(rng.standard_normal((3, 4)), jnp.float32))
    want = sum(soft[:, p, None, None, None] * rj.aps_upsample(y, jnp.full((3,), p))
               for p in range(4))
    _util.assert_close(lpu(y, soft), want)


def test_lps_training_mixes_components_with_gumbel_softmax_weights(rng, lps):
    from flax import nnx

    x = rng.standard_normal((2, 4, 6, 3)).astype(np.float32)
    lps.train()
    rngs = nnx.Rngs(gumbel=3)
    y1, w1 = lps(x, rngs)
    _, w2 = lps(x, rngs)
    w1 = np.asarray(w1)
    assert (w1 > 0).all() and not np.allclose(w1, w2)  # fresh noise on every call
    np.testing.assert_allclose(w1.sum(-1), 1.0, rtol=1e-6)
    comps = np.asarray(rj.polyphase_components(x, 2))
    _util.assert_close(y1, np.einsum("np,np...->n...", w1, comps))
    np.testing.assert_array_equal(lps(x, jax.random.key(5))[1], lps(x, jax.random.key(5))[1])
    # Without a key: the noise-free relaxation softmax(logits / temperature).
    _util.assert_close(lps(x)[1], jax.nn.softmax(lps.logits(x), axis=-1))
    grads = nnx.grad(lambda m: jnp.sum(m(x, jax.random.key(0))[0] ** 2))(lps)
    assert float(jnp.abs(grads.score_hidden.kernel[...]).max()) > 0


def test_lps_rejects_bad_options_and_input():
    from flax import nnx

    from resample_jax import nnx as rnnx

    with pytest.raises(ValueError, match="temperature.*> 0"):
        rnnx.LearnablePolyphaseDownsample(3, temperature=0.0, rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="factor.*>= 1"):
        rnnx.LearnablePolyphaseDownsample(3, (2, 0), rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="norm"):
        rnnx.ApsDownsample(norm=-1)
    m = rnnx.LearnablePolyphaseDownsample(3, rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="expected 3 input channels"):
        m(np.zeros((4, 4, 2), np.float32))
    with pytest.raises(ValueError, match="weights.*shape \\(2, 4\\)"):
        rnnx.LearnablePolyphaseUpsample(2)(np.zeros((2, 3, 3, 1), np.float32), np.zeros((2, 2)))


def test_linen_lps_trains_with_a_key_like_nnx(rng):
    import flax.linen  # noqa: F401  (the Linen API is optional for the pure functions)
    from flax import nnx

    from resample_jax import linen as rlinen
    from resample_jax import nnx as rnnx

    x = rng.standard_normal((2, 4, 4, 3)).astype(np.float32)
    key = jax.random.key(7)
    module = rnnx.LearnablePolyphaseDownsample(3, 2, return_weights=True, rngs=nnx.Rngs(0))
    linen = rlinen.LearnablePolyphaseDownsample(3, 2, return_weights=True)
    params = nnx.to_pure_dict(nnx.state(module, nnx.Param))
    variables = {"params": params}
    jax.tree.map(np.testing.assert_array_equal, linen.apply(variables, x, key), module(x, key))
    # The Linen way: the key as the "gumbel" stream of apply's rngs, as nn.Dropout takes its own.
    y, w = linen.apply(variables, x, rngs={"gumbel": key})
    again = linen.apply(variables, x, rngs={"gumbel": key})[1]
    other = linen.apply(variables, x, rngs={"gumbel": jax.random.key(8)})[1]
    relaxed = linen.apply(variables, x)[1]  # no key: softmax(logits / temperature), no noise
    np.testing.assert_array_equal(w, again)
    assert not np.allclose(w, other) and not np.allclose(w, relaxed)
    _util.assert_close(relaxed, jax.nn.softmax(module.logits(x), axis=-1))
    comps = np.asarray(rj.polyphase_components(x, 2))
    _util.assert_close(y, np.einsum("np,np...->n...", np.asarray(w), comps))
    # Evaluation by keyword, as in NNX: the argmax component, no key needed.
    module.eval()
    jax.tree.map(np.testing.assert_array_equal,
                 linen.apply(variables, x, deterministic=True, rngs={"gumbel": key}), module(x))


def test_method_table_aps_and_lps_records(rng):
    from flax import nnx

    from resample_jax import methods

    x = rng.standard_normal((2, 6, 4, 3)).astype(np.float32)
    aps = methods.make_downsampler("aps", 3, 3, 2, rngs=nnx.Rngs(0))
    np.testing.assert_array_equal(aps(x), rj.aps_downsample(x, 2))
    lps = methods.make_downsampler("lps", 3, 3, 2, rngs=nnx.Rngs(0))
    lps.eval()
    comps = np.asarray(rj.polyphase_components(x, 2))
    phase = np.asarray(lps.op.logits(x)).argmax(-1)
    np.testing.assert_array_equal(lps(x), comps[np.arange(2), phase])
