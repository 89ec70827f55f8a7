"""The method table is complete and consistent, every name builds a module with the promised shapes
and channels, the fixed methods are exactly their peers (jax.image, PyTorch), and bad names or
factors fail at construction with a clear message."""

from __future__ import annotations

import dataclasses
import inspect

import _util
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from flax import nnx

import resample_jax as rj
from resample_jax import methods
from resample_jax import nnx as rnnx
from resample_jax.models import count_weights

X = jnp.asarray(np.random.default_rng(0).standard_normal((2, 6, 6, 3)), jnp.float32)


def _torch(fn, x, *args, **kwargs):
    t = torch.from_numpy(np.array(_util.to_channels_first(x)))
    return _util.to_channels_last(fn(t, *args, **kwargs).numpy())


def test_table_entries_are_frozen_and_complete():
    for table, direction in ((methods.UPSAMPLERS, "up"), (methods.DOWNSAMPLERS, "down")):
        for name, m in table.items():
            assert m.name == name and m.direction == direction
            assert m.factors in ("integer", "2") and m.description and m.reference
            assert m.channels in ("any", "keep", "multiply" if direction == "down" else "divide")
            build = m.build(methods.BuildArgs(4, 4, (2, 2), 2, None))
            assert build.module in rnnx.__all__, name
            with pytest.raises(dataclasses.FrozenInstanceError):
                m.name = "other"
    spec_up = {
        "nearest",
        "bilinear",
        "bicubic",
        "lanczos3",
        "pixel_shuffle",
        "conv_transpose",
        "resize_conv",
        "carafe",
        "dysample",
        "bed_of_nails",
        "max_unpool",
        "haar",
    }
    spec_down = {
        "max_pool",
        "avg_pool",
        "blur_pool",
        "max_blur_pool",
        "strided_conv",
        "lp_pool",
        "soft_pool",
        "pixel_unshuffle",
        "haar",
        "bilinear",
        "area",
    }
    assert spec_up <= set(methods.UPSAMPLERS) and spec_down <= set(methods.DOWNSAMPLERS)


@pytest.mark.parametrize("direction", ["up", "down"])
def test_aliases_resolve_to_their_record_and_never_shadow_a_name(direction):
    table = methods.UPSAMPLERS if direction == "up" else methods.DOWNSAMPLERS
    aliases = [a for m in table.values() for a in m.aliases]
    assert len(aliases) == len(set(aliases)) and not set(aliases) & set(table)
    for m in table.values():
        for alias in m.aliases:
            assert methods.get_method(alias.upper(), direction) is m


def test_tables_are_the_records_of_methods():
    assert list(methods.UPSAMPLERS.values()) + list(methods.DOWNSAMPLERS.values()) == sorted(
        methods.METHODS, key=lambda m: m.direction != "up"
    )


def test_names_filter_by_learned_and_paired():
    up = methods.upsampler_names()
    assert "max_unpool" not in up and "max_unpool" in methods.upsampler_names(include_paired=True)
    assert (
        sorted(methods.upsampler_names(learned=True) + methods.upsampler_names(learned=False)) == up
    )
    assert methods.downsampler_names(learned=True) == ["lps", "strided_conv"]
    assert up == sorted(up)


@pytest.fixture(scope="module")
def upsamplers():
    r = nnx.Rngs(0)
    return {n: methods.make_upsampler(n, 3, 5, 2, rngs=r) for n in methods.upsampler_names()}


@pytest.fixture(scope="module")
def downsamplers():
    r = nnx.Rngs(0)
    return {n: methods.make_downsampler(n, 3, 5, 2, rngs=r) for n in methods.downsampler_names()}


def test_every_upsampler_maps_shape_and_channels(upsamplers):
    outs = nnx.jit(lambda ms, x: {n: m(x) for n, m in ms.items()})(upsamplers, X)
    for name, y in outs.items():
        assert y.shape == (2, 12, 12, 5), name
        assert np.all(np.isfinite(y)), name


def test_every_downsampler_maps_shape_and_channels(downsamplers):
    outs = nnx.jit(lambda ms, x: {n: m(x) for n, m in ms.items()})(downsamplers, X)
    for name, y in outs.items():
        assert y.shape == (2, 3, 3, 5), name


def test_fixed_methods_have_parameters_only_for_projection(upsamplers, downsamplers):
    projection = 3 * 5 + 5
    for table, built in ((methods.UPSAMPLERS, upsamplers), (methods.DOWNSAMPLERS, downsamplers)):
        for name, module in built.items():
            if not table[name].learned and table[name].channels != "multiply":
                assert count_weights(module, include_bias=True) == projection, name
    # Channel-multiplying methods project prod(factor) * in channels.
    for name in ("pixel_unshuffle", "haar", "db2"):
        assert count_weights(downsamplers[name], include_bias=True) == 12 * 5 + 5, name
    r = nnx.Rngs(0)
    assert count_weights(methods.make_upsampler("bicubic", 3, 3, 2, rngs=r), include_bias=True) == 0


@pytest.mark.parametrize(
    "name,jax_method", [("bilinear", "linear"), ("bicubic", "cubic"), ("lanczos3", "lanczos3")]
)
def test_fixed_upsamplers_equal_jax_image_resize(name, jax_method):
    up = methods.make_upsampler(name, 3, 3, (2, 3), rngs=nnx.Rngs(0))
    ref = jax.image.resize(X, (2, 12, 18, 3), jax_method)
    _util.assert_close(up(X), ref)


def test_fixed_downsamplers_equal_torch_pooling():
    r = nnx.Rngs(0)
    x = X[:, :, :5]  # odd width: pooling drops the last column, and so do the resize methods
    cases = {
        "max_pool": _torch(F.max_pool2d, x, 2),
        "avg_pool": _torch(F.avg_pool2d, x, 2),
        "area": _torch(F.avg_pool2d, x, 2),
        "lp_pool": _torch(F.lp_pool2d, x, 2.0, 2),
        "nearest": np.asarray(jax.image.resize(x[:, :, :4], (2, 3, 2, 3), "nearest")),
        "bilinear": np.asarray(jax.image.resize(x[:, :, :4], (2, 3, 2, 3), "linear")),
        "bicubic": np.asarray(jax.image.resize(x[:, :, :4], (2, 3, 2, 3), "cubic")),
    }
    for name, ref in cases.items():
        down = methods.make_downsampler(name, 3, 3, 2, rngs=r)
        _util.assert_close(down(x), ref, err_msg=name)


def test_rank_1_and_3_upsamplers_and_downsamplers():
    r = nnx.Rngs(0)
    x1 = X[:, 0]
    x3 = X.reshape(2, 2, 6, 3, 3)[:, :, :4, :2]
    assert methods.make_upsampler("carafe", 3, 4, 3, rank=1, rngs=r)(x1).shape == (2, 18, 4)
    assert methods.make_upsampler("dysample", 3, 3, 2, rank=3, rngs=r)(x3).shape == (2, 4, 8, 4, 3)
    assert methods.make_downsampler("haar", 3, 2, 2, rank=3, rngs=r)(x3).shape == (2, 1, 2, 1, 2)
    assert methods.make_downsampler("strided_conv", 3, 2, 3, rank=1, rngs=r)(x1).shape == (2, 2, 2)


def test_max_unpool_uses_paired_indices():
    up = methods.make_upsampler("max_unpool", 3, 3, 2, rngs=nnx.Rngs(0))
    assert methods.UPSAMPLERS["max_unpool"].pair.down == "max_pool"
    v, i = methods.make_downsampler("max_pool", 3, 3, 2, paired=True, rngs=nnx.Rngs(0))(X)
    y = up(v, i, (6, 6))
    ref = _torch(
        F.max_unpool2d, v, torch.from_numpy(np.array(_util.to_channels_first(i), np.int64)), 2
    )
    np.testing.assert_array_equal(y, ref)


def test_conv_transpose_upsampler_has_exact_size_for_any_window():
    r = nnx.Rngs(0)
    for k in (3, 4, 9):
        up = methods.make_upsampler("conv_transpose", 3, 2, 3, kernel_size=k, rngs=r)
        assert up(X).shape == (2, 18, 18, 2), k


def test_unknown_name_lists_valid_ones_and_suggests():
    with pytest.raises(ValueError, match="Did you mean 'bilinear'") as e:
        methods.make_upsampler("bilinaer", 3, 3, 2, rngs=nnx.Rngs(0))
    assert "pixel_shuffle" in str(e.value)
    with pytest.raises(ValueError, match="Did you mean 'max_pool'"):
        methods.make_downsampler("maxpool", 3, 3, 2, rngs=nnx.Rngs(0))


def test_rejects_factor_the_method_cannot_do():
    with pytest.raises(ValueError, match="'haar' can only upsample by 2"):
        methods.make_upsampler("haar", 3, 3, 3, rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="factor"):
        methods.make_downsampler("max_pool", 3, 3, 0, rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="factor"):
        methods.make_downsampler("max_pool", 3, 3, (2, 2), rank=3, rngs=nnx.Rngs(0))


def test_rejects_bad_channels():
    with pytest.raises(ValueError, match="out_features"):
        methods.make_upsampler("nearest", 3, 0, 2, rngs=nnx.Rngs(0))


def test_every_pairing_names_a_downsampler_whose_module_has_the_option():
    paired = {n: m.pair for n, m in methods.UPSAMPLERS.items() if m.pair is not None}
    assert {n: p.down for n, p in paired.items()} == {
        "max_unpool": "max_pool", "aps_upsample": "aps", "lpu": "lps"}
    assert set(methods.upsampler_names(include_paired=True)) - set(methods.upsampler_names()) == (
        set(paired))
    for pair in paired.values():
        build = methods.DOWNSAMPLERS[pair.down].build(methods.BuildArgs(4, 4, (2, 2), 2, None))
        assert pair.option in inspect.signature(getattr(rnnx, build.module).__init__).parameters


def test_paired_downsamplers_hand_their_upsamplers_the_side_information():
    r = nnx.Rngs(0)
    # APS -> APS-U: the kept samples go back to the component they came from, zeros elsewhere.
    y, phase = methods.make_downsampler("aps", 3, 3, 2, paired=True, rngs=r)(X)
    want_y, want_phase = rj.aps_downsample(X, 2, return_phase=True)
    np.testing.assert_array_equal(y, want_y)
    np.testing.assert_array_equal(phase, want_phase)
    up = methods.make_upsampler("aps_upsample", 3, 3, 2, rngs=r)(y, phase)
    comps = np.asarray(rj.polyphase_components(up, 2))
    np.testing.assert_array_equal(comps[np.arange(2), np.asarray(phase)], y)
    assert np.count_nonzero(up) == np.count_nonzero(y)
    # LPS -> LPU at evaluation: one-hot weights, the same placement as APS-U at the argmax phase.
    down = methods.make_downsampler("lps", 3, 3, 2, paired=True, rngs=r)
    down.eval()
    y, w = down(X)
    phase = np.asarray(down.op.logits(X)).argmax(-1)
    np.testing.assert_array_equal(w, np.eye(4, dtype=np.float32)[phase])
    np.testing.assert_array_equal(methods.make_upsampler("lpu", 3, 3, 2, rngs=r)(y, w),
                                  rj.aps_upsample(y, jnp.asarray(phase, jnp.int32), 2))
    # A projection after a paired downsampler projects the values and passes the side through.
    y5, phase5 = methods.make_downsampler("aps", 3, 5, 2, paired=True, rngs=r)(X)
    assert y5.shape == (2, 3, 3, 5) and phase5.shape == (2,)


def test_paired_upsampler_without_its_downsampler_is_a_clear_error():
    for down, up in (("max_pool", "aps_upsample"), ("bilinear", "lpu"), ("aps", "max_unpool")):
        with pytest.raises(ValueError, match=f"{up!r} consumes .* `down` must be"):
            methods.check_pair(down, up, fn="UNet")
    assert methods.check_pair("avg_pool", "bilinear") is None
    assert methods.check_pair("adaptive_polyphase", "apsu").option == "return_phase"
    with pytest.raises(ValueError, match="paired=True.*'avg_pool' has none"):
        methods.make_downsampler("avg_pool", 3, 3, 2, paired=True, rngs=nnx.Rngs(0))
