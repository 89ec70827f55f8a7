"""The NNX modules are thin layers over the pure functions: each module's output equals its
function, modules run under jax.jit / nnx.jit / jax.vmap, gradients reach every parameter, the
initialisers keep their promises (ICNR blocks, FCN's bilinear kernel) and CARAFE / DySample reduce
to known fixed upsamplers. Bad configuration fails at construction."""

from __future__ import annotations

from fractions import Fraction

import _util
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from _modules import LEARNED, PARAM_FREE, RNG, X, case_id
from flax import nnx

import resample_jax as rj
from resample_jax import initializers
from resample_jax import nnx as rnnx

PARAM_FREE_MODULES = [getattr(rnnx, c.module)(*c.args, **c.kwargs) for c in PARAM_FREE]


@pytest.mark.parametrize("index", range(len(PARAM_FREE)), ids=[case_id(c) for c in PARAM_FREE])
def test_param_free_module_equals_pure_function(index):
    case = PARAM_FREE[index]
    jax.tree.map(
        lambda a, b: np.testing.assert_array_equal(np.asarray(a), np.asarray(b)),
        PARAM_FREE_MODULES[index](*case.inputs),
        case.pure(),
    )


def test_param_free_modules_run_under_jit_and_vmap():
    # One compilation for all modules: jit(all) equals eager, jit(vmap(all)) equals the loop over
    # the batch (MaxUnpool's indices and size are not batched arguments: left out).
    cases = [
        (m, c.inputs) for m, c in zip(PARAM_FREE_MODULES, PARAM_FREE, strict=True)
        if c.module != "MaxUnpool"
    ]
    run = lambda xs: [m(*x) for (m, _), x in zip(cases, xs, strict=True)]  # noqa: E731
    inputs = [x for _, x in cases]
    eager = run(inputs)
    close = lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)  # noqa: E731
    jax.tree.map(close, jax.jit(run)(inputs), eager)
    looped = [
        jax.tree.map(lambda *ys: jnp.stack(ys), *[m(*(a[b] for a in x)) for b in range(2)])
        for m, x in cases
    ]
    jax.tree.map(close, jax.jit(jax.vmap(run))(inputs), looped)


# --------------------------------------------------------------------------------------------------
# Learned modules.


def _learned():
    r = nnx.Rngs(0)
    return {c.module: getattr(rnnx, c.module)(*c.args, **c.kwargs, rngs=r) for c in LEARNED}


@pytest.fixture(scope="module")
def learned():
    return _learned()


def _randomize(module, seed=1):
    """Replaces every parameter by noise, so no test passes because a parameter happens to be 0."""
    state = nnx.state(module, nnx.Param)
    leaves, tree = jax.tree.flatten(state)
    rng = np.random.default_rng(seed)
    new = [jnp.asarray(0.3 * rng.standard_normal(p.shape), p.dtype) for p in leaves]
    nnx.update(module, jax.tree.unflatten(tree, new))
    return module


def test_learned_modules_equal_pure_functions(learned):
    m = learned
    k = lambda mod: mod.kernel[...]  # noqa: E731
    b = lambda mod: mod.bias[...]  # noqa: E731
    cases = {
        "StridedConv": rj.strided_conv(
            X, k(m["StridedConv"]), 2, 1, groups=2, bias=b(m["StridedConv"])
        ),
        "ConvTranspose": rj.conv_transpose(
            X, k(m["ConvTranspose"]), 2, 1, output_padding=1, groups=2, bias=b(m["ConvTranspose"])
        ),
        "FractionalStridedConv": rj.fractional_strided_conv(
            X, k(m["FractionalStridedConv"]), Fraction(2, 3), bias=b(m["FractionalStridedConv"])
        ),
        # The module's [out] bias after the shuffle is the function's bias tiled over sub-pixels.
        "SubPixelConv": rj.subpixel_conv(
            X, k(m["SubPixelConv"]), 2, bias=jnp.tile(b(m["SubPixelConv"]), 4)
        ),
        "ResizeConv": rj.resize_conv(X, k(m["ResizeConv"]), 2, "linear", bias=b(m["ResizeConv"])),
    }
    for name, expected in cases.items():
        _util.assert_close(m[name](X), expected, err_msg=name)


def test_carafe_module_is_compressor_encoder_shuffle_softmax_then_carafe(learned):
    m = _randomize(_learned()["CARAFE"])
    comp = rj.strided_conv(X, m.compressor.kernel[...], 1, 0, bias=m.compressor.bias[...])
    logits = rj.strided_conv(comp, m.encoder.kernel[...], 1, "SAME", bias=m.encoder.bias[...])
    kernels = jax.nn.softmax(rj.pixel_shuffle(logits, 2), axis=-1)
    _util.assert_close(m(X), rj.carafe(X, kernels, 2))


def test_learned_modules_run_under_nnx_jit_and_jax_vmap(learned):
    eager = {name: mod(X) for name, mod in learned.items()}
    jitted = nnx.jit(lambda ms, x: {n: mod(x) for n, mod in ms.items()})(learned, X)
    for name in learned:
        np.testing.assert_allclose(jitted[name], eager[name], rtol=1e-5, atol=1e-5, err_msg=name)
    graphdef, state = nnx.split(learned)
    mapped = jax.jit(
        jax.vmap(lambda x: {n: mod(x) for n, mod in nnx.merge(graphdef, state).items()})
    )(X[:, None])
    for name in learned:
        np.testing.assert_allclose(
            mapped[name][:, 0], eager[name], rtol=1e-5, atol=1e-5, err_msg=name
        )


def test_gradients_reach_every_parameter(learned):
    cot = {
        n: jnp.asarray(RNG.standard_normal(mod(X).shape), jnp.float32) for n, mod in learned.items()
    }

    def loss(ms):
        return sum(jnp.sum(ms[n](X) * cot[n]) for n in ms)

    grads = nnx.jit(nnx.grad(loss))(learned)
    flat = jax.tree_util.tree_leaves_with_path(grads)
    # kernel + bias each, CARAFE 2x2, DySample offset 2 + scope 1, LPS scorer 2x2
    assert len(flat) == 2 * 5 + 4 + 3 + 4
    for path, g in flat:
        assert np.all(np.isfinite(g)), path
        assert np.any(np.asarray(g) != 0), f"zero gradient at {jax.tree_util.keystr(path)}"


# --------------------------------------------------------------------------------------------------
# Initialisers.


@pytest.mark.parametrize("factor", [2, (3, 2)])
def test_icnr_subpixel_conv_is_constant_within_each_block_at_init(factor):
    m = rnnx.SubPixelConv(4, 3, factor, rngs=nnx.Rngs(3))
    y = np.asarray(m(X))
    fh, fw = (factor, factor) if isinstance(factor, int) else factor
    blocks = y.reshape(2, 6, fh, 6, fw, 3)
    np.testing.assert_array_equal(blocks, np.broadcast_to(blocks[:, :, :1, :, :1], blocks.shape))
    # ...and it is nearest upsampling of the convolution with the base kernel (sub-position 0).
    base = m.kernel[..., :3]
    nearest = jnp.repeat(jnp.repeat(rj.strided_conv(X, base, 1, "SAME"), fh, 1), fw, 2)
    _util.assert_close(y, nearest)


def test_icnr_pytorch_convention_gives_blocks_after_pytorch_shuffle():
    k = initializers.icnr(initializers.lecun_normal(), 2, convention="pytorch")(
        jax.random.key(0), (3, 3, 4, 2 * 4)
    )
    y = np.asarray(rj.subpixel_conv(X, k, 2, convention="pytorch")).reshape(2, 6, 2, 6, 2, 2)
    np.testing.assert_array_equal(y, np.broadcast_to(y[:, :, :1, :, :1], y.shape))


def test_icnr_rejects_channels_not_divisible_by_blocks():
    with pytest.raises(ValueError, match="multiple of prod"):
        initializers.icnr(initializers.lecun_normal(), 2)(jax.random.key(0), (3, 3, 4, 6))


@pytest.mark.parametrize("factor,groups", [(2, 1), (3, 4)])
def test_bilinear_init_conv_transpose_equals_bilinear_resize_in_interior(factor, groups):
    k = 2 * factor - factor % 2
    m = rnnx.ConvTranspose(
        4,
        4,
        k,
        factor,
        factor // 2,
        groups=groups,
        use_bias=False,
        kernel_init=initializers.bilinear_upsample_init(factor),
        rngs=nnx.Rngs(0),
    )
    y = m(X)
    ref = jax.image.resize(X, (2, 6 * factor, 6 * factor, 4), "linear")
    assert y.shape == ref.shape
    inner = slice(factor, -factor)
    _util.assert_close(y[:, inner, inner], ref[:, inner, inner])


def test_bilinear_init_rejects_wrong_window():
    with pytest.raises(ValueError, match="window"):
        initializers.bilinear_upsample_init(2)(jax.random.key(0), (3, 3, 1, 1))


def test_variance_scaling_matches_requested_variance():
    k = initializers.lecun_normal()(jax.random.key(0), (3, 3, 32, 64))
    assert abs(float(jnp.var(k)) * 9 * 32 - 1.0) < 0.05
    assert float(jnp.max(jnp.abs(k))) <= 2.0 / 0.87962566103423978 / np.sqrt(9 * 32) + 1e-6


# --------------------------------------------------------------------------------------------------
# CARAFE and DySample reduce to fixed upsamplers.


def _zero(module):
    nnx.update(module, jax.tree.map(jnp.zeros_like, nnx.state(module, nnx.Param)))
    return module


def test_carafe_with_uniform_kernels_is_box_filter_then_nearest():
    m = rnnx.CARAFE(4, 2, compressed_features=3, rngs=nnx.Rngs(0))
    _zero(m.encoder)  # equal logits -> softmax gives uniform 1/25 kernels
    t = torch.from_numpy(np.array(_util.to_channels_first(X)))
    ref = F.interpolate(
        F.avg_pool2d(t, 5, 1, 2, count_include_pad=True), scale_factor=2, mode="nearest"
    )
    _util.assert_close(m(X), _util.to_channels_last(ref.numpy()))


@pytest.mark.parametrize("factor, style", [(2, "lp"), (3, "lp"), (2, "pl")])
def test_dysample_with_zero_offsets_is_bilinear_upsampling(factor, style):
    m = _zero(rnnx.DySample(4, factor, groups=2, style=style, rngs=nnx.Rngs(0)))
    t = torch.from_numpy(np.array(_util.to_channels_first(X)))
    ref = F.interpolate(t, scale_factor=factor, mode="bilinear", align_corners=False)
    _util.assert_close(m(X), _util.to_channels_last(ref.numpy()))


@pytest.mark.parametrize("dyscope", [False, True])
def test_dysample_pl_is_lp_with_block_diagonal_offset_weights(dyscope):
    # "pl" pixel-shuffles x (C = 8 -> C' = 2 channels at 2x) and applies a 1x1 layer W (C' -> o)
    # there. In depth-to-space order output sub-pixel p reads input channels p * C' + c, so that
    # is the "lp" layer on the input grid whose weight from channel p * C' + c to offset channel
    # p * o + k is W[c, k] and zero across sub-pixels; both then sample at the same positions.
    c, factor, groups = 8, 2, 2
    cells, cp, o = factor * factor, c // (factor * factor), groups * 2
    pl = rnnx.DySample(c, factor, groups=groups, dyscope=dyscope, style="pl", rngs=nnx.Rngs(1))
    lp = rnnx.DySample(c, factor, groups=groups, dyscope=dyscope, rngs=nnx.Rngs(2))
    rng = np.random.default_rng(0)
    layers = [("offset", True)] + ([("scope", False)] if dyscope else [])
    for name, has_bias in layers:
        w = rng.normal(0.0, 2.0, (cp, o)).astype(np.float32)
        big = np.zeros((c, cells * o), np.float32)
        for p in range(cells):
            big[p * cp : (p + 1) * cp, p * o : (p + 1) * o] = w
        getattr(pl, name).kernel[...] = jnp.asarray(w.reshape(1, 1, cp, o))
        getattr(lp, name).kernel[...] = jnp.asarray(big.reshape(1, 1, c, cells * o))
        if has_bias:
            b = rng.normal(0.0, 1.0, o).astype(np.float32)
            getattr(pl, name).bias[...] = jnp.asarray(b)
            getattr(lp, name).bias[...] = jnp.asarray(np.tile(b, cells))
    x = jnp.asarray(rng.normal(size=(2, 5, 6, c)), jnp.float32)
    y = pl(x)
    assert y.shape == (2, 10, 12, c)
    _util.assert_close(y, lp(x), atol=1e-5)
    # The offsets are large enough to move the samples: this is not bilinear upsampling.
    assert float(jnp.max(jnp.abs(y - _zero(lp)(x)))) > 0.1
    # prod(factor) ** 2 = 16 times fewer offset weights than "lp".
    assert pl.offset.kernel.size * 16 == lp.offset.kernel.size


def test_dysample_with_zero_offsets_is_linear_upsampling_in_1d():
    x1 = X[:, 0]
    m = _zero(rnnx.DySample(4, (2,), groups=4, rngs=nnx.Rngs(0)))
    ref = F.interpolate(
        torch.from_numpy(np.array(_util.to_channels_first(x1))), scale_factor=2, mode="linear"
    )
    _util.assert_close(m(x1), _util.to_channels_last(ref.numpy()))


def test_dysample_offsets_are_in_input_pixels_along_the_last_axis():
    # Offset +1 input pixel along W (bias 4, scaled by 0.25) shifts the output by `factor` pixels.
    m = _zero(rnnx.DySample(4, 2, groups=2, rngs=nnx.Rngs(0)))
    base = m(X)
    bias = np.zeros(m.offset.bias.shape, np.float32)
    bias[1::2] = 4.0  # channel (sub-pixel, group, axis): axis 1 is W
    m.offset.bias[...] = jnp.asarray(bias)
    shifted = m(X)
    _util.assert_close(shifted[:, 1:-1, 1:-3], base[:, 1:-1, 3:-1])


# --------------------------------------------------------------------------------------------------
# Bad configuration fails at construction.


def test_rejects_bad_configuration_at_construction():
    r = nnx.Rngs(0)
    with pytest.raises(ValueError, match="groups"):
        rnnx.DySample(6, 2, groups=4, rngs=r)
    with pytest.raises(ValueError, match=r"style='pl' .* in_features \(6\) must be a multiple of"):
        rnnx.DySample(6, 2, groups=2, style="pl", rngs=r)
    with pytest.raises(ValueError, match="unknown `style` 'pp'"):
        rnnx.DySample(8, 2, groups=2, style="pp", rngs=r)
    with pytest.raises(ValueError, match="groups"):
        rnnx.StridedConv(6, 8, 3, 2, groups=4, rngs=r)
    with pytest.raises(ValueError, match="factor"):
        rnnx.SubPixelConv(4, 4, 0, rngs=r)
    with pytest.raises(ValueError, match="Did you mean 'bilinear'"):
        rnnx.Upsample(2, "bilinaer")
    with pytest.raises(ValueError, match="up_kernel_size"):
        rnnx.CARAFE(4, 2, up_kernel_size=4, rngs=r)
    with pytest.raises(ValueError, match="mode"):
        rnnx.Fuse("concatenate")
    with pytest.raises(ValueError, match="filter_size"):
        rnnx.BlurPool(2, filter_size=9)


def test_rejects_wrong_input_channels():
    m = rnnx.ResizeConv(3, 2, rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="3 input channels"):
        m(X)
