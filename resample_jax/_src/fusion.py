"""Skip-connection fusion for encoder-decoder networks: matching spatial sizes, then concat or add.

A decoder that upsamples by 2 reaches ``2 * ceil(n / 2)`` samples where the encoder had ``n``: one
too many when ``n`` is odd (or one too few after floor-mode pooling). The skip and the decoder
features must agree before they are fused.
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp
from jax import lax

from resample_jax._src import validation as v
from resample_jax._src.resize import resize

MATCH_MODES = ("crop", "pad", "crop_or_pad", "resize")
FUSE_MODES = ("concat", "add")


def _target(fn: str, reference: Any, rank: int | None) -> tuple[tuple[int, ...], int]:
    """The spatial shape and rank named by ``reference`` (a shape tuple or an array)."""
    if isinstance(reference, (tuple, list)) and all(v._is_int(r) for r in reference):
        size = v.int_tuple(fn, "reference", tuple(reference), v.rank_of(fn, "reference", reference))
        if rank is not None and rank != len(size):
            raise ValueError(
                f"{fn}: `rank` ({rank}) must equal the length of the spatial shape `reference` "
                f"{size}."
            )
        return size, len(size)
    if rank is None:
        rank = v.DEFAULT_RANK
    rank = v.check_rank(fn, rank)
    ref = v.check_array(fn, reference, rank, name="reference")
    return v.spatial_shape(ref, rank), rank


def _signed_pads(size: tuple[int, ...], target: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    """(low, high) amounts taking ``size`` to ``target``: positive pads, negative crops; the odd
    sample goes to (or comes from) the high side."""
    pads = []
    for n, t in zip(size, target, strict=True):
        diff = t - n
        lo = diff // 2 if diff >= 0 else -((-diff) // 2)
        pads.append((lo, diff - lo))
    return tuple(pads)


@functools.partial(jax.jit, static_argnames=("pads",))
def _pad_or_crop(x, *, pads):
    rank = len(pads)
    nb = x.ndim - 1 - rank
    config = [(0, 0, 0)] * nb + [(lo, hi, 0) for lo, hi in pads] + [(0, 0, 0)]
    return lax.pad(x, jnp.zeros((), x.dtype), config)


def match_size(
    x: jax.typing.ArrayLike,
    reference: jax.typing.ArrayLike | tuple[int, ...],
    *,
    mode: str = "crop",
    rank: int | None = None,
) -> jax.Array:
    """Makes the spatial shape of ``x`` equal a reference's: centre crop, zero pad, or resize.

    ``[*batch, *spatial, C] -> [*batch, *target, C]``. ``reference`` is either a spatial shape
    (a tuple of 1-3 ints, which sets the rank) or an array ``[..., *target, C']`` whose spatial
    axes are read with rank ``rank`` (2 if None); only its shape is used.

    Modes, per axis with ``d = |target - n|``:

    * ``"crop"``: centre crop, removing ``d // 2`` samples at the low end and the rest at the
      high end; every axis must be at least the target.
    * ``"pad"``: zero padding, ``d // 2`` at the low end and the rest at the high end (the
      extra sample on the high side); every axis must be at most the target.
    * ``"crop_or_pad"``: crop the axes that are too long and pad those that are too short, as
      above (what a decoder needs when a 2x upsample over- or undershoots an odd size).
    * ``"resize"``: ``resize(x, target, "linear")`` (bilinear, half-pixel centres, antialiased
      when shrinking, as ``jax.image.resize``); any sizes.

    Args:
      x: ``[*batch, *spatial, C]``; any dtype for crop / pad, floating for resize.
      reference: a spatial shape tuple, or an array whose spatial shape is the target.
      mode: ``"crop"``, ``"pad"``, ``"crop_or_pad"`` or ``"resize"``.
      rank: spatial rank when ``reference`` is an array (default 2); must match a tuple's length.

    Returns:
      ``[*batch, *target, C]`` in ``x.dtype``.

    Raises:
      ValueError: an unknown mode (with a suggestion), a crop that would have to grow an axis or
        a pad that would have to shrink one, a rank that is not 1-3, too few dims.

    Example:
      >>> import jax.numpy as jnp
      >>> from resample_jax import match_size
      >>> match_size(jnp.arange(5.0).reshape(5, 1), (3,))[:, 0]
      Array([1., 2., 3.], dtype=float32)

    References:
      Ronneberger, Fischer & Brox, "U-Net", MICCAI 2015 (centre-cropped skip connections).
    """
    fn = "match_size"
    mode = v.check_choice(fn, "mode", mode, MATCH_MODES)
    target, rank = _target(fn, reference, rank)
    arr = v.check_array(fn, x, rank)
    size = v.spatial_shape(arr, rank)
    if mode == "resize":
        return resize(arr, target, "linear")
    grow = [n < t for n, t in zip(size, target, strict=True)]
    if (
        mode == "crop"
        and any(grow)
        or mode == "pad"
        and any(n > t for n, t in zip(size, target, strict=True))
    ):
        other = "pad" if mode == "crop" else "crop"
        raise ValueError(
            f"{fn}: mode {mode!r} cannot take spatial shape {size} to {target}; use "
            f"mode='crop_or_pad' (or {other!r}, or 'resize')."
        )
    if size == target:
        return arr
    return _pad_or_crop(arr, pads=_signed_pads(size, target))


def fuse_options(fn: str, mode: Any, match: Any, rank: Any) -> tuple[str, str, int]:
    """The options of :func:`fuse`, checked without an array; returns them canonical."""
    return (
        v.check_choice(fn, "mode", mode, FUSE_MODES),
        v.check_choice(fn, "match", match, MATCH_MODES),
        v.check_rank(fn, rank),
    )


def fuse(
    skip: jax.typing.ArrayLike,
    x: jax.typing.ArrayLike,
    *,
    mode: str = "concat",
    match: str = "crop_or_pad",
    rank: int = 2,
) -> jax.Array:
    """Fuses decoder features ``x`` into an encoder skip connection, matching ``x`` to ``skip``.

    ``skip [*batch, *spatial, C_s]``, ``x [*batch, *spatial', C_x]``: ``x`` is first brought to
    ``skip``'s spatial shape by :func:`match_size` with ``mode=match``, then

    * ``"concat"``: ``[*batch, *spatial, C_s + C_x]``, skip channels first (U-Net);
    * ``"add"``: ``[*batch, *spatial, C]``, ``skip + x`` (FPN, LinkNet), with ``C_s == C_x``.

    Args:
      skip: encoder features ``[*batch, *spatial, C_s]``.
      x: decoder features ``[*batch, *spatial', C_x]``, same batch shape and dtype as ``skip``.
      mode: ``"concat"`` or ``"add"``.
      match: how ``x`` is matched to ``skip``: ``"crop_or_pad"`` (default), ``"crop"``,
        ``"pad"`` or ``"resize"`` (see :func:`match_size`).
      rank: spatial rank (1, 2 or 3).

    Returns:
      The fused array in the dtype of the inputs.

    Raises:
      ValueError: an unknown mode or match (with a suggestion), batch shapes that differ,
        ``"add"`` with different channel counts, a rank that is not 1-3.
      TypeError: ``skip`` and ``x`` with different dtypes.

    Example:
      >>> import jax.numpy as jnp
      >>> from resample_jax import fuse
      >>> fuse(jnp.ones((1, 7, 7, 16)), jnp.ones((1, 8, 8, 8))).shape
      (1, 7, 7, 24)

    References:
      Ronneberger et al., "U-Net", MICCAI 2015 (concat); Lin et al., "Feature Pyramid Networks
      for Object Detection", CVPR 2017 (add).
    """
    fn = "fuse"
    mode, match, rank = fuse_options(fn, mode, match, rank)
    s = v.check_array(fn, skip, rank, name="skip")
    arr = v.check_array(fn, x, rank)
    if s.dtype != arr.dtype:
        raise TypeError(f"{fn}: `skip` ({s.dtype}) and `x` ({arr.dtype}) must have the same dtype.")
    nb = s.ndim - 1 - rank
    if s.shape[:nb] != arr.shape[: arr.ndim - 1 - rank]:
        raise ValueError(
            f"{fn}: `skip` and `x` must have the same batch shape; got shapes {tuple(s.shape)} "
            f"and {tuple(arr.shape)} for rank {rank}."
        )
    if mode == "add" and s.shape[-1] != arr.shape[-1]:
        raise ValueError(
            f"{fn}: mode 'add' needs equal channel counts; got {s.shape[-1]} (skip) and "
            f"{arr.shape[-1]} (x). Use mode='concat'."
        )
    matched = match_size(arr, v.spatial_shape(s, rank), mode=match)
    return s + matched if mode == "add" else jnp.concatenate([s, matched], axis=-1)
