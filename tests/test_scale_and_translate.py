"""scale_and_translate against jax.image.scale_and_translate on jax's own test grids
(tests/image_test.py: testScaleAndTranslateUp / Down / JITs, every method, antialias on and off,
all dims or a subset), gradients against jax.image's, and the identity with resize."""

from __future__ import annotations

import _util
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from resample_jax import resize, scale_and_translate

METHODS = ["linear", "lanczos3", "lanczos5", "cubic", "area"]
_UP_DATA = np.array([64, 32, 32, 64, 50, 100], np.float32)
_DOWN_DATA = np.array(
    [51, 38, 32, 89, 41, 21, 97, 51, 33, 87, 89, 34, 21, 97, 43, 25, 25, 92, 41, 11, 84, 11, 55,
     111, 23, 99, 50, 83, 13, 92, 52, 43, 90, 43, 14, 89, 71, 32, 23, 23, 35, 93], np.float32
).reshape(1, 6, 7, 1)
# jax's down grid: scale and translation on dims (0, 1, 2, 3) of [1, 6, 7, 1], identity on 0 and 3.
_DOWN_SCALE, _DOWN_SHIFT = [1.0, 0.35, 0.4, 1.0], [0.0, 0.2, 0.1, 0.0]


def _jax(x, shape, dims, scale, shift, method, antialias=True):
    return jax.image.scale_and_translate(
        x, shape, dims, jnp.array(scale, jnp.float32), jnp.array(shift, jnp.float32), method,
        antialias=antialias,
    )


@pytest.mark.parametrize("method", METHODS)
def test_up_grid_all_dims_matches_jax(method):
    # jax: image [3, 1, 2] -> [6, 1, 4] on every dim; ours: the same three axes as spatial axes,
    # with a channel axis appended. (Upsampling: antialias has no effect, as in jax's test.)
    x = _UP_DATA.reshape(3, 1, 2)
    expected = _jax(x, (6, 1, 4), (0, 1, 2), [2.0, 1.0, 2.0], [1.0, 0.0, -1.0], method)
    got = scale_and_translate(x[..., None], (6, 1, 4), (2.0, 1.0, 2.0), (1.0, 0.0, -1.0), method)
    _util.assert_close(got[..., 0], expected, atol=1e-4)


@pytest.mark.parametrize("method", METHODS)
def test_up_grid_channels_last_matches_jax(method):
    # jax: [1, 3, 2, 1] -> [1, 6, 4, 1] with scale [1, 2, 2, 1], translation [0, 1, -1, 0].
    x = _UP_DATA.reshape(1, 3, 2, 1)
    expected = _jax(x, (1, 6, 4, 1), (0, 1, 2, 3), [1.0, 2.0, 2.0, 1.0], [0.0, 1.0, -1.0, 0.0],
                    method)
    got = scale_and_translate(x, (6, 4), (2.0, 2.0), (1.0, -1.0), method)
    _util.assert_close(got, expected, atol=1e-4)
    # jax's hand-written expectations have zeros where the sample leaves the input.
    assert np.all(np.asarray(got)[0, :, 3, 0] == 0.0)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("antialias", [True, False])
def test_down_grid_matches_jax_all_dims_and_subset(method, antialias):
    expected_all = _jax(_DOWN_DATA, (1, 3, 3, 1), (0, 1, 2, 3), _DOWN_SCALE, _DOWN_SHIFT, method,
                        antialias)
    expected_sub = _jax(_DOWN_DATA, (1, 3, 3, 1), (1, 2), _DOWN_SCALE[1:3], _DOWN_SHIFT[1:3],
                        method, antialias)
    got = scale_and_translate(_DOWN_DATA, (3, 3), _DOWN_SCALE[1:3], _DOWN_SHIFT[1:3], method,
                              antialias=antialias)
    _util.assert_close(got, expected_all, atol=1e-4)
    _util.assert_close(got, expected_sub, atol=1e-4)


def test_one_trailing_or_leading_spatial_axis_matches_jax(rng):
    x = rng.standard_normal((2, 5, 7, 3)).astype(np.float32)
    # jax spatial_dims=(2,) (W only) == ours with a 1-D size: H becomes a batch axis.
    expected_w = _jax(x, (2, 5, 11, 3), (2,), [1.6], [-0.7], "cubic")
    _util.assert_close(scale_and_translate(x, (11,), 1.6, -0.7, "cubic"), expected_w, atol=1e-5)
    # jax spatial_dims=(1,) (H only) == ours with scale 1, translation 0, same size on W.
    expected_h = _jax(x, (2, 4, 7, 3), (1,), [0.7], [0.3], "lanczos3")
    got_h = scale_and_translate(x, (4, 7), (0.7, 1.0), (0.3, 0.0), "lanczos3")
    _util.assert_close(got_h, expected_h, atol=1e-5)


@pytest.mark.parametrize("antialias", [True, False])
def test_traced_scale_and_translation_under_jit_match_jax(antialias):
    # jax's testScaleAndTranslateJITs: scale and translation are jit arguments.
    s, t = jnp.array(_DOWN_SCALE[1:3]), jnp.array(_DOWN_SHIFT[1:3])
    fn = jax.jit(lambda x, s, t: scale_and_translate(x, (3, 3), s, t, antialias=antialias))
    expected = _jax(_DOWN_DATA, (1, 3, 3, 1), (1, 2), _DOWN_SCALE[1:3], _DOWN_SHIFT[1:3],
                    "linear", antialias)
    _util.assert_close(fn(_DOWN_DATA, s, t), expected, atol=1e-4)
    # The traced path and the static engine agree.
    _util.assert_close(fn(_DOWN_DATA, s, t),
                       scale_and_translate(_DOWN_DATA, (3, 3), s, t, antialias=antialias))


@pytest.mark.parametrize("method", ["linear", "area"])
def test_gradients_match_jax(rng, method):
    x = rng.standard_normal((1, 6, 7, 2)).astype(np.float32)
    ct = rng.standard_normal((1, 4, 9, 2)).astype(np.float32)
    s, t = jnp.array([0.6, 1.3]), jnp.array([0.25, -0.4])

    def ours(x, s, t):
        return jnp.sum(scale_and_translate(x, (4, 9), s, t, method) * ct)

    def theirs(x, s, t):
        return jnp.sum(jax.image.scale_and_translate(x, (1, 4, 9, 2), (1, 2), s, t, method) * ct)

    g_ours = jax.grad(ours, argnums=(0, 1, 2))(x, s, t)
    g_theirs = jax.grad(theirs, argnums=(0, 1, 2))(x, s, t)
    for a, b in zip(g_ours, g_theirs, strict=True):
        _util.assert_close(a, b, rtol=1e-4, atol=1e-4)
    # With concrete scale and translation the image gradient runs the static engine.
    g_static = jax.grad(lambda x: ours(x, (0.6, 1.3), (0.25, -0.4)))(x)
    _util.assert_close(g_static, g_theirs[0], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("method", ["linear", "cubic", "lanczos3", "area"])
@pytest.mark.parametrize("pair", [((5, 7), (11, 3)), ((8, 8), (4, 16))])
def test_resize_is_the_special_case_scale_out_over_in(rng, method, pair):
    (h, w), (oh, ow) = pair
    x = rng.standard_normal((2, h, w, 3)).astype(np.float32)
    got = scale_and_translate(x, (oh, ow), (oh / h, ow / w), (0.0, 0.0), method)
    _util.assert_close(got, resize(x, (oh, ow), method))


def test_bad_arguments_raise():
    x = jnp.ones((4, 4, 1))
    with pytest.raises(ValueError, match="nearest"):
        scale_and_translate(x, (4, 4), 1.0, 0.0, "nearest")
    with pytest.raises(ValueError, match="scale"):
        scale_and_translate(x, (4, 4), (1.0, 0.0), 0.0)
    with pytest.raises(ValueError, match="translation"):
        scale_and_translate(x, (4, 4), 1.0, (1.0, 2.0, 3.0))
    with pytest.raises(TypeError, match="floating"):
        scale_and_translate(jnp.ones((4, 4, 1), jnp.int32), (4, 4), 1.0, 0.0)


def test_output_past_the_input_is_zero_as_in_jax(rng):
    # scale 1, translation 0, output larger than the input: a copy, then zeros (jax's rule), not
    # a repeat of the edge.
    x = rng.standard_normal((1, 8, 8, 1)).astype(np.float32)
    expected = _jax(x, (1, 16, 15, 1), (1, 2), [1.0, 1.0], [0.0, 0.0], "linear")
    got = scale_and_translate(x, (16, 15), 1.0, 0.0)
    _util.assert_close(got, expected)
    np.testing.assert_array_equal(got[:, :8, :8], x)


def test_vmap_and_jit_match_the_batched_call(rng):
    x = rng.standard_normal((3, 5, 6, 2)).astype(np.float32)

    def fn(v):
        return scale_and_translate(v, (4, 7), (0.8, 1.2), (0.3, -0.2), "cubic")

    expected = fn(x)
    _util.assert_close(jax.vmap(fn)(x), expected)
    _util.assert_close(jax.jit(fn)(x), expected)


@pytest.mark.parametrize("x64", [False, True])
def test_a_sample_on_the_edge_is_in_or_out_as_in_jax_eager_and_under_jit(x64):
    # Translations that put one output's sample exactly on an edge of [-0.5, n - 0.5] in exact
    # arithmetic; jax.image decides in float32 (float64 under x64) after rounding 1 / scale, and
    # decides differently eager and under jit (XLA fuses the arithmetic), so each of our paths is
    # checked against jax.image run the same way. The exact decision differed from jax.image's
    # eager one on ~15% of these (0.7 / 0.7 on 4 samples: output 3 was 0 here, 4.0 in jax).
    rng = np.random.default_rng(3)
    with jax.enable_x64(x64):
        for i in range(24):
            n, m = int(rng.integers(1, 12)), int(rng.integers(1, 12))
            s = float(rng.choice([0.7, 0.3, 1.5, 2.4414, 1 / 3, 0.9, 3.0]))
            o, edge = int(rng.integers(0, m)), [-0.5, n - 0.5][i % 2]
            t = (o + 0.5) - (edge + 0.5) * s
            x = jnp.asarray(rng.standard_normal((1, n, 2)))
            method = ["linear", "cubic", "lanczos3"][i % 3]

            def jax_image(a, b, x=x, m=m, method=method):
                return jax.image.scale_and_translate(
                    x, (1, m, 2), (1,), jnp.reshape(a, (1,)), jnp.reshape(b, (1,)), method)

            def ours(a, b, x=x, m=m, method=method):
                return scale_and_translate(x, (m,), a, b, method)

            _util.assert_close(ours(s, t), jax_image(s, t), atol=1e-4)
            _util.assert_close(jax.jit(ours)(s, t), jax.jit(jax_image)(s, t), atol=1e-4)
