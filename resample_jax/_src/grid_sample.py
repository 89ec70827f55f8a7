"""Sampling an image at arbitrary normalised coordinates (spatial transformers, deformable / learned
offsets such as DySample), and the affine sampling grids that drive it.

Both functions follow ``torch.nn.functional.grid_sample`` / ``affine_grid`` exactly, transposed to
channels-last: coordinates live in [-1, 1] and the last grid axis lists them as (x, y[, z]), x
indexing the LAST spatial axis (width). Sampling gathers ``taps ** rank`` neighbours per output
point (1 nearest, 2 linear, 4 cubic per axis) in one gather with flat indices and sums them with
products of per-axis weights; nothing is dense in (input x output).
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from resample_jax._src import validation
from resample_jax._src.kernels import keys_cubic

_METHODS = {
    "nearest": "nearest",
    "linear": "linear",
    "bilinear": "linear",
    "trilinear": "linear",
    "cubic": "cubic",
    "bicubic": "cubic",
}
_PADDING_MODES = ("zeros", "border", "reflection")
# PyTorch's grid_sample bicubic uses Keys' kernel with a = -0.75 (as its non-antialiased resize).
_TORCH_CUBIC_A = -0.75


def _check_bool(fn: str, name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{fn}: `{name}` must be True or False; got {value!r}.")
    return value


# The helpers below work on every spatial axis at once: `size` holds the axis lengths as a float
# array broadcastable against the coordinates (one vectorised graph instead of one per axis and tap
# keeps XLA's compile time low).


def _unnormalize(c: jax.Array, size: jax.Array, align_corners: bool) -> jax.Array:
    """[-1, 1] to pixel units: -1 and 1 are the outer pixel centres (align_corners) or edges."""
    if align_corners:
        return (c + 1.0) / 2.0 * (size - 1.0)
    return ((c + 1.0) * size - 1.0) / 2.0


def _clip(c: jax.Array, size: jax.Array) -> jax.Array:
    # Written with `where` rather than jnp.clip so that the gradient is exactly 0 at and beyond
    # the bounds, as PyTorch's clip_coordinates_set_grad defines it (jnp.clip splits ties).
    return jnp.where(c <= 0.0, 0.0, jnp.where(c >= size - 1.0, size - 1.0, c))


def _reflect(c: jax.Array, low: float, span: jax.Array) -> jax.Array:
    """Folds ``c`` into [low, low + span] by mirroring at both ends, repeatedly."""
    # span is 0 only for a 1-pixel axis with align_corners, where the caller's clip maps every
    # coordinate to 0 anyway; a span of 1 there avoids dividing by zero.
    span = jnp.where(span > 0.0, span, 1.0)
    c = c - low
    c = jnp.where(c < 0.0, -c, c)
    # One period of the fold is 2 * span: fmod is exact, and so is 2 * span - e for e in
    # (span, 2 * span) (Sterbenz). Deriving the side from floor(c / span) instead disagreed with
    # the remainder near the fold points, because XLA compiles the division into a multiply by
    # the rounded reciprocal (a coordinate of 1.0 on a 48-pixel axis read pixel 0, not 47).
    e = jnp.fmod(c, 2.0 * span)
    return jnp.where(e > span, 2.0 * span - e, e) + low


def _pad_coordinate(
    c: jax.Array, size: jax.Array, padding_mode: str, align_corners: bool
) -> jax.Array:
    """Maps a pixel coordinate outside the image to the one ``padding_mode`` reads instead."""
    if padding_mode == "border":
        return _clip(c, size)
    if padding_mode == "reflection":
        # Mirror about the outermost pixel centres (align_corners) or the image edges (otherwise,
        # and the clip then reads the outer half pixels as the outermost centres).
        if align_corners:
            return _clip(_reflect(c, 0.0, size - 1.0), size)
        return _clip(_reflect(c, -0.5, size), size)
    return c


def _taps(
    c: jax.Array, size: jax.Array, method: str, padding_mode: str, align_corners: bool
) -> tuple[jax.Array, jax.Array | None, jax.Array]:
    """Taps of normalised coordinates ``c`` ``[..., rank]`` (spatial-axis order).

    Returns the tap positions ``[..., rank, K]`` (float, integer-valued), their weights (None for
    nearest) and whether each tap lies inside the image; K is 1, 2 or 4.
    """
    finite = jnp.isfinite(c)
    # Non-finite coordinates are replaced before any arithmetic so that neither the value nor the
    # gradient can pick up a NaN; their taps are marked out of range below.
    c = jnp.where(finite, c, 0.0)
    u = _unnormalize(c, size, align_corners)
    size = size[..., None]
    weight = None
    if method == "nearest":
        # Round half to even, as PyTorch's nearbyint.
        pos = jnp.round(_pad_coordinate(u, size[..., 0], padding_mode, align_corners))[..., None]
    elif method == "linear":
        u = _pad_coordinate(u, size[..., 0], padding_mode, align_corners)
        u0 = jnp.floor(u)
        t = (u - u0)[..., None]
        pos = u0[..., None] + jnp.arange(2, dtype=c.dtype).reshape((1,) * u.ndim + (2,))
        weight = jnp.concatenate([1.0 - t, t], axis=-1)
    else:
        # Cubic pads each integer tap rather than the continuous coordinate (PyTorch's
        # get_value_bounded), so the four taps can fold back onto each other near an edge.
        u0 = jnp.floor(u)[..., None]
        offsets = (jnp.arange(4, dtype=c.dtype) - 1.0).reshape((1,) * u.ndim + (4,))
        pos = _pad_coordinate(u0 + offsets, size, padding_mode, align_corners)
        weight = keys_cubic(u[..., None] - u0 - offsets, _TORCH_CUBIC_A)
    ok = finite[..., None] & (pos >= 0.0) & (pos <= size - 1.0)
    return pos, weight, ok


@functools.partial(jax.jit, static_argnames=("method", "padding_mode", "align_corners"))
def _grid_sample(
    x: jax.Array, grid: jax.Array, method: str, padding_mode: str, align_corners: bool
) -> jax.Array:
    rank = grid.shape[-1]
    batch = x.shape[: x.ndim - 1 - rank]
    spatial = x.shape[x.ndim - 1 - rank : -1]
    out_spatial = grid.shape[grid.ndim - 1 - rank : -1]
    channels = x.shape[-1]
    n, q = math.prod(batch), math.prod(out_spatial)

    # Half precision is interpolated in float32 (explicit: strict promotion has no f16 -> f32 path).
    value_dtype = x.dtype
    if jnp.issubdtype(x.dtype, jnp.floating) and jnp.finfo(x.dtype).bits < 32:
        value_dtype = jnp.dtype(jnp.float32)
    coord_dtype = grid.dtype if jnp.finfo(grid.dtype).bits >= 32 else jnp.dtype(jnp.float32)
    values = x.reshape(n, math.prod(spatial), channels).astype(value_dtype)
    # Grid component 0 is x, the last spatial axis: reverse to spatial-axis order.
    coords = grid.reshape(n, q, rank).astype(coord_dtype)[..., ::-1]

    size = jnp.asarray(spatial, coord_dtype).reshape(1, 1, rank)
    pos, weight, ok = _taps(coords, size, method, padding_mode, align_corners)
    strides = jnp.asarray([math.prod(spatial[a + 1 :]) for a in range(rank)], jnp.int32)
    index = jnp.where(ok, pos, 0.0).astype(jnp.int32) * strides.reshape(1, 1, rank, 1)

    # Every combination of one tap per axis: axis a's taps go to corner axis a, and broadcasting
    # forms the flat index, the product weight and the joint in-range mask.
    taps = pos.shape[-1]
    flat = both = prod = None
    for a in range(rank):
        corner_shape = (n, q, *(taps if b == a else 1 for b in range(rank)))
        i, o = index[:, :, a].reshape(corner_shape), ok[:, :, a].reshape(corner_shape)
        flat = i if flat is None else flat + i
        both = o if both is None else both & o
        if weight is not None:
            w = weight[:, :, a].reshape(corner_shape).astype(value_dtype)
            prod = w if prod is None else prod * w
    index, ok, weight = flat, both, prod
    corners = math.prod(index.shape[2:])
    # One gather for all corners of all points; each gathered row is the C channels of a pixel.
    v = jnp.take_along_axis(
        values, index.reshape(n, q * corners, 1), axis=1, mode="promise_in_bounds"
    ).reshape(n, q, corners, channels)
    v = jnp.where(ok.reshape(n, q, corners, 1), v, jnp.zeros((), value_dtype))
    if method == "nearest":
        out = v[:, :, 0]
    else:
        out = jnp.sum(weight.reshape(n, q, corners, 1) * v, axis=2)
    return out.astype(x.dtype).reshape(*batch, *out_spatial, channels)


def grid_sample(
    x: ArrayLike,
    grid: ArrayLike,
    method: str = "linear",
    *,
    padding_mode: str = "zeros",
    align_corners: bool = False,
) -> jax.Array:
    """Samples ``x`` at the normalised coordinates in ``grid`` (PyTorch's ``grid_sample``).

    Shapes: ``x`` is ``[*batch, H, W, C]`` (2-D), ``[*batch, D, H, W, C]`` (3-D) or
    ``[*batch, W, C]`` (1-D); ``grid`` is ``[*batch, *out_spatial, rank]`` with the same ``batch``
    (no broadcasting: use ``jnp.broadcast_to`` to share one grid across images). The spatial rank is
    ``grid.shape[-1]``; ``grid[..., 0]`` is the x coordinate (last spatial axis, W),
    ``grid[..., 1]`` y (H), ``grid[..., 2]`` z (D). -1 and 1 are the centres of the outermost
    pixels with ``align_corners=True``, and their outer edges with ``align_corners=False``.

    Padding (what is read outside the image): ``"zeros"`` reads 0; ``"border"`` clamps the
    coordinate to the image; ``"reflection"`` mirrors it about the outermost pixel centres
    (``align_corners=True``) or the image edges (False). For nearest and linear the coordinate is
    padded before interpolating; for cubic each of the 4 integer taps per axis is padded, as in
    PyTorch.

    Non-finite coordinates (NaN, +-inf) select nothing: the output at that point is 0 in every
    padding mode, with zero gradient. This is what PyTorch's generic kernels (3-D, CUDA) do for
    ``"zeros"``; for ``"border"`` / ``"reflection"`` and in its vectorised 2-D CPU kernel
    PyTorch's result depends on the kernel (NaN, or some edge pixel): there is no single behaviour
    to match.

    Gradients flow to ``x`` and to ``grid`` (linear and cubic; nearest has zero gradient w.r.t.
    ``grid``). The gradient w.r.t. ``grid`` matches PyTorch's, including the zero gradient of
    coordinates clamped by ``"border"`` and the sign flips of ``"reflection"``. The gradient
    w.r.t. ``x`` is a scatter-add onto data-dependent pixels: unavoidable for arbitrary grids, and
    it runs as a serial loop on CPU. The gathered samples, ``taps ** rank`` per output point and
    channel (4 bilinear, 8 trilinear, 16 bicubic, 64 for 3-D cubic), are held at once.

    Args:
      x: ``[*batch, *spatial, C]`` image. Real or complex floating for ``"linear"`` /
        ``"cubic"`` (float16 and bfloat16 are computed in float32 and cast back; complex is
        interpolated natively with real weights); ``"nearest"`` also accepts integer and bool
        arrays and keeps their dtype.
      grid: ``[*batch, *out_spatial, rank]`` floating coordinates, rank 1, 2 or 3.
      method: ``"nearest"`` (round half to even), ``"linear"`` (aliases ``"bilinear"``,
        ``"trilinear"``) or ``"cubic"`` (alias ``"bicubic"``; Keys a = -0.75 as PyTorch, also in
        1-D and 3-D, which PyTorch does not offer).
      padding_mode: ``"zeros"``, ``"border"`` or ``"reflection"``.
      align_corners: whether -1 and 1 address the centres (True) or the outer edges (False) of the
        outermost pixels.

    Returns:
      ``[*batch, *out_spatial, C]`` array with the dtype of ``x``.

    Raises:
      ValueError: unknown ``method`` / ``padding_mode``; ``grid.shape[-1]`` not 1, 2 or 3; ``x``
        or ``grid`` with too few axes for that rank; batch axes of ``x`` and ``grid`` that differ;
        an empty spatial axis in ``x``.
      TypeError: non-floating ``grid``; integer or bool ``x`` for linear / cubic; non-bool
        ``align_corners``.

    Example:
      >>> import jax.numpy as jnp
      >>> x = jnp.arange(4.0).reshape(1, 2, 2, 1)
      >>> grid = jnp.array([[[[0.0, 0.0], [-1.0, -1.0]]]])  # centre, top-left corner
      >>> grid_sample(x, grid, align_corners=True)[..., 0]
      Array([[[1.5, 0. ]]], dtype=float32)

    References:
      Jaderberg et al., "Spatial Transformer Networks", NeurIPS 2015.
      PyTorch ``torch.nn.functional.grid_sample`` (coordinate, padding and rounding conventions).
      Keys, "Cubic convolution interpolation for digital image processing", IEEE TASSP 1981.
    """
    fn = "grid_sample"
    method = _METHODS[validation.check_choice(fn, "method", method, tuple(_METHODS))]
    padding_mode = validation.check_choice(fn, "padding_mode", padding_mode, _PADDING_MODES)
    align_corners = _check_bool(fn, "align_corners", align_corners)
    if isinstance(grid, (str, bytes)) or grid is None:
        raise TypeError(f"{fn}: `grid` must be an array; got {type(grid).__name__}.")
    grid = jnp.asarray(grid)
    if grid.ndim < 2 or grid.shape[-1] not in validation.SUPPORTED_RANKS:
        raise ValueError(
            f"{fn}: `grid` must have shape (*batch, *out_spatial, rank) with rank = 1, 2 or 3 "
            f"coordinates (x, y[, z]) in its last axis; got shape {tuple(grid.shape)}."
        )
    rank = grid.shape[-1]
    if grid.ndim < rank + 1:
        raise ValueError(
            f"{fn}: a grid of {rank}-D coordinates needs {rank} output spatial axes, shape "
            f"(*batch, *out_spatial, {rank}); got shape {tuple(grid.shape)}."
        )
    validation.check_floating(fn, grid, "grid")
    x = validation.check_array(fn, x, rank)
    if method != "nearest":
        validation.check_inexact(fn, x, "x")
    elif not (
        jnp.issubdtype(x.dtype, jnp.inexact)
        or jnp.issubdtype(x.dtype, jnp.integer)
        or x.dtype == jnp.bool_
    ):
        raise TypeError(
            f"{fn}: `x` must be a floating, complex, integer or bool array; got {x.dtype}."
        )
    x_batch = x.shape[: x.ndim - 1 - rank]
    grid_batch = grid.shape[: grid.ndim - 1 - rank]
    if x_batch != grid_batch:
        raise ValueError(
            f"{fn}: `x` and `grid` must have the same batch axes; x has shape {tuple(x.shape)} "
            f"(batch {x_batch}, {rank}-D spatial + channels) and grid has shape "
            f"{tuple(grid.shape)} (batch {grid_batch}). Use jnp.broadcast_to to share one grid."
        )
    if 0 in validation.spatial_shape(x, rank):
        raise ValueError(f"{fn}: `x` must have non-empty spatial axes; got shape {tuple(x.shape)}.")
    return _grid_sample(x, grid, method, padding_mode, align_corners)


def _base_coordinates(size: int, align_corners: bool, dtype: jnp.dtype) -> jax.Array:
    """The normalised coordinates of the ``size`` pixel centres along one axis."""
    if size == 1:
        return jnp.zeros((1,), dtype)
    c = jnp.linspace(-1.0, 1.0, size, dtype=dtype)
    return c if align_corners else c * ((size - 1) / size)


@functools.partial(jax.jit, static_argnames=("size", "align_corners"))
def _affine_grid(theta: jax.Array, size: tuple[int, ...], align_corners: bool) -> jax.Array:
    rank = len(size)
    batch = theta.shape[:-2]
    out_dtype = theta.dtype
    dtype = out_dtype if jnp.finfo(out_dtype).bits >= 32 else jnp.dtype(jnp.float32)
    theta = theta.astype(dtype)
    lead = (1,) * len(batch)
    # Component j of the output lists the coordinate of spatial axis rank-1-j (x, y, z order);
    # a sum of products rather than a matmul keeps full float32 precision on every backend.
    out = jnp.broadcast_to(
        theta[..., :, rank].reshape(*batch, *(1,) * rank, rank), (*batch, *size, rank)
    )
    for j in range(rank):
        axis = rank - 1 - j
        shape = [1] * rank
        shape[axis] = size[axis]
        base = _base_coordinates(size[axis], align_corners, dtype).reshape(*lead, *shape, 1)
        out = out + theta[..., :, j].reshape(*batch, *(1,) * rank, rank) * base
    return out.astype(out_dtype)


def affine_grid(
    theta: ArrayLike, size: int | tuple[int, ...], *, align_corners: bool = False
) -> jax.Array:
    """Sampling grid of an affine map for :func:`grid_sample` (PyTorch's ``affine_grid``).

    Output point ``p`` (normalised coordinates of the output pixel centres, (x, y[, z]) order) is
    mapped to ``theta @ [p, 1]``. Shapes: ``theta`` is ``[*batch, rank, rank + 1]``; the result is
    ``[*batch, *size, rank]``. Unlike PyTorch, ``size`` lists the output spatial sizes only
    (no N, C).

    Args:
      theta: ``[*batch, rank, rank + 1]`` floating affine matrices acting on (x, y[, z], 1).
      size: output spatial size ``(H, W)`` / ``(D, H, W)`` / ``(W,)``; a bare int means a 2-D
        square ``(size, size)``. Its length must equal ``rank``.
      align_corners: as in :func:`grid_sample`; use the same value for both.

    Returns:
      ``[*batch, *size, rank]`` grid with the dtype of ``theta`` (half precision is computed in
      float32 and cast back).

    Raises:
      ValueError: ``theta.shape[-2:]`` is not ``(rank, rank + 1)`` for the rank of ``size``;
        entries of ``size`` below 1.
      TypeError: non-floating ``theta``; non-int ``size``; non-bool ``align_corners``.

    Example:
      >>> import jax.numpy as jnp
      >>> identity = jnp.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
      >>> affine_grid(identity, (1, 3), align_corners=True)[..., 0]
      Array([[-1.,  0.,  1.]], dtype=float32)

    References:
      Jaderberg et al., "Spatial Transformer Networks", NeurIPS 2015.
      PyTorch ``torch.nn.functional.affine_grid``.
    """
    fn = "affine_grid"
    rank = validation.rank_of(fn, "size", size)
    size = validation.int_tuple(fn, "size", size, rank, minimum=1)
    align_corners = _check_bool(fn, "align_corners", align_corners)
    if isinstance(theta, (str, bytes)) or theta is None:
        raise TypeError(f"{fn}: `theta` must be an array; got {type(theta).__name__}.")
    theta = jnp.asarray(theta)
    validation.check_floating(fn, theta, "theta")
    if theta.shape[-2:] != (rank, rank + 1):
        raise ValueError(
            f"{fn}: `theta` must have shape (*batch, {rank}, {rank + 1}) for a {rank}-D size "
            f"{size}; got shape {tuple(theta.shape)}."
        )
    return _affine_grid(theta, size, align_corners)
