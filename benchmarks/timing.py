"""How one function is timed: compile separately, warm up, then repeat and keep every sample.

JAX functions are compiled ahead of time with ``jax.jit(f).lower(*args).compile()`` (that duration
is the reported compile time) and every call is followed by ``jax.block_until_ready``, so a sample
covers the whole computation and nothing of tracing or compiling. PyTorch runs eagerly; its calls
are timed the same way (with a CUDA synchronise when it runs on a GPU).
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections.abc import Callable
from typing import Any

import jax


@dataclasses.dataclass
class Timing:
    """Samples of one contender on one case, in seconds."""

    samples_s: list[float] = dataclasses.field(default_factory=list)
    compile_s: float | None = None
    compile_cpu_s: float | None = None  # process CPU seconds of the compile (robust to sharing)
    error: str | None = None
    output: Any = None  # the last result, kept for the value check and not serialised

    @property
    def min_s(self) -> float | None:
        return min(self.samples_s) if self.samples_s else None

    @property
    def median_s(self) -> float | None:
        return statistics.median(self.samples_s) if self.samples_s else None

    def to_json(self) -> dict:
        return {
            "compile_s": self.compile_s,
            "compile_cpu_s": self.compile_cpu_s,
            "min_s": self.min_s,
            "median_s": self.median_s,
            "samples": len(self.samples_s),
            "error": self.error,
        }


def measure(
    call: Callable[[], Any], *, repeats: int, warmup: int, budget_s: float
) -> tuple[list[float], Any]:
    """Times ``call`` (which must return only once its work is done) after ``warmup`` calls.

    Stops after ``repeats`` samples or once ``budget_s`` seconds of sampling have passed, keeping at
    least three samples, or one when a single warm-up call alone took a third of the budget (the
    VJP of ``lax.conv_transpose`` can take seconds on a CPU); such a slow call also ends the
    warm-up early. A first call longer than the whole budget is itself the one sample: at the
    large sizes that VJP takes minutes, and compilation was done before the first call.
    """
    out = None
    warm_s = 0.0
    for i in range(max(warmup, 1)):
        t0 = time.perf_counter()
        out = call()
        warm_s = time.perf_counter() - t0
        if i == 0 and warm_s > budget_s and budget_s > 0:
            return [warm_s], out
        if warm_s > budget_s / 3:
            break
    min_samples = 1 if warm_s > budget_s / 3 else min(3, repeats)
    samples: list[float] = []
    start = time.perf_counter()
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = call()
        samples.append(time.perf_counter() - t0)
        if len(samples) >= min_samples and time.perf_counter() - start > budget_s:
            break
    return samples, out


def time_jax(
    fn: Callable[..., Any], args: tuple, *, repeats: int, warmup: int, budget_s: float
) -> Timing:
    """Compiles ``fn`` for ``args`` (timed), then times the compiled executable."""
    t0, c0 = time.perf_counter(), time.process_time()
    compiled = jax.jit(fn).lower(*args).compile()
    compile_s = time.perf_counter() - t0
    compile_cpu_s = time.process_time() - c0
    samples, out = measure(
        lambda: jax.block_until_ready(compiled(*args)),
        repeats=repeats,
        warmup=warmup,
        budget_s=budget_s,
    )
    return Timing(samples_s=samples, compile_s=compile_s, compile_cpu_s=compile_cpu_s, output=out)


def time_torch(
    fn: Callable[[], Any], *, repeats: int, warmup: int, budget_s: float, cuda: bool = False
) -> Timing:
    """Times an eager PyTorch closure; ``compile_s`` stays None (nothing is compiled)."""
    if cuda:
        import torch

        def call():
            out = fn()
            torch.cuda.synchronize()
            return out
    else:
        call = fn
    samples, out = measure(call, repeats=repeats, warmup=warmup, budget_s=budget_s)
    return Timing(samples_s=samples, output=out)
