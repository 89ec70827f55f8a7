"""The method table of :func:`resize` and the kernels its methods stand for."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple

import jax
import numpy as np

from resample_jax._src import kernels as _kernels
from resample_jax._src import validation as _v
from resample_jax._src.kernels import Kernel

FN = "resize"


class ResizeMethodInfo(NamedTuple):
    """One row of :data:`RESIZE_METHODS`."""

    name: str
    aliases: tuple[str, ...]
    radius: float | None
    summary: str
    conventions: tuple[str, ...]


CONVENTIONS = ("jax", "tensorflow", "pytorch", "pil", "opencv")

RESIZE_METHODS: Mapping[str, ResizeMethodInfo] = MappingProxyType(
    {
        info.name: info
        for info in (
            ResizeMethodInfo(
                "nearest", (), None,
                "Nearest neighbour; the index rule is the convention's (half-pixel rounding in "
                "jax/TF/Pillow, PyTorch's and OpenCV's legacy floor(dst * in / out)).",
                CONVENTIONS,
            ),
            ResizeMethodInfo(
                "nearest-exact", ("nearest_exact",), None,
                "Nearest neighbour with half-pixel centres, floor((dst + 0.5) * in / out) "
                "(OpenCV's INTER_NEAREST_EXACT under convention 'opencv').",
                ("jax", "pytorch", "opencv"),
            ),
            ResizeMethodInfo(
                "linear", ("bilinear", "trilinear", "triangle"), 1.0,
                "Linear interpolation (tent kernel).", CONVENTIONS,
            ),
            ResizeMethodInfo(
                "linear-exact", ("linear_exact", "bilinear-exact", "bilinear_exact"), 1.0,
                "OpenCV's INTER_LINEAR_EXACT: linear interpolation; on uint8, OpenCV's bit-exact "
                "fixed point (8-bit weights, one rounding); on floats, INTER_LINEAR.",
                ("opencv",),
            ),
            ResizeMethodInfo(
                "cubic", ("bicubic", "tricubic"), 2.0,
                "Keys cubic convolution; a = -0.5 (jax, TF, Pillow, PyTorch antialiased) or "
                "-0.75 (PyTorch, OpenCV); `cubic_a` overrides.",
                CONVENTIONS,
            ),
            *(
                ResizeMethodInfo(
                    f"lanczos{n}", ("lanczos",) if n == 3 else (), float(n),
                    f"Lanczos windowed sinc with {n} lobes.",
                    {2: ("jax",), 3: ("jax", "tensorflow", "pil"), 4: ("jax", "opencv"),
                     5: ("jax", "tensorflow")}[n],
                )
                for n in (2, 3, 4, 5)
            ),
            ResizeMethodInfo(
                "area", ("box",), None,
                "Pixel-area average: fractional overlap (jax, TF, OpenCV INTER_AREA), adaptive "
                "average pooling bins (PyTorch), Pillow's BOX filter.",
                CONVENTIONS,
            ),
            ResizeMethodInfo(
                "gaussian", (), 1.5,
                "Gaussian, sigma 0.5, truncated at radius 1.5 (TensorFlow's kernel).",
                ("jax", "tensorflow"),
            ),
            ResizeMethodInfo(
                "mitchell", ("mitchellcubic",), 2.0,
                "Mitchell-Netravali cubic, B = C = 1/3.", ("jax", "tensorflow"),
            ),
            ResizeMethodInfo(
                "hamming", (), 1.0,
                "Hamming-windowed sinc on one lobe, radius 1 (Pillow's HAMMING).",
                ("jax", "pil"),
            ),
        )
    }
)
"""Canonical resize methods: name -> (aliases, kernel radius, summary, conventions that have it).
A :class:`Kernel` instance is accepted as ``method`` too (convention ``"jax"`` only)."""

ALIASES = {
    **{name: name for name in RESIZE_METHODS},
    **{alias: info.name for info in RESIZE_METHODS.values() for alias in info.aliases},
}

# Radius of each named kernel in input pixels at scale 1 (lanczos: its lobe count).
_RADIUS = {"triangle": 1.0, "keys": 2.0, "gaussian": 1.5, "mitchell": 2.0, "hamming": 1.0,
           "pil_box": 0.5}


@dataclass(frozen=True)
class KernelSpec:
    """A kernel by name and parameter, hashable by value so equal configurations share one
    compilation. ``name`` is triangle, keys (``param`` = a), lanczos (``param`` = lobes),
    gaussian, mitchell, hamming, pil_box or user (``user`` holds the :class:`Kernel`)."""

    name: str
    param: float = 0.0
    user: Kernel | None = None

    @property
    def radius(self) -> float:
        if self.name == "user":
            return float(self.user.radius)
        return self.param if self.name == "lanczos" else _RADIUS[self.name]

    def __call__(self, t: np.ndarray) -> np.ndarray:
        if self.name == "pil_box":
            # Pillow's box filter is 1 on (-0.5, 0.5]: the mirror image of kernels.box.
            return _kernels.box(-t)
        if self.name != "user":
            return {
                "triangle": _kernels.triangle,
                "keys": lambda v: _kernels.keys_cubic(v, self.param),
                "lanczos": lambda v: _kernels.lanczos(v, int(self.param)),
                "gaussian": lambda v: _kernels.gaussian(v, 0.5),
                "mitchell": _kernels.mitchell_netravali,
                "hamming": _kernels.hamming,
            }[self.name](t)
        # A user kernel may be written with jax.numpy: evaluate it eagerly even under a trace.
        with jax.ensure_compile_time_eval():
            out = self.user.fn(t)
        return np.asarray(out, dtype=np.float64)


def method_kernel(method: str, cubic_a: float) -> KernelSpec:
    """The kernel of a canonical kernel method; ``cubic_a`` is used by 'cubic' only."""
    if method in ("linear", "linear-exact"):
        return KernelSpec("triangle")
    if method == "cubic":
        return KernelSpec("keys", cubic_a)
    if method.startswith("lanczos"):
        return KernelSpec("lanczos", float(method[-1]))
    return KernelSpec(method)


def canonical_method(method: Any, fn: str = FN) -> str | KernelSpec:
    """A method name or alias to its canonical name; a :class:`Kernel` to a user KernelSpec."""
    if isinstance(method, Kernel):
        if not callable(method.fn):
            raise TypeError(f"{fn}: Kernel.fn must be callable; got {method.fn!r}.")
        if not (isinstance(method.radius, (int, float)) and 0 < float(method.radius) < math.inf):
            raise ValueError(
                f"{fn}: Kernel.radius must be a positive finite number; got {method.radius!r}."
            )
        return KernelSpec("user", 0.0, Kernel(method.fn, float(method.radius)))
    if not isinstance(method, str):
        raise TypeError(
            f"{fn}: `method` must be a method name or a resample_jax.Kernel; got {method!r}."
        )
    return ALIASES[_v.check_choice(fn, "method", method, tuple(ALIASES))]
