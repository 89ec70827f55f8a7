"""Zero-size arrays through every public function, judged by PyTorch where it has the op.

One table says how to call each function of ``resample_jax.__all__`` on a small channels-last
array ``[N, H, W, C]`` (and how to call PyTorch's counterpart, when there is one). Each row is then
run with an empty batch (N = 0), a zero-size spatial axis (H = 0 or W = 0) and no channels (C = 0):

* an empty batch must work, and give the N = 2 result's shape with N = 0 (batch independence);
* where PyTorch has the op, our call raises a ValueError exactly when PyTorch raises, and otherwise
  returns PyTorch's shape and values (a zero-channel convolution still adds its bias);
* elsewhere a zero-size spatial axis or channel axis gives an empty result or a ValueError.

A second table ports PyTorch's own OpInfo sample inputs with zero-size axes
(``torch/testing/_internal/common_methods_invocations.py``: ``sample_inputs_pixel_shuffle``,
``sample_inputs_adaptive_avg_pool{1,3}d``, ``sample_inputs_avgpool{1,3}d``,
``sample_inputs_fractional_max_pool3d``, ``error_inputs_max_pool{1,2,3}d``) as data.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable
from typing import Any

import _util
import jax
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import resample_jax as rj


def _ramp(shape, dtype=np.float32) -> np.ndarray:
    """Deterministic, distinct, non-negative values (stochastic pooling needs x >= 0)."""
    size = int(np.prod(shape))
    return (np.arange(size, dtype=np.float64).reshape(shape) % 7 + 0.5).astype(dtype)


def _t(a) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a))


def _cf(x: np.ndarray) -> torch.Tensor:
    """Channels-last numpy -> channels-first torch."""
    return _t(_util.to_channels_first(x))


def _cl(t: torch.Tensor) -> np.ndarray:
    return _util.to_channels_last(t.detach().numpy())


# Arrays that some calls need besides x, derived from x's shape.
def _conv_kernel(x, c_out=2, k=3) -> np.ndarray:
    """[k, k, C_in, C_out] (the layout of strided_conv / conv_transpose with groups=1)."""
    return _ramp((k, k, x.shape[-1], c_out)) - 3.0


def _bias(c_out=2) -> np.ndarray:
    return np.arange(1.0, c_out + 1.0, dtype=np.float32)


def _torch_conv(op, weight_axes):
    """PyTorch's ``op`` with stride 2, padding 1, our kernel with ``weight_axes`` moved first."""

    def call(x):
        weight = _t(np.moveaxis(_conv_kernel(x), weight_axes, (0, 1)))
        return _cl(op(_cf(x), weight, _t(_bias()), stride=2, padding=1))

    return call


def _unpool_indices(x) -> np.ndarray:
    """Top-left cell of each 2x2 window of a [N, 2h, 2w, C] input, as flat indices into 2h x 2w."""
    n, h, w, c = x.shape
    i = np.arange(h)[:, None] * 2 * (2 * w) + np.arange(w)[None, :] * 2
    return np.broadcast_to(i[None, :, :, None], (n, h, w, c)).astype(np.int32)


def _carafe_kernels(x) -> np.ndarray:
    n, h, w, _ = x.shape
    k = np.zeros((n, 2 * h, 2 * w, 9), np.float32)
    k[..., 4] = 1.0
    return k


def _theta(x) -> np.ndarray:
    theta = np.array([[0.9, 0.1, 0.0], [-0.1, 0.8, 0.1]], np.float32)
    return np.broadcast_to(theta, (x.shape[0], 2, 3))


def _grid(x) -> np.ndarray:
    g = np.linspace(-1.0, 1.0, 5 * 4 * 2, dtype=np.float32).reshape(5, 4, 2)
    return np.broadcast_to(g, (x.shape[0], 5, 4, 2))


def _samples(x) -> np.ndarray:
    return np.full((x.shape[0], x.shape[-1], 2), 0.3, np.float32)


@dataclasses.dataclass(frozen=True)
class Case:
    """How to call one public function on a channels-last ``x`` of ``shape`` (N first).

    ``torch`` calls the PyTorch counterpart on the same channels-last numpy array and returns the
    result in our layout. ``channelwise``: each output channel depends on one input channel, so
    C = 0 must give an empty output. ``owned_elsewhere``: why the row is skipped (another
    engineer's code).
    ``torch_wrong``: variants where PyTorch's answer is no reference, with the reason.
    ``zero_spatial``: the result for a zero-size spatial axis where it is not empty.
    ``uses_channels``: False where the channel count of x does not enter the call at all.
    """

    call: Callable[[np.ndarray], Any]
    shape: tuple[int, ...] = (2, 6, 8, 3)
    torch: Callable[[np.ndarray], Any] | None = None
    channelwise: bool = True
    owned_elsewhere: str | None = None
    torch_wrong: dict[str, str] = dataclasses.field(default_factory=dict)
    zero_spatial: Callable[[np.ndarray], Any] | None = None
    uses_channels: bool = True


# PyTorch 2.x returns a zero-size input of pixel_unshuffle unchanged (shape and all), instead of
# (N, C*r*r, H/r, W/r); and convolves no input channels into no output channels, instead of the
# bias alone (an empty sum plus the bias, with C_out channels).
TORCH_UNSHUFFLE_EMPTY = dict.fromkeys(
    ("empty_batch", "zero_height", "zero_width", "zero_channels"),
    "torch.nn.functional.pixel_unshuffle returns zero-size inputs unchanged",
)
TORCH_CONV_NO_CHANNELS = "torch.nn.functional.conv2d gives 0 output channels for 0 input channels"

CASES: dict[str, Case] = {
    # interpolation
    "resize": Case(
        lambda x: rj.resize(x, (4, 5), "linear", convention="pytorch"),
        torch=lambda x: _cl(F.interpolate(_cf(x), size=(4, 5), mode="bilinear")),
    ),
    "affine_grid": Case(
        lambda x: rj.affine_grid(_theta(x), (x.shape[1], x.shape[2])),
        torch=lambda x: F.affine_grid(
            _t(_theta(x)), [x.shape[0], x.shape[3], x.shape[1], x.shape[2]], align_corners=False
        ).numpy(),
        uses_channels=False,
    ),
    "grid_sample": Case(
        lambda x: rj.grid_sample(x, _grid(x)),
        torch=lambda x: _cl(F.grid_sample(_cf(x), _t(_grid(x)), align_corners=False)),
    ),
    "scale_and_translate": Case(
        lambda x: rj.scale_and_translate(x, (4, 5), (0.7, 0.6), (0.1, -0.2))
    ),
    # polyphase FIR, spectral, wavelets
    "upfirdn": Case(lambda x: rj.upfirdn(x, np.array([1.0, 2.0, 1.0]), up=2)),
    "resample_poly": Case(lambda x: rj.resample_poly(x, 3, 2)),
    "filtered_activation": Case(rj.filtered_activation),
    "dwt": Case(lambda x: rj.dwt(x, "db2")),
    "polyphase_components": Case(lambda x: rj.polyphase_components(x, 2)),
    "aps_downsample": Case(lambda x: rj.aps_downsample(x, 2)),
    "aps_upsample": Case(lambda x: rj.aps_upsample(x, np.ones(x.shape[:1], np.int32), 2)),
    "fft_resize": Case(lambda x: rj.fft_resize(x, (4, 5))),
    "spectral_pool": Case(lambda x: rj.spectral_pool(x, 2)),
    "idwt": Case(lambda x: rj.idwt(x, "db2"), shape=(2, 6, 8, 4)),
    "wavelet_pool": Case(rj.wavelet_pool),
    # pooling
    "adaptive_avg_pool": Case(
        lambda x: rj.adaptive_avg_pool(x, (4, 3)),
        torch=lambda x: _cl(F.adaptive_avg_pool2d(_cf(x), (4, 3))),
    ),
    "adaptive_max_pool": Case(
        lambda x: rj.adaptive_max_pool(x, (4, 3), return_indices=True),
        torch=lambda x: tuple(
            _cl(t) for t in F.adaptive_max_pool2d(_cf(x), (4, 3), return_indices=True)
        ),
    ),
    "avg_pool": Case(
        lambda x: rj.avg_pool(x, 2, padding=1, count_include_pad=False),
        torch=lambda x: _cl(F.avg_pool2d(_cf(x), 2, padding=1, count_include_pad=False)),
    ),
    "fractional_max_pool": Case(
        lambda x: rj.fractional_max_pool(None, x, (3, 4), samples=_samples(x), return_indices=True),
        torch=lambda x: tuple(
            _cl(t)
            for t in F.fractional_max_pool2d(
                _cf(x), 2, output_size=(3, 4), return_indices=True, _random_samples=_t(_samples(x))
            )
        ),
    ),
    "global_avg_pool": Case(
        rj.global_avg_pool, torch=lambda x: F.adaptive_avg_pool2d(_cf(x), 1)[..., 0, 0].numpy()
    ),
    "global_max_pool": Case(
        rj.global_max_pool, torch=lambda x: F.adaptive_max_pool2d(_cf(x), 1)[..., 0, 0].numpy()
    ),
    "lp_pool": Case(
        lambda x: rj.lp_pool(x, 2, 2), torch=lambda x: _cl(F.lp_pool2d(_cf(x), 2, 2))
    ),
    "max_pool": Case(
        lambda x: rj.max_pool(x, 3, 2, padding=1),
        torch=lambda x: _cl(F.max_pool2d(_cf(x), 3, 2, padding=1)),
    ),
    "max_pool_with_indices": Case(
        lambda x: rj.max_pool_with_indices(x, 2),
        torch=lambda x: tuple(_cl(t) for t in F.max_pool2d(_cf(x), 2, return_indices=True)),
    ),
    "min_pool": Case(
        lambda x: rj.min_pool(x, 2), torch=lambda x: -_cl(F.max_pool2d(-_cf(x), 2))
    ),
    "soft_pool": Case(lambda x: rj.soft_pool(x, 2)),
    "stochastic_pool": Case(lambda x: rj.stochastic_pool(jax.random.key(0), x, 2)),
    # unpooling, shuffling, wavelets, pyramids
    "bed_of_nails": Case(lambda x: rj.bed_of_nails(x, 2)),
    "depth_to_space": Case(
        lambda x: rj.depth_to_space(x, 2, convention="pytorch"),
        shape=(2, 3, 4, 8),
        torch=lambda x: _cl(F.pixel_shuffle(_cf(x), 2)),
    ),
    "gaussian_pyramid": Case(lambda x: rj.gaussian_pyramid(x, 2)),
    "haar_downsample": Case(rj.haar_downsample),
    "haar_upsample": Case(rj.haar_upsample, shape=(2, 3, 4, 8)),
    "laplacian_pyramid": Case(lambda x: rj.laplacian_pyramid(x, 2)),
    "max_unpool": Case(
        lambda x: rj.max_unpool(x, _unpool_indices(x), (2 * x.shape[1], 2 * x.shape[2])),
        torch=lambda x: _cl(
            F.max_unpool2d(
                _cf(x),
                _cf(_unpool_indices(x).astype(np.int64)),
                2,
                output_size=(2 * x.shape[1], 2 * x.shape[2]),
            )
        ),
    ),
    "pixel_shuffle": Case(
        lambda x: rj.pixel_shuffle(x, 2, convention="pytorch"),
        shape=(2, 3, 4, 8),
        torch=lambda x: _cl(F.pixel_shuffle(_cf(x), 2)),
    ),
    "pixel_unshuffle": Case(
        lambda x: rj.pixel_unshuffle(x, 2, convention="pytorch"),
        torch=lambda x: _cl(F.pixel_unshuffle(_cf(x), 2)),
        torch_wrong=TORCH_UNSHUFFLE_EMPTY,
    ),
    "pyr_down": Case(rj.pyr_down),
    "pyr_up": Case(rj.pyr_up),
    "reconstruct_laplacian": Case(
        lambda x: rj.reconstruct_laplacian(
            [x, np.zeros((x.shape[0], (x.shape[1] + 1) // 2, (x.shape[2] + 1) // 2, x.shape[3]),
                         np.float32)]
        )
    ),
    "space_to_depth": Case(
        lambda x: rj.space_to_depth(x, 2, convention="pytorch"),
        torch=lambda x: _cl(F.pixel_unshuffle(_cf(x), 2)),
        torch_wrong=TORCH_UNSHUFFLE_EMPTY,
    ),
    # convolutional resamplers, blur pooling, CARAFE, fusion
    "blur_pool": Case(rj.blur_pool),
    "carafe": Case(lambda x: rj.carafe(x, _carafe_kernels(x), 2)),
    "conv_transpose": Case(
        lambda x: rj.conv_transpose(x, _conv_kernel(x), 2, 1, bias=_bias()),
        torch=_torch_conv(F.conv_transpose2d, (-2, -1)),
        channelwise=False,
    ),
    "fractional_strided_conv": Case(
        lambda x: rj.fractional_strided_conv(x, _conv_kernel(x), 2, bias=_bias()),
        channelwise=False,
    ),
    "fuse": Case(lambda x: rj.fuse(x, x[:, 1:, 1:], mode="add")),
    "match_size": Case(
        lambda x: rj.match_size(x, (4, 5), mode="crop_or_pad"),
        # Padding an axis of size 0 to 4 gives 4 zeros (as numpy.pad does).
        zero_spatial=lambda x: np.zeros((x.shape[0], 4, 5, x.shape[-1]), np.float32),
    ),
    "max_blur_pool": Case(rj.max_blur_pool),
    "resize_conv": Case(
        lambda x: rj.resize_conv(x, _conv_kernel(x), 2, bias=_bias()), channelwise=False
    ),
    "strided_conv": Case(
        lambda x: rj.strided_conv(x, _conv_kernel(x), 2, 1, bias=_bias()),
        torch=_torch_conv(F.conv2d, (-1, -2)),
        channelwise=False,
        torch_wrong={"zero_channels": TORCH_CONV_NO_CHANNELS},
    ),
    "subpixel_conv": Case(
        lambda x: rj.subpixel_conv(x, _conv_kernel(x, c_out=8), 2, bias=np.tile(_bias(), 4)),
        channelwise=False,
    ),
}

# Public names that are not array functions.
# firwin designs a NumPy filter (no array input; tested in test_fir.py).
NOT_FUNCTIONS = {"__version__", "Kernel", "RESIZE_METHODS", "ResizeMethodInfo", "firwin"}

VARIANTS = ("empty_batch", "zero_height", "zero_width", "zero_channels")


def _variant_shape(shape: tuple[int, ...], variant: str) -> tuple[int, ...]:
    axis = {"empty_batch": 0, "zero_height": 1, "zero_width": 2, "zero_channels": 3}[variant]
    return tuple(0 if i == axis else s for i, s in enumerate(shape))


def _leaves(out) -> list[np.ndarray]:
    return [np.asarray(leaf) for leaf in jax.tree.leaves(out)]


def _torch_outcome(fn, x):
    try:
        return fn(x), None
    except (RuntimeError, ValueError, IndexError) as e:
        return None, e


def test_every_public_function_is_in_the_table():
    public = {n for n in rj.__all__ if n not in NOT_FUNCTIONS}
    functions = {n for n in public if inspect.isfunction(getattr(rj, n))}
    assert functions == public, f"not functions, not in NOT_FUNCTIONS: {public - functions}"
    assert sorted(functions - CASES.keys()) == [], "public functions missing from CASES"
    assert sorted(CASES.keys() - functions) == [], "CASES rows for names that are not public"


def _params():
    for name in sorted(CASES):
        case = CASES[name]
        for variant in VARIANTS:
            marks = [pytest.mark.skip(reason=case.owned_elsewhere)] if case.owned_elsewhere else []
            yield pytest.param(name, variant, id=f"{name}-{variant}", marks=marks)


@functools.cache
def _full_result(name: str) -> list[np.ndarray]:
    """The row's result on its non-empty input (shapes to compare the zero-size results with)."""
    return _leaves(CASES[name].call(_ramp(CASES[name].shape)))


@pytest.mark.parametrize("name, variant", list(_params()))
def test_zero_size(name, variant):
    case = CASES[name]
    x = _ramp(_variant_shape(case.shape, variant))
    torch_out, torch_error = None, None
    if case.torch is not None and variant not in case.torch_wrong:
        torch_out, torch_error = _torch_outcome(case.torch, x)
    full = _full_result(name)
    if variant == "empty_batch" or torch_out is not None:
        got = _leaves(case.call(x))
        if torch_out is not None:
            expected = _leaves(torch_out)
            assert [g.shape for g in got] == [e.shape for e in expected]
            for g, e in zip(got, expected, strict=True):
                _util.assert_close(g, e)
        if variant == "empty_batch":
            # Batch independence: the N = 2 result's shape with N = 0.
            assert [g.shape for g in got] == [(0, *f.shape[1:]) for f in full]
        return
    if variant == "zero_channels" and not case.uses_channels:
        got = _leaves(case.call(x))
        assert [g.shape for g in got] == [f.shape for f in full]
        return
    if variant == "zero_channels" and case.channelwise:
        # Channel independence: C channels give the concatenation of C one-channel results, so
        # no channels give the C = 3 result's shape with no channels (where PyTorch raises
        # instead, as its pooling does, we are more permissive, like jax.numpy's reductions).
        got = _leaves(case.call(x))
        assert [g.shape for g in got] == [(*f.shape[:-1], 0) for f in full]
        return
    if variant == "zero_channels":
        # A convolution over no input channels is its bias alone (an empty sum), or a clear error.
        try:
            got = _leaves(case.call(x))
        except ValueError as e:
            assert name in str(e), f"the error does not name the function: {e}"
            return
        expected = np.broadcast_to(_bias(full[0].shape[-1]), full[0].shape)
        _util.assert_close(got[0], expected)
        return
    # A zero-size spatial axis: rejected by PyTorch where it has the op (and then by us), else
    # an empty result or a clear error.
    if torch_error is not None:
        with pytest.raises(ValueError, match=name):
            case.call(x)
        return
    try:
        got = _leaves(case.call(x))
    except ValueError as e:
        assert name in str(e), f"the error does not name the function: {e}"
        return
    if case.zero_spatial is not None:
        _util.assert_close(got[0], case.zero_spatial(x))
        assert got[0].shape == case.zero_spatial(x).shape
        return
    assert all(g.size == 0 for g in got), [g.shape for g in got]


# PyTorch's OpInfo samples with zero-size axes, as (our call, PyTorch call, channels-first shape).
OPINFO_ZERO_SIZE = [
    # sample_inputs_pixel_shuffle / _unshuffle: factor 1 with a zero-size C, H or W.
    *(
        (
            lambda x: rj.pixel_shuffle(x, 1, convention="pytorch"),
            lambda t: F.pixel_shuffle(t, 1),
            shape,
        )
        for shape in [(1, 0, 1, 1), (1, 1, 0, 1), (1, 1, 1, 0)]
    ),
    *(
        (
            lambda x: rj.pixel_unshuffle(x, 1, convention="pytorch"),
            lambda t: F.pixel_unshuffle(t, 1),
            shape,
        )
        for shape in [(1, 0, 1, 1), (1, 1, 0, 1), (1, 1, 1, 0)]
    ),
    # sample_inputs_adaptive_avg_pool1d / 3d: empty batch.
    (lambda x: rj.adaptive_avg_pool(x, (5,)), lambda t: F.adaptive_avg_pool1d(t, 5), (0, 8, 8)),
    (
        lambda x: rj.adaptive_avg_pool(x, (5, 7, 4)),
        lambda t: F.adaptive_avg_pool3d(t, (5, 7, 4)),
        (0, 8, 8, 8, 8),
    ),
    # sample_inputs_avgpool1d / 3d: empty batch.
    (
        lambda x: rj.avg_pool(x, (6,), (3,), (2,)),
        lambda t: F.avg_pool1d(t, 6, 3, 2),
        (0, 3, 9),
    ),
    (
        lambda x: rj.avg_pool(x, (2, 3, 1), (2, 1, 2)),
        lambda t: F.avg_pool3d(t, (2, 3, 1), (2, 1, 2)),
        (0, 1, 4, 5, 4),
    ),
    # sample_inputs_fractional_max_pool3d: empty batch.
    (
        lambda x: rj.fractional_max_pool(
            None, x, (2, 3, 2), (2, 2, 1), samples=np.zeros((0, 1, 3), np.float32)
        ),
        lambda t: F.fractional_max_pool3d(
            t, (2, 2, 1), output_size=(2, 3, 2), _random_samples=torch.zeros(0, 1, 3)
        ),
        (0, 1, 4, 5, 4),
    ),
    (
        lambda x: rj.fractional_max_pool(
            None, x, window_shape=(2, 2, 1), output_ratio=(0.5, 0.5, 0.5),
            samples=np.zeros((0, 1, 3), np.float32),
        ),
        lambda t: F.fractional_max_pool3d(
            t, (2, 2, 1), output_ratio=(0.5, 0.5, 0.5), _random_samples=torch.zeros(0, 1, 3)
        ),
        (0, 1, 4, 5, 4),
    ),
    # error_inputs_max_pool1d / 2d / 3d: zero-size non-batch axes are rejected; empty batch works.
    (lambda x: rj.max_pool(x, (2,), (50,)), lambda t: F.max_pool1d(t, 2, 50), (0, 1, 49)),
    (lambda x: rj.max_pool(x, (1,)), lambda t: F.max_pool1d(t, 1), (1, 10, 0)),
    (lambda x: rj.max_pool(x, (1, 1)), lambda t: F.max_pool2d(t, 1), (2, 1, 10, 0)),
    (lambda x: rj.max_pool(x, (1, 1, 1)), lambda t: F.max_pool3d(t, 1), (2, 1, 0, 1, 2)),
    (
        lambda x: rj.max_pool(x, (2, 2, 2), (50, 50, 50)),
        lambda t: F.max_pool3d(t, 2, 50),
        (0, 1, 49, 50, 2),
    ),
]


@pytest.mark.parametrize("ours, theirs, shape", OPINFO_ZERO_SIZE)
def test_pytorch_opinfo_zero_size_samples(ours, theirs, shape):
    x_cf = _ramp(shape)
    x = _util.to_channels_last(x_cf)
    try:
        expected = theirs(_t(x_cf))
    except RuntimeError:
        with pytest.raises(ValueError):
            ours(x)
        return
    got = np.asarray(ours(x))
    assert got.shape == _util.to_channels_last(expected.numpy()).shape


# --- Error inputs: every bad argument is a ValueError / TypeError naming it ---------------------

_X = _ramp((1, 8, 8, 4))
_W = _ramp((3, 3, 4, 2)) - 3.0

# A valid call of each function with every option spelled out, so that each can be spoiled.
GOOD: dict[str, dict[str, Any]] = {
    "adaptive_avg_pool": dict(x=_X, output_size=(2, 3)),
    "adaptive_max_pool": dict(x=_X, output_size=(2, 3), return_indices=False),
    "avg_pool": dict(
        x=_X, window_shape=2, strides=2, padding=0, dilation=1, ceil_mode=False,
        count_include_pad=True, divisor_override=2,
    ),
    "fractional_max_pool": dict(
        key=None, x=_X, output_size=(3, 3), window_shape=2,
        samples=np.full((1, 4, 2), 0.5, np.float32), return_indices=False,
    ),
    "global_avg_pool": dict(x=_X, rank=2, keepdims=False),
    "global_max_pool": dict(x=_X, rank=2, keepdims=False),
    "lp_pool": dict(x=_X, p=2, window_shape=2, strides=2, padding=0, dilation=1, ceil_mode=False),
    "max_pool": dict(x=_X, window_shape=2, strides=2, padding=0, dilation=1, ceil_mode=False),
    "max_pool_with_indices": dict(
        x=_X, window_shape=2, strides=2, padding=0, dilation=1, ceil_mode=False
    ),
    "min_pool": dict(x=_X, window_shape=2, strides=2, padding=0, dilation=1, ceil_mode=False),
    "soft_pool": dict(x=_X, window_shape=2, strides=2, padding=0, dilation=1),
    "stochastic_pool": dict(
        key=jax.random.key(0), x=_X, window_shape=2, strides=2, training=True
    ),
    "bed_of_nails": dict(x=_X, factor=2, offset=1),
    "depth_to_space": dict(x=_X, factor=2, convention="jax"),
    "gaussian_pyramid": dict(x=_X, levels=2, rank=2),
    "haar_downsample": dict(x=_X, rank=2),
    "haar_upsample": dict(x=_X, rank=2),
    "laplacian_pyramid": dict(x=_X, levels=2, rank=2),
    "max_unpool": dict(
        x=_X[:, :4, :4], indices=_unpool_indices(_X[:, :4, :4]), output_size=(8, 8),
        window_shape=2, strides=2, padding=0,
    ),
    "pixel_shuffle": dict(x=_X, factor=2, convention="jax"),
    "pixel_unshuffle": dict(x=_X, factor=2, convention="jax"),
    "pyr_down": dict(x=_X, rank=2),
    "pyr_up": dict(x=_X, size=(16, 16), rank=2),
    "reconstruct_laplacian": dict(pyramid=[_X, _X[:, :4, :4]], rank=2),
    "space_to_depth": dict(x=_X, factor=2, convention="jax"),
    "blur_pool": dict(x=_X, factor=2, filter_size=3, padding="reflect"),
    "carafe": dict(x=_X, kernels=_carafe_kernels(_X), factor=2, kernel_size=3),
    "conv_transpose": dict(
        x=_X, kernel=_W, strides=2, padding=1, output_padding=1, dilation=1, groups=1,
        bias=_bias(),
    ),
    "fractional_strided_conv": dict(
        x=_X, kernel=_W, stride=2, padding="SAME", dilation=1, groups=1, bias=_bias()
    ),
    "fuse": dict(skip=_X, x=_X, mode="concat", match="crop_or_pad", rank=2),
    "match_size": dict(x=_X, reference=(4, 4), mode="crop", rank=2),
    "max_blur_pool": dict(x=_X, factor=2, filter_size=3, window_shape=2, padding="reflect"),
    "resize_conv": dict(x=_X, kernel=_W, factor=2, method="nearest", padding="SAME", bias=_bias()),
    "strided_conv": dict(
        x=_X, kernel=_W, strides=2, padding=1, dilation=1, groups=1, bias=_bias()
    ),
    "resize": dict(
        x=_X, size=(4, 5), method="linear", antialias=True, align_corners=False, convention="jax"
    ),
    "affine_grid": dict(theta=_theta(_X), size=(4, 5), align_corners=False),
    "grid_sample": dict(
        x=_X, grid=_grid(_X), method="linear", padding_mode="zeros", align_corners=False
    ),
    "scale_and_translate": dict(
        x=_X, size=(4, 5), scale=(0.5, 0.6), translation=(0.0, 0.0), method="linear",
        antialias=True,
    ),
    "upfirdn": dict(
        x=_X, kernel=np.ones(3, np.float32), up=2, down=1, padding="full", mode="constant",
        cval=0.0, rank=2,
    ),
    "resample_poly": dict(
        x=_X, up=3, down=2, window=("kaiser", 5.0), padtype="constant", cval=None, rank=2
    ),
    "filtered_activation": dict(
        x=_X, up=2, down=2, numtaps=5, window=("kaiser", 8.0), mode="constant", rank=2
    ),
    "dwt": dict(x=_X, wavelet="db2", mode="periodization", rank=2),
    "polyphase_components": dict(x=_X, factor=2),
    "aps_downsample": dict(x=_X, factor=2, norm=2, return_phase=False),
    "aps_upsample": dict(x=_X, phase=np.zeros((1,), np.int32), factor=2),
    "fft_resize": dict(x=_X, size=(4, 5), rank=2),
    "spectral_pool": dict(x=_X, factor=2, rank=2, key=jax.random.key(0), min_size=1),
    "idwt": dict(coeffs=_X, wavelet="db2", mode="periodization", rank=2),
    "wavelet_pool": dict(x=_X, wavelet="haar", mode="periodization", rank=2),
    "subpixel_conv": dict(
        x=_X, kernel=_ramp((3, 3, 4, 8)), factor=2, padding="SAME", convention="jax",
        bias=np.ones(8, np.float32),
    ),
}

# Kinds of argument, and values that must be refused (value, exception).
INT_ARGS = {
    "output_size", "window_shape", "strides", "stride", "factor", "size", "levels", "rank",
    "dilation", "groups", "kernel_size", "filter_size", "offset", "output_padding",
    "divisor_override", "up", "down", "min_size",
}
BAD_INTS = [(-1, ValueError), (2.5, TypeError), (True, TypeError), ("2", TypeError)]
# An int padding; strings are padding too ("SAME"), so an unknown one is a ValueError.
BAD_PADDINGS = [(-1, ValueError), (2.5, TypeError), (True, TypeError), ("2", ValueError)]
BAD_POWERS = [(-1, ValueError), (0, ValueError), (True, TypeError), ("2", TypeError)]
BOOL_ARGS = {
    "return_indices", "ceil_mode", "count_include_pad", "keepdims", "training", "return_phase"
}
BAD_BOOLS = [(1, TypeError), ("yes", TypeError)]
STRING_ARGS = {"convention", "mode", "match", "method", "padding", "padtype", "window", "wavelet"}
BAD_STRINGS = [("nonsense", ValueError)]
ARRAY_ARGS = {"x", "skip", "kernel", "kernels"}
BAD_ARRAYS = [(np.zeros((4,), np.float32), ValueError), ("image", TypeError)]
BAD_INDICES = [(np.zeros((4,), np.int32), ValueError), (_X[:, :4, :4], TypeError)]
# Arguments checked by code that belongs to another engineer: (function, argument) -> reason.
CHECKED_ELSEWHERE = {
    ("resize_conv", "method"): "resize checks it (the resize engineer's code)",
    ("upfirdn", "kernel"): "a 1-D array is a valid separable kernel",
    ("spectral_pool", "factor"): "any real factor >= 1 is valid (tested in test_spectral.py)",
}


def _error_params():
    for name in sorted(GOOD):
        for arg, good in GOOD[name].items():
            bad: list = []
            if arg in INT_ARGS:
                bad += BAD_INTS
            if arg == "padding" and not isinstance(good, str):
                bad += BAD_PADDINGS
            if arg == "p":
                bad += BAD_POWERS
            if arg == "indices":
                bad += BAD_INDICES
            if arg in BOOL_ARGS:
                bad += BAD_BOOLS
            if arg in STRING_ARGS and isinstance(good, str):
                bad += BAD_STRINGS
            if arg in ARRAY_ARGS:
                bad += BAD_ARRAYS
            reason = CHECKED_ELSEWHERE.get((name, arg))
            marks = [pytest.mark.skip(reason=reason)] if reason else []
            for value, error in bad:
                ident = f"{name}-{arg}={value!r}"[:60]
                yield pytest.param(name, arg, value, error, id=ident, marks=marks)


def test_error_table_covers_every_public_function():
    owned = {n for n, c in CASES.items() if c.owned_elsewhere}
    assert sorted(CASES.keys() - owned - GOOD.keys()) == []


@pytest.mark.parametrize("name", sorted(GOOD))
def test_good_calls_run(name):
    jax.tree.leaves(getattr(rj, name)(**GOOD[name]))


@pytest.mark.parametrize("name, arg, value, error", list(_error_params()))
def test_bad_argument_is_named(name, arg, value, error):
    kwargs = dict(GOOD[name], **{arg: value})
    with pytest.raises(error) as info:
        getattr(rj, name)(**kwargs)
    message = str(info.value)
    # Raised by our checks in Python (they name the function first; an alias such as
    # depth_to_space is the same function as pixel_shuffle), not by a trace.
    assert message.startswith(f"{getattr(rj, name).__name__}:"), message
    assert f"`{arg}`" in message, f"the message does not name `{arg}`: {message}"


# PyTorch's OpInfo error inputs (error_inputs_max_pool{1,2}d, error_inputs_avg_pool{1,2}d,
# error_inputs_adaptive_{avg,max}_pool{1,2}d, error_inputs_max_unpool), as (our call, PyTorch
# call, channels-first shape): both must refuse them, ours with a ValueError / TypeError.
def _unpool_bad_indices(x):
    return np.zeros((*x.shape[:-2], 1, x.shape[-1]), np.int32)  # width 1, not 4


OPINFO_ERRORS = [
    (lambda x: rj.max_pool(x, (2,), (50,), -1), lambda t: F.max_pool1d(t, 2, 50, -1), (1, 1, 49)),
    (lambda x: rj.max_pool(x, (2,), (50,), 4), lambda t: F.max_pool1d(t, 2, 50, 4), (1, 1, 49)),
    (
        lambda x: rj.max_pool(x, (3,), (1,), 3, dilation=2),
        lambda t: F.max_pool1d(t, 3, 1, 3, dilation=2),
        (1, 1, 49),
    ),
    (lambda x: rj.max_pool(x, (1,), (0,)), lambda t: F.max_pool1d(t, 1, 0), (1, 3, 3)),
    (
        lambda x: rj.max_pool(x, (1,), (1,), dilation=0),
        lambda t: F.max_pool1d(t, 1, 1, dilation=0),
        (1, 3, 3),
    ),
    (lambda x: rj.max_pool(x, (5,), (1,)), lambda t: F.max_pool1d(t, 5, 1), (2, 2, 2)),
    (lambda x: rj.max_pool(x, (0,)), lambda t: F.max_pool1d(t, 0), (1, 1, 49)),
    (lambda x: rj.max_pool(x, (3, 2), (50, 50), 4), lambda t: F.max_pool2d(t, (3, 2), 50, 4),
     (1, 1, 49, 50)),
    (lambda x: rj.max_pool(x, 2), lambda t: F.max_pool2d(t, 2), (1, 1, 1, 4)),
    (lambda x: rj.avg_pool(x, (2,), (50,), -1), lambda t: F.avg_pool1d(t, 2, 50, -1), (1, 1, 49)),
    (lambda x: rj.avg_pool(x, (2,), (50,), 4), lambda t: F.avg_pool1d(t, 2, 50, 4), (1, 1, 49)),
    (
        lambda x: rj.avg_pool(x, 2, divisor_override=0),
        lambda t: F.avg_pool2d(t, 2, divisor_override=0),
        (1, 3, 3, 3),
    ),
    (lambda x: rj.adaptive_avg_pool(x, (-1,)), lambda t: F.adaptive_avg_pool1d(t, (-1,)),
     (1, 1, 1)),
    (lambda x: rj.adaptive_avg_pool(x, ()), lambda t: F.adaptive_avg_pool1d(t, ()), (1, 2, 3)),
    (lambda x: rj.adaptive_avg_pool(x, (-1, 0)), lambda t: F.adaptive_avg_pool2d(t, (-1, 0)),
     (1, 1, 1, 1)),
    (lambda x: rj.adaptive_max_pool(x, (-1, 0)), lambda t: F.adaptive_max_pool2d(t, (-1, 0)),
     (1, 1, 1, 1)),
    (
        lambda x: rj.max_unpool(x, _unpool_bad_indices(x), (8, 8), window_shape=3, strides=2),
        lambda t: F.max_unpool2d(t, torch.zeros(1, 1, 4, 1, dtype=torch.long), 3, 2),
        (1, 1, 4, 4),
    ),
]


@pytest.mark.parametrize("ours, theirs, shape", OPINFO_ERRORS)
def test_pytorch_opinfo_error_inputs(ours, theirs, shape):
    x_cf = _ramp(shape)
    with pytest.raises((RuntimeError, ValueError)):
        theirs(_t(x_cf))
    with pytest.raises((ValueError, TypeError)) as info:
        ours(_util.to_channels_last(x_cf))
    assert str(info.value).split(":")[0] in rj.__all__, info.value
