"""The table of every downsampling and upsampling method, and factories that build them as modules.

:data:`METHODS` holds one frozen :class:`Method` record per method and direction: its name and
aliases, direction, whether it has learned parameters, the factors it can do, how it treats
channels, the module that implements it (a :class:`Build`: class name and arguments, valid for
:mod:`resample_jax.nnx` and :mod:`resample_jax.linen` alike), a one-line description and the paper
or peer behaviour it follows. Everything else reads the records: :data:`UPSAMPLERS` /
:data:`DOWNSAMPLERS`, the name lists, :func:`make_upsampler` / :func:`make_downsampler` (which map
``(*batch, *spatial, in_features)`` to ``(*batch, *(spatial * factor), out_features)``, or
``spatial // factor`` when downsampling), the experiment runner and the tests.

Channels (``Method.channels``): ``"any"`` methods (learned convolutions) map ``in_features`` to
``out_features`` themselves. The others change channels in a fixed way: ``"keep"`` (fixed
resamplers, CARAFE, DySample), ``"multiply"`` (``pixel_unshuffle`` and ``haar`` downsampling give
``prod(factor)`` times the channels) or ``"divide"`` (``haar`` upsampling reads ``prod(factor)``
subbands per output channel); a 1x1 convolution ("projection", with bias) is added where the
counts do not match, at the lower resolution: before an upsampler, after a downsampler. So a fixed
method has parameters exactly when a projection was needed; ``count_weights`` in
:mod:`resample_jax.models` counts them.

Adding a method is one record here (plus its pure function and its NNX module): the factories,
name lists, Linen twin and the table-walking tests pick it up.

Example:
  >>> from flax import nnx
  >>> import jax.numpy as jnp
  >>> up = make_upsampler("bilinear", 8, 4, 2, rngs=nnx.Rngs(0))
  >>> up(jnp.ones((1, 5, 5, 8))).shape
  (1, 10, 10, 4)
  >>> "pixel_shuffle" in upsampler_names(learned=True)
  True
  >>> get_method("subpixel", "up").name
  'pixel_shuffle'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import jax
from flax import nnx

from resample_jax import nnx as rnnx
from resample_jax._src import validation
from resample_jax._src.method_records import METHODS, Build, BuildArgs, Method, Pairing

__all__ = [
    "Build",
    "BuildArgs",
    "DOWNSAMPLERS",
    "Pairing",
    "METHODS",
    "Method",
    "Resampler",
    "UPSAMPLERS",
    "check_pair",
    "downsampler_names",
    "get_method",
    "make_downsampler",
    "make_upsampler",
    "upsampler_names",
]


for _record_type in (Build, BuildArgs, Method, Pairing):
    _record_type.__module__ = __name__  # documented (and pickled) as resample_jax.methods


def _table(direction: str) -> Mapping[str, Method]:
    return MappingProxyType({m.name: m for m in METHODS if m.direction == direction})


UPSAMPLERS: Mapping[str, Method] = _table("up")
"""Upsampling methods by name."""

DOWNSAMPLERS: Mapping[str, Method] = _table("down")
"""Downsampling methods by name."""


def _names(table: Mapping[str, Method], learned: bool | None, paired: bool) -> list[str]:
    return sorted(
        m.name
        for m in table.values()
        if (learned is None or m.learned == learned) and (paired or m.pair is None)
    )


def upsampler_names(learned: bool | None = None, *, include_paired: bool = False) -> list[str]:
    """Names of the upsampling methods, sorted.

    Args:
      learned: True for methods with learned parameters only, False for fixed ones only, None
        for all.
      include_paired: also list the paired upsamplers (``max_unpool``, ``aps_upsample``,
        ``lpu``), whose modules need side information from their downsampler (``Method.pair``),
        so they cannot stand alone as ``up(x)``.

    Returns:
      A sorted list of names, each accepted by :func:`make_upsampler`.

    Example:
      >>> names = upsampler_names(learned=False)
      >>> "bilinear" in names, "pixel_shuffle" in names, "max_unpool" in names
      (True, False, False)
    """
    return _names(UPSAMPLERS, learned, include_paired)


def downsampler_names(learned: bool | None = None) -> list[str]:
    """Names of the downsampling methods, sorted.

    Args:
      learned: True for methods with learned parameters only, False for fixed ones only, None
        for all.

    Returns:
      A sorted list of names, each accepted by :func:`make_downsampler`.

    Example:
      >>> downsampler_names(learned=True)
      ['lps', 'strided_conv']
    """
    return _names(DOWNSAMPLERS, learned, True)


def get_method(name: str, direction: str) -> Method:
    """The :class:`Method` record of ``name`` (or one of its aliases) in the ``"up"`` or
    ``"down"`` table.

    Args:
      name: a method name or alias (case-insensitive).
      direction: ``"up"`` or ``"down"``.

    Returns:
      The frozen record.

    Raises:
      ValueError: unknown name (the message lists the valid ones and suggests the closest).

    Example:
      >>> get_method("haar", "down").factors
      '2'
      >>> get_method("transposed", "up").name
      'conv_transpose'
    """
    direction = validation.check_choice("get_method", "direction", direction, ("up", "down"))
    table = UPSAMPLERS if direction == "up" else DOWNSAMPLERS
    names = {n: m for m in table.values() for n in (m.name, *m.aliases)}
    fn = "make_upsampler" if direction == "up" else "make_downsampler"
    return names[validation.check_choice(fn, f"{direction}sampling method", name, tuple(names))]


class Resampler(nnx.Module):
    """A resampling module with optional 1x1 projections before and after it.

    Built by :func:`make_upsampler` / :func:`make_downsampler`: ``pre`` and ``post`` are
    ``StridedConv`` 1x1 projections (stride 1) or None, ``op`` the method's module. Calling it runs
    ``post(op(pre(x), *args, **kwargs))``; extra arguments go to ``op`` (a paired upsampler takes
    the side information of its downsampler, see :class:`Pairing`; a method that draws noise in
    training, one with an ``rng_stream``, takes ``rngs=``). A paired downsampler
    (``paired=True``) returns ``(post(y), side)``.

    Example:
      >>> from flax import nnx
      >>> r = make_downsampler("max_pool", 3, 3, 2, rngs=nnx.Rngs(0))
      >>> r.pre is None and r.post is None
      True
    """

    def __init__(
        self, method: Method, op: nnx.Module, pre: nnx.Module | None, post: nnx.Module | None
    ):
        self.method = method
        self.op = op
        self.pre = pre
        self.post = post

    def __call__(self, x: jax.typing.ArrayLike, *args: Any, **kwargs: Any) -> Any:
        if self.pre is not None:
            x = self.pre(x)
        y = self.op(x, *args, **kwargs)
        if self.post is None:
            return y
        if isinstance(y, tuple):  # a paired downsampler's (y, side): only y is projected
            return (self.post(y[0]), *y[1:])
        return self.post(y)


def _side_option(method: Method) -> str:
    """The option that makes the downsampler ``method`` return its paired upsampler's side
    information."""
    for up in UPSAMPLERS.values():
        if up.pair is not None and up.pair.down == method.name:
            return up.pair.option
    have = sorted(m.pair.down for m in UPSAMPLERS.values() if m.pair is not None)
    raise ValueError(
        f"make_downsampler: `paired=True` needs a downsampler that a paired upsampler consumes; "
        f"{method.name!r} has none (valid: {have})."
    )


def check_pair(down: str, up: str, *, fn: str = "check_pair") -> Pairing | None:
    """Checks that the upsampler ``up`` can follow the downsampler ``down`` in an encoder-decoder.

    A paired upsampler (``Method.pair`` set: ``max_unpool``, ``aps_upsample``, ``lpu``) consumes
    side information of one downsampler (``max_pool``, ``aps``, ``lps``) and needs exactly that
    one; every other upsampler goes with any downsampler.

    Args:
      down: a downsampling method name or alias.
      up: an upsampling method name or alias.
      fn: the caller's name for the error message.

    Returns:
      The upsampler's :class:`Pairing`, or None when it stands alone.

    Raises:
      ValueError: an unknown name, or a paired upsampler without its downsampler.

    Example:
      >>> check_pair("aps", "aps_upsample").option
      'return_phase'
      >>> check_pair("max_pool", "bilinear") is None
      True
    """
    d, u = get_method(down, "down"), get_method(up, "up")
    if u.pair is not None and u.pair.down != d.name:
        raise ValueError(
            f"{fn}: upsampler {u.name!r} consumes the {u.pair.side} of its paired downsampler "
            f"{u.pair.down!r}, so `down` must be {u.pair.down!r}; got `down` = {down!r}."
        )
    return u.pair


def _make(
    direction: str,
    name: str,
    in_features: int,
    out_features: int,
    factor: Any,
    rank: int,
    kernel_size: int | None,
    rngs: nnx.Rngs,
    paired: bool = False,
) -> Resampler:
    fn = "make_upsampler" if direction == "up" else "make_downsampler"
    method = get_method(name, direction)
    paired = validation.check_bool(fn, "paired", paired)
    side_option = _side_option(method) if paired else None
    rank = validation.check_rank(fn, rank)
    for arg, value in (("in_features", in_features), ("out_features", out_features)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{fn}: `{arg}` must be a positive int; got {value!r}.")
    factors = validation.int_tuple(fn, "factor", factor, rank)
    if not method.supports(factors):
        raise ValueError(
            f"{fn}: method {method.name!r} can only {direction}sample by 2 per axis; got factor "
            f"{factor!r}."
        )
    if kernel_size is not None and (
        not isinstance(kernel_size, int) or isinstance(kernel_size, bool) or kernel_size < 1
    ):
        raise ValueError(
            f"{fn}: `kernel_size` must be a positive int or None; got {kernel_size!r}."
        )

    def projection(c_in: int, c_out: int) -> rnnx.StridedConv | None:
        if c_in == c_out:
            return None
        return rnnx.StridedConv(c_in, c_out, (1,) * rank, 1, 0, rngs=rngs)

    block = math.prod(factors)
    if method.channels == "any":
        c_in, c_out = in_features, out_features
    elif direction == "up":
        c_in = c_out = out_features
        if method.channels == "divide":
            c_in = out_features * block
    else:
        c_in = c_out = in_features
        if method.channels == "multiply":
            c_out = in_features * block
    build = method.build(BuildArgs(c_in, c_out, factors, rank, kernel_size))
    if side_option is not None:
        build = build._replace(kwargs=MappingProxyType({**build.kwargs, side_option: True}))
    op = build.nnx(rngs)
    if direction == "up":
        return Resampler(method, op, projection(in_features, c_in), None)
    return Resampler(method, op, None, projection(c_out, out_features))


def make_upsampler(
    name: str,
    in_features: int,
    out_features: int,
    factor: int | Sequence[int],
    *,
    rank: int = 2,
    kernel_size: int | None = None,
    rngs: nnx.Rngs,
) -> Resampler:
    """Builds the upsampling method ``name`` as an NNX module.

    ``(*batch, *spatial, in_features) -> (*batch, *(spatial * factor), out_features)``. Defaults of
    the learned methods: ``pixel_shuffle`` 3x3 kernel with ICNR initialisation; ``conv_transpose``
    window ``2f - f % 2`` with padding ``f // 2`` (``kernel_size=k`` sets another window; padding
    and output padding are then chosen so the output is exactly ``f * n`` and centred);
    ``resize_conv`` nearest + 3x3; ``carafe`` compressor to ``min(64, in)`` channels, 3x3 encoder,
    5x5 reassembly kernels; ``dysample`` "lp" style with ``gcd(4, in)`` groups. ``kernel_size``
    replaces the 3x3 of ``pixel_shuffle`` / ``resize_conv`` and the window of ``conv_transpose``,
    and is ignored by the other methods. A paired method (``Method.pair``) builds a module called
    with its downsampler's side information: ``max_unpool`` as ``up(x, indices, output_size)``,
    ``aps_upsample`` as ``up(x, phase)``, ``lpu`` as ``up(x, weights)``.

    Args:
      name: an upsampling method (:func:`upsampler_names`) or one of its aliases.
      in_features: input channels.
      out_features: output channels (a 1x1 projection is added where the method cannot change
        them; see the module docstring).
      factor: an int (every axis) or ``rank`` ints.
      rank: spatial rank, 1, 2 or 3.
      kernel_size: optional window of the learned convolution (see above).
      rngs: random streams for the parameters.

    Returns:
      A :class:`Resampler`.

    Raises:
      ValueError: unknown name (with the valid ones and a suggestion), a factor the method cannot
        do (``haar``: 2 only), non-positive channels or factor.

    Example:
      >>> from flax import nnx
      >>> import jax.numpy as jnp
      >>> up = make_upsampler("dysample", 8, 8, 2, rngs=nnx.Rngs(0))
      >>> up(jnp.ones((2, 4, 4, 8))).shape
      (2, 8, 8, 8)

    References:
      See each :class:`Method`'s ``reference``.
    """
    return _make("up", name, in_features, out_features, factor, rank, kernel_size, rngs)


def make_downsampler(
    name: str,
    in_features: int,
    out_features: int,
    factor: int | Sequence[int],
    *,
    rank: int = 2,
    kernel_size: int | None = None,
    paired: bool = False,
    rngs: nnx.Rngs,
) -> Resampler:
    """Builds the downsampling method ``name`` as an NNX module.

    ``(*batch, *spatial, in_features) -> (*batch, *(spatial // factor), out_features)`` when the
    factor divides the size. Otherwise pooling and resize methods floor (``n // f``) while
    ``blur_pool``, ``max_blur_pool`` and ``strided_conv`` ('SAME') give ``ceil(n / f)`` samples,
    as their peers do; ``haar`` needs even sizes. Pooling methods use non-overlapping windows of
    size ``factor``; ``blur_pool`` / ``max_blur_pool`` a 3-tap binomial blur (the latter after a
    stride-1 max over ``factor``-sized windows); ``strided_conv`` a window ``2f - 1`` (or
    ``kernel_size``); resize methods are antialiased.

    Args:
      name: a downsampling method (:func:`downsampler_names`) or one of its aliases.
      in_features, out_features, factor, rank, rngs: as for :func:`make_upsampler`.
      kernel_size: optional window of ``strided_conv``; ignored by the other methods.
      paired: build the module so it returns ``(y, side)``, the side information its paired
        upsampler consumes (:class:`Pairing`: ``max_pool`` indices, ``aps`` phase, ``lps``
        weights).

    Returns:
      A :class:`Resampler`.

    Raises:
      ValueError: as :func:`make_upsampler` raises it; ``paired=True`` for a downsampler that no
        upsampler pairs with.

    Example:
      >>> from flax import nnx
      >>> import jax.numpy as jnp
      >>> down = make_downsampler("haar", 3, 8, 2, rngs=nnx.Rngs(0))
      >>> down(jnp.ones((4, 4, 3))).shape
      (2, 2, 8)

    References:
      See each :class:`Method`'s ``reference``.
    """
    return _make("down", name, in_features, out_features, factor, rank, kernel_size, rngs, paired)
