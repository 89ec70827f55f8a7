"""Learnable polyphase sampling: LPS and LPU modules (Rojas-Gomez et al., NeurIPS 2022).

A small circular-padded convolutional network scores each polyphase component
(:func:`resample_jax.polyphase_components`); the downsampling layer keeps the best one, the
upsampling layer puts values back where its downsampling layer took them. Re-exported by
:mod:`resample_jax.nnx` (and derived for :mod:`resample_jax.linen` there).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
from flax import nnx
from jax.typing import ArrayLike

from resample_jax._src import polyphase, validation
from resample_jax._src.layers import _call_mode, _check_features, _stream_key, _tuple_or


class LearnablePolyphaseDownsample(nnx.Module):
    """Learnable polyphase sampling (LPS, Rojas-Gomez et al. 2022): a small network scores each
    polyphase component and the layer keeps the best one.

    ``[*batch, *spatial, C] -> [*batch, *(spatial / factor), C]``. The score of a component is a
    two-layer convolutional network with circular padding (``C -> hidden_features -> 1``, ReLU
    between) averaged over all positions; because circular convolution followed by a global mean is
    invariant to circular shifts, a shifted input permutes the scores exactly as it permutes the
    components, and at evaluation the layer has the shift identity of
    :func:`resample_jax.aps_downsample` (APS is the special case of a score equal to the norm).

    Training (``deterministic=False``, set by ``model.train()``): the output is the mixture
    ``sum_p w_p * component_p`` with Gumbel-softmax weights
    ``w = softmax((logits + g) / temperature)``, ``g`` standard Gumbel noise drawn from the
    ``rngs`` given to the call (an ``nnx.Rngs``, whose stream ``"gumbel"`` is used, or the default
    stream when it has none; or a key), so the scorer gets gradients; called without ``rngs`` the
    weights are ``softmax(logits / temperature)`` (the relaxation without noise). The key is a call
    argument, not module state; the Linen form (:mod:`resample_jax.linen`) draws it from the
    ``"gumbel"`` stream of ``apply``'s ``rngs``: ``m.apply(variables, x, rngs={"gumbel": key})``
    (``rng_stream``). Evaluation (``model.eval()``): ``w`` is the one-hot of
    ``argmax(logits)`` (ties: lowest phase), the output one component exactly, and no key is needed.
    With ``return_weights=True`` the call returns ``(y, w)``, ``w`` of shape ``[*batch, P]``, for
    :class:`LearnablePolyphaseUpsample`.

    Args:
      in_features: channel count ``C`` of the input.
      factor: subsampling factor per spatial axis; an int means 2-D.
      hidden_features: width of the scoring network's hidden layer (default ``in_features``).
      kernel_size: kernel size of the scoring convolutions.
      temperature: Gumbel-softmax temperature (> 0).
      return_weights: also return the selection weights.
      deterministic: evaluation mode (argmax) when True; ``model.eval()`` / ``model.train()``
        set it.
      rngs: initialises the scorer.

    Example:
      >>> import jax.numpy as jnp
      >>> from flax import nnx
      >>> from resample_jax.nnx import LearnablePolyphaseDownsample
      >>> lps = LearnablePolyphaseDownsample(3, 2, return_weights=True, rngs=nnx.Rngs(0))
      >>> y, w = lps(jnp.ones((5, 8, 8, 3)), nnx.Rngs(gumbel=1))
      >>> y.shape, w.shape
      ((5, 4, 4, 3), (5, 4))

    References:
      Rojas-Gomez, Lim, Schwing, Do & Yeh, "Learnable polyphase sampling for shift invariant and
      equivariant convolutional networks", NeurIPS 2022; Jang, Gu & Poole, "Categorical
      reparameterization with Gumbel-softmax", ICLR 2017.
    """

    #: The random stream of the Gumbel noise (also the Linen ``apply(..., rngs=...)`` stream).
    rng_stream = "gumbel"

    def __init__(
        self,
        in_features: int,
        factor: int | Sequence[int] = 2,
        *,
        hidden_features: int | None = None,
        kernel_size: int | Sequence[int] = 3,
        temperature: float = 1.0,
        return_weights: bool = False,
        deterministic: bool = False,
        rngs: nnx.Rngs,
    ):
        fn = "LearnablePolyphaseDownsample"
        self.factor = polyphase.factor_option(_tuple_or(factor), fn=fn)
        rank = len(self.factor)
        self.in_features = _check_features(fn, "in_features", in_features)
        hidden = _check_features(
            fn, "hidden_features", in_features if hidden_features is None else hidden_features
        )
        kernel = validation.int_tuple(fn, "kernel_size", _tuple_or(kernel_size), rank)
        (self.temperature,) = validation.float_tuple(fn, "temperature", temperature, 1)
        self.return_weights = validation.check_bool(fn, "return_weights", return_weights)
        self.deterministic = validation.check_bool(fn, "deterministic", deterministic)
        self.score_hidden = nnx.Conv(self.in_features, hidden, kernel, padding="CIRCULAR",
                                     rngs=rngs)
        self.score_out = nnx.Conv(hidden, 1, kernel, padding="CIRCULAR", rngs=rngs)

    def logits(self, x: ArrayLike) -> jax.Array:
        """The score of every polyphase component: ``[*batch, *spatial, C] -> [*batch, P]``."""
        comps = polyphase.polyphase_components(x, self.factor)
        if comps.shape[-1] != self.in_features:
            raise ValueError(
                f"LearnablePolyphaseDownsample: expected {self.in_features} input channels (last "
                f"axis); got shape {tuple(jnp.shape(x))}."
            )
        h = self.score_out(jax.nn.relu(self.score_hidden(comps)))
        return h.mean(axis=tuple(range(h.ndim - 1 - len(self.factor), h.ndim)))

    def __call__(
        self,
        x: ArrayLike,
        rngs: nnx.Rngs | jax.Array | None = None,
        *,
        deterministic: bool | None = None,
    ) -> Any:
        """``x``: ``[*batch, *spatial, C]``; ``rngs``: the Gumbel noise source in training mode;
        ``deterministic`` overrides the module's mode for this call."""
        det = _call_mode("LearnablePolyphaseDownsample", self.deterministic, deterministic)
        comps = polyphase.polyphase_components(x, self.factor)
        logits = self.logits(x)
        if det:
            w = jax.nn.one_hot(jnp.argmax(logits, axis=-1), logits.shape[-1], dtype=comps.dtype)
        else:
            if rngs is not None:
                key = _stream_key("LearnablePolyphaseDownsample", rngs, self.rng_stream)
                logits = logits + jax.random.gumbel(key, logits.shape, logits.dtype)
            w = jax.nn.softmax(logits / self.temperature, axis=-1).astype(comps.dtype)
        axis = comps.ndim - 2 - len(self.factor)
        y = jnp.sum(w.reshape((*w.shape, *(1,) * (comps.ndim - axis - 1))) * comps, axis=axis)
        return (y, w) if self.return_weights else y


class LearnablePolyphaseUpsample(nnx.Module):
    """Learnable polyphase upsampling (LPU, Rojas-Gomez et al. 2022): places the input at the
    polyphase components its :class:`LearnablePolyphaseDownsample` layer selected.

    ``out = sum_p w[*b, p] * (x put at phase p, zeros elsewhere)``, ``[*batch, *spatial, C] ->
    [*batch, *(spatial * factor), C]``. The layer has no parameters of its own: the weights ``w``
    (``[*batch, P]``) come from the matching LPS layer (``return_weights=True``); at evaluation
    they are one-hot and this equals :func:`resample_jax.aps_upsample` with the argmax phase.

    Example:
      >>> import jax.numpy as jnp
      >>> from resample_jax.nnx import LearnablePolyphaseUpsample
      >>> w = jnp.array([0.0, 1.0])  # phase 1 of 2 (1-D)
      >>> LearnablePolyphaseUpsample((2,))(jnp.array([[1.0], [2.0]]), w)[:, 0]
      Array([0., 1., 0., 2.], dtype=float32)

    References:
      Rojas-Gomez et al., "Learnable polyphase sampling for shift invariant and equivariant
      convolutional networks", NeurIPS 2022.
    """

    def __init__(self, factor: int | Sequence[int] = 2):
        self.factor = polyphase.factor_option(_tuple_or(factor), fn="LearnablePolyphaseUpsample")

    def __call__(self, x: ArrayLike, weights: ArrayLike) -> jax.Array:
        fn = "LearnablePolyphaseUpsample"
        rank = len(self.factor)
        arr = validation.check_array(fn, x, rank)
        validation.check_floating(fn, arr)
        w = jnp.asarray(weights)
        flat, batch = validation.flatten_batch(arr, rank)
        if tuple(w.shape) != (*batch, math.prod(self.factor)):
            raise ValueError(
                f"{fn}: `weights` must have shape {(*batch, math.prod(self.factor))} (the batch "
                f"shape of `x` {tuple(arr.shape)} and one weight per phase); got {tuple(w.shape)}."
            )
        out = polyphase.place_components(w.reshape((-1, w.shape[-1])), flat, self.factor)
        return validation.unflatten_batch(out, batch)
