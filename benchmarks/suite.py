"""Runs the cases: builds each contender's fwd or fwd+bwd callable, times it, checks its values.

The fwd+bwd form of a JAX contender returns ``(y, vjp(ct))`` for a fixed random cotangent ``ct``
passed as an argument (never a closed-over constant); the PyTorch form runs the forward with
autograd on leaf tensors and calls ``y.backward(ct)``. Returning ``y`` keeps XLA from dropping the
forward pass, which PyTorch always computes. Forward PyTorch runs under ``torch.no_grad()``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks import cases, hardware, timing
from benchmarks.cases import FLOOR, FWD, FWD_BWD, OURS, CaseSpec, Contender, Problem

# Largest allowed max|a - b| / max|b| between a peer and resample_jax. float32 leaves room for
# TF32 convolutions on GPUs and for float32 sums in a different order; bfloat16 for a rounding of
# the output (eps 7.8e-3) plus peers that accumulate in bfloat16. A convention mismatch (tap
# weights, channel order, corner) gives errors of order 0.1 to 1.
CHECK_TOL = {"float32": 1e-3, "bfloat16": 5e-2}


@dataclasses.dataclass(frozen=True)
class Settings:
    repeats: int = 20
    warmup: int = 2
    budget_s: float = 2.0  # sampling time per contender before stopping early (>= 3 samples)
    peak_bandwidth: float | None = None  # bytes/s; None: unknown (CPU) or from the device table
    torch: bool = True


def _out_dtype(problem: Problem) -> Any:
    return problem.args[0].dtype


def floor_contender(problem: Problem, mode: str) -> Contender:
    """The memory floor: read every input once, write the output (and in fwd+bwd the gradients)."""
    out_shape = problem.out_shape
    dtype = _out_dtype(problem)
    n_args = len(problem.args)

    def read_all(args):
        flat = [a.reshape(-1).astype(dtype) for a in args]
        return flat[0] if len(flat) == 1 else jnp.concatenate(flat)

    if mode == FWD:
        fn = lambda *args: cases.copy_floor(read_all(args), out_shape)
    else:
        shapes = [problem.args[i].shape for i in problem.diff]

        def fn(*args_ct):
            args, ct = args_ct[:n_args], args_ct[n_args]
            grads = tuple(cases.copy_floor(ct, s) for s in shapes)
            return cases.copy_floor(read_all(args), out_shape), grads

    return Contender("copy floor", FLOOR, fn)


def _cotangent(problem: Problem) -> np.ndarray:
    rng = np.random.default_rng(1)
    return rng.standard_normal(problem.out_shape, dtype=np.float32).astype(_out_dtype(problem))


def jax_callable(c: Contender, problem: Problem, mode: str) -> Callable:
    """The function of the arguments (plus the cotangent in fwd+bwd mode) to compile and time."""
    if mode == FWD or c.role == FLOOR:
        return c.fn
    n_args, diff = len(problem.args), problem.diff

    def fwd_bwd(*args_ct):
        args, ct = list(args_ct[:n_args]), args_ct[n_args]

        def f(*d):
            full = list(args)
            for i, v in zip(diff, d, strict=True):
                full[i] = v
            return c.fn(*full)

        y, vjp = jax.vjp(f, *(args[i] for i in diff))
        return y, vjp(ct)

    return fwd_bwd


# --- PyTorch layout -------------------------------------------------------------------------------


def to_torch(a: np.ndarray, kind: str, device: str = "cpu"):
    """A channels-last array as a PyTorch user holds it: NCHW shape, channels_last memory."""
    import torch

    if kind == "index":
        t = torch.from_numpy(np.asarray(a, np.int64)).permute(0, 3, 1, 2)
    else:
        t = torch.from_numpy(np.asarray(a, np.float32))
        t = t.permute(0, 3, 1, 2) if kind == "image" else t.permute(2, 3, 0, 1)
        t = t.to(getattr(torch, str(np.dtype(a.dtype))))
    return t.to(device).contiguous(memory_format=torch.channels_last)


def from_torch(t, kind: str) -> np.ndarray:
    t = t.detach().cpu()
    t = t.permute(2, 3, 0, 1) if kind == "kernel" else t.permute(0, 2, 3, 1)
    return t.numpy() if kind == "index" else t.float().numpy()


def torch_callable(c: Contender, problem: Problem, mode: str, device: str) -> Callable:
    """A closure that runs the contender once on tensors prepared in advance."""
    import torch

    targs = [to_torch(a, k, device) for a, k in zip(problem.args, problem.kinds, strict=True)]
    if mode == FWD:

        def fwd():
            with torch.no_grad():
                return c.fn(*targs)

        return fwd
    ct = to_torch(_cotangent(problem), "image", device)
    leaves = [targs[i].requires_grad_(True) for i in problem.diff]

    def fwd_bwd():
        for t in leaves:
            t.grad = None
        y = c.fn(*targs)
        y.backward(ct)
        return y.detach(), tuple(t.grad for t in leaves)

    return fwd_bwd


# --- value check ----------------------------------------------------------------------------------


def _leaves(output: Any, c: Contender, problem: Problem, mode: str) -> list[np.ndarray]:
    """Output (and gradients) as channels-last float arrays, for comparison."""
    if c.backend == "torch":
        if mode == FWD:
            return [from_torch(output, "image")]
        y, grads = output
        kinds = [problem.kinds[i] for i in problem.diff]
        return [from_torch(y, "image")] + [
            from_torch(g, k) for g, k in zip(grads, kinds, strict=True)
        ]
    return [np.asarray(a, np.float64) for a in jax.tree.leaves(output)]


def compare(ours: list[np.ndarray], theirs: list[np.ndarray], dtype: str) -> dict:
    """Worst relative error over the outputs (and gradients), and whether it is within tolerance."""
    if len(ours) != len(theirs) or any(
        a.shape != b.shape for a, b in zip(ours, theirs, strict=True)
    ):
        shapes = ([a.shape for a in ours], [b.shape for b in theirs])
        return {"ok": False, "max_rel_err": None, "note": f"shapes differ: {shapes}"}
    err = 0.0
    for a, b in zip(ours, theirs, strict=True):
        a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
        scale = max(float(np.max(np.abs(a))), 1e-30) if a.size else 1.0
        err = max(err, float(np.max(np.abs(a - b))) / scale if a.size else 0.0)
    return {"ok": err <= CHECK_TOL[dtype], "max_rel_err": err, "note": ""}


# --- running --------------------------------------------------------------------------------------


def _nbytes(shape, dtype) -> int:
    return math.prod(shape) * np.dtype(dtype).itemsize


def min_bytes(problem: Problem, mode: str) -> int:
    """Bytes a perfect implementation moves: inputs read once, outputs written once."""
    dtype = _out_dtype(problem)
    total = sum(a.nbytes for a in problem.args) + _nbytes(problem.out_shape, dtype)
    if mode == FWD_BWD:
        total += _nbytes(problem.out_shape, dtype)  # the cotangent
        total += sum(problem.args[i].nbytes for i in problem.diff)  # the gradients
    return total


def run_case(spec: CaseSpec, settings: Settings, *, check: bool = True) -> dict:
    """Times every contender of one case; returns the JSON record with ratios and value checks."""
    record = {
        "key": spec.key,
        "op": spec.op.name,
        "label": spec.op.label,
        "family": spec.op.family,
        "mode": spec.mode,
        "size": spec.size,
        "dtype": spec.dtype,
        "bandwidth_bound": spec.op.bandwidth_bound,
        "contenders": [],
        "skipped": None,
    }
    problem, why = cases.build(spec)
    if problem is None:
        record["skipped"] = why
        return record
    record["input_shapes"] = [list(a.shape) for a in problem.args]
    record["output_shape"] = list(problem.out_shape)
    record["bytes_min"] = min_bytes(problem, spec.mode)

    backend = jax.default_backend()
    torch_device = _torch_device(backend) if settings.torch else None
    jargs = tuple(jnp.asarray(a) for a in problem.args)
    if spec.mode == FWD_BWD:
        jargs = (*jargs, jnp.asarray(_cotangent(problem)))

    contenders = [*problem.contenders, floor_contender(problem, spec.mode)]
    ours_leaves = None
    for c in contenders:
        entry = {"name": c.name, "role": c.role, "backend": c.backend, "differs": c.differs}
        if c.backend == "torch" and torch_device is None:
            entry.update(timing.Timing(error=_torch_absent_reason(settings, backend)).to_json())
            record["contenders"].append(entry)
            continue
        try:
            if c.backend == cases.NUMPY:  # an eager closure, like PyTorch on the CPU
                t = timing.time_torch(
                    lambda c=c: c.fn(*problem.args),
                    repeats=settings.repeats,
                    warmup=settings.warmup,
                    budget_s=settings.budget_s,
                )
            elif c.backend == "torch":
                t = timing.time_torch(
                    torch_callable(c, problem, spec.mode, torch_device),
                    repeats=settings.repeats,
                    warmup=settings.warmup,
                    budget_s=settings.budget_s,
                    cuda=torch_device == "cuda",
                )
            else:
                t = timing.time_jax(
                    jax_callable(c, problem, spec.mode),
                    jargs,
                    repeats=settings.repeats,
                    warmup=settings.warmup,
                    budget_s=settings.budget_s,
                )
        except Exception as e:  # one failing peer must not stop the suite: record it
            t = timing.Timing(error=f"{type(e).__name__}: {str(e).splitlines()[0][:200]}")
        entry.update(t.to_json())
        if check and t.error is None and c.role != FLOOR:
            leaves = _leaves(t.output, c, problem, spec.mode)
            if c.role == OURS:
                ours_leaves = leaves
            elif c.differs:
                entry["check"] = {"ok": None, "max_rel_err": None, "note": c.differs}
            elif ours_leaves is not None:
                entry["check"] = compare(ours_leaves, leaves, spec.dtype)
        record["contenders"].append(entry)
    _add_ratios(record, settings.peak_bandwidth)
    return record


def _torch_device(backend: str) -> str | None:
    try:
        import torch
    except ImportError:
        return None
    if backend == "cpu":
        return "cpu"
    # PyTorch on the CPU against JAX on an accelerator compares two machines, not two programs.
    return "cuda" if backend == "gpu" and torch.cuda.is_available() else None


def _torch_absent_reason(settings: Settings, backend: str) -> str:
    if not settings.torch:
        return "skipped: --no-torch"
    try:
        import torch  # noqa: F401
    except ImportError:
        return "skipped: torch is not installed"
    return f"skipped: JAX runs on {backend} and torch has no device of that kind"


def _add_ratios(record: dict, peak_bandwidth: float | None) -> None:
    timed = [c for c in record["contenders"] if c["median_s"] is not None]
    ours = next((c for c in timed if c["role"] == OURS), None)
    peers = [c for c in timed if c["role"] == cases.PEER]
    floor = next((c for c in timed if c["role"] == FLOOR), None)
    fastest = min(peers, key=lambda c: c["median_s"]) if peers else None
    record["fastest_peer"] = fastest["name"] if fastest else None
    record["vs_fastest_peer"] = ours["median_s"] / fastest["median_s"] if ours and fastest else None
    record["vs_floor"] = ours["median_s"] / floor["median_s"] if ours and floor else None
    for c in timed:
        c["bandwidth_GBps"] = record["bytes_min"] / c["median_s"] / 1e9
        c["fraction_of_peak"] = (
            record["bytes_min"] / c["median_s"] / peak_bandwidth if peak_bandwidth else None
        )


def run(
    specs: Iterable[CaseSpec],
    settings: Settings,
    *,
    progress: bool | None = None,
    check: bool = True,
) -> list[dict]:
    """Runs cases in order under a tqdm progress bar (``progress=None``: only on a terminal)."""
    from tqdm import tqdm

    specs = list(specs)
    records = []
    bar = tqdm(specs, unit="case", disable=None if progress is None else not progress)
    for spec in bar:
        bar.set_description(spec.key)
        records.append(run_case(spec, settings, check=check))
    return records


def configure_threads() -> dict:
    """Gives PyTorch as many intra-op threads as XLA's CPU backend uses; returns both counts."""
    threads = hardware.cpu_threads()
    info = {"xla_cpu_threads": threads, "torch_threads": None}
    try:
        import torch

        torch.set_num_threads(threads)
        info["torch_threads"] = torch.get_num_threads()
    except ImportError:
        pass
    return info
