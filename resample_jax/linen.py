"""Flax Linen modules for every resampling method, derived from :mod:`resample_jax.nnx`.

Each class here is made from the NNX module of the same name, so there is one definition of each
module and the two APIs cannot drift:

* its dataclass fields are the NNX constructor's arguments (same names, order, defaults; the
  keyword-only ones stay keyword-only), less ``rngs``;
* constructing it runs the NNX constructor's checks (cached per configuration, since Linen
  re-creates modules on every ``apply``), so a bad option fails before ``init``;
* ``init`` builds the NNX module with the ``"params"`` random stream and stores its parameters, so
  ``variables["params"]`` has the tree of ``nnx.to_pure_dict(nnx.state(m, nnx.Param))``;
* ``apply`` puts the parameters back into the NNX module's structure and calls it: the same
  outputs as the NNX module with the same parameters. Call keywords (``deterministic=``) are
  passed on. A module that draws noise while training (``rng_stream``: LPS's ``"gumbel"``)
  takes its key the Linen way, as the stream of ``apply``'s ``rngs``:
  ``m.apply(variables, x, rngs={"gumbel": key})`` (like ``nn.Dropout``'s ``"dropout"``).

This is what ``flax.nnx.bridge.to_linen`` does, with the NNX arguments as dataclass fields (so a
class keeps the signature users call) and without building (and initialising) the NNX module
again on every ``apply``.

Example:
  >>> import jax, jax.numpy as jnp
  >>> from flax import nnx
  >>> from resample_jax import linen as rlinen, nnx as rnnx
  >>> m = rlinen.SubPixelConv(3, 8, factor=2)
  >>> x = jnp.ones((1, 5, 5, 3))
  >>> variables = m.init(jax.random.key(0), x)
  >>> m.apply(variables, x).shape
  (1, 10, 10, 8)
  >>> twin = rnnx.SubPixelConv(3, 8, factor=2, rngs=nnx.Rngs(0))
  >>> params = nnx.to_pure_dict(nnx.state(twin, nnx.Param))
  >>> bool(jnp.allclose(m.apply({"params": params}, x), twin(x)))
  True
  >>> rlinen.MaxPool(2).apply({}, jnp.ones((1, 4, 4, 1))).shape
  (1, 2, 2, 1)
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from typing import Any

import flax.linen as nn
import jax
from flax import nnx

from resample_jax import nnx as rnnx

__all__ = list(rnnx.__all__)


def _hashable(value: Any) -> Any:
    """Lists become tuples (Linen fields are often given as lists); other values are kept."""
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return value


def _learned(cls: type) -> bool:
    return "rngs" in _parameters(cls)


def _parameters(cls: type) -> dict[str, inspect.Parameter]:
    """The NNX constructor's arguments (less ``self``)."""
    parameters = dict(inspect.signature(cls.__init__).parameters)
    parameters.pop("self")
    return parameters


def _abstract(cls: type, config: tuple[tuple[str, Any], ...]) -> tuple[Any, Any]:
    """Builds the NNX module (abstractly when it has parameters), which runs its checks; returns
    ``(graphdef, state)`` to merge parameters into. Cached per configuration when it is hashable."""
    try:
        hash(config)
    except TypeError:
        return _split(cls, config)
    return _split_cached(cls, config)


def _split(cls: type, config: tuple[tuple[str, Any], ...]) -> tuple[Any, Any]:
    kwargs = dict(config)
    if _learned(cls):
        module = nnx.eval_shape(lambda: cls(**kwargs, rngs=nnx.Rngs(0)))
    else:
        module = cls(**kwargs)
    return nnx.split(module)


_split_cached = functools.lru_cache(maxsize=512)(_split)


class _Bridge(nn.Module):
    """Base of the derived classes: ``_nnx`` is the NNX class whose arguments are the fields."""

    _nnx = None

    def _config(self) -> tuple[tuple[str, Any], ...]:
        names = [f.name for f in dataclasses.fields(self) if f.name not in ("parent", "name")]
        return tuple((n, _hashable(getattr(self, n))) for n in names)

    def __post_init__(self) -> None:
        _abstract(type(self)._nnx, self._config())
        super().__post_init__()

    @nn.compact
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        cls, config = type(self)._nnx, self._config()
        graphdef, abstract = _abstract(cls, config)
        names = list(nnx.to_pure_dict(abstract))
        created: dict[str, Any] = {}

        def init(name: str):
            def make(key: jax.Array) -> Any:
                if not created:
                    module = cls(**dict(config), rngs=nnx.Rngs(params=key))
                    created.update(nnx.to_pure_dict(nnx.state(module, nnx.Param)))
                return created[name]

            return make

        state = jax.tree.map(lambda a: a, abstract)
        nnx.replace_by_pure_dict(state, {n: self.param(n, init(n)) for n in names})
        stream = getattr(cls, "rng_stream", None)
        if stream is not None and self.has_rng(stream):
            given = inspect.signature(cls.__call__).bind(None, *args, **kwargs).arguments
            if given.get("rngs") is None:
                kwargs["rngs"] = self.make_rng(stream)
        return nnx.merge(graphdef, state)(*args, **kwargs)


def _derive(cls: type) -> type:
    """A Linen class with ``cls``'s constructor arguments (less ``rngs``) as its fields."""
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__module__": __name__, "_nnx": cls}
    for p in _parameters(cls).values():
        if p.name == "rngs":
            continue
        annotations[p.name] = Any
        kw_only = p.kind is p.KEYWORD_ONLY
        if p.default is not p.empty:
            namespace[p.name] = dataclasses.field(default=p.default, kw_only=kw_only)
        elif kw_only:
            namespace[p.name] = dataclasses.field(kw_only=True)
    namespace["__annotations__"] = annotations
    namespace["__doc__"] = (
        f"Linen form of :class:`resample_jax.nnx.{cls.__name__}`: the same arguments (less "
        "``rngs``), checks, parameter tree and outputs; see the module docstring."
    )
    return type(cls.__name__, (_Bridge,), namespace)


for _name in __all__:
    globals()[_name] = _derive(getattr(rnnx, _name))
del _name
