"""Static argument checks shared by every family.

Every public function validates in Python, on static shapes and options, before it traces anything:
the errors below name the function, the argument, the value and what would be valid. The helpers
return canonical Python values (tuples of ints, lower-case names) that the jitted cores take as
static arguments.

Layout contract: arrays are channels-last, ``(*batch, *spatial, C)``, with any number of leading
batch axes (including none). The spatial rank (1, 2 or 3) is given by the length of the size /
window / factor argument; a bare int means 2-D.
"""

from __future__ import annotations

import difflib
import math
import numbers
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

SUPPORTED_RANKS = (1, 2, 3)
DEFAULT_RANK = 2


def suggest(value: str, valid: Iterable[str]) -> str:
    """Returns ' Did you mean X?' for the closest valid name, or ''."""
    match = difflib.get_close_matches(str(value).lower(), list(valid), n=1, cutoff=0.5)
    return f" Did you mean {match[0]!r}?" if match else ""


def check_choice(fn: str, name: str, value: Any, valid: Sequence[str]) -> str:
    """Lower-cases a string option and checks it against ``valid``."""
    if not isinstance(value, str):
        raise TypeError(
            f"{fn}: `{name}` must be a string, one of {list(valid)}; got {value!r}."
        )
    key = value.lower()
    if key not in valid:
        raise ValueError(
            f"{fn}: unknown `{name}` {value!r}; valid values are {sorted(valid)}."
            f"{suggest(key, valid)}"
        )
    return key


def _is_int(v: Any) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def check_bool(fn: str, name: str, value: Any) -> bool:
    """Raises TypeError unless ``value`` is a bool (NumPy's included); returns it as a bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{fn}: `{name}` must be a bool; got {value!r}.")
    return bool(value)


def is_traced(value: Any) -> bool:
    """Whether ``value`` (or an entry of a tuple / list) is a JAX tracer."""
    if isinstance(value, (tuple, list)):
        return any(isinstance(v, jax.core.Tracer) for v in value)
    return isinstance(value, jax.core.Tracer)


def static_value(fn: str, name: str, value: Any) -> Any:
    """A size / scale argument as Python numbers: concrete NumPy / JAX arrays (0-D or 1-D, and
    the entries of a tuple) become ints or floats; a traced one is an error that says how to make
    it static. Other values pass through unchanged for the callers' own checks."""
    if is_traced(value):
        raise TypeError(
            f"{fn}: `{name}` must be static (Python ints or floats, or a concrete array): it sets "
            f"the output shape or the tap tables, but got a traced value {value!r}. Under jax.jit, "
            f"mark it static, e.g. jax.jit(f, static_argnames=({name!r},)) or static_argnums."
        )

    def plain(v: Any) -> Any:
        if isinstance(v, (np.ndarray, np.generic, jax.Array)) and np.ndim(v) == 0 and (
            jnp.issubdtype(v.dtype, jnp.integer) or jnp.issubdtype(v.dtype, jnp.floating)
        ):
            return v.item()
        return v

    if isinstance(value, (np.ndarray, jax.Array)) and value.ndim == 1 and (
        jnp.issubdtype(value.dtype, jnp.integer) or jnp.issubdtype(value.dtype, jnp.floating)
    ):
        return tuple(value.tolist())
    if isinstance(value, (tuple, list)):
        return type(value)(plain(v) for v in value)
    return plain(value)


def rank_of(fn: str, name: str, value: Any) -> int:
    """Spatial rank implied by a size / window / factor argument: its length, or 2 for a scalar."""
    value = static_value(fn, name, value)
    if _is_int(value) or isinstance(value, numbers.Real) and not isinstance(value, bool):
        return DEFAULT_RANK
    if isinstance(value, (tuple, list)):
        if len(value) not in SUPPORTED_RANKS:
            raise ValueError(
                f"{fn}: `{name}` must have one entry per spatial axis (1, 2 or 3 entries); "
                f"got {value!r} with {len(value)} entries."
            )
        return len(value)
    raise TypeError(f"{fn}: `{name}` must be an int or a tuple of 1 to 3 ints; got {value!r}.")


def check_rank(fn: str, rank: Any) -> int:
    """Checks an explicit ``rank=`` argument (number of spatial axes); returns it as an int."""
    if isinstance(rank, bool) or not isinstance(rank, numbers.Integral):
        raise TypeError(f"{fn}: `rank` must be an int, 1, 2 or 3 (spatial axes); got {rank!r}.")
    if rank not in SUPPORTED_RANKS:
        raise ValueError(f"{fn}: `rank` must be 1, 2 or 3 (spatial axes); got {rank!r}.")
    return int(rank)


def _is_integer(v: Any) -> bool:
    return _is_int(v) or isinstance(v, np.integer)


def _is_real(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def real_scalar(fn: str, name: str, value: Any) -> float | None:
    """A real number given as a Python, NumPy or concrete 0-D JAX scalar, as a float; None for
    anything else (bools included), for the caller's own message. A traced value is an error."""
    value = static_value(fn, name, value)
    if _is_real(value):  # NumPy's bool is not a numbers.Real
        return float(value)
    return None


def _per_axis(
    fn: str, name: str, value: Any, rank: int, is_entry: Any, convert: Any, kind: tuple[str, str]
) -> tuple[Any, ...]:
    """``value``, one entry (broadcast to every axis) or a sequence of ``rank`` entries, as a
    tuple of ``convert``-ed entries; ``kind`` names an entry and entries in messages."""
    if is_entry(value):
        return (convert(value),) * rank
    if not isinstance(value, (tuple, list)):
        raise TypeError(
            f"{fn}: `{name}` must be {kind[0]} or a sequence of {rank} {kind[1]}; got {value!r}."
        )
    if len(value) != rank:
        raise ValueError(
            f"{fn}: `{name}` must have {rank} entries (one per spatial axis); "
            f"got {value!r} with {len(value)}."
        )
    if not all(is_entry(v) for v in value):
        raise TypeError(f"{fn}: every entry of `{name}` must be {kind[0]}; got {value!r}.")
    return tuple(convert(v) for v in value)


def int_tuple(
    fn: str,
    name: str,
    value: Any,
    rank: int,
    *,
    minimum: int | None = 1,
) -> tuple[int, ...]:
    """Canonicalises an int or a per-axis int sequence to a tuple of ``rank`` Python ints.

    Args:
      fn: public function name, for messages.
      name: argument name, for messages.
      value: an int (broadcast to every axis) or a sequence of ``rank`` ints.
      rank: the spatial rank.
      minimum: smallest allowed entry (None: no bound).
    """
    value = static_value(fn, name, value)
    values = _per_axis(fn, name, value, rank, _is_integer, int, ("an int", "ints"))
    if minimum is not None and any(v < minimum for v in values):
        raise ValueError(f"{fn}: every entry of `{name}` must be >= {minimum}; got {value!r}.")
    return values


def float_tuple(
    fn: str, name: str, value: Any, rank: int, *, positive: bool = True
) -> tuple[float, ...]:
    """Canonicalises a real number or a per-axis sequence of reals to a tuple of floats."""
    value = static_value(fn, name, value)
    values = _per_axis(fn, name, value, rank, _is_real, float, ("a real number", "real numbers"))
    if not all(np.isfinite(v) for v in values):
        raise ValueError(f"{fn}: `{name}` must be finite; got {value!r}.")
    if positive and any(v <= 0 for v in values):
        raise ValueError(f"{fn}: every entry of `{name}` must be > 0; got {value!r}.")
    return values


def check_array(fn: str, x: Any, rank: int, name: str = "x") -> jax.Array:
    """Converts ``x`` to an array and checks it has ``rank`` spatial axes plus a channel axis."""
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{fn}: `{name}` must be an array; got {type(x).__name__}.")
    try:
        arr = jnp.asarray(x)
    except TypeError as e:
        raise TypeError(f"{fn}: `{name}` must be an array; got {type(x).__name__} ({e}).") from None
    if arr.ndim < rank + 1:
        hint = (
            f" For a single-channel ({_spatial_names(rank)}) image, add a channel axis: "
            f"{name}[..., None]." if arr.ndim == rank else ""
        )
        raise ValueError(
            f"{fn}: `{name}` must have shape (*batch, {_spatial_names(rank)}, C) for {rank}-D "
            f"resampling (at least {rank + 1} dims); got shape {tuple(arr.shape)}.{hint}"
        )
    return arr


def check_key(fn: str, key: Any, name: str = "key") -> Any:
    """Checks that ``key`` is one PRNG key: a typed key (``jax.random.key(seed)``, shape ``()``)
    or the raw ``uint32[2]`` of ``jax.random.PRNGKey(seed)`` (a JAX or NumPy array); None passes.

    Raises:
      TypeError: anything else (another type, dtype or trailing shape), naming what it got.
      ValueError: a batch of keys (``jax.random.split``'s output): split, vmap or index it first.
    """
    if key is None:
        return None
    if isinstance(key, jax.Array | np.ndarray):
        typed = jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key)
        if typed or (key.dtype == np.uint32 and key.shape[-1:] == (2,)):
            if (key.shape if typed else key.shape[:-1]) != ():
                raise ValueError(
                    f"{fn}: `{name}` must be one PRNG key; got a batch of keys of shape "
                    f"{tuple(key.shape)} (dtype {key.dtype}); index it, or jax.vmap over it."
                )
            return key
        what = f"an array of dtype {key.dtype} and shape {tuple(key.shape)}"
    else:
        what = f"{type(key).__name__} {key!r}"
    raise TypeError(
        f"{fn}: `{name}` must be one PRNG key (jax.random.key(seed), or the uint32[2] of "
        f"jax.random.PRNGKey(seed)); got {what}."
    )


def warn_if_channels_first(fn: str, x: jax.Array, rank: int, name: str = "x") -> None:
    """Warns when a channels-last array looks channels-first: the first spatial extent is 1, 3 or
    4 (a channel count) while the last spatial extent and the channel axis are both at least 16
    and 8 times larger, as ``(N, 3, 256, 256)`` read as ``(N, H=3, W=256, C=256)``. A small
    feature map such as ``(N, 4, 4, 64)`` does not warn."""
    first, last, channels = x.shape[x.ndim - 1 - rank], x.shape[-2], x.shape[-1]
    if rank >= 2 and first in (1, 3, 4) and min(last, channels) >= max(16, 8 * first):
        warnings.warn(
            f"{fn}: `{name}` of shape {tuple(x.shape)} is read channels-last, as (*batch, "
            f"{_spatial_names(rank)}, C) with {_spatial_names(rank)[0]}={first} and C={channels}; "
            "it looks channels-first. If so, move the channel axis last first: "
            f"jnp.moveaxis({name}, {-rank - 1}, -1).",
            UserWarning,
            stacklevel=3,
        )


def compute_dtype(dtype: Any) -> Any:
    """The dtype to compute in: float32 for half-precision inputs (float16, bfloat16), which are
    cast back afterwards; ``dtype`` itself otherwise."""
    return jnp.float32 if dtype in (jnp.float16, jnp.bfloat16) else dtype


def check_floating(fn: str, x: jax.Array, name: str = "x") -> None:
    """Raises TypeError unless ``x`` has a floating dtype."""
    if not jnp.issubdtype(x.dtype, jnp.floating):
        raise TypeError(f"{fn}: `{name}` must have a floating dtype; got {x.dtype}.")


def check_inexact(fn: str, x: jax.Array, name: str = "x") -> None:
    """Raises TypeError unless ``x`` has a real or complex floating dtype."""
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        raise TypeError(
            f"{fn}: `{name}` must have a floating or complex dtype; got {x.dtype}. Cast it first."
        )


def _spatial_names(rank: int) -> str:
    return ", ".join(("D", "H", "W")[3 - rank :])


def spatial_shape(x: jax.Array, rank: int) -> tuple[int, ...]:
    """The ``rank`` spatial sizes of a channels-last array."""
    return tuple(x.shape[x.ndim - 1 - rank : x.ndim - 1])


def flatten_batch(x: jax.Array, rank: int) -> tuple[jax.Array, tuple[int, ...]]:
    """Reshapes ``(*batch, *spatial, C)`` to ``(N, *spatial, C)``; returns it and ``batch``."""
    batch = tuple(x.shape[: x.ndim - 1 - rank])
    # An explicit product, not -1: -1 cannot be inferred when another axis has size 0.
    return x.reshape((math.prod(batch), *x.shape[x.ndim - 1 - rank :])), batch


def unflatten_batch(y: jax.Array, batch: tuple[int, ...]) -> jax.Array:
    """Inverse of :func:`flatten_batch` for an output ``(N, *spatial', C')``."""
    return y.reshape((*batch, *y.shape[1:]))


def check_nonempty_spatial(fn: str, x: jax.Array, rank: int, name: str = "x") -> None:
    """Raises ValueError when a spatial axis of ``x`` has size 0 (an empty batch or channel axis
    is fine): for the functions that, like PyTorch's, need a sample to filter or pool."""
    spatial = spatial_shape(x, rank)
    if 0 in spatial:
        raise ValueError(
            f"{fn}: `{name}` has a zero-size spatial axis (shape {tuple(x.shape)}, spatial "
            f"{spatial} for {rank}-D); every spatial axis needs at least one sample (an empty "
            f"batch or channel axis is fine)."
        )


Padding = str | tuple[tuple[int, int], ...]


def padding_pairs(fn: str, padding: Any, rank: int, name: str = "padding") -> Padding:
    """Canonicalises a padding argument.

    Accepts "VALID", "SAME" (any case; returned upper-case), an int (symmetric on every axis, as
    PyTorch pads), a per-axis int sequence, or per-axis ``(low, high)`` pairs. Negative entries are
    rejected. Returns the string or a tuple of ``rank`` ``(low, high)`` pairs.
    """
    if isinstance(padding, str):
        key = padding.upper()
        if key not in ("VALID", "SAME"):
            raise ValueError(
                f"{fn}: `{name}` string must be 'VALID' or 'SAME'; got {padding!r}."
                f"{suggest(key.lower(), ['valid', 'same'])}"
            )
        return key
    if _is_int(padding):
        pairs = ((int(padding), int(padding)),) * rank
    elif isinstance(padding, (tuple, list)):
        if len(padding) != rank:
            raise ValueError(
                f"{fn}: `{name}` must have {rank} entries (one per spatial axis); got {padding!r}."
            )
        pairs_list = []
        for p in padding:
            if _is_int(p):
                pairs_list.append((int(p), int(p)))
            elif (
                isinstance(p, (tuple, list))
                and len(p) == 2
                and all(_is_int(q) for q in p)
            ):
                pairs_list.append((int(p[0]), int(p[1])))
            else:
                raise TypeError(
                    f"{fn}: each entry of `{name}` must be an int or a (low, high) pair of ints; "
                    f"got {padding!r}."
                )
        pairs = tuple(pairs_list)
    else:
        raise TypeError(
            f"{fn}: `{name}` must be 'VALID', 'SAME', an int, a sequence of ints or of "
            f"(low, high) pairs; got {padding!r}."
        )
    if any(v < 0 for pair in pairs for v in pair):
        raise ValueError(f"{fn}: `{name}` must be non-negative; got {padding!r}.")
    return pairs
