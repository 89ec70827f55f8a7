"""The speed targets of issue 6 as one data table, and the PASS/FAIL arithmetic on timing records.

Every target compares resample_jax's median time on a case with one reference on the same case:
``ratio = t_resample_jax / t_reference``, and the target holds when ``ratio <= limit``.
"k times faster than P" is ``limit = 1 / k``; "within k of P" (no slower than k times P) is
``limit = k``. The compile target compares the compile time in seconds with a bound instead.
Targets are printed, never asserted: they are goals for a quiet machine, not tests.
"""

from __future__ import annotations

import dataclasses

from benchmarks.cases import FWD, FWD_BWD, JAX_IMAGE, TORCH

FLOOR_REF = "floor"  # the copy floor of the case (role "floor")
COMPILE_REF = "compile"  # compile time of resample_jax, against ``limit`` seconds

UP_SMOOTH = ("bilinear_up", "bicubic_up")
AA_DOWN = ("linear_aa_down", "cubic_aa_down", "lanczos3_aa_down")
REARRANGE = ("nearest_up", "pixel_shuffle", "pixel_unshuffle", "bed_of_nails")


@dataclasses.dataclass(frozen=True)
class Target:
    ops: tuple[str, ...]
    mode: str | None  # None: every mode
    reference: str  # a contender name, FLOOR_REF or COMPILE_REF
    faster: float | None = None  # at least this many times faster than the reference
    within: float | None = None  # at most this many times the reference's time (or seconds)
    size: str | None = None  # None: every size preset

    @property
    def limit(self) -> float:
        return 1.0 / self.faster if self.faster is not None else float(self.within)

    def describe(self) -> str:
        if self.reference == COMPILE_REF:
            return f"compile < {self.within:g} s"
        ref = "copy floor" if self.reference == FLOOR_REF else self.reference
        if self.faster is not None:
            return f">= {self.faster:g}x faster than {ref}"
        if self.within == 1.0:
            return f"no slower than {ref}"
        return f"within {self.within:g}x of {ref}"


# fmt: off
TARGETS: tuple[Target, ...] = (
    Target(UP_SMOOTH, FWD, JAX_IMAGE, faster=3.0, size="small"),
    Target(UP_SMOOTH, FWD, JAX_IMAGE, faster=6.0, size="large"),
    Target(UP_SMOOTH, FWD, TORCH, within=1.3),
    Target(UP_SMOOTH, FWD_BWD, TORCH, within=2.0),
    Target(AA_DOWN, FWD, JAX_IMAGE, faster=1.5),
    Target(AA_DOWN, FWD, TORCH, within=1.5),
    Target(REARRANGE, FWD, FLOOR_REF, within=1.15),
    Target(("max_pool",), FWD, "reshape+max", within=1.1),
    Target(("max_pool",), FWD_BWD, "lax.reduce_window", faster=5.0),
    Target(("max_pool",), FWD_BWD, TORCH, within=1.0),
    Target(("max_unpool",), None, "scatter", faster=2.0),
    Target(("conv_transpose",), FWD, "lax.conv_transpose", within=1.0),
    Target(("conv_transpose",), FWD_BWD, "lax.conv_transpose", faster=10.0),
    Target(("conv_transpose",), FWD_BWD, TORCH, within=2.5),
    # Batch-chunked im2col tangents against XLA's own rule, which they replace at that size.
    Target(("conv3x3",), FWD_BWD, "lax.conv", faster=1.5, size="large"),
    Target(("conv3x3",), FWD_BWD, TORCH, within=1.0),
    Target(("*",), None, COMPILE_REF, within=1.0),  # issue 15: every case compiles in < 1 s
)
# fmt: on

PASS, FAIL, NA = "PASS", "FAIL", "n/a"


def _applies(target: Target, record: dict) -> bool:
    return (
        ("*" in target.ops or record["op"] in target.ops)
        and target.mode in (None, record["mode"])
        and target.size in (None, record["size"])
    )


def _contender(record: dict, name: str) -> dict | None:
    for c in record["contenders"]:
        if c["name"] == name and c["median_s"] is not None:
            return c
    return None


def evaluate(records: list[dict], targets: tuple[Target, ...] = TARGETS) -> list[dict]:
    """One verdict per (target, case it applies to): measured value, limit, PASS / FAIL / n/a.

    ``n/a`` means the case lacks the reference (no PyTorch mode for lanczos, a peer that failed)
    or resample_jax was not timed; it is neither a pass nor a failure.
    """
    verdicts = []
    for record in records:
        for target in targets:
            if not _applies(target, record):
                continue
            ours = _contender(record, "resample_jax")
            value, note = None, ""
            if ours is None:
                note = "op missing" if record.get("skipped") else "resample_jax not timed"
            elif target.reference == COMPILE_REF:
                value = ours["compile_s"]
            else:
                ref_name = target.reference
                if ref_name == FLOOR_REF:
                    ref_name = next(
                        (c["name"] for c in record["contenders"] if c["role"] == "floor"), ""
                    )
                ref = _contender(record, ref_name)
                if ref is None:
                    note = f"no timing of {target.reference} on this case"
                else:
                    value = ours["median_s"] / ref["median_s"]
            status = NA if value is None else (PASS if value <= target.limit else FAIL)
            verdicts.append(
                {
                    "case": record["key"],
                    "op": record["op"],
                    "mode": record["mode"],
                    "size": record["size"],
                    "dtype": record["dtype"],
                    "target": target.describe(),
                    "reference": target.reference,
                    "value": value,
                    "limit": target.limit,
                    "unit": "s" if target.reference == COMPILE_REF else "time ratio",
                    "status": status,
                    "note": note,
                }
            )
    return verdicts


def format_value(verdict: dict) -> str:
    """The measured value as printed: seconds, or the time ratio with the speed-up it means."""
    v = verdict["value"]
    if v is None:
        return "-"
    if verdict["unit"] == "s":
        return f"{v:.2f} s"
    speedup = 1 / v
    speedup_text = f"{speedup:.0f}" if speedup >= 100 else f"{speedup:.2g}"
    return f"{v:.3g} ({speedup_text}x faster)" if v < 1 else f"{v:.3g}"
