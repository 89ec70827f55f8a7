"""Separable image resize with the conventions of jax.image, TensorFlow, PyTorch, Pillow and OpenCV.

The engine, by stage:

  * ``methods``: the method table and kernel specs;
  * ``conventions``: one table per peer library (what it does for each method) and the ONNX-named
    expert overrides;
  * ``taps``: per-axis tap tables in NumPy, from the static sizes;
  * ``plan``: per-axis execution plans (identity, repeat, periodic strided slices, gather) chosen
    from the tables;
  * ``execute``: the JAX execution of the plans, with derivatives whose transposes are slices or
    gathers;
  * ``api``: the public functions.
"""

from resample_jax._src.kernels import Kernel
from resample_jax._src.resize.api import resize, resize_options, scale_and_translate
from resample_jax._src.resize.conventions import BORDERS, COORDINATES, NEAREST_MODES
from resample_jax._src.resize.methods import CONVENTIONS, RESIZE_METHODS, ResizeMethodInfo

__all__ = [
    "BORDERS",
    "CONVENTIONS",
    "COORDINATES",
    "NEAREST_MODES",
    "RESIZE_METHODS",
    "Kernel",
    "ResizeMethodInfo",
    "resize",
    "resize_options",
    "scale_and_translate",
]
