"""The shared argument checks behave the same for every function that uses them."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

import resample_jax as rj
from resample_jax._src import validation
from resample_jax._src.lps import LearnablePolyphaseDownsample


def test_check_rank_accepts_numpy_ints_and_returns_python_int():
    assert validation.check_rank("f", np.int64(3)) == 3
    assert type(validation.check_rank("f", np.int64(3))) is int


@pytest.mark.parametrize(
    "fn",
    [
        lambda r: rj.haar_downsample(np.zeros((4, 4, 1), np.float32), rank=r),
        lambda r: rj.pyr_down(np.zeros((4, 4, 1), np.float32), rank=r),
        lambda r: rj.global_avg_pool(np.zeros((4, 4, 1), np.float32), rank=r),
        lambda r: rj.fuse(np.zeros((4, 4, 1), np.float32), np.zeros((4, 4, 1), np.float32), rank=r),
    ],
)
def test_rank_true_is_a_type_error_and_rank_4_a_value_error(fn):
    # True == 1 in Python: without the explicit check a bool would silently mean 1-D.
    with pytest.raises(TypeError, match="`rank` must be an int"):
        fn(True)
    with pytest.raises(ValueError, match="`rank` must be 1, 2 or 3"):
        fn(4)


# Static sizes given as concrete NumPy / JAX integer arrays (as jax.image accepts them) mean the
# same as the tuple; traced ones fail with a message that says how to make them static.
_X = np.arange(2 * 8 * 8 * 3, dtype=np.float32).reshape(2, 8, 8, 3)
_SIZE_CALLS = {
    "resize": (lambda s: rj.resize(_X, s), (5, 11)),
    "scale_and_translate": (lambda s: rj.scale_and_translate(_X, s, (0.7, 1.4), (0.5, -1.0)),
                            (5, 11)),
    "adaptive_avg_pool": (lambda s: rj.adaptive_avg_pool(_X, s), (3, 5)),
    "adaptive_max_pool": (lambda s: rj.adaptive_max_pool(_X, s), (3, 5)),
    "fractional_max_pool": (lambda s: rj.fractional_max_pool(jax.random.key(0), _X, s), (5, 6)),
    "pyr_up": (lambda s: rj.pyr_up(_X, size=s), (16, 15)),
    "affine_grid": (lambda s: rj.affine_grid(np.eye(2, 3, dtype=np.float32)[None], s), (4, 6)),
    "max_unpool": (
        lambda s: rj.max_unpool(*rj.max_pool_with_indices(_X, 2), s, window_shape=2), (8, 8)
    ),
}


@pytest.mark.parametrize("name", sorted(_SIZE_CALLS))
def test_concrete_integer_arrays_are_sizes(name):
    call, size = _SIZE_CALLS[name]
    expected = np.asarray(call(size))
    for form in (np.array(size), jnp.array(size), tuple(np.int32(v) for v in size),
                 (jnp.array(size[0]), size[1])):
        np.testing.assert_array_equal(np.asarray(call(form)), expected)


def test_numpy_integer_scalar_is_a_square_size():
    np.testing.assert_array_equal(rj.resize(_X, np.int64(4)), rj.resize(_X, (4, 4)))


@pytest.mark.parametrize("name", ["resize", "adaptive_avg_pool", "pyr_up"])
def test_traced_size_names_static_argnames(name):
    call, size = _SIZE_CALLS[name]
    with pytest.raises(TypeError, match="static_argnames"):
        jax.jit(call)(jnp.array(size))
    with pytest.raises(TypeError, match="static_argnums"):
        jax.jit(call)(size)  # a tuple argument is traced entry by entry


def test_float_or_2d_arrays_are_not_sizes():
    with pytest.raises(TypeError, match="must be an int"):
        rj.resize(_X, np.array([5.0, 5.0]))
    with pytest.raises(TypeError, match="size"):
        rj.resize(_X, np.array([[5, 5]]))


# ----------------------------------------------------------------------------------------------
# PRNG keys: one shared check (validation.check_key) for every function that draws noise.

_X8 = jnp.arange(1.0, 129.0).reshape(1, 8, 8, 2) % 7 + 1  # positive, not constant
_X9 = jnp.arange(1.0, 163.0).reshape(1, 9, 9, 2) % 5
_KEYED = {
    "spectral_pool": lambda key: rj.spectral_pool(_X8, 2, key=key, min_size=2),
    "stochastic_pool": lambda key: rj.stochastic_pool(key, _X8, 2),
    "fractional_max_pool": lambda key: rj.fractional_max_pool(key, _X9, 6, 2),
}


@pytest.mark.parametrize("fn", sorted(_KEYED))
@pytest.mark.parametrize("bad,error,needle", [
    (3, TypeError, "got int 3"),
    (jnp.ones(3), TypeError, r"dtype float32 and shape \(3,\)"),
    (np.zeros(3, np.uint32), TypeError, r"dtype uint32 and shape \(3,\)"),
    (jax.random.split(jax.random.key(0), 2), ValueError, r"batch of keys of shape \(2,\)"),
    (jnp.zeros((4, 2), jnp.uint32), ValueError, r"batch of keys of shape \(4, 2\)"),
])
def test_noisy_functions_reject_bad_keys_naming_the_argument(fn, bad, error, needle):
    """Before this check the first three reached jax.random and failed there without naming the
    function or the argument."""
    with pytest.raises(error, match=rf"{fn}: `key` must be one PRNG key.*{needle}"):
        _KEYED[fn](bad)


@pytest.mark.parametrize("fn", sorted(_KEYED))
def test_noisy_functions_take_typed_raw_and_numpy_keys_alike(fn):
    """jax.random.PRNGKey(s) is the raw data of jax.random.key(s) (jax.random.key_data), so the
    three spellings of one key draw the same noise."""
    typed = jax.random.key(7)
    raw = jax.random.PRNGKey(7)
    np.testing.assert_array_equal(jax.random.key_data(typed), raw)
    want = _KEYED[fn](typed)
    np.testing.assert_array_equal(_KEYED[fn](raw), want)
    np.testing.assert_array_equal(_KEYED[fn](np.asarray(raw)), want)


_NOISY_MODULES = {
    "LearnablePolyphaseDownsample": lambda: LearnablePolyphaseDownsample(2, 2, rngs=nnx.Rngs(0)),
    "SpectralPool": lambda: rj.nnx.SpectralPool(2, frequency_dropout=True),
}


@pytest.mark.parametrize("name", sorted(_NOISY_MODULES))
@pytest.mark.parametrize("bad,error,needle", [
    (jnp.ones(3), TypeError, r"dtype float32 and shape \(3,\).*nnx.Rngs is valid too"),
    (jax.random.split(jax.random.key(0), 2), ValueError, r"batch of keys of shape \(2,\)"),
])
def test_noisy_modules_reject_bad_rngs_naming_the_module(name, bad, error, needle):
    """A training-mode call draws its key through the modules' one helper (layers._stream_key),
    which checks it like the nets' rngs; LPS used to fail inside jax.random.gumbel."""
    with pytest.raises(error, match=rf"{name}: `rngs` must be one PRNG key.*{needle}"):
        _NOISY_MODULES[name]()(_X8, rngs=bad)
