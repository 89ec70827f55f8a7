"""Resampling in the Fourier domain: band-limited (periodic sinc) resizing and spectral pooling.

Both treat each spatial axis as one period of a periodic signal: the DFT is truncated (down) or
zero-padded (up) and transformed back, which is exact interpolation of a periodic band-limited
signal. They differ only in the one frequency bin that has no partner at an even output size (the
output's Nyquist bin ``m/2``): :func:`fft_resize` follows ``scipy.signal.resample`` (on the way down
the bins ``+m/2`` and ``-m/2`` of the input are added into it, on the way up the input's Nyquist bin
is split in two halves), :func:`spectral_pool` follows Rippel et al. 2015 (a centred crop of the
spectrum made real, per axis: the ``±m/2`` pair is averaged, half of scipy's sum).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.typing import ArrayLike

from resample_jax._src import validation


def _zeros_like_axis(x: Any, axis: int, n: int, xp: Any = jnp) -> Any:
    shape = list(x.shape)
    shape[axis] = n
    return xp.zeros(shape, x.dtype)


def _resize_full_axis(spec: Any, axis: int, num: int, fold: float, xp: Any = jnp) -> Any:
    """Two-sided spectrum of length ``n`` along ``axis`` -> length ``num`` (``xp``: jnp or np).

    Going down to an even ``m``, the output's Nyquist bin is ``fold * (X[m/2] + X[-m/2])``: scipy's
    rule for ``fold = 1``, spectral pooling's for ``fold = 1/2``.
    """
    n = spec.shape[axis]
    if num == n:
        return spec
    m = min(num, n)
    half = m // 2

    def take(a: int, b: int) -> Any:
        return spec[(slice(None),) * axis + (slice(a, b),)]

    gap = _zeros_like_axis(spec, axis, num - m, xp)
    if m % 2:  # every kept bin has its partner: copy, pad or drop the high ones
        return xp.concatenate([take(0, half + 1), gap, take(n - half, n)], axis=axis)
    if num < n:  # the output's Nyquist bin receives both +m/2 and -m/2 of the input
        nyquist = (take(half, half + 1) + take(n - half, n - half + 1)) * fold
        return xp.concatenate([take(0, half), nyquist, take(n - half + 1, n)], axis=axis)
    # Up from an even length: the input's Nyquist bin becomes two bins of half its value.
    nyquist = take(half, half + 1) * 0.5
    gap = _zeros_like_axis(spec, axis, num - m - 1, xp)
    return xp.concatenate([take(0, half), nyquist, gap, nyquist, take(half + 1, n)], axis=axis)


# Per axis, up to this many input x output samples the resampling runs as one dense (num, n) matrix
# product instead of FFTs: the operator is global (periodic sinc), so the matrix wastes nothing, and
# a matrix product is far faster than XLA's CPU FFT at these sizes.
_DENSE_MAX = 256 * 512


@functools.lru_cache(maxsize=64)
def _axis_matrix(n: int, num: int, fold: float, complex_input: bool) -> np.ndarray:
    """The (num, n) matrix of the resampling along one axis: the image of every unit vector."""
    spec = _resize_full_axis(np.fft.fft(np.eye(n), axis=0), 0, num, fold, np)
    matrix = np.fft.ifft(spec, axis=0) * (num / n)
    # A real signal has a real image: the imaginary part only acts on imaginary inputs.
    return matrix if complex_input else np.ascontiguousarray(matrix.real)


def _hermitian_partner(a: jax.Array, axes: tuple[int, ...]) -> jax.Array:
    """``conj(a[-k])`` over ``axes`` (indices mod their length): the Hermitian mirror image."""
    for ax in axes:
        a = jnp.roll(jnp.flip(a, axis=ax), 1, axis=ax)
    return jnp.conj(a)


def _resize_half_axis(
    spec: jax.Array, axis: int, n: int, num: int, other_axes: tuple[int, ...], fold: float
) -> jax.Array:
    """One-sided (rfft) spectrum of a real signal of length ``n`` along ``axis`` -> of ``num``."""
    m = min(num, n)
    half = m // 2
    kept = lax.slice_in_dim(spec, 0, half + 1, axis=axis)
    if m % 2 == 0 and num != n:
        low = lax.slice_in_dim(kept, 0, half, axis=axis)
        bin_ = lax.slice_in_dim(kept, half, half + 1, axis=axis)
        if num < n:
            # Bin -m/2 of a real signal is the Hermitian mirror of bin +m/2 over the other axes;
            # adding it keeps the result Hermitian, so every FFT backend inverts it the same way.
            bin_ = (bin_ + _hermitian_partner(bin_, other_axes)) * fold
        else:
            bin_ = bin_ * 0.5
        kept = jnp.concatenate([low, bin_], axis=axis)
    pad = _zeros_like_axis(kept, axis, num // 2 - half)
    return jnp.concatenate([kept, pad], axis=axis)


def _dense(spatial: tuple[int, ...], size: tuple[int, ...]) -> bool:
    return all(n * num <= _DENSE_MAX for n, num in zip(spatial, size, strict=True))


@functools.partial(jax.jit, static_argnames=("size", "fold", "dense"))
def _fft_resize(x: jax.Array, size: tuple[int, ...], fold: float, dense: bool) -> jax.Array:
    rank = len(size)
    axes = tuple(range(1, 1 + rank))
    spatial = x.shape[1 : 1 + rank]
    scale = math.prod(size) / math.prod(spatial)
    if dense:
        y = x.astype(validation.compute_dtype(x.dtype))
        for ax, n, num in zip(axes, spatial, size, strict=True):
            if n != num:
                matrix = jnp.asarray(_axis_matrix(n, num, fold, jnp.iscomplexobj(x)), y.dtype)
                y = jnp.tensordot(matrix, y, axes=((1,), (ax,)), precision=lax.Precision.HIGHEST)
                y = jnp.moveaxis(y, 0, ax)
        return y.astype(x.dtype)
    if jnp.iscomplexobj(x):
        spec = jnp.fft.fftn(x, axes=axes)
        for ax, num in zip(axes, size, strict=True):
            spec = _resize_full_axis(spec, ax, num, fold)
        return (jnp.fft.ifftn(spec, axes=axes) * scale).astype(x.dtype)
    # Real input: a one-sided FFT on the last spatial axis (half the work), two-sided on the others.
    spec = jnp.fft.rfftn(x.astype(validation.compute_dtype(x.dtype)), axes=axes)
    spec = _resize_half_axis(spec, axes[-1], spatial[-1], size[-1], axes[:-1], fold)
    for ax, num in zip(axes[:-1], size[:-1], strict=True):
        spec = _resize_full_axis(spec, ax, num, fold)
    y = jnp.fft.irfftn(spec, s=size, axes=axes)
    return (y * jnp.asarray(scale, y.dtype)).astype(x.dtype)


def _check_input(fn: str, x: Any, rank: int, *, allow_complex: bool) -> jax.Array:
    arr = validation.check_array(fn, x, rank)
    ok = jnp.issubdtype(arr.dtype, jnp.floating) or (
        allow_complex and jnp.issubdtype(arr.dtype, jnp.complexfloating)
    )
    if not ok:
        kinds = "a floating or complex" if allow_complex else "a real floating"
        raise TypeError(f"{fn}: `x` must have {kinds} dtype; got {arr.dtype}.")
    validation.check_nonempty_spatial(fn, arr, rank)
    return arr


def _rank(fn: str, name: str, value: Any, rank: Any) -> int:
    """The spatial rank: ``rank`` when given (it must match a sequence ``value``), else implied."""
    implied = validation.rank_of(fn, name, value)
    if rank is None:
        return implied
    r = validation.check_rank(fn, rank)
    if isinstance(value, (tuple, list)) and len(value) != r:
        raise ValueError(
            f"{fn}: `{name}` {value!r} has {len(value)} entries but `rank` is {r}; give one entry "
            f"per spatial axis or a single number."
        )
    return r


def resize_options(
    size: Any, *, rank: Any = None, fn: str = "fft_resize"
) -> tuple[tuple[int, ...], int]:
    """Checks the options of :func:`fft_resize` (no array needed); returns ``(size, rank)``."""
    r = _rank(fn, "size", size, rank)
    return validation.int_tuple(fn, "size", size, r), r


def pool_options(
    factor: Any = None, *, size: Any = None, rank: Any = None, fn: str = "spectral_pool"
) -> tuple[Any, str, int]:
    """Checks the options of :func:`spectral_pool` that need no array; returns the size-or-factor
    argument in force, its name and the rank."""
    if factor is not None and size is not None:
        raise ValueError(f"{fn}: give `factor` or `size`, not both; got {factor!r} and {size!r}.")
    if size is None and factor is None:
        factor = 2
    value, name = (size, "size") if size is not None else (factor, "factor")
    r = _rank(fn, name, value, rank)
    if size is not None:
        validation.int_tuple(fn, "size", size, r)
    else:
        f = validation.float_tuple(fn, "factor", factor, r)
        if any(v < 1 for v in f):
            raise ValueError(f"{fn}: every entry of `factor` must be >= 1; got {factor!r}.")
    return value, name, r


def fft_resize(
    x: ArrayLike, size: int | tuple[int, ...], *, rank: int | None = None
) -> jax.Array:
    """Band-limited resize by truncating / zero-padding the DFT, as ``scipy.signal.resample``.

    Equals ``scipy.signal.resample(x, size[d], axis=d)`` applied along every spatial axis ``d``
    (the axes commute), including scipy's rule for the unpaired bin of an even length: going down to
    an even ``m``, the input's bins ``+m/2`` and ``-m/2`` are added into the output's Nyquist bin;
    going up from an even ``n``, the input's Nyquist bin is split into two bins ``±n/2`` of half its
    value. Values are scaled by ``prod(size) / prod(spatial)`` so a constant stays the same
    constant. The signal is treated as periodic: each axis is one period, and a band-limited
    periodic signal (no energy at or above the smaller Nyquist frequency) is resampled exactly.

    Args:
      x: ``[*batch, *spatial, C]`` floating or complex array.
      size: output spatial size; an int applies to every spatial axis, a tuple of 1 to 3 ints sets
        the spatial rank.
      rank: number of spatial axes (1, 2 or 3); by default the length of ``size``, 2 for an int.

    Returns:
      ``[*batch, *size, C]``; a real input gives a real output of the same dtype (half precision
      computes in float32), a complex input a complex output.

    Raises:
      ValueError: if an entry of ``size`` is below 1, ``size`` and ``rank`` disagree, or ``x`` has
        too few axes.
      TypeError: if ``size`` is not an int / tuple of ints, or ``x`` is neither floating nor
        complex.

    Example:
      >>> import jax.numpy as jnp
      >>> from resample_jax import fft_resize
      >>> x = jnp.array([1.0, 0.0, -1.0, 0.0])[:, None]  # cos(pi n / 2): exactly band-limited
      >>> fft_resize(x, (8,))[:, 0].round(4)
      Array([ 1.    ,  0.7071,  0.    , -0.7071, -1.    , -0.7071,  0.    ,  0.7071], dtype=float32)

    References:
      Oppenheim & Schafer, "Discrete-Time Signal Processing", ch. 4 (band-limited interpolation);
      ``scipy.signal.resample`` (SciPy 1.17 documentation).
    """
    fn = "fft_resize"
    out, r = resize_options(size, rank=rank)
    arr = _check_input(fn, x, r, allow_complex=True)
    flat, batch = validation.flatten_batch(arr, r)
    dense = _dense(validation.spatial_shape(arr, r), out)
    return validation.unflatten_batch(_fft_resize(flat, out, 1.0, dense), batch)


def _pool_size(fn: str, spatial: tuple[int, ...], factor: Any, size: Any) -> tuple[int, ...]:
    rank = len(spatial)
    if size is not None:
        out = validation.int_tuple(fn, "size", size, rank)
        if any(o > s for o, s in zip(out, spatial, strict=True)):
            raise ValueError(
                f"{fn}: `size` {out} must not exceed the spatial size of `x` {spatial} (spectral "
                f"pooling only downsamples; use fft_resize to upsample)."
            )
        return out
    f = validation.float_tuple(fn, "factor", factor, rank)
    out = tuple(int(s // v) for s, v in zip(spatial, f, strict=True))
    if min(out) < 1:
        raise ValueError(
            f"{fn}: `factor` {factor!r} leaves an empty axis for spatial size {spatial}."
        )
    return out


def dropout_options(min_size: Any, rank: int, fn: str = "spectral_pool") -> tuple[int, ...]:
    """Checks ``min_size`` of frequency dropout (no array needed); one int >= 1 per axis."""
    return validation.int_tuple(fn, "min_size", min_size, rank)


@functools.partial(jax.jit, static_argnames=("size",))
def _truncate(y: jax.Array, keep: jax.Array, size: tuple[int, ...]) -> jax.Array:
    """``y`` (``(N, *size, C)``) with its spectrum cut to the centred ``keep[d]`` bins per axis."""
    axes = tuple(range(1, 1 + len(size)))
    spec = jnp.fft.fftn(y.astype(validation.compute_dtype(y.dtype)), axes=axes)
    for d, m in enumerate(size):
        twice_k = np.abs(np.round(np.fft.fftfreq(m) * m)).astype(np.int32) * 2  # 2 |k|
        k2 = jnp.asarray(twice_k, keep.dtype)
        h = keep[d]
        w = jnp.where((k2 < h) | (h == m), 1.0, jnp.where(k2 == h, 0.5, 0.0))
        shape = [1] * spec.ndim
        shape[1 + d] = m
        spec = spec * w.astype(spec.dtype).reshape(shape)
    # The weights are even in k, so the spectrum stays Hermitian and the inverse is real.
    return jnp.real(jnp.fft.ifftn(spec, axes=axes)).astype(y.dtype)


def spectral_pool(
    x: ArrayLike,
    factor: float | tuple[float, ...] | None = None,
    *,
    size: int | tuple[int, ...] | None = None,
    rank: int | None = None,
    key: jax.Array | None = None,
    min_size: int | tuple[int, ...] = 1,
) -> jax.Array:
    """Spectral pooling (Rippel, Snoek & Adams 2015): keep the lowest frequencies, drop the rest.

    Along each spatial axis of output size ``m``, the DFT is cropped to the centred ``m`` bins
    (frequencies ``-floor(m/2) .. ceil(m/2) - 1``), transformed back and its real part kept (the
    paper's treatment of the unpaired bin, which makes the crop conjugate-symmetric: the input's
    ``+m/2`` and ``-m/2`` bins are averaged into the output's Nyquist bin), scaled by ``m / n`` so a
    constant map stays the same constant. The axes are treated one after the other (the result does
    not depend on the order). Unlike strided pooling, the output size need not divide the input
    size.

    Relation to :func:`fft_resize`: identical when every output size is odd; at an even output
    size ``m`` the ``±m/2`` bin pair of the input enters with weight 1/2 here and 1 in
    ``fft_resize`` / ``scipy.signal.resample``.

    Frequency dropout (Rippel et al. 2015, sec. 5.2, "regularization via resolution corruption"),
    for training: with a ``key``, one truncation size per spatial axis is drawn for the whole
    call (one mini-batch), ``h = jax.random.randint(key, (rank,), min_size, size + 1,
    dtype=jnp.int32)`` (uniform over ``min_size .. m``), and the pooled map's spectrum is cut
    further to its centred ``h`` bins: frequencies with ``|k| < h/2`` are kept, those with
    ``|k| > h/2`` zeroed, and at an even ``h < m`` the pair ``k = ±h/2`` is halved (the same
    even-size rule as the pooling itself). The output keeps its size; ``h = m`` on every axis is
    plain spectral pooling. For an odd ``h`` the result equals
    ``fft_resize(spectral_pool(x, size=h), m)``. At evaluation call without a key (the full
    output resolution), as the paper does.

    Args:
      x: ``[*batch, *spatial, C]`` real floating array.
      factor: reduction factor per spatial axis, any real ``>= 1``; output size
        ``floor(spatial / factor)``. An int or float means 2-D, a tuple of 1 to 3 sets the spatial
        rank. Default 2 when ``size`` is not given.
      size: output spatial size instead of ``factor`` (each at most the input size).
      rank: number of spatial axes (1, 2 or 3); by default the length of ``factor`` / ``size``, 2
        for a single number.
      key: a PRNG key: apply frequency dropout (training); None (default): none (evaluation).
      min_size: smallest truncation size of frequency dropout per axis (an int: every axis),
        between 1 and the output size; unused without ``key``.

    Returns:
      ``[*batch, *size, C]``, same dtype as ``x`` (half precision computes in float32).

    Raises:
      ValueError: if both ``factor`` and ``size`` are given, a factor is below 1 or empties an
        axis, a ``size`` entry is below 1 or above the input size, ``rank`` disagrees, or a
        ``min_size`` entry is below 1 or above the output size.
      TypeError: if ``factor`` / ``size`` / ``min_size`` have the wrong type, ``key`` is not a
        JAX array, or ``x`` is not real floating.

    Example:
      >>> import jax.numpy as jnp
      >>> from resample_jax import spectral_pool
      >>> spectral_pool(jnp.ones((2, 6, 6, 3))).shape
      (2, 3, 3, 3)
      >>> spectral_pool(jnp.ones((9, 3)), size=(4,))[:, 0].round(5)
      Array([1., 1., 1., 1.], dtype=float32)
      >>> import jax
      >>> spectral_pool(jnp.ones((8, 8, 1)), key=jax.random.key(0), min_size=2).shape
      (4, 4, 1)

    References:
      Rippel, Snoek & Adams, "Spectral representations for convolutional neural networks",
      NeurIPS 2015 (Algorithm 1: spectral pooling).
    """
    fn = "spectral_pool"
    value, _, r = pool_options(factor, size=size, rank=rank)
    mins = dropout_options(min_size, r, fn)
    validation.check_key(fn, key)
    arr = _check_input(fn, x, r, allow_complex=False)
    spatial = validation.spatial_shape(arr, r)
    out = _pool_size(fn, spatial, value, size)
    flat, batch = validation.flatten_batch(arr, r)
    y = _fft_resize(flat, out, 0.5, _dense(spatial, out))
    if key is not None:
        if any(a > m for a, m in zip(mins, out, strict=True)):
            raise ValueError(
                f"{fn}: every entry of `min_size` {mins} must be at most the output size {out}."
            )
        keep = jax.random.randint(key, (r,), jnp.asarray(mins, jnp.int32),
                                  jnp.asarray(out, jnp.int32) + 1, dtype=jnp.int32)
        y = _truncate(y, keep, out)
    return validation.unflatten_batch(y, batch)
