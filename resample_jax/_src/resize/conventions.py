"""What each peer library does for each method: one table per convention, plus expert overrides.

A table maps a method class (``nearest``, ``nearest-exact``, ``area``, ``kernel``) to the
:class:`Recipe` the library follows. The ``kernel`` row's kernel is the library's cubic (its Keys
``a``); the other kernel methods have no per-library parameter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from resample_jax._src import validation as _v
from resample_jax._src.resize.methods import (
    CONVENTIONS,
    FN,
    RESIZE_METHODS,
    KernelSpec,
    method_kernel,
)
from resample_jax._src.resize.taps import Recipe

COORDINATES = (
    "half_pixel",
    "half_pixel_symmetric",
    "pytorch_half_pixel",
    "align_corners",
    "asymmetric",
    "tf_half_pixel_for_nn",
)
NEAREST_MODES = ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")
BORDERS = ("renormalize", "clamp")

_KEYS_HALF, _KEYS_075 = KernelSpec("keys", -0.5), KernelSpec("keys", -0.75)
_JAX_NEAREST = Recipe("nearest", nearest_mode="round_prefer_ceil", arith="jax")
_TORCH_NEAREST = Recipe("nearest", "asymmetric", "floor", "pytorch", border="clamp")


@dataclass(frozen=True)
class Convention:
    library: str  # the peer call, for messages
    antialias: bool  # default
    recipes: dict[str, Recipe]
    antialiased_kernel: Recipe | None = None  # a separate antialiased path (PyTorch's)
    fixed_antialias: str | None = None  # why antialias cannot be changed, if it cannot
    two_d_only: bool = False
    align_corners: bool = True


TABLES = {
    "jax": Convention("jax.image.resize", True, {
        "nearest": _JAX_NEAREST,
        "nearest-exact": _JAX_NEAREST,
        "area": Recipe("area"),
        "kernel": Recipe("kernel", kernel=_KEYS_HALF),
    }),
    "tensorflow": Convention("tf.image.resize (TF2)", False, {
        "nearest": Recipe("nearest", nearest_mode="round_prefer_ceil", arith="tf"),
        "area": Recipe("area"),
        "kernel": Recipe("kernel", kernel=_KEYS_HALF),
    }, align_corners=False),
    "pytorch": Convention("torch.nn.functional.interpolate", False, {
        "nearest": _TORCH_NEAREST,
        "nearest-exact": replace(_TORCH_NEAREST, coordinates="half_pixel",
                                 nearest_mode="round_prefer_ceil"),
        "area": Recipe("adaptive", border="clamp"),
        "kernel": Recipe("kernel", kernel=_KEYS_075, border="clamp"),
    }, antialiased_kernel=Recipe("kernel", kernel=_KEYS_HALF, antialias=True)),
    "pil": Convention("PIL.Image.resize", True, {
        "nearest": Recipe("nearest", nearest_mode="round_prefer_ceil", arith="pil"),
        "area": Recipe("kernel", arith="pil", kernel=KernelSpec("pil_box"), antialias=True),
        "kernel": Recipe("kernel", arith="pil", kernel=_KEYS_HALF, antialias=True),
    }, fixed_antialias=" Pillow always antialiases.", two_d_only=True, align_corners=False),
    "opencv": Convention("cv2.resize", False, {
        "nearest": replace(_TORCH_NEAREST, arith="opencv"),
        # INTER_NEAREST_EXACT: Pillow's rule (half-pixel, source position by repeated addition in
        # double), from the sizes even when fx / fy are given; equal to cv2 on every size pair up
        # to 400 and 20,000 random ones up to 6,000 (OpenCV 5.0).
        "nearest-exact": Recipe("nearest", nearest_mode="round_prefer_ceil", arith="pil"),
        "area": Recipe("cv_area", border="clamp"),
        "kernel": Recipe("kernel", kernel=_KEYS_075, border="clamp"),
    }, fixed_antialias=" OpenCV never antialiases (use 'area').", two_d_only=True,
        align_corners=False),
}


def lacks(convention: str, what: str, hint: str = "") -> ValueError:
    return ValueError(
        f"{FN}: convention={convention!r} ({TABLES[convention].library}) has no {what}.{hint}"
    )


def resolve(
    convention: str,
    method: str | KernelSpec,
    rank: int,
    antialias: bool | None,
    align_corners: bool,
) -> Recipe:
    """What ``convention`` does for ``method``; raises for combinations the library lacks."""
    name = method if isinstance(method, str) else "a user Kernel"
    have = RESIZE_METHODS[method].conventions if isinstance(method, str) else ("jax",)
    if convention not in have:
        others = [c for c in CONVENTIONS if c in have]
        hint = ""
        if convention == "pytorch" and name == "lanczos3":
            hint = (" PyTorch's mode='lanczos' (2.13+, antialiased) is Pillow's LANCZOS: use "
                    "convention='pil'.")
        raise lacks(convention, f"method {name!r}",
                    f" Conventions that have it: {others}.{hint}")
    table = TABLES[convention]
    if table.two_d_only and rank != 2:
        raise lacks(convention, f"{rank}-D resize", " It resizes 2-D images only.")
    if align_corners and not table.align_corners:
        raise lacks(convention, "align_corners=True", " It always uses half-pixel centres.")
    if table.fixed_antialias and antialias is not None and antialias != table.antialias:
        raise lacks(convention, f"antialias={antialias}", table.fixed_antialias)
    aa = table.antialias if antialias is None else antialias
    kind = method if method in ("nearest", "nearest-exact", "area") else "kernel"

    if convention == "pytorch":
        if method == "cubic" and rank != 2:
            raise lacks(convention, f"{rank}-D bicubic", " Bicubic is 2-D only in PyTorch.")
        if aa and (kind != "kernel" or rank != 2):
            raise lacks(
                convention, f"antialias=True for {rank}-D {method!r}",
                " PyTorch antialiases 2-D bilinear and bicubic only.",
            )
        if align_corners and kind != "kernel":
            raise lacks(
                convention, f"align_corners=True for {method!r}",
                " PyTorch accepts align_corners for linear, bilinear, bicubic and trilinear only.",
            )
        if aa:
            # The antialiased path (Pillow's algorithm): a = -0.5, renormalised at the borders; with
            # align_corners it keeps half-pixel centres but scales by (in - 1) / (out - 1).
            r = table.antialiased_kernel
            coords = "align_corners_half_pixel" if align_corners else r.coordinates
            return replace(r, coordinates=coords, kernel=_kernel_of(method, r))
    r = table.recipes[kind]
    if method == "linear-exact":
        # INTER_LINEAR_EXACT: INTER_LINEAR's taps; uint8 takes OpenCV's bit-exact fixed point.
        r = replace(r, arith="opencv_exact")
    if convention in ("jax", "tensorflow"):
        r = replace(r, antialias=aa)
    if convention == "tensorflow" and kind == "kernel":
        # tf.image.resize runs ResizeBilinear / ResizeBicubic for linear / cubic without
        # antialias, and ScaleAndTranslate (float32 positions) for everything else.
        if method == "cubic" and not aa:
            r = replace(r, arith="tf_cubic_table")
        elif method != "linear" or aa:
            r = replace(r, arith="tf")
    if align_corners:
        r = replace(r, coordinates="align_corners")
    return replace(r, kernel=_kernel_of(method, r)) if kind == "kernel" else r


def _kernel_of(method: str | KernelSpec, r: Recipe) -> KernelSpec:
    if isinstance(method, KernelSpec):
        return method
    return r.kernel if method == "cubic" else method_kernel(method, r.kernel.param)


def apply_overrides(
    r: Recipe,
    method: str | KernelSpec,
    convention: str,
    align_corners: bool,
    coordinates: str | None,
    nearest_mode: str | None,
    border: str | None,
    cubic_a: float | None,
) -> Recipe:
    """The ONNX-named expert options on top of a convention's recipe."""
    if coordinates is not None:
        coordinates = _v.check_choice(FN, "coordinates", coordinates, COORDINATES)
        if align_corners and coordinates != "align_corners":
            raise ValueError(
                f"{FN}: align_corners=True conflicts with coordinates={coordinates!r}; "
                "align_corners=True is shorthand for coordinates='align_corners'."
            )
        if r.kind not in ("nearest", "kernel", "area"):
            raise ValueError(
                f"{FN}: `coordinates` does not apply to {method!r} under convention="
                f"{convention!r} (its bins are fixed by the sizes)."
            )
        # Another coordinate rule leaves the peer's arithmetic (its rounded positions) behind.
        peer_positions = r.kind == "nearest" or r.arith in ("tf", "tf_cubic_table")
        r = replace(r, coordinates=coordinates, arith="exact" if peer_positions else r.arith)
    if nearest_mode is not None:
        nearest_mode = _v.check_choice(FN, "nearest_mode", nearest_mode, NEAREST_MODES)
        if r.kind != "nearest":
            raise ValueError(
                f"{FN}: `nearest_mode` applies to method='nearest' only; got method={method!r}."
            )
        r = replace(r, nearest_mode=nearest_mode, arith="exact")
    if border is not None:
        border = _v.check_choice(FN, "border", border, BORDERS)
        if r.kind != "kernel":
            raise ValueError(
                f"{FN}: `border` applies to kernel methods (linear, cubic, lanczos*, gaussian, "
                f"mitchell, a Kernel); got method={method!r}."
            )
        r = replace(r, border=border)
    if cubic_a is not None:
        if isinstance(cubic_a, bool) or not isinstance(cubic_a, (int, float)):
            raise TypeError(f"{FN}: `cubic_a` must be a real number; got {cubic_a!r}.")
        if not math.isfinite(cubic_a):
            raise ValueError(f"{FN}: `cubic_a` must be finite; got {cubic_a!r}.")
        if method != "cubic":
            raise ValueError(f"{FN}: `cubic_a` applies to method='cubic' only; got {method!r}.")
        r = replace(r, kernel=KernelSpec("keys", float(cubic_a)))
    return r

