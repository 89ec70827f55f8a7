"""What the benchmarks run on: JAX backend and device, thread counts, peak memory bandwidth."""

from __future__ import annotations

import os
import platform

import jax

# Peak DRAM/HBM bandwidth in bytes per second by device kind, from the vendors' data sheets. The
# first entry whose key is a substring of ``jax.Device.device_kind`` wins, so the more specific
# names come first. Override with ``--peak-bandwidth`` for anything missing or mismatched.
PEAK_BANDWIDTH: tuple[tuple[str, float], ...] = (
    ("GH200", 4.0e12),  # before "H200", which it contains
    ("H200", 4.8e12),
    ("H100 PCIe", 2.0e12),
    ("H100 NVL", 3.9e12),
    ("H100", 3.35e12),  # SXM5, reported as "NVIDIA H100 80GB HBM3"
    ("B200", 8.0e12),
    ("A100-SXM4-40GB", 1.555e12),
    ("A100-PCIE-40GB", 1.555e12),
    ("A100 80GB PCIe", 1.935e12),
    ("A100", 2.039e12),  # SXM4 80GB
    ("L40S", 864e9),
    ("L4", 300e9),
    ("A10G", 600e9),
    ("A10", 600e9),
    ("V100", 900e9),
    ("T4", 320e9),
    ("RTX 4090", 1008e9),
    ("RTX 3090", 936e9),
)


def peak_bandwidth(device_kind: str) -> float | None:
    """Peak memory bandwidth in bytes/s of a device kind, or None when the table lacks it."""
    for key, value in PEAK_BANDWIDTH:
        if key.lower() in device_kind.lower():
            return value
    return None


def cpu_threads() -> int:
    """Cores this process may run on: the size of the thread pool XLA's CPU backend uses."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no affinity mask
        return os.cpu_count() or 1


def describe(peak_override_gbps: float | None = None) -> dict:
    """Facts about the machine and libraries, stored with the results."""
    device = jax.devices()[0]
    backend = jax.default_backend()
    peak = peak_override_gbps * 1e9 if peak_override_gbps else None
    if peak is None and backend == "gpu":
        peak = peak_bandwidth(device.device_kind)
    info = {
        "jax": jax.__version__,
        "backend": backend,
        "device_kind": device.device_kind,
        "device_count": jax.device_count(),
        "cpu_threads": cpu_threads(),
        "peak_bandwidth_bytes_per_s": peak,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
    }
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    except ImportError:
        info["torch"] = None
    return info
