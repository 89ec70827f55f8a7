"""The Linen modules equal the pure functions, give the same outputs as their NNX twins from the
same parameters (copied across), run under jax.jit and jax.vmap, pass gradients to every parameter
and fail at construction on bad configuration."""

from __future__ import annotations

from fractions import Fraction

import _util
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

import resample_jax as rj
from resample_jax import linen as rlinen
from resample_jax import nnx as rnnx

RNG = np.random.default_rng(0)
X = jnp.asarray(RNG.standard_normal((2, 6, 6, 4)), jnp.float32)


def _param_free_cases():
    v, i = rj.max_pool_with_indices(X, 2)
    return [
        (rlinen.Resize((4, 9), "cubic"), (X,), lambda: rj.resize(X, (4, 9), "cubic")),
        (rlinen.Upsample(3, "linear"), (X,), lambda: rj.resize(X, (18, 18), "linear")),
        (rlinen.Downsample(2, "area"), (X,), lambda: rj.avg_pool(X, 2)),
        (rlinen.MaxPool(2, return_indices=True), (X,), lambda: (v, i)),
        (
            rlinen.AvgPool(3, 2, 1, count_include_pad=False),
            (X,),
            lambda: rj.avg_pool(X, 3, 2, 1, count_include_pad=False),
        ),
        (rlinen.LPPool(2.0, 2), (jnp.abs(X),), lambda: rj.lp_pool(jnp.abs(X), 2.0, 2)),
        (rlinen.SoftPool(2), (X,), lambda: rj.soft_pool(X, 2)),
        (rlinen.AdaptiveAvgPool((4, 3)), (X,), lambda: rj.adaptive_avg_pool(X, (4, 3))),
        (rlinen.AdaptiveMaxPool(4), (X,), lambda: rj.adaptive_max_pool(X, 4)),
        (rlinen.BlurPool(2), (X,), lambda: rj.blur_pool(X, 2)),
        (rlinen.MaxBlurPool(2), (X,), lambda: rj.max_blur_pool(X, 2)),
        (rlinen.PixelShuffle(2), (X,), lambda: rj.pixel_shuffle(X, 2)),
        (rlinen.PixelUnshuffle(2), (X,), lambda: rj.pixel_unshuffle(X, 2)),
        (rlinen.BedOfNails(2), (X,), lambda: rj.bed_of_nails(X, 2)),
        (rlinen.HaarDownsample(), (X,), lambda: rj.haar_downsample(X)),
        (rlinen.HaarUpsample(), (X,), lambda: rj.haar_upsample(X)),
        (rlinen.Fuse("add"), (X, X[:, :5, :5]), lambda: rj.fuse(X, X[:, :5, :5], mode="add")),
        (rlinen.MaxUnpool(2), (v, i, (6, 6)), lambda: rj.max_unpool(v, i, (6, 6))),
    ]


CASES = _param_free_cases()


@pytest.mark.parametrize("index", range(len(CASES)), ids=[type(c[0]).__name__ for c in CASES])
def test_param_free_module_equals_pure_function(index):
    module, args, pure = CASES[index]
    jax.tree.map(lambda a, b: _util.assert_close(a, b), module.apply({}, *args), pure())


def test_param_free_modules_run_under_jit_and_vmap():
    modules = [(m, a[0]) for m, a, _ in CASES if len(a) == 1]
    eager = [m.apply({}, x) for m, x in modules]
    run = lambda xs: [m.apply({}, x) for (m, _), x in zip(modules, xs, strict=False)]  # noqa: E731
    jax.tree.map(
        lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6),
        jax.jit(run)([x for _, x in modules]),
        eager,
    )
    mapped = jax.jit(jax.vmap(run))([x for _, x in modules])
    jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5), mapped, eager)


# --------------------------------------------------------------------------------------------------
# Learned modules: NNX and Linen twins share parameters and outputs.

LEARNED = {
    "StridedConv": ((4, 6, 3, 2, 1), dict(groups=2)),
    "ConvTranspose": ((4, 6, 3, 2, 1), dict(output_padding=1, groups=2)),
    "FractionalStridedConv": ((4, 3, 3, Fraction(2, 3)), {}),
    "SubPixelConv": ((4, 3, 2), {}),
    "ResizeConv": ((4, 3, 2), dict(method="linear")),
    "CARAFE": ((4, 2), dict(compressed_features=3, up_kernel_size=3)),
    "DySample": ((4, 2), dict(groups=2, dyscope=True)),
}


@pytest.fixture(scope="module")
def twins():
    out = {}
    rng = np.random.default_rng(1)
    for name, (args, kw) in LEARNED.items():
        m = getattr(rnnx, name)(*args, **kw, rngs=nnx.Rngs(0))
        # Noise in every parameter (DySample's scope starts at 0) so the comparison sees them all.
        state = nnx.state(m, nnx.Param)
        nnx.update(
            m,
            jax.tree.map(lambda p: jnp.asarray(0.3 * rng.standard_normal(p.shape), p.dtype), state),
        )
        out[name] = (m, getattr(rlinen, name)(*args, **kw))
    return out


def test_linen_params_have_nnx_structure(twins):
    for name, (m, lm) in twins.items():
        params = lm.init(jax.random.key(0), X)["params"]
        nnx_params = nnx.to_pure_dict(nnx.state(m, nnx.Param))
        assert jax.tree.structure(params) == jax.tree.structure(nnx_params), name
        jax.tree.map(lambda a, b: np.testing.assert_equal(a.shape, b.shape), params, nnx_params)


def test_linen_equals_nnx_with_copied_parameters(twins):
    for name, (m, lm) in twins.items():
        params = nnx.to_pure_dict(nnx.state(m, nnx.Param))
        _util.assert_close(lm.apply({"params": params}, X), m(X), err_msg=name)


def test_linen_learned_modules_jit_vmap_and_gradients(twins):
    all_params = {n: nnx.to_pure_dict(nnx.state(m, nnx.Param)) for n, (m, _) in twins.items()}
    cot = {
        n: jnp.asarray(RNG.standard_normal(m(X).shape), jnp.float32) for n, (m, _) in twins.items()
    }

    def outputs(params, x):
        return {n: lm.apply({"params": params[n]}, x) for n, (_, lm) in twins.items()}

    jitted = jax.jit(outputs)(all_params, X)
    mapped = jax.jit(jax.vmap(outputs, in_axes=(None, 0)))(all_params, X[:, None])
    for n, (m, _) in twins.items():
        expected = m(X)
        np.testing.assert_allclose(jitted[n], expected, rtol=1e-5, atol=1e-5, err_msg=n)
        np.testing.assert_allclose(mapped[n][:, 0], expected, rtol=1e-5, atol=1e-5, err_msg=n)

    grads = jax.jit(jax.grad(lambda p: sum(jnp.sum(y * cot[n]) for n, y in outputs(p, X).items())))(
        all_params
    )
    for path, g in jax.tree_util.tree_leaves_with_path(grads):
        assert np.any(np.asarray(g) != 0), jax.tree_util.keystr(path)


def test_linen_subpixel_conv_is_icnr_at_init():
    m = rlinen.SubPixelConv(4, 3, 2)
    y = np.asarray(m.apply(m.init(jax.random.key(0), X), X)).reshape(2, 6, 2, 6, 2, 3)
    np.testing.assert_array_equal(y, np.broadcast_to(y[:, :, :1, :, :1], y.shape))


def test_linen_rejects_bad_configuration_at_construction():
    with pytest.raises(ValueError, match="groups"):
        rlinen.DySample(6, 2, groups=4)
    with pytest.raises(ValueError, match="groups"):
        rlinen.ConvTranspose(6, 4, groups=4)
    with pytest.raises(ValueError, match="Did you mean 'bilinear'"):
        rlinen.Upsample(2, "bilinaer")
    with pytest.raises(ValueError, match="factor"):
        rlinen.PixelShuffle(0)
    with pytest.raises(ValueError, match="up_kernel_size"):
        rlinen.CARAFE(4, up_kernel_size=2)
