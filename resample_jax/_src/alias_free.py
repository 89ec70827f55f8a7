"""StyleGAN3's filtered nonlinearity: a pointwise activation applied at a higher sampling rate
between two windowed-sinc low-pass filters, built on :func:`resample_jax.upfirdn`'s engine."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from resample_jax._src import validation as v
from resample_jax._src.fir import UPFIRDN_MODES, _parse_window, _run, firwin


def _lowpass_step(numtaps, factor, window, d):
    """One axis of a centred low-pass for a rate change by ``factor`` (cutoff 1 / factor of the
    high rate's Nyquist, gain ``factor`` when it interpolates)."""
    h = firwin(numtaps, 1.0 / factor, window=window)
    half = (numtaps - 1) // 2
    return ((d,), tuple(float(t) for t in h)), (half, numtaps - 1 - half)


def filtered_activation_options(
    activation: Any, *, up: Any, down: Any, numtaps: Any, window: Any, mode: Any, rank: Any,
    fn: str = "filtered_activation",
) -> tuple[int, int, int]:
    """Every check of :func:`filtered_activation` that needs no array (its options, which have
    their defaults there); returns ``(rank, up, down)``."""
    rank = v.check_rank(fn, rank)
    if not callable(activation):
        raise TypeError(f"{fn}: `activation` must be callable; got {activation!r}.")
    (up_i,), (down_i,) = v.int_tuple(fn, "up", up, 1), v.int_tuple(fn, "down", down, 1)
    if isinstance(numtaps, bool) or not isinstance(numtaps, int) or numtaps < 3 or numtaps % 2 == 0:
        raise ValueError(f"{fn}: `numtaps` must be an odd int >= 3; got {numtaps!r}.")
    v.check_choice(fn, "mode", mode, UPFIRDN_MODES)
    _parse_window(fn, window)
    return rank, up_i, down_i


def filtered_activation(
    x: jax.typing.ArrayLike,
    activation: Any = jax.nn.leaky_relu,
    *,
    up: int = 2,
    down: int = 2,
    numtaps: int = 25,
    window: Any = ("kaiser", 8.0),
    mode: str = "constant",
    rank: int = 2,
) -> jax.Array:
    """A nonlinearity applied at a higher sampling rate between two low-pass filters.

    Upsample by ``up`` (zero insertion and a windowed-sinc low-pass with cutoff at the input's
    Nyquist), apply ``activation`` pointwise, low-pass at the output's Nyquist and keep every
    ``down``-th sample. A pointwise nonlinearity creates frequencies above the Nyquist limit that
    alias back when applied at the input rate; applied at ``up`` times the rate and filtered
    before subsampling, most of that energy is removed instead (the filtered nonlinearity of
    StyleGAN3). Output size per axis: ``(n * up - 1) // down + 1`` (``n`` when ``up == down``).

    Args:
      x: ``[*batch, *spatial, C]`` floating array.
      activation: pointwise function (default ``jax.nn.leaky_relu``, slope 0.01).
      up: rate multiplier before the nonlinearity (int >= 1).
      down: subsampling after it (int >= 1).
      numtaps: taps of each low-pass filter (odd, >= 3).
      window: window of the filter design (see :func:`firwin`).
      mode: extension of the input and of the activated signal ("constant" zeros, "wrap" for
        periodic signals, "symmetric", "reflect", "edge").
      rank: number of spatial axes (1, 2 or 3).

    Returns:
      ``[*batch, *spatial_out, C]`` array of ``x``'s dtype.

    Raises:
      ValueError / TypeError: for bad factors, taps, window or mode, or a non-callable activation.

    Example:
      >>> import jax.numpy as jnp
      >>> filtered_activation(jnp.ones((1, 8, 8, 4))).shape
      (1, 8, 8, 4)

    References:
      Karras et al., "Alias-Free Generative Adversarial Networks" (StyleGAN3), NeurIPS 2021,
      sec. 3.2 ("filtered nonlinearities").
    """
    fn = "filtered_activation"
    rank, up_i, down_i = filtered_activation_options(
        activation, up=up, down=down, numtaps=numtaps, window=window, mode=mode, rank=rank, fn=fn
    )
    mode = mode.lower()
    arr = v.check_array(fn, x, rank)
    v.check_floating(fn, arr)
    ones = (1,) * rank
    y = arr
    if up_i > 1:
        steps, pads = zip(
            *(_lowpass_step(numtaps, up_i, window, d) for d in range(rank)), strict=True
        )
        gain = float(up_i) ** rank
        y = _run(fn, y, steps, (up_i,) * rank, ones, pads, mode, 0.0, rank) * jnp.asarray(
            gain, y.dtype
        )
    y = activation(y)
    if down_i > 1:
        steps, pads = zip(
            *(_lowpass_step(numtaps, down_i, window, d) for d in range(rank)),
            strict=True,
        )
        y = _run(fn, y, steps, ones, (down_i,) * rank, pads, mode, 0.0, rank)
    return y
