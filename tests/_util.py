"""Helpers shared by the test files: tolerances per dtype, the jit / vmap / gradient / adjoint
checks every op goes through, and layout conversion for the PyTorch oracle."""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax.test_util import check_grads

# Tolerances against a float64 or peer reference, per input dtype. float16 has an 11-bit mantissa
# (eps 9.8e-4) and bfloat16 an 8-bit one (eps 7.8e-3); results of a few taps are within a few eps.
TOL = {
    np.dtype(np.float64): dict(rtol=1e-10, atol=1e-10),
    np.dtype(np.float32): dict(rtol=1e-5, atol=1e-5),
    np.dtype(jnp.float16): dict(rtol=5e-3, atol=5e-3),
    np.dtype(jnp.bfloat16): dict(rtol=3e-2, atol=3e-2),
}


def tol(dtype) -> dict:
    return TOL[np.dtype(dtype)]


def assert_close(actual, expected, dtype=np.float32, **overrides):
    kw = dict(tol(dtype))
    kw.update(overrides)
    np.testing.assert_allclose(
        np.asarray(actual, np.float64), np.asarray(expected, np.float64), **kw
    )


def assert_half_precision(fn: Callable, args: tuple, dtype):
    """fn on half-precision ``args`` keeps ``dtype`` and matches fn on the same values in float32
    within that dtype's tolerance."""
    got = fn(*args)
    assert got.dtype == dtype
    assert_close(got, fn(*(np.asarray(a, np.float32) for a in args)), dtype)


def assert_jit_matches_eager(fn: Callable, *args):
    """fn traced under jit gives the same values as fn called eagerly (op by op)."""
    with jax.disable_jit():
        eager = fn(*args)
    _assert_trees_close(eager, jax.jit(fn)(*args))


def assert_vmap_matches_loop(fn: Callable, xs, *rest):
    """jax.vmap(fn) over the leading axis of xs equals a Python loop over it."""
    mapped = jax.vmap(lambda x: fn(x, *rest))(xs)
    looped = [fn(xs[i], *rest) for i in range(xs.shape[0])]
    _assert_trees_close(mapped, jax.tree.map(lambda *ys: jnp.stack(ys), *looped))


def _assert_trees_close(a, b):
    jax.tree.map(
        lambda u, v: np.testing.assert_allclose(
            np.asarray(u, np.float64), np.asarray(v, np.float64), rtol=1e-5, atol=1e-6
        ),
        a,
        b,
    )


def check_grads_f64(fn: Callable, args: tuple, order: int = 2, modes=("fwd", "rev"), eps=1e-4):
    """Numerical vs automatic derivatives to ``order`` in forward and reverse mode, in float64."""
    with jax.enable_x64(True):
        args64 = tuple(jnp.asarray(np.asarray(a, np.float64)) for a in args)
        check_grads(fn, args64, order=order, modes=modes, eps=eps, atol=1e-5, rtol=1e-5)


def assert_adjoint(fn: Callable, x, rng: np.random.Generator):
    """<fn(x), y> == <x, vjp(fn)(y)> for a random cotangent y: the VJP is the adjoint (in f64)."""
    with jax.enable_x64(True):
        x = jnp.asarray(np.asarray(x, np.float64))
        out, vjp = jax.vjp(fn, x)
        y = jnp.asarray(rng.standard_normal(out.shape))
        (xt,) = vjp(y)
        lhs = float(jnp.vdot(out, y))
        rhs = float(jnp.vdot(x, xt))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-9, atol=1e-9)


def to_channels_first(x: np.ndarray) -> np.ndarray:
    """(N, *spatial, C) -> (N, C, *spatial), as PyTorch wants it."""
    return np.moveaxis(np.asarray(x), -1, 1)


def to_channels_last(x: np.ndarray) -> np.ndarray:
    """(N, C, *spatial) -> (N, *spatial, C)."""
    return np.moveaxis(np.asarray(x), 1, -1)


def torch_call(fn: Callable, x: np.ndarray, *args, **kwargs) -> np.ndarray:
    """Runs a torch function on a channels-last numpy array and returns channels-last numpy."""
    import torch

    t = torch.from_numpy(np.ascontiguousarray(to_channels_first(x)))
    out = fn(t, *args, **kwargs)
    if isinstance(out, tuple):
        return tuple(to_channels_last(o.detach().numpy()) for o in out)
    return to_channels_last(out.detach().numpy())
