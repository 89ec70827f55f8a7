"""resample_jax: every way CNNs downsample and upsample, as pure JAX functions.

Arrays are channels-last, ``(*batch, *spatial, C)``, with any number of leading batch axes; the spatial
rank (1, 2 or 3) is given by the length of the size / window / factor argument (an int means 2-D).
Every function works under ``jax.jit``, ``jax.vmap`` and ``jax.grad``.
"""

# Each family re-exports its public names in its own block below.

# --- interpolation: resize ---
# --- interpolation: grid sampling ---
# --- pooling ---
# --- unpooling, shuffling, wavelets, pyramids ---
# --- convolutional resamplers, blur pooling, CARAFE, fusion ---

__version__ = "0.1.0"

__all__ = [
    "__version__",
]
