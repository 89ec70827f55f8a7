"""Gaussian and Laplacian image pyramids with OpenCV's pyrDown / pyrUp arithmetic (Burt & Adelson).

``pyr_down`` blurs with the 5-tap binomial ``[1, 4, 6, 4, 1] / 16`` per axis (reflect-101 border)
and keeps every second sample; ``pyr_up`` inserts zeros and blurs with 4 times that kernel (2 per
axis). Both run one axis at a time as shifted slices and weighted sums that XLA fuses:
``pyr_down`` (``filtering.separable_filter``) only computes the samples it keeps, ``pyr_up`` works
in polyphase form and never multiplies the inserted zeros (even outputs use taps
``[1, 6, 1] / 8``, odd outputs ``[1, 1] / 2``). On CPU this is about 50x faster than a strided
depthwise convolution, forward, and more in the VJP.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from resample_jax._src import filtering, validation

_TAPS = filtering.binomial_taps(5)
# Polyphase split of the interpolation kernel 2 * taps: even outputs sit on a sample, odd ones
# between two samples.
_EVEN = 2.0 * _TAPS[0::2]
_ODD = 2.0 * _TAPS[1::2]


def _levels(fn: str, levels) -> int:
    if isinstance(levels, bool) or not isinstance(levels, int):
        raise TypeError(f"{fn}: `levels` must be an int >= 0; got {levels!r}.")
    if levels < 0:
        raise ValueError(f"{fn}: `levels` must be >= 0; got {levels}.")
    return levels


def _down(x: jax.Array, rank: int) -> jax.Array:
    # Pad each axis to 2n + 4 samples (reflect-101; n = ceil(size / 2)) so that the 5-tap filter at
    # stride 2 yields exactly n outputs, output k centred on input 2k.
    pads = [(2, 2 + 2 * ((size + 1) // 2) - size) for size in x.shape[1 : 1 + rank]]
    return filtering.separable_filter(x, [_TAPS] * rank, [2] * rank, pads, "reflect")


def _up_axis(y: jax.Array, axis: int, size: int) -> jax.Array:
    n = y.shape[axis]
    # OpenCV's border on the zero-inserted grid (reflect-101) amounts to reflect-101 of the samples
    # on the left and edge replication on the right.
    left = jax.lax.slice_in_dim(y, 1 if n > 1 else 0, 2 if n > 1 else 1, axis=axis)
    right = jax.lax.slice_in_dim(y, n - 1, n, axis=axis)
    p = jnp.concatenate([left, y, right], axis=axis)
    a, b, c = (jax.lax.slice_in_dim(p, k, k + n, axis=axis) for k in range(3))
    w = [jnp.asarray(v, y.dtype) for v in (*_EVEN, *_ODD)]
    even = w[0] * a + w[1] * b + w[2] * c
    odd = w[3] * b + w[4] * c
    shape = list(y.shape)
    shape[axis] = 2 * n
    out = jnp.stack([even, odd], axis=axis + 1).reshape(shape)
    return jax.lax.slice_in_dim(out, 0, size, axis=axis)


def _up(x: jax.Array, size: tuple[int, ...]) -> jax.Array:
    y = x.astype(validation.compute_dtype(x.dtype))
    for d, s in enumerate(size):
        y = _up_axis(y, 1 + d, s)
    return y.astype(x.dtype)


@functools.partial(jax.jit, static_argnames=("rank",))
def _pyr_down(x: jax.Array, rank: int) -> jax.Array:
    return _down(x, rank)


@functools.partial(jax.jit, static_argnames=("size",))
def _pyr_up(x: jax.Array, size: tuple[int, ...]) -> jax.Array:
    return _up(x, size)


@functools.partial(jax.jit, static_argnames=("levels", "rank"))
def _gaussian(x: jax.Array, levels: int, rank: int) -> list[jax.Array]:
    out = [x]
    for _ in range(levels):
        out.append(_down(out[-1], rank))
    return out


@functools.partial(jax.jit, static_argnames=("levels", "rank"))
def _laplacian(x: jax.Array, levels: int, rank: int) -> list[jax.Array]:
    gauss = _gaussian(x, levels, rank)
    bands = [
        fine - _up(coarse, fine.shape[1:-1]) for fine, coarse in zip(gauss, gauss[1:], strict=False)
    ]
    return [*bands, gauss[-1]]


@jax.jit
def _reconstruct(pyramid: list[jax.Array]) -> jax.Array:
    out = pyramid[-1]
    for band in reversed(pyramid[:-1]):
        out = band + _up(out, band.shape[1:-1])
    return out


def _floating_array(fn: str, x, rank: int, name: str = "x") -> jax.Array:
    arr = validation.check_array(fn, x, rank, name)
    validation.check_floating(fn, arr, name)
    validation.check_nonempty_spatial(fn, arr, rank, name)
    return arr


def pyr_down(x: ArrayLike, *, rank: int = 2) -> jax.Array:
    """Blur and halve, as ``cv2.pyrDown``: ``[*batch, H, W, C] -> [*batch, (H+1)//2, (W+1)//2, C]``.

    ``out[i, j] = sum_{u,v} k[u] k[v] x[2i + u - 2, 2j + v - 2]`` with ``k = [1, 4, 6, 4, 1] / 16``
    and reflect-101 borders (``x[-1] = x[1]``), on every spatial axis (1-D, 2-D or 3-D by ``rank``).

    Args:
      x: ``[*batch, *spatial, C]`` floating array.
      rank: number of spatial axes, 1, 2 or 3.

    Returns:
      ``[*batch, *((spatial + 1) // 2), C]``, same dtype as ``x``.

    Raises:
      ValueError: if ``rank`` is not 1, 2 or 3, or ``x`` has a zero-size spatial axis.
      TypeError: if ``x`` is not floating (``cv2.pyrDown`` also rounds integer images; we do not).

    Example:
      >>> import jax.numpy as jnp
      >>> from resample_jax import pyr_down
      >>> pyr_down(jnp.ones((5, 5, 1))).shape
      (3, 3, 1)

    References:
      Burt & Adelson, "The Laplacian Pyramid as a Compact Image Code", IEEE Trans. Commun. 1983;
      ``cv2.pyrDown(x)`` (default border, default size).
    """
    fn = "pyr_down"
    r = validation.check_rank(fn, rank)
    arr = _floating_array(fn, x, r)
    flat, batch = validation.flatten_batch(arr, r)
    return validation.unflatten_batch(_pyr_down(flat, r), batch)


def pyr_up(x: ArrayLike, *, size=None, rank: int | None = None) -> jax.Array:
    """Double and blur, as ``cv2.pyrUp``: ``[*batch, H, W, C] -> [*batch, 2H, 2W, C]``.

    Zeros are inserted between samples and the result is filtered with ``2 * [1, 4, 6, 4, 1] / 16``
    per axis (reflect-101 border on the zero-inserted grid), which preserves constants. ``size``
    may ask for ``2n - 1`` instead of ``2n`` on an axis (the size an odd-sized level had before
    :func:`pyr_down`); the result is then the ``2n`` one without its last sample, as ``cv2.pyrUp``
    with ``dstsize`` gives.

    Args:
      x: ``[*batch, *spatial, C]`` floating array.
      size: output spatial size, each entry ``2n`` or ``2n - 1`` for input size ``n``; an int (2-D)
        or a tuple of 1 to 3 ints. Default ``2 * spatial``. (OpenCV also accepts ``2n + 1``, filled
        differently per axis; not supported.)
      rank: number of spatial axes; default ``len(size)`` when ``size`` is a tuple, else 2.

    Returns:
      ``[*batch, *size, C]``, same dtype as ``x``.

    Raises:
      ValueError: if ``rank`` is not 1, 2 or 3, disagrees with ``size``, or a ``size`` entry is not
        ``2n`` or ``2n - 1``; ``x`` with a zero-size spatial axis.
      TypeError: if ``x`` is not floating or ``size`` is not an int or a tuple of ints.

    Example:
      >>> import jax.numpy as jnp
      >>> from resample_jax import pyr_up
      >>> pyr_up(jnp.array([[1.0], [3.0]]), rank=1)[..., 0]
      Array([1.5 , 2.  , 2.75, 3.  ], dtype=float32)

    References:
      Burt & Adelson 1983; ``cv2.pyrUp(x)`` and ``cv2.pyrUp(x, dstsize=(W', H'))``.
    """
    fn = "pyr_up"
    if rank is not None:
        r = validation.check_rank(fn, rank)
    elif size is not None:
        r = validation.rank_of(fn, "size", size)
    else:
        r = validation.DEFAULT_RANK
    arr = _floating_array(fn, x, r)
    spatial = validation.spatial_shape(arr, r)
    if size is None:
        out_size = tuple(2 * n for n in spatial)
    else:
        out_size = validation.int_tuple(fn, "size", size, r)
        if any(o not in (2 * n, 2 * n - 1) for o, n in zip(out_size, spatial, strict=True)):
            raise ValueError(
                f"{fn}: each entry of `size` must be 2n or 2n - 1 for input spatial size n = "
                f"{spatial}; got {size!r}."
            )
    flat, batch = validation.flatten_batch(arr, r)
    return validation.unflatten_batch(_pyr_up(flat, out_size), batch)


def gaussian_pyramid(x: ArrayLike, levels: int, *, rank: int = 2) -> list[jax.Array]:
    """``[x, pyr_down(x), pyr_down(pyr_down(x)), ...]``: ``levels + 1`` arrays, finest first.

    As OpenCV's ``cv::buildPyramid(x, levels)`` (C++; in Python, repeated ``cv2.pyrDown``).

    Args:
      x: ``[*batch, *spatial, C]`` floating array.
      levels: number of ``pyr_down`` steps, >= 0.
      rank: number of spatial axes, 1, 2 or 3.

    Returns:
      A list of ``levels + 1`` arrays; level ``i`` has spatial size ``ceil(spatial / 2**i)``.

    Raises:
      ValueError: if ``levels`` < 0, ``rank`` is not 1, 2 or 3, or ``x`` has a zero-size spatial
        axis.
      TypeError: if ``x`` is not floating or ``levels`` is not an int.

    Example:
      >>> import jax.numpy as jnp
      >>> from resample_jax import gaussian_pyramid
      >>> [g.shape for g in gaussian_pyramid(jnp.zeros((9, 8, 3)), 2)]
      [(9, 8, 3), (5, 4, 3), (3, 2, 3)]

    References:
      Burt & Adelson 1983; ``cv::buildPyramid``.
    """
    return _pyramid("gaussian_pyramid", _gaussian, x, levels, rank)


def laplacian_pyramid(x: ArrayLike, levels: int, *, rank: int = 2) -> list[jax.Array]:
    """Band-pass decomposition: ``[G0 - up(G1), G1 - up(G2), ..., G_levels]``.

    ``G`` is :func:`gaussian_pyramid` and ``up(G[i+1])`` is :func:`pyr_up` to the exact size of
    ``G[i]`` (``2n - 1`` for odd sizes), so :func:`reconstruct_laplacian` recovers ``x`` up to float
    rounding for any size.

    Args:
      x: ``[*batch, *spatial, C]`` floating array.
      levels: number of band-pass levels, >= 0 (0 returns ``[x]``).
      rank: number of spatial axes, 1, 2 or 3.

    Returns:
      A list of ``levels + 1`` arrays with the shapes of the Gaussian pyramid: ``levels`` band-pass
      images, then the coarsest Gaussian level.

    Raises:
      ValueError: if ``levels`` < 0, ``rank`` is not 1, 2 or 3, or ``x`` has a zero-size spatial
        axis.
      TypeError: if ``x`` is not floating or ``levels`` is not an int.

    Example:
      >>> import jax.numpy as jnp
      >>> from resample_jax import laplacian_pyramid
      >>> bands = laplacian_pyramid(jnp.full((5, 5, 1), 2.0), 1)
      >>> float(abs(bands[0]).max()), bands[1].shape
      (0.0, (3, 3, 1))

    References:
      Burt & Adelson, "The Laplacian Pyramid as a Compact Image Code", IEEE Trans. Commun. 1983.
    """
    return _pyramid("laplacian_pyramid", _laplacian, x, levels, rank)


def _pyramid(
    fn: str, build: Callable[..., list[jax.Array]], x: ArrayLike, levels: int, rank: int
) -> list[jax.Array]:
    """Checks the arguments of a pyramid and runs ``build(flat, levels, rank)`` on ``x`` with its
    batch axes flattened into one."""
    n_levels = _levels(fn, levels)
    r = validation.check_rank(fn, rank)
    flat, batch = validation.flatten_batch(_floating_array(fn, x, r), r)
    return [validation.unflatten_batch(level, batch) for level in build(flat, n_levels, r)]


def reconstruct_laplacian(pyramid: Sequence[ArrayLike], *, rank: int = 2) -> jax.Array:
    """Collapses a Laplacian pyramid: ``x = L0 + up(L1 + up(L2 + ...))``.

    The inverse of :func:`laplacian_pyramid` (exact up to float rounding, odd sizes included): each
    ``up`` is :func:`pyr_up` to the size of the finer band.

    Args:
      pyramid: the list :func:`laplacian_pyramid` returns (or edited bands of the same shapes):
        ``[*batch, *spatial_i, C]`` arrays, finest first, each level's spatial size
        ``(previous + 1) // 2``.
      rank: number of spatial axes, 1, 2 or 3.

    Returns:
      ``[*batch, *spatial_0, C]``, the dtype of the bands.

    Raises:
      ValueError: if ``pyramid`` is empty, its levels disagree in batch shape, channels or dtype, or
        a level's size is not ``(previous + 1) // 2``, or a level has a zero-size spatial axis.
      TypeError: if a level is not a floating array.

    Example:
      >>> import jax.numpy as jnp
      >>> from resample_jax import laplacian_pyramid, reconstruct_laplacian
      >>> x = jnp.arange(35.0).reshape(7, 5, 1)
      >>> bool(jnp.allclose(reconstruct_laplacian(laplacian_pyramid(x, 2)), x, atol=1e-5))
      True

    References:
      Burt & Adelson 1983.
    """
    fn = "reconstruct_laplacian"
    r = validation.check_rank(fn, rank)
    if isinstance(pyramid, (str, bytes)) or not isinstance(pyramid, Sequence) or not pyramid:
        raise ValueError(f"{fn}: `pyramid` must be a non-empty list of arrays; got {pyramid!r}.")
    levels = [_floating_array(fn, b, r, f"pyramid[{i}]") for i, b in enumerate(pyramid)]
    first = levels[0]
    lead = first.shape[: first.ndim - 1 - r]
    for i in range(1, len(levels)):
        prev, cur = levels[i - 1], levels[i]
        half = ((s + 1) // 2 for s in validation.spatial_shape(prev, r))
        expected = (*lead, *half, first.shape[-1])
        if tuple(cur.shape) != expected or cur.dtype != first.dtype:
            raise ValueError(
                f"{fn}: `pyramid[{i}]` must have shape {expected} and dtype {first.dtype} "
                f"(half of `pyramid[{i - 1}]` {tuple(prev.shape)}, rounded up); got "
                f"{tuple(cur.shape)} {cur.dtype}."
            )
    flats = [validation.flatten_batch(b, r)[0] for b in levels]
    return validation.unflatten_batch(_reconstruct(flats), tuple(lead))
