"""Test configuration: loud failures for silent broadcasting and dtype promotion (as equinox does).

Library code runs in JAX's default 32-bit mode here, as users run it; gradient checks switch float64
on locally with ``jax.enable_x64(True)`` (see ``_util.check_grads_f64``).
"""

import jax
import numpy as np
import pytest

jax.config.update("jax_numpy_dtype_promotion", "strict")
jax.config.update("jax_numpy_rank_promotion", "raise")


@pytest.fixture
def rng():
    return np.random.default_rng(0)
