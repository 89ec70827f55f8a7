"""Interpolation kernels as functions of signed distance (in input pixels).

Each kernel ``k(t)`` gives the weight of a sample at distance ``t`` from the point being
reconstructed. ``resize`` evaluates them once per output size, in NumPy float64, to build small tap
tables; ``grid_sample`` evaluates them on traced JAX arrays. The functions accept either: they use
NumPy for NumPy arrays and Python numbers, and ``jax.numpy`` for JAX arrays (tracers included).
Nothing here builds a dense weight matrix.

References:
  Keys, "Cubic convolution interpolation for digital image processing", IEEE TASSP 1981.
  Mitchell & Netravali, "Reconstruction filters in computer graphics", SIGGRAPH 1988.
  Duchon, "Lanczos filtering in one and two dimensions", J. Appl. Meteorology 1979.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

KernelFn = Callable[[Any], Any]


def _xp(t: Any) -> Any:
    """The array module matching ``t``: jax.numpy for JAX arrays and tracers, NumPy otherwise."""
    return jnp if isinstance(t, jax.Array) else np


def triangle(t: Any) -> Any:
    """Linear interpolation (tent) kernel, support radius 1."""
    xp = _xp(t)
    return xp.maximum(0.0, 1.0 - xp.abs(t))


def box(t: Any) -> Any:
    """Box kernel on [-0.5, 0.5), support radius 0.5 (nearest / area)."""
    xp = _xp(t)
    t = xp.asarray(t)
    return xp.where((t >= -0.5) & (t < 0.5), 1.0, 0.0).astype(t.dtype)


def keys_cubic(t: Any, a: float = -0.5) -> Any:
    """Keys (1981) cubic convolution kernel with free parameter ``a``, support radius 2.

    ``a = -0.5`` is jax.image / TensorFlow / Pillow; ``a = -0.75`` is PyTorch's non-antialiased
    bicubic and OpenCV's INTER_CUBIC.
    """
    xp = _xp(t)
    x = xp.abs(t)
    near = ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
    far = ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a
    return xp.where(x <= 1.0, near, xp.where(x < 2.0, far, 0.0))


def mitchell_netravali(t: Any, b: float = 1.0 / 3.0, c: float = 1.0 / 3.0) -> Any:
    """Mitchell-Netravali (1988) cubic family, support radius 2; B = C = 1/3 as they recommend."""
    xp = _xp(t)
    x = xp.abs(t)
    near = ((12 - 9 * b - 6 * c) * x**3 + (-18 + 12 * b + 6 * c) * x**2 + (6 - 2 * b)) / 6.0
    far = (
        (-b - 6 * c) * x**3 + (6 * b + 30 * c) * x**2 + (-12 * b - 48 * c) * x + (8 * b + 24 * c)
    ) / 6.0
    return xp.where(x < 1.0, near, xp.where(x < 2.0, far, 0.0))


def lanczos(t: Any, n: int) -> Any:
    """Lanczos kernel ``sinc(t) * sinc(t / n)`` on ``|t| < n``, support radius ``n``."""
    xp = _xp(t)
    # sinc is the normalised sinc, sin(pi x) / (pi x), with sinc(0) = 1, in NumPy and jax.numpy.
    return xp.where(xp.abs(t) < n, xp.sinc(t) * xp.sinc(t / n), 0.0)


def hamming(t: Any) -> Any:
    """Hamming-windowed sinc, ``sinc(t) * (0.54 + 0.46 cos(pi t))`` on ``|t| < 1``, support radius
    1 (Pillow's HAMMING filter; Hamming's window on a single lobe)."""
    xp = _xp(t)
    x = xp.abs(t)
    return xp.where(x < 1.0, xp.sinc(x) * (0.54 + 0.46 * xp.cos(np.pi * x)), 0.0)


def gaussian(t: Any, sigma: float = 0.5) -> Any:
    """Gaussian kernel ``exp(-t^2 / (2 sigma^2))``, truncated at ``3 sigma`` (unnormalised)."""
    xp = _xp(t)
    radius = 3.0 * sigma
    return xp.where(xp.abs(t) < radius, xp.exp(-0.5 * (t / sigma) ** 2), 0.0)


class Kernel(NamedTuple):
    """A kernel function and the radius (in input pixels at scale 1) outside which it is zero.

    ``fn`` maps an array of signed distances to weights. ``resize`` calls it once per output size,
    on a NumPy float64 array, outside any trace; it may use NumPy or ``jax.numpy``.
    """

    fn: KernelFn
    radius: float


def lanczos_kernel(n: int) -> Kernel:
    return Kernel(lambda t: lanczos(t, n), float(n))


def cubic_kernel(a: float) -> Kernel:
    return Kernel(lambda t: keys_cubic(t, a), 2.0)


def gaussian_kernel(sigma: float) -> Kernel:
    return Kernel(lambda t: gaussian(t, sigma), 3.0 * sigma)


BUILTIN = {
    "linear": Kernel(triangle, 1.0),
    "box": Kernel(box, 0.5),
    "cubic": cubic_kernel(-0.5),
    "mitchell": Kernel(mitchell_netravali, 2.0),
    "hamming": Kernel(hamming, 1.0),
    "gaussian": gaussian_kernel(0.5),
    **{f"lanczos{n}": lanczos_kernel(n) for n in (2, 3, 4, 5)},
}
"""Default kernels by canonical method name (resize maps aliases and conventions onto these)."""
