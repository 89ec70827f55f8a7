"""The Linen modules are the NNX modules in Linen form. Walking the module list and the method
table: each Linen class has its NNX twin's arguments, the same parameter tree, the same outputs from
the same parameters (bit for bit), and the same construction errors; the Linen modules run under
jax.jit and jax.vmap and pass gradients to every parameter."""

from __future__ import annotations

import dataclasses
import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from _modules import IDX, LEARNED, PARAM_FREE, PHASE, RNG, V, X, case_id
from flax import nnx

import resample_jax as rj
from resample_jax import linen as rlinen
from resample_jax import methods
from resample_jax import nnx as rnnx

NOT_FIELDS = {"rngs", "parent", "name"}


def _noisy(module: nnx.Module, seed: int = 1) -> nnx.Module:
    """Noise in every parameter (DySample's scope starts at 0) so a comparison sees them all."""
    rng = np.random.default_rng(seed)
    state = nnx.state(module, nnx.Param)
    nnx.update(module, jax.tree.map(lambda p: jnp.asarray(0.3 * rng.standard_normal(p.shape),
                                                          p.dtype), state))
    return module


def _table_cases() -> list[tuple[str, methods.Build, tuple]]:
    """Every record of the method table, built for a 2-D factor 2 at 4 channels."""
    out = []
    for m in methods.METHODS:
        c_in = 4 * 4 if m.channels == "divide" and m.direction == "up" else 4
        c_out = 6 if m.channels == "any" else c_in
        build = m.build(methods.BuildArgs(c_in, c_out, (2, 2), 2, None))
        x = X if c_in == 4 else jnp.tile(X, (1, 1, 1, 4))
        paired = {  # a paired upsampler's inputs: values and its downsampler's side information
            "return_indices": (V, IDX, (6, 6)),
            "return_phase": (x, PHASE),
            "return_weights": (x, jnp.eye(4)[PHASE]),
        }
        inputs = (x,) if m.pair is None else paired[m.pair.option]
        out.append((f"{m.direction}-{m.name}", build, inputs))
    return out


CASES = [
    (case_id(c), methods.Build(c.module, c.args, c.kwargs), c.inputs) for c in PARAM_FREE + LEARNED
] + _table_cases()


def test_every_nnx_module_has_a_linen_twin_with_its_arguments():
    assert rlinen.__all__ == rnnx.__all__
    covered = {build.module for _, build, _ in CASES}
    assert covered == set(rnnx.__all__), set(rnnx.__all__) - covered
    for name in rnnx.__all__:
        nnx_args = [
            (p.name, p.default, p.kind is p.KEYWORD_ONLY)
            for p in inspect.signature(getattr(rnnx, name).__init__).parameters.values()
            if p.name not in NOT_FIELDS | {"self"}
        ]
        fields = {f.name: f for f in dataclasses.fields(getattr(rlinen, name))}
        linen_args = [
            (n, fields[n].default if fields[n].default is not dataclasses.MISSING else
             inspect.Parameter.empty, fields[n].kw_only)
            for n in fields if n not in NOT_FIELDS
        ]
        assert sorted(linen_args, key=str) == sorted(nnx_args, key=str), name


@pytest.mark.parametrize("index", range(len(CASES)), ids=[c[0] for c in CASES])
def test_linen_has_the_nnx_parameter_tree_and_outputs(index):
    _, build, inputs = CASES[index]
    module = _noisy(build.nnx(nnx.Rngs(0)))
    linen = build.linen()
    variables = linen.init(jax.random.key(0), *inputs)
    params = nnx.to_pure_dict(nnx.state(module, nnx.Param))
    assert jax.tree.structure(variables.get("params", {})) == jax.tree.structure(params)
    shapes = lambda tree: jax.tree.map(jnp.shape, tree)  # noqa: E731
    assert shapes(variables.get("params", {})) == shapes(params)
    jax.tree.map(np.testing.assert_array_equal, linen.apply({"params": params}, *inputs),
                 module(*inputs))


# Bad values of every option name a module can have: each must fail at construction, in both APIs.
BAD = {
    "size": 0, "method": "bogus", "scale": -1.0, "antialias": "yes", "align_corners": "yes",
    "convention": "bogus", "coordinates": "bogus", "nearest_mode": "bogus", "border": "bogus",
    "cubic_a": "x", "recompute_scale": "yes", "factor": 0, "window_shape": 0, "strides": 0,
    "padding": "bogus", "dilation": 0, "ceil_mode": "yes", "return_indices": "yes",
    "count_include_pad": "yes", "divisor_override": 0, "p": -1.0, "output_size": 0,
    "filter_size": 0, "offset": -1, "rank": 4, "mode": "bogus", "match": "bogus",
    "in_features": 0, "out_features": 0, "kernel_size": 0, "stride": 0, "groups": 0,
    "output_padding": -1, "compressed_features": 0, "encoder_size": 2, "up_kernel_size": 2,
    "dyscope": "yes", "up": 0, "down": 0, "window": "bogus", "padtype": "bogus", "cval": "x",
    "activation": "relu", "numtaps": 4, "wavelet": "bogus",
    "norm": 0, "return_phase": "yes", "hidden_features": 0,
    "temperature": 0.0, "return_weights": "yes", "deterministic": "yes",
    "frequency_dropout": "yes", "min_size": 0, "style": "bogus",
}
UNCHECKED = {"use_bias", "kernel_init", "bias_init", "param_dtype"}


def test_every_option_has_a_bad_value():
    options = {
        n for name in rnnx.__all__
        for n in inspect.signature(getattr(rnnx, name).__init__).parameters
    }
    assert options - NOT_FIELDS - UNCHECKED - {"self"} <= set(BAD)


@pytest.mark.parametrize("module", rnnx.__all__)
def test_bad_options_fail_at_construction_alike(module):
    case = next(c for c in PARAM_FREE + LEARNED if c.module == module)
    params = list(inspect.signature(getattr(rnnx, module).__init__).parameters.values())[1:]
    for p in params:
        if p.name not in BAD:
            continue
        bound = inspect.signature(getattr(rlinen, module)).bind_partial(*case.args, **case.kwargs)
        bound.arguments[p.name] = BAD[p.name]
        build = methods.Build(module, bound.args, bound.kwargs)
        with pytest.raises((ValueError, TypeError)) as nnx_error:
            build.nnx(nnx.Rngs(0))
        with pytest.raises(type(nnx_error.value)) as linen_error:
            build.linen()
        assert str(linen_error.value) == str(nnx_error.value), (module, p.name)


def test_linen_learned_modules_jit_vmap_and_gradients():
    twins = {c.module: methods.Build(c.module, c.args, c.kwargs) for c in LEARNED}
    nnx_modules = {n: _noisy(b.nnx(nnx.Rngs(0))) for n, b in twins.items()}
    params = {n: nnx.to_pure_dict(nnx.state(m, nnx.Param)) for n, m in nnx_modules.items()}
    linen = {n: b.linen() for n, b in twins.items()}

    def outputs(p, x):
        return {n: lm.apply({"params": p[n]}, x) for n, lm in linen.items()}

    expected = {n: m(X) for n, m in nnx_modules.items()}
    jitted = jax.jit(outputs)(params, X)
    mapped = jax.jit(jax.vmap(outputs, in_axes=(None, 0)))(params, X[:, None])
    for n in linen:
        np.testing.assert_allclose(jitted[n], expected[n], rtol=1e-5, atol=1e-5, err_msg=n)
        np.testing.assert_allclose(mapped[n][:, 0], expected[n], rtol=1e-5, atol=1e-5, err_msg=n)
    cot = {n: jnp.asarray(RNG.standard_normal(y.shape), jnp.float32) for n, y in expected.items()}
    grads = jax.jit(jax.grad(lambda p: sum(jnp.sum(y * cot[n]) for n, y in outputs(p, X).items())))(
        params
    )
    for path, g in jax.tree_util.tree_leaves_with_path(grads):
        assert np.any(np.asarray(g) != 0), jax.tree_util.keystr(path)


def test_linen_subpixel_conv_is_icnr_at_init():
    m = rlinen.SubPixelConv(4, 3, 2)
    y = np.asarray(m.apply(m.init(jax.random.key(0), X), X)).reshape(2, 6, 2, 6, 2, 3)
    np.testing.assert_array_equal(y, np.broadcast_to(y[:, :, :1, :, :1], y.shape))


def test_linen_passes_option_values_through_and_accepts_lists():
    # A user Kernel (a NamedTuple) reaches resize as given; lists are read as tuples.
    tent = rj.Kernel(lambda d: jnp.maximum(0.0, 1.0 - jnp.abs(d)), 1.0)
    np.testing.assert_array_equal(
        rlinen.Resize((9, 4), tent).apply({}, X), rnnx.Resize((9, 4), tent)(X)
    )
    np.testing.assert_array_equal(
        rlinen.AvgPool([3, 3], [2, 2], [1, 1]).apply({}, X), rj.avg_pool(X, 3, 2, 1)
    )


def test_linen_dysample_pl_is_the_nnx_module_under_jit_and_grad():
    # The "pl" style (not in LEARNED, which holds one case per module) through the derived twin.
    build = methods.Build("DySample", (8, 2), dict(groups=2, dyscope=True, style="pl"))
    module = _noisy(build.nnx(nnx.Rngs(0)))
    params = nnx.to_pure_dict(nnx.state(module, nnx.Param))
    x = jnp.asarray(RNG.standard_normal((2, 5, 6, 8)), jnp.float32)
    apply = jax.jit(lambda p, v: build.linen().apply({"params": p}, v))
    np.testing.assert_allclose(apply(params, x), module(x), rtol=1e-5, atol=1e-5)
    grads = jax.grad(lambda p: jnp.sum(apply(p, x) ** 2))(params)
    leaves = jax.tree.leaves(grads)
    assert len(leaves) == 3  # offset kernel and bias, scope kernel
    assert all(np.all(np.isfinite(g)) and np.any(np.asarray(g) != 0) for g in leaves)
