"""``python -m benchmarks.gpu_check``: accelerator tests and the benchmark suite on an NVIDIA GPU.

On a machine with an NVIDIA GPU and a preinstalled JAX-CUDA / Flax / Optax / Orbax / PyTorch
stack::

    pip install --no-deps -e .
    RESAMPLE_JAX_GPU_OUT=runs/gpu python -m benchmarks.gpu_check

(Where pip cannot reach an index for its isolated build, ``pip install --no-deps
--no-build-isolation -e .`` builds with the machine's own setuptools, which must be >= 77 for the
SPDX ``license`` string in pyproject.toml.)

It runs, in order, each stage with its own time limit (about 8 minutes in all on an H200):

1. ``pytest -m accelerator`` (``tests/test_accelerator.py``): every method of the table under
   ``jax.jit`` with its gradients on the GPU, compared with the host CPU; the platform-dependent
   convolution kernel gradient against NumPy; one runner smoke run. JUnit XML is kept.
2. ``python -m benchmarks`` (small and large shapes, float32, the train steps) with
   JAX on the GPU and PyTorch CUDA as the peer; bandwidth-bound ops are reported as a fraction of
   the GPU's peak bandwidth (``benchmarks/hardware.py`` knows the H100 / H200 / A100 figures).

and writes ``gpu_check.json`` and ``gpu_check.md`` (the device, each stage's command, exit code,
duration and test counts, and the benchmark tables) to the folder named by ``RESAMPLE_JAX_GPU_OUT``
(or ``--out``; default ``runs/gpu_check``), beside the benchmark's own ``results.*`` files and the
tests' ``junit.xml``.

Without an NVIDIA GPU both stages are skipped and the files say so (``--force`` runs them on
whatever device JAX has, e.g. to try the command on a CPU). The exit code is non-zero when a stage
fails.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

OUT_ENV = "RESAMPLE_JAX_GPU_OUT"
ROOT = Path(__file__).resolve().parents[1]
# Seconds per stage: together under 8 minutes, the benchmark getting what the tests leave.
TEST_LIMIT_S = 180
BENCH_LIMIT_S = 300


def gpu_present() -> tuple[bool, str]:
    """Whether JAX's default device is an NVIDIA GPU, and the devices in words."""
    import jax

    d = jax.devices()[0]
    version = str(getattr(d.client, "platform_version", "")).lower()
    nvidia = d.platform == "gpu" and ("nvidia" in d.device_kind.lower() or "cuda" in version)
    return nvidia, f"{jax.device_count()} x {d.device_kind} ({d.platform})"


def stage_commands(out: Path, quick: bool) -> dict[str, list[str]]:
    """The command line of each stage (run from the repository root)."""
    tests = [sys.executable, "-m", "pytest", "-q", "-m", "accelerator", "-p", "no:cacheprovider"]
    # A preinstalled stack may lack pytest-xdist: "-n 0" is then an unknown option.
    tests += ["-n", "0"] if importlib.util.find_spec("xdist") is not None else []
    tests += [f"--junitxml={out / 'junit.xml'}", "tests/test_accelerator.py"]
    bench = [sys.executable, "-m", "benchmarks", "--no-progress", "--out", str(out)]
    # float32 at both sizes with a short sampling budget fits the stage limit (compiles dominate).
    bench += ["--quick"] if quick else ["--sizes", "small,large", "--dtype", "float32"]
    bench += ["--budget", "0.25"]
    return {"tests": tests, "benchmarks": bench}


def _junit_counts(path: Path) -> dict[str, int] | None:
    if not path.exists():
        return None
    root = ET.parse(path).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    if suite is None:
        return None
    return {k: int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped")}


def run_stage(name: str, command: list[str], limit_s: float) -> dict:
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=limit_s, check=False
        )
        code, tail = proc.returncode, (proc.stdout + proc.stderr)[-4000:]
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"") + (e.stderr or b"")
        code = None
        tail = (out.decode() if isinstance(out, bytes) else out)[-4000:]
        tail += f"\n[stopped after the stage limit of {limit_s:.0f} s]"
    return {
        "stage": name,
        "command": " ".join(command),
        "exit_code": code,
        "seconds": time.perf_counter() - t0,
        "output_tail": tail,
    }


def markdown(summary: dict) -> str:
    lines = [
        "## GPU check",
        "",
        f"Device: {summary['device']}. Command: `{summary['command']}`.",
        "",
        "| stage | result | seconds | detail |",
        "|---|---|---|---|",
    ]
    for s in summary["stages"]:
        if s.get("skipped"):
            result, detail = "skipped", s["skipped"]
        else:
            result = "ok" if s["exit_code"] == 0 else f"FAILED (exit {s['exit_code']})"
            result = "NOT RUN" if s["seconds"] is None else result
            counts = s.get("tests")
            if counts:
                detail = (
                    f"{counts['tests']} tests, {counts['failures']} failures, "
                    f"{counts['errors']} errors, {counts['skipped']} skipped"
                )
            elif s["seconds"] is None:
                detail = s["output_tail"]
            else:
                detail = s["command"]
        seconds = "-" if s.get("seconds") is None else f"{s['seconds']:.0f}"
        lines.append(f"| {s['stage']} | {result} | {seconds} | {detail} |")
    bench_md = Path(summary["out"]) / "results.md"
    if bench_md.exists() and not any(
        s["stage"] == "benchmarks" and s.get("skipped") for s in summary["stages"]
    ):
        lines += ["", bench_md.read_text()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.gpu_check", description=__doc__)
    p.add_argument("--out", help=f"output folder (default: ${OUT_ENV} or runs/gpu_check)")
    p.add_argument("--force", action="store_true", help="run the stages without an NVIDIA GPU")
    p.add_argument("--quick", action="store_true", help="benchmark the small float32 preset only")
    args = p.parse_args(argv)
    out = Path(args.out or os.environ.get(OUT_ENV) or "runs/gpu_check").resolve()
    out.mkdir(parents=True, exist_ok=True)
    has_gpu, device = gpu_present()
    summary = {
        "command": " ".join(["python -m benchmarks.gpu_check", *(argv or sys.argv[1:])]),
        "device": device,
        "nvidia_gpu": has_gpu,
        "out": str(out),
        "stages": [],
    }
    limits = {"tests": TEST_LIMIT_S, "benchmarks": BENCH_LIMIT_S}
    for name, command in stage_commands(out, args.quick).items():
        if not (has_gpu or args.force):
            summary["stages"].append(
                {"stage": name, "command": " ".join(command), "skipped": "no NVIDIA GPU"}
            )
            continue
        if name == "tests" and importlib.util.find_spec("pytest") is None:
            # Not a pass: the exit code below stays non-zero for a stage that could not run.
            summary["stages"].append(
                {
                    "stage": name,
                    "command": " ".join(command),
                    "exit_code": None,
                    "seconds": None,
                    "output_tail": "pytest is not installed: pip install pytest",
                }
            )
            print("tests: not run, pytest is not installed", flush=True)
            continue
        stage = run_stage(name, command, limits[name])
        if name == "tests":
            stage["tests"] = _junit_counts(out / "junit.xml")
        summary["stages"].append(stage)
        print(f"{name}: exit {stage['exit_code']} in {stage['seconds']:.0f} s", flush=True)
    (out / "gpu_check.json").write_text(json.dumps(summary, indent=2))
    (out / "gpu_check.md").write_text(markdown(summary))
    print(f"wrote {out / 'gpu_check.json'}, {out / 'gpu_check.md'}")
    failed = [s for s in summary["stages"] if not s.get("skipped") and s["exit_code"] != 0]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
