"""Orthonormal Haar wavelet transform that trades resolution for channels, and its inverse.

Each 2 x 2 (2-D; 2 in 1-D, 2 x 2 x 2 in 3-D) block becomes 2**rank subband coefficients: a lossless
downsampling (Haar wavelet downsampling, Xu et al. 2023; wavelet pooling, Williams & Li 2018) whose
inverse is also its transpose. Both are :func:`resample_jax.dwt` / :func:`resample_jax.idwt` with
``"haar"`` in mode ``"periodization"`` on even sizes; these names keep the stricter size contract.
"""

from __future__ import annotations

import jax
from jax.typing import ArrayLike

from resample_jax._src import dwt, validation


def haar_downsample(x: ArrayLike, *, rank: int = 2) -> jax.Array:
    """One level of the orthonormal Haar transform, resolution into channels.

    ``[*batch, H, W, C] -> [*batch, H/2, W/2, 4*C]`` (``rank=2``); ``[*batch, L, C] -> [*batch, L/2,
    2*C]`` (``rank=1``); ``[*batch, D, H, W, C] -> [*batch, D/2, H/2, W/2, 8*C]`` (``rank=3``).

    Per axis, a pair ``(a, b)`` becomes low ``(a + b) / sqrt(2)`` and high ``(a - b) / sqrt(2)``
    (orthonormal: the transform preserves the sum of squares, and :func:`haar_upsample` is both its
    inverse and its transpose). For a 2-D block ``[[a, b], [c, d]]`` the four subbands are

    * LL = (a + b + c + d) / 2 (twice the block mean),
    * LH = (a - b + c - d) / 2 (low along H, high along W: responds to vertical edges),
    * HL = (a + b - c - d) / 2 (high along H, low along W: horizontal edges),
    * HH = (a - b - c + d) / 2.

    Output depth is subband-major: ``out[..., s*C + c]`` is subband ``s`` of channel ``c``, where
    the subband number ``s`` has one bit per spatial axis (1 = high), the first spatial axis the
    most significant bit; so in 2-D the order is LL, LH, HL, HH and ``out[..., :C]`` is the LL band.

    Args:
      x: ``[*batch, *spatial, C]`` floating array, every spatial size even.
      rank: number of spatial axes, 1, 2 or 3.

    Returns:
      ``[*batch, *(spatial / 2), 2**rank * C]``, same dtype as ``x`` (half precision computes in
      float32).

    Raises:
      ValueError: if ``rank`` is not 1, 2 or 3 or a spatial size is odd.
      TypeError: if ``x`` is not floating.

    Example:
      >>> import jax.numpy as jnp
      >>> from resample_jax import haar_downsample
      >>> haar_downsample(jnp.array([[[1.0], [2.0]], [[3.0], [4.0]]]))
      Array([[[ 5., -1., -2.,  0.]]], dtype=float32)

    References:
      Haar, "Zur Theorie der orthogonalen Funktionensysteme", Math. Ann. 1910; Mallat, "A Wavelet
      Tour of Signal Processing"; Xu et al., "Haar wavelet downsampling", Pattern Recognition 2023.
    """
    fn = "haar_downsample"
    r = validation.check_rank(fn, rank)
    arr = validation.check_array(fn, x, r)
    validation.check_floating(fn, arr)
    validation.check_nonempty_spatial(fn, arr, r)
    spatial = validation.spatial_shape(arr, r)
    if any(s % 2 for s in spatial):
        raise ValueError(
            f"{fn}: the spatial sizes of `x` {spatial} (shape {tuple(arr.shape)}) must be even; "
            f"crop or pad `x` first."
        )
    flat, batch = validation.flatten_batch(arr, r)
    return validation.unflatten_batch(dwt._dwt(flat, "haar", "periodization", r), batch)


def haar_upsample(x: ArrayLike, *, rank: int = 2) -> jax.Array:
    """Inverse of :func:`haar_downsample`: ``[*batch, H, W, 4*C] -> [*batch, 2H, 2W, C]``.

    Reads the subband-major layout of :func:`haar_downsample` (LL, LH, HL, HH blocks of C channels
    in 2-D). Because the transform is orthonormal this is also its transpose (and its VJP).

    Args:
      x: ``[*batch, *spatial, 2**rank * C]`` floating array.
      rank: number of spatial axes, 1, 2 or 3.

    Returns:
      ``[*batch, *(2 * spatial), C]``, same dtype as ``x``.

    Raises:
      ValueError: if ``rank`` is not 1, 2 or 3 or the channel count is not divisible by ``2**rank``.
      TypeError: if ``x`` is not floating.

    Example:
      >>> import jax.numpy as jnp
      >>> from resample_jax import haar_upsample
      >>> haar_upsample(jnp.array([[[5.0, -1.0, -2.0, 0.0]]]))[..., 0]
      Array([[1., 2.],
             [3., 4.]], dtype=float32)

    References:
      Haar 1910; Mallat, "A Wavelet Tour of Signal Processing".
    """
    fn = "haar_upsample"
    r = validation.check_rank(fn, rank)
    arr = validation.check_array(fn, x, r)
    validation.check_floating(fn, arr)
    if arr.shape[-1] % 2**r:
        raise ValueError(
            f"{fn}: the channel count of `x` ({arr.shape[-1]}, shape {tuple(arr.shape)}) must be "
            f"divisible by 2**rank = {2**r}."
        )
    flat, batch = validation.flatten_batch(arr, r)
    return validation.unflatten_batch(dwt._idwt(flat, "haar", "periodization", r), batch)
