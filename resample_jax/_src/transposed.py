"""Transposed and fractionally strided convolutions, on the convolution of :mod:`.conv`.

``conv_transpose`` takes kernels ``(*window, in, out/groups)``, PyTorch's ConvTranspose weight with
its two channel axes moved to the back, so that one weight tensor serves a convolution and its
adjoint exactly as in PyTorch; ``fractional_strided_conv`` takes ``(*window, in/groups, out)``.
The transposed convolution is computed by phase (sub-pixel) decomposition (see :mod:`.conv`).
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from resample_jax._src import validation as v
from resample_jax._src.conv import (
    _check_bias,
    _check_output,
    _conv,
    _effective,
    _finish,
    _validate_conv,
    conv_options,
)


def output_padding_option(fn: str, output_padding, strides, dilation) -> tuple[int, ...]:
    """Checks a transposed convolution's ``output_padding``: ``0 <= a < max(stride, dilation)``."""
    output_padding = v.int_tuple(fn, "output_padding", output_padding, len(strides), minimum=0)
    if any(a >= max(s, d) for a, s, d in zip(output_padding, strides, dilation, strict=True)):
        raise ValueError(
            f"{fn}: each `output_padding` must be smaller than max(stride, dilation) = "
            f"{tuple(max(s, d) for s, d in zip(strides, dilation, strict=True))}; "
            f"got {output_padding}."
        )
    return output_padding


def _transpose_crops(padding, output_padding, strides, effective):
    """(low, high) crops of the full transposed output ``(n - 1) * s + K`` (negative: zero pads)."""
    if isinstance(padding, str):
        crops = []
        for s, k in zip(strides, effective, strict=True):
            if padding == "SAME":
                crops.append((0, k - s) if s >= k else ((k - s) // 2, k - s - (k - s) // 2))
            else:
                crops.append((0, min(k - s, 0)))
    else:
        crops = list(padding)
    return tuple((lo, hi - op) for (lo, hi), op in zip(crops, output_padding, strict=True))


def _interleave(z: jax.Array, groups: int, strides: tuple[int, ...]) -> jax.Array:
    """Phases ``(N, *Q, g * prod(s) * C_g)``, ordered (group, *phase, c) -> ``(N, *Q*s, C)``."""
    rank = len(strides)
    n, q = z.shape[0], z.shape[1 : 1 + rank]
    cog = z.shape[-1] // (groups * math.prod(strides))
    z = z.reshape((n, *q, groups, *strides, cog))
    # (N, Q_1..Q_r, g, s_1..s_r, c) -> (N, Q_1, s_1, ..., Q_r, s_r, g, c)
    perm = [0]
    for a in range(rank):
        perm += [1 + a, 2 + rank + a]
    perm += [1 + rank, 2 + 2 * rank]
    z = z.transpose(perm)
    return z.reshape((n, *(a * s for a, s in zip(q, strides, strict=True)), groups * cog))


def _phase_transpose(x, kernel, strides, crops, out, groups):
    """Transposed convolution (dilation 1) as one stride-1 correlation producing all phases.

    Output phase ``r`` (per axis) at coarse position ``q`` is ``sum_m x[q - m] w[m * s + r]``: a
    full convolution of ``x`` with the sub-kernel ``w[r::s]``. Written as a correlation with the
    flipped sub-kernels stacked along the output channels, then interleaved by reshape and cropped.
    """
    rank = x.ndim - 2
    size = x.shape[1 : 1 + rank]
    window = kernel.shape[:rank]
    cin, cog = kernel.shape[-2:]
    cig = cin // groups
    taps = tuple(-(-k // s) for k, s in zip(window, strides, strict=True))
    w = jnp.pad(
        kernel,
        [(0, m * s - k) for m, s, k in zip(taps, strides, window, strict=True)] + [(0, 0)] * 2,
    )
    w = w.reshape(
        (*(d for m, s in zip(taps, strides, strict=True) for d in (m, s)), groups, cig, cog)
    )
    w = jnp.flip(w, axis=tuple(2 * a for a in range(rank)))
    # (M_1, s_1, ..., M_r, s_r, g, cig, c) -> (M_1..M_r, cig, g, s_1..s_r, c)
    perm = [2 * a for a in range(rank)] + [2 * rank + 1, 2 * rank]
    perm += [2 * a + 1 for a in range(rank)] + [2 * rank + 2]
    w = w.transpose(perm).reshape((*taps, cig, groups * math.prod(strides) * cog))

    pads, starts, coarse = [], [], []
    for n, m, s, (lo, _), o in zip(size, taps, strides, crops, out, strict=True):
        q0 = lo // s
        q1 = -(-(lo + o) // s)
        pads.append((m - 1 - q0, (q1 - q0) - n + q0))
        starts.append(lo - q0 * s)
        coarse.append(q1 - q0)
    z = _conv(x, w, (1,) * rank, tuple(pads), (1,) * rank, groups, (1,) * rank)
    y = _interleave(z, groups, strides)
    return lax.slice(
        y,
        (0, *starts, 0),
        (y.shape[0], *(a + o for a, o in zip(starts, out, strict=True)), y.shape[-1]),
    )


def _dilated_transpose(x, kernel, strides, crops, dilation, groups):
    """Transposed convolution: the zero-inserted input correlated with the flipped kernel."""
    rank = x.ndim - 2
    window = kernel.shape[:rank]
    cin, cog = kernel.shape[-2:]
    w = jnp.flip(kernel, axis=tuple(range(rank)))
    w = w.reshape((*window, groups, cin // groups, cog))
    w = jnp.swapaxes(w, rank, rank + 1).reshape((*window, cin // groups, groups * cog))
    eff = _effective(window, dilation)
    pads = tuple((k - 1 - lo, k - 1 - hi) for k, (lo, hi) in zip(eff, crops, strict=True))
    return _conv(x, w, (1,) * rank, pads, dilation, groups, strides)


@functools.partial(jax.jit, static_argnames=("strides", "crops", "out", "dilation", "groups"))
def _conv_transpose_core(x, kernel, bias, *, strides, crops, out, dilation, groups):
    rank = kernel.ndim - 2
    flat, batch = v.flatten_batch(x, rank)
    if all(d == 1 for d in dilation):
        y = _phase_transpose(flat, kernel, strides, crops, out, groups)
    else:
        y = _dilated_transpose(flat, kernel, strides, crops, dilation, groups)
    return _finish(y, bias, x.dtype, batch)


def conv_transpose(
    x: jax.typing.ArrayLike,
    kernel: jax.typing.ArrayLike,
    strides: int | tuple[int, ...] = 1,
    padding: str | int | tuple = 0,
    *,
    output_padding: int | tuple[int, ...] = 0,
    dilation: int | tuple[int, ...] = 1,
    groups: int = 1,
    bias: jax.typing.ArrayLike | None = None,
) -> jax.Array:
    """Transposed convolution: the exact adjoint of :func:`strided_conv`, with PyTorch's arithmetic.

    ``[*batch, *spatial, C_in] -> [*batch, *spatial', C_out]`` with a kernel
    ``[*window, C_in, C_out / groups]``: PyTorch's ConvTranspose weight ``(C_in, C_out / groups,
    *window)`` moved as ``kernel = np.moveaxis(w_torch, (0, 1), (-2, -1))``. As in PyTorch, one
    weight tensor serves a convolution and its adjoint: for ``k`` of layout
    ``[*window, C_in / groups, C_out]``, ``conv_transpose(y, jnp.swapaxes(k, -1, -2), s, p,
    output_padding=a)`` is the VJP of ``x -> strided_conv(x, k, s, p)`` with respect to ``x`` when
    ``a`` restores the input size (``a = n - ((n' - 1) * s - 2p + K)``).

    Output size per axis, with ``K = dilation * (window - 1) + 1`` and input size ``n``; the "full"
    output has ``(n - 1) * s + K`` samples and padding crops it:

    * int ``padding`` ``p``: ``(n - 1) * s - 2p + K + output_padding`` samples, exactly
      ``torch.nn.functional.conv_transpose{1,2,3}d``. Per-axis ``(low, high)`` pairs crop ``low``
      and ``high`` samples (then ``output_padding`` adds samples at the high side).
    * ``"SAME"``: ``n * s`` samples; crops ``(K - s) // 2`` low and the rest high when ``s < K``,
      else nothing low and ``s - K`` zeros appended high.
    * ``"VALID"``: ``n * s + max(K - s, 0)`` samples: the full output, zero-padded to ``n * s``.

    The strings reproduce ``lax.conv_transpose(x, k, s, padding, rhs_dilation=dilation,
    transpose_kernel=True)`` (or with ``k`` flipped, see below); they are not the adjoint of
    ``strided_conv`` with the same string.

    Porting from Flax / lax: ``nnx.ConvTranspose`` and ``lax.conv_transpose`` (default
    ``transpose_kernel=False``) correlate the zero-inserted input with the kernel as stored, without
    flipping it, so they are not the adjoint of a convolution with that kernel (jax#11252,
    flax#3137). Their kernel ``[*window, C_in, C_out]`` ports as ``jnp.flip(k, range(k.ndim - 2))``,
    with the same padding string; explicit ``lax`` pairs ``(a, b)`` (padding of the zero-inserted
    input) become ``padding=((K - 1 - a, K - 1 - b), ...)``. With ``transpose_kernel=True`` the lax
    kernel ports as ``jnp.swapaxes(k, -1, -2)``.

    With dilation 1 on every axis the result is computed by phase decomposition: one stride-1
    correlation of ``x`` with the ``prod(strides)`` sub-kernels of the flipped kernel, interleaved
    by reshape, so forward and both gradients are plain stride-1 convolutions. With dilation > 1 on
    some axis it falls back to correlating the zero-inserted input (``lhs_dilation``), which
    multiplies the inserted zeros (about ``prod(strides)`` times the arithmetic) and whose input
    gradient is a strided convolution. On CPU the kernel gradient is one matmul of the input's
    columns (im2col) over all kernel taps in the dilated path and, in the phase path, for wide
    layers (``C_in * C_out * prod(strides) / groups >= 4096``), not XLA's convolution-shaped kernel
    gradient, which is slow there (jax#23783); narrower layers keep XLA's, as fast there and
    quicker to compile. In the phase path the input gradient is likewise a matmul with the kernel
    plus shifted adds when the phase convolution has at most 4 taps and expands the channels
    (``C_out * prod(strides) >= 2 * C_in``, e.g. kernel 4 stride 2).

    Args:
      x: input ``[*batch, *spatial, C_in]``, floating; any number of leading batch axes.
      kernel: ``[*window, C_in, C_out / groups]``; ``kernel.ndim - 2`` is the spatial rank (1-3).
        Cast to ``x.dtype``.
      strides: upsampling stride, an int or one int per spatial axis (>= 1).
      padding: an int, per-axis ints or ``(low, high)`` pairs (>= 0), or ``"SAME"`` / ``"VALID"``.
      output_padding: samples added at the high side of each axis, each ``< max(stride, dilation)``
        (PyTorch's rule).
      dilation: kernel dilation, an int or one per axis (>= 1).
      groups: feature groups; ``C_in`` must be divisible by it.
      bias: optional ``[C_out]`` added to the output.

    Returns:
      ``[*batch, *spatial', C_out]`` in ``x.dtype`` (half precision accumulates in float32).

    Raises:
      ValueError: kernel rank not 3-5, ``kernel.shape[-2]`` not equal to ``C_in`` or ``C_in`` not
        divisible by ``groups``, non-positive strides / dilation / groups, negative padding or
        output padding, ``output_padding >= max(stride, dilation)``, or an empty output.
      TypeError: integer ``x`` or ``kernel``, or malformed arguments.

    Example:
      >>> import jax.numpy as jnp
      >>> from resample_jax import conv_transpose
      >>> conv_transpose(jnp.ones((1, 4, 4, 8)), jnp.ones((4, 4, 8, 3)), 2, 1).shape
      (1, 8, 8, 3)

    References:
      Dumoulin & Visin, "A guide to convolution arithmetic for deep learning", arXiv:1603.07285.
      Shi et al., "Is the deconvolution layer the same as a convolutional layer?", arXiv:1609.07009.
      Output size, ``output_padding`` and weight layout follow
      ``torch.nn.functional.conv_transpose2d``.
    """
    fn = "conv_transpose"
    x, kernel, rank, groups, channels, k_in, k_out = _validate_conv(fn, x, kernel, groups)
    if k_in != channels:
        raise ValueError(
            f"{fn}: the kernel's input channels ({k_in}, axis -2) must equal the channels of `x` "
            f"({channels}); got kernel shape {tuple(kernel.shape)} and x shape {tuple(x.shape)}. "
            "The layout is (*window, C_in, C_out / groups)."
        )
    if channels % groups:
        raise ValueError(
            f"{fn}: the input channels ({channels}) must be divisible by groups={groups}."
        )
    bias = _check_bias(fn, bias, k_out * groups, x)
    strides, padding, dilation, _ = conv_options(fn, rank, strides, padding, dilation, groups)
    output_padding = output_padding_option(fn, output_padding, strides, dilation)
    size = v.spatial_shape(x, rank)
    eff = _effective(kernel.shape[:rank], dilation)
    crops = _transpose_crops(padding, output_padding, strides, eff)
    out = tuple(
        (n - 1) * s + k - lo - hi
        for n, s, k, (lo, hi) in zip(size, strides, eff, crops, strict=True)
    )
    _check_output(fn, out, f"`padding` {padding!r} crops more than the full output.")
    return _conv_transpose_core(
        x, kernel, bias, strides=strides, crops=crops, out=out, dilation=dilation, groups=groups
    )


# ----------------------------------------------------------------------------------------------
# fractional_strided_conv


def fraction_tuple(fn: str, stride: Any, rank: int) -> tuple[Fraction, ...]:
    """Canonicalises an int, a Fraction or a per-axis sequence of them to positive Fractions."""
    entries = list(stride) if isinstance(stride, (tuple, list)) else [stride] * rank
    if len(entries) != rank:
        raise ValueError(
            f"{fn}: `stride` must have {rank} entries (one per spatial axis); got {stride!r}."
        )
    out = []
    for e in entries:
        if not (isinstance(e, Fraction) or v._is_int(e) or isinstance(e, np.integer)):
            raise TypeError(
                f"{fn}: `stride` entries must be ints or fractions.Fraction (e.g. Fraction(2, 3) "
                f"for a 1.5x upsample); got {e!r}."
            )
        f = Fraction(int(e)) if not isinstance(e, Fraction) else e
        if f <= 0:
            raise ValueError(f"{fn}: every `stride` entry must be positive; got {stride!r}.")
        out.append(f)
    return tuple(out)


def _fractional_pairs(padding, size, num, den, eff):
    """Explicit (low, high) padding of the zero-inserted input ``(n - 1) * den + 1``."""
    if padding == "VALID":
        return ((0, 0),) * len(size)
    if padding != "SAME":
        return padding
    pairs = []
    for n, p, q, k in zip(size, num, den, eff, strict=True):
        out = -(-n * q // p)
        total = max((out - 1) * p + k - ((n - 1) * q + 1), 0)
        pairs.append((total // 2, total - total // 2))
    return tuple(pairs)


@functools.partial(jax.jit, static_argnames=("num", "den", "padding", "out", "dilation", "groups"))
def _fractional_core(x, kernel, bias, *, num, den, padding, out, dilation, groups):
    rank = kernel.ndim - 2
    flat, batch = v.flatten_batch(x, rank)
    if all(p == 1 for p in num) and all(d == 1 for d in dilation):
        # A pure upsample is a transposed convolution with the flipped kernel: take the phase path,
        # which never multiplies the inserted zeros.
        window = kernel.shape[:rank]
        cig, cout = kernel.shape[-2:]
        w = jnp.flip(kernel, axis=tuple(range(rank))).reshape(
            (*window, cig, groups, cout // groups)
        )
        w = jnp.swapaxes(w, rank, rank + 1).reshape((*window, cig * groups, cout // groups))
        crops = tuple((k - 1 - lo, k - 1 - hi) for k, (lo, hi) in zip(window, padding, strict=True))
        y = _phase_transpose(flat, w, den, crops, out, groups)
    else:
        y = _conv(flat, kernel, num, padding, dilation, groups, den)
    return _finish(y, bias, x.dtype, batch)


def fractional_strided_conv(
    x: jax.typing.ArrayLike,
    kernel: jax.typing.ArrayLike,
    stride: int | Fraction | tuple[int | Fraction, ...],
    *,
    padding: str | int | tuple = "SAME",
    dilation: int | tuple[int, ...] = 1,
    groups: int = 1,
    bias: jax.typing.ArrayLike | None = None,
) -> jax.Array:
    """Convolution with a rational stride ``p / q``: resampling by the factor ``q / p``.

    ``[*batch, *spatial, C_in] -> [*batch, *spatial', C_out]`` with a kernel
    ``[*window, C_in / groups, C_out]`` (as :func:`strided_conv`). The input is dilated by the
    denominator ``q`` (``q - 1`` zeros inserted between samples), padded, and correlated with the
    kernel at window stride ``p``: ``stride=Fraction(2, 3)`` upsamples by 1.5, ``Fraction(3, 2)``
    downsamples to 2/3, an int ``s`` is an ordinary strided convolution. This is
    ``lax.conv_general_dilated(x, kernel, (p,), pads, lhs_dilation=(q,), rhs_dilation=dilation)``
    with ``pads`` given by ``padding`` as below.

    Output size per axis, with ``K = dilation * (window - 1) + 1`` and input size ``n``, the
    zero-inserted input has ``(n - 1) * q + 1`` samples and the output
    ``floor(((n - 1) * q + 1 + low + high - K) / p) + 1``, where

    * ``"SAME"``: output ``ceil(n * q / p)``; ``low + high = max((ceil(n q / p) - 1) p + K -
      ((n - 1) q + 1), 0)``, ``low`` half of it rounded down (lax's / TensorFlow's 'SAME' arithmetic
      applied to the zero-inserted input; for an int stride it is :func:`strided_conv`'s 'SAME').
    * ``"VALID"``: ``low = high = 0``.
    * an int, per-axis ints or ``(low, high)`` pairs: zeros added to the zero-inserted input.

    With ``p = 1`` on every axis and dilation 1 this is a transposed convolution,
    ``conv_transpose(x, k', q, ((K - 1 - low, K - 1 - high), ...))`` with ``k'`` the spatially
    flipped kernel (for groups > 1, its channels rearranged to ``conv_transpose``'s layout), and is
    computed by its phase decomposition; otherwise through ``lhs_dilation``, and then on CPU the
    kernel gradient is one matmul over the kernel taps (see :func:`conv_transpose`).

    Args:
      x: input ``[*batch, *spatial, C_in]``, floating.
      kernel: ``[*window, C_in / groups, C_out]``; ``kernel.ndim - 2`` is the spatial rank.
      stride: a positive int or ``fractions.Fraction``, or one per spatial axis.
      padding: ``"SAME"``, ``"VALID"``, an int, per-axis ints or ``(low, high)`` pairs (>= 0).
      dilation: kernel dilation (>= 1).
      groups: feature groups; ``C_in`` and ``C_out`` must be divisible by it.
      bias: optional ``[C_out]``.

    Returns:
      ``[*batch, *spatial', C_out]`` in ``x.dtype``.

    Raises:
      ValueError: a non-positive stride, channels not matching ``x`` / ``groups``, negative padding,
        or an empty output.
      TypeError: a float stride (use ``fractions.Fraction``), integer ``x`` or ``kernel``.

    Example:
      >>> from fractions import Fraction
      >>> import jax.numpy as jnp
      >>> from resample_jax import fractional_strided_conv
      >>> x, k = jnp.ones((1, 4, 4, 2)), jnp.ones((3, 3, 2, 2))
      >>> fractional_strided_conv(x, k, Fraction(2, 3)).shape
      (1, 6, 6, 2)

    References:
      Dumoulin & Visin, "A guide to convolution arithmetic for deep learning", arXiv:1603.07285
      (transposed convolution as a fractionally strided convolution).
    """
    fn = "fractional_strided_conv"
    x, kernel, rank, groups, channels, k_in, k_out = _validate_conv(fn, x, kernel, groups)
    if k_out % groups or k_in * groups != channels:
        raise ValueError(
            f"{fn}: the kernel (shape {tuple(kernel.shape)}, layout (*window, C_in / groups, "
            f"C_out)) does not match x with {channels} channels and groups={groups}."
        )
    bias = _check_bias(fn, bias, k_out, x)
    fracs = fraction_tuple(fn, stride, rank)
    num = tuple(f.numerator for f in fracs)
    den = tuple(f.denominator for f in fracs)
    dilation = v.int_tuple(fn, "dilation", dilation, rank)
    size = v.spatial_shape(x, rank)
    eff = _effective(kernel.shape[:rank], dilation)
    padding = _fractional_pairs(v.padding_pairs(fn, padding, rank), size, num, den, eff)
    out = tuple(
        ((n - 1) * q + 1 + lo + hi - k) // p + 1
        for n, p, q, (lo, hi), k in zip(size, num, den, padding, eff, strict=True)
    )
    if any(
        (n - 1) * q + 1 + lo + hi < k
        for n, q, (lo, hi), k in zip(size, den, padding, eff, strict=True)
    ):
        raise ValueError(
            f"{fn}: the dilated window {eff} is larger than the padded zero-inserted input "
            f"(spatial shape {size}, stride {stride!r}, padding {padding}); the output would be "
            "empty."
        )
    return _fractional_core(
        x,
        kernel,
        bias,
        num=num,
        den=den,
        padding=padding,
        out=out,
        dilation=dilation,
        groups=groups,
    )
