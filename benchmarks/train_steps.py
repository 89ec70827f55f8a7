"""The experiment runner's train steps as benchmark cases, beside the same nets in PyTorch eager.

A train-step case builds the runner's own step (``experiments.train.train_step`` on the quick
configuration's network, loss and Adam) and times what a user waits for: the build (trace, lower
and compile, wall and process CPU seconds) and ``steps`` optimiser steps on fixed random batches of
the quick configuration's shapes (the median step and the total). The PyTorch contender is the same
network written with ``torch.nn`` (same layers, widths, activations and loss; Adam), run eagerly
on ``channels_last`` tensors with as many threads as XLA uses (on CUDA when JAX runs on a GPU), in
the same process. Its bicubic
residual uses PyTorch's bicubic (Keys a = -0.75, ours a = -0.5): the same work, other weights.

Cases are declarative: a name, a label, the compile goal in seconds, and two builders.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

TRAIN_FAMILY = "train"


@dataclasses.dataclass(frozen=True)
class TrainCase:
    name: str
    label: str
    compile_limit_s: float  # the goal for the build time of the JAX step (issue 11, item 5)
    jax_step: Callable[[], tuple[Callable, Any, tuple]]  # -> (jitted step, state, batch)
    torch_step: Callable[[], Callable[[], Any]]  # -> one eager optimiser step
    shape: str


# --- JAX: the runner's own step ---------------------------------------------------------------


def _runner_step(config, model, loss, batch):
    import jax
    import jax.numpy as jnp
    from flax import nnx

    from experiments import train

    tx = train.make_optimizer(config)
    graphdef, params, rest = nnx.split(model, nnx.Param, ...)
    state = {
        "params": params,
        "rest": rest,
        "opt": tx.init(params),
        "step": jnp.zeros((), jnp.int32),
        "key": jax.random.key_data(jax.random.key(0)),
    }
    step = jax.jit(lambda s, x, y: train.train_step(graphdef, tx, loss, s, x, y))
    return step, state, batch


def _sr_batch(config):
    rng = np.random.default_rng(0)
    p, s = config.patch_size, config.scale
    x = rng.uniform(size=(config.batch_size, p, p, 1)).astype(np.float32)
    y = rng.uniform(size=(config.batch_size, p * s, p * s, 1)).astype(np.float32)
    return x, y


def _seg_batch(config, num_classes):
    rng = np.random.default_rng(0)
    n, p = config.batch_size, config.image_size
    x = rng.uniform(size=(n, p, p, 3)).astype(np.float32)
    y = rng.integers(0, num_classes, size=(n, p, p)).astype(np.int32)
    return x, y


def _jax_sr():
    from flax import nnx

    from experiments import configs, models, sr

    config = configs.SRConfig()
    model = models.build_sr(config, "pixel_shuffle", nnx.Rngs(0))
    return _runner_step(config, model, sr.LOSSES[config.loss], _sr_batch(config))


def _jax_seg():
    from flax import nnx

    from experiments import configs, data, models, seg

    config = configs.SegConfig()
    k = data.NUM_CLASSES["shapes"]
    model = models.build_seg("unet", k, config.down, config.up, nnx.Rngs(0))
    return _runner_step(config, model, seg.cross_entropy, _seg_batch(config, k))


# --- PyTorch eager: the same nets -------------------------------------------------------------


def torch_device() -> str:
    """PyTorch's device beside JAX's: CUDA when JAX runs on a GPU and PyTorch has CUDA."""
    import jax
    import torch

    return "cuda" if jax.default_backend() == "gpu" and torch.cuda.is_available() else "cpu"


def _torch_train(net, loss_fn, x, y, lr):
    import torch

    device = torch_device()
    net = net.to(device=device, memory_format=torch.channels_last)
    x, y = x.to(device), y.to(device)
    opt = torch.optim.Adam(net.parameters(), lr=lr)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
        if device == "cuda":
            torch.cuda.synchronize()
        return loss.detach()

    return step


def _nchw(a):
    import torch

    return torch.from_numpy(a).permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last)


def _torch_sr():
    import torch
    from torch import nn
    from torch.nn import functional as F

    from experiments import configs

    config = configs.SRConfig()
    s = config.scale

    class ESPCN(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv2d(1, 64, 5, padding=2)
            self.c2 = nn.Conv2d(64, 32, 3, padding=1)
            # One bias per output channel after the shuffle, as resample_jax's SubPixelConv.
            self.c3 = nn.Conv2d(32, s * s, 3, padding=1, bias=False)
            self.b3 = nn.Parameter(torch.zeros(1, 1, 1, 1))
            # The learned gain on the residual branch, starting at 0, as SRNet's residual_gain.
            self.gain = nn.Parameter(torch.zeros(()))

        def forward(self, lr):
            h = torch.tanh(self.c2(torch.tanh(self.c1(lr))))
            up = F.interpolate(lr, scale_factor=s, mode="bicubic", align_corners=False)
            return self.gain * (F.pixel_shuffle(self.c3(h), s) + self.b3) + up

    x, y = (_nchw(a) for a in _sr_batch(config))
    return _torch_train(ESPCN(), F.mse_loss, x, y, config.learning_rate)


def _torch_seg():
    import torch
    from torch import nn
    from torch.nn import functional as F

    from experiments import configs, data, models

    config = configs.SegConfig()
    k = data.NUM_CLASSES["shapes"]
    w = models.UNET_WIDTHS

    def block(c_in, c_out):
        return nn.Sequential(
            nn.Conv2d(c_in, c_out, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(c_out, c_out, 3, padding=1),
            nn.ReLU(),
        )

    class UNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = nn.ModuleList([block(a, b) for a, b in zip((3, *w), w, strict=False)])
            self.pre = nn.ModuleList([nn.Conv2d(w[i + 1], w[i], 1) for i in (1, 0)])
            self.dec = nn.ModuleList([block(2 * w[i], w[i]) for i in (1, 0)])
            self.head = nn.Conv2d(w[0], k, 1)

        def forward(self, x):
            skips = []
            for i, enc in enumerate(self.enc):
                x = enc(x)
                if i < len(self.enc) - 1:
                    skips.append(x)
                    x = F.max_pool2d(x, 2)
            for pre, dec, skip in zip(self.pre, self.dec, reversed(skips), strict=True):
                up = F.interpolate(pre(x), scale_factor=2, mode="bilinear", align_corners=False)
                x = dec(torch.cat([skip, up], dim=1))
            return self.head(x)

    xa, ya = _seg_batch(config, k)
    x, y = _nchw(xa), torch.from_numpy(ya).long()
    return _torch_train(UNet(), F.cross_entropy, x, y, config.learning_rate)


# fmt: off
CASES: dict[str, TrainCase] = {
    c.name: c
    for c in (
        TrainCase("train_sr_espcn", "SR train step (ESPCN + bicubic residual, x3)", 3.0,
                  _jax_sr, _torch_sr, "16x16x16x1 -> 16x48x48x1"),
        TrainCase("train_seg_unet", "seg train step (U-Net 8-16-32, max pool, bilinear)", 5.0,
                  _jax_seg, _torch_seg, "16x32x32x3 -> 16x32x32x4"),
    )
}
# fmt: on


def select(ops: list[str] | None) -> list[TrainCase]:
    """Train cases named in ``ops`` (by name or the family ``train``); all when ``ops`` is None."""
    if not ops:
        return list(CASES.values())
    return [c for c in CASES.values() if c.name in ops or TRAIN_FAMILY in ops]


def _steps(call: Callable[[], Any], steps: int) -> list[float]:
    samples = []
    for _ in range(steps):
        t0 = time.perf_counter()
        call()
        samples.append(time.perf_counter() - t0)
    return samples


def run_case(case: TrainCase, *, steps: int = 50, torch: bool = True) -> dict:
    """Build time and ``steps`` steps of the JAX step, then ``steps`` PyTorch eager steps."""
    import jax

    record: dict[str, Any] = {"key": case.name, "label": case.label, "shape": case.shape}
    record["steps"] = steps
    step, state, (x, y) = case.jax_step()
    x, y = jax.device_put(x), jax.device_put(y)
    w0, c0 = time.perf_counter(), time.process_time()
    compiled = step.lower(state, x, y).compile()
    record["build_s"] = time.perf_counter() - w0
    record["build_cpu_s"] = time.process_time() - c0
    holder = [state]

    def jax_call():
        holder[0], metrics = compiled(holder[0], x, y)
        jax.block_until_ready(metrics)

    jax_samples = _steps(jax_call, steps)
    record["jax"] = _stats(jax_samples)
    record["torch"] = None
    if torch:
        try:
            torch_call = case.torch_step()
        except ImportError as e:
            record["torch_error"] = f"skipped: {e}"
        else:
            torch_call()  # first call allocates; PyTorch has no build step beyond this
            record["torch"] = _stats(_steps(torch_call, steps))
    if record["torch"]:
        record["step_vs_torch"] = record["jax"]["median_s"] / record["torch"]["median_s"]
    return record


def _stats(samples: list[float]) -> dict:
    # The first JAX step includes moving the state into the executable's buffers: the median is
    # the step time; the total is what 50 steps cost a user.
    return {
        "median_s": statistics.median(samples),
        "min_s": min(samples),
        "total_s": sum(samples),
        "samples": len(samples),
    }


def verdicts(records: list[dict]) -> list[dict]:
    """The goals of issue 11 item 5: build under its limit, step no slower than PyTorch eager."""
    out = []
    for r in records:
        case = CASES[r["key"]]
        checks = [(f"build < {case.compile_limit_s:g} s", r["build_s"], case.compile_limit_s, "s")]
        if r.get("step_vs_torch") is not None:
            checks.append(("step no slower than torch eager", r["step_vs_torch"], 1.0, "ratio"))
        for target, value, limit, unit in checks:
            out.append(
                {
                    "case": r["key"],
                    "target": target,
                    "value": value,
                    "limit": limit,
                    "unit": "s" if unit == "s" else "time ratio",
                    "status": "PASS" if value <= limit else "FAIL",
                    "note": f"build CPU {r['build_cpu_s']:.2f} s" if unit == "s" else "",
                }
            )
    return out
