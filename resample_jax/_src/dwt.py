"""One level of the separable discrete wavelet transform (orthogonal and biorthogonal families), its
inverse, and wavelet pooling.

Subbands are stacked on the channel axis as :func:`resample_jax.haar_downsample` stacks them; the
filters come from :mod:`resample_jax._src.wavelet_filters`; the boundary modes and the output
lengths are those of PyWavelets (``pywt.dwtn`` / ``pywt.idwtn`` over the spatial axes), which the
tests check value by value.
"""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from resample_jax._src import validation
from resample_jax._src import wavelet_filters as wf

MODES = (
    "periodization",
    "zero",
    "constant",
    "symmetric",
    "reflect",
    "periodic",
    "smooth",
    "antisymmetric",
    "antireflect",
)


# --- validation -----------------------------------------------------------------------------------


def check_wavelet(fn: str, wavelet) -> wf.Wavelet:
    """Canonicalises a wavelet name (case-insensitive) to its filter bank."""
    if not isinstance(wavelet, str):
        raise TypeError(
            f"{fn}: `wavelet` must be a wavelet name such as 'haar', 'db2', 'sym4' or "
            f"'bior2.2'; got {wavelet!r}."
        )
    key = wavelet.lower()
    if key not in wf.WAVELET_NAMES:
        raise ValueError(
            f"{fn}: unknown `wavelet` {wavelet!r}; supported are 'haar', 'db1'..'db{wf.MAX_DB}', "
            f"'sym2'..'sym{wf.MAX_SYM}', 'coif1'..'coif{wf.MAX_COIF}', and 'biorX.Y' / "
            f"'rbioX.Y' for X.Y in "
            f"{[f'{a}.{b}' for a, b in wf.BIOR_ORDERS]}.{validation.suggest(key, wf.WAVELET_NAMES)}"
        )
    return wf.get_wavelet(key)


def dwt_options(fn: str, wavelet, mode, rank) -> tuple[wf.Wavelet, str, int]:
    """Checks the array-free options of :func:`dwt`, :func:`idwt` and :func:`wavelet_pool` (and
    of their modules); returns the filter bank, the lower-case mode and the rank."""
    r = validation.check_rank(fn, rank)
    return check_wavelet(fn, wavelet), validation.check_choice(fn, "mode", mode, MODES), r


def _band_count(rank: int) -> int:
    return 2**rank


def dwt_size(size: int, filter_length: int, mode: str) -> int:
    """Coefficients per subband along an axis of ``size`` samples (``pywt.dwt_coeff_len``)."""
    if mode == "periodization":
        return -(-size // 2)
    return (size + filter_length - 1) // 2


def idwt_size(size: int, filter_length: int, mode: str) -> int:
    """Samples reconstructed along an axis from ``size`` coefficients per subband."""
    if mode == "periodization":
        return 2 * size
    return 2 * size - filter_length + 2


# --- the jitted cores -----------------------------------------------------------------------------


def _flip(x: jax.Array, axis: int) -> jax.Array:
    return jax.lax.rev(x, (axis,))


def _antisymmetric_pad(x: jax.Array, axis: int, left: int, right: int) -> jax.Array:
    """Half-sample antisymmetric extension ``x[-1-k] = -x[k]``, repeated as often as needed."""
    while left > 0 or right > 0:
        n = x.shape[axis]
        lo, hi = min(left, n), min(right, n)
        parts = [
            -_flip(jax.lax.slice_in_dim(x, 0, lo, axis=axis), axis),
            x,
            -_flip(jax.lax.slice_in_dim(x, n - hi, n, axis=axis), axis),
        ]
        x = jnp.concatenate(parts, axis=axis)
        left, right = left - lo, right - hi
    return x


def _smooth_pad(x: jax.Array, axis: int, left: int, right: int) -> jax.Array:
    """Linear extrapolation by the first difference at each end (constant for one sample)."""
    n = x.shape[axis]
    first = jax.lax.slice_in_dim(x, 0, 1, axis=axis)
    last = jax.lax.slice_in_dim(x, n - 1, n, axis=axis)
    if n == 1:
        slope_lo = slope_hi = jnp.zeros_like(first)
    else:
        slope_lo = first - jax.lax.slice_in_dim(x, 1, 2, axis=axis)
        slope_hi = last - jax.lax.slice_in_dim(x, n - 2, n - 1, axis=axis)
    shape = [1] * x.ndim
    shape[axis] = -1
    steps_lo = jnp.arange(left, 0, -1, dtype=x.dtype).reshape(shape)
    steps_hi = jnp.arange(1, right + 1, dtype=x.dtype).reshape(shape)
    return jnp.concatenate([first + steps_lo * slope_lo, x, last + steps_hi * slope_hi], axis=axis)


_NUMPY_PAD = {
    "zero": dict(mode="constant"),
    "constant": dict(mode="edge"),
    "symmetric": dict(mode="symmetric"),
    "reflect": dict(mode="reflect"),
    "periodic": dict(mode="wrap"),
    "periodization": dict(mode="wrap"),
    "antireflect": dict(mode="reflect", reflect_type="odd"),
}


def _extend(x: jax.Array, axis: int, left: int, right: int, mode: str) -> jax.Array:
    if mode == "antisymmetric":
        return _antisymmetric_pad(x, axis, left, right)
    if mode == "smooth":
        return _smooth_pad(x, axis, left, right)
    widths = [(0, 0)] * x.ndim
    widths[axis] = (left, right)
    return jnp.pad(x, widths, **_NUMPY_PAD[mode])


def _correlate(xp: jax.Array, taps: np.ndarray, axis: int, count: int, stride: int) -> jax.Array:
    """``out[o] = sum_i taps[i] * xp[stride * o + i]`` along ``axis``, ``count`` outputs."""
    out = None
    for i, t in enumerate(taps):
        if t == 0.0:
            continue
        part = jax.lax.slice_in_dim(xp, i, i + stride * (count - 1) + 1, stride, axis=axis)
        term = part * jnp.asarray(t, xp.dtype)
        out = term if out is None else out + term
    return out


def _analysis_axis(
    x: jax.Array, bank: wf.Wavelet, axis: int, mode: str, detail: bool = True
) -> jax.Array:
    """``(B, ...) -> (2B, ...)``: low and high subbands of every band along ``axis`` (``(B, ...)``,
    the low one only, when ``detail`` is False).

    PyWavelets' convention: ``out[o] = sum_j dec[j] * x_ext[2o + 1 - j]``, i.e. a stride-2
    correlation with the reversed filter, starting one sample in.
    """
    f = bank.length
    n = x.shape[axis]
    if mode == "periodization":
        if n % 2:  # an odd axis is first made even by repeating its last sample
            x = jnp.concatenate([x, jax.lax.slice_in_dim(x, n - 1, n, axis=axis)], axis=axis)
            n += 1
        xp = _extend(x, axis, f // 2 - 1, f // 2, mode)
    else:
        xp = jax.lax.slice_in_dim(_extend(x, axis, f - 1, f - 1, mode), 1, None, axis=axis)
    count = dwt_size(n, f, mode)
    lo = _correlate(xp, bank.dec_lo[::-1], axis, count, 2)
    if not detail:
        return lo
    hi = _correlate(xp, bank.dec_hi[::-1], axis, count, 2)
    y = jnp.stack([lo, hi], axis=1)
    return y.reshape((2 * y.shape[0], *y.shape[2:]))


def _synthesis_axis(y: jax.Array, bank: wf.Wavelet, axis: int, mode: str) -> jax.Array:
    """``(2B, ...) -> (B, ...)``: inverse of :func:`_analysis_axis` along ``axis``.

    Zero-insert each subband (coefficients on even samples), then correlate with the reversed
    synthesis filter: circularly for periodization, else keeping PyWavelets' "valid" window.
    """
    f = bank.length
    y = y.reshape((y.shape[0] // 2, 2, *y.shape[1:]))
    m = y.shape[axis + 1]
    # Zero insertion as interior padding (a pad, whose transpose is a strided slice).
    config = [(0, 0, 0)] * y.ndim
    config[axis + 1] = (0, 1, 1)
    up = jax.lax.pad(y, jnp.zeros((), y.dtype), config)
    lo, hi = up[:, 0], up[:, 1]
    count = idwt_size(m, f, mode)
    if mode == "periodization":
        pad = (f // 2, f // 2 - 1)
    else:
        pad = (1, f - 2)

    def rec(band, taps):
        widths = [(0, 0)] * band.ndim
        widths[axis] = pad
        mode_kw = {"mode": "wrap"} if mode == "periodization" else {"mode": "constant"}
        return _correlate(jnp.pad(band, widths, **mode_kw), taps[::-1], axis, count, 1)

    return rec(lo, bank.rec_lo) + rec(hi, bank.rec_hi)


def _common_magnitude(bank: wf.Wavelet) -> float:
    """``c`` when every nonzero tap of the bank is ``+-c`` (Haar), else 1.

    Such a bank is applied with taps ``+-1`` and one final factor ``c**rank``: additions and
    subtractions only, so integer-valued inputs give exact results (a Haar 2 x 2 block of integers
    gives the exact half-integers of the butterfly).
    """
    taps = np.concatenate([bank.dec_lo, bank.dec_hi, bank.rec_lo, bank.rec_hi])
    mags = np.abs(taps[taps != 0])
    return float(mags[0]) if np.all(mags == mags[0]) else 1.0


def _unit_bank(bank: wf.Wavelet, c: float) -> wf.Wavelet:
    return dataclasses.replace(
        bank,
        dec_lo=bank.dec_lo / c, dec_hi=bank.dec_hi / c, rec_lo=bank.rec_lo / c,
        rec_hi=bank.rec_hi / c,
    )


@functools.partial(jax.jit, static_argnames=("name", "mode", "rank", "detail"))
def _dwt(x: jax.Array, name: str, mode: str, rank: int, detail: bool = True) -> jax.Array:
    bank = wf.get_wavelet(name)
    c = _common_magnitude(bank)
    compute = validation.compute_dtype(x.dtype)
    y = x.astype(compute)[None]
    for d in range(rank):
        y = _analysis_axis(y, _unit_bank(bank, c), 2 + d, mode, detail)
    # (bands, N, *spatial, C) -> (N, *spatial, bands * C): subband-major depth.
    y = jnp.moveaxis(y, 0, -2) * jnp.asarray(c**rank, compute)
    return y.reshape((*y.shape[:-2], y.shape[-2] * y.shape[-1])).astype(x.dtype)


@functools.partial(jax.jit, static_argnames=("name", "mode", "rank"))
def _idwt(c: jax.Array, name: str, mode: str, rank: int) -> jax.Array:
    bank = wf.get_wavelet(name)
    scale = _common_magnitude(bank)
    compute = validation.compute_dtype(c.dtype)
    y = c.astype(compute)
    bands = _band_count(rank)
    y = jnp.moveaxis(y.reshape((*y.shape[:-1], bands, y.shape[-1] // bands)), -2, 0)
    for d in reversed(range(rank)):
        y = _synthesis_axis(y, _unit_bank(bank, scale), 2 + d, mode)
    return (y[0] * jnp.asarray(scale**rank, compute)).astype(c.dtype)


# --- public functions -----------------------------------------------------------------------------


def _check_sizes(fn: str, spatial, bank: wf.Wavelet, mode: str, what: str) -> None:
    f = bank.length
    if what == "x":
        minimum = 2 if mode in ("reflect", "antireflect") else 1
        if min(spatial) < minimum:
            raise ValueError(
                f"{fn}: every spatial size of `x` must be >= {minimum} in mode {mode!r}; got "
                f"{tuple(spatial)}."
            )
    elif mode != "periodization" and min(spatial) < f // 2:
        raise ValueError(
            f"{fn}: with wavelet {bank.name!r} ({f} taps) in mode {mode!r} each subband needs at "
            f"least {f // 2} coefficients per axis (output size 2*n - {f} + 2 >= 1); "
            f"got spatial sizes {tuple(spatial)}."
        )


def _analysis(fn: str, x, wavelet, mode, rank, *, detail: bool) -> jax.Array:
    """Validates the arguments of :func:`dwt` / :func:`wavelet_pool`, then runs the jitted core."""
    bank, m, r = dwt_options(fn, wavelet, mode, rank)
    arr = validation.check_array(fn, x, r)
    validation.check_floating(fn, arr)
    _check_sizes(fn, validation.spatial_shape(arr, r), bank, m, "x")
    flat, batch = validation.flatten_batch(arr, r)
    return validation.unflatten_batch(_dwt(flat, bank.name, m, r, detail), batch)


def dwt(
    x: ArrayLike, wavelet: str = "db2", *, mode: str = "periodization", rank: int = 2
) -> jax.Array:
    """One level of the separable discrete wavelet transform, subbands stacked on the channels.

    ``[*batch, H, W, C] -> [*batch, H', W', 4*C]`` (``rank=2``; ``2*C`` in 1-D, ``8*C`` in 3-D),
    the values of ``pywt.dwtn(x, wavelet, mode, axes=spatial axes)``. Along each axis of ``n``
    samples a subband has ``ceil(n / 2)`` coefficients in mode ``"periodization"`` and
    ``floor((n + F - 1) / 2)`` in every other mode (``F`` = filter length).

    Output depth is subband-major, as in :func:`resample_jax.haar_downsample`: ``out[..., s*C + c]``
    is subband ``s`` of channel ``c``, where ``s`` has one bit per spatial axis (0 = approximation
    'a', 1 = detail 'd') with the first spatial axis the most significant bit. So in 2-D the
    subbands are PyWavelets' keys ``'aa', 'ad', 'da', 'dd'`` in that order (``'aa'`` is
    ``out[..., :C]``), in 3-D ``'aaa', 'aad', 'ada', ..., 'ddd'``; ``dwt(x, "haar")`` equals
    ``haar_downsample(x)``.

    Boundary modes (PyWavelets' names): ``"periodization"`` (circular, output exactly half size;
    odd sizes repeat the last sample first), ``"zero"``, ``"constant"`` (edge value),
    ``"symmetric"`` (half-sample mirror), ``"reflect"`` (whole-sample mirror), ``"periodic"``,
    ``"smooth"`` (linear extrapolation), ``"antisymmetric"``, ``"antireflect"``.

    Args:
      x: ``[*batch, *spatial, C]`` floating array.
      wavelet: ``"haar"``, ``"db1"``..``"db20"``, ``"sym2"``..``"sym20"``, ``"coif1"``..
        ``"coif4"``, ``"biorX.Y"`` or
        ``"rbioX.Y"`` (X.Y in 1.1, 1.3, 1.5, 2.2, 2.4, 2.6, 2.8, 3.1, 3.3, 3.5, 3.7, 3.9, 4.4, 5.5,
        6.8); case-insensitive.
      mode: boundary extension, one of the modes above.
      rank: number of spatial axes, 1, 2 or 3.

    Returns:
      ``[*batch, *spatial', 2**rank * C]``, same dtype as ``x`` (half precision computes in
      float32).

    Raises:
      ValueError: unknown wavelet (with the closest name) or mode, bad ``rank``, a spatial size of
        0 (or of 1 in the mirroring and extrapolating modes).
      TypeError: if ``x`` is not floating or ``wavelet`` / ``mode`` are not strings.

    Example:
      >>> import jax.numpy as jnp
      >>> from resample_jax import dwt
      >>> dwt(jnp.ones((4, 1)), "db2", rank=1)[:, 0]  # constant: approximation sqrt(2)
      Array([1.4142135, 1.4142135], dtype=float32)

    References:
      Mallat, "A theory for multiresolution signal decomposition", IEEE TPAMI 1989; Daubechies,
      "Ten Lectures on Wavelets", SIAM 1992; Lee et al., "PyWavelets", JOSS 2019 (modes, layout).
    """
    return _analysis("dwt", x, wavelet, mode, rank, detail=True)


def idwt(
    coeffs: ArrayLike, wavelet: str = "db2", *, mode: str = "periodization", rank: int = 2
) -> jax.Array:
    """Inverse of :func:`dwt`: ``[*batch, H, W, 4*C] -> [*batch, H', W', C]`` (``rank=2``).

    The values of ``pywt.idwtn`` on the subbands of the :func:`dwt` layout (``coeffs[..., s*C:
    (s+1)*C]`` is subband ``s``, bits 'a' = 0 / 'd' = 1, first spatial axis most significant).
    Along each axis ``n`` coefficients give ``2 n`` samples in mode ``"periodization"`` and
    ``2 n - F + 2`` in every other mode (``F`` = filter length), whose reconstruction does not
    depend on the mode. Perfect reconstruction: ``idwt(dwt(x))`` equals ``x`` on its first
    ``size`` samples per axis (it has one more sample on an axis of odd size).

    Args:
      coeffs: ``[*batch, *spatial, 2**rank * C]`` floating array.
      wavelet: a wavelet name, as for :func:`dwt`.
      mode: the boundary mode used by :func:`dwt`.
      rank: number of spatial axes, 1, 2 or 3.

    Returns:
      ``[*batch, *spatial', C]``, same dtype as ``coeffs``.

    Raises:
      ValueError: unknown wavelet or mode, bad ``rank``, a channel count not divisible by
        ``2**rank``, or too few coefficients for the filter length.
      TypeError: if ``coeffs`` is not floating.

    Example:
      >>> import jax.numpy as jnp
      >>> from resample_jax import dwt, idwt
      >>> x = jnp.arange(8.0).reshape(4, 2, 1)
      >>> bool(jnp.allclose(idwt(dwt(x, "sym4"), "sym4"), x, atol=1e-5))
      True

    References:
      Mallat 1989; Daubechies 1992; Lee et al., "PyWavelets", JOSS 2019.
    """
    fn = "idwt"
    bank, m, r = dwt_options(fn, wavelet, mode, rank)
    arr = validation.check_array(fn, coeffs, r, name="coeffs")
    validation.check_floating(fn, arr, name="coeffs")
    if arr.shape[-1] % _band_count(r):
        raise ValueError(
            f"{fn}: the channel count of `coeffs` ({arr.shape[-1]}, shape {tuple(arr.shape)}) "
            f"must be divisible by 2**rank = {_band_count(r)}."
        )
    _check_sizes(fn, validation.spatial_shape(arr, r), bank, m, "coeffs")
    flat, batch = validation.flatten_batch(arr, r)
    return validation.unflatten_batch(_idwt(flat, bank.name, m, r), batch)


def wavelet_pool(
    x: ArrayLike, wavelet: str = "haar", *, mode: str = "periodization", rank: int = 2
) -> jax.Array:
    """Wavelet pooling (Williams & Li, ICLR 2018): ``[*batch, H, W, C] -> [*batch, H', W', C]``.

    The paper pools by a second-level wavelet decomposition, discards the first-level detail
    subbands and reconstructs from the second-level subbands alone (one inverse transform). That
    reconstruction is the first-level approximation subband exactly (perfect reconstruction of the
    second level), so this computes it directly: ``dwt(x, wavelet, mode=mode)[..., :C]``, the
    'aa' (2-D) subband, with only the low-pass filter applied along each axis. Sizes follow
    :func:`dwt`: ``ceil(n / 2)`` per axis in mode ``"periodization"``. The filters are orthonormal
    (taps summing to sqrt(2)), so for ``"haar"`` in 2-D the output is twice the 2 x 2 average
    (``2**(rank/2)`` times it in ``rank`` dimensions).

    Args:
      x: ``[*batch, *spatial, C]`` floating array.
      wavelet: a wavelet name, as for :func:`dwt` (the paper uses ``"haar"``).
      mode: boundary mode, as for :func:`dwt`.
      rank: number of spatial axes, 1, 2 or 3.

    Returns:
      ``[*batch, *spatial', C]``, same dtype as ``x``.

    Raises:
      ValueError: unknown wavelet or mode, bad ``rank``, spatial sizes too small for the mode.
      TypeError: if ``x`` is not floating.

    Example:
      >>> import jax.numpy as jnp
      >>> from resample_jax import wavelet_pool
      >>> wavelet_pool(jnp.array([[[1.0], [2.0]], [[3.0], [4.0]]]))[..., 0]
      Array([[5.]], dtype=float32)

    References:
      Williams & Li, "Wavelet pooling for convolutional neural networks", ICLR 2018.
    """
    return _analysis("wavelet_pool", x, wavelet, mode, rank, detail=False)
