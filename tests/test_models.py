"""The networks have the papers' weight counts, accept any upsampler / downsampler of the table,
handle odd sizes in 1-D, 2-D and 3-D, and train (gradients reach every parameter)."""

from __future__ import annotations

import _util
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from resample_jax import models

RNG = np.random.default_rng(0)


@pytest.mark.parametrize(
    "arch,scale,expected",
    [("srcnn", 3, 8032), ("fsrcnn", 3, 12464), ("espcn", 3, 22624), ("edsr", 3, 85824)],
)
def test_sr_weight_counts_match_papers(arch, scale, expected):
    # SRCNN 9-1-5: 81*64 + 64*32 + 25*32. FSRCNN(56, 12, 4): 25*56 + 56*12 + 4*9*144 + 12*56
    # + 81*56 (the paper counts convolution weights only). ESPCN: 25*64 + 9*64*32 + 9*32*9.
    # Tiny EDSR (32 features, 4 blocks): 9*32 + 8*9*32*32 (blocks) + 9*32*32 + 9*32*9 (shuffle).
    net = models.SRNet(arch, scale, rngs=nnx.Rngs(0))
    assert models.count_weights(net) == expected
    biases = {
        "srcnn": 64 + 32 + 1,
        "fsrcnn": 56 + 12 + 4 * 12 + 56 + 1 + 7,
        "espcn": 64 + 32 + 1,
        "edsr": 32 + 8 * 32 + 32 + 9,
    }
    assert models.count_weights(net, include_bias=True) == expected + biases[arch]


def test_fsrcnn_sub_pixel_stage_has_the_transposed_stage_weight_count():
    # A 9x9 transposed conv with stride 3 is a 3x3 sub-pixel conv with 3*3 outputs per channel
    # (Shi et al. 2016, sec. 2.2): 81*56 = 9*56*9 weights, so both nets count 12,464.
    shuffle = models.SRNet("fsrcnn", 3, upsampler="pixel_shuffle", rngs=nnx.Rngs(0))
    assert models.count_weights(shuffle) == 12464
    assert shuffle.upsampler.op.kernel[...].shape[:2] == (3, 3)


@pytest.mark.parametrize(
    "arch,upsampler",
    [
        ("srcnn", "pixel_shuffle"),
        ("fsrcnn", "carafe"),
        ("espcn", "bilinear"),
        ("fsrcnn", "dysample"),
        ("edsr", "conv_transpose"),
    ],
)
def test_sr_nets_take_any_upsampler(arch, upsampler):
    net = models.SRNet(arch, 2, upsampler=upsampler, residual=True, rngs=nnx.Rngs(0))
    y = net(jnp.ones((2, 5, 7, 1)))
    assert y.shape == (2, 10, 14, 1) and np.all(np.isfinite(y))


def test_residual_sr_net_with_zero_weights_is_bicubic():
    net = models.SRNet("espcn", 2, residual=True, channels=2, rngs=nnx.Rngs(0))
    nnx.update(net, jax.tree.map(jnp.zeros_like, nnx.state(net, nnx.Param)))
    lr = jnp.asarray(RNG.standard_normal((5, 6, 2)), jnp.float32)
    _util.assert_close(net(lr), jax.image.resize(lr, (10, 12, 2), "cubic"))


def test_sr_net_rejects_unknown_arch_and_unpaired_unpool():
    with pytest.raises(ValueError, match="Did you mean 'espcn'"):
        models.SRNet("espnc", 2, rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="indices"):
        models.SRNet("espcn", 2, upsampler="max_unpool", rngs=nnx.Rngs(0))


@pytest.mark.parametrize(
    "rank,shape,down,up,fusion",
    [
        (1, (2, 13, 1), "max_pool", "pixel_shuffle", "concat"),
        (2, (11, 9, 1), "strided_conv", "bilinear", "add"),
        (3, (1, 5, 7, 5, 1), "avg_pool", "conv_transpose", "concat"),
    ],
)
def test_unet_on_odd_sizes(rank, shape, down, up, fusion):
    net = models.UNet(
        1,
        3,
        depth=3,
        widths=(2, 4, 4),
        down=down,
        up=up,
        fusion=fusion,
        rank=rank,
        rngs=nnx.Rngs(0),
    )
    y = net(jnp.ones(shape))
    assert y.shape == (*shape[:-1], 3)


def test_unet_gradients_reach_every_parameter():
    net = models.UNet(
        1, 2, widths=(2, 4, 4), down="strided_conv", up="pixel_shuffle", rngs=nnx.Rngs(0)
    )
    x = jnp.asarray(RNG.standard_normal((1, 9, 7, 1)), jnp.float32)
    cot = jnp.asarray(RNG.standard_normal((1, 9, 7, 2)), jnp.float32)
    grads = nnx.jit(nnx.grad(lambda m: jnp.sum(m(x) * cot)))(net)
    for path, g in jax.tree_util.tree_leaves_with_path(grads):
        assert np.any(np.asarray(g) != 0), jax.tree_util.keystr(path)


def test_unet_rejects_bad_configuration():
    with pytest.raises(ValueError, match="widths"):
        models.UNet(1, 2, depth=4, widths=(2, 4, 8), rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="Did you mean 'bilinear'"):
        models.UNet(1, 2, up="bilinaer", rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="fusion"):
        models.UNet(1, 2, fusion="sum", rngs=nnx.Rngs(0))


@pytest.mark.parametrize("variant,up", [("32s", "bilinear"), ("8s", "conv_transpose")])
def test_fcn_variants_on_odd_sizes(variant, up):
    net = models.FCN(2, 3, variant=variant, widths=(2, 2, 4, 4, 4), up=up, rngs=nnx.Rngs(0))
    assert net(jnp.ones((1, 37, 33, 2))).shape == (1, 37, 33, 3)


def test_fcn_conv_transpose_starts_bilinear():
    # With the bilinear initialisation, FCN-32s upsamples its scores bilinearly: constant scores
    # stay constant away from the borders.
    net = models.FCN(
        1, 2, variant="32s", widths=(2, 2, 2, 2, 2), up="conv_transpose", rngs=nnx.Rngs(0)
    )
    y = net.final_up(jnp.ones((1, 3, 3, 2)))
    np.testing.assert_allclose(y[:, 32:64, 32:64], 1.0, rtol=1e-6)


def test_segnet_unpools_with_encoder_indices_on_odd_sizes():
    net = models.SegNet(1, 2, widths=(2, 3), rngs=nnx.Rngs(0))
    x = jnp.asarray(RNG.standard_normal((2, 11, 9, 1)), jnp.float32)
    assert net(x).shape == (2, 11, 9, 2)
    assert models.count_weights(net) > 0 and not any(
        "unpool" in str(p)
        for p, _ in jax.tree_util.tree_leaves_with_path(nnx.state(net, nnx.Param))
    )
