"""Polyphase FIR resampling: zero-insert, filter, subsample (``upfirdn``) and rational-ratio
resampling with a windowed-sinc low-pass (``resample_poly``), both N-D and channels-last.

One definition covers every variant. The input, extended beyond its ends by ``mode`` (as
``numpy.pad`` extends it), is upsampled by inserting ``up - 1`` zeros after each sample, convolved
with the kernel, and every ``down``-th sample of the convolution is kept, starting at the index the
padding names. ``padding="full"`` keeps every sample the full convolution produces, which is
``scipy.signal.upfirdn``'s output; explicit ``(low, high)`` pads are StyleGAN's ``upfirdn2d``
convention (Karras et al. 2020, 2021): ``low`` samples before the first zero-inserted sample enter
the filter, ``high`` after the last one, negative values crop.

Filter design (``firwin``) is plain NumPy in float64, so taps are static constants of the jitted
core: a Kaiser- (or other) windowed sinc scaled to unit gain at DC, as ``scipy.signal.firwin`` does.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from resample_jax._src import validation as v

UPFIRDN_MODES = ("constant", "symmetric", "reflect", "edge", "wrap")
BACKGROUND_PADTYPES = ("mean", "median", "maximum", "minimum")
WINDOWS = ("kaiser", "hamming", "hann", "blackman", "boxcar")


# ---------------------------------------------------------------------------------------------
# Filter design (NumPy, float64)


def _window(name: str, beta: float | None, n: int) -> np.ndarray:
    """Symmetric window of ``n`` points (``scipy.signal.get_window(..., fftbins=False)``)."""
    if n == 1:
        return np.ones(1)
    t = np.arange(n) / (n - 1)  # 0 .. 1
    if name == "kaiser":
        return np.i0(beta * np.sqrt(1.0 - (2.0 * t - 1.0) ** 2)) / np.i0(beta)
    if name == "hamming":
        return 0.54 - 0.46 * np.cos(2 * np.pi * t)
    if name == "hann":
        return 0.5 - 0.5 * np.cos(2 * np.pi * t)
    if name == "blackman":
        return 0.42 - 0.5 * np.cos(2 * np.pi * t) + 0.08 * np.cos(4 * np.pi * t)
    return np.ones(n)  # boxcar


def _parse_window(fn: str, window: Any) -> tuple[str, float | None]:
    if isinstance(window, str):
        name = v.check_choice(fn, "window", window, WINDOWS)
        if name == "kaiser":
            raise ValueError(
                f"{fn}: the 'kaiser' window needs its beta: pass window=('kaiser', beta); got "
                f"{window!r}."
            )
        return name, None
    if isinstance(window, tuple) and len(window) == 1 and isinstance(window[0], str):
        return _parse_window(fn, window[0])  # scipy accepts a name alone in a tuple
    if isinstance(window, tuple) and len(window) == 2 and isinstance(window[0], str):
        name = v.check_choice(fn, "window", window[0], WINDOWS)
        if name != "kaiser":
            raise ValueError(
                f"{fn}: only the 'kaiser' window takes a parameter; got {window!r}. Pass "
                f"{name!r} alone."
            )
        beta = v.real_scalar(fn, "window", window[1])
        if beta is None or not beta >= 0:
            raise ValueError(f"{fn}: the Kaiser beta must be a number >= 0; got {window[1]!r}.")
        return name, beta
    taps = "" if fn == "firwin" else ", or a 1-D array of filter taps"
    raise TypeError(
        f"{fn}: `window` must be a window name {list(WINDOWS)} or ('kaiser', beta){taps}; got "
        f"{window!r}."
    )


def firwin(numtaps: int, cutoff: float, *, window: Any = "hamming") -> np.ndarray:
    """Linear-phase low-pass FIR filter by the window method, unit gain at DC.

    ``h[m] = cutoff * sinc(cutoff * (m - (numtaps - 1) / 2)) * w[m]``, then divided by its sum,
    which is ``scipy.signal.firwin(numtaps, cutoff, window=window)`` for a low-pass (``cutoff``
    relative to the Nyquist frequency, as scipy's default ``fs=2``).

    Args:
      numtaps: number of taps (>= 1).
      cutoff: cutoff frequency as a fraction of Nyquist, in (0, 1).
      window: "hamming" (scipy's default), "hann", "blackman", "boxcar" or ``("kaiser", beta)``.

    Returns:
      float64 NumPy array of ``numtaps`` taps summing to 1.

    Example:
      >>> import numpy as np
      >>> h = firwin(21, 0.5, window=("kaiser", 5.0))
      >>> h.shape, bool(np.isclose(h.sum(), 1.0))
      ((21,), True)

    References:
      Oppenheim & Schafer, "Discrete-Time Signal Processing", 3rd ed., sec. 7.5 (window method);
      Kaiser, "Nonrecursive digital filter design using the I0-sinh window function", 1974.
    """
    fn = "firwin"
    if isinstance(numtaps, bool) or not isinstance(numtaps, (int, np.integer)) or numtaps < 1:
        raise ValueError(f"{fn}: `numtaps` must be an int >= 1; got {numtaps!r}.")
    value = v.real_scalar(fn, "cutoff", cutoff)
    if value is None or not 0 < value < 1:
        raise ValueError(
            f"{fn}: `cutoff` must be a number in (0, 1) (a fraction of Nyquist); got {cutoff!r}."
        )
    cutoff = value
    name, beta = _parse_window(fn, window)
    m = np.arange(int(numtaps)) - (int(numtaps) - 1) / 2.0
    h = cutoff * np.sinc(cutoff * m) * _window(name, beta, int(numtaps))
    return h / h.sum()


# ---------------------------------------------------------------------------------------------
# The engine: one N-D zero-insert / filter / subsample step


def _axis_plan(n: int, taps: int, up: int, down: int, low: int, high: int):
    """Static plan for one axis: (pads of the input in samples, pads of the zero-inserted
    signal, output length). Output ``i`` is convolution index ``taps - 1 - low + down * i``."""
    n_out = (n * up + low + high - taps) // down + 1
    if n_out < 1:
        return None
    t0 = -low  # first index of the zero-inserted signal the filter reads
    t1 = taps - 1 - low + down * (n_out - 1)  # last one
    a0 = -((-t0) // up)  # ceil(t0 / up): first input sample read
    a1 = t1 // up
    pad_lo, pad_hi = max(0, -a0), max(0, a1 - (n - 1))
    # Position of the extended input in the zero-inserted index space, then what to add / crop.
    dil_lo = -pad_lo * up - t0
    dil_hi = t1 - (n - 1 + pad_hi) * up
    return (pad_lo, pad_hi), (dil_lo, dil_hi), n_out


def _extend(y, axis, pad, mode, cval, compute):
    widths = [(0, 0)] * y.ndim
    widths[axis] = pad
    if mode == "constant":
        return jnp.pad(y, widths, constant_values=jnp.asarray(cval, compute))
    return jnp.pad(y, widths, mode=mode)


def _polyphase_axis(y, taps, up, down, low, high, axis, mode, cval, compute):
    """One axis of a separable step, polyphase: no multiplication by an inserted zero.

    Output ``i`` is convolution index ``j = taps - 1 - low + down * i``; only the taps
    ``k = j mod up + up * m`` meet a sample, ``x[j // up - m]``. Outputs ``i = Q * s + c`` (``Q =
    up / gcd(up, down)``) share one residue, so each of the ``Q`` groups is a sum of ``ceil(taps /
    up)`` strided slices of the extended input, stride ``down / gcd``; the groups interleave.
    """
    n = y.shape[axis]
    (pad_lo, pad_hi), _, n_out = _axis_plan(n, len(taps), up, down, low, high)
    x = _extend(y, axis, (pad_lo, pad_hi), mode, cval, compute)
    g = math.gcd(up, down)
    groups, stride, j0 = up // g, down // g, len(taps) - 1 - low
    count = -(-n_out // groups)
    parts = []
    for c in range(groups):
        jc = j0 + down * c
        r, base = jc % up, jc // up + pad_lo  # array position of x[jc // up]
        n_c = -(-(n_out - c) // groups)
        acc = None
        for m, w in enumerate(taps[r::up]):
            if w == 0.0 or n_c <= 0:
                continue
            start = base - m
            piece = jax.lax.slice_in_dim(x, start, start + (n_c - 1) * stride + 1, stride, axis)
            term = piece * jnp.asarray(w, compute)
            acc = term if acc is None else acc + term
        shape = list(x.shape)
        shape[axis] = count
        if acc is None:
            acc = jnp.zeros(shape, compute)
        elif n_c < count:
            widths = [(0, 0)] * x.ndim
            widths[axis] = (0, count - n_c)
            acc = jnp.pad(acc, widths)
        parts.append(acc)
    out = jnp.stack(parts, axis=axis + 1)
    shape = list(x.shape)
    shape[axis] = count * groups
    out = out.reshape(shape)
    return jax.lax.slice_in_dim(out, 0, n_out, axis=axis)


@functools.partial(
    jax.jit, static_argnames=("kernels", "up", "down", "pads", "mode", "cval")
)
def _upfirdn_core(x, *, kernels, up, down, pads, mode, cval):
    """``x`` is ``(N, *spatial, C)``. ``kernels`` is a tuple of per-step kernels, each a tuple
    ``(axes, taps)`` with ``taps`` a nested tuple of floats over ``axes``: one step per axis for a
    separable kernel (computed polyphase by strided slices), one step for a full N-D kernel
    (computed as one convolution of the zero-inserted input)."""
    compute = v.compute_dtype(x.dtype)
    y = x.astype(compute)
    for axes, taps in kernels:
        if len(axes) == 1:
            (d,) = axes
            y = _polyphase_axis(y, taps, up[d], down[d], *pads[d], 1 + d, mode, cval, compute)
        else:
            y = _full_kernel_step(y, np.asarray(taps, np.float64), up, down, pads, mode, cval,
                                  compute)
    return y.astype(x.dtype)


def _full_kernel_step(y, taps, up, down, pads, mode, cval, compute):
    """A full N-D kernel: the extended input, zero-inserted by interior padding, correlated with
    the flipped kernel; channels fold into the batch (one single-channel convolution)."""
    rank = y.ndim - 2
    n, c = y.shape[0], y.shape[-1]
    in_pads, dil = [], []
    for d in range(rank):
        plan = _axis_plan(y.shape[1 + d], taps.shape[d], up[d], down[d], *pads[d])
        in_pads.append(plan[0])
        dil.append((*plan[1], up[d] - 1))
    for d, pad in enumerate(in_pads):  # numpy.pad extends axis by axis, as here
        y = _extend(y, 1 + d, pad, mode, cval, compute)
    y = jax.lax.pad(y, jnp.zeros((), compute), [(0, 0, 0), *dil, (0, 0, 0)])
    y = jnp.moveaxis(y, -1, 1).reshape((n * c, *y.shape[1:-1], 1))
    # lax convolutions correlate: flipping the taps makes it the convolution of the spec.
    k = np.flip(taps).reshape((*taps.shape, 1, 1))
    dims = jax.lax.conv_dimension_numbers(y.shape, k.shape, _DIMS[rank])
    y = jax.lax.conv_general_dilated(
        y, jnp.asarray(k, compute), tuple(down), "VALID", dimension_numbers=dims,
        precision=jax.lax.Precision.HIGHEST,
    )
    return jnp.moveaxis(y.reshape((n, c, *y.shape[1:-1])), 1, -1)


_DIMS = {1: ("NWC", "WIO", "NWC"), 2: ("NHWC", "HWIO", "NHWC"), 3: ("NDHWC", "DHWIO", "NDHWC")}


def _kernel_steps(fn: str, kernel: Any, rank: int):
    """Canonical static kernel steps and the per-axis tap counts."""
    if v.is_traced(kernel):
        raise TypeError(
            f"{fn}: `kernel` must be concrete (NumPy or a concrete JAX array): its taps are built "
            f"into the computation, so it cannot be a jit argument or be differentiated; got a "
            f"traced value. Close over it, or for a learnable filter use a convolution."
        )
    if isinstance(kernel, (tuple, list)) and len(kernel) and not np.isscalar(kernel[0]):
        if len(kernel) != rank:
            raise ValueError(
                f"{fn}: a per-axis `kernel` needs {rank} 1-D arrays (one per spatial axis); got "
                f"{len(kernel)}."
            )
        parts = [np.asarray(k) for k in kernel]
    else:
        parts = [np.asarray(kernel)]
    for p in parts:
        if not (np.issubdtype(p.dtype, np.floating) or np.issubdtype(p.dtype, np.integer)):
            raise TypeError(f"{fn}: `kernel` must hold real numbers; got dtype {p.dtype}.")
        if p.size == 0 or not np.all(np.isfinite(p)):
            raise ValueError(f"{fn}: `kernel` must be non-empty and finite; got {p!r}.")
    if len(parts) == 1 and parts[0].ndim == rank and rank > 1:
        taps = parts[0].astype(np.float64)
        return ((tuple(range(rank)), _nested(taps)),), taps.shape
    if any(p.ndim != 1 for p in parts):
        raise ValueError(
            f"{fn}: `kernel` must be a 1-D array (applied along every spatial axis), a sequence "
            f"of {rank} 1-D arrays, or a {rank}-D array; got shapes {[p.shape for p in parts]}."
        )
    if len(parts) == 1:
        parts = parts * rank
    steps = tuple(((d,), _nested(p.astype(np.float64))) for d, p in enumerate(parts))
    return steps, tuple(p.shape[0] for p in parts)


def _nested(a: np.ndarray):
    return tuple(_nested(r) for r in a) if a.ndim > 1 else tuple(float(t) for t in a)


def _check_input(fn: str, x: Any, rank: int) -> jax.Array:
    arr = v.check_array(fn, x, rank)
    v.check_inexact(fn, arr)
    return arr


def _pads(fn: str, padding: Any, rank: int, taps: Sequence[int], up: Sequence[int]):
    if isinstance(padding, str):
        if padding.lower() != "full":
            raise ValueError(
                f"{fn}: `padding` must be 'full' (scipy.signal.upfirdn's output), an int, or "
                f"per-axis (low, high) pairs of ints; got {padding!r}."
            )
        return tuple((k - 1, k - u) for k, u in zip(taps, up, strict=True))
    if isinstance(padding, (int, np.integer)) and not isinstance(padding, bool):
        return ((int(padding), int(padding)),) * rank
    if isinstance(padding, (tuple, list)) and len(padding) == rank:
        out = []
        for p in padding:
            if isinstance(p, (int, np.integer)) and not isinstance(p, bool):
                out.append((int(p), int(p)))
            elif isinstance(p, (tuple, list)) and len(p) == 2 and all(
                isinstance(q, (int, np.integer)) and not isinstance(q, bool) for q in p
            ):
                out.append((int(p[0]), int(p[1])))
            else:
                break
        else:
            return tuple(out)
    raise TypeError(
        f"{fn}: `padding` must be 'full', an int, or {rank} (low, high) pairs of ints (negative "
        f"values crop); got {padding!r}."
    )


def _run(fn, arr, steps, up, down, pads, mode, cval, rank):
    size = v.spatial_shape(arr, rank)
    taps_per_axis = [1] * rank
    for axes, taps in steps:
        shape = np.asarray(taps).shape
        for j, d in enumerate(axes):
            taps_per_axis[d] = shape[j]
    for d in range(rank):
        if _axis_plan(size[d], taps_per_axis[d], up[d], down[d], *pads[d]) is None:
            raise ValueError(
                f"{fn}: spatial axis {d} of size {size[d]} gives an empty output with "
                f"{taps_per_axis[d]} taps, up={up[d]}, down={down[d]} and padding {pads[d]}."
            )
    v.check_nonempty_spatial(fn, arr, rank)
    flat, batch = v.flatten_batch(arr, rank)
    if flat.shape[0] == 0 or flat.shape[-1] == 0:
        shape = [
            _axis_plan(size[d], taps_per_axis[d], up[d], down[d], *pads[d])[2]
            for d in range(rank)
        ]
        return jnp.zeros((*batch, *shape, arr.shape[-1]), arr.dtype)
    y = _upfirdn_core(flat, kernels=steps, up=up, down=down, pads=pads, mode=mode, cval=cval)
    return v.unflatten_batch(y, batch)


def upfirdn(
    x: jax.typing.ArrayLike,
    kernel: Any,
    *,
    up: int | tuple[int, ...] = 1,
    down: int | tuple[int, ...] = 1,
    padding: Any = "full",
    mode: str = "constant",
    cval: float = 0.0,
    rank: int = 2,
) -> jax.Array:
    """Upsample by zero insertion, FIR filter, downsample: along every spatial axis.

    Args:
      x: ``[*batch, *spatial, C]`` floating or complex array.
      kernel: a 1-D array of taps (the same separable filter along every spatial axis), a
        sequence of ``rank`` 1-D arrays (one per axis), or a ``rank``-D array (a full kernel).
        The kernel is convolved (not correlated) with the zero-inserted signal. It is static
        (NumPy or a concrete JAX array; its taps are built into the computation): not a
        ``jit`` argument, not differentiated.
      up: zero-insertion factor per axis (``up - 1`` zeros after each sample).
      down: subsampling factor per axis.
      padding: ``"full"`` (every sample of the full convolution: ``scipy.signal.upfirdn``'s
        output, length ``((n - 1) * up + taps - 1) // down + 1``), an int, or per-axis ``(low,
        high)`` pairs in StyleGAN's ``upfirdn2d`` sense (samples around the zero-inserted signal
        of length ``n * up``; output length ``(n * up + low + high - taps) // down + 1``;
        negative values crop).
      mode: how the input is extended beyond its ends, as ``numpy.pad`` / scipy's ``mode``:
        "constant" (``cval``), "symmetric", "reflect", "edge", "wrap".
      cval: the value of the "constant" extension.
      rank: number of spatial axes (1, 2 or 3).

    Returns:
      ``[*batch, *spatial_out, C]`` array of ``x``'s dtype.

    Raises:
      ValueError / TypeError: for a bad kernel, factor, padding or mode, or an empty output.

    Example:
      >>> import jax.numpy as jnp
      >>> y = upfirdn(jnp.ones((1, 4, 4, 3)), jnp.array([1.0, 1.0]), up=2)
      >>> y.shape
      (1, 8, 8, 3)

    References:
      Vaidyanathan, "Multirate Systems and Filter Banks", 1993, ch. 4 (polyphase
      interpolation / decimation); ``scipy.signal.upfirdn``; Karras et al., "Alias-Free Generative
      Adversarial Networks", NeurIPS 2021 (``upfirdn2d``).
    """
    fn = "upfirdn"
    rank = v.check_rank(fn, rank)
    arr = _check_input(fn, x, rank)
    up_t = v.int_tuple(fn, "up", up, rank)
    down_t = v.int_tuple(fn, "down", down, rank)
    mode = v.check_choice(fn, "mode", mode, UPFIRDN_MODES)
    value = v.real_scalar(fn, "cval", cval)
    if value is None:
        raise TypeError(f"{fn}: `cval` must be a real number; got {cval!r}.")
    cval = value
    steps, taps = _kernel_steps(fn, kernel, rank)
    taps = taps if len(taps) == rank else taps * rank
    pads = _pads(fn, padding, rank, taps, up_t)
    return _run(fn, arr, steps, up_t, down_t, pads, mode, float(cval), rank)


def _poly_filter(window: Any, up: int, down: int) -> tuple[np.ndarray, int]:
    """scipy.signal.resample_poly's filter: taps (times ``up``) and the half length."""
    if isinstance(window, (str, tuple)):
        max_rate = max(up, down)
        half = 10 * max_rate
        h = firwin(2 * half + 1, 1.0 / max_rate, window=window)
    else:
        h = np.asarray(window, np.float64)
        half = (h.size - 1) // 2
    return h * up, half


def resample_poly_options(
    up: Any,
    down: Any,
    *,
    window: Any = ("kaiser", 5.0),
    padtype: str = "constant",
    cval: float | None = None,
    rank: int = 2,
    fn: str = "resample_poly",
):
    """Every check of :func:`resample_poly` that needs no array (modules run it at construction).

    Returns ``(rank, up, down, window, padtype)`` canonical.
    """
    rank = v.check_rank(fn, rank)
    up_t = v.int_tuple(fn, "up", up, rank)
    down_t = v.int_tuple(fn, "down", down, rank)
    padtype = v.check_choice(fn, "padtype", padtype, UPFIRDN_MODES + BACKGROUND_PADTYPES)
    if cval is not None and padtype != "constant":
        raise ValueError(f"{fn}: `cval` is only used with padtype='constant'; got {padtype!r}.")
    if cval is not None and v.real_scalar(fn, "cval", cval) is None:
        raise TypeError(f"{fn}: `cval` must be a real number or None; got {cval!r}.")
    if isinstance(window, (str, tuple)):
        _parse_window(fn, window)
    else:
        if v.is_traced(window):
            raise TypeError(
                f"{fn}: a `window` array must be concrete (its taps are built into the "
                f"computation); got a traced value. Close over it instead of passing it to jit."
            )
        window = np.asarray(window)
        if window.ndim != 1 or window.size == 0 or not np.all(np.isfinite(window)):
            raise ValueError(f"{fn}: a `window` array must be 1-D, non-empty and finite.")
    return rank, up_t, down_t, window, padtype


def resample_poly(
    x: jax.typing.ArrayLike,
    up: int | tuple[int, ...],
    down: int | tuple[int, ...],
    *,
    window: Any = ("kaiser", 5.0),
    padtype: str = "constant",
    cval: float | None = None,
    rank: int = 2,
) -> jax.Array:
    """Resample by the rational factor ``up / down`` along every spatial axis, polyphase.

    Each axis: zero-insert by ``up``, low-pass with a windowed sinc (cutoff ``1 / max(up,
    down)`` of Nyquist, ``2 * 10 * max(up, down) + 1`` taps, gain ``up``), keep every ``down``-th
    sample, aligned so output sample ``i`` sits at input position ``i * down / up``. The output
    length is ``ceil(n * up / down)``. The factors are reduced by their gcd first.

    Args:
      x: ``[*batch, *spatial, C]`` floating or complex array.
      up: upsampling factor (int or one per axis).
      down: downsampling factor (int or one per axis).
      window: ``("kaiser", beta)``, a window name ("hamming", "hann", "blackman", "boxcar") for
        the designed filter, or a 1-D array used as the filter itself (static, as ``upfirdn``'s
        kernel).
      padtype: values assumed beyond the ends: "constant" (``cval``, default 0), "symmetric",
        "reflect", "edge", "wrap", or "mean", "median", "maximum", "minimum" (that statistic of
        each signal along the axis: it is subtracted before filtering and added back; "mean"
        only for complex input, where an order statistic has no meaning).
      cval: the constant for ``padtype="constant"``.
      rank: number of spatial axes (1, 2 or 3).

    Returns:
      ``[*batch, *spatial_out, C]`` array of ``x``'s dtype.

    Raises:
      ValueError / TypeError: for bad factors, windows or pad types.

    Example:
      >>> import jax.numpy as jnp
      >>> resample_poly(jnp.ones((2, 9, 12, 1)), 2, 3).shape
      (2, 6, 8, 1)

    References:
      ``scipy.signal.resample_poly`` (same filter, alignment and pad types, applied along each
      spatial axis in turn); Crochiere & Rabiner, "Multirate Digital Signal Processing", 1983.
    """
    fn = "resample_poly"
    rank, up_t, down_t, window, padtype = resample_poly_options(
        up, down, window=window, padtype=padtype, cval=cval, rank=rank, fn=fn
    )
    arr = _check_input(fn, x, rank)
    if padtype in BACKGROUND_PADTYPES and padtype != "mean":
        if jnp.issubdtype(arr.dtype, jnp.complexfloating):
            raise ValueError(
                f"{fn}: padtype {padtype!r} is not defined for complex inputs (they have no "
                f"order); use 'mean' or an extension padtype."
            )
    y = arr
    size = v.spatial_shape(arr, rank)
    for d in range(rank):
        g = math.gcd(up_t[d], down_t[d])
        u, w = up_t[d] // g, down_t[d] // g
        if u == w == 1:
            continue
        h, half = _poly_filter(window, u, w)
        n_out = -(-size[d] * u // w)
        pre = w - half % w  # scipy's leading zero taps: output 0 lands on input 0
        j0 = w * ((half + pre) // w) - pre  # convolution index of output 0
        low = h.size - 1 - j0
        high = (n_out - 1) * w + h.size - size[d] * u - low
        ups, downs, pads = [1] * rank, [1] * rank, [(0, 0)] * rank
        ups[d], downs[d], pads[d] = u, w, (low, high)
        axis = y.ndim - 1 - rank + d
        background = None
        if padtype in BACKGROUND_PADTYPES:
            stat = {"mean": jnp.mean, "median": jnp.median, "maximum": jnp.max,
                    "minimum": jnp.min}[padtype]
            background = stat(y, axis=axis, keepdims=True) if y.size else None
        steps = (((d,), tuple(float(t) for t in h)),)
        mode = padtype if padtype in UPFIRDN_MODES else "constant"
        src = y if background is None else y - background
        c = float(cval or 0.0) if padtype == "constant" else 0.0
        y = _run(fn, src, steps, tuple(ups), tuple(downs), tuple(pads), mode, c, rank)
        if background is not None:
            y = y + background
    return y if y is not arr else jnp.array(arr, copy=True)

