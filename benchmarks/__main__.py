"""``python -m benchmarks``: every resample_jax op timed beside its peers, in one process.

Usage::

    python -m benchmarks            # full suite: small and large shapes, float32 and bfloat16
    python -m benchmarks --quick    # small shapes, float32 (about 2-3 minutes on 2 cores)
    python -m benchmarks --ops max_pool,resize --dtype bfloat16 --repeats 50 --out runs/bench
    python -m benchmarks --tiny     # tiny shapes: checks the machinery, times nothing real

Run it on a quiet machine: every other process steals samples from the medians. The full suite
takes tens of minutes on 2 cores, most of it in slow peers (one VJP of ``lax.conv_transpose`` at the
large size takes tens of seconds; a call longer than ``--budget`` is timed once).

What is measured
    Each case is one op at one size preset, dtype and mode. ``fwd`` times the forward pass;
    ``fwd+bwd`` times the forward output together with the VJP of a fixed random cotangent with
    respect to every differentiable input (PyTorch: ``y.backward(ct)``). Every contender of a case
    gets the same input values: standard normal feature maps, images uniform in [0, 1], max-pool
    inputs with one clear winner per window (so every library routes the gradient alike), and
    unpooling indices at a random cell of each window. JAX contenders are compiled ahead of time,
    ``jax.jit(f).lower(*args).compile()``, and that duration is the compile time; then
    ``--warmup`` untimed calls (default 2), then up to ``--repeats`` calls each followed by
    ``block_until_ready`` (sampling stops early after ``--budget`` seconds, with at least three
    samples). PyTorch runs eagerly on
    ``torch.channels_last`` tensors (forward under ``torch.no_grad()``), with as many intra-op
    threads as XLA's CPU backend uses (printed in the header line). On an accelerator, PyTorch
    peers run only when PyTorch has that device (else they are reported as skipped).

Contenders
    ``resample_jax`` (ours); peers: ``jax.image.resize``, ``dm-pix``, ``flax.nnx.max_pool``,
    ``lax.reduce_window``, ``lax.conv_transpose``, ``lax.pad``, ``jnp.repeat``, ``torch``, and the
    reference formulations ``reshape+max`` (max pooling as reshape-and-reduce) and ``scatter``
    (``.at[].set``); and the ``copy floor``: one XLA fusion that reads the inputs once and writes an
    array of the output's size (in ``fwd+bwd`` also reads the cotangent and writes the gradients).
    No resampling op can move less memory, so it is the floor a bandwidth-bound op aims at.

Reading the summary table (one per size preset and dtype)
    ``ours ms (min/med)``   resample_jax's fastest and median sample, in milliseconds.
    ``compile s (CPU s)``   resample_jax's lower + compile time, wall (and process CPU) seconds.
    ``fastest peer``        the peer with the smallest median; ``peer ms`` its median.
    ``x peer``              resample_jax median / fastest peer median. Below 1 we are faster:
                            0.25 means four times faster; 1.30 means 30% slower.
    ``floor ms``            median of the copy floor; ``x floor`` = resample_jax median / floor
                            median: 1.00 is as fast as memory allows; bandwidth-bound ops aim
                            at <= 1.15, compute-bound ones (cubic, conv) sit well above 1.
    ``GB/s``                minimum bytes (inputs read once + outputs written once) / median
                            time. On a GPU with a known peak bandwidth (or ``--peak-bandwidth``)
                            bandwidth-bound ops also show the fraction of peak in parentheses.
    ``check``               every peer that computes the same values was compared with
                            resample_jax on the benchmark inputs: ``ok``, or ``MISMATCH name``.
                            Peers with another convention (torch bicubic a=-0.75, torch's CRD
                            pixel-shuffle order) are not compared; ``--verbose`` shows why.

Train steps (``benchmarks/train_steps.py``)
    The experiment runner's own train steps on the quick configurations (the SR net: ESPCN with a
    bicubic residual, batch 16 of 16-pixel patches at scale 3; the segmentation U-Net, widths
    8-16-32, batch 16 of 32-pixel crops): build time (trace + lower + compile, wall and process CPU
    seconds) and 50 steps, beside the same nets written in PyTorch and run eagerly (50 steps), in
    the same process. Run with every preset but ``--tiny``; ``--ops train`` runs only them,
    ``--no-train-steps`` leaves them out. Their targets: build < 3 s (SR) and < 5 s (U-Net), step
    no slower than PyTorch eager. On a machine shared with other jobs PyTorch's OpenMP threads
    spin and its times explode; measure on a quiet machine.

Targets (``benchmarks/targets.py``: the goals of issue 6 as a table) follow: for each case a target
applies to, the measured ratio (or compile seconds), the limit, and PASS / FAIL / n/a (n/a: the
reference is missing on that case, e.g. PyTorch has no lanczos). Targets are goals, not tests.

Outputs in ``--out`` (default ``runs/benchmarks``): ``results.json`` (every sample statistic,
machine, settings, verdicts), ``results.md`` (the tables in markdown to paste into the README;
``--markdown PATH`` writes it elsewhere) and ``results.png`` (time of every contender relative to
resample_jax, log scale, one panel per size and dtype).
"""

from __future__ import annotations

import argparse
import shlex
import sys

from benchmarks import cases, hardware, report, suite, targets, train_steps

PRESETS = {
    # sizes, dtypes, repeats, budget seconds per contender
    "full": (["small", "large"], ["float32", "bfloat16"], 20, 2.0),
    "quick": (["small"], ["float32"], 10, 0.5),
    "tiny": (["tiny"], ["float32"], 3, 0.05),
}


TRAIN_STEPS = 50


def _is_train(name: str) -> bool:
    return name == train_steps.TRAIN_FAMILY or name in train_steps.CASES


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Times resample_jax ops beside their peers (see the module docstring).",
    )
    preset = p.add_mutually_exclusive_group()
    preset.add_argument("--quick", action="store_true", help="small shapes, float32 only")
    preset.add_argument("--tiny", action="store_true", help="tiny shapes: machinery check only")
    families = sorted({op.family for op in cases.OPS.values()} | {train_steps.TRAIN_FAMILY})
    p.add_argument(
        "--ops",
        type=_csv,
        help=f"comma-separated op or family names: {sorted(cases.OPS)}, "
        f"{sorted(train_steps.CASES)}, {families}",
    )
    p.add_argument("--dtype", type=_csv, help="comma-separated: float32,bfloat16")
    p.add_argument(
        "--sizes", type=_csv, help=f"comma-separated size presets: {sorted(cases.SIZES)}"
    )
    p.add_argument("--repeats", type=int, help="timed calls per contender (default 20; quick 10)")
    p.add_argument("--warmup", type=int, default=2, help="untimed calls before sampling")
    p.add_argument("--budget", type=float, help="seconds of sampling per contender before stopping")
    p.add_argument("--out", default="runs/benchmarks", help="directory for json / md / png")
    p.add_argument("--markdown", help="write the markdown tables to this file instead")
    p.add_argument("--peak-bandwidth", type=float, help="device peak bandwidth in GB/s (override)")
    p.add_argument("--no-torch", action="store_true", help="leave out the PyTorch peers")
    p.add_argument(
        "--no-train-steps",
        action="store_true",
        help="leave out the runner's train steps (run by default unless --ops names none)",
    )
    p.add_argument("--no-check", action="store_true", help="skip comparing values with peers")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--verbose", action="store_true", help="also print every contender")
    args = p.parse_args(argv)
    if args.repeats is not None and args.repeats < 1:
        p.error("--repeats must be >= 1")
    return args


def main(argv: list[str] | None = None) -> dict:
    argv_used = sys.argv[1:] if argv is None else argv
    args = parse_args(argv_used)
    name = "quick" if args.quick else "tiny" if args.tiny else "full"
    sizes, dtypes, repeats, budget = PRESETS[name]
    op_names = [o for o in args.ops or [] if not _is_train(o)] or None
    train_cases = [] if args.no_train_steps or name == "tiny" else train_steps.select(args.ops)
    try:
        specs = (
            []
            if args.ops and not op_names
            else cases.select(op_names, args.sizes or sizes, args.dtype or dtypes)
        )
    except ValueError as e:
        sys.exit(f"python -m benchmarks: {e}")
    threads = (
        suite.configure_threads()
        if not args.no_torch
        else {"xla_cpu_threads": hardware.cpu_threads(), "torch_threads": None}
    )
    machine = hardware.describe(args.peak_bandwidth)
    machine["threads"] = threads
    settings = suite.Settings(
        repeats=args.repeats or repeats,
        warmup=args.warmup,
        budget_s=args.budget if args.budget is not None else budget,
        peak_bandwidth=machine["peak_bandwidth_bytes_per_s"],
        torch=not args.no_torch,
    )
    records = suite.run(
        specs, settings, progress=False if args.no_progress else None, check=not args.no_check
    )
    train_records = [
        train_steps.run_case(c, steps=TRAIN_STEPS, torch=not args.no_torch) for c in train_cases
    ]
    result = {
        "command": " ".join(["python -m benchmarks", *map(shlex.quote, argv_used)]),
        "preset": name,
        "machine": machine,
        "settings": {
            "repeats": settings.repeats,
            "warmup": settings.warmup,
            "budget_s": settings.budget_s,
        },
        "records": records,
        "train_steps": train_records,
        "targets": targets.evaluate(records) + train_steps.verdicts(train_records),
    }
    print(report.terminal(result, verbose=args.verbose))
    paths = report.write_all(result, args.out, args.markdown)
    print("\nwrote " + ", ".join(paths.values()))
    return result


if __name__ == "__main__":
    main()
