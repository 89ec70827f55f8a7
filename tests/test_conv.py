"""Tests of the convolutional resamplers against PyTorch, lax / Flax and the adjoint identity."""

from __future__ import annotations

import functools
from fractions import Fraction

import _util
import dm_pix
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from flax import nnx
from jax import lax
from jax.test_util import check_grads

from resample_jax import (
    conv_transpose,
    fractional_strided_conv,
    resize,
    resize_conv,
    strided_conv,
    subpixel_conv,
)

TORCH_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
TORCH_CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}
DN = {1: ("NHC", "HIO", "NHC"), 2: ("NHWC", "HWIO", "NHWC"), 3: ("NDHWC", "DHWIO", "NDHWC")}


def _torch_weight_to_conv(w):
    """PyTorch Conv weight (out, in/groups, *window) -> (*window, in/groups, out)."""
    return np.moveaxis(w, (0, 1), (-1, -2))


def _torch_weight_to_conv_t(w):
    """PyTorch ConvTranspose weight (in, out/groups, *window) -> (*window, in, out/groups)."""
    return np.moveaxis(w, (0, 1), (-2, -1))


def _normal(rng, shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


# ----------------------------------------------------------------------------------------------
# strided_conv


# (rank, spatial, window, stride, padding, dilation, groups, c_in, c_out): a covering set of the
# PyTorch options (odd/even windows, stride > window, dilation, groups, per-axis values).
STRIDED_CASES = [
    (1, (11,), (3,), 2, 1, 1, 1, 3, 4),
    (1, (9,), (4,), 3, 2, 2, 2, 4, 6),
    (2, (9, 8), (3, 3), 2, 1, 1, 1, 3, 5),
    (2, (10, 7), (4, 2), (2, 3), (1, 0), (1, 2), 2, 4, 2),
    (2, (6, 6), (1, 1), 3, 0, 1, 3, 3, 3),
    (3, (5, 6, 7), (3, 2, 3), (2, 1, 2), 1, (1, 1, 2), 1, 2, 3),
]


@pytest.mark.parametrize("case", STRIDED_CASES)
def test_strided_conv_matches_torch_conv(case, rng):
    rank, spatial, window, stride, padding, dilation, groups, cin, cout = case
    x = _normal(rng, (2, *spatial, cin))
    w = _normal(rng, (cout, cin // groups, *window))
    expected = _util.torch_call(
        TORCH_CONV[rank],
        x,
        torch.from_numpy(w),
        stride=stride,
        padding=padding,
        dilation=dilation,
        groups=groups,
    )
    got = strided_conv(
        x, _torch_weight_to_conv(w), stride, padding, dilation=dilation, groups=groups
    )
    assert got.shape == expected.shape
    _util.assert_close(got, expected)


@pytest.mark.parametrize("padding", ["SAME", "VALID", ((2, 0), (1, 3))])
def test_strided_conv_string_and_pair_padding_match_lax(padding, rng):
    x = _normal(rng, (2, 9, 8, 3))
    k = _normal(rng, (4, 3, 3, 5))
    expected = lax.conv_general_dilated(
        x, k, (2, 3), padding, rhs_dilation=(1, 2), dimension_numbers=DN[2]
    )
    got = strided_conv(x, k, (2, 3), padding, dilation=(1, 2))
    _util.assert_close(got, expected)


def test_strided_conv_adds_bias(rng):
    x, k, b = _normal(rng, (1, 5, 5, 2)), _normal(rng, (3, 3, 2, 4)), _normal(rng, (4,))
    _util.assert_close(strided_conv(x, k, 2, bias=b), np.asarray(strided_conv(x, k, 2)) + b)


# ----------------------------------------------------------------------------------------------
# conv_transpose

# (rank, spatial, window, stride, padding, output_padding, dilation, groups, c_in, c_out/groups)
TRANSPOSE_CASES = [
    (1, (7,), (3,), 2, 1, 1, 1, 1, 3, 2),
    (1, (5,), (2,), 3, 0, 2, 1, 2, 4, 3),  # stride > window: phases with zero sub-kernels
    (1, (6,), (3,), 2, 2, 1, 2, 1, 2, 2),  # dilation: the lhs_dilation path
    (2, (5, 6), (4, 4), 2, 1, 0, 1, 1, 3, 4),  # the common k=4, s=2, p=1 upsampler
    (2, (4, 5), (3, 5), (2, 3), (1, 2), (1, 2), 1, 2, 4, 1),
    (2, (5, 4), (3, 2), (1, 2), (0, 1), (0, 1), (2, 1), 1, 2, 3),
    (3, (3, 4, 3), (3, 2, 4), (2, 2, 1), (1, 0, 2), (1, 0, 0), 1, 1, 2, 2),
    (3, (3, 3, 4), (2, 3, 2), 2, 1, 1, (2, 1, 1), 2, 2, 1),
]


@pytest.mark.parametrize("case", TRANSPOSE_CASES)
def test_conv_transpose_matches_torch_conv_transpose(case, rng):
    rank, spatial, window, stride, padding, out_pad, dilation, groups, cin, cog = case
    x = _normal(rng, (2, *spatial, cin))
    w = _normal(rng, (cin, cog, *window))
    expected = _util.torch_call(
        TORCH_CONV_T[rank],
        x,
        torch.from_numpy(w),
        stride=stride,
        padding=padding,
        output_padding=out_pad,
        dilation=dilation,
        groups=groups,
    )
    got = conv_transpose(
        x,
        _torch_weight_to_conv_t(w),
        stride,
        padding,
        output_padding=out_pad,
        dilation=dilation,
        groups=groups,
    )
    assert got.shape == expected.shape
    _util.assert_close(got, expected)


# (window, stride, padding, dilation, groups, spatial): conv_transpose with output_padding chosen
# to restore the input size is the VJP of strided_conv with the same (channel-swapped) kernel.
ADJOINT_CASES = [
    ((3, 3), (2, 2), 1, 1, 1, (9, 8)),
    ((4, 3), (2, 3), ((2, 1), (0, 2)), 1, 2, (8, 10)),
    ((3, 2), (3, 2), 0, (2, 1), 1, (11, 7)),
]


@pytest.mark.parametrize("case", ADJOINT_CASES)
def test_conv_transpose_is_vjp_of_strided_conv(case, rng):
    window, stride, padding, dilation, groups, spatial = case
    with jax.enable_x64(True):
        x = jnp.asarray(rng.standard_normal((2, *spatial, 4)))
        k = jnp.asarray(rng.standard_normal((*window, 4 // groups, 6)))
        forward = lambda x: strided_conv(x, k, stride, padding, dilation=dilation, groups=groups)
        y, vjp = jax.vjp(forward, x)
        g = jnp.asarray(rng.standard_normal(y.shape))
        pads = padding if isinstance(padding, tuple) else ((padding, padding),) * 2
        eff = [d * (w - 1) + 1 for w, d in zip(window, np.broadcast_to(dilation, 2), strict=True)]
        out_pad = tuple(
            n - ((m - 1) * s - lo - hi + e)
            for n, m, s, (lo, hi), e in zip(spatial, y.shape[1:3], stride, pads, eff, strict=True)
        )
        got = conv_transpose(
            g,
            jnp.swapaxes(k, -1, -2),
            stride,
            padding,
            output_padding=out_pad,
            dilation=dilation,
            groups=groups,
        )
        np.testing.assert_allclose(got, vjp(g)[0], rtol=1e-10, atol=1e-10)


def test_conv_transpose_vjp_is_its_adjoint(rng):
    k = rng.standard_normal((4, 4, 3, 2))
    fn = lambda x: conv_transpose(x, jnp.asarray(k), 2, 1)
    _util.assert_adjoint(fn, rng.standard_normal((2, 5, 4, 3)), rng)
    fn_dilated = lambda x: conv_transpose(x, jnp.asarray(k), 2, 1, dilation=2, output_padding=1)
    _util.assert_adjoint(fn_dilated, rng.standard_normal((2, 5, 4, 3)), rng)


@pytest.mark.parametrize(
    "window,stride,padding",
    [
        ((3, 4), (2, 2), "SAME"),
        ((3, 4), (2, 2), "VALID"),
        ((3, 4), (2, 2), ((2, 1), (0, 3))),
        ((2, 1), (3, 2), "SAME"),
        ((2, 1), (3, 2), "VALID"),
        ((2, 1), (3, 2), ((1, 0), (0, 0))),
    ],
)
def test_conv_transpose_ports_flax_conv_transpose_by_flipping_the_kernel(
    window, stride, padding, rng
):
    layer = nnx.ConvTranspose(
        3, 4, window, stride, padding=padding, use_bias=False, rngs=nnx.Rngs(0)
    )
    x = _normal(rng, (2, 5, 4, 3))
    kernel = layer.kernel[...]
    flip = jnp.flip(kernel, (0, 1))
    if isinstance(padding, str):
        got = conv_transpose(x, flip, stride, padding)
        # transpose_kernel=True takes the forward conv's kernel: ours with channels swapped.
        swapped = lax.conv_transpose(
            x, jnp.swapaxes(kernel, -1, -2), stride, padding, transpose_kernel=True
        )
        _util.assert_close(conv_transpose(x, kernel, stride, padding), swapped)
    else:
        # Explicit lax pairs (a, b) pad the zero-inserted input: crops K - 1 - a, K - 1 - b.
        crops = tuple((k - 1 - a, k - 1 - b) for k, (a, b) in zip(window, padding, strict=True))
        got = conv_transpose(x, flip, stride, crops)
    expected = layer(x)
    assert got.shape == expected.shape
    _util.assert_close(got, expected)


def test_conv_transpose_same_and_valid_output_sizes(rng):
    x = _normal(rng, (1, 5, 3))
    k = _normal(rng, (3, 3, 2))
    assert conv_transpose(x, k, (2,), "SAME").shape == (1, 10, 2)
    assert conv_transpose(x, k, (2,), "VALID").shape == (1, 11, 2)
    assert conv_transpose(x, k, (4,), "VALID").shape == (1, 20, 2)  # s > K: zeros appended


def test_conv_transpose_gradients_are_stride_one_convolutions(rng):
    """Forward, input and kernel gradient use no lhs_dilation and no scatter (the fast path)."""
    x, k = jnp.asarray(_normal(rng, (2, 8, 8, 4))), jnp.asarray(_normal(rng, (4, 4, 4, 4)))
    loss = lambda x, k: jnp.sum(conv_transpose(x, k, 2, 1) ** 2)
    text = str(jax.make_jaxpr(jax.grad(loss, argnums=(0, 1)))(x, k))
    assert "scatter" not in text
    for line in text.splitlines():
        if "conv_general_dilated" in line and "lhs_dilation" in line:
            assert "lhs_dilation=(1, 1)" in line, line


def test_conv_transpose_adds_bias(rng):
    x, k, b = _normal(rng, (1, 3, 3, 2)), _normal(rng, (3, 3, 2, 4)), _normal(rng, (4,))
    _util.assert_close(conv_transpose(x, k, 2, bias=b), np.asarray(conv_transpose(x, k, 2)) + b)


# ----------------------------------------------------------------------------------------------
# fractional_strided_conv


def test_fractional_strided_conv_hand_computed_1d():
    x = jnp.asarray([1.0, 2.0, 3.0]).reshape(3, 1)
    k = jnp.asarray([1.0, 10.0, 100.0]).reshape(3, 1, 1)
    # Zero-inserted by 3: [1 0 0 2 0 0 3]; windows at 0, 2, 4: [1 0 0], [0 2 0], [0 0 3].
    valid = fractional_strided_conv(x, k, (Fraction(2, 3),), padding="VALID")
    np.testing.assert_allclose(valid[:, 0], [1.0, 20.0, 300.0])
    # SAME: ceil(3 * 3 / 2) = 5 outputs, 4 zeros of padding split 2 / 2.
    same = fractional_strided_conv(x, k, (Fraction(2, 3),))
    np.testing.assert_allclose(same[:, 0], [100.0, 1.0, 20.0, 300.0, 3.0])


@pytest.mark.parametrize(
    "stride,padding,dilation,groups",
    [
        ((Fraction(2, 3), Fraction(3, 2)), ((1, 2), (0, 1)), 1, 1),
        ((Fraction(3, 4), 2), "VALID", (2, 1), 2),
        ((Fraction(1, 2), Fraction(1, 3)), 1, 1, 2),
    ],
)
def test_fractional_strided_conv_equals_lax_lhs_dilated_conv(
    stride, padding, dilation, groups, rng
):
    x = _normal(rng, (2, 7, 6, 4))
    k = _normal(rng, (3, 2, 4 // groups, 6))
    stride = tuple(Fraction(s) for s in stride)
    pads = {"VALID": ((0, 0),) * 2, 1: ((1, 1),) * 2}.get(padding, padding)
    expected = lax.conv_general_dilated(
        x,
        k,
        tuple(s.numerator for s in stride),
        pads,
        lhs_dilation=tuple(s.denominator for s in stride),
        rhs_dilation=np.broadcast_to(dilation, 2).tolist(),
        dimension_numbers=DN[2],
        feature_group_count=groups,
    )
    got = fractional_strided_conv(x, k, stride, padding=padding, dilation=dilation, groups=groups)
    _util.assert_close(got, expected)


def test_fractional_strided_conv_reduces_to_strided_conv_and_conv_transpose(rng):
    x = _normal(rng, (2, 7, 6, 2))
    k = _normal(rng, (3, 4, 2, 4))
    _util.assert_close(
        fractional_strided_conv(x, k, 2, padding="SAME"), strided_conv(x, k, 2, "SAME")
    )
    # 1/2 with explicit pads (a, b) is conv_transpose with the flipped kernel and crops K - 1 - a.
    got = fractional_strided_conv(x, k, Fraction(1, 2), padding=((1, 2), (0, 3)))
    expected = conv_transpose(x, jnp.flip(k, (0, 1)), 2, ((1, 0), (3, 0)))
    _util.assert_close(got, expected)
    assert fractional_strided_conv(x, k, (Fraction(2, 3), Fraction(3, 2))).shape == (2, 11, 4, 4)


# ----------------------------------------------------------------------------------------------
# subpixel_conv and resize_conv


def test_subpixel_conv_matches_torch_conv2d_and_pixel_shuffle(rng):
    x = _normal(rng, (2, 5, 6, 3))
    w = _normal(rng, (2 * 9, 3, 3, 3))
    expected = _util.torch_call(
        lambda t: F.pixel_shuffle(F.conv2d(t, torch.from_numpy(w), padding=1), 3), x
    )
    got = subpixel_conv(x, _torch_weight_to_conv(w), 3, convention="pytorch")
    _util.assert_close(got, expected)


def test_subpixel_conv_jax_convention_matches_dm_pix_depth_to_space(rng):
    x = _normal(rng, (2, 5, 6, 3))
    k = _normal(rng, (3, 3, 3, 2 * 4))
    expected = dm_pix.depth_to_space(strided_conv(x, k, 1, "SAME"), 2)
    _util.assert_close(subpixel_conv(x, k, 2), expected)


def test_resize_conv_matches_torch_nearest_interpolate_then_conv(rng):
    x = _normal(rng, (2, 4, 5, 3))
    w = _normal(rng, (4, 3, 3, 3))
    expected = _util.torch_call(
        lambda t: F.conv2d(F.interpolate(t, scale_factor=(2, 3)), torch.from_numpy(w), padding=1),
        x,
    )
    _util.assert_close(resize_conv(x, _torch_weight_to_conv(w), (2, 3)), expected)


def test_resize_conv_is_resize_then_stride_one_conv(rng):
    x = _normal(rng, (2, 5, 3))
    k = _normal(rng, (4, 3, 2))
    expected = strided_conv(resize(x, (10,), "linear"), k, 1, "VALID")
    _util.assert_close(resize_conv(x, k, (2,), "linear", padding="VALID"), expected)


# ----------------------------------------------------------------------------------------------
# Transformations: jit, vmap, batch axes, gradients, dtypes

F32 = np.float32
TRANSFORM_CASES = {
    "strided_conv": (lambda x, k: strided_conv(x, k, 2, 1, groups=2), (3, 3, 2, 4)),
    "conv_transpose": (lambda x, k: conv_transpose(x, k, 2, 1, output_padding=1), (3, 3, 4, 2)),
    "conv_transpose_dilated": (lambda x, k: conv_transpose(x, k, 2, 1, dilation=2), (3, 2, 4, 2)),
    "fractional": (lambda x, k: fractional_strided_conv(x, k, Fraction(2, 3)), (3, 3, 4, 3)),
    "subpixel": (lambda x, k: subpixel_conv(x, k, 2), (3, 3, 4, 8)),
    "resize_conv": (lambda x, k: resize_conv(x, k, 2, "linear"), (3, 3, 4, 2)),
}


@pytest.mark.parametrize("name", sorted(TRANSFORM_CASES))
def test_jit_vmap_and_batch_axes(name, rng):
    fn, kshape = TRANSFORM_CASES[name]
    x = _normal(rng, (3, 5, 4, 4))
    k = _normal(rng, kshape)
    _util.assert_jit_matches_eager(fn, x, k)
    _util.assert_vmap_matches_loop(fn, x, k)
    batched = fn(x, k)
    _util.assert_close(fn(x[0], k), batched[0])  # unbatched
    two_axes = fn(x.reshape(1, 3, 5, 4, 4), k)
    _util.assert_close(two_axes.reshape(batched.shape), batched)


# 1-D keeps the second-order checks cheap; every path of the 2-D cases above is here.
GRAD_CASES = {
    "strided_conv": (lambda x, k: strided_conv(x, k, (2,), 1, groups=2), (3, 2, 4)),
    "conv_transpose": (lambda x, k: conv_transpose(x, k, (2,), 1, output_padding=1), (3, 4, 2)),
    "conv_transpose_dilated": (lambda x, k: conv_transpose(x, k, (2,), 1, dilation=2), (2, 4, 2)),
    "fractional": (lambda x, k: fractional_strided_conv(x, k, (Fraction(2, 3),)), (3, 4, 3)),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradients_wrt_input_and_kernel(name, rng):
    fn, kshape = GRAD_CASES[name]
    # The fractional case runs the same derivative rule as the dilated one: first order suffices.
    order = 1 if name == "fractional" else 2
    args = (rng.standard_normal((1, 5, 4)), rng.standard_normal(kshape))
    _util.check_grads_f64(fn, args, order=order)


# (kernel shape, lhs_dilation, whether the CPU kernel gradient goes per tap): one case on each side
# of the channel-product threshold, and a zero-inserted input.
KERNEL_RULE_CASES = [
    ((2, 2, 64, 64), (1, 1), True),
    ((3, 3, 8, 8), (1, 1), False),
    ((3, 3, 2, 3), (2, 2), True),
]


@pytest.mark.parametrize("kshape,lhs_dilation,by_taps", KERNEL_RULE_CASES)
def test_kernel_gradient_rule_branches_match_a_hand_computed_gradient(
    kshape, lhs_dilation, by_taps, rng
):
    """Each branch of the per-shape kernel-gradient rule is taken and gives the same numbers: the
    kernel gradient sum_{n,p} x_dilated_padded[n, p + tap] * ct[n, p], written out with NumPy."""
    from resample_jax._src import conv as conv_src

    assert conv_src._kernel_gradient_by_taps(kshape, lhs_dilation) is by_taps
    x = _normal(rng, (2, 5, 4, kshape[2]))
    pads = ((1, 1), (1, 0))
    one = (1, 1)
    out = jax.eval_shape(
        lambda a: conv_src._lax_conv(a, jnp.zeros(kshape), one, pads, one, 1, lhs_dilation), x
    ).shape
    ct = _normal(rng, out)
    k = jnp.asarray(_normal(rng, kshape))
    _, vjp = jax.vjp(lambda k: conv_src._conv(x, k, one, pads, one, 1, lhs_dilation), k)
    (got,) = vjp(jnp.asarray(ct))
    jaxpr = str(jax.make_jaxpr(vjp)(jnp.asarray(ct)))
    assert ("dot_general" in jaxpr) is by_taps  # the per-tap branch is made of channel matmuls

    xd = np.zeros((2, (5 - 1) * lhs_dilation[0] + 1, (4 - 1) * lhs_dilation[1] + 1, kshape[2]))
    xd[:, :: lhs_dilation[0], :: lhs_dilation[1]] = x
    xd = np.pad(xd, ((0, 0), *pads, (0, 0)))
    expected = np.zeros(kshape)
    for i in range(kshape[0]):
        for j in range(kshape[1]):
            patch = xd[:, i : i + out[1], j : j + out[2]]
            expected[i, j] = np.einsum("nhwi,nhwo->io", patch, ct.astype(np.float64))
    _util.assert_close(got, expected, jnp.float32)


# (kernel shape, groups, lhs_dilation, whether the CPU input gradient goes by matmul): an expanding
# 2 x 2 layer (grouped too), a 3 x 3 one, a 2 x 2 one that does not expand, a zero-inserted input.
INPUT_RULE_CASES = [
    ((2, 2, 8, 16), 1, (1, 1), True),
    ((2, 2, 4, 16), 2, (1, 1), True),
    ((3, 3, 8, 16), 1, (1, 1), False),
    ((2, 2, 8, 8), 1, (1, 1), False),
    ((2, 2, 8, 16), 1, (2, 2), False),
]


@pytest.mark.parametrize("kshape,groups,lhs_dilation,by_columns", INPUT_RULE_CASES)
def test_input_gradient_rule_branches_match_torch(kshape, groups, lhs_dilation, by_columns, rng):
    """Each branch of the per-shape input-gradient rule is taken and both gradients equal
    torch.nn.functional.conv2d's backward (on the zero-inserted input for lhs_dilation > 1)."""
    from resample_jax._src import conv as conv_src

    assert conv_src._input_gradient_by_columns(kshape, lhs_dilation) is by_columns
    cin = kshape[2] * groups
    x = _normal(rng, (2, 5, 4, cin))
    k = _normal(rng, kshape)
    pads, one = ((1, 1), (1, 0)), (1, 1)

    def f(x, k):
        return conv_src._conv(x, k, one, pads, one, groups, lhs_dilation)

    y, vjp = jax.vjp(f, jnp.asarray(x), jnp.asarray(k))
    ct = _normal(rng, y.shape)
    got_x, got_k = vjp(jnp.asarray(ct))
    jaxpr = str(jax.make_jaxpr(lambda c: jax.vjp(lambda a: f(a, k), x)[1](c))(ct))
    assert ("dot_general" in jaxpr) is by_columns  # the matmul branch's transpose is a matmul

    d = lhs_dilation
    xd = np.zeros((2, (5 - 1) * d[0] + 1, (4 - 1) * d[1] + 1, cin), np.float64)
    xd[:, :: d[0], :: d[1]] = x
    xd = np.pad(xd, ((0, 0), *pads, (0, 0)))
    tx = torch.tensor(xd).permute(0, 3, 1, 2).requires_grad_()
    tk = torch.tensor(np.moveaxis(k.astype(np.float64), (2, 3), (1, 0))).requires_grad_()
    ty = F.conv2d(tx, tk, groups=groups)
    ty.backward(torch.tensor(ct.astype(np.float64)).permute(0, 3, 1, 2))
    _util.assert_close(y, ty.detach().permute(0, 2, 3, 1).numpy(), jnp.float32)
    gx = tx.grad.permute(0, 2, 3, 1).numpy()[:, 1:-1, 1:]  # drop the padding ((1, 1), (1, 0))
    _util.assert_close(got_x, gx[:, :: d[0], :: d[1]], jnp.float32)
    _util.assert_close(got_k, np.moveaxis(tk.grad.numpy(), (1, 0), (2, 3)), jnp.float32)


def test_large_layers_take_columns_in_batch_chunks_and_huge_examples_keep_xla():
    """The im2col tangents hold taps x positions x C_in values. A layer whose column matrix would
    pass both ``_COLUMNS_MAX_BYTES`` and the bytes of its own input and output takes them one
    chunk of the batch at a time (a loop over chunks, each within the cap); a layer where one
    example's columns alone pass the cap keeps XLA's rule although its shape alone would pick
    columns; one within its own activations' bytes keeps the whole-batch columns however large
    (traced abstractly: nothing of that size is allocated)."""
    from resample_jax._src import conv as conv_src

    one, pads = (1, 1), ((0, 1), (0, 1))

    def jaxpr(batch, size, kshape):
        # expanding and wide: both rules pick columns by shape
        assert conv_src._input_gradient_by_columns(kshape, (1, 1))
        assert conv_src._kernel_gradient_by_taps(kshape, (1, 1))
        x = jax.ShapeDtypeStruct((batch, size, size, 64), jnp.float32)
        k = jax.ShapeDtypeStruct(kshape, jnp.float32)
        f = functools.partial(
            conv_src._conv, strides=one, padding=pads, dilation=one, groups=1, lhs_dilation=one
        )
        return str(
            jax.make_jaxpr(lambda a, b: jax.grad(lambda a, b: f(a, b).sum(), (0, 1))(a, b))(x, k)
        )

    mib = 2**20
    # 4 taps * 8 * 64 * 64 positions * 64 channels * 4 bytes = 32 MiB: columns (matmuls), no loop.
    small = conv_src._columns_bytes(jnp.zeros((1, 1, 1, 64)), (2, 2, 64, 128), (8, 64, 64, 128))
    assert small == 32 * mib < conv_src._COLUMNS_MAX_BYTES
    text = jaxpr(8, 64, (2, 2, 64, 128))
    assert "dot_general" in text and "scan" not in text
    # 4 * 8 * 256 * 256 * 64 * 4 bytes = 512 MiB of columns. 64 -> 128 channels: input 128 MiB +
    # output 256 MiB = 384 MiB < 512 MiB, so chunks: 64 MiB per example, 4 examples per chunk.
    x = jnp.zeros((8, 1, 1, 64))
    assert conv_src._batch_chunk(x, (2, 2, 64, 128), (8, 256, 256, 128)) == 4
    text = jaxpr(8, 256, (2, 2, 64, 128))
    assert "dot_general" in text and "scan" in text
    # 64 -> 256 channels (the k4 s2 transposed convolution's phase convolution): input 128 MiB +
    # output 512 MiB >= 512 MiB of columns, so whole-batch columns (XLA's kernel gradient of that
    # layer ran 200x slower than PyTorch).
    text = jaxpr(8, 256, (2, 2, 64, 256))
    assert "dot_general" in text and "scan" not in text
    # One 1024 x 1024 example: 4 * 1024 * 1024 * 64 * 4 bytes = 1 GiB of columns > 256 MiB, and
    # > its input 256 MiB + output 512 MiB: XLA's convolutions only.
    assert conv_src._batch_chunk(x[:2], (2, 2, 64, 128), (2, 1024, 1024, 128)) is None
    assert "dot_general" not in jaxpr(2, 1024, (2, 2, 64, 128))


@pytest.mark.parametrize(
    "batch,per_example_mib,chunk",
    [(8, 80, 2), (7, 80, 1), (6, 64, 3), (4, 256, 1), (4, 257, None), (1, 100, 1)],
)
def test_batch_chunk_is_the_largest_divisor_within_the_cap(batch, per_example_mib, chunk):
    """Hand-computed chunks for a 256 MiB cap: 80 MiB per example allows 3, so 2 of 8 (the
    largest divisor) and 1 of 7 (prime); 64 MiB allows 4, so 3 of 6; an example past the cap
    alone gives None."""
    from resample_jax._src import conv as conv_src

    assert conv_src._COLUMNS_MAX_BYTES == 256 * 2**20
    # A 1 x 1 kernel over 64 channels of float32: columns per example = positions * 256 bytes.
    positions = per_example_mib * 2**20 // 256
    x = jnp.zeros((batch, 1, 1, 64))
    assert conv_src._batch_chunk(x, (1, 1, 64, 8), (batch, positions, 1, 8)) == chunk


@pytest.mark.parametrize("kshape,lhs_dilation", [((2, 2, 8, 16), (1, 1)), ((3, 3, 4, 8), (2, 2))])
def test_chunked_column_gradients_match_torch(kshape, lhs_dilation, rng, monkeypatch):
    """With the column cap shrunk so that only 2 of 6 examples fit per chunk, the loop over batch
    chunks is taken (a scan in the jaxpr) and both gradients still equal
    torch.nn.functional.conv2d's backward (on the zero-inserted input for lhs_dilation > 1)."""
    from resample_jax._src import conv as conv_src

    x = _normal(rng, (6, 5, 4, kshape[2]))
    k = _normal(rng, kshape)
    pads, one, d = ((1, 1), (1, 0)), (1, 1), lhs_dilation
    y_shape = conv_src._conv(jnp.asarray(x), jnp.asarray(k), one, pads, one, 1, d).shape
    per_example = conv_src._columns_bytes(jnp.asarray(x), kshape, y_shape) // 6
    monkeypatch.setattr(conv_src, "_COLUMNS_MAX_BYTES", 2 * per_example)
    assert not conv_src._columns_fit(jnp.asarray(x), kshape, y_shape)
    assert conv_src._batch_chunk(jnp.asarray(x), kshape, y_shape) == 2

    def f(x, k):
        return conv_src._conv(x, k, one, pads, one, 1, d)

    jaxpr = str(jax.make_jaxpr(lambda a, b: jax.vjp(f, a, b)[1](jnp.ones(y_shape)))(x, k))
    assert "scan" in jaxpr and "dot_general" in jaxpr
    y, vjp = jax.vjp(f, jnp.asarray(x), jnp.asarray(k))
    ct = _normal(rng, y.shape)
    got_x, got_k = vjp(jnp.asarray(ct))

    xd = np.zeros((6, (5 - 1) * d[0] + 1, (4 - 1) * d[1] + 1, kshape[2]), np.float64)
    xd[:, :: d[0], :: d[1]] = x
    xd = np.pad(xd, ((0, 0), *pads, (0, 0)))
    tx = torch.tensor(xd).permute(0, 3, 1, 2).requires_grad_()
    tk = torch.tensor(np.moveaxis(k.astype(np.float64), (2, 3), (1, 0))).requires_grad_()
    F.conv2d(tx, tk).backward(torch.tensor(ct.astype(np.float64)).permute(0, 3, 1, 2))
    gx = tx.grad.permute(0, 2, 3, 1).numpy()[:, 1:-1, 1:]  # drop the padding ((1, 1), (1, 0))
    _util.assert_close(got_x, gx[:, :: d[0], :: d[1]], jnp.float32)
    _util.assert_close(got_k, np.moveaxis(tk.grad.numpy(), (1, 0), (2, 3)), jnp.float32)


@pytest.mark.parametrize("dtype", [jnp.bfloat16, jnp.float16])
def test_half_precision_keeps_dtype_and_matches_float32(dtype, rng):
    x, k = _normal(rng, (1, 6, 6, 4)), _normal(rng, (4, 4, 4, 3)) * 0.2
    xh, kh = jnp.asarray(x, dtype), jnp.asarray(k, dtype)
    for fn in (lambda a, b: conv_transpose(a, b, 2, 1), lambda a, b: strided_conv(a, b, 2, 1)):
        _util.assert_half_precision(fn, (xh, kh), dtype)


# ----------------------------------------------------------------------------------------------
# Errors


def test_rejects_kernel_channels_not_matching_input():
    x = jnp.ones((1, 5, 5, 4))
    with pytest.raises(ValueError, match="input channels"):
        strided_conv(x, jnp.ones((3, 3, 3, 2)))
    with pytest.raises(ValueError, match="input channels"):
        conv_transpose(x, jnp.ones((3, 3, 3, 2)))
    with pytest.raises(ValueError, match="input channels"):
        subpixel_conv(x, jnp.ones((3, 3, 3, 8)), 2)


def test_rejects_channels_not_divisible_by_groups():
    x = jnp.ones((1, 5, 5, 4))
    with pytest.raises(ValueError, match="groups"):
        strided_conv(x, jnp.ones((3, 3, 2, 3)), groups=2)
    with pytest.raises(ValueError, match="groups"):
        conv_transpose(x, jnp.ones((3, 3, 4, 2)), groups=3)
    with pytest.raises(ValueError, match="groups"):
        strided_conv(x, jnp.ones((3, 3, 4, 2)), groups=0)


def test_rejects_non_positive_strides_and_dilation():
    x, k = jnp.ones((1, 5, 5, 2)), jnp.ones((3, 3, 2, 2))
    with pytest.raises(ValueError, match="strides"):
        strided_conv(x, k, 0)
    with pytest.raises(ValueError, match="strides"):
        conv_transpose(x, k, (2, -1))
    with pytest.raises(ValueError, match="dilation"):
        strided_conv(x, k, dilation=0)
    with pytest.raises(ValueError, match="factor"):
        subpixel_conv(x, jnp.ones((3, 3, 2, 4)), 0)


def test_rejects_negative_padding_and_unknown_padding_string():
    x, k = jnp.ones((1, 5, 5, 2)), jnp.ones((3, 3, 2, 2))
    with pytest.raises(ValueError, match="padding"):
        strided_conv(x, k, 1, -1)
    with pytest.raises(ValueError, match="padding"):
        conv_transpose(x, k, 2, ((0, -1), (0, 0)))
    with pytest.raises(ValueError, match="Did you mean 'same'"):
        strided_conv(x, k, 1, "SAM")


def test_rejects_output_padding_not_below_stride_or_dilation():
    x, k = jnp.ones((1, 5, 5, 2)), jnp.ones((3, 3, 2, 2))
    with pytest.raises(ValueError, match="output_padding"):
        conv_transpose(x, k, 2, 1, output_padding=2)
    with pytest.raises(ValueError, match="output_padding"):
        conv_transpose(x, k, 1, 1, output_padding=1)
    assert conv_transpose(x, k, 1, 1, output_padding=1, dilation=2).shape == (1, 8, 8, 2)


def test_rejects_bad_fraction_stride():
    x, k = jnp.ones((1, 5, 5, 2)), jnp.ones((3, 3, 2, 2))
    with pytest.raises(ValueError, match="stride"):
        fractional_strided_conv(x, k, Fraction(-2, 3))
    with pytest.raises(ValueError, match="stride"):
        fractional_strided_conv(x, k, 0)
    with pytest.raises(TypeError, match="Fraction"):
        fractional_strided_conv(x, k, 1.5)
    with pytest.raises(ValueError, match="stride"):
        fractional_strided_conv(x, k, (Fraction(1, 2),))


def test_rejects_wrong_rank_and_integer_input():
    with pytest.raises(ValueError, match="kernel"):
        strided_conv(jnp.ones((1, 5, 2)), jnp.ones((2, 2)))
    with pytest.raises(ValueError, match="kernel"):
        conv_transpose(jnp.ones((1, 5, 2)), jnp.ones((1, 1, 1, 1, 2, 2)))
    with pytest.raises(ValueError, match="x"):
        strided_conv(jnp.ones((5, 2)), jnp.ones((3, 3, 2, 2)))
    with pytest.raises(TypeError, match="floating"):
        strided_conv(jnp.ones((1, 5, 5, 2), jnp.int32), jnp.ones((3, 3, 2, 2)))


def test_rejects_empty_outputs():
    with pytest.raises(ValueError, match="window"):
        strided_conv(jnp.ones((1, 2, 2, 1)), jnp.ones((3, 3, 1, 1)), 1, "VALID")
    with pytest.raises(ValueError, match="output"):
        conv_transpose(jnp.ones((1, 1, 1, 1)), jnp.ones((1, 1, 1, 1)), 1, 1)


# --- complex inputs --------------------------------------------------------------------------


from _util import assert_close, to_channels_first, to_channels_last  # noqa: E402


def _complex(rng, shape):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex64)


def test_complex_convolutions_match_torch(rng):
    """torch convolves complex tensors natively; ours runs lax's complex convolution (a complex
    input, kernel or both make the whole convolution complex)."""
    x = _complex(rng, (2, 7, 6, 3))
    w = _complex(rng, (4, 3, 3, 3))  # torch conv2d weight (out, in, kh, kw)
    b = _complex(rng, (4,))
    ref = F.conv2d(
        torch.from_numpy(to_channels_first(x).copy()),
        torch.from_numpy(w),
        torch.from_numpy(b),
        2,
        1,
    )
    got = strided_conv(x, np.moveaxis(w, (0, 1), (-1, -2)), 2, 1, bias=b)
    assert got.dtype == jnp.complex64
    assert_close(got, to_channels_last(ref.numpy()), rtol=1e-4, atol=1e-4)
    wt = _complex(rng, (3, 4, 4, 4))  # torch conv_transpose2d weight (in, out, kh, kw)
    ref = F.conv_transpose2d(
        torch.from_numpy(to_channels_first(x).copy()), torch.from_numpy(wt), None, 2, 1, 1
    )
    got = conv_transpose(x, np.moveaxis(wt, (0, 1), (-2, -1)), 2, 1, output_padding=1)
    assert_close(got, to_channels_last(ref.numpy()), rtol=1e-4, atol=1e-4)
    # A real input with a complex kernel is promoted, not truncated.
    xr = x.real.copy()
    ref = F.conv2d(
        torch.from_numpy(to_channels_first(xr).astype(np.complex64)),
        torch.from_numpy(w),
        None,
        1,
        1,
    )
    assert_close(
        strided_conv(xr, np.moveaxis(w, (0, 1), (-1, -2)), 1, 1),
        to_channels_last(ref.numpy()),
        rtol=1e-4,
        atol=1e-4,
    )


def test_complex_input_is_linear_in_real_and_imaginary_parts(rng):
    """With a real kernel each convolutional resampler is real-linear: f(a + ib) = f(a) + i f(b)."""
    x = _complex(rng, (1, 5, 6, 2))
    k = rng.standard_normal((3, 3, 2, 8)).astype(np.float32)
    calls = [
        lambda a: fractional_strided_conv(a, k, Fraction(2, 3)),
        lambda a: subpixel_conv(a, k, 2),
        lambda a: resize_conv(a, k, 2, "linear"),
    ]
    for f in calls:
        got = f(x)
        assert got.dtype == jnp.complex64
        assert_close(
            got,
            np.asarray(f(x.real.copy())) + 1j * np.asarray(f(x.imag.copy())),
            rtol=1e-5,
            atol=1e-5,
        )


def test_complex_gradients_and_bias_rule(rng):
    with jax.enable_x64(True):
        x = jnp.asarray(_complex(rng, (1, 5, 5, 2)), jnp.complex128)
        k = jnp.asarray(_complex(rng, (3, 3, 2, 3)), jnp.complex128)
        check_grads(
            lambda a, b: strided_conv(a, b, 2, 1),
            (x, k),
            order=2,
            modes=("fwd", "rev"),
            atol=1e-5,
            rtol=1e-5,
        )
        check_grads(
            lambda a, b: conv_transpose(a, b, 2, 1),
            (x, k),
            order=1,
            modes=("rev",),
            atol=1e-5,
            rtol=1e-5,
        )
    with pytest.raises(TypeError, match="complex `bias`"):
        strided_conv(
            np.ones((1, 4, 4, 2), np.float32),
            np.ones((3, 3, 2, 3), np.float32),
            bias=_complex(rng, (3,)),
        )
