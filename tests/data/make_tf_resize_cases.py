"""Writes ``tf_resize_cases.npz``: ``tf.image.resize`` outputs that ``test_resize_parity.py``
replays under ``convention="tensorflow"`` (TensorFlow is not a test dependency).

Run with TensorFlow installed, in its own environment (its NumPy / ml_dtypes pins clash with
JAX's), from this directory:

    python -m venv /tmp/tfenv && /tmp/tfenv/bin/pip install tensorflow-cpu numpy
    /tmp/tfenv/bin/python make_tf_resize_cases.py

The committed file was written by TensorFlow 2.21.0 (tensorflow-cpu, CPU kernels); its version
is stored in the file. Layout (``np.load``):

  case{i}_x  the input, stored as float32 (for input_dtype "uint8" the values are integers
             0..255: replay with ``x.astype(np.uint8)``)
  case{i}_y  ``tf.image.resize(x.astype(input_dtype), size, method_tf, antialias=antialias)``
             as TF returned it (float32, or the input's dtype for nearest)
  meta       a JSON string: tf_version, numpy_version, and per case i, tag, method_tf, method
             (resample_jax's name), size, antialias, input_dtype, tf_output_dtype.

The cases: every method x antialias on an up, a down and a mixed case; per method 1x1 -> 7x7,
3 -> 40, identity, 7x9 -> 1x1 antialiased and 13x13 -> 2x2; two batched inputs; one uint8 input
per method; and the smallest inputs found (in a sweep of 3,688 random and edge cases against
TensorFlow) on which TF's float32 arithmetic decides the result: nearest ties (14 -> 23,
26 -> 11, 2 -> 41), ResizeBicubic's 1/1024 position table ([0, 1] -> 5, ...) and gaussian taps
exactly at the 1.5 cut-off (14 -> 1, 7 -> 4 antialiased, 6 -> 13).
"""

from __future__ import annotations

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np
import tensorflow as tf

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf_resize_cases.npz")
METHOD_MAP = {
    "nearest": "nearest",
    "bilinear": "linear",
    "bicubic": "cubic",
    "area": "area",
    "lanczos3": "lanczos3",
    "lanczos5": "lanczos5",
    "gaussian": "gaussian",
    "mitchellcubic": "mitchell",
}


def cases() -> list[dict]:
    rng = np.random.default_rng(7)
    out = []

    def add(tag, method, x, size, aa=False, dtype="float32"):
        out.append(dict(tag=tag, method_tf=method, x=np.asarray(x), size=list(size),
                        antialias=aa, input_dtype=dtype))

    def rnd(*shape):
        return rng.random(shape).astype(np.float32)

    for m in METHOD_MAP:
        for aa in (False, True):
            add("up 3x4->7x9", m, rnd(3, 4, 2), (7, 9), aa)
            add("down 11x9->4x3", m, rnd(11, 9, 1), (4, 3), aa)
            add("mixed 5x7->8x3", m, rnd(5, 7, 2), (8, 3), aa)
    for m in METHOD_MAP:
        add("1x1->7x7", m, rnd(1, 1, 1), (7, 7))
        add("3->40 (H), 3->3 (W)", m, rnd(3, 3, 1), (40, 3))
        add("identity 5x6", m, rnd(5, 6, 1), (5, 6))
        add("to 1x1 from 7x9, antialias", m, rnd(7, 9, 1), (1, 1), True)
        for aa in (False, True):
            add("extreme 13x13->2x2", m, rnd(13, 13, 1), (2, 2), aa)
    for m in ("bilinear", "bicubic"):
        add("batched [2,4,5,3]->6x2", m, rnd(2, 4, 5, 3), (6, 2))
    for m in METHOD_MAP:
        add("uint8 4x5->7x3", m, rng.integers(0, 256, (4, 5, 1)).astype(np.float32), (7, 3),
            dtype="uint8")
    ar = lambda n: np.arange(n, dtype=np.float32).reshape(n, 1, 1)  # noqa: E731
    add("nearest tie 14->23 (out 11: exact 7, TF 6)", "nearest", ar(14), (23, 1))
    add("nearest tie 26->11 (out 5: exact 13, TF 12)", "nearest", ar(26), (11, 1))
    add("nearest tie 2->41 (out 20: exact 1, TF 0)", "nearest", ar(2), (41, 1))
    add("nearest ties 2-D 2x14->41x23", "nearest",
        np.arange(28, dtype=np.float32).reshape(2, 14, 1), (41, 23))
    add("bicubic table [0,1]->5", "bicubic", np.array([0, 1], np.float32).reshape(2, 1, 1),
        (5, 1))
    add("bicubic table [0,1,0]->5", "bicubic", np.array([0, 1, 0], np.float32).reshape(3, 1, 1),
        (5, 1))
    add("bicubic table [1,0,0,1]->3", "bicubic",
        np.array([1, 0, 0, 1], np.float32).reshape(4, 1, 1), (3, 1))
    add("bicubic table 7x5->5x7", "bicubic", rnd(7, 5, 1), (5, 7))
    for n, m, aa in ((14, 1, False), (7, 4, True), (6, 13, False)):
        # One-hot channels: the output is the weight matrix, W[o, j] = y[o, 0, j].
        add(f"gaussian cutoff weights {n}->{m} aa={aa}", "gaussian",
            np.eye(n, dtype=np.float32).reshape(n, 1, n), (m, 1), aa)
    return out


def main() -> None:
    arrays, meta = {}, []
    for i, c in enumerate(cases()):
        x = c["x"].astype(c["input_dtype"])
        y = tf.image.resize(x, c["size"], method=c["method_tf"], antialias=c["antialias"]).numpy()
        arrays[f"case{i}_x"] = c["x"].astype(np.float32)
        arrays[f"case{i}_y"] = y
        meta.append(dict(i=i, tag=c["tag"], method_tf=c["method_tf"],
                         method=METHOD_MAP[c["method_tf"]], size=c["size"],
                         antialias=c["antialias"], input_dtype=c["input_dtype"],
                         tf_output_dtype=str(y.dtype)))
    arrays["meta"] = np.array(json.dumps(dict(
        tf_version=tf.__version__, numpy_version=np.__version__, cases=meta)))
    np.savez_compressed(OUT, **arrays)
    print(f"{len(meta)} cases, TF {tf.__version__}, {os.path.getsize(OUT)} bytes -> {OUT}")


if __name__ == "__main__":
    main()
