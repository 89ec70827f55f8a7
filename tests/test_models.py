"""The networks have the papers' weight counts, accept any upsampler / downsampler of the table,
handle odd sizes in 1-D, 2-D and 3-D, and train (gradients reach every parameter)."""

from __future__ import annotations

import _util
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

import resample_jax as rj
from resample_jax import models

RNG = np.random.default_rng(0)


@pytest.mark.parametrize(
    "arch,scale,expected",
    [
        ("srcnn", 3, 8032),
        ("fsrcnn", 3, 12464),
        ("espcn", 3, 22624),
        ("edsr", 3, 85824),
        ("wdsr", 3, 84672),
    ],
)
def test_sr_weight_counts_match_papers(arch, scale, expected):
    # SRCNN 9-1-5: 81*64 + 64*32 + 25*32. FSRCNN(56, 12, 4): 25*56 + 56*12 + 4*9*144 + 12*56
    # + 81*56 (the paper counts convolution weights only). ESPCN: 25*64 + 9*64*32 + 9*32*9.
    # Tiny EDSR (32 features, 4 blocks): 9*32 + 8*9*32*32 (blocks) + 9*32*32 + 9*32*9 (shuffle).
    # Tiny WDSR-B: the same frame with blocks 32*192 + 192*25 + 9*25*32 (4 of them).
    net = models.SRNet(arch, scale, rngs=nnx.Rngs(0))
    assert models.count_weights(net) == expected
    biases = {
        "srcnn": 64 + 32 + 1,
        "fsrcnn": 56 + 12 + 4 * 12 + 56 + 1 + 7,
        "espcn": 64 + 32 + 1,
        "edsr": 32 + 8 * 32 + 32 + 1,
        "wdsr": 32 + 4 * (192 + 25 + 32) + 32 + 1,
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


@pytest.mark.parametrize("arch", ["srcnn", "fsrcnn", "espcn", "edsr", "wdsr"])
def test_untrained_residual_sr_net_is_bicubic_and_its_gain_has_a_gradient(arch):
    # residual_gain=0 (the default): out = bicubic(lr) + 0 * branch(lr), so the untrained net is
    # jax.image's bicubic (the independent reference; to float rounding, the summation orders
    # differ), whatever the random branch gives.
    lr = jnp.asarray(RNG.uniform(0.1, 0.9, (2, 5, 6, 1)), jnp.float32)
    net = models.SRNet(arch, 2, residual=True, rngs=nnx.Rngs(0))
    bicubic = jax.image.resize(lr, (2, 10, 12, 1), "cubic")
    _util.assert_close(net(lr), bicubic, rtol=0, atol=1e-6)
    # d/dg sum(w * (g * branch + bicubic)) = sum(w * branch): the branch is read off the same net
    # with the gain set to 1, so training can start although every other gradient is 0 at g = 0.
    w = jnp.asarray(RNG.standard_normal(bicubic.shape), jnp.float32)
    grads = nnx.grad(lambda m: jnp.sum(w * m(lr)))(net)
    net.gain[...] = jnp.ones(())
    _util.assert_close(grads.gain[...], jnp.sum(w * (net(lr) - bicubic)), rtol=1e-4)
    rest = [g for path, g in nnx.to_flat_state(grads) if path[-1] != "gain"]
    assert rest and all(not np.any(np.asarray(g)) for g in rest)


def test_wdsr_is_the_papers_wide_activation_block_written_with_lax():
    # An independent forward of the tiny WDSR-B (Yu et al. 2018, fig. 2(b)): every layer a plain
    # lax.conv_general_dilated of the net's own parameters, the block
    # h + conv3x3(conv1x1(relu(conv1x1(h)))), the global skip from the head, and the sub-pixel
    # stage as tf.nn.depth_to_space's DCR order (channel (i * r + j) * C + c).
    net = models.SRNet("wdsr", 3, rngs=nnx.Rngs(2))
    p = {path: np.asarray(v) for path, v in nnx.to_flat_state(nnx.state(net, nnx.Param))}

    def conv(h, *path):
        k, b = p[(*path, "kernel")], p[(*path, "bias")]
        dn = ("NHWC", "HWIO", "NHWC")
        y = jax.lax.conv_general_dilated(h, k, (1, 1), "SAME", dimension_numbers=dn)
        return y + b.reshape(1, 1, 1, -1)

    lr = jnp.asarray(RNG.uniform(0, 1, (2, 6, 7, 1)), jnp.float32)
    h = skip = conv(lr, "head")
    for i in range(4):
        h = h + conv(conv(jax.nn.relu(conv(h, "blocks", i, 0)), "blocks", i, 1), "blocks", i, 2)
    h = conv(skip + conv(h, "tail"), "upsampler", "op")
    n, hh, ww, _ = h.shape
    ref = h.reshape(n, hh, ww, 3, 3, 1).transpose(0, 1, 3, 2, 4, 5).reshape(n, 3 * hh, 3 * ww, 1)
    assert p[("blocks", 0, 0, "kernel")].shape == (1, 1, 32, 192)
    assert p[("blocks", 0, 1, "kernel")].shape == (1, 1, 192, 25)
    _util.assert_close(net(lr), ref, rtol=1e-4, atol=1e-5)


def test_residual_gain_scales_the_branch_linearly():
    # out(g) = bicubic + g * branch: out(1) - out(0) = 4 * (out(0.25) - out(0)).
    lr = jnp.asarray(RNG.uniform(0.1, 0.9, (4, 7, 1)), jnp.float32)
    outs = {
        g: models.SRNet("edsr", 3, residual=True, residual_gain=g, rngs=nnx.Rngs(1))(lr)
        for g in (0.0, 0.25, 1.0)
    }
    assert float(jnp.std(outs[1.0] - outs[0.0])) > 1e-2
    _util.assert_close(outs[1.0] - outs[0.0], 4 * (outs[0.25] - outs[0.0]), rtol=1e-4, atol=1e-5)


def test_residual_gain_is_validated():
    with pytest.raises(ValueError, match="residual_gain.*needs residual=True"):
        models.SRNet("espcn", 2, residual_gain=1.0, rngs=nnx.Rngs(0))
    with pytest.raises(TypeError, match="residual_gain.*real number .*; got str"):
        models.SRNet("espcn", 2, residual=True, residual_gain="0", rngs=nnx.Rngs(0))
    with pytest.raises(TypeError, match="residual_gain.*got bool"):
        models.SRNet("espcn", 2, residual=True, residual_gain=True, rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="residual_gain.*finite; got nan"):
        models.SRNet("espcn", 2, residual=True, residual_gain=float("nan"), rngs=nnx.Rngs(0))
    # NumPy scalars are real numbers too; the gain is stored as float32.
    net = models.SRNet("espcn", 2, residual=True, residual_gain=np.float32(0.5), rngs=nnx.Rngs(0))
    assert net.gain[...].dtype == jnp.float32 and float(net.gain[...]) == 0.5


def test_sr_net_rejects_unknown_arch_and_unpaired_unpool():
    with pytest.raises(ValueError, match="Did you mean 'espcn'"):
        models.SRNet("espnc", 2, rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="max-pool indices of a paired downsampler"):
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
    with pytest.raises(ValueError, match="padding.*'circular'"):
        models.UNet(1, 2, padding="wrap", rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="'aps_upsample' consumes the APS phase.*must be 'aps'"):
        models.UNet(1, 2, down="max_pool", up="aps_upsample", rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="'lpu' consumes the LPS weights.*must be 'lps'"):
        models.UNet(1, 2, down="aps", up="lpu", rngs=nnx.Rngs(0))


def test_circular_conv_block_is_a_periodic_correlation():
    block = models._ConvBlock(2, 3, 2, nnx.Rngs(0), "circular")
    x = RNG.standard_normal((1, 5, 6, 2)).astype(np.float32)
    k, b = np.asarray(block.conv1.kernel[...]), np.asarray(block.conv1.bias[...])
    # Reference: out[i, j] = sum_{u, v} x[(i + u - 1) mod H, (j + v - 1) mod W] k[u, v] + b.
    want = np.zeros((5, 6, 3)) + b
    for u in range(3):
        for v in range(3):
            want += np.roll(x[0], (1 - u, 1 - v), axis=(0, 1)) @ k[u, v]
    _util.assert_close(block.conv1(block._pad(jnp.asarray(x)))[0], want.astype(np.float32))


@pytest.mark.parametrize("down,up", [("max_pool", "max_unpool"), ("aps", "aps_upsample"),
                                     ("lps", "lpu")])
def test_unet_hands_each_paired_upsampler_its_encoder_stage_side_information(down, up):
    net = models.UNet(1, 2, widths=(2, 3, 4), down=down, up=up, rngs=nnx.Rngs(0))
    net.eval()
    x = jnp.asarray(RNG.standard_normal((2, 8, 12, 1)), jnp.float32)
    # Recompute the first decoder stage by hand: encoder, downsamplers with side information,
    # then the deepest upsampler fed the side information of the deepest downsampler.
    h0 = net.encoders[0](x)
    h1, s0 = net.downs[0](h0)
    h1 = net.encoders[1](h1)
    h2, s1 = net.downs[1](h1)
    h2 = net.encoders[2](h2)
    args = (s1, (4, 6)) if up == "max_unpool" else (s1,)
    u = np.asarray(net.ups[0](h2, *args))
    # The upsampled map is non-zero only where the deepest downsampler took its samples.
    if up == "max_unpool":
        taken = np.zeros(u.shape, bool)
        flat = np.asarray(s1).reshape(2, -1, 3)  # flat index into each 4x6 plane, per channel
        for n in range(2):
            for c in range(3):
                taken[n].reshape(-1, 3)[flat[n, :, c], c] = True
    else:
        phase = np.asarray(s1) if up == "aps_upsample" else np.asarray(s1).argmax(-1)
        taken = np.asarray(jnp.broadcast_to(
            rj.aps_upsample(jnp.ones((2, 2, 3, 1)), jnp.asarray(phase, jnp.int32)) > 0, u.shape))
    assert not np.any(u[~taken])
    assert net(x).shape == (2, 8, 12, 2)


def _shift_error(net, x, shift):
    """Max |net(roll(x)) - roll(net(x))| over logits and the fraction of equal argmax labels."""
    ys, y = np.asarray(net(np.roll(x, shift, axis=(1, 2)))), np.asarray(net(x))
    moved = np.roll(y, shift, axis=(1, 2))
    return float(np.abs(ys - moved).max()), float(np.mean(ys.argmax(-1) == moved.argmax(-1)))


def test_aps_and_lps_unets_are_circularly_shift_equivariant_and_max_pool_is_not():
    x = RNG.standard_normal((2, 8, 8, 1)).astype(np.float32)
    y = RNG.integers(0, 2, (2, 8, 8))
    shifts = ((1, 0), (0, 3), (5, 7), (4, 4))  # any integer shift, not only multiples of 4
    nets = {
        pair: models.UNet(1, 2, widths=(2, 3, 4), down=pair[0], up=pair[1], padding="circular",
                          rngs=nnx.Rngs(1))
        for pair in (("aps", "aps_upsample"), ("lps", "lpu"), ("max_pool", "bilinear"),
                     ("max_pool", "max_unpool"))
    }

    def loss(m):
        logits = m(x)
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[..., None], -1))

    @nnx.jit
    def step(m):
        grads = nnx.grad(loss)(m)
        nnx.update(m, jax.tree.map(lambda p, g: p - 0.1 * g, nnx.state(m, nnx.Param), grads))

    for trained in (False, True):
        for pair, net in nets.items():
            if trained:
                net.train()
                for _ in range(3):
                    step(net)
            net.eval()
            errors = [_shift_error(net, x, s) for s in shifts]
            if pair[0] in ("aps", "lps"):
                assert max(e for e, _ in errors) < 1e-5, (pair, trained, errors)
                assert min(f for _, f in errors) == 1.0, (pair, trained, errors)
            else:
                assert max(e for e, _ in errors) > 1e-3, (pair, trained, errors)


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


def _record_gumbel_keys(monkeypatch) -> list[np.ndarray]:
    """Every key that ``jax.random.gumbel`` is called with from now on (eagerly), as key data."""
    drawn, real = [], jax.random.gumbel

    def spy(key, *args, **kwargs):
        typed = jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key)
        drawn.append(np.asarray(jax.random.key_data(key) if typed else key))
        return real(key, *args, **kwargs)

    monkeypatch.setattr(jax.random, "gumbel", spy)
    return drawn


def _key_data(*keys) -> list[np.ndarray]:
    return [np.asarray(jax.random.key_data(k)) for k in keys]


def test_lps_unet_trains_with_gumbel_noise_from_one_fold_in_key_per_stage(monkeypatch):
    net = models.UNet(1, 2, widths=(2, 3, 4), down="lps", up="lpu", rngs=nnx.Rngs(0))
    x = jnp.asarray(RNG.standard_normal((2, 8, 8, 1)), jnp.float32)
    drawn = _record_gumbel_keys(monkeypatch)
    key = jax.random.key(1)
    y1 = np.asarray(net(x, rngs=key))
    # The documented derivation: stage s (here the two LPS downsamplers, 0 and 1) gets
    # fold_in(key, s); the LPU upsamplers draw nothing.
    np.testing.assert_array_equal(drawn, _key_data(jax.random.fold_in(key, 0),
                                                   jax.random.fold_in(key, 1)))
    assert not np.array_equal(drawn[0], drawn[1])
    np.testing.assert_array_equal(net(x, rngs=key), y1)  # a function of the key
    # A raw uint32[2] key (jax.random.PRNGKey) holds the same bits: the same noise.
    np.testing.assert_array_equal(net(x, rngs=jax.random.PRNGKey(1)), y1)
    y2 = np.asarray(net(x, rngs=jax.random.key(2)))
    drawn.clear()
    relaxed = np.asarray(net(x))
    assert drawn == []  # no key: the noise-free softmax relaxation, nothing drawn
    for a, b in ((y1, y2), (y1, relaxed), (y2, relaxed)):
        assert np.abs(a - b).max() > 1e-4
    # An nnx.Rngs is handed on whole: the stages draw successive keys of its "gumbel" stream.
    drawn.clear()
    got = np.asarray(net(x, rngs=nnx.Rngs(gumbel=5)))
    ref = nnx.Rngs(gumbel=5)
    np.testing.assert_array_equal(drawn, _key_data(ref.gumbel(), ref.gumbel()))
    assert np.abs(got - y1).max() > 1e-4
    # Evaluation takes the argmax: the key changes nothing and nothing is drawn.
    net.eval()
    drawn.clear()
    np.testing.assert_array_equal(net(x, rngs=key), net(x))
    assert drawn == []


def test_fcn_hands_its_lps_downsamplers_one_fold_in_key_each(monkeypatch):
    net = models.FCN(1, 2, variant="8s", widths=(2,) * 5, down="lps", rngs=nnx.Rngs(0))
    x = jnp.asarray(RNG.standard_normal((1, 32, 32, 1)), jnp.float32)
    drawn = _record_gumbel_keys(monkeypatch)
    key = jax.random.key(3)
    y = np.asarray(net(x, rngs=key))
    np.testing.assert_array_equal(drawn, _key_data(*(jax.random.fold_in(key, s)
                                                     for s in range(5))))
    assert np.abs(y - np.asarray(net(x, rngs=jax.random.key(4)))).max() > 0


@pytest.mark.parametrize("make", [
    lambda: models.UNet(1, 2, widths=(2, 3, 4), rngs=nnx.Rngs(0)),
    lambda: models.UNet(1, 2, widths=(2, 3, 4), down="aps", up="aps_upsample",
                        rngs=nnx.Rngs(0)),
    lambda: models.FCN(1, 2, variant="16s", widths=(2,) * 5, rngs=nnx.Rngs(0)),
    lambda: models.SegNet(1, 2, widths=(2, 3), rngs=nnx.Rngs(0)),
], ids=["unet", "unet-aps", "fcn16s", "segnet"])
def test_seg_nets_without_noisy_stages_compute_the_same_with_a_key(make, monkeypatch):
    net = make()
    x = jnp.asarray(RNG.standard_normal((1, 32, 32, 1)), jnp.float32)
    drawn = _record_gumbel_keys(monkeypatch)
    np.testing.assert_array_equal(net(x, rngs=jax.random.key(0)), net(x))
    np.testing.assert_array_equal(net(x, rngs=nnx.Rngs(0)), net(x))
    assert drawn == []


@pytest.mark.parametrize("bad,error,needle", [
    (0, TypeError, "got int 0"),
    ("gumbel", TypeError, "got str 'gumbel'"),
    (jnp.zeros(2, jnp.float32), TypeError, r"dtype float32 and shape \(2,\)"),
    (np.zeros(2, np.int32), TypeError, r"dtype int32 and shape \(2,\)"),
    (jax.random.split(jax.random.key(0), 2), ValueError, r"batch of keys of shape \(2,\)"),
    (jnp.zeros((3, 2), jnp.uint32), ValueError, r"batch of keys of shape \(3, 2\)"),
])
@pytest.mark.parametrize("name,make", [
    ("UNet", lambda: models.UNet(1, 2, widths=(2, 3, 4), down="lps", up="lpu", rngs=nnx.Rngs(0))),
    ("FCN", lambda: models.FCN(1, 2, widths=(2,) * 5, rngs=nnx.Rngs(0))),
    ("SegNet", lambda: models.SegNet(1, 2, widths=(2,), rngs=nnx.Rngs(0))),
])
def test_seg_nets_reject_bad_rngs_naming_the_argument(name, make, bad, error, needle):
    with pytest.raises(error, match=rf"{name}: `rngs` must be .*{needle}"):
        make()(jnp.ones((1, 32, 32, 1)), rngs=bad)
