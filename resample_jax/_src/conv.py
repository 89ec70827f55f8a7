"""Convolutional resamplers: strided, sub-pixel and resize convolution, and the shared convolution.

The transposed and fractionally strided convolutions, on the same shared convolution, are in
:mod:`resample_jax._src.transposed`. Layouts are channels-last; ``strided_conv`` takes kernels
``(*window, in/groups, out)`` (Flax / lax ``HWIO``).

The transposed convolution is computed by phase (sub-pixel) decomposition: for stride ``s`` each of
the ``prod(s)`` output phases is a stride-1 correlation of the input with a sub-kernel of the
flipped kernel, so forward and both gradients are plain stride-1 convolutions; XLA's default
formulation (``lhs_dilation``) multiplies the inserted zeros. On CPU, for zero-inserted inputs and
wide layers, the kernel gradient is one matmul of the input's columns (im2col) over all kernel
taps: there XLA:CPU's own kernel gradient, a convolution with a window as large as the output, is
slow (jax#23783); narrow layers keep XLA's, which is as fast and compiles faster
(:func:`_kernel_gradient_by_taps`). The input gradient of channel-expanding convolutions with few
taps (the phase convolutions) is likewise a matmul (:func:`_input_gradient_by_columns`).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.custom_derivatives import SymbolicZero

from resample_jax._src import validation as v
from resample_jax._src.resize import resize
from resample_jax._src.shuffle import CONVENTIONS, pixel_shuffle

_HALF = (jnp.float16, jnp.bfloat16)


# ----------------------------------------------------------------------------------------------
# Shared helpers


def _dimension_numbers(rank: int) -> tuple[str, str, str]:
    spatial = "DHW"[3 - rank :]
    return ("N" + spatial + "C", spatial + "IO", "N" + spatial + "C")


def _check_kernel(fn: str, kernel: Any) -> tuple[jax.Array, int]:
    """Converts the kernel to an array; its rank minus 2 is the spatial rank."""
    if isinstance(kernel, (str, bytes)) or kernel is None:
        raise TypeError(f"{fn}: `kernel` must be an array; got {type(kernel).__name__}.")
    k = jnp.asarray(kernel)
    if k.ndim - 2 not in v.SUPPORTED_RANKS:
        raise ValueError(
            f"{fn}: `kernel` must have shape (*window, in, out) with 1, 2 or 3 window axes; "
            f"got shape {tuple(k.shape)}."
        )
    v.check_inexact(fn, k, "kernel")
    if any(n == 0 for n in k.shape):
        raise ValueError(f"{fn}: `kernel` must not have empty axes; got shape {tuple(k.shape)}.")
    return k, k.ndim - 2


def _check_groups(fn: str, groups: Any) -> int:
    if not v._is_int(groups):
        raise TypeError(f"{fn}: `groups` must be a positive int; got {groups!r}.")
    if groups < 1:
        raise ValueError(f"{fn}: `groups` must be a positive int; got {groups!r}.")
    return int(groups)


def conv_options(fn: str, rank: int, strides, padding, dilation, groups, *channels: int):
    """The option checks of the convolutions, which need no array: ``strides`` and ``dilation``
    (>= 1 per axis), ``padding`` (see :func:`validation.padding_pairs`) and ``groups`` (dividing
    each of ``channels``). Returns them canonical: ``(strides, padding, dilation, groups)``."""
    groups = _check_groups(fn, groups)
    if any(c % groups for c in channels):
        raise ValueError(f"{fn}: `groups` ({groups}) must divide the channel counts {channels}.")
    return (
        v.int_tuple(fn, "strides", strides, rank),
        v.padding_pairs(fn, padding, rank),
        v.int_tuple(fn, "dilation", dilation, rank),
        groups,
    )


def _check_bias(fn: str, bias: Any, channels: int, x: jax.Array) -> jax.Array | None:
    if bias is None:
        return None
    b = jnp.asarray(bias)
    v.check_inexact(fn, b, "bias")
    if jnp.iscomplexobj(b) and not jnp.iscomplexobj(x):
        raise TypeError(
            f"{fn}: a complex `bias` needs a complex `x` or `kernel`; got {b.dtype} with {x.dtype}."
        )
    if b.shape != (channels,):
        raise ValueError(
            f"{fn}: `bias` must have shape ({channels},) (one entry per output channel); "
            f"got shape {tuple(b.shape)}."
        )
    return b


def _compute_dtype(x: jax.Array) -> Any:
    """Accumulation dtype: float32 for half-precision inputs, else the input dtype."""
    return jnp.float32 if x.dtype in _HALF else x.dtype


def _finish(y: jax.Array, bias: jax.Array | None, dtype: Any, batch: tuple[int, ...]) -> jax.Array:
    if bias is not None:
        y = y + bias.astype(y.dtype).reshape((1,) * (y.ndim - 1) + (-1,))
    return v.unflatten_batch(y.astype(dtype), batch)


def _effective(kernel_size: tuple[int, ...], dilation: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(d * (k - 1) + 1 for k, d in zip(kernel_size, dilation, strict=True))


def _lax_conv(x, kernel, strides, padding, dilation, groups, lhs_dilation):
    rank = x.ndim - 2
    return lax.conv_general_dilated(
        x,
        kernel.astype(x.dtype),
        window_strides=strides,
        padding=padding,
        lhs_dilation=lhs_dilation,
        rhs_dilation=dilation,
        dimension_numbers=_dimension_numbers(rank),
        feature_group_count=groups,
        preferred_element_type=_compute_dtype(x),
    )


def _columns_conv(x, kernel, strides, padding, dilation, groups, lhs_dilation):
    """The same correlation as :func:`_lax_conv`, as one matmul of the input's columns (im2col).

    The shifted (strided) windows of every kernel tap are concatenated along the channels and
    multiplied with the kernel reshaped to ``(taps * C_in / groups, C_out)`` in one dot. Used on
    CPU for tangents (see :func:`_kernel_gradient_by_taps` and
    :func:`_input_gradient_by_columns`): their transposes are then one ``(taps * C_in) x positions
    x C_out`` matmul for the kernel gradient, and one matmul plus shifted adds for the input
    gradient, where XLA's transposes are convolutions that XLA:CPU runs slowly for those shapes
    (the kernel gradient's window is as large as the output, jax#23783). One dot over all taps
    beats one dot per tap (measured 2x on the kernel gradient of a 2 x 2 64 -> 256 convolution)
    and compiles to fewer operations.
    """
    rank = x.ndim - 2
    window = kernel.shape[:rank]
    cig, cout = kernel.shape[-2:]
    cog = cout // groups
    taps = math.prod(window)
    config = [
        (0, 0, 0),
        *((lo, hi, ld - 1) for (lo, hi), ld in zip(padding, lhs_dilation, strict=True)),
        (0, 0, 0),
    ]
    xp = lax.pad(x, jnp.zeros((), x.dtype), config)
    size = xp.shape[1 : 1 + rank]
    out = tuple(
        (n - d * (k - 1) - 1) // s + 1
        for n, k, s, d in zip(size, window, strides, dilation, strict=True)
    )
    cols = []
    for tap in np.ndindex(*window):
        start = tuple(t * d for t, d in zip(tap, dilation, strict=True))
        limit = tuple(a + (o - 1) * s + 1 for a, o, s in zip(start, out, strides, strict=True))
        xs = lax.slice(xp, (0, *start, 0), (xp.shape[0], *limit, xp.shape[-1]), (1, *strides, 1))
        cols.append(xs.reshape((-1, groups, 1, cig)))
    cols = jnp.concatenate(cols, axis=2).reshape((-1, groups, taps * cig))
    k = kernel.astype(x.dtype).reshape((taps * cig, groups, cog))
    acc = _compute_dtype(x)
    if groups == 1:
        y = jnp.dot(cols[:, 0], k[:, 0], preferred_element_type=acc)
    else:
        y = jnp.einsum("pgk,kgo->pgo", cols, k, preferred_element_type=acc)
    return y.reshape((x.shape[0], *out, cout))


@functools.partial(jax.custom_jvp, nondiff_argnums=(2, 3, 4, 5, 6))
def _conv(x, kernel, strides, padding, dilation, groups, lhs_dilation):
    """Correlation of ``(N, *spatial, C)`` with an ``HWIO`` kernel and explicit (low, high) pads.

    Half-precision inputs accumulate in float32 (the result is float32 then). The derivative rule
    only changes how the tangents are computed, per shape (see :func:`_columns_conv`).
    """
    return _lax_conv(x, kernel, strides, padding, dilation, groups, lhs_dilation)


@functools.partial(_conv.defjvp, symbolic_zeros=True)
def _conv_jvp(strides, padding, dilation, groups, lhs_dilation, primals, tangents):
    x, kernel = primals
    dx, dkernel = tangents
    y = _conv(x, kernel, strides, padding, dilation, groups, lhs_dilation)
    args = (strides, padding, dilation, groups, lhs_dilation)

    # Examples per im2col matmul: the whole batch when its columns fit, else the largest divisor
    # of the batch whose columns do (None: not even one example's, so XLA's rule).
    fits = _columns_fit(x, kernel.shape, y.shape)
    chunk = None if fits else _batch_chunk(x, kernel.shape, y.shape)
    columns_usable = fits or chunk is not None

    def columns(a, b):
        if fits:
            return _columns_conv(a, b, *args)
        # One chunk of the batch at a time (a loop, so only one chunk's columns are live).
        parts = a.reshape((a.shape[0] // chunk, chunk, *a.shape[1:]))
        out = lax.map(lambda p: _columns_conv(p, b, *args), parts)
        return out.reshape((a.shape[0], *out.shape[2:]))

    def tangent(a, b):
        # Only XLA:CPU needs the im2col form; GPU / TPU compilers have fast conv transposes.
        return lax.platform_dependent(
            a, b, cpu=columns, default=lambda a, b: _lax_conv(a, b, *args)
        )

    dy = jnp.zeros_like(y)
    if not isinstance(dx, SymbolicZero):
        by_columns = columns_usable and _input_gradient_by_columns(kernel.shape, lhs_dilation)
        dy = dy + (tangent(dx, kernel) if by_columns else _lax_conv(dx, kernel, *args))
    if not isinstance(dkernel, SymbolicZero):
        by_columns = columns_usable and _kernel_gradient_by_taps(kernel.shape, lhs_dilation)
        dy = dy + (tangent(x, dkernel) if by_columns else _lax_conv(x, dkernel, *args))
    return y, dy


# The im2col form holds every tap's window of the input at once: taps x output positions x C_in
# values. It is used while that is at most this many bytes, or at most the bytes of the layer's
# own input and output (``_columns_fit``); beyond, XLA's own rule is used, so no layer needs more
# than about twice its activations' memory for a tangent. A fixed cap alone was a cliff: the k4 s2
# transposed convolution at 8 x 256 x 256 x 64 (512 MiB of columns, 640 MiB of input and output)
# fell back to XLA's kernel gradient and its fwd + bwd took 386 s against 1.8 s for PyTorch
# (measured, idle 2-core machine, jaxlib 0.10.2); by columns it is about 1.5x PyTorch.
_COLUMNS_MAX_BYTES = 256 * 2**20


def _columns_fit(x, kernel_shape, y_shape) -> bool:
    """Whether :func:`_columns_conv`'s column matrix is small enough (``_COLUMNS_MAX_BYTES``)."""
    itemsize = np.dtype(x.dtype).itemsize
    own = (math.prod(x.shape) + math.prod(y_shape)) * itemsize
    return _columns_bytes(x, kernel_shape, y_shape) <= max(_COLUMNS_MAX_BYTES, own)


def _batch_chunk(x, kernel_shape, y_shape) -> int | None:
    """Examples per im2col matmul for a layer whose whole batch's columns do not fit: the largest
    divisor of the batch whose columns take at most ``_COLUMNS_MAX_BYTES``; None when one
    example's columns alone take more (then XLA's own rule is used)."""
    n = x.shape[0]
    per_example = _columns_bytes(x, kernel_shape, y_shape) // max(n, 1)
    most = _COLUMNS_MAX_BYTES // max(per_example, 1)
    return max((b for b in range(1, min(n, most) + 1) if n % b == 0), default=None)


def _columns_bytes(x, kernel_shape, y_shape) -> int:
    """Bytes of the column matrix :func:`_columns_conv` would build for ``x`` -> ``y_shape``."""
    rank = len(kernel_shape) - 2
    taps = math.prod(kernel_shape[:rank])
    positions = math.prod(y_shape[:-1])
    return taps * positions * x.shape[-1] * np.dtype(x.dtype).itemsize


# Channel product (C_in / groups) * C_out from which XLA:CPU's own kernel gradient of a convolution
# falls behind the matmuls. Measured with jaxlib 0.10.2 on 2 shared cores (min of 15 runs, VJP in
# x and kernel), with one matmul per tap: 2 x 2 64 -> 256 at 8 x 64 x 64 (the k4 s2 transposed
# convolution's phase convolution) 0.42 s vs 1.04 s by XLA; 2 x 2 64 -> 128 0.36 vs 1.02 s;
# 3 x 3 128 -> 128 at 32 x 32 0.28 vs 0.43 s; 3 x 3 64 -> 64 a tie to 1.2x; every layer of the
# runner's ESPCN and U-Net (products 24 to 2048) as fast or faster by XLA. One matmul over all taps
# (:func:`_columns_conv`) is faster still: 2 x 2 64 -> 256, process CPU time of the kernel
# gradient 0.11-0.15 s against 0.23 s per tap.
_TAPS_MIN_CHANNEL_PRODUCT = 4096


def _kernel_gradient_by_taps(kernel_shape, lhs_dilation) -> bool:
    """Whether the kernel gradient on CPU is one matmul over the taps (:func:`_columns_conv`).

    The per-shape rule (measured on XLA:CPU, jaxlib 0.10.2; on GPU / TPU XLA's rule is always
    used). By matmul when the input is zero-inserted (``lhs_dilation > 1``: XLA's kernel gradient
    is then 6-7x slower, jax#23783) or when the channel product is at least
    ``_TAPS_MIN_CHANNEL_PRODUCT`` (wide layers); otherwise by XLA, which for the narrow layers of
    small networks is as fast or faster and compiles faster.
    """
    cig, cout = kernel_shape[-2:]  # axis -2 holds the input channels of one group
    return any(d > 1 for d in lhs_dilation) or cig * cout >= _TAPS_MIN_CHANNEL_PRODUCT


# Input gradients, process CPU ms at 8 x 64 x 64, padding 1, by XLA vs by one matmul over the taps
# (jaxlib 0.10.2, 2 shared cores, min of 6): 2 x 2 64 -> 256 123 vs 99 (the k4 s2 transposed
# convolution's phase convolution); 2 x 2 64 -> 128 77 vs 43; 2 x 2 32 -> 128 55 vs 16; but
# 2 x 2 64 -> 64 33 vs 44, 3 x 3 64 -> 128 53 vs 136, 3 x 3 64 -> 64 30 vs 99 and 3 x 3 128 -> 128
# at 32 x 32 34 vs 56. XLA's input gradient is a convolution from C_out back to C_in channels; for
# an unpadded 2 x 2 window XLA:CPU runs it on a slower path than its padded convolutions.
_COLUMNS_MAX_TAPS = 4


def _input_gradient_by_columns(kernel_shape, lhs_dilation) -> bool:
    """Whether the input gradient on CPU is a matmul with the kernel plus shifted adds.

    The per-shape rule (XLA:CPU, jaxlib 0.10.2, measurements above; on GPU / TPU XLA's rule is
    always used): by matmul for channel-expanding convolutions (``C_out >= 2 * C_in / groups``)
    with at most ``_COLUMNS_MAX_TAPS`` taps on an input that is not zero-inserted, which covers
    the phase convolutions of :func:`conv_transpose` with kernel size up to twice the stride;
    otherwise XLA's (for a zero-inserted input its input gradient is a plain strided convolution).
    """
    rank = len(kernel_shape) - 2
    cig, cout = kernel_shape[-2:]
    taps = math.prod(kernel_shape[:rank])
    return all(d == 1 for d in lhs_dilation) and taps <= _COLUMNS_MAX_TAPS and cout >= 2 * cig


def _same_pairs(size, strides, effective) -> tuple[tuple[int, int], ...]:
    """TF / lax 'SAME' padding of a strided correlation: output ceil(n / s), extra padded high."""
    pairs = []
    for n, s, k in zip(size, strides, effective, strict=True):
        total = max((-(-n // s) - 1) * s + k - n, 0)
        pairs.append((total // 2, total - total // 2))
    return tuple(pairs)


def _check_output(fn: str, out: tuple[int, ...], detail: str) -> None:
    if any(o < 1 for o in out):
        raise ValueError(f"{fn}: the output would have spatial shape {out}; {detail}")


# ----------------------------------------------------------------------------------------------
# strided_conv


@functools.partial(jax.jit, static_argnames=("strides", "padding", "dilation", "groups"))
def _strided_conv_core(x, kernel, bias, *, strides, padding, dilation, groups):
    rank = kernel.ndim - 2
    flat, batch = v.flatten_batch(x, rank)
    y = _conv(flat, kernel, strides, padding, dilation, groups, (1,) * rank)
    return _finish(y, bias, x.dtype, batch)


def _validate_conv(fn, x, kernel, groups):
    """Shared checks of an input, a kernel and groups; returns them with the rank and channels."""
    kernel, rank = _check_kernel(fn, kernel)
    x = v.check_array(fn, x, rank)
    v.check_inexact(fn, x)
    if jnp.iscomplexobj(x) or jnp.iscomplexobj(kernel):
        # A complex input or kernel makes the whole convolution complex (lax convolves complex
        # arrays natively); double precision if either side has it.
        wide = any(a.dtype in (jnp.float64, jnp.complex128) for a in (x, kernel))
        dtype = jnp.complex128 if wide else jnp.complex64
        x, kernel = x.astype(dtype), kernel.astype(dtype)
    groups = _check_groups(fn, groups)
    return x, kernel, rank, groups, x.shape[-1], kernel.shape[-2], kernel.shape[-1]


def strided_conv(
    x: jax.typing.ArrayLike,
    kernel: jax.typing.ArrayLike,
    strides: int | tuple[int, ...] = 1,
    padding: str | int | tuple = "SAME",
    *,
    dilation: int | tuple[int, ...] = 1,
    groups: int = 1,
    bias: jax.typing.ArrayLike | None = None,
) -> jax.Array:
    """Strided (downsampling) convolution, channels-last, with PyTorch's or lax's padding rules.

    ``[*batch, *spatial, C_in] -> [*batch, *spatial', C_out]`` with a kernel
    ``[*window, C_in / groups, C_out]``. Like every deep-learning "convolution" this is a
    cross-correlation (the kernel is not flipped).

    Output size per axis, with ``K = dilation * (window - 1) + 1``:

    * int ``padding`` ``p`` (or per-axis ints, or ``(low, high)`` pairs): the input is zero-padded
      by ``p`` on both sides (by ``low`` / ``high``), as ``torch.nn.functional.conv{1,2,3}d``
      does, and the output has ``floor((n + low + high - K) / s) + 1`` samples.
    * ``"SAME"``: ``ceil(n / s)`` samples; ``max((ceil(n / s) - 1) * s + K - n, 0)`` zeros in total,
      half (rounded down) before and the rest after, as ``lax.conv_general_dilated`` and TF do.
    * ``"VALID"``: no padding, ``floor((n - K) / s) + 1`` samples.

    Args:
      x: input ``[*batch, *spatial, C_in]``, floating; any number of leading batch axes.
      kernel: ``[*window, C_in / groups, C_out]``; ``kernel.ndim - 2`` is the spatial rank (1-3).
        A PyTorch weight ``w`` of shape ``(C_out, C_in / groups, *window)`` ports as
        ``np.moveaxis(w, (0, 1), (-1, -2))``. Cast to ``x.dtype``.
      strides: window stride, an int or one int per spatial axis (>= 1).
      padding: ``"SAME"``, ``"VALID"``, an int, per-axis ints or ``(low, high)`` pairs (>= 0).
      dilation: kernel dilation (atrous rate), an int or one per axis (>= 1).
      groups: feature groups; ``C_in`` and ``C_out`` must be divisible by it.
      bias: optional ``[C_out]`` added to the output.

    Returns:
      ``[*batch, *spatial', C_out]`` in ``x.dtype`` (half precision accumulates in float32).

    Raises:
      ValueError: kernel rank not 3-5, channel counts not matching ``x`` / ``groups``,
        non-positive strides, dilation or groups, negative padding, an unknown padding string, or
        an empty output.
      TypeError: integer ``x`` or ``kernel``, or malformed arguments.

    Example:
      >>> import jax.numpy as jnp
      >>> from resample_jax import strided_conv
      >>> strided_conv(jnp.ones((1, 8, 8, 3)), jnp.ones((3, 3, 3, 4)), 2, 1).shape
      (1, 4, 4, 4)

    References:
      Dumoulin & Visin, "A guide to convolution arithmetic for deep learning", arXiv:1603.07285.
      Output size and padding follow ``torch.nn.functional.conv2d`` (ints) and
      ``jax.lax.conv_general_dilated`` (strings).
    """
    fn = "strided_conv"
    x, kernel, rank, groups, channels, k_in, k_out = _validate_conv(fn, x, kernel, groups)
    if k_out % groups:
        raise ValueError(
            f"{fn}: the kernel's output channels ({k_out}, last axis) must be divisible by "
            f"groups={groups}; got kernel shape {tuple(kernel.shape)}."
        )
    if k_in * groups != channels:
        raise ValueError(
            f"{fn}: the kernel's input channels ({k_in}, axis -2) times groups={groups} must equal "
            f"the channels of `x` ({channels}); got kernel shape {tuple(kernel.shape)} and x shape "
            f"{tuple(x.shape)}."
        )
    bias = _check_bias(fn, bias, k_out, x)
    strides, padding, dilation, _ = conv_options(fn, rank, strides, padding, dilation, groups)
    size = v.spatial_shape(x, rank)
    eff = _effective(kernel.shape[:rank], dilation)
    if padding == "SAME":
        padding = _same_pairs(size, strides, eff)
    elif padding == "VALID":
        padding = ((0, 0),) * rank
    if any(n + lo + hi < k for n, (lo, hi), k in zip(size, padding, eff, strict=True)):
        raise ValueError(
            f"{fn}: the dilated window {eff} is larger than the padded input (spatial shape "
            f"{size}, padding {padding}); the output would be empty."
        )
    return _strided_conv_core(
        x, kernel, bias, strides=strides, padding=padding, dilation=dilation, groups=groups
    )


# ----------------------------------------------------------------------------------------------
# subpixel_conv and resize_conv


def _stride1_setup(fn, x, kernel, padding, bias, out_channels):
    """Checks for a stride-1 convolution; returns (x, kernel, rank, pairs, bias)."""
    x, kernel, rank, _, channels, k_in, k_out = _validate_conv(fn, x, kernel, 1)
    if k_in != channels:
        raise ValueError(
            f"{fn}: the kernel's input channels ({k_in}, axis -2) must equal the channels of `x` "
            f"({channels}); got kernel shape {tuple(kernel.shape)}."
        )
    bias = _check_bias(fn, bias, out_channels(k_out), x)
    return x, kernel, rank, v.padding_pairs(fn, padding, rank), bias


def _stride1_pairs(fn, padding, size, window):
    pairs = ((0, 0),) * len(size) if padding == "VALID" else padding
    if padding == "SAME":
        pairs = _same_pairs(size, (1,) * len(size), window)
    if any(n + lo + hi < k for n, (lo, hi), k in zip(size, pairs, window, strict=True)):
        raise ValueError(
            f"{fn}: the window {window} is larger than the padded input (spatial shape {size}, "
            f"padding {pairs}); the output would be empty."
        )
    return pairs


@functools.partial(jax.jit, static_argnames=("factor", "padding", "convention"))
def _subpixel_core(x, kernel, bias, *, factor, padding, convention):
    rank = kernel.ndim - 2
    flat, batch = v.flatten_batch(x, rank)
    y = _conv(flat, kernel, (1,) * rank, padding, (1,) * rank, 1, (1,) * rank)
    if bias is not None:
        y = y + bias.astype(y.dtype).reshape((1,) * (y.ndim - 1) + (-1,))
    y = pixel_shuffle(y.astype(x.dtype), factor, convention=convention)
    return v.unflatten_batch(y, batch)


def subpixel_conv(
    x: jax.typing.ArrayLike,
    kernel: jax.typing.ArrayLike,
    factor: int | tuple[int, ...],
    *,
    padding: str | int | tuple = "SAME",
    convention: str = "jax",
    bias: jax.typing.ArrayLike | None = None,
) -> jax.Array:
    """Sub-pixel convolution (ESPCN): a stride-1 convolution to ``C * prod(factor)`` channels, then
    :func:`pixel_shuffle`.

    ``[*batch, *spatial, C_in] -> [*batch, *(spatial' * factor), C_out]`` with a kernel
    ``[*window, C_in, C_out * prod(factor)]``; ``spatial'`` is the stride-1 output size for
    ``padding`` (as :func:`strided_conv`; ``"SAME"`` keeps the size). The kernel's output channels
    are read in ``convention``'s order: ``"jax"`` (``depth_to_space``, block offset major) or
    ``"pytorch"`` (``torch.nn.PixelShuffle``, channel major), so a PyTorch ``Conv2d`` +
    ``PixelShuffle`` pair ports with ``convention="pytorch"``.

    Args:
      x: input ``[*batch, *spatial, C_in]``, floating.
      kernel: ``[*window, C_in, C_out * prod(factor)]``; ``kernel.ndim - 2`` is the spatial rank.
      factor: upsampling factor, an int or one per spatial axis (>= 1).
      padding: ``"SAME"``, ``"VALID"``, an int, per-axis ints or ``(low, high)`` pairs.
      convention: ``"jax"`` or ``"pytorch"`` channel order of :func:`pixel_shuffle`.
      bias: optional ``[C_out * prod(factor)]``, added before the shuffle.

    Returns:
      ``[*batch, *(spatial' * factor), C_out]`` in ``x.dtype``.

    Raises:
      ValueError: kernel channels not matching ``x`` or not divisible by ``prod(factor)``, a factor
        < 1, negative padding, an unknown convention.
      TypeError: integer ``x`` or ``kernel``.

    Example:
      >>> import jax.numpy as jnp
      >>> from resample_jax import subpixel_conv
      >>> subpixel_conv(jnp.ones((1, 5, 5, 3)), jnp.ones((3, 3, 3, 2 * 4)), 2).shape
      (1, 10, 10, 2)

    References:
      Shi et al., "Real-Time Single Image and Video Super-Resolution Using an Efficient Sub-Pixel
      Convolutional Neural Network", CVPR 2016.
    """
    fn = "subpixel_conv"
    x, kernel, rank, padding, bias = _stride1_setup(fn, x, kernel, padding, bias, lambda c: c)
    factor = v.int_tuple(fn, "factor", factor, rank)
    convention = v.check_choice(fn, "convention", convention, CONVENTIONS)
    k_out = kernel.shape[-1]
    if k_out % math.prod(factor):
        raise ValueError(
            f"{fn}: the kernel's output channels ({k_out}) must be divisible by prod(factor) = "
            f"{math.prod(factor)} for factor {factor}."
        )
    pairs = _stride1_pairs(fn, padding, v.spatial_shape(x, rank), kernel.shape[:rank])
    return _subpixel_core(x, kernel, bias, factor=factor, padding=pairs, convention=convention)


@functools.partial(jax.jit, static_argnames=("size", "method", "padding"))
def _resize_conv_core(x, kernel, bias, *, size, method, padding):
    rank = kernel.ndim - 2
    up = resize(x, size, method)
    flat, batch = v.flatten_batch(up, rank)
    y = _conv(flat, kernel, (1,) * rank, padding, (1,) * rank, 1, (1,) * rank)
    return _finish(y, bias, x.dtype, batch)


def resize_conv(
    x: jax.typing.ArrayLike,
    kernel: jax.typing.ArrayLike,
    factor: int | tuple[int, ...],
    method: str = "nearest",
    *,
    padding: str | int | tuple = "SAME",
    bias: jax.typing.ArrayLike | None = None,
) -> jax.Array:
    """Resize-convolution: upsample by ``factor`` with :func:`resize`, then a stride-1 convolution.

    ``[*batch, *spatial, C_in] -> [*batch, *(spatial * factor)', C_out]`` with a kernel
    ``[*window, C_in, C_out]``. Every output pixel sees the same number of kernel taps, so unlike
    a transposed convolution whose kernel size is not a multiple of its stride it cannot produce
    checkerboard artifacts. ``"SAME"`` padding keeps the upsampled size ``spatial * factor``.

    Args:
      x: input ``[*batch, *spatial, C_in]``, floating.
      kernel: ``[*window, C_in, C_out]``; ``kernel.ndim - 2`` is the spatial rank.
      factor: integer upsampling factor, an int or one per spatial axis (>= 1).
      method: any :func:`resize` method (``"nearest"``, ``"linear"``, ...).
      padding: padding of the convolution, as :func:`strided_conv`.
      bias: optional ``[C_out]``.

    Returns:
      ``[*batch, *(spatial * factor)', C_out]`` in ``x.dtype``.

    Raises:
      ValueError: kernel channels not matching ``x``, a factor < 1, negative padding, an unknown
        method (from :func:`resize`).
      TypeError: integer ``x`` or ``kernel``.

    Example:
      >>> import jax.numpy as jnp
      >>> from resample_jax import resize_conv
      >>> resize_conv(jnp.ones((1, 4, 4, 3)), jnp.ones((3, 3, 3, 5)), 2).shape
      (1, 8, 8, 5)

    References:
      Odena, Dumoulin & Olah, "Deconvolution and Checkerboard Artifacts", Distill 2016.
    """
    fn = "resize_conv"
    x, kernel, rank, padding, bias = _stride1_setup(fn, x, kernel, padding, bias, lambda c: c)
    factor = v.int_tuple(fn, "factor", factor, rank)
    size = tuple(n * f for n, f in zip(v.spatial_shape(x, rank), factor, strict=True))
    pairs = _stride1_pairs(fn, padding, size, kernel.shape[:rank])
    return _resize_conv_core(x, kernel, bias, size=size, method=method, padding=pairs)
