"""Tests marked ``accelerator``: every method on JAX's default device, the device-dependent code
paths there, and one runner smoke run.

``python -m benchmarks.gpu_check`` runs exactly these (``pytest -m accelerator``) on a machine with
an NVIDIA GPU, where the default device is the GPU; elsewhere they run as ordinary tests on the CPU.
What they prove on a GPU: each method of the table compiles under ``jax.jit``, its forward pass and
its gradient with respect to the input and the parameters run on the device and agree with the same
computation on the host CPU (whose values the other test files check against PyTorch, jax.image and
hand-computed arrays); the convolution kernel gradient, whose formulation depends on the platform
(``lax.platform_dependent`` in ``_src/conv.py``), equals a NumPy kernel gradient on the device; and
the experiment runner trains and evaluates end to end on it.
"""

from __future__ import annotations

import _util
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from resample_jax import methods
from resample_jax._src import conv as conv_src

pytestmark = pytest.mark.accelerator

DEVICE = jax.devices()[0]
CPU = jax.devices("cpu")[0]
ON_CPU = DEVICE.platform == "cpu"

UP = methods.upsampler_names()
DOWN = methods.downsampler_names()


def _loss_and_grads(module: nnx.Module, x: np.ndarray, device) -> tuple:
    """Loss, input and parameter gradients of sum(module(x)^2 * w), jitted on ``device``."""
    graphdef, params, rest = nnx.split(module, nnx.Param, ...)
    weights = np.random.default_rng(1).standard_normal(jax.eval_shape(module, x).shape)

    def loss(params, x):
        y = nnx.merge(graphdef, params, rest)(x)
        return jnp.sum(jnp.square(y) * weights.astype(y.dtype))

    args = jax.device_put((params, jnp.asarray(x)), device)
    value, grads = jax.jit(jax.value_and_grad(loss, argnums=(0, 1)))(*args)
    assert all(leaf.devices() == {device} for leaf in jax.tree.leaves(grads))
    return value, grads


@pytest.mark.parametrize(
    "direction,name", [("up", n) for n in UP] + [("down", n) for n in DOWN], ids=str
)
def test_method_jit_and_gradients_on_device_match_the_host(direction, name):
    make = methods.make_upsampler if direction == "up" else methods.make_downsampler
    module = make(name, 3, 4, 2, rngs=nnx.Rngs(0))
    x = np.random.default_rng(0).standard_normal((2, 8, 8, 3)).astype(np.float32)
    value, grads = _loss_and_grads(module, x, DEVICE)
    assert np.isfinite(float(value))
    assert all(np.isfinite(np.asarray(g)).all() for g in jax.tree.leaves(grads))
    if ON_CPU:
        return  # the device is the host: nothing to compare
    host_value, host_grads = _loss_and_grads(module, x, CPU)
    # Accelerators may compute float32 convolutions in TF32: compare at a loose relative tolerance.
    _util.assert_close(value, host_value, rtol=2e-2, atol=1e-3)
    jax.tree.map(lambda a, b: _util.assert_close(a, b, rtol=2e-2, atol=1e-2), grads, host_grads)


@pytest.mark.parametrize("kshape", [(2, 2, 64, 64), (3, 3, 4, 5)], ids=str)
def test_platform_dependent_kernel_gradient_matches_numpy_on_device(kshape):
    """The kernel gradient takes the per-tap form on CPU for wide layers and XLA's own elsewhere;
    on every device it equals sum_{n,p} x_padded[n, p + tap] * ct[n, p]."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 5, 6, kshape[2])).astype(np.float32)
    k = rng.standard_normal(kshape).astype(np.float32)
    pads, one = ((1, 1), (0, 1)), (1, 1)
    out = (2, 5 + 2 - kshape[0] + 1, 6 + 1 - kshape[1] + 1, kshape[3])
    ct = rng.standard_normal(out).astype(np.float32)
    x_d, k_d, ct_d = jax.device_put((x, k, ct), DEVICE)

    def kernel_grad(x, k, ct):
        _, vjp = jax.vjp(lambda k: conv_src._conv(x, k, one, pads, one, 1, one), k)
        return vjp(ct)[0]

    got = jax.jit(kernel_grad)(x_d, k_d, ct_d)
    xp = np.pad(x.astype(np.float64), ((0, 0), *pads, (0, 0)))
    expected = np.zeros(kshape)
    for i in range(kshape[0]):
        for j in range(kshape[1]):
            expected[i, j] = np.einsum("nhwi,nhwo->io", xp[:, i : i + out[1], j : j + out[2]], ct)
    _util.assert_close(got, expected, rtol=2e-2 if not ON_CPU else 1e-4, atol=1e-3)


@pytest.mark.skipif(ON_CPU, reason="on the CPU the runner's runs are tests/test_experiments.py")
def test_runner_smoke_run_on_device(tmp_path):
    from test_experiments import TINY_SR

    from experiments import train

    train.train_and_evaluate(TINY_SR, tmp_path)
    results = (tmp_path / "results.json").read_text()
    assert '"pixel_shuffle"' in results and DEVICE.platform in train.device_description()
