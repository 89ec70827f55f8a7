"""resample_jax: every way CNNs downsample and upsample, as pure JAX functions.

Arrays are channels-last, ``(*batch, *spatial, C)``, with any number of leading batch axes; the
spatial rank (1, 2 or 3) is given by the length of the size / window / factor argument (an int
means 2-D). Every function works under ``jax.jit``, ``jax.vmap`` and ``jax.grad``.

The Flax layer (``nnx``, ``linen``, ``methods``, ``models``, ``initializers``) is a set of lazy
submodules: ``import resample_jax as rj; rj.nnx`` imports Flax on first use, so the pure functions
do not pay for it.
"""

import importlib

from resample_jax._src.adaptive import (
    adaptive_avg_pool,
    adaptive_max_pool,
    global_avg_pool,
    global_max_pool,
)
from resample_jax._src.alias_free import filtered_activation
from resample_jax._src.blur import blur_pool, max_blur_pool
from resample_jax._src.carafe import carafe
from resample_jax._src.conv import resize_conv, strided_conv, subpixel_conv
from resample_jax._src.dwt import dwt, idwt, wavelet_pool
from resample_jax._src.fir import firwin, resample_poly, upfirdn
from resample_jax._src.fusion import fuse, match_size
from resample_jax._src.grid_sample import affine_grid, grid_sample
from resample_jax._src.kernels import Kernel
from resample_jax._src.polyphase import aps_downsample, aps_upsample, polyphase_components
from resample_jax._src.pooling import (
    avg_pool,
    lp_pool,
    max_pool,
    max_pool_with_indices,
    min_pool,
)
from resample_jax._src.pyramids import (
    gaussian_pyramid,
    laplacian_pyramid,
    pyr_down,
    pyr_up,
    reconstruct_laplacian,
)
from resample_jax._src.resize import (
    RESIZE_METHODS,
    ResizeMethodInfo,
    resize,
    scale_and_translate,
)
from resample_jax._src.shuffle import (
    bed_of_nails,
    depth_to_space,
    pixel_shuffle,
    pixel_unshuffle,
    space_to_depth,
)
from resample_jax._src.spectral import fft_resize, spectral_pool
from resample_jax._src.stochastic import fractional_max_pool, soft_pool, stochastic_pool
from resample_jax._src.transposed import conv_transpose, fractional_strided_conv
from resample_jax._src.unpooling import max_unpool
from resample_jax._src.wavelets import haar_downsample, haar_upsample

__version__ = "0.1.0"

_SUBMODULES = ("initializers", "linen", "methods", "models", "nnx")


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_SUBMODULES))


__all__ = [
    "__version__",
    # interpolation
    "Kernel",
    "RESIZE_METHODS",
    "ResizeMethodInfo",
    "resize",
    "scale_and_translate",
    "filtered_activation",
    "firwin",
    "resample_poly",
    "upfirdn",
    "affine_grid",
    "grid_sample",
    # pooling
    "adaptive_avg_pool",
    "adaptive_max_pool",
    "avg_pool",
    "fractional_max_pool",
    "global_avg_pool",
    "global_max_pool",
    "lp_pool",
    "max_pool",
    "max_pool_with_indices",
    "min_pool",
    "soft_pool",
    "stochastic_pool",
    # unpooling, shuffling, wavelets, pyramids
    "bed_of_nails",
    "depth_to_space",
    "dwt",
    "gaussian_pyramid",
    "haar_downsample",
    "haar_upsample",
    "idwt",
    "laplacian_pyramid",
    "max_unpool",
    "pixel_shuffle",
    "pixel_unshuffle",
    "pyr_down",
    "pyr_up",
    "reconstruct_laplacian",
    "space_to_depth",
    "wavelet_pool",
    # convolutional resamplers, blur pooling, CARAFE, fusion
    "blur_pool",
    "carafe",
    "conv_transpose",
    "fractional_strided_conv",
    "fuse",
    "match_size",
    "max_blur_pool",
    "resize_conv",
    "strided_conv",
    "subpixel_conv",
    # shift-equivariant and spectral resampling
    "aps_downsample",
    "aps_upsample",
    "fft_resize",
    "polyphase_components",
    "spectral_pool",
]
